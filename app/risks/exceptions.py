from app.core.errors import Conflict, InvalidInput, NotFound


class RiskNotFound(NotFound):
    title, slug = "Risk not found", "risk-not-found"


class RiskCodeTaken(Conflict):
    title, slug = "Risk code already used", "duplicate-code"


class UnknownReference(InvalidInput):
    title, slug = "Unknown reference", "unknown-reference"


class InvalidRiskField(InvalidInput):
    title, slug = "Invalid risk field", "invalid-risk-field"
