from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.benchmarks.schemas import BenchmarkIn, BenchmarkRead
from app.benchmarks.service import BenchmarkService
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging, page_of
from app.core.schemas import Page

router = APIRouter(prefix="/indicators", tags=["benchmarks"])

Reader = Annotated[Principal, Depends(require(Permission.INDICATORS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.INDICATORS_WRITE))]
IfMatch = Annotated[str | None, Header(description="The ETag you read; 412 if it changed")]


@router.get("/{code}/benchmarks", response_model=Page[BenchmarkRead])
async def list_benchmarks(
    code: str, _: Reader, session: SessionDep, paging: Paging
) -> Page[BenchmarkRead]:
    """Every period's comparator figures for the indicator, in period order."""
    return Page(**page_of(await BenchmarkService(session).list_benchmarks(code=code), paging))


@router.get("/{code}/benchmarks/{period}", response_model=BenchmarkRead)
async def get_benchmark(
    code: str, period: str, _: Reader, session: SessionDep, response: Response
) -> BenchmarkRead:
    """One period's comparator figures: source, median, quartiles and named comparators."""
    read, version = await BenchmarkService(session).get(code=code, period_code=period)
    set_etag(response, version)
    return read


@router.put("/{code}/benchmarks/{period}", response_model=BenchmarkRead)
async def set_benchmark(
    code: str,
    period: str,
    body: BenchmarkIn,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> BenchmarkRead:
    """Set or replace a period's comparator figures (201 when new); the change is audited."""
    read, version, created = await BenchmarkService(session).put(
        principal=principal, code=code, period_code=period, data=body, if_match=if_match
    )
    set_etag(response, version)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return read
