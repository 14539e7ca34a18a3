"""GT_SMTP_URL: the host, port, TLS and credentials the worker sends email with."""

from __future__ import annotations

import pytest

from app.worker.mail import MailNotConfigured, SmtpTarget


def test_smtp_url_with_credentials_uses_starttls_when_offered() -> None:
    target = SmtpTarget.from_url("smtp://perf%40council.gov.uk:p%3Ass@mail.council.gov.uk")
    assert (target.hostname, target.port, target.use_tls, target.start_tls) == (
        "mail.council.gov.uk",
        587,
        False,
        None,
    )
    assert (target.username, target.password) == ("perf@council.gov.uk", "p:ss")


def test_smtps_is_tls_from_the_start_and_starttls_can_be_required_or_off() -> None:
    assert SmtpTarget.from_url("smtps://relay").port == 465
    assert SmtpTarget.from_url("smtps://relay").use_tls is True
    assert SmtpTarget.from_url("smtp://relay:25?starttls=require").start_tls is True
    assert SmtpTarget.from_url("smtp://relay:25?starttls=off").start_tls is False


@pytest.mark.parametrize(
    "url", ["http://relay", "smtp://", "relay:25", "smtp://relay?starttls=maybe"]
)
def test_a_smtp_url_that_is_not_understood_is_refused(url: str) -> None:
    with pytest.raises(MailNotConfigured):
        SmtpTarget.from_url(url)
