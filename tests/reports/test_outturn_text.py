"""Text stored before control characters were refused still makes a workbook."""

from __future__ import annotations

import io

import pytest
from httpx import AsyncClient
from openpyxl import load_workbook
from sqlalchemy import update

from app.access.permissions import Role
from app.core.db import unit_of_work
from app.indicators.models import Indicator
from tests.factories import Factory
from tests.helpers import API, Headers, person, seed_approved
from tests.indicators.helpers import create_indicator


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


async def test_a_control_character_in_a_stored_title_is_replaced_in_the_xlsx_outturn(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "CTL1")
    await seed_approved(factory, "CTL1", {"2025-26-Q1": 70})
    # Written past the API, as rows from before titles refused control characters are.
    async with unit_of_work(factory.sessionmaker) as session:
        await session.execute(
            update(Indicator).where(Indicator.code == "CTL1").values(title="Bins\x01 emptied\x1b")
        )

    response = await client.get(
        f"{API}/reports/outturn", params={"year": "2025-26", "format": "xlsx"}, headers=perf
    )

    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet["A2"].value == "CTL1"
    assert sheet["B2"].value == "Bins\ufffd emptied\ufffd"
