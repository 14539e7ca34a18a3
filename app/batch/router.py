from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError

from app.auth.dependencies import require
from app.auth.permissions import Permission
from app.auth.principal import Principal
from app.batch.idempotency import IdempotencyStore, request_fingerprint
from app.batch.schemas import (
    CSV_COLUMNS,
    MAX_ITEMS,
    REQUIRED_CSV_COLUMNS,
    BatchIn,
    BatchResult,
)
from app.batch.service import BatchService, RawItem
from app.core.deps import SessionDep
from app.core.errors import AppError, InvalidInput, PayloadTooLarge

router = APIRouter(tags=["values"])

ENDPOINT = "POST /values/batch"
_BATCH = TypeAdapter(BatchIn)


class UnsupportedMediaType(AppError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class MalformedBody(AppError):
    status, title, slug = 400, "Malformed request", "malformed"


def _too_many(count: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"{count} items: a batch takes at most {MAX_ITEMS}; split it.")


def parse_json(body: bytes) -> tuple[list[RawItem], bool, bool]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedBody(f"The body is not valid JSON: {exc}.") from exc
    items = data.get("items") if isinstance(data, dict) else None
    if isinstance(items, list) and len(items) > MAX_ITEMS:
        raise _too_many(len(items))
    try:
        batch = _BATCH.validate_python(data)
    except ValidationError as exc:
        raise InvalidInput(
            "The batch is not of the expected shape; see errors.",
            errors=[
                {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ],
        ) from exc
    raw = [RawItem(index=i, data=item) for i, item in enumerate(batch.items)]
    return raw, batch.submit, batch.atomic


def parse_csv(body: bytes) -> list[RawItem]:
    """Rows of a CSV with a header row; empty cells are absent fields; flags split on ';'."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedBody("The CSV is not UTF-8 text.") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [column for column in REQUIRED_CSV_COLUMNS if column not in header]
    unknown = [column for column in header if column not in CSV_COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            "The CSV header must name the columns "
            f"{', '.join(CSV_COLUMNS)} (indicator_code, period and value at least).",
            errors=[
                {"loc": ["header", column], "msg": "missing column", "type": "missing"}
                for column in missing
            ]
            + [
                {"loc": ["header", column], "msg": "unknown column", "type": "extra_forbidden"}
                for column in unknown
            ],
        )
    items: list[RawItem] = []
    try:
        for index, row in enumerate(reader):
            if index >= MAX_ITEMS:
                raise _too_many(index + 1)
            data: dict[str, Any] = {}
            for column, cell in row.items():
                if column is None:  # more cells than header columns
                    data["extra_cells"] = cell
                elif cell is not None and cell.strip() != "":
                    data[column] = cell.strip()
            if "quality_flags" in data:
                data["quality_flags"] = [
                    f.strip() for f in data["quality_flags"].split(";") if f.strip()
                ]
            items.append(RawItem(index=index, data=data, line=reader.line_num))
    except csv.Error as exc:
        raise MalformedBody(f"The CSV cannot be read at line {reader.line_num}: {exc}.") from exc
    return items


@router.post(
    "/values/batch",
    response_model=BatchResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": BatchIn.model_json_schema()},
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "indicator_code,period,value,numerator,denominator,commentary,"
                    "quality_flags\nHS08,2025-26-Q2,81.5,,,On track,provisional\n",
                },
            },
        }
    },
    responses={
        403: {"description": "Atomic batch with items outside your scope (nothing stored)"},
        413: {"description": "More than 10,000 items or 5 MiB"},
        422: {"description": "Atomic batch with invalid items, each named (nothing stored)"},
    },
)
async def push_values(
    request: Request,
    principal: Annotated[Principal, Depends(require(Permission.VALUES_WRITE))],
    session: SessionDep,
    submit: Annotated[bool, Query(description="CSV only: also submit what is stored")] = False,
    atomic: Annotated[bool, Query(description="CSV only: all or nothing")] = True,
    idempotency_key: Annotated[
        str | None,
        Header(max_length=200, description="A retry with the same key and body replays the answer"),
    ] = None,
) -> Any:
    """Push many values at once, as JSON items or CSV rows; one result per item."""
    body = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json":
        items, submit, atomic = parse_json(body)
    elif media_type in {"text/csv", "application/csv"}:
        items = parse_csv(body)
    else:
        raise UnsupportedMediaType("Send application/json or text/csv.")

    store = IdempotencyStore(session)
    if idempotency_key is not None:
        fingerprint = request_fingerprint(media_type, str(submit), str(atomic), body)
        replayed = await store.claim(
            principal_id=principal.id,
            key=idempotency_key,
            endpoint=ENDPOINT,
            fingerprint=fingerprint,
        )
        if replayed is not None:
            status_code, answer = replayed
            return JSONResponse(
                answer, status_code=status_code, headers={"Idempotent-Replayed": "true"}
            )
    result = await BatchService(session).push(
        principal=principal, items=items, submit=submit, atomic=atomic
    )
    answer = result.model_dump(mode="json")
    if idempotency_key is not None:
        await store.record(
            principal_id=principal.id,
            key=idempotency_key,
            endpoint=ENDPOINT,
            status_code=200,
            response=answer,
        )
    return JSONResponse(answer)
