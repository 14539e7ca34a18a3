from app.core.errors import Conflict, InvalidInput, NotFound


class IndicatorNotFound(NotFound):
    title, slug = "Indicator not found", "indicator-not-found"


class IndicatorCodeTaken(Conflict):
    title, slug = "Indicator code already used", "duplicate-code"


class IndicatorRetired(Conflict):
    title, slug = "Indicator retired", "indicator-retired"


class IndicatorChangeRefused(Conflict):
    title, slug = "Indicator change refused", "indicator-change-refused"


class WrongPeriodKind(Conflict):
    title, slug = "Period of the wrong kind", "wrong-period-kind"


class TargetNotFound(NotFound):
    title, slug = "Target not found", "target-not-found"


class TargetShapeMismatch(InvalidInput):
    title, slug = "Target does not fit the indicator", "target-shape"


class ValueNotFound(NotFound):
    title, slug = "Value not found", "value-not-found"


class WrongWorkflowStep(Conflict):
    title, slug = "Wrong workflow step", "wrong-workflow-step"


class OwnApprovalRefused(Conflict):
    title, slug = "Approving your own entry", "own-approval"


class InvalidValue(InvalidInput):
    title, slug = "Invalid value", "invalid-value"
