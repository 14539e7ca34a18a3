"""An answer sent in parts is the parts joined, with their total length as Content-Length."""

from __future__ import annotations

from httpx import ASGITransport, AsyncClient
from starlette.types import Message, Receive, Scope, Send

from app.core.responses import PartsResponse


async def test_a_parts_response_sends_the_parts_joined_with_their_length() -> None:
    parts = (b'{"a":', b"", b"[1,2,3]", b"}")
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async def recording(message: Message) -> None:
            sent.append(message)
            await send(message)

        await PartsResponse(parts, media_type="application/json")(scope, receive, recording)

    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
        response = await http.get("/")
    assert response.content == b'{"a":[1,2,3]}'
    assert response.json() == {"a": [1, 2, 3]}
    assert response.headers["content-length"] == str(len(b'{"a":[1,2,3]}'))
    assert response.headers["content-type"] == "application/json"
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert [m.get("more_body", False) for m in bodies] == [True, True, False]


async def test_a_parts_response_to_head_sends_the_length_and_no_body() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await PartsResponse((b"abc", b"def"))(scope, receive, send)

    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
        response = await http.head("/")
    assert response.content == b""
    assert response.headers["content-length"] == "6"
