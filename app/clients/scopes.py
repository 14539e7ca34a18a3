"""What each API client scope lets a machine do."""

from __future__ import annotations

from enum import StrEnum

from app.access.permissions import Permission


class ClientScope(StrEnum):
    VALUES_WRITE = "values:write"
    VALUES_SUBMIT = "values:submit"
    REPORTS_READ = "reports:read"


_LOOKUPS = frozenset({Permission.ORG_READ, Permission.PERIODS_READ, Permission.INDICATORS_READ})

SCOPE_PERMISSIONS: dict[ClientScope, frozenset[Permission]] = {
    # Pushing values needs to see the drafts it pushed.
    ClientScope.VALUES_WRITE: _LOOKUPS | {Permission.VALUES_WRITE, Permission.VALUES_READ_INTERNAL},
    ClientScope.VALUES_SUBMIT: _LOOKUPS
    | {Permission.VALUES_SUBMIT, Permission.VALUES_READ_INTERNAL},
    ClientScope.REPORTS_READ: _LOOKUPS | {Permission.REPORTS_READ},
}


def permissions_for(scopes: list[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for scope in scopes:
        granted |= SCOPE_PERMISSIONS.get(ClientScope(scope), frozenset())
    return frozenset(granted)
