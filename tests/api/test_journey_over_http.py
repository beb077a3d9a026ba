"""A journey driven over real HTTP by each role: programme manager, trainee, placement manager, auditor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.actors import Role
from tests.api.conftest import Api


def enrolment_body(trainee_id: str, *, days_in: int = 10) -> dict[str, object]:
    today = datetime.now(UTC).date()
    return {
        "trainee_id": trainee_id,
        "name": "Alex Example",
        "specialism": "general-management",
        "cohort": "2025-north",
        "scheme_start": str(today - timedelta(days=days_in)),
        "scheme_end": str(today + timedelta(days=720 - days_in)),
        "programme_manager_id": "pm-north",
    }


async def enrolled_with_placement(api: Api, tid: str) -> None:
    pm = api.token("pm-north", Role.PROGRAMME_MANAGER)
    r = await api.http.post("/trainees", json=enrolment_body(tid), headers=pm)
    assert r.status_code == 201, r.text
    today = datetime.now(UTC).date()
    r = await api.http.post(
        f"/trainees/{tid}/placements",
        json={
            "placement_id": "operational",
            "organisation": "Leeds Teaching Hospitals NHS Trust",
            "placement_kind": "operational",
            "placement_manager_id": "plm-leeds",
            "starts_on": str(today - timedelta(days=10)),
            "planned_end": str(today + timedelta(days=300)),
        },
        headers=pm,
    )
    assert r.status_code == 200, r.text


async def test_a_journey_by_each_role_and_what_an_auditor_sees(api: Api) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    trainee = api.token(tid, Role.TRAINEE, trainee_id=tid)
    manager = api.token("plm-leeds", Role.PLACEMENT_MANAGER)
    auditor = api.token("aud-1", Role.AUDITOR)
    await enrolled_with_placement(api, tid)

    r = await api.http.post(
        f"/trainees/{tid}/evidence",
        json={"narrative": "Led the discharge pathway redesign.", "competency_ids": ["4.1.3", "2.2.1"]},
        headers={**trainee, "Idempotency-Key": "evidence-1"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 3
    evidence_id = (await api.http.get(f"/trainees/{tid}/events", headers=trainee)).json()[-1]["data"][
        "evidence_id"
    ]

    r = await api.http.post(
        f"/trainees/{tid}/sign-off-requests",
        json={"competency_id": "4.1.3", "evidence_ids": [evidence_id]},
        headers=trainee,
    )
    assert r.status_code == 200, r.text
    assert r.json()["pending_sign_offs"] == 1
    before_sign_off = datetime.now(UTC)

    r = await api.http.post(
        f"/trainees/{tid}/sign-offs",
        json={
            "competency_id": "4.1.3",
            "level": 4,
            "feedback": "Led it well, measured the outcome.",
            "evidence_ids": [evidence_id],
        },
        headers=manager,
    )
    assert r.status_code == 200, r.text
    assert r.json()["pending_sign_offs"] == 0

    status = (await api.http.get(f"/trainees/{tid}/status", headers=trainee)).json()
    signed = next(c for c in status["competencies"] if c["id"] == "4.1.3")
    assert (signed["level"], signed["achievement"], signed["signed_by"]) == (
        4,
        "achieved_plus",
        {"id": "plm-leeds", "role": "placement_manager"},
    )
    assert status["progress"]["achieved"] == 1

    then = (
        await api.http.get(
            f"/trainees/{tid}/status", params={"as_of": before_sign_off.isoformat()}, headers=auditor
        )
    ).json()
    assert next(c for c in then["competencies"] if c["id"] == "4.1.3")["achievement"] == "not_achieved"
    assert len(then["pending_sign_offs"]) == 1

    live = (await api.http.get(f"/trainees/{tid}/live", headers=manager)).json()
    assert live == (await api.http.get(f"/trainees/{tid}/status", headers=manager)).json()

    trail = (await api.http.get("/audit/events", params={"actor": "plm-leeds"}, headers=auditor)).json()
    assert [e["data"]["type"] for e in trail["events"]] == ["CompetencySignedOff"]
    by_competency = (
        await api.http.get("/audit/events", params={"competency": "4.1.3"}, headers=auditor)
    ).json()
    assert [e["data"]["type"] for e in by_competency["events"]] == [
        "EvidenceSubmitted",
        "SignOffRequested",
        "CompetencySignedOff",
    ]
    reads = (await api.http.get("/audit/reads", params={"trainee": tid}, headers=auditor)).json()
    assert [(r["reader_id"], r["what"]) for r in reads][:2] == [(tid, "events after=0"), (tid, "status")]
    assert ("aud-1", f"status as_of={before_sign_off.isoformat()}") in [
        (r["reader_id"], r["what"]) for r in reads
    ]


async def test_a_repeated_request_with_the_same_idempotency_key_returns_the_first_result(api: Api) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    trainee = {**api.token(tid, Role.TRAINEE, trainee_id=tid), "Idempotency-Key": f"ev-{tid}"}
    await enrolled_with_placement(api, tid)
    body = {"narrative": "Chaired the weekly huddle.", "competency_ids": ["2.3.1"]}
    first = await api.http.post(f"/trainees/{tid}/evidence", json=body, headers=trainee)
    again = await api.http.post(f"/trainees/{tid}/evidence", json=body, headers=trainee)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    types = [e.type for e in await api.store.read_stream(f"trainee-{tid}")]
    assert types.count("EvidenceSubmitted") == 1


async def test_the_openapi_document_has_an_example_for_every_command_body(api: Api) -> None:
    schema = (await api.http.get("/openapi.json")).json()
    bodies = {name: s for name, s in schema["components"]["schemas"].items() if name.endswith("Body")}
    assert len(bodies) == 15
    for name, body in bodies.items():
        (example,) = body["examples"]
        assert set(example) <= set(body["properties"]), f"{name}'s example has fields the body does not"
        assert set(body.get("required", [])) <= set(example), f"{name}'s example lacks required fields"


def test_every_example_is_a_valid_body() -> None:
    from api.app import COMMAND_ROUTES
    from api.examples import EXAMPLES
    from api.requests import body_model
    from domain.commands import Command, EnrolTrainee

    routes: list[tuple[str, type[Command], tuple[str, ...], str]] = [
        ("/trainees", EnrolTrainee, (), ""),
        *COMMAND_ROUTES,
    ]
    for _, command, from_path, _ in routes:
        model = body_model(command, from_path=from_path)
        example = {k: v for k, v in EXAMPLES[command.__name__].items() if k not in from_path}
        model.model_validate(example)
