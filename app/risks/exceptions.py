from typing import Any

from app.core.errors import Conflict, InvalidInput, NotFound


def field_errors(field: str, msg: str, kind: str = "value_error") -> list[dict[str, Any]]:
    """The `errors` of a 422 that names one body field, shaped like a validation error."""
    return [{"loc": ["body", field], "msg": msg, "type": kind}]


class RiskNotFound(NotFound):
    title, slug = "Risk not found", "risk-not-found"


class RiskCodeTaken(Conflict):
    title, slug = "Risk code already used", "duplicate-code"


class UnknownReference(InvalidInput):
    title, slug = "Unknown reference", "unknown-reference"


class InvalidRiskField(InvalidInput):
    title, slug = "Invalid risk field", "invalid-risk-field"
