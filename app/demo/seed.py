"""The demo council that `make run` serves: an organisation, a login per role, periods, and
about fifty performance indicators with two years of targets and approved figures.

Everything goes through the services the API uses (IndicatorService, ValueService), so every
rule holds for the demo data too: staff and heads of service enter and submit figures, the
performance team approves them, and each step is revised and audited. The history is replayed
as it would have happened: each step runs with the clock set to a plausible moment (figures a
few working days after the period ends, approval a day or two later), so lateness, timestamps
and the audit trail read like a real council's. The indicators themselves are in
app.demo.indicators.

Seeding is idempotent: what exists is left alone, and only what is missing is added.
Demo only: the passwords below are published in the README.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission, Role
from app.access.principal import Grant, Principal
from app.auth.repository import AuthRepository
from app.core.clock import freeze, today, utcnow
from app.core.config import Settings
from app.core.security import SubjectKind, hash_password
from app.demo.appraisals import seed_appraisals
from app.demo.framework import seed_framework
from app.demo.indicators import INDICATORS, DemoIndicator, Level
from app.demo.plans import seed_plans
from app.demo.repository import DemoRepository
from app.indicators import policy
from app.indicators.exceptions import WrongPeriodKind
from app.indicators.models import Indicator
from app.indicators.schemas import IndicatorCreate, ReasonIn, TargetIn, ValueIn
from app.indicators.values import ValueService, check_figures
from app.measures import rules
from app.measures.vocabulary import (
    VALUE_KIND,
    Aggregation,
    Frequency,
    Polarity,
    Rag,
    Target,
    Tolerance,
    ToleranceUnit,
    ValueType,
)
from app.org.models import OrgUnit, OrgUnitKind
from app.org.repository import OrgRepository
from app.org.tree import OrgTree
from app.periods import calendar
from app.periods.calendar import PeriodKind, PeriodSpec
from app.periods.models import Period, PeriodStatus
from app.periods.service import PeriodService
from app.settings.schemas import ToleranceIn
from app.settings.service import SettingsService
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
    ("place.director", "Tom Reid", "Director of Place", Role.DIRECTOR, "PLA"),
    ("asc.officer", "Olivia Bennett", "Adult Social Care Data Officer", Role.STAFF, "ASC"),
    ("place.officer", "Mark Ellis", "Place Performance Officer", Role.STAFF, "PLA"),
    (
        "performance.officer",
        "Ben Carter",
        "Performance and Information Officer",
        Role.STAFF,
        "DBC",
    ),
]

# Who collects (enters and submits) each unit's figures, and who owns its indicators.
COLLECTOR_AND_OWNER: dict[str, tuple[str, str]] = {
    "DBC": ("performance.officer", "performance"),
    "ASC": ("asc.officer", "director"),
    "HOU": ("staff", "head"),
    "HOU-OPT": ("staff", "head"),
    "WST": ("place.officer", "place.director"),
    "PLN": ("place.officer", "place.director"),
    "REV": ("place.officer", "place.director"),
}
# The corporate performance team approves every figure (never its own entries).
APPROVER = "performance"


def demo_logins() -> list[tuple[str, str, Role]]:
    return [(_email(local), DEMO_PASSWORD, role) for local, *_, role, _ in USERS]


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


async def seed_demo(session: AsyncSession, *, settings: Settings) -> None:
    """Create whatever part of the demo council is missing; what exists is left alone."""
    await _ensure_org_units(session)
    await _ensure_users(session)

    periods = PeriodService(
        session,
        due_working_days=settings.data_due_working_days,
        board_days=settings.board_days_after_quarter,
    )
    current = calendar.financial_year_of(today())
    for start_year in (current - 2, current - 1, current):
        if await periods.repository.by_code(code=calendar.financial_year_code(start_year)) is None:
            await periods.create_year(principal=None, start_year=start_year)
    await _open_started_periods(session)
    created = await _seed_indicators(session, settings=settings)
    people = await _principals(session)
    await seed_plans(session, settings=settings, people=people)
    await seed_framework(session, people=people)
    await seed_appraisals(session, people=people)
    await _close_past_periods(session)
    logger.info("seeded the demo council", extra={"indicators_added": created})


async def _ensure_org_units(session: AsyncSession) -> None:
    # The repository, not OrgService.create: the demo's tree is set up, not an admin's change
    # to audit (as before).
    repository = OrgRepository(session)
    units = await repository.by_codes(codes=[code for code, *_ in ORG_UNITS])
    for code, name, kind, parent in ORG_UNITS:
        if code in units:
            continue
        units[code] = await repository.add(
            unit=OrgUnit(
                code=code, name=name, kind=kind, parent_id=units[parent].id if parent else None
            )
        )


async def _ensure_users(session: AsyncSession) -> None:
    users = UserService(session)
    password_hash: str | None = None
    for local, full_name, job_title, role, unit_code in USERS:
        if await users.repository.by_email(email=_email(local)) is not None:
            continue
        created, _ = await users.create(
            principal=None,
            data=UserCreate(
                email=_email(local),
                full_name=full_name,
                job_title=job_title,
                roles=[RoleGrant(role=role, org_unit_code=unit_code)],
            ),
        )
        # Everyone shares the published password: hash it once, not once a login (each hash
        # takes a sixth of a second by design).
        password_hash = password_hash or await hash_password(DEMO_PASSWORD)
        user = await users.get(user_id=created.id)
        user.password_hash = password_hash
    await users.repository.flush()


async def _open_started_periods(session: AsyncSession) -> None:
    """Periods that have started are open (so data can still be entered); future ones stay
    future, and a period someone has closed stays closed."""
    # Straight to the rows, not PeriodService.open: seeding is no one's decision to audit.
    repository = DemoRepository(session)
    for period in await repository.future_periods_started_by(day=today()):
        period.status = PeriodStatus.OPEN
    await repository.flush()


async def _close_past_periods(session: AsyncSession) -> None:
    """Close what a council would have closed by now: each period whose data is due and whose
    board has met (for a month or a year, the board of every quarter it touches), so the most
    recent quarter stays open until its board meets and a newcomer's task list is today's."""
    # Straight to the rows, like opening: the demo's history, not a decision to audit.
    repository = DemoRepository(session)
    periods = await repository.periods()
    now = today()
    for period in periods.values():
        if period.status is not PeriodStatus.OPEN:
            continue
        quarters = [
            periods[code]
            for code in _quarters_touching(period)
            if code in periods  # pragma: no branch - every year is created whole
        ]
        dates = [period.data_due_date] + [q.board_date or q.data_due_date for q in quarters]
        if max(dates) < now:
            period.status = PeriodStatus.CLOSED
            period.closed_at = _at(_next_working_day(max(dates)), 17)
    await repository.flush()


def _quarters_touching(period: Period) -> list[str]:
    if period.kind is PeriodKind.YEAR:
        return calendar.children(period.code)
    return [calendar.quarter_of(period.code)]


# The indicators and their history


Action = Literal["create", "target", "save", "submit", "approve", "reject"]


@dataclass(frozen=True)
class Step:
    """One thing a person did, at the moment they did it."""

    at: datetime
    order: int
    action: Action
    code: str
    actor: str
    period: str = ""
    target: TargetIn | None = None
    value: ValueIn | None = None
    reason: str | None = None


async def _seed_indicators(session: AsyncSession, *, settings: Settings) -> int:
    """Create the demo indicators that are missing, with their targets and figures."""
    demo_repository = DemoRepository(session)
    existing = await demo_repository.existing_indicator_codes(codes=[d.code for d in INDICATORS])
    wanted = [demo for demo in INDICATORS if demo.code not in existing]
    if not wanted:
        return 0
    tolerance = await SettingsService(session, settings=settings).rag_tolerance()
    planner = Planner(now=utcnow(), tolerance=tolerance)
    steps = sorted(
        (step for demo in wanted for step in planner.steps(demo)),
        key=lambda step: (step.at, step.order),
    )
    periods = await demo_repository.periods()
    blocked = sorted({step.period for step in steps if not _may_replay(step, periods)})
    if blocked:
        # A demo database someone has worked in: leave it as it is rather than fail start-up.
        logger.warning(
            "demo indicators not added: periods missing or closed", extra={"periods": blocked}
        )
        return 0
    people = await _principals(session)
    # The replay pins the clock step by step; in a task of its own, so the pin ends with it.
    await asyncio.create_task(Replay(session, people, periods).run(steps))
    return len(wanted)


def _may_replay(step: Step, periods: dict[str, Period]) -> bool:
    """Whether the step's period takes it: figures need it open, targets need it not closed."""
    if step.action == "create":
        return True
    period = periods.get(step.period)
    if period is None:
        return False
    if step.action == "target":
        return period.status is not PeriodStatus.CLOSED
    return period.status is PeriodStatus.OPEN


async def _principals(session: AsyncSession) -> dict[str, Principal]:
    """The demo people as the API would see them once signed in."""
    repository = AuthRepository(session)
    tree = OrgTree(await OrgRepository(session).parent_map())
    people: dict[str, Principal] = {}
    for local, *_ in USERS:
        user = await repository.user_by_email(email=_email(local))
        if user is None:  # pragma: no cover - created just before
            continue
        user = await repository.user_with_roles(user_id=user.id)
        assert user is not None
        people[local] = Principal(
            kind=SubjectKind.USER,
            id=user.id,
            name=user.full_name,
            grants=tuple(Grant(role=r.role, org_unit_id=r.org_unit_id) for r in user.roles),
            tree=tree,
        )
    return people


class Replay:
    """Runs the planned steps through the services, each at its own moment.

    Targets, approvals and rejections take the API's own path. Entering and submitting take
    the path every way in shares (ValueService.store and submit_row) with the checks the API
    makes before it (permission, open period, period kind, the figures themselves), using the
    indicators and periods already in hand: a third fewer statements, which keeps the seed
    within seconds on SQLite.
    """

    def __init__(
        self, session: AsyncSession, people: dict[str, Principal], periods: dict[str, Period]
    ) -> None:
        self.session = session
        self.people = people
        self.periods = periods
        self.values = ValueService(session)
        self.service = self.values.indicators
        self.indicators: dict[str, Indicator] = {}

    async def run(self, steps: list[Step]) -> None:
        by_code = {demo.code: demo for demo in INDICATORS}
        for step in steps:
            freeze(step.at)
            actor = self.people[step.actor]
            if step.action == "create":
                await self.service.create(
                    principal=actor, data=_create_data(by_code[step.code], self.people)
                )
                self.indicators[step.code] = await self.service.get(code=step.code)
            elif step.action == "target":
                assert step.target is not None
                await self.service.set_target(
                    principal=actor,
                    code=step.code,
                    period_code=step.period,
                    data=step.target,
                    if_match=None,
                )
            elif step.action == "save":
                assert step.value is not None
                await self.save(actor, step.code, step.period, step.value)
            elif step.action == "submit":
                await self.submit(actor, step.code, step.period)
            elif step.action == "approve":
                await self.values.approve(
                    principal=actor, code=step.code, period_code=step.period, if_match=None
                )
            else:
                assert step.reason is not None
                await self.values.reject(
                    principal=actor,
                    code=step.code,
                    period_code=step.period,
                    data=ReasonIn(reason=step.reason),
                    if_match=None,
                )

    async def _entry(
        self, actor: Principal, code: str, period_code: str, permission: Permission
    ) -> tuple[Indicator, Period]:
        indicator, period = self.indicators[code], self.periods[period_code]
        if not policy.may_enter(actor, indicator, permission):
            raise PermissionDenied(f"{actor.name} may not enter values for {code}.")
        if period.kind is not VALUE_KIND[indicator.frequency]:
            raise WrongPeriodKind(f"{code} takes no value for {period_code}.", period=period_code)
        await self.service.periods.require_open(period=period)
        return indicator, period

    async def save(self, actor: Principal, code: str, period_code: str, data: ValueIn) -> None:
        indicator, period = await self._entry(actor, code, period_code, Permission.VALUES_WRITE)
        figures = check_figures(indicator, data)
        # A new indicator has no values yet: the row is always new.
        await self.values.store(
            principal=actor, indicator=indicator, period=period, row=None, figures=figures
        )

    async def submit(self, actor: Principal, code: str, period_code: str) -> None:
        indicator, period = await self._entry(actor, code, period_code, Permission.VALUES_SUBMIT)
        row = await self.values.repository.value(
            indicator_id=indicator.id, period_id=period.id, for_update=True
        )
        assert row is not None
        await self.values.submit_row(principal=actor, indicator=indicator, period=period, row=row)


def _create_data(demo: DemoIndicator, people: dict[str, Principal]) -> IndicatorCreate:
    collector, owner = COLLECTOR_AND_OWNER[demo.org_unit]
    return IndicatorCreate(
        code=demo.code,
        title=demo.title,
        definition=demo.definition,
        data_source=demo.data_source,
        unit=demo.unit,
        value_type=demo.value_type,
        decimal_places=demo.decimal_places,
        polarity=demo.polarity,
        frequency=demo.frequency,
        aggregation=demo.aggregation,
        tolerance=(
            ToleranceIn(
                unit=demo.tolerance[0],
                green_within=demo.tolerance[1],
                amber_within=demo.tolerance[2],
            )
            if demo.tolerance
            else None
        ),
        amber_if_improving=demo.amber_if_improving,
        org_unit_code=demo.org_unit,
        owner_id=people[owner].id,
        collector_ids=[people[collector].id],
        is_key=demo.is_key,
        is_public=demo.is_public,
        is_national=demo.is_national,
    )


# Planning the history: pure functions of the indicator, today and the default tolerance.

_HUNDRED = Decimal(100)
_RAG_OF_INTENT = {"beat": Rag.GREEN, "green": Rag.GREEN, "amber": Rag.AMBER, "red": Rag.RED}
_MAX_NUDGES = 60


def _noise(*parts: str) -> Decimal:
    """A repeatable pseudo-random number in [-1, 1] for the given key."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return Decimal(int.from_bytes(digest[:4], "big")) / Decimal(2**31) - 1


def _pick(count: int, *parts: str) -> int:
    """A repeatable pseudo-random whole number in [0, count)."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") % count


def _quantize(number: Decimal, places: int) -> Decimal:
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _next_working_day(day: date) -> date:
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


class Planner:
    """Works out every step of the demo history for one indicator at a time."""

    def __init__(self, *, now: datetime, tolerance: Tolerance) -> None:
        self.now = now
        self.today = now.date()
        self.current = calendar.financial_year_of(self.today)
        self.default_tolerance = tolerance
        self.order = 0
        # The last quarter that has ended (the one a newcomer's scorecard shows), and the one
        # before it.
        ended = [
            spec
            for start_year in (self.current - 1, self.current)
            for spec in calendar.financial_year_periods(start_year)
            if spec.kind is PeriodKind.QUARTER and spec.end_date < self.today
        ]
        self.latest_quarter, self.previous_quarter = ended[-1], ended[-2]
        self.revision_at = _at(date(self.current, 7, 8), 14, 30)

    def _step(
        self,
        at: datetime,
        action: Action,
        demo: DemoIndicator,
        *,
        actor: str,
        period: str = "",
        target: TargetIn | None = None,
        value: ValueIn | None = None,
        reason: str | None = None,
    ) -> Step:
        self.order += 1
        return Step(
            # Nothing happens in the future: a step due later happens now (in order).
            at=min(at, self.now - timedelta(minutes=1)),
            order=self.order,
            action=action,
            code=demo.code,
            actor=actor,
            period=period,
            target=target,
            value=value,
            reason=reason,
        )

    def steps(self, demo: DemoIndicator) -> list[Step]:
        """Create the indicator, set its targets, then enter, submit and decide its figures."""
        collector, _ = COLLECTOR_AND_OWNER[demo.org_unit]
        enterer = demo.enterer or collector
        created = _at(_next_working_day(date(self.first_year(demo), 3, 2)), 10, self.order % 60)
        steps = [self._step(created, "create", demo, actor=APPROVER)]
        steps += self.target_steps(demo)
        figures = self.figures(demo)
        for index, (spec, value) in enumerate(figures):
            state = demo.latest if index == len(figures) - 1 else "approved"
            if state == "absent":
                continue
            key = (demo.code, spec.code)
            days = demo.days_to_submit or 3 + _pick(6, *key, "days")
            entered = _at(
                _next_working_day(spec.end_date + timedelta(days=days)),
                9 + _pick(4, *key, "hour"),
                _pick(60, *key, "minute"),
            )
            submitted = entered + timedelta(minutes=20 + _pick(70, *key, "submitted"))
            decided = _at(
                _next_working_day(submitted.date() + timedelta(days=1 + _pick(3, *key))),
                10,
                _pick(60, *key, "decided"),
            )
            steps.append(
                self._step(entered, "save", demo, actor=enterer, period=spec.code, value=value)
            )
            if state == "draft":
                continue
            steps.append(self._step(submitted, "submit", demo, actor=enterer, period=spec.code))
            if state == "submitted":
                continue
            if state == "rejected":
                reason = demo.rejection_reason or "Please check the figure against the source."
                steps.append(
                    self._step(
                        decided, "reject", demo, actor=APPROVER, period=spec.code, reason=reason
                    )
                )
                continue
            steps.append(self._step(decided, "approve", demo, actor=APPROVER, period=spec.code))
        return steps

    # Which periods

    def first_year(self, demo: DemoIndicator) -> int:
        """Annual measures go back a year further, so last year's outturn has a direction."""
        if demo.new:
            # New in the year of the last completed quarter, so it has figures to show.
            return self.latest_quarter.start_year
        return self.current - (2 if demo.frequency is Frequency.ANNUAL else 1)

    def ended_periods(self, demo: DemoIndicator) -> list[PeriodSpec]:
        kind = VALUE_KIND[demo.frequency]
        return [
            spec
            for start_year in range(self.first_year(demo), self.current + 1)
            for spec in calendar.financial_year_periods(start_year)
            if spec.kind is kind and spec.end_date < self.today
        ]

    def latest_units(self, demo: DemoIndicator) -> set[str]:
        """The value periods of the last completed quarter (the last year, for annual)."""
        if demo.frequency is Frequency.ANNUAL:
            return {calendar.financial_year_code(self.current - 1)}
        return {self.latest_quarter.code, *calendar.months_in(self.latest_quarter.code)}

    def previous_units(self, demo: DemoIndicator) -> set[str]:
        if demo.frequency is Frequency.ANNUAL:
            return set()
        return {self.previous_quarter.code, *calendar.months_in(self.previous_quarter.code)}

    # Targets

    def revised(self, demo: DemoIndicator, spec: PeriodSpec) -> bool:
        """Whether this year's mid-year target revision covers the period."""
        return (
            demo.revised_target is not None
            and spec.start_year == self.current
            and spec.start_date >= date(self.current, 7, 1)
            and self.revision_at < self.now
        )

    def target_level(
        self, demo: DemoIndicator, spec: PeriodSpec, *, any_year: bool, revised: bool = True
    ) -> Level:
        """The target for a value period. any_year: when the period's year has none, the other
        year's (to shape the figures by); revised: after the mid-year revision."""
        index = 1 if spec.start_year >= self.current or demo.new else 0
        base = demo.targets[index]
        if base is None and any_year:
            base = demo.targets[1 - index]
        if revised and self.revised(demo, spec):
            assert demo.revised_target is not None
            base = demo.revised_target[0]
        if base is None or isinstance(base, tuple):
            return base
        if demo.profile is not None:
            year = calendar.financial_year_code(spec.start_year)
            parts = (
                calendar.months_in(year)
                if spec.kind is PeriodKind.MONTH
                else calendar.children(year)
            )
            base = base * demo.profile[parts.index(spec.code)]
        return _quantize(base, demo.decimal_places)

    def target_steps(self, demo: DemoIndicator) -> list[Step]:
        steps: list[Step] = []
        kind = VALUE_KIND[demo.frequency]
        for start_year in range(self.first_year(demo), self.current + 1):
            year = calendar.financial_year_code(start_year)
            set_at = _at(_next_working_day(date(start_year, 3, 20)), 11, _pick(50, demo.code))
            reason = f"Agreed in the {year} service plan."
            for spec in calendar.financial_year_periods(start_year):
                if spec.kind is kind:
                    level = self.target_level(demo, spec, any_year=False, revised=False)
                elif demo.polarity is Polarity.WITHIN_RANGE and spec.kind is PeriodKind.YEAR:
                    # A band is never combined from its parts, so the year gets its own.
                    level = demo.targets[1 if start_year >= self.current or demo.new else 0]
                else:
                    continue
                if level is None:
                    continue
                steps.append(
                    self._step(
                        set_at,
                        "target",
                        demo,
                        actor=APPROVER,
                        period=spec.code,
                        target=self._target_in(demo, level, reason),
                    )
                )
                if spec.kind is kind and self.revised(demo, spec):
                    assert demo.revised_target is not None
                    steps.append(
                        self._step(
                            self.revision_at,
                            "target",
                            demo,
                            actor=APPROVER,
                            period=spec.code,
                            target=self._target_in(
                                demo,
                                self.target_level(demo, spec, any_year=False),
                                demo.revised_target[1],
                            ),
                        )
                    )
        return steps

    @staticmethod
    def _target_in(demo: DemoIndicator, level: Level, reason: str) -> TargetIn:
        if isinstance(level, tuple):
            return TargetIn(lower=level[0], upper=level[1], reason=reason)
        return TargetIn(value=level, floor=demo.floor, reason=reason)

    # Figures

    def figures(self, demo: DemoIndicator) -> list[tuple[PeriodSpec, ValueIn]]:
        """Every ended period's figures, in order: a path from where the measure started to
        where it stands in the last completed quarter, with a little noise on the way."""
        specs = self.ended_periods(demo)
        latest, previous = self.latest_units(demo), self.previous_units(demo)
        recent = [spec.start_date for spec in specs if spec.code in latest | previous]
        earlier = [spec for spec in specs if spec.end_date < min(recent, default=self.today)]
        end = Decimal(0)
        if demo.intent is not None:
            end = self.end_gap(demo, self._reference(demo, specs, latest))
        swing = demo.swing_units if demo.swing_units is not None else demo.swing
        start = {"improving": end + swing, "worsening": end - swing}.get(demo.trend, end)
        out: list[tuple[PeriodSpec, ValueIn]] = []
        for spec in specs:
            # share: how much of the way back to the start this period is.
            share, jitter = Decimal(0), Decimal(0)
            if spec in earlier:
                share = 1 - Decimal("0.75") * earlier.index(spec) / len(earlier)
                jitter = _noise(demo.code, spec.code) * Decimal("0.012")
            elif spec.code in previous and not demo.flat_latest:
                share = Decimal("0.2")
            if demo.intent is None:
                assert demo.start is not None
                assert demo.end is not None
                level = demo.end + (demo.start - demo.end) * share
                value = max(Decimal(0), level * (1 + jitter * 4))
                out.append((spec, self._value_in(demo, spec, value, latest)))
                continue
            gap = end + (start - end) * share + (jitter if demo.swing_units is None else 0)
            value = self._actual(demo, self.target_level(demo, spec, any_year=True), gap)
            out.append((spec, self._settled(demo, spec, value, latest)))
        return out

    def _reference(self, demo: DemoIndicator, specs: list[PeriodSpec], latest: set[str]) -> Level:
        """The target the last completed quarter is measured against."""
        in_latest = [spec for spec in specs if spec.code in latest] or specs[-1:]
        return self.target_level(demo, in_latest[-1], any_year=True)

    def tolerance(self, demo: DemoIndicator) -> Tolerance:
        if demo.tolerance is None:
            return self.default_tolerance
        unit, green, amber = demo.tolerance
        return Tolerance(unit=unit, green_within=green, amber_within=amber)

    def end_gap(self, demo: DemoIndicator, reference: Level) -> Decimal:
        """Where the measure ends: its shortfall (negative: ahead of target) as a share of the
        target, or in units for a target of zero."""
        assert demo.intent is not None
        assert reference is not None
        if isinstance(reference, tuple):
            lower, upper = reference
            scale = upper
            if demo.intent in {"beat", "green"}:
                return ((lower + upper) / 2 - upper) / upper
        else:
            scale = abs(reference)
        tolerance = self.tolerance(demo)
        green, amber = tolerance.green_within, tolerance.amber_within
        if tolerance.unit is ToleranceUnit.PERCENT:
            green, amber = green / _HUNDRED * scale, amber / _HUNDRED * scale
        if demo.intent == "beat":
            gap = Decimal("-0.03") * scale
        elif demo.intent == "green":
            gap = green / 2
        elif demo.floor is not None and not isinstance(reference, tuple):
            room = abs(reference - demo.floor)
            gap = room / 2 if demo.intent == "amber" else room * Decimal("1.3")
        elif demo.intent == "amber":
            gap = (green + amber) / 2
        else:
            gap = amber * Decimal("1.6") + (1 if amber == 0 else 0)
        return gap / scale if scale else gap

    def _actual(self, demo: DemoIndicator, level: Level, gap: Decimal) -> Decimal:
        assert level is not None
        if isinstance(level, tuple):
            value = level[1] * (1 + gap)
        elif level == 0:
            value = gap if demo.polarity is Polarity.LOWER_IS_BETTER else -gap
        elif demo.polarity is Polarity.HIGHER_IS_BETTER:
            value = level * (1 - gap)
        else:
            value = level * (1 + gap)
        value = max(Decimal(0), value)
        if demo.value_type is ValueType.PERCENTAGE:
            value = min(_HUNDRED, value)
        return value

    def _value_in(
        self, demo: DemoIndicator, spec: PeriodSpec, value: Decimal, latest: set[str]
    ) -> ValueIn:
        recent = spec.code in latest or spec.end_date > self.latest_quarter.end_date
        commentary = demo.commentary if spec.code in latest else None
        flags = list(demo.latest_flags) if recent else []
        if demo.cases is None or demo.aggregation is not Aggregation.RATIO:
            return ValueIn(
                value=_quantize(value, demo.decimal_places),
                commentary=commentary,
                quality_flags=flags,
            )
        cases = max(1, int(demo.cases * (1 + _noise(demo.code, spec.code, "cases") * 15 / 100)))
        met = min(cases, max(0, int(_quantize(cases * value / _HUNDRED, 0))))
        return ValueIn(
            numerator=Decimal(met),
            denominator=Decimal(cases),
            commentary=commentary,
            quality_flags=flags,
        )

    def _settled(
        self, demo: DemoIndicator, spec: PeriodSpec, value: Decimal, latest: set[str]
    ) -> ValueIn:
        """The figures, nudged where rounding would put the last quarter in another status."""
        figures = self._value_in(demo, spec, value, latest)
        level = self.target_level(demo, spec, any_year=False)
        if spec.code not in latest or level is None or demo.intent is None:
            return figures
        if isinstance(level, tuple):
            target = Target(lower=level[0], upper=level[1])
        else:
            target = Target(value=level, floor=demo.floor)
        wanted = _RAG_OF_INTENT[demo.intent]
        for nudge in range(_MAX_NUDGES):
            for sign in (1, -1) if nudge else (1,):
                candidate = self._nudged(demo, figures, sign * nudge)
                if candidate is not None and self._rag(demo, candidate, target) is wanted:
                    return candidate
        raise ValueError(f"demo figures for {demo.code} {spec.code} cannot be {demo.intent}")

    @staticmethod
    def _nudged(demo: DemoIndicator, figures: ValueIn, nudge: int) -> ValueIn | None:
        """The figures moved by `nudge` steps of their last decimal place (or cases met)."""
        if figures.numerator is not None and figures.denominator is not None:
            numerator = figures.numerator + nudge
            if not 0 <= numerator <= figures.denominator:
                return None
            return figures.model_copy(update={"numerator": numerator})
        assert figures.value is not None
        value = figures.value + nudge * Decimal(1).scaleb(-demo.decimal_places)
        if value < 0 or (demo.value_type is ValueType.PERCENTAGE and value > _HUNDRED):
            return None
        return figures.model_copy(update={"value": value})

    def _rag(self, demo: DemoIndicator, figures: ValueIn, target: Target) -> Rag:
        if figures.numerator is not None and figures.denominator is not None:
            actual = _quantize(
                figures.numerator / figures.denominator * _HUNDRED, demo.decimal_places
            )
        else:
            assert figures.value is not None
            actual = figures.value
        return rules.evaluate_rag(
            actual=actual, target=target, polarity=demo.polarity, tolerance=self.tolerance(demo)
        ).rag
