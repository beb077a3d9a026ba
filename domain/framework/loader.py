"""Builds a `Framework` from parsed data files: a specialism's file on top of the shared core file.

The files are TOML (see `data/`). Parsing is strict about shape (unknown keys are refused, so a typo is not
silently ignored); `validate` then checks the rules that span records. Both report every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.framework.errors import FrameworkInvalid
from domain.framework.model import Competency, CompetencyKind, Framework, LeadershipDomain, Section

_ID = re.compile(r"^\d+\.\d+\.\d+$")
_DOMAIN_ID = re.compile(r"^\d+\.\d+$")
LEVELS = range(1, 6)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectionRecord(_Strict):
    number: int
    title: str
    rated: bool = True


class DomainRecord(_Strict):
    id: str
    title: str
    note: str | None = None


class CompetencyRecord(_Strict):
    id: str
    domain: str
    hlm: list[str] = Field(default_factory=list)
    text: str
    examples: list[str] = Field(default_factory=list)
    target_level: int | None = None
    notes: dict[str, str] = Field(default_factory=dict)


class FrameworkFile(_Strict):
    """One data file: the core (sections, domains, core competencies) or a specialism built on a core."""

    id: str
    version: str
    title: str
    source: str = ""
    specialism: str | None = None
    core: str | None = None
    default_target_level: int = 3
    default_target_note: str = ""
    sections: list[SectionRecord] = Field(default_factory=list)
    domains: list[DomainRecord] = Field(default_factory=list)
    competencies: list[CompetencyRecord] = Field(default_factory=list)
    target_levels: dict[str, int] = Field(default_factory=dict)


def parse_file(name: str, data: Mapping[str, Any]) -> FrameworkFile:
    try:
        return FrameworkFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise FrameworkInvalid(name, problems) from None


def validate(core: FrameworkFile, specialism: FrameworkFile) -> list[str]:
    """Every rule the pair of files breaks, in reading order; empty when the framework is sound."""
    problems: list[str] = []
    sections = {s.number for s in core.sections}
    domains = {d.id for d in core.domains}
    if specialism.core is not None and specialism.core != core.id:
        problems.append(f"{specialism.id}: builds on core {specialism.core!r}, given {core.id!r}")
    if specialism.specialism is None:
        problems.append(f"{specialism.id}: specialist competencies need a specialism; the file names none")
    for f in (core, specialism):
        if f.default_target_level not in LEVELS:
            problems.append(f"{f.id}: default target level {f.default_target_level} is outside 1-5")
    for d in core.domains:
        if not _DOMAIN_ID.match(d.id):
            problems.append(f"domain {d.id}: id must look like 4.1")
        elif int(d.id.split(".")[0]) not in sections:
            problems.append(f"domain {d.id}: unknown section {d.id.split('.')[0]}")
    seen: dict[str, str] = {}
    for f in (core, specialism):
        for c in f.competencies:
            where = f"{f.id} competency {c.id}"
            if c.id in seen:
                problems.append(f"{where}: duplicate id (already in {seen[c.id]})")
            seen.setdefault(c.id, f.id)
            if not _ID.match(c.id):
                problems.append(f"{where}: id must look like 4.1.3")
            if c.domain not in domains:
                problems.append(f"{where}: unknown leadership domain {c.domain}")
            elif not c.id.startswith(c.domain + "."):
                problems.append(f"{where}: id does not belong to its domain {c.domain}")
            section = c.domain.split(".")[0]
            if section.isdigit() and int(section) not in sections:
                problems.append(f"{where}: unknown section {section}")
            if c.target_level is not None and c.target_level not in LEVELS:
                problems.append(f"{where}: target level {c.target_level} is outside 1-5")
            if not c.text.strip():
                problems.append(f"{where}: empty text")
    for cid, level in specialism.target_levels.items():
        if cid not in seen:
            problems.append(f"{specialism.id} target_levels: unknown competency {cid}")
        if level not in LEVELS:
            problems.append(f"{specialism.id} target_levels: {cid} level {level} is outside 1-5")
    return problems


def build(core: FrameworkFile, specialism: FrameworkFile) -> Framework:
    """Validate then assemble; raises `FrameworkInvalid` listing every problem."""
    problems = validate(core, specialism)
    if problems:
        raise FrameworkInvalid(f"{specialism.id}@{specialism.version}", problems)
    assert specialism.specialism is not None  # checked by validate
    sections = tuple(
        Section(s.number, s.title, s.rated) for s in sorted(core.sections, key=lambda s: s.number)
    )
    rated = {s.number: s.rated for s in sections}
    domains = tuple(
        LeadershipDomain(d.id, int(d.id.split(".")[0]), d.title, d.note)
        for d in sorted(core.domains, key=lambda d: _key(d.id))
    )
    competencies: list[Competency] = []
    for f, kind in ((core, CompetencyKind.CORE), (specialism, CompetencyKind.SPECIALIST)):
        for c in f.competencies:
            section = int(c.domain.split(".")[0])
            notes = dict(c.notes)
            target = specialism.target_levels.get(c.id, c.target_level)
            if target is None:
                target = f.default_target_level
                if f.default_target_note:
                    notes.setdefault("target_level", f.default_target_note)
            competencies.append(
                Competency(
                    id=c.id,
                    section=section,
                    domain=c.domain,
                    kind=kind,
                    specialism=specialism.specialism if kind is CompetencyKind.SPECIALIST else None,
                    hlm=tuple(c.hlm),
                    text=c.text.strip(),
                    examples=tuple(c.examples),
                    target_level=target,
                    rated=rated[section],
                    notes=notes,
                )
            )
    competencies.sort(key=lambda c: _key(c.id))
    return Framework(
        id=specialism.id,
        version=specialism.version,
        specialism=specialism.specialism,
        title=specialism.title,
        sections=sections,
        domains=domains,
        competencies=tuple(competencies),
    )


def _key(dotted: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in dotted.split("."))
