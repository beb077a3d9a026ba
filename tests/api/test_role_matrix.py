"""Who may do what to one trainee's record: the whole role x endpoint matrix, walked over real HTTP.

The expected outcome of every cell is written out in the tables below, from the rules: a trainee sees only
their own record, a placement manager only their current trainees, programme managers, admins and auditors
everything; auditors and HR never write, and HR reads no trainee record. Writes are the domain's to decide:
evidence only by the trainee themself, a sign-off only by the current placement manager or a programme manager,
placements and withdrawal only by a programme manager or an admin.

One server, database and read-only trainee serve the whole module; each write cell enrols its own trainee,
since an allowed write changes the record (a withdrawal closes it).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import Services, create_app
from api.gateway import JourneyGateway
from domain.actors import Role
from eventstore.connection import create_pool
from eventstore.store import EventStore
from tests.api.conftest import Api, api_settings, serving
from tests.api.test_journey_over_http import enrolled_with_placement, enrolment_body
from tests.postgres import fresh_database
from worker.build import build_worker

ROLES = (
    "trainee",
    "other_trainee",
    "placement_manager",
    "other_placement_manager",
    "programme_manager",
    "admin",
    "auditor",
    "hr",
)
OK, CREATED, FORBIDDEN = 200, 201, 403

# Reads of trainee T's record (T enrolled, placed with plm-leeds, one piece of evidence).
#                 trainee    other_tr   plm        other_plm  prog_mgr   admin      auditor    hr
READS: dict[str, tuple[int, ...]] = {
    "status": (OK, FORBIDDEN, OK, FORBIDDEN, OK, OK, OK, FORBIDDEN),
    "status_as_of": (OK, FORBIDDEN, OK, FORBIDDEN, OK, OK, OK, FORBIDDEN),
    "events": (OK, FORBIDDEN, OK, FORBIDDEN, OK, OK, OK, FORBIDDEN),
    "live": (OK, FORBIDDEN, OK, FORBIDDEN, OK, OK, OK, FORBIDDEN),
    "audit_events": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, OK, FORBIDDEN),
    "audit_reads": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),
    "verify": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN),
    "framework": (OK, OK, OK, OK, OK, OK, OK, OK),
}
# One representative write of each kind, each on a trainee of its own.
#                 trainee    other_tr   plm        other_plm  prog_mgr   admin      auditor    hr
WRITES: dict[str, tuple[int, ...]] = {
    "evidence": (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "sign_off": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "placement_start": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN),
    "withdrawal": (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN),
}
# Reads of one trainee's record are themselves recorded (for auditors); a refused read is not.
RECORD_READS = frozenset({"status", "status_as_of", "events", "live"})

CELLS = [
    pytest.param(role, endpoint, table[endpoint][ROLES.index(role)], id=f"{endpoint}-{role}")
    for table in (READS, WRITES)
    for endpoint in table
    for role in ROLES
]


def test_the_tables_cover_every_role_and_endpoint() -> None:
    assert all(len(row) == len(ROLES) for row in (*READS.values(), *WRITES.values()))
    assert len(CELLS) == len(ROLES) * (len(READS) + len(WRITES))


def headers_of(api: Api, role: str, tid: str) -> dict[str, str]:
    """The caller in `role`, relative to trainee `tid`."""
    who: dict[str, tuple[str, Role, str | None]] = {
        "trainee": (tid, Role.TRAINEE, tid),
        "other_trainee": ("t-someone-else", Role.TRAINEE, "t-someone-else"),
        "placement_manager": ("plm-leeds", Role.PLACEMENT_MANAGER, None),  # T's current placement manager
        "other_placement_manager": ("plm-york", Role.PLACEMENT_MANAGER, None),
        "programme_manager": ("pm-north", Role.PROGRAMME_MANAGER, None),
        "admin": ("admin-1", Role.ADMIN, None),
        "auditor": ("aud-1", Role.AUDITOR, None),
        "hr": ("hr-1", Role.HR, None),
    }
    subject, as_role, trainee_id = who[role]
    return api.token(subject, as_role, trainee_id=trainee_id)


# --- one server for the module ------------------------------------------------------------------------------


@dataclass
class World:
    api: Api
    tid: str  # the trainee whose record the reads look at
    evidence_id: str


async def evidence_by(api: Api, tid: str) -> str:
    evidence_id = str(uuid.uuid4())
    r = await api.http.post(
        f"/trainees/{tid}/evidence",
        json={"evidence_id": evidence_id, "narrative": "Ran the bed meeting.", "competency_ids": ["2.3.1"]},
        headers=api.token(tid, Role.TRAINEE, trainee_id=tid),
    )
    assert r.status_code == OK, r.text
    return evidence_id


@pytest.fixture(scope="module")
async def world(dev_server: WorkflowEnvironment, postgres: tuple[str, str]) -> AsyncIterator[World]:
    server_url, template = postgres
    async for url in fresh_database(server_url, template):
        pool = await create_pool(url, max_size=8)
        store = EventStore(pool)
        settings = api_settings("matrix")
        app = create_app(Services(settings, store, pool, JourneyGateway(dev_server.client, settings)))
        try:
            async with (
                serving(app, settings.api_port),
                build_worker(dev_server.client, store, settings),
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.api_port}", timeout=30) as http,
            ):
                api = Api(http, settings, pool, store)
                tid = f"t-{uuid.uuid4().hex[:8]}"
                await enrolled_with_placement(api, tid)
                yield World(api, tid, await evidence_by(api, tid))
        finally:
            await pool.close()


# --- the cells ---------------------------------------------------------------------------------------------


def read_request(endpoint: str, tid: str) -> tuple[str, dict[str, str]]:
    return {
        "status": (f"/trainees/{tid}/status", {}),
        "status_as_of": (f"/trainees/{tid}/status", {"as_of": datetime.now(UTC).isoformat()}),
        "events": (f"/trainees/{tid}/events", {}),
        "live": (f"/trainees/{tid}/live", {}),
        "audit_events": ("/audit/events", {"trainee": tid}),
        "audit_reads": ("/audit/reads", {"trainee": tid}),
        "verify": ("/verify", {"trainee": tid}),
        "framework": ("/framework", {}),
    }[endpoint]


def check_read(endpoint: str, body: Any, tid: str) -> None:
    """A glance at an allowed read: it is the trainee's record, or the cross-trainee view it should be."""
    if endpoint in ("status", "status_as_of", "live"):
        assert body["trainee_id"] == tid
        assert body["current_placement"]["placement_manager_id"] == "plm-leeds"
    elif endpoint == "events":
        assert [e["data"]["type"] for e in body] == [
            "TraineeEnrolled",
            "PlacementStarted",
            "EvidenceSubmitted",
        ]
    elif endpoint == "audit_events":
        assert {e["stream_id"] for e in body["events"]} == {f"trainee-{tid}"}
    elif endpoint == "audit_reads":
        assert all(r["trainee_id"] == tid for r in body)
    elif endpoint == "verify":
        assert body["ok"] is True
    elif endpoint == "framework":
        assert body


async def record_reads_of(api: Api, tid: str) -> int:
    return int(await api.pool.fetchval("SELECT count(*) FROM record_reads WHERE trainee_id = $1", tid))


async def set_up_write(api: Api, endpoint: str) -> tuple[str, str, dict[str, object]]:
    """A trainee of its own for one write cell: (trainee id, path, body)."""
    tid = f"t-{uuid.uuid4().hex[:8]}"
    today = datetime.now(UTC).date()
    if endpoint == "placement_start":  # enrolled with no placement yet, so starting one can succeed
        r = await api.http.post("/trainees", json=enrolment_body(tid), headers=headers_of(api, "admin", tid))
        assert r.status_code == CREATED, r.text
        body: dict[str, object] = {
            "placement_id": "strategic",
            "organisation": "NHS England North East",
            "placement_kind": "strategic",
            "placement_manager_id": "plm-leeds",
            "starts_on": str(today),
            "planned_end": str(today + timedelta(days=200)),
        }
        return tid, f"/trainees/{tid}/placements", body
    await enrolled_with_placement(api, tid)  # plm-leeds is the current placement manager
    if endpoint == "evidence":
        return (
            tid,
            f"/trainees/{tid}/evidence",
            {"narrative": "Chaired the huddle.", "competency_ids": ["2.3.1"]},
        )
    if endpoint == "sign_off":
        evidence_id = await evidence_by(api, tid)
        body = {"competency_id": "2.3.1", "level": 3, "feedback": "Well led.", "evidence_ids": [evidence_id]}
        return tid, f"/trainees/{tid}/sign-offs", body
    assert endpoint == "withdrawal"
    return tid, f"/trainees/{tid}/withdrawal", {"reason": "Left the Scheme."}


def assert_forbidden(r: httpx.Response, role: str) -> None:
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "not_allowed", problem
    as_role = "trainee" if role == "other_trainee" else role.removeprefix("other_")
    assert as_role in problem["detail"], problem  # the refusal says who was refused


@pytest.mark.parametrize(("role", "endpoint", "expected"), CELLS)
async def test_role_matrix(world: World, role: str, endpoint: str, expected: int) -> None:
    api = world.api
    if endpoint in READS:
        tid = world.tid
        path, params = read_request(endpoint, tid)
        reads_before, events_before = await record_reads_of(api, tid), await api.event_count()
        r = await api.http.get(path, params=params, headers=headers_of(api, role, tid))
        assert r.status_code == expected, r.text
        assert await api.event_count() == events_before
        recorded = 1 if (endpoint in RECORD_READS and expected == OK) else 0
        assert await record_reads_of(api, tid) == reads_before + recorded
        if expected == OK:
            check_read(endpoint, r.json(), tid)
        else:
            assert_forbidden(r, role)
        return

    tid, path, body = await set_up_write(api, endpoint)
    before = await api.event_count()
    r = await api.http.post(
        path, json=body, headers={**headers_of(api, role, tid), "Idempotency-Key": f"{endpoint}-{role}-{tid}"}
    )
    assert r.status_code == expected, r.text
    if expected == OK:
        assert await api.event_count() == before + 1
        assert r.json()["trainee_id"] == tid
    else:
        assert_forbidden(r, role)
        assert await api.event_count() == before, "a refused write changed the event store"
