from app.core.errors import Conflict, InvalidInput, NotFound


class OrgUnitNotFound(NotFound):
    title, slug = "Org unit not found", "org-unit-not-found"


class OrgUnitCodeTaken(Conflict):
    title, slug = "Org unit code already used", "duplicate-code"


class OrgUnitCycle(Conflict):
    title, slug = "Org unit cannot move below itself", "org-unit-cycle"


class OrgUnitPlacement(Conflict):
    title, slug = "Org unit cannot sit there", "org-unit-placement"


class UnknownOrgUnitCode(InvalidInput):
    title, slug = "Unknown org unit", "unknown-org-unit"
