"""Where a webhook may point: https, and only at addresses on the public internet, so the
service cannot be made to call into the council's own network or a cloud metadata endpoint.

The host is resolved and every address checked, when the subscription is made and again before
each delivery (a name that resolved to a public address yesterday may resolve to 10.0.0.5
today: DNS rebinding), and the delivery connects to the address that was checked, not to
whatever the name resolves to a moment later (``pinned``)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

ALLOWED_SCHEMES = frozenset({"https"})
ALLOWED_SCHEMES_PRIVATE = frozenset({"https", "http"})


class AddressRefused(ValueError):
    """The URL may not be called; the message says why."""


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _refusal(address: IpAddress) -> str | None:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    # is_global is False for loopback, private, link-local (169.254.169.254, the metadata
    # address of most clouds), shared (100.64/10), unique-local (fd00:ec2::254), reserved and
    # unspecified addresses alike; multicast is never a web server.
    if address.is_global and not address.is_multicast:
        return None
    kind = (
        "loopback"
        if address.is_loopback
        else "link-local"
        if address.is_link_local
        else "private"
        if address.is_private
        else "non-public"
    )
    return f"{address} is a {kind} address"


def check_shape(url: str, *, allow_private: bool) -> tuple[str, int]:
    """The URL's host and port, if its shape is allowed."""
    parts = urlsplit(url)
    schemes = ALLOWED_SCHEMES_PRIVATE if allow_private else ALLOWED_SCHEMES
    if parts.scheme not in schemes:
        raise AddressRefused(
            "the URL must be https"
            + ("" if allow_private else " (plain http needs GT_WEBHOOKS_ALLOW_PRIVATE=1)")
        )
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("the URL must not carry credentials; the signature authenticates")
    if not parts.hostname:
        raise AddressRefused("the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise AddressRefused("the URL's port is not a number from 0 to 65535") from None
    return parts.hostname, port


async def check_url(url: str, *, allow_private: bool) -> IpAddress | None:
    """Refuse (AddressRefused) a URL that is not https, or whose host resolves to any address
    that is not public; with allow_private, http and any address are allowed. The answer is
    the checked address to connect to when the host is a name (None: connect as the URL says,
    the host being an address already, or any address being allowed)."""
    host, port = check_shape(url, allow_private=allow_private)
    if allow_private:
        return None
    try:
        literal: IpAddress | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IpAddress] = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError):
            raise AddressRefused(f"the host {host} does not resolve") from None
        # In the resolver's order of preference, each once.
        addresses = list(
            dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos)
        )
        if not addresses:
            raise AddressRefused(f"the host {host} does not resolve")
    for address in sorted(addresses, key=str):
        reason = _refusal(address)
        if reason is not None:
            raise AddressRefused(f"{host} is not allowed: {reason}")
    return None if literal is not None else addresses[0]


@dataclass(frozen=True)
class PinnedRequest:
    """A request to a checked address: the URL with the address for its host, the name kept
    in ``Host`` and, for TLS, as the server name sent (SNI) and verified in the certificate."""

    url: str
    host_header: str
    server_name: str


def pinned(url: str, address: IpAddress) -> PinnedRequest:
    parts = urlsplit(url)
    assert parts.hostname is not None  # check_shape refuses a URL without a host
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return PinnedRequest(
        url=urlunsplit(parts._replace(netloc=netloc)),
        host_header=parts.netloc,
        server_name=parts.hostname,
    )
