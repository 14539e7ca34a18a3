"""The demo council that `make run` serves: an organisation, a login per role, and periods.

Demo only: the passwords below are published in the README.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Role
from app.core.clock import today
from app.core.config import Settings
from app.org.models import OrgUnit, OrgUnitKind
from app.periods import calendar
from app.periods.models import Period, PeriodStatus
from app.periods.service import PeriodService
from app.users.schemas import RoleGrant, UserCreate
from app.users.service import UserService

logger = logging.getLogger("app.demo")

DEMO_PASSWORD = "golden-thread-demo"  # noqa: S105 - published demo login
DEMO_DOMAIN = "demo-council.gov.uk"

ORG_UNITS: list[tuple[str, str, OrgUnitKind, str | None]] = [
    ("DBC", "Demo Borough Council", OrgUnitKind.COUNCIL, None),
    ("PEO", "People Directorate", OrgUnitKind.DIRECTORATE, "DBC"),
    ("PLA", "Place Directorate", OrgUnitKind.DIRECTORATE, "DBC"),
    ("ASC", "Adult Social Care", OrgUnitKind.SERVICE, "PEO"),
    ("HOU", "Housing Services", OrgUnitKind.SERVICE, "PEO"),
    ("WST", "Waste and Recycling", OrgUnitKind.SERVICE, "PLA"),
    ("PLN", "Planning and Building Control", OrgUnitKind.SERVICE, "PLA"),
    ("REV", "Revenues and Benefits", OrgUnitKind.SERVICE, "PLA"),
    ("HOU-OPT", "Housing Options Team", OrgUnitKind.TEAM, "HOU"),
]

# (local part, full name, job title, role, org unit or None for the whole council)
USERS: list[tuple[str, str, str, Role, str | None]] = [
    ("admin", "Alex Admin", "Systems Administrator", Role.ADMIN, None),
    ("performance", "Priya Patel", "Corporate Performance Manager", Role.PERFORMANCE_TEAM, None),
    ("director", "Dana Okafor", "Director of People", Role.DIRECTOR, "PEO"),
    ("head", "Harriet Hughes", "Head of Housing", Role.HEAD_OF_SERVICE, "HOU"),
    ("staff", "Sam Stevens", "Housing Performance Officer", Role.STAFF, "HOU"),
    ("councillor", "Cllr Chris Morgan", "Chair, Overview and Scrutiny", Role.COUNCILLOR, None),
    ("auditor", "Aisha Khan", "Internal Auditor", Role.AUDITOR, None),
]


def demo_logins() -> list[tuple[str, str, Role]]:
    return [(f"{local}@{DEMO_DOMAIN}", DEMO_PASSWORD, role) for local, *_, role, _ in USERS]


async def seed_demo(session: AsyncSession, *, settings: Settings) -> None:
    """Create the demo council once; later runs leave it alone."""
    if await session.scalar(select(OrgUnit).where(OrgUnit.code == ORG_UNITS[0][0])) is not None:
        return
    ids: dict[str, OrgUnit] = {}
    for code, name, kind, parent in ORG_UNITS:
        unit = OrgUnit(
            code=code, name=name, kind=kind, parent_id=ids[parent].id if parent else None
        )
        session.add(unit)
        await session.flush()
        ids[code] = unit

    users = UserService(session)
    for local, full_name, job_title, role, unit_code in USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        if await users.repository.by_email(email) is None:
            await users.create(
                principal=None,
                data=UserCreate(
                    email=email,
                    full_name=full_name,
                    job_title=job_title,
                    password=DEMO_PASSWORD,
                    roles=[RoleGrant(role=role, org_unit_code=unit_code)],
                ),
            )

    periods = PeriodService(
        session,
        due_working_days=settings.data_due_working_days,
        board_days=settings.board_days_after_quarter,
    )
    current = calendar.financial_year_of(today())
    for start_year in (current - 2, current - 1, current):
        if await periods.repository.by_code(calendar.financial_year_code(start_year)) is None:
            await periods.create_year(principal=None, start_year=start_year)
    await _open_started_periods(session)
    logger.info("seeded the demo council")


async def _open_started_periods(session: AsyncSession) -> None:
    """Past periods are open (so data can still be entered); future ones stay future."""
    now = today()
    rows = await session.scalars(select(Period).where(Period.start_date <= now))
    for period in rows:
        period.status = PeriodStatus.OPEN
    await session.flush()
