"""Start-up settings, read once from the environment (prefix ``GT_``)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_KEY_LENGTH = 32
# Development without any secret still gets a keyed audit chain, under a published key that
# protects nothing; it only keeps one development database verifiable across restarts.
DEVELOPMENT_AUDIT_KEY = "golden-thread-development-audit-key-not-secret"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


# The only algorithms a provider's token may name: asymmetric, so the key that checks a
# signature cannot make one (never "none", never HS256 keyed with a public key).
OIDC_ASYMMETRIC_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
)


class OidcRoleGrant(BaseModel):
    """One role a provider's group grants (the role names are checked when the app starts)."""

    model_config = ConfigDict(extra="forbid")

    role: str
    org_unit_code: str | None = None


def is_loopback_url(url: str) -> bool:
    """Whether `url`'s host is this machine (plain http is accepted only there)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GT_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///./golden_thread.db"
    database_pool_size: int = Field(default=5, ge=1)
    database_echo: bool = False
    # Writing requests (not GET, HEAD or OPTIONS) a worker process runs at once; the others
    # wait their turn before they take a connection or time on the event loop, so a burst of
    # writes does not slow the reads beside it (0: no limit). A write that waited this long
    # is answered 503 with Retry-After, having changed nothing. One: on a CPU-bound worker,
    # writes one after another finish sooner than side by side (bench/load.py).
    write_concurrency: int = Field(default=1, ge=0)
    write_wait_seconds: float = Field(default=30.0, gt=0, le=600)

    secret_key: str = ""
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    jwt_issuer: str = "golden-thread"

    # Refresh tokens (people only): each lasts this long unused, and is replaced at each use.
    refresh_token_days: int = Field(default=14, ge=1, le=90)

    # OpenID Connect: with issuer and audience set, the provider's bearer tokens are accepted
    # beside the service's own (app.auth.oidc).
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_email_claim: str = "email"
    oidc_groups_claim: str = "groups"
    # JSON: {"<group id>": [{"role": "staff", "org_unit_code": "HOU"}], ...}
    oidc_group_roles: dict[str, list[OidcRoleGrant]] = Field(default_factory=dict)
    oidc_create_users: bool = False
    oidc_algorithms: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(OIDC_ASYMMETRIC_ALGORITHMS)
    )
    oidc_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # The keys are fetched again after this long, and at most this often for an unknown kid.
    oidc_jwks_max_age_seconds: int = Field(default=3600, ge=60)
    oidc_jwks_min_refresh_seconds: float = Field(default=60.0, ge=0)

    # GET /metrics answers only with `Authorization: Bearer <this>` when set.
    metrics_token: str | None = None

    admin_email: str | None = None
    admin_password: str | None = None
    demo_data: bool = False

    # Comma-separated origins allowed to call the API from a browser; none by default.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_bulk_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)

    # Failed logins: after this many failures in the window, an account or address waits.
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)

    data_due_working_days: int = Field(default=10, ge=0, le=60)
    board_days_after_quarter: int = Field(default=21, ge=0, le=90)

    # The council-wide RAG tolerance used until an admin sets one (GET|PUT /settings/rag).
    default_tolerance_unit: str = "percent"
    default_green_within: Decimal = Decimal("5")
    default_amber_within: Decimal = Decimal("10")

    # Notifications and webhooks (app.worker). The worker runs inside the server process unless
    # GT_WORKER_IN_PROCESS=0, when `python -m app.cli worker` runs it on its own.
    worker_in_process: bool = True
    worker_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    worker_batch_size: int = Field(default=50, ge=1, le=1000)
    # smtp://user:password@host:587 (STARTTLS when the server offers it; ?starttls=require to
    # insist), smtps://... for TLS from the start. Unset: emails wait in the outbox.
    smtp_url: str = ""
    mail_from: str = "golden-thread@localhost"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # A figure's reminder is sent this many working days before its data is due.
    reminder_working_days: int = Field(default=3, ge=0, le=30)
    # The daily digest goes out at or after this hour (UTC).
    digest_hour: int = Field(default=7, ge=0, le=23)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # Plain http and private, loopback or link-local addresses for webhooks: internal
    # networks and tests only.
    webhooks_allow_private: bool = False

    log_level: str = "INFO"
    log_json: bool = True

    # The audit chain's HMAC key, kept outside the database (app.audit.seal). Unset, it is
    # derived from GT_SECRET_KEY (after validation this field holds the key in use either way);
    # set it explicitly before ever rotating GT_SECRET_KEY, or older events stop verifying.
    audit_key: str = ""
    # The signed checkpoint of the chain's head: a file the database's administrator cannot
    # write. Unset: under ./var/, named after the database, so two databases never share one.
    audit_checkpoint_path: Path | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("oidc_algorithms", mode="before")
    @classmethod
    def _split_algorithms(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("oidc_algorithms")
    @classmethod
    def _only_asymmetric(cls, value: list[str]) -> list[str]:
        refused = [name for name in value if name not in OIDC_ASYMMETRIC_ALGORITHMS]
        if refused or not value:
            raise ValueError(
                f"GT_OIDC_ALGORITHMS takes only {', '.join(OIDC_ASYMMETRIC_ALGORITHMS)}; "
                f"refused: {', '.join(refused) or 'an empty list'}"
            )
        return value

    @model_validator(mode="after")
    def _check_oidc(self) -> Settings:
        if bool(self.oidc_issuer) != bool(self.oidc_audience):
            raise ValueError("GT_OIDC_ISSUER and GT_OIDC_AUDIENCE are set together or not at all")
        if self.oidc_issuer:
            scheme = urlsplit(self.oidc_issuer).scheme
            if not (scheme == "https" or (scheme == "http" and is_loopback_url(self.oidc_issuer))):
                raise ValueError(
                    "GT_OIDC_ISSUER must be an https URL (plain http only on a loopback address)"
                )
            if self.oidc_issuer == self.jwt_issuer:
                raise ValueError("GT_OIDC_ISSUER must differ from GT_JWT_ISSUER")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_audience)

    @model_validator(mode="after")
    def _require_secret_outside_development(self) -> Settings:
        if self.environment is not Environment.DEVELOPMENT and (
            len(self.secret_key) < MIN_SECRET_KEY_LENGTH
        ):
            raise ValueError(
                f"GT_SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} characters "
                f"when GT_ENVIRONMENT is {self.environment.value}"
            )
        return self

    @model_validator(mode="after")
    def _resolve_audit_key(self) -> Settings:
        if self.audit_key:
            if self.environment is not Environment.DEVELOPMENT and (
                len(self.audit_key) < MIN_SECRET_KEY_LENGTH
            ):
                raise ValueError(
                    f"GT_AUDIT_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters "
                    f"when GT_ENVIRONMENT is {self.environment.value}"
                )
            return self
        # Derived here, once, from the configured secret: the app later replaces an empty
        # development secret with a random one, which must not change the audit key.
        secret = self.secret_key or DEVELOPMENT_AUDIT_KEY
        self.audit_key = hmac.new(
            secret.encode(), b"golden-thread audit chain v2", hashlib.sha256
        ).hexdigest()
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings()
