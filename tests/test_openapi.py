from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from httpx import AsyncClient

from app.cli import openapi_document

COMMITTED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def test_committed_openapi_document_matches_the_app() -> None:
    committed = json.loads(COMMITTED.read_text())
    assert committed == openapi_document(), "openapi/openapi.json is stale: run `make openapi`"


def test_operation_ids_are_unique_and_readable() -> None:
    ids = [
        operation["operationId"]
        for path in openapi_document()["paths"].values()
        for operation in path.values()
    ]
    assert [name for name, count in Counter(ids).items() if count > 1] == []
    assert all(name.isidentifier() and name.islower() for name in ids)


def test_every_operation_has_a_description() -> None:
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)


async def test_the_document_is_served_under_the_api_prefix(client: AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Golden Thread"
