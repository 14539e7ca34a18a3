"""A delivery connects to the address it checked: a name that resolves to a public address
for the check and to the council's network a moment later (DNS rebinding) is still called at
the public address, with the name kept for Host and for TLS."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from app.webhooks import addresses
from app.webhooks.addresses import IpAddress
from app.worker import sender

PUBLIC, PRIVATE = "93.184.215.14", "10.0.0.5"


@pytest.fixture
def rebinding(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """hooks.example.org resolves to a public address once, then to a private one."""
    answers = [PUBLIC, PRIVATE, PRIVATE]
    asked: list[str] = []

    async def resolve(host: str, _port: int) -> list[IpAddress]:
        asked.append(host)
        return [ipaddress.ip_address(answers.pop(0) if answers else PRIVATE)]

    monkeypatch.setattr(addresses, "resolve", resolve)
    return asked


async def post(url: str, seen: list[httpx.Request]) -> sender.CallResult:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        return await sender.call(
            http,
            url=url,
            secret="whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            message_id="msg_1",
            payload={"type": "value.approved"},
            allow_private=False,
        )


async def test_a_delivery_connects_to_the_address_it_checked_not_a_fresh_lookup(
    rebinding: list[str],
) -> None:
    seen: list[httpx.Request] = []
    result = await post("https://hooks.example.org:8443/in?x=1", seen)

    assert result.ok, result
    [request] = seen
    assert rebinding == ["hooks.example.org"]  # resolved once, for the check
    assert (request.url.host, request.url.port, request.url.path) == (PUBLIC, 8443, "/in")
    assert request.url.query == b"x=1"
    assert request.headers["host"] == "hooks.example.org:8443"
    # TLS sends and verifies the name, not the address.
    assert request.extensions["sni_hostname"] == "hooks.example.org"


async def test_a_name_that_now_resolves_into_the_councils_network_is_not_called(
    rebinding: list[str],
) -> None:
    seen: list[httpx.Request] = []
    assert (await post("https://hooks.example.org/in", seen)).ok
    refused = await post("https://hooks.example.org/in", seen)
    assert not refused.ok
    assert (
        refused.error == "refused: hooks.example.org is not allowed: 10.0.0.5 is a private address"
    )
    assert len(seen) == 1


async def test_an_address_in_the_url_is_called_as_written(rebinding: list[str]) -> None:
    seen: list[httpx.Request] = []
    assert (await post(f"https://{PUBLIC}/in", seen)).ok
    [request] = seen
    assert request.url.host == PUBLIC
    assert "sni_hostname" not in request.extensions
    assert rebinding == []
