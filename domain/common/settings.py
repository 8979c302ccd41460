"""The one settings class, read once. api/ and workers/ pass values into domain services;
domain code never calls get_settings() itself."""

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-in-production"
MIN_SECRET_LENGTH = 32


class AuthSettings(BaseModel):
    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    mfa_challenge_minutes: int = 5
    password_reset_minutes: int = 60
    invitation_days: int = 7
    # Failed logins allowed in the window before answering 429.
    max_failures_per_email: int = 5
    max_failures_per_ip: int = 30
    failure_window_seconds: int = 900
    # Password reset emails per address and per client IP in the window (more answer the same
    # 202 but send nothing).
    password_resets_per_email: int = 3
    password_resets_per_ip: int = 20
    password_reset_window_seconds: int = 3600
    # Unset: Secure in production (HTTPS, or http://localhost, which browsers treat as secure).
    refresh_cookie_secure: bool | None = None


class EmailSettings(BaseModel):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    from_address: str = "Tenure <no-reply@example.com>"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TENURE_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/tenure",
        validation_alias=AliasChoices("DATABASE_URL", "TENURE_DATABASE_URL"),
    )
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0", validation_alias=AliasChoices("REDIS_URL", "TENURE_REDIS_URL")
    )
    # Where the SPA is reachable; links in emails point here.
    public_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_json: bool = True
    # Where the access log (one line per request) goes instead of the console.
    access_log_file: str | None = None
    # Day slices of one usage rollup run side by side, each on its own connection: about the
    # number of cores the database can give one organisation's rollup.
    rollup_parallelism: int = Field(2, ge=1, le=16)
    # API processes `python -m api.serve` starts: unset, one per core.
    web_concurrency: int | None = Field(None, ge=1, le=64)
    # Requests each API process works on at once; the rest wait their turn (api/middleware.py).
    # Enough to keep a core busy while some wait for the database, few enough that each of a
    # request's round trips waits behind few others.
    web_active_requests: int = Field(6, ge=1, le=1000)
    # Database connections each API process keeps (10 more open under load): about the
    # requests one process has in flight, or they queue for a connection (at 50 clients on two
    # processes, 10 kept gave `GET /me` a p99 of 295 ms, 30 gave 119 ms).
    database_pool_size: int = Field(20, ge=1, le=200)
    # Addresses (comma-separated, or "*") whose X-Forwarded-For/-Proto are believed: the
    # reverse proxies in front of Tenure. Anyone else could forge their client IP.
    trusted_proxies: str = "127.0.0.1"
    auth: AuthSettings = AuthSettings()
    email: EmailSettings = EmailSettings()

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> "Settings":
        secret = self.auth.secret_key.get_secret_value()
        if self.environment == "production" and (
            secret == PLACEHOLDER_SECRET or len(secret) < MIN_SECRET_LENGTH
        ):
            raise ValueError(
                "TENURE_AUTH__SECRET_KEY must be set in production, "
                f"{MIN_SECRET_LENGTH} characters or more: write one with "
                "python3 -c \"import secrets; print('TENURE_AUTH__SECRET_KEY=' + "
                'secrets.token_urlsafe(48))" >> .env'
            )
        return self

    @property
    def secure_refresh_cookie(self) -> bool:
        configured = self.auth.refresh_cookie_secure
        return self.environment == "production" if configured is None else configured

    @property
    def async_database_url(self) -> str:
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
