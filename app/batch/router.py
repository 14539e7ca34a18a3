from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.batch.idempotency import IdempotencyStore, request_fingerprint
from app.batch.items import RawItem
from app.batch.parsing import UnsupportedMediaType, load_json, parse_csv, parse_json
from app.batch.schemas import (
    REQUIRED_TARGET_CSV_COLUMNS,
    TARGET_CSV_COLUMNS,
    BatchResult,
    TargetBatchIn,
    TargetBatchResult,
)
from app.batch.service import BatchService
from app.batch.targets import TargetBatchService
from app.core.deps import SessionDep

router = APIRouter(tags=["values"])

ENDPOINT = "POST /values/batch"
TARGETS_ENDPOINT = "POST /targets/batch"
_TARGET_BATCH = TypeAdapter(TargetBatchIn)
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(max_length=200, description="A retry with the same key and body replays the answer"),
]


@router.post(
    "/values/batch",
    response_model=BatchResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                # BatchIn, its items typed as BatchItem (app.openapi).
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/BatchIn"},
                    "example": {
                        "items": [
                            {"indicator_code": "HS01", "period": "2025-26-Q2", "value": 81.5},
                            {
                                "indicator_code": "HS02",
                                "period": "2025-26-Q2",
                                "numerator": 42,
                                "denominator": 50,
                                "quality_flags": ["provisional"],
                            },
                        ],
                        "submit": False,
                        "atomic": True,
                    },
                },
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "indicator_code,period,value,numerator,denominator,commentary,"
                    "quality_flags\nHS01,2025-26-Q2,81.5,,,On track,provisional\n",
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
    idempotency_key: IdempotencyKeyHeader = None,
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
    if idempotency_key is not None:
        await store.record(
            principal_id=principal.id,
            key=idempotency_key,
            endpoint=ENDPOINT,
            status_code=200,
            response=result.as_dict(),
        )
    return Response(result.json(), media_type="application/json")


def parse_targets(body: bytes, media_type: str, atomic: bool) -> tuple[list[RawItem], bool]:
    """A bulk target body, JSON or CSV, as raw items and whether it is all or nothing."""
    if media_type == "application/json":
        batch = load_json(body, _TARGET_BATCH)
        return [RawItem(index=i, data=item) for i, item in enumerate(batch.items)], batch.atomic
    if media_type in {"text/csv", "application/csv"}:
        csv_items = parse_csv(
            body, columns=TARGET_CSV_COLUMNS, required=REQUIRED_TARGET_CSV_COLUMNS
        )
        return csv_items, atomic
    raise UnsupportedMediaType("Send application/json or text/csv.")


@router.post(
    "/targets/batch",
    response_model=TargetBatchResult,
    tags=["targets"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                # TargetBatchIn, its items typed as TargetBatchItem (app.openapi).
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/TargetBatchIn"},
                    "example": {
                        "items": [
                            {
                                "indicator_code": "HOU01",
                                "period": "2026-27-Q1",
                                "value": 82,
                                "reason": "Agreed in the 2026-27 service plan",
                            }
                        ],
                        "atomic": True,
                    },
                },
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "indicator_code,period,value,lower,upper,floor,reason\n"
                    "HOU01,2026-27-Q1,82,,,75,Agreed in the 2026-27 service plan\n",
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
async def push_targets(
    request: Request,
    principal: Annotated[Principal, Depends(require(Permission.TARGETS_WRITE))],
    session: SessionDep,
    atomic: Annotated[bool, Query(description="CSV only: all or nothing")] = True,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Any:
    """Set many targets at once, as JSON items or CSV rows; one result per item, each change
    kept in the target's history with who, when and why."""
    body = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    items, atomic = parse_targets(body, media_type, atomic)
    store = IdempotencyStore(session)
    if idempotency_key is not None:
        replayed = await store.claim(
            principal_id=principal.id,
            key=idempotency_key,
            endpoint=TARGETS_ENDPOINT,
            fingerprint=request_fingerprint(media_type, str(atomic), body),
        )
        if replayed is not None:
            status_code, answer = replayed
            return JSONResponse(
                answer, status_code=status_code, headers={"Idempotent-Replayed": "true"}
            )
    result = await TargetBatchService(session).push(principal=principal, items=items, atomic=atomic)
    if idempotency_key is not None:
        await store.record(
            principal_id=principal.id,
            key=idempotency_key,
            endpoint=TARGETS_ENDPOINT,
            status_code=200,
            response=result.model_dump(mode="json"),
        )
    return Response(result.model_dump_json(), media_type="application/json")
