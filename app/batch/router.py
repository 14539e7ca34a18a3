from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.batch.idempotency import IdempotencyStore, request_fingerprint
from app.batch.parsing import UnsupportedMediaType, parse_csv, parse_json
from app.batch.schemas import BatchResult
from app.batch.service import BatchService
from app.core.deps import SessionDep

router = APIRouter(tags=["values"])

ENDPOINT = "POST /values/batch"


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
    if idempotency_key is not None:
        await store.record(
            principal_id=principal.id,
            key=idempotency_key,
            endpoint=ENDPOINT,
            status_code=200,
            response=result.model_dump(mode="json"),
        )
    return Response(result.model_dump_json(), media_type="application/json")
