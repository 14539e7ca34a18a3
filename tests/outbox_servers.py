"""Real servers on loopback ports for the outbox tests: an SMTP server (aiosmtpd) that can be
told to refuse or to hang, and an HTTP receiver that fails its first tries."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server received, and how it behaves."""

    messages: list[Message] = field(default_factory=list)
    # "accept", "refuse" (451 at DATA, a temporary failure), or "hang_after" a count.
    mode: str = "accept"
    hang_after: int = 0
    hanging: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.mode == "refuse":
            return "451 4.3.0 Mailbox temporarily unavailable"
        if self.mode == "hang" and len(self.messages) >= self.hang_after:
            self.hanging.set()
            await asyncio.to_thread(self.release.wait, 10)
            return "451 4.3.0 Gone away"
        content = envelope.content
        assert isinstance(content, bytes)
        with self.lock:
            self.messages.append(message_from_bytes(content))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        mailbox.release.set()
        controller.stop()


@dataclass
class Receiver:
    """Calls received; the first `failures` are answered 500."""

    failures: int = 0
    calls: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self) -> list[tuple[dict[str, str], bytes, int]]:
        with self.lock:
            return [call for call in self.calls if call[2] < 300]


@contextmanager
def http_receiver(failures: int = 0) -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver(failures=failures)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with receiver.lock:
                status = 500 if len(receiver.calls) < receiver.failures else 204
                receiver.calls.append(
                    ({k.lower(): v for k, v in self.headers.items()}, body, status)
                )
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver, f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()
        server.server_close()
