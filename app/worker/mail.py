"""Email through GT_SMTP_URL with aiosmtplib: smtp:// (STARTTLS when offered, or required with
?starttls=require), smtps:// (TLS from the start), credentials from the URL."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib


class MailNotConfigured(ValueError):
    """GT_SMTP_URL is not set or not understood."""


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    # None: STARTTLS if the server offers it; True: insist; False: never.
    start_tls: bool | None

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise MailNotConfigured("GT_SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
        query = parse_qs(parts.query)
        choice = (query.get("starttls") or ["auto"])[0]
        if choice not in {"auto", "require", "off"}:
            raise MailNotConfigured("GT_SMTP_URL's starttls must be auto, require or off")
        use_tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if use_tls else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
            start_tls=None if choice == "auto" else choice == "require",
        )


def message(*, sender: str, to: str, subject: str, body: str, message_id: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    # The same id on every retry, so a mail client can tell a duplicate of at-least-once.
    mail["Message-ID"] = f"<{message_id}@golden-thread>"
    mail.set_content(body)
    return mail


async def send(target: SmtpTarget, mail: EmailMessage, *, seconds: float) -> None:
    """Send one message; raises aiosmtplib.SMTPException or OSError when it does not go."""
    client = aiosmtplib.SMTP(
        hostname=target.hostname,
        port=target.port,
        username=target.username,
        password=target.password,
        use_tls=target.use_tls,
        start_tls=target.start_tls,
        timeout=seconds,
    )
    try:
        await client.connect()  # TLS or STARTTLS, then AUTH with the URL's credentials
        await client.send_message(mail)
    except BaseException:
        # Cancelled or failed: hang up, rather than wait on a polite QUIT to a server that
        # may be the reason.
        client.close()
        raise
    try:
        await client.quit()
    except aiosmtplib.SMTPException:
        pass  # the message was accepted; a lost goodbye changes nothing
    finally:
        client.close()
