"""`gmts` as an administrator runs it: the installed console script, in a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

GMTS = shutil.which("gmts", path=str(Path(sys.executable).parent))


def gmts(*args: str) -> subprocess.CompletedProcess[str]:
    assert GMTS is not None, "the gmts console script is not installed in this environment"
    return subprocess.run([GMTS, *args], capture_output=True, text=True, timeout=60, check=False)


def test_framework_json_lists_every_competency_with_the_fields_tools_need() -> None:
    result = gmts("framework", "show", "--json")
    assert result.returncode == 0, result.stderr
    competencies = json.loads(result.stdout)
    assert len(competencies) == 105
    assert len({c["id"] for c in competencies}) == 105
    for c in competencies:
        assert {"id", "section", "domain", "kind", "target_level", "text"} <= c.keys()
        assert c["kind"] in ("core", "specialist")
        assert 1 <= c["target_level"] <= 5
    by_id = {c["id"]: c for c in competencies}
    assert by_id["4.1.3"]["kind"] == "core"
    assert by_id["4.1.3"]["text"].startswith(
        "Demonstrates involvement in developing risk mitigation strategies"
    )
    assert by_id["4.4.7"]["kind"] == "specialist"
    assert "id" in by_id["4.4.7"]["notes"], "an inferred id must carry a note for the scheme administrator"
    assert sum(1 for c in competencies if c["section"] == 1) == 14


def test_framework_for_people_groups_by_section_and_domain() -> None:
    result = gmts("framework", "show")
    assert result.returncode == 0, result.stderr
    assert "Section 1. Personal Qualities (14, not rated" in result.stdout
    assert "  4.1 Ensuring Patient Safety" in result.stdout
    assert "4.1.3" in result.stdout


def test_framework_for_a_specialism_without_data_is_a_clear_error() -> None:
    result = gmts("framework", "show", "--specialism", "finance")
    assert result.returncode != 0
    assert "no framework is shipped for specialism 'finance'" in result.stderr
    assert "general-management" in result.stderr, "the error should say what is available"


def test_sample_replays_a_journey_to_a_graduation() -> None:
    result = gmts("sample")
    assert result.returncode == 0, result.stderr
    assert "Sample journey replayed:" in result.stdout
    year_one, end = result.stdout.split("At the end:")
    assert "milestone year_one" in year_one
    assert "personal qualities: not_submitted" in year_one
    assert ": graduated" in end
    assert "personal qualities: accepted" in end
    assert "HR notified: https://hr.example.nhs.uk/graduations" in end


def test_migrate_and_verify_against_a_configured_database(database_url: str) -> None:
    env = {**os.environ, "GMTS_DATABASE_URL": database_url}
    migrated = subprocess.run(
        [str(GMTS), "migrate"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.strip() == "the schema is up to date"  # the test database was cloned migrated
    verified = subprocess.run(
        [str(GMTS), "verify", "--json"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout) == {"ok": True, "streams": 0, "events": 0, "problems": []}


def test_an_unreachable_database_is_a_one_line_error_naming_it_without_the_password() -> None:
    env = {**os.environ, "GMTS_DATABASE_URL": "postgresql://gmts:hunter2@127.0.0.1:1/gmts"}
    result = subprocess.run(
        [str(GMTS), "verify"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 1
    assert "cannot reach the database at postgresql://gmts:***@127.0.0.1:1/gmts" in result.stderr
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr
