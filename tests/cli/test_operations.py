"""The API's operations from `gmts`, as an administrator uses them: real processes against the real API."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.api.conftest import Api

GMTS = str(Path(sys.executable).parent / "gmts")


async def gmts(api: Api, *args: str) -> subprocess.CompletedProcess[str]:
    """Run gmts in a thread: the API under test serves from this test's event loop, which must keep running."""
    env = {
        **os.environ,
        "GMTS_JWT_SECRET": str(api.settings.jwt_secret),
        "GMTS_API_URL": str(api.http.base_url).rstrip("/"),
    }
    return await asyncio.to_thread(
        subprocess.run, [GMTS, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


async def test_an_administrator_drives_a_journey_from_the_command_line(api: Api) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    today = datetime.now(UTC).date()
    pm = ("--as", "pm-north", "--role", "programme_manager")
    enrolled = await gmts(
        api,
        "trainee", "enrol", *pm,
        "--trainee-id", tid, "--name", "Alex Example", "--cohort", "cli-cohort",
        "--scheme-start", str(today - timedelta(days=5)), "--scheme-end", str(today + timedelta(days=700)),
        "--programme-manager-id", "pm-north",
    )  # fmt: skip
    assert enrolled.returncode == 0, enrolled.stderr
    assert enrolled.stdout.strip() == f"{tid}: active, version 1, progress 0/105 (0.0%)"
    placed = await gmts(
        api,
        "trainee", "start-placement", tid, *pm,
        "--placement-id", "operational", "--organisation", "Leeds Teaching Hospitals NHS Trust",
        "--placement-kind", "operational", "--placement-manager-id", "plm-leeds",
        "--starts-on", str(today - timedelta(days=5)), "--planned-end", str(today + timedelta(days=300)),
    )  # fmt: skip
    assert placed.returncode == 0, placed.stderr
    evidence = await gmts(
        api,
        "trainee", "submit-evidence", tid, "--as", tid, "--role", "trainee",
        "--narrative", "Led the risk review.", "--competency-ids", "4.1.3", "--competency-ids", "2.2.1",
        "--documents", json.dumps([{"sha256": "ab" * 32, "filename": "review.pdf"}]),
        "--idempotency-key", f"cli-{tid}", "--json",
    )  # fmt: skip
    assert evidence.returncode == 0, evidence.stderr
    assert json.loads(evidence.stdout)["version"] == 3

    refused = await gmts(
        api,
        "trainee", "sign-off-competency", tid, "--as", tid, "--role", "trainee",
        "--competency-id", "4.1.3", "--level", "3", "--feedback", "Me", "--evidence-ids", str(uuid.uuid4()),
    )  # fmt: skip
    assert refused.returncode == 1
    assert "403 not_allowed" in refused.stderr

    status = await gmts(api, "trainee", "status", tid, "--json")
    assert status.returncode == 0, status.stderr
    parsed = json.loads(status.stdout)
    assert parsed["version"] == 3
    assert parsed["current_placement"]["placement_manager_id"] == "plm-leeds"
    trail = await gmts(
        api, "audit", "events", "--trainee", tid, "--json", "--role", "auditor", "--as", "aud-1"
    )
    assert [e["data"]["type"] for e in json.loads(trail.stdout)["events"]] == [
        "TraineeEnrolled",
        "PlacementStarted",
        "EvidenceSubmitted",
    ]
    assert "used more than once" not in trail.stderr
    auditor = ("--json", "--role", "auditor", "--as", "aud-1")
    nobody = await gmts(api, "audit", "events", "--trainee", "t-nobody", *auditor)
    assert nobody.returncode == 0, nobody.stderr
    assert json.loads(nobody.stdout)["events"] == []  # the filter is sent, not dropped
    submitted = json.loads(trail.stdout)["events"][2]["recorded_at"]
    window = await gmts(
        api,
        "audit",
        "events",
        "--competency",
        "4.1.3",
        "--recorded-from",
        submitted,
        "--limit",
        "5",
        *auditor,
    )
    assert window.returncode == 0, window.stderr
    assert [(e["stream_id"], e["data"]["type"]) for e in json.loads(window.stdout)["events"]] == [
        (f"trainee-{tid}", "EvidenceSubmitted")
    ]


async def test_a_cohort_is_imported_from_csv_on_the_command_line(api: Api, tmp_path: Path) -> None:
    cohort = f"csv-{uuid.uuid4().hex[:6]}"
    today = datetime.now(UTC).date()
    rows = [
        f"{cohort}-{n},Trainee {n},general-management,{cohort},{today},{today + timedelta(days=700)},pm-north"
        for n in (1, 2)
    ]
    csv_file = tmp_path / "cohort.csv"
    csv_file.write_text(
        "trainee_id,name,specialism,cohort,scheme_start,scheme_end,programme_manager_id\n"
        + "\n".join(rows)
        + "\n"
    )
    first = await gmts(
        api, "cohort", "import", str(csv_file), "--json", "--as", "pm-north", "--role", "programme_manager"
    )
    assert first.returncode == 0, first.stderr
    assert [r["result"] for r in json.loads(first.stdout)] == ["enrolled", "enrolled"]
    again = await gmts(
        api, "cohort", "import", str(csv_file), "--json", "--as", "pm-north", "--role", "programme_manager"
    )
    assert [r["result"] for r in json.loads(again.stdout)] == ["already_enrolled", "already_enrolled"]
