from app.core.errors import Conflict, InvalidInput, NotFound


class PublicationNotFound(NotFound):
    pass


class CommentNotFound(NotFound):
    pass


class FormatNotOffered(InvalidInput):
    pass


class InvalidPublication(InvalidInput):
    pass


class PublicationNumberTaken(Conflict):
    """Two publications committed at once took the same number: the second may retry."""
