"""The management command calls the same services as the API, on its own database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from app import cli
from app.access.permissions import Role
from app.auth.service import AuthService
from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_sessionmaker, unit_of_work
from app.indicators.schemas import IndicatorCreate
from app.indicators.service import IndicatorService
from app.measures.vocabulary import Frequency, Polarity, ValueType
from tests.conftest import alembic_config
from tests.factories import Factory


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    command.upgrade(alembic_config(url), "head")
    monkeypatch.setenv("GT_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _prepare(url: str, settings: Settings) -> None:
    async def run() -> None:
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        factory = Factory(sessionmaker, settings)
        await factory.financial_year(2025)
        perf_id = await factory.user(Role.PERFORMANCE_TEAM, email="perf@council.gov.uk")
        async with unit_of_work(sessionmaker) as session:
            principal = await AuthService(session, settings=settings).user_principal(
                user_id=perf_id
            )
            assert principal is not None
            await IndicatorService(session).create(
                principal=principal,
                data=IndicatorCreate(
                    code="CLI1",
                    title="Imported",
                    value_type=ValueType.COUNT,
                    polarity=Polarity.HIGHER_IS_BETTER,
                    frequency=Frequency.QUARTERLY,
                    org_unit_code="HOU",
                ),
            )
        await engine.dispose()

    asyncio.run(run())


def test_import_values_stores_a_csv_through_the_bulk_service(
    scratch: str, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _prepare(scratch, settings)
    csv_file = tmp_path / "values.csv"
    csv_file.write_text("indicator_code,period,value\nCLI1,2025-26-Q1,12\nCLI1,2025-26-Q2,15\n")

    code = cli.main(["import-values", str(csv_file), "--as", "perf@council.gov.uk", "--submit"])

    assert code == 0
    assert '"created": 2' in capsys.readouterr().out


def test_import_values_names_bad_lines_and_stores_nothing(
    scratch: str, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _prepare(scratch, settings)
    csv_file = tmp_path / "values.csv"
    csv_file.write_text("indicator_code,period,value\nCLI1,2025-26-Q1,12\nCLI1,2025-04,1\n")

    code = cli.main(["import-values", str(csv_file), "--as", "perf@council.gov.uk"])

    assert code == 1
    assert "wrong_period_kind" in capsys.readouterr().out


def test_import_targets_sets_targets_from_a_csv_and_names_a_bad_line(
    scratch: str, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _prepare(scratch, settings)
    good = tmp_path / "targets.csv"
    good.write_text("indicator_code,period,value,reason\nCLI1,2025-26-Q1,12,Plan\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator_code,period,value\nCLI1,2025-26-Q2,12\nCLI1,2025-04,1\n")

    assert cli.main(["import-targets", str(good), "--as", "perf@council.gov.uk"]) == 0
    assert '"created": 1' in capsys.readouterr().out
    assert cli.main(["import-targets", str(bad), "--as", "perf@council.gov.uk"]) == 1
    assert '"line": 3' in capsys.readouterr().out


def test_export_outturn_writes_the_csv_the_api_serves(
    scratch: str, settings: Settings, tmp_path: Path
) -> None:
    _prepare(scratch, settings)
    values = tmp_path / "values.csv"
    values.write_text("indicator_code,period,value\nCLI1,2025-26-Q1,12\n")
    assert cli.main(["import-values", str(values), "--as", "perf@council.gov.uk"]) == 0
    output = tmp_path / "outturn.csv"

    code = cli.main(["export-outturn", "2025-26", "--output", str(output)])

    assert code == 0
    header, *rows = output.read_text().splitlines()
    assert header.startswith("indicator_code,")
    assert [row.split(",")[0] for row in rows] == ["CLI1"]
    assert cli.main(["export-outturn", "1999-00"]) == 2
