from typing import Any

from app.core.errors import Conflict, InvalidInput, NotFound


def field_errors(field: str, msg: str, kind: str = "value_error") -> list[dict[str, Any]]:
    """The `errors` of a 422 that names one body field, shaped like a validation error."""
    return [{"loc": ["body", field], "msg": msg, "type": kind}]


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
