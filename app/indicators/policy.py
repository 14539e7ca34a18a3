"""Who may do what to an indicator and its values, and who sees its working copies."""

from __future__ import annotations

import uuid

from app.access.permissions import Permission, Role
from app.access.principal import Principal
from app.indicators.models import Indicator, IndicatorValue


def is_assigned(principal: Principal, indicator: Indicator) -> bool:
    """The principal owns or collects this indicator."""
    return principal.id == indicator.owner_id or any(
        user.id == principal.id for user in indicator.collectors
    )


def may_enter(principal: Principal, indicator: Indicator, permission: Permission) -> bool:
    """Enter or submit a value: approvers in scope and machine clients in scope, or staff who
    collect or own the indicator."""
    if not principal.can(permission, indicator.org_unit_id):
        return False
    if not principal.is_user:
        return True
    return principal.can(Permission.VALUES_APPROVE, indicator.org_unit_id) or is_assigned(
        principal, indicator
    )


def may_approve(principal: Principal, indicator: Indicator) -> bool:
    return principal.is_user and principal.can(Permission.VALUES_APPROVE, indicator.org_unit_id)


def entered_by(principal: Principal, value: IndicatorValue) -> bool:
    return principal.id in {value.entered_by_id, value.submitted_by_id}


def approves_own_entry(principal: Principal, value: IndicatorValue) -> bool:
    return entered_by(principal, value) and not principal.has_role(Role.ADMIN)


def sees_working_copies(principal: Principal | None, org_unit_id: uuid.UUID) -> bool:
    """Drafts and submitted values of an org unit's indicators are for those who may act on
    them there: approvers in scope, the performance team, auditors and admins. Everyone else
    (councillors, the public) reads approved figures only."""
    return principal is not None and (
        principal.can(Permission.VALUES_READ_INTERNAL, org_unit_id)
        or principal.can(Permission.VALUES_APPROVE, org_unit_id)
    )


def sees_drafts(
    principal: Principal | None, indicator: Indicator, value: IndicatorValue | None = None
) -> bool:
    """``sees_working_copies``, and the indicator's own collectors and owner, and whoever
    entered or submitted this value."""
    if principal is None:
        return False
    return (
        sees_working_copies(principal, indicator.org_unit_id)
        or is_assigned(principal, indicator)
        or (value is not None and entered_by(principal, value))
    )
