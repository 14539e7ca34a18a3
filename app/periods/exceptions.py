from app.core.errors import Conflict, InvalidInput, NotFound


class PeriodNotFound(NotFound):
    title, slug = "Period not found", "period-not-found"


class FinancialYearExists(Conflict):
    title, slug = "Financial year already exists", "financial-year-exists"


class PeriodTransitionRefused(Conflict):
    title, slug = "Period status change refused", "period-transition"


class PeriodClosed(Conflict):
    title, slug = "Period closed", "period-closed"


class PeriodNotOpen(Conflict):
    title, slug = "Period not open", "period-not-open"


class PeriodOutstanding(Conflict):
    title, slug = "Period has outstanding figures", "outstanding"


class PeriodDatesOutOfOrder(InvalidInput):
    title, slug = "Period dates out of order", "period-dates"


class InvalidCloseRequest(InvalidInput):
    title, slug = "Invalid close request", "invalid-close"
