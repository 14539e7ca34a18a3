from app.core.errors import Conflict, InvalidInput


class InvalidBudget(InvalidInput):
    title, slug = "Invalid budget", "invalid-budget"


class NoBudgetHere(Conflict):
    title, slug = "No budget for this plan", "no-budget-here"
