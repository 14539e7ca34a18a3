"""People: accounts, activation and role assignments scoped to org units."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.permissions import Permission, Role
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.clock import utcnow
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.org.service import OrgService
from app.users.exceptions import (
    EmailTaken,
    InvalidManager,
    LastAdmin,
    RoleNotHeld,
    UserNotFound,
)
from app.users.models import RoleAssignment, User
from app.users.passwords import PasswordService
from app.users.repository import UserRepository
from app.users.schemas import MeRead, RoleGrant, RoleGrantRead, UserCreate, UserRead, UserUpdate
from app.users.schemas import RoleGrantRead as MeGrant

logger = logging.getLogger("app.users")


def to_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        job_title=user.job_title,
        is_active=user.is_active,
        manager_id=user.manager_id,
        roles=[
            RoleGrantRead(role=r.role, org_unit_code=r.org_unit.code if r.org_unit else None)
            for r in user.roles
        ],
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


class UserService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = UserRepository(session)
        self.org = OrgService(session)
        self.audit = AuditService(session)

    async def get(self, *, user_id: uuid.UUID) -> User:
        user = await self.repository.get(user_id=user_id)
        if user is None:
            raise UserNotFound(f"No user has the id {user_id}.")
        return user

    async def read(self, *, user_id: uuid.UUID) -> tuple[UserRead, int]:
        """One user and its version (the ETag)."""
        user = await self.get(user_id=user_id)
        return to_read(user), user.version

    async def list(
        self,
        *,
        q: str | None,
        is_active: bool | None,
        role: Role | None,
        org_unit_code: str | None,
        offset: int,
        limit: int,
        manager_id: uuid.UUID | None = None,
    ) -> tuple[list[UserRead], int]:
        unit_ids = None
        if org_unit_code is not None:
            unit = await self.org.get_unit(code=org_unit_code)
            unit_ids = (await self.org.tree()).subtree(unit.id)
        users, total = await self.repository.list(
            q=q,
            is_active=is_active,
            role=role,
            org_unit_ids=unit_ids,
            manager_id=manager_id,
            offset=offset,
            limit=limit,
        )
        return [to_read(user) for user in users], total

    async def create(
        self, *, principal: Principal | None, data: UserCreate
    ) -> tuple[UserRead, int]:
        email = data.email.lower()
        if await self.repository.by_email(email=email) is not None:
            raise EmailTaken(f"A user with the email {email} already exists.")
        password_hash = None
        if data.password:
            password_hash = await PasswordService(self.session).hash_new(
                password=data.password, email=email, full_name=data.full_name
            )
        if data.manager_id is not None:
            await self._check_manager(user_id=None, manager_id=data.manager_id)
        user = await self.repository.add(
            user=User(
                email=email,
                full_name=data.full_name,
                job_title=data.job_title,
                password_hash=password_hash,
                is_active=True,
                manager_id=data.manager_id,
            )
        )
        for grant in _unique(data.roles):
            await self._add_role(user, grant)
        user = await self._reload(user.id)
        read = to_read(user)
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="user",
            entity_id=user.id,
            after=to_audit(read),
        )
        return read, user.version

    async def update(
        self, *, principal: Principal, user_id: uuid.UUID, data: UserUpdate, if_match: str | None
    ) -> tuple[UserRead, int]:
        user = await self.get(user_id=user_id)
        check_if_match(if_match, user.version)
        before = to_read(user)
        changes = data.model_dump(exclude_unset=True)
        if changes.get("email") and changes["email"].lower() != user.email:
            if await self.repository.by_email(email=changes["email"]) is not None:
                raise EmailTaken(f"A user with the email {changes['email']} already exists.")
            user.email = changes["email"].lower()
        for field in ("full_name", "job_title"):
            if field in changes and (changes[field] is not None or field == "job_title"):
                setattr(user, field, changes[field])
        if "manager_id" in changes and changes["manager_id"] != user.manager_id:
            if changes["manager_id"] is not None:
                await self._check_manager(user_id=user.id, manager_id=changes["manager_id"])
            user.manager_id = changes["manager_id"]
        if changes.get("password"):
            # A new hash changes the credential fingerprint: tokens issued before stop working.
            user.password_hash = await PasswordService(self.session).hash_new(
                password=changes["password"], email=user.email, full_name=user.full_name
            )
        if "is_active" in changes and changes["is_active"] is not None:
            if not changes["is_active"] and user.is_active:
                await self._keep_an_admin(user, losing=Role.ADMIN if _is_admin(user) else None)
                user.deactivated_at = utcnow()
            elif changes["is_active"]:
                user.deactivated_at = None
            user.is_active = changes["is_active"]
        await self.repository.flush()
        user = await self._reload(user.id)
        read = to_read(user)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="user",
            entity_id=user.id,
            before=to_audit(before),
            after=to_audit(read),
        )
        return read, user.version

    async def grant_role(
        self, *, principal: Principal, user_id: uuid.UUID, grant: RoleGrant
    ) -> tuple[UserRead, int]:
        user = await self.get(user_id=user_id)
        before = to_read(user)
        if _find(user, grant) is None:
            await self._add_role(user, grant)
            _touch(user)
            await self.repository.flush()
        user = await self._reload(user.id)
        read = to_read(user)
        await self.audit.record(
            actor=principal,
            action="grant_role",
            entity_type="user",
            entity_id=user.id,
            before=to_audit(before),
            after=to_audit(read),
        )
        return read, user.version

    async def revoke_role(
        self, *, principal: Principal, user_id: uuid.UUID, grant: RoleGrant, if_match: str | None
    ) -> tuple[UserRead, int]:
        user = await self.get(user_id=user_id)
        check_if_match(if_match, user.version)
        before = to_read(user)
        assignment = _find(user, grant)
        if assignment is None:
            raise RoleNotHeld(f"The user does not hold {grant.role.value} there.")
        if (
            user.is_active
            and grant.role is Role.ADMIN
            and sum(r.role is Role.ADMIN for r in user.roles) == 1
        ):
            await self._keep_an_admin(user, losing=Role.ADMIN)
        await self.repository.delete_role(assignment=assignment)
        _touch(user)
        user = await self._reload(user.id)
        read = to_read(user)
        await self.audit.record(
            actor=principal,
            action="revoke_role",
            entity_type="user",
            entity_id=user.id,
            before=to_audit(before),
            after=to_audit(read),
        )
        return read, user.version

    async def sync_roles(
        self,
        *,
        user_id: uuid.UUID,
        grants: Sequence[RoleGrant],
        managed: Collection[tuple[Role, str | None]],
        reason: str,
    ) -> bool:
        """Make the user hold exactly `grants` among the `managed` roles (those an identity
        provider's groups decide), leaving any other role as it is; audited as the system's
        act. True when anything changed."""
        user = await self.get(user_id=user_id)
        held = {(a.role, a.org_unit.code if a.org_unit else None): a for a in user.roles}
        wanted = {(grant.role, grant.org_unit_code) for grant in grants}
        to_add = [g for g in _unique(grants) if (g.role, g.org_unit_code) not in held]
        to_remove = [a for key, a in held.items() if key in managed and key not in wanted]
        if (
            user.is_active
            and any(a.role is Role.ADMIN for a in to_remove)
            and sum(a.role is Role.ADMIN for a in user.roles) == 1
            and await self.repository.count_active_admins() <= 1
        ):
            # The council's last admin keeps the role until another is appointed, whatever
            # the groups say: otherwise nobody could administer the service any more.
            logger.warning("the last admin is out of the admin group; the role is kept")
            to_remove = [a for a in to_remove if a.role is not Role.ADMIN]
        if not to_add and not to_remove:
            return False
        before = to_read(user)
        for grant in to_add:
            await self._add_role(user, grant)
        for assignment in to_remove:
            await self.repository.delete_role(assignment=assignment)
        _touch(user)
        await self.repository.flush()
        user = await self._reload(user.id)
        await self.audit.record(
            actor=None,
            action="sync_roles",
            entity_type="user",
            entity_id=user.id,
            before=to_audit(before),
            after=to_audit(to_read(user)),
            reason=reason,
        )
        return True

    async def describe(self, *, principal: Principal) -> MeRead:
        grants = [g.org_unit_id for g in principal.grants if g.org_unit_id is not None]
        codes = await self.org.repository.codes_by_id(ids=grants)
        user = await self.repository.get(user_id=principal.id) if principal.is_user else None
        return MeRead(
            kind=principal.kind.value,
            id=principal.id,
            name=principal.name,
            email=user.email if user else None,
            full_name=user.full_name if user else None,
            roles=[
                MeGrant(
                    role=g.role, org_unit_code=codes.get(g.org_unit_id) if g.org_unit_id else None
                )
                for g in principal.grants
            ],
            scopes=list(principal.client_scopes),
            permissions=sorted({p for p in Permission if principal.has(p)}, key=lambda p: p.value),
        )

    async def _add_role(self, user: User, grant: RoleGrant) -> None:
        unit = await self.org.resolve_code(code=grant.org_unit_code, field="org_unit_code")
        await self.repository.add_role(
            assignment=RoleAssignment(
                user_id=user.id, role=grant.role, org_unit_id=unit.id if unit else None
            )
        )

    async def _check_manager(self, *, user_id: uuid.UUID | None, manager_id: uuid.UUID) -> None:
        """A line manager is an active user other than the person, and not someone the person
        manages, directly or through others (the chain up must end)."""
        if manager_id == user_id:
            raise _bad_manager("A person cannot be their own line manager.")
        manager = await self.repository.get(user_id=manager_id)
        if manager is None:
            raise _bad_manager(f"No user has the id {manager_id}.")
        if not manager.is_active:
            raise _bad_manager("The line manager must be an active user.")
        if user_id is not None and user_id in await self.repository.manager_chain(
            user_id=manager_id
        ):
            raise _bad_manager(
                "That would make a loop: the person manages their new manager, directly or not."
            )

    async def _keep_an_admin(self, user: User, *, losing: Role | None) -> None:
        if losing is Role.ADMIN and await self.repository.count_active_admins() <= 1:
            raise LastAdmin("This is the last active admin; appoint another first.")

    async def _reload(self, user_id: uuid.UUID) -> User:
        user = await self.repository.get(user_id=user_id, reload=True)
        assert user is not None
        return user


def _bad_manager(message: str) -> InvalidManager:
    return InvalidManager(message, errors=[field_error("manager_id", message, "manager")])


def _touch(user: User) -> None:
    # Roles are part of the user's representation, so a role change is a new version (ETag).
    user.updated_at = utcnow()


def _is_admin(user: User) -> bool:
    return any(r.role is Role.ADMIN for r in user.roles)


def _find(user: User, grant: RoleGrant) -> RoleAssignment | None:
    for assignment in user.roles:
        code = assignment.org_unit.code if assignment.org_unit else None
        if assignment.role is grant.role and code == grant.org_unit_code:
            return assignment
    return None


def _unique(grants: Sequence[RoleGrant]) -> list[RoleGrant]:
    seen: set[tuple[Role, str | None]] = set()
    unique = []
    for grant in grants:
        if (grant.role, grant.org_unit_code) not in seen:
            seen.add((grant.role, grant.org_unit_code))
            unique.append(grant)
    return unique
