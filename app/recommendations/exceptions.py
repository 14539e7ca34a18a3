from app.core.errors import Conflict, InvalidInput, NotFound


class RecommendationNotFound(NotFound):
    title, slug = "Recommendation not found", "recommendation-not-found"


class ReferenceTaken(Conflict):
    title, slug = "Recommendation reference already used", "duplicate-code"


class OpenActions(Conflict):
    title, slug = "Recommendation has open actions", "open-actions"


class UnknownReference(InvalidInput):
    title, slug = "Unknown reference", "unknown-reference"


class InvalidRecommendationField(InvalidInput):
    title, slug = "Invalid recommendation field", "invalid-recommendation-field"
