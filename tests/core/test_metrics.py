"""GET /metrics: Prometheus text, parsed by prometheus-client's own parser; requests counted by
route template, the pool's connections, the status cache's hits and recomputations, a token
when one is set, and the sum over several worker processes in multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.permissions import Role
from app.core import metrics
from app.core.config import Settings
from app.core.db import create_engine
from tests.factories import Factory
from tests.helpers import API, assert_problem, create_indicator, person, seed_approved

ROOT = Path(__file__).resolve().parents[2]


async def _samples(client: AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _requests(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    *,
    route: str,
    status: str,
    method: str = "GET",
) -> float:
    key = ("gt_http_requests_total", (("method", method), ("route", route), ("status", status)))
    return samples.get(key, 0.0)


async def test_metrics_parse_as_prometheus_text_and_count_requests_by_route_template(
    client: AsyncClient, factory: Factory
) -> None:
    headers = await factory.headers(Role.ADMIN)
    before = await _samples(client)
    for code in ("NOPE-1", "NOPE-2"):
        response = await client.get(f"{API}/indicators/{code}", headers=headers)
        assert_problem(response, 404)
    assert (await client.get("/no/such/path/at/all")).status_code == 404
    after = await _samples(client)

    template = f"{API}/indicators/{{code}}"
    assert _requests(after, route=template, status="404") == (
        _requests(before, route=template, status="404") + 2
    )
    assert _requests(after, route="unmatched", status="404") == (
        _requests(before, route="unmatched", status="404") + 1
    )
    # Never a label per path.
    assert not any("NOPE" in value for _, labels in after for _, value in labels)
    latency = (
        "gt_http_request_duration_seconds_count",
        (("method", "GET"), ("route", template), ("status", "404")),
    )
    assert after[latency] >= 2
    assert ("gt_db_pool_connections_in_use", ()) in after
    assert ("gt_status_cache_hits_total", ()) in after


async def test_the_status_cache_counts_recomputations_then_hits(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    for code in ("M-1", "M-2"):
        await create_indicator(client, perf, code)
        await seed_approved(factory, code, {"2025-26-Q1": 50})

    def read(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> tuple[float, float]:
        return (
            samples[("gt_status_cache_recomputations_total", ())],
            samples[("gt_status_cache_hits_total", ())],
        )

    start = read(await _samples(client))
    scorecard = f"{API}/reports/scorecard"
    first = await client.get(scorecard, params={"period": "2025-26-Q1"}, headers=perf)
    assert first.status_code == 200, first.text
    middle = read(await _samples(client))
    second = await client.get(scorecard, params={"period": "2025-26-Q1"}, headers=perf)
    assert second.status_code == 200, second.text
    end = read(await _samples(client))

    assert (middle[0] - start[0], middle[1] - start[1]) == (2, 0)
    assert (end[0] - middle[0], end[1] - middle[1]) == (0, 2)


async def test_pool_connections_in_use_follow_checkouts(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    metrics.install_pool_metrics(engine)
    in_use = metrics.DB_POOL_IN_USE._value.get()
    try:
        async with engine.connect():
            assert metrics.DB_POOL_IN_USE._value.get() == in_use + 1
        assert metrics.DB_POOL_IN_USE._value.get() == in_use
    finally:
        await engine.dispose()


async def test_a_metrics_token_keeps_the_metrics_private(app: FastAPI, settings: Settings) -> None:
    app.state.settings = settings.model_copy(update={"metrics_token": "scrape-me-" + "x" * 20})
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
        assert_problem(await http.get("/metrics"), 401)
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert_problem(wrong, 401)
        assert wrong.headers["www-authenticate"] == "Bearer"
        right = await http.get(
            "/metrics", headers={"Authorization": "Bearer scrape-me-" + "x" * 20}
        )
        assert right.status_code == 200
        assert list(text_string_to_metric_families(right.text))


async def test_probes_read_the_database_at_scrape_time(app: FastAPI, client: AsyncClient) -> None:
    seen: list[AsyncSession] = []

    async def probe(session: AsyncSession) -> None:
        seen.append(session)

    app.state.metrics_probes.append(probe)
    assert (await client.get("/metrics")).status_code == 200
    assert len(seen) == 1


_WORKER = """
import sys
from app.core import metrics
metrics.HTTP_REQUESTS.labels("GET", "/healthz", "200").inc(int(sys.argv[1]))
metrics.DB_POOL_IN_USE.inc(1)
"""

_SCRAPE = """
from app.core import metrics
body, _ = metrics.render()
print(body.decode())
"""


def test_several_worker_processes_are_summed_in_multiprocess_mode(tmp_path: Path) -> None:
    env = {**os.environ, metrics.MULTIPROCESS_ENV: str(tmp_path), "PYTHONPATH": str(ROOT)}
    # Two workers side by side, each its own process, then a scrape from a third.
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, count], env=env, cwd=ROOT)  # noqa: S603
        for count in ("3", "4")
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    scraped = subprocess.run(  # noqa: S603 - this interpreter, a script of this file
        [sys.executable, "-c", _SCRAPE], env=env, check=True, cwd=ROOT, capture_output=True
    ).stdout.decode()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
    }
    key = (("method", "GET"), ("route", "/healthz"), ("status", "200"))
    assert samples[("gt_http_requests_total", key)] == 7
    assert samples[("gt_db_pool_connections_in_use", ())] == 2
