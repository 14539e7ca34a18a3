from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    delete,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.access.permissions import Role
from app.auth.models import LoginFailure, RefreshToken
from app.core.changes import VERSION_COLUMNS, read_with_request
from app.org.models import OrgUnit
from app.users.models import RoleAssignment, User


@dataclass(frozen=True)
class SessionUser:
    """What a request's principal is made of: the user as plain values, with their roles
    (role, org unit) in the order they were granted."""

    id: uuid.UUID
    full_name: str
    is_active: bool
    password_hash: str | None
    roles: tuple[tuple[Role, uuid.UUID | None], ...]


def _user_query(
    revoked: ColumnElement[bool],
) -> Select[uuid.UUID, str, bool, str | None, bool, Role, uuid.UUID | None, str, int]:
    # The roles joined in, as plain columns (no ORM objects): one statement, every request.
    return (
        select(
            User.id,
            User.full_name,
            User.is_active,
            User.password_hash,
            revoked.label("revoked"),
            RoleAssignment.role,
            RoleAssignment.org_unit_id,
            # The data version, read here rather than in a statement of its own by the many
            # requests that keep or find answers under it (``request_version``).
            *VERSION_COLUMNS,
        )
        .outerjoin(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.id == bindparam("user_id"))
        .order_by(RoleAssignment.created_at)
    )


# Every authenticated request reads its user: the statements are built once (building one
# costs more than SQLAlchemy's compiled cache saves), their values bound at each execution.
_USER = _user_query(literal(False))
_USER_IN_SESSION = _user_query(
    exists()
    .where(
        RefreshToken.family_id == bindparam("session_id"),
        RefreshToken.revoked_at.is_not(None),
    )
    .correlate(None)
)


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user_by_email(self, *, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == email.lower()))

    async def user_with_roles(self, *, user_id: uuid.UUID) -> User | None:
        return await self.session.scalar(
            select(User).where(User.id == user_id).options(selectinload(User.roles))
        )

    async def user_in_session(
        self, *, user_id: uuid.UUID, session_id: uuid.UUID | None
    ) -> tuple[SessionUser | None, bool]:
        """The user with their roles, and whether the sign-in `session_id` (a refresh token
        family) was revoked: asked in the user's own statement, so a token costs no extra
        round trip."""
        # On the session's connection: plain rows, round the ORM's execution.
        connection = await self.session.connection()
        if session_id is None:
            result = await connection.execute(_USER, {"user_id": user_id})
        else:
            result = await connection.execute(
                _USER_IN_SESSION, {"user_id": user_id, "session_id": session_id}
            )
        rows = result.all()
        if not rows:
            return None, False
        first = rows[0]
        read_with_request(self.session, first.dv_token, first.dv_seq)
        user = SessionUser(
            id=first.id,
            full_name=first.full_name,
            is_active=first.is_active,
            password_hash=first.password_hash,
            roles=tuple((Role(row.role), row.org_unit_id) for row in rows if row.role is not None),
        )
        return user, bool(first.revoked)

    async def add_refresh_token(self, *, token: RefreshToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def refresh_token(self, *, digest: str) -> RefreshToken | None:
        return await self.session.scalar(
            select(RefreshToken).where(RefreshToken.token_digest == digest)
        )

    async def use_refresh_token(self, *, token_id: uuid.UUID, at: datetime) -> bool:
        """Mark the token used, if it still is unused and unrevoked; False when another
        request used it first."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == token_id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(used_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def revoke_family(self, *, family_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )

    async def purge_refresh_tokens_before(self, *, user_id: uuid.UUID, before: datetime) -> None:
        """Forget a person's refresh tokens that expired before `before` (kept a while after
        expiry so that a late reuse still revokes its family)."""
        await self.session.execute(
            delete(RefreshToken).where(
                RefreshToken.user_id == user_id, RefreshToken.expires_at < before
            )
        )

    async def org_unit_ids(self, *, codes: Sequence[str]) -> dict[str, uuid.UUID]:
        if not codes:
            return {}
        rows = await self.session.execute(
            select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.in_(codes))
        )
        return {row.code: row.id for row in rows}

    async def failures_since(
        self, *, keys: Sequence[str], since: datetime
    ) -> dict[str, list[datetime]]:
        rows = await self.session.execute(
            select(LoginFailure.key, LoginFailure.failed_at)
            .where(LoginFailure.key.in_(keys), LoginFailure.failed_at >= since)
            .order_by(LoginFailure.failed_at)
        )
        found: dict[str, list[datetime]] = {key: [] for key in keys}
        for row in rows:
            found[row.key].append(row.failed_at)
        return found

    async def add_failures(self, *, keys: Sequence[str], at: datetime) -> None:
        self.session.add_all([LoginFailure(key=key, failed_at=at) for key in keys])
        await self.session.flush()

    async def clear_failures(self, *, key: str) -> None:
        await self.session.execute(delete(LoginFailure).where(LoginFailure.key == key))

    async def purge_failures_before(self, *, before: datetime) -> None:
        await self.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < before))

    async def count_users(self) -> int:
        return await self.session.scalar(select(func.count()).select_from(User)) or 0
