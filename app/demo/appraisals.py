"""The demo council's people: line managers, and personal objectives serving the service plans,
with the mid-year reviews their managers wrote and the staff's own comments.

Demo only, seeded once through the same service as the API (so its rules hold: each objective
serves its person's service plan, each review is written by a manager up the chain).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.appraisals.models import PersonalObjectiveStatus, Rating, ReviewKind
from app.appraisals.schemas import PersonalObjectiveCreate, ReviewCreate, ReviewUpdate
from app.appraisals.service import AppraisalService
from app.core.clock import today
from app.demo.repository import DemoRepository
from app.periods import calendar
from app.users.repository import UserRepository

# (person, line manager): the demo logins' management chains.
LINE_MANAGERS: list[tuple[str, str]] = [
    ("staff", "head"),
    ("head", "director"),
    ("asc.officer", "director"),
    ("place.officer", "place.director"),
    ("performance.officer", "performance"),
]

# (person, title, service objective served, progress, the mid-year rating or None, the
# manager's comments, the person's own comments)
OBJECTIVES: list[tuple[str, str, str, int, Rating | None, str, str | None]] = [
    (
        "staff",
        "Publish the housing dashboard for every ward by September",
        "HOU1",
        60,
        Rating.MET,
        "Ward dashboards are live for 14 of 20 wards; keep going.",
        "The last six wait for the new address data.",
    ),
    (
        "staff",
        "Cut the time to re-let empty council homes to 25 days",
        "HOU1",
        35,
        Rating.PARTLY_MET,
        "Re-let times improved but are still above 30 days.",
        None,
    ),
    (
        "head",
        "Halve the families in bed and breakfast for more than six weeks",
        "HOU1",
        50,
        Rating.MET,
        "Good progress through the prevention hub.",
        "Agreed; the hub opens fully in the autumn.",
    ),
    (
        "place.officer",
        "Roll out food waste collections to the remaining rounds",
        "WST1",
        20,
        None,
        "",
        None,
    ),
]


async def seed_appraisals(session: AsyncSession, *, people: dict[str, Principal]) -> None:
    """Set the line managers and the personal objectives, once."""
    users = UserRepository(session)
    for local, manager in LINE_MANAGERS:
        user = await users.get(user_id=people[local].id)
        if user is not None and user.manager_id is None:
            user.manager_id = people[manager].id
    await users.flush()

    appraisals = AppraisalService(session)
    year = calendar.financial_year_of(today())
    financial_year = calendar.financial_year_code(year)
    _, already = await appraisals.list_mine(
        principal=people["staff"], financial_year=None, status=None, offset=0, limit=1
    )
    if already:
        return
    served = await DemoRepository(session).service_objectives_by_code(year=year)
    managers = dict(LINE_MANAGERS)
    for local, title, code, progress, rating, comments, own in OBJECTIVES:
        if code not in served:  # pragma: no cover - the plans are seeded just before
            continue
        objective, _ = await appraisals.create(
            principal=people[managers[local]],
            user_id=people[local].id,
            data=PersonalObjectiveCreate(
                title=title,
                financial_year=financial_year,
                serves_ids=[served[code].id],
                due_date=date(year + 1, 3, 31),
                status=PersonalObjectiveStatus.IN_PROGRESS,
                progress=progress,
            ),
        )
        if rating is None:
            continue
        review, _ = await appraisals.add_review(
            principal=people[managers[local]],
            objective_id=objective.id,
            data=ReviewCreate(kind=ReviewKind.MID_YEAR, rating=rating, comments=comments),
        )
        if own is not None:
            await appraisals.update_review(
                principal=people[local],
                objective_id=objective.id,
                review_id=review.id,
                data=ReviewUpdate(own_comments=own),
                if_match=None,
            )
