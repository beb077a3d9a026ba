"""Who acts in the Scheme, by role. Roles come from the caller's token; the rules decide what each may do."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    TRAINEE = "trainee"
    PLACEMENT_MANAGER = "placement_manager"
    PROGRAMME_MANAGER = "programme_manager"
    ADMIN = "admin"
    AUDITOR = "auditor"
    HR = "hr"
    SYSTEM = "system"  # the trainee's workflow itself: timers, graduation, HR delivery


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    role: Role


SYSTEM = Actor(id="system", role=Role.SYSTEM)
