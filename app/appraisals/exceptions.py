from app.core.errors import Conflict, InvalidInput, NotFound


class PersonalObjectiveNotFound(NotFound):
    """Absent, or not the caller's to see: the two are told apart for no one."""

    title, slug = "Personal objective not found", "personal-objective-not-found"


class PersonNotFound(NotFound):
    """No such user, or one whose objectives the caller may not see."""

    title, slug = "Person not found", "person-not-found"


class ReviewNotFound(NotFound):
    title, slug = "Review not found", "review-not-found"


class ReviewExists(Conflict):
    title, slug = "Review already recorded", "review-exists"


class InvalidServes(InvalidInput):
    title, slug = "Not an objective this person serves", "invalid-serves"


class NotTheReviewer(InvalidInput):
    """A review field written by someone whose field it is not (the rating and comments are the
    line manager's, the own comments the person's)."""

    title, slug = "Not yours to write", "not-the-reviewer"
