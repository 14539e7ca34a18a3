from app.core.errors import Conflict, InvalidInput, NotFound


class ProjectNotFound(NotFound):
    title, slug = "Project not found", "project-not-found"


class MilestoneNotFound(NotFound):
    title, slug = "Milestone not found", "milestone-not-found"


class ProjectCodeTaken(Conflict):
    title, slug = "Project code already used", "duplicate-code"


class UnknownReference(InvalidInput):
    title, slug = "Unknown reference", "unknown-reference"


class InvalidDates(InvalidInput):
    title, slug = "Invalid dates", "invalid-dates"


class InvalidProjectField(InvalidInput):
    title, slug = "Invalid project field", "invalid-project-field"
