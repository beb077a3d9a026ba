"""The loaded framework: sections, leadership domains and competencies of one specialism (core + specialist)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class CompetencyKind(StrEnum):
    CORE = "core"
    SPECIALIST = "specialist"


@dataclass(frozen=True, slots=True)
class Section:
    number: int
    title: str
    rated: bool


@dataclass(frozen=True, slots=True)
class LeadershipDomain:
    id: str
    section: int
    title: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Competency:
    id: str
    section: int
    domain: str
    kind: CompetencyKind
    specialism: str | None
    hlm: tuple[str, ...]
    text: str
    examples: tuple[str, ...]
    target_level: int
    rated: bool
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Framework:
    """One specialism's framework: the shared core plus that specialism's own competencies."""

    id: str
    version: str
    specialism: str
    title: str
    sections: tuple[Section, ...]
    domains: tuple[LeadershipDomain, ...]
    competencies: tuple[Competency, ...]
    by_id: Mapping[str, Competency] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {c.id: c for c in self.competencies})

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def section(self, number: int) -> Section:
        return next(s for s in self.sections if s.number == number)

    def personal_qualities(self) -> tuple[Competency, ...]:
        """The unrated competencies, achieved together when the reflective piece is accepted."""
        return tuple(c for c in self.competencies if not c.rated)
