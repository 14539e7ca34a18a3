from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from app.core.schemas import RequestSchema, ResponseSchema


class CommentCreate(RequestSchema):
    body: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
    period: Annotated[str, StringConstraints(min_length=4, max_length=16)] | None = None
    reply_to_id: uuid.UUID | None = None


class CommentRead(ResponseSchema):
    id: uuid.UUID
    indicator_code: str
    period: str | None
    reply_to_id: uuid.UUID | None
    body: str
    author_id: uuid.UUID | None
    author_name: str
    author_role: str | None
    created_at: datetime
