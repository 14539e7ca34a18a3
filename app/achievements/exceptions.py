from app.core.errors import Conflict, InvalidInput, NotFound


class AchievementNotFound(NotFound):
    title, slug = "Achievement not found", "achievement-not-found"


class AlreadyApproved(Conflict):
    title, slug = "Achievement already approved", "wrong-workflow-step"


class UnknownReference(InvalidInput):
    title, slug = "Unknown reference", "unknown-reference"


class InvalidAchievementField(InvalidInput):
    title, slug = "Invalid achievement field", "invalid-achievement-field"
