from app.core.errors import Conflict, InvalidInput, NotFound


class CommitteeNotFound(NotFound):
    title, slug = "Committee not found", "committee-not-found"


class CommitteeNameTaken(Conflict):
    title, slug = "Committee name already used", "duplicate-name"


class UnknownReference(InvalidInput):
    title, slug = "Unknown reference", "unknown-reference"
