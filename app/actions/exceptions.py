from app.core.errors import Conflict, InvalidInput, NotFound


class ActionNotFound(NotFound):
    title, slug = "Action not found", "action-not-found"


class ActionClosed(Conflict):
    title, slug = "Action closed", "action-closed"


class UnknownReference(InvalidInput):
    title, slug = "Unknown reference", "unknown-reference"


class InvalidDates(InvalidInput):
    title, slug = "Invalid dates", "invalid-dates"


class InvalidActionField(InvalidInput):
    title, slug = "Invalid action field", "invalid-action-field"
