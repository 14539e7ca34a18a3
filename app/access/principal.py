"""Who is making the request, and what they may do where."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from app.access.permissions import ROLE_PERMISSIONS, Permission, Role
from app.core.security import SubjectKind


class OrgTree(Protocol):
    """What a principal needs of the organisation (``app.org.tree.OrgTree`` is one): the units
    at and below some units."""

    def subtree(self, unit_id: uuid.UUID) -> set[uuid.UUID]: ...
    def subtrees(self, unit_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]: ...


@dataclass(frozen=True)
class Grant:
    role: Role
    org_unit_id: uuid.UUID | None  # None: the whole council


@dataclass(frozen=True)
class Scope:
    """Where a permission holds: everywhere, or in a set of org units."""

    everywhere: bool
    unit_ids: frozenset[uuid.UUID] = frozenset()

    def covers(self, unit_id: uuid.UUID | None) -> bool:
        return self.everywhere or (unit_id is not None and unit_id in self.unit_ids)

    @property
    def is_empty(self) -> bool:
        return not self.everywhere and not self.unit_ids


NOWHERE = Scope(everywhere=False)
EVERYWHERE = Scope(everywhere=True)


@dataclass
class Principal:
    kind: SubjectKind
    id: uuid.UUID
    name: str
    grants: tuple[Grant, ...] = ()
    # For machine clients: the permissions their scopes give, and the units they may touch.
    client_permissions: frozenset[Permission] = frozenset()
    client_unit_ids: frozenset[uuid.UUID] = frozenset()
    client_scopes: tuple[str, ...] = ()
    tree: OrgTree | None = None
    _scopes: dict[Permission, Scope] = field(default_factory=dict, repr=False)

    @property
    def is_user(self) -> bool:
        return self.kind is SubjectKind.USER

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.grants)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def has(self, permission: Permission) -> bool:
        """Holds the permission somewhere."""
        return not self.scope(permission).is_empty

    def can(self, permission: Permission, org_unit_id: uuid.UUID | None) -> bool:
        """Holds the permission for things owned by this org unit."""
        return self.scope(permission).covers(org_unit_id)

    def scope(self, permission: Permission) -> Scope:
        cached = self._scopes.get(permission)
        if cached is None:
            cached = self._scopes[permission] = self._compute_scope(permission)
        return cached

    def _compute_scope(self, permission: Permission) -> Scope:
        if self.kind is SubjectKind.CLIENT:
            if permission not in self.client_permissions:
                return NOWHERE
            return self._expand(self.client_unit_ids)
        units: set[uuid.UUID] = set()
        for grant in self.grants:
            if permission not in ROLE_PERMISSIONS[grant.role]:
                continue
            if grant.org_unit_id is None:
                return EVERYWHERE
            units.add(grant.org_unit_id)
        return self._expand(units)

    def _expand(self, unit_ids: Iterable[uuid.UUID]) -> Scope:
        units = set(unit_ids)
        if not units:
            return NOWHERE
        if self.tree is None:  # pragma: no cover - the resolver always loads it for scoped grants
            raise RuntimeError("scoped principal without an organisation tree")
        return Scope(everywhere=False, unit_ids=frozenset(self.tree.subtrees(units)))
