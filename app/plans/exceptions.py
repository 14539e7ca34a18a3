from app.core.errors import Conflict, InvalidInput, NotFound


class PlanNotFound(NotFound):
    title, slug = "Plan not found", "plan-not-found"


class ObjectiveNotFound(NotFound):
    title, slug = "Objective not found", "objective-not-found"


class InvalidLink(InvalidInput):
    title, slug = "Invalid link", "invalid-link"


class ObjectiveCycle(Conflict):
    title, slug = "Objective cannot sit below itself", "objective-cycle"


class PlanFrozen(Conflict):
    title, slug = "Plan is approved", "plan-frozen"


class PlanWrongStep(Conflict):
    title, slug = "Not at this step of the plan's lifecycle", "plan-wrong-step"


class PlanVersionNotFound(NotFound):
    title, slug = "Plan version not found", "plan-version-not-found"
