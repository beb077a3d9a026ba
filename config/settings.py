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


@cache
def settings() -> Settings:
    return Settings()
