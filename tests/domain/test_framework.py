"""The General Management framework as shipped: 105 competencies in seven sections, Personal Qualities unrated."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from domain.framework import CompetencyKind, framework_for, framework_for_specialism, shipped_frameworks
from domain.framework.catalogue import UnknownFramework
from domain.framework.errors import FrameworkInvalid
from domain.framework.loader import (
    CompetencyRecord,
    DomainRecord,
    FrameworkFile,
    SectionRecord,
    build,
    validate,
)

GM = framework_for_specialism("general-management")


def test_general_management_is_shipped_at_version_2_1() -> None:
    assert (GM.id, GM.version, GM.specialism, GM.ref) == (
        "general-management",
        "2.1",
        "general-management",
        "general-management@2.1",
    )
    assert framework_for("general-management", "2.1") is GM
    assert GM in shipped_frameworks()


def test_it_has_105_competencies_with_unique_ids() -> None:
    ids = [c.id for c in GM.competencies]
    assert len(ids) == 105
    assert len(set(ids)) == 105
    assert set(GM.by_id) == set(ids)


def test_competencies_are_in_framework_order() -> None:
    keys = [tuple(int(p) for p in c.id.split(".")) for c in GM.competencies]
    assert keys == sorted(keys)


def test_seven_sections_with_only_personal_qualities_unrated() -> None:
    assert [(s.number, s.rated) for s in GM.sections] == [(1, False)] + [(n, True) for n in range(2, 8)]
    assert GM.section(1).title == "Personal Qualities"


def test_fourteen_personal_qualities_all_in_section_one_and_unrated() -> None:
    pq = GM.personal_qualities()
    assert len(pq) == 14
    assert {c.section for c in pq} == {1}
    assert all(not c.rated for c in pq)
    assert all(c.rated for c in GM.competencies if c.section != 1)
    assert sum(c.rated for c in GM.competencies) == 91


def test_every_target_level_defaults_to_three() -> None:
    assert {c.target_level for c in GM.competencies} == {3}


def test_competencies_per_section() -> None:
    assert Counter(c.section for c in GM.competencies) == {1: 14, 2: 15, 3: 23, 4: 23, 5: 13, 6: 9, 7: 8}


def test_each_competency_belongs_to_a_domain_of_its_section() -> None:
    domains = {d.id: d for d in GM.domains}
    for c in GM.competencies:
        assert c.domain in domains, c.id
        assert c.id.startswith(c.domain + "."), c.id
        assert domains[c.domain].section == c.section, c.id


def test_core_and_specialist_competencies() -> None:
    kinds = Counter(c.kind for c in GM.competencies)
    assert kinds == {CompetencyKind.CORE: 63, CompetencyKind.SPECIALIST: 42}
    assert {c.specialism for c in GM.competencies if c.kind is CompetencyKind.SPECIALIST} == {
        "general-management"
    }
    assert {c.specialism for c in GM.competencies if c.kind is CompetencyKind.CORE} == {None}


def test_every_competency_has_text() -> None:
    assert all(c.text and c.text == c.text.strip() for c in GM.competencies)


def test_an_unknown_specialism_has_no_framework() -> None:
    with pytest.raises(
        UnknownFramework,
        match=re.escape("no framework is shipped for specialism 'finance'; shipped: general-management ("),
    ):
        framework_for_specialism("finance")


def test_an_unknown_version_has_no_framework() -> None:
    with pytest.raises(UnknownFramework, match=re.escape("no framework general-management@9.9;")):
        framework_for("general-management", "9.9")


# --- the loader refuses broken data, naming every problem ---------------------------------------------


def _core(**overrides: object) -> FrameworkFile:
    fields: dict[str, object] = {
        "id": "core",
        "version": "1.0",
        "title": "Core",
        "sections": [
            SectionRecord(number=1, title="Personal Qualities", rated=False),
            SectionRecord(number=2, title="Others"),
        ],
        "domains": [DomainRecord(id="1.1", title="Self"), DomainRecord(id="2.1", title="Networks")],
        "competencies": [
            CompetencyRecord(id="1.1.1", domain="1.1", text="Knows self"),
            CompetencyRecord(id="2.1.1", domain="2.1", text="Builds networks"),
        ],
    }
    fields.update(overrides)
    return FrameworkFile.model_validate(fields)


def _specialism(**overrides: object) -> FrameworkFile:
    fields: dict[str, object] = {
        "id": "spec",
        "version": "1.0",
        "title": "Spec",
        "specialism": "general-management",
        "core": "core",
        "competencies": [CompetencyRecord(id="2.1.2", domain="2.1", text="Works with partners")],
    }
    fields.update(overrides)
    return FrameworkFile.model_validate(fields)


def test_sound_files_build_a_framework() -> None:
    assert validate(_core(), _specialism()) == []
    built = build(_core(), _specialism())
    assert [(c.id, c.rated, c.target_level) for c in built.competencies] == [
        ("1.1.1", False, 3),
        ("2.1.1", True, 3),
        ("2.1.2", True, 3),
    ]


def test_the_loader_reports_every_problem_at_once() -> None:
    bad = _specialism(
        competencies=[
            CompetencyRecord(id="2.1.1", domain="2.1", text="Duplicate of core"),
            CompetencyRecord(id="2.1.3", domain="9.9", text="Unknown domain"),
            CompetencyRecord(id="2.1.4", domain="2.1", text="Too high", target_level=6),
        ],
        target_levels={"7.7.7": 3},
    )
    problems = validate(_core(), bad)
    assert problems == [
        "spec competency 2.1.1: duplicate id (already in core)",
        "spec competency 2.1.3: unknown leadership domain 9.9",
        "spec competency 2.1.3: unknown section 9",
        "spec competency 2.1.4: target level 6 is outside 1-5",
        "spec target_levels: unknown competency 7.7.7",
    ]
    with pytest.raises(FrameworkInvalid, match=re.escape("framework spec@1.0 is invalid (5 problem(s))")):
        build(_core(), bad)
