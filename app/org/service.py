"""The organisation tree: council -> directorate -> service -> team."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.changes import Version, noted_version
from app.core.etag import check_if_match
from app.org.exceptions import (
    OrgUnitCodeTaken,
    OrgUnitCycle,
    OrgUnitNotFound,
    OrgUnitPlacement,
    UnknownOrgUnitCode,
)
from app.org.models import KIND_RANK, OrgUnit, OrgUnitKind
from app.org.repository import OrgRepository
from app.org.schemas import OrgUnitCreate, OrgUnitRead, OrgUnitUpdate
from app.org.tree import OrgTree

# Per database, the tree as it stood at the last data version a request read with its
# principal (``OrgService.tree``): a unit added, moved or removed renews the version.
_KEPT: weakref.WeakKeyDictionary[Engine, tuple[Version, OrgTree]] = weakref.WeakKeyDictionary()


def _read(unit: OrgUnit, parent_code: str | None) -> OrgUnitRead:
    return OrgUnitRead(
        id=unit.id,
        code=unit.code,
        name=unit.name,
        kind=unit.kind,
        parent_code=parent_code,
        created_at=unit.created_at,
        updated_at=unit.updated_at,
    )


def _check_placement(kind: OrgUnitKind, parent: OrgUnit | None) -> None:
    if kind is OrgUnitKind.COUNCIL:
        if parent is not None:
            raise OrgUnitPlacement("A council is the root of the tree and has no parent.")
        return
    if parent is None:
        raise OrgUnitPlacement(f"A {kind.value} needs a parent_code.")
    # council -> directorate -> service -> team; teams may also nest within teams.
    nests = KIND_RANK[kind] == KIND_RANK[parent.kind] + 1 or (
        kind is OrgUnitKind.TEAM and parent.kind is OrgUnitKind.TEAM
    )
    if not nests:
        raise OrgUnitPlacement(f"A {kind.value} cannot sit below a {parent.kind.value}.")


class OrgService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = OrgRepository(session)
        self.audit = AuditService(session)

    async def get_unit(self, *, code: str) -> OrgUnit:
        """The org unit with the code; 404 when there is none."""
        unit = await self.repository.by_code(code=code)
        if unit is None:
            raise OrgUnitNotFound(f"No org unit has the code {code!r}.")
        return unit

    async def resolve_code(
        self, *, code: str | None, field: str | tuple[str | int, ...]
    ) -> OrgUnit | None:
        """An org unit named in a request body; 422 naming the field when it does not exist."""
        if code is None:
            return None
        unit = await self.repository.by_code(code=code)
        if unit is None:
            raise UnknownOrgUnitCode(
                f"No org unit has the code {code!r}.",
                errors=[
                    {
                        "loc": ["body", *(field if isinstance(field, tuple) else (field,))],
                        "msg": "unknown org unit",
                        "type": "not_found",
                    }
                ],
            )
        return unit

    async def tree(self) -> OrgTree:
        """The whole organisation tree: read once per data version this process sees with a
        principal (every scoped principal's, every subtree filter's), not once per request;
        read afresh in a transaction that has written, or that read no version with its
        principal (``app.core.changes.noted_version``)."""
        version = noted_version(self.session)
        if version is None:
            return OrgTree(await self.repository.parent_map())
        bind = self.session.sync_session.get_bind()
        database = bind if isinstance(bind, Engine) else bind.engine
        kept = _KEPT.get(database)
        if kept is not None and kept[0] == version:
            return kept[1]
        # Read after the version, so at least as new as it: never an older tree under it.
        tree = OrgTree(await self.repository.parent_map())
        _KEPT[database] = (version, tree)
        return tree

    async def read(self, *, unit: OrgUnit) -> OrgUnitRead:
        """The unit as the API shows it, with its parent's code."""
        codes = await self.repository.codes_by_id(ids=[unit.parent_id] if unit.parent_id else [])
        return _read(unit, codes.get(unit.parent_id) if unit.parent_id else None)

    async def get(self, *, code: str) -> tuple[OrgUnitRead, int]:
        """One org unit by its code, and its version (the ETag)."""
        unit = await self.get_unit(code=code)
        return await self.read(unit=unit), unit.version

    async def list(
        self,
        *,
        kind: OrgUnitKind | None,
        parent_code: str | None,
        within_code: str | None,
        q: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[OrgUnitRead], int]:
        """A page of org units and the total matching."""
        within = None
        if within_code is not None:
            root = await self.get_unit(code=within_code)
            within = (await self.tree()).subtree(root.id)
        rows, total = await self.repository.list(
            kind=kind, parent_code=parent_code, within=within, q=q, offset=offset, limit=limit
        )
        return [_read(unit, parent) for unit, parent in rows], total

    async def create(self, *, principal: Principal, data: OrgUnitCreate) -> tuple[OrgUnitRead, int]:
        """Add an org unit below its parent; the new unit and its version."""
        parent = await self.resolve_code(code=data.parent_code, field="parent_code")
        if not principal.can(Permission.ORG_WRITE, parent.id if parent else None):
            raise PermissionDenied("You may not add org units there.")
        _check_placement(data.kind, parent)
        if await self.repository.by_code(code=data.code) is not None:
            raise OrgUnitCodeTaken(f"The code {data.code!r} is already used.")
        unit = await self.repository.add(
            unit=OrgUnit(
                code=data.code,
                name=data.name,
                kind=data.kind,
                parent_id=parent.id if parent else None,
            )
        )
        created = _read(unit, data.parent_code)
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="org_unit",
            entity_id=unit.code,
            after=to_audit(created),
        )
        return created, unit.version

    async def update(
        self, *, principal: Principal, code: str, data: OrgUnitUpdate, if_match: str | None
    ) -> tuple[OrgUnitRead, int]:
        """Rename, re-kind or move an org unit; the unit after and its version."""
        unit = await self.get_unit(code=code)
        if not principal.can(Permission.ORG_WRITE, unit.id):
            raise PermissionDenied("You may not change this org unit.")
        check_if_match(if_match, unit.version)
        before = await self.read(unit=unit)
        changes = data.model_dump(exclude_unset=True)
        parent = await self._parent_after(unit, changes)
        kind = changes.get("kind") or unit.kind
        _check_placement(kind, parent)
        if "parent_code" in changes and parent is not None:
            tree = await self.tree()
            if parent.id in tree.subtree(unit.id):
                raise OrgUnitCycle(
                    f"{unit.code} cannot move below {parent.code}, which is itself below it."
                )
            if not principal.can(Permission.ORG_WRITE, parent.id):
                raise PermissionDenied("You may not move org units there.")
        if "kind" in changes:
            await self._check_children_fit(unit, kind)
        if "name" in changes and changes["name"] is not None:
            unit.name = changes["name"]
        unit.kind = kind
        unit.parent_id = parent.id if parent else None
        await self.repository.flush()
        after = await self.read(unit=unit)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="org_unit",
            entity_id=unit.code,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, unit.version

    async def _parent_after(self, unit: OrgUnit, changes: dict[str, object]) -> OrgUnit | None:
        if "parent_code" not in changes:
            if unit.parent_id is None:
                return None
            return await self.repository.get(unit_id=unit.parent_id)
        code = changes["parent_code"]
        return await self.resolve_code(
            code=code if isinstance(code, str) else None, field="parent_code"
        )

    async def _check_children_fit(self, unit: OrgUnit, kind: OrgUnitKind) -> None:
        children: Sequence[tuple[OrgUnit, str | None]]
        children, _ = await self.repository.list(
            kind=None, parent_code=unit.code, within=None, q=None, offset=0, limit=10_000
        )
        probe = OrgUnit(code=unit.code, name=unit.name, kind=kind)
        for child, _parent in children:
            _check_placement(child.kind, probe)
