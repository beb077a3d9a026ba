"""Every free-text field of every command, at its edges: the longest text it takes, one character more, a lone
surrogate, and awkward Unicode (4-byte emoji, right-to-left and bidi overrides, zero-width joiners and
non-joiners, combining marks, astral letters, non-characters) kept exactly.

test_bad_input.py checks awkward Unicode in the evidence narrative and the enrolled name, and NUL in four
places; this walks each text field the commands have. Limits count characters (code points), not bytes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from domain.actors import Role
from domain.events import FEEDBACK_MAX, NARRATIVE_MAX, TEXT_MAX
from tests.api.conftest import Api
from tests.api.test_bad_input import assert_problem, new_id, plm, pm, store_unchanged, trainee, with_evidence
from tests.api.test_journey_over_http import enrolment_body

# One of each awkward kind, 1 to 4 bytes in UTF-8: an emoji with a skin tone joined by ZWJ, Hebrew with a
# point, a right-to-left override and its pop, zero-width space and non-joiner, e + combining acute, an astral
# Fraktur letter, a word joiner, a non-character, a private-use character, Arabic, CJK.
EDGE = "👩🏽\u200d⚕️שׁ\u202eabc\u202c\u200b\u200ce\u0301\U0001d518\u2060\ufffe\ue000\u0645\u0631\u062d\u0628\u0627中文"


def edge_text(length: int) -> str:
    """Exactly `length` characters of awkward Unicode."""
    return (EDGE * (length // len(EDGE) + 1))[:length]


@dataclass(frozen=True)
class Record:
    """A trainee placed with plm-leeds, with evidence for 2.3.1, a sign-off request for it and a sign-off of it."""

    tid: str
    evidence_id: str
    request_id: str


@dataclass(frozen=True)
class Field:
    where: str  # as a refusal names it: body.narrative
    limit: int
    send: Callable[[Api, Record, str], tuple[str, dict[str, Any], dict[str, str]]]  # (url, body, headers)
    stored: Callable[[dict[str, Any]], str]  # the text, from the event it recorded


def placement(text: str) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {
        "placement_id": "strategic",
        "organisation": text,
        "placement_kind": "strategic",
        "placement_manager_id": "plm-leeds",
        "starts_on": str(today + timedelta(days=400)),
        "planned_end": str(today + timedelta(days=500)),
    }


def evidence(**overrides: Any) -> dict[str, Any]:
    return {"narrative": "Ran the huddle.", "competency_ids": ["4.1.3"], **overrides}


def document(**overrides: str) -> dict[str, Any]:
    return {"documents": [{"sha256": "cd" * 32, "filename": "notes.pdf", **overrides}]}


FIELDS = {
    "enrolment-name": Field(
        "body.name",
        TEXT_MAX,
        lambda api, r, text: ("/trainees", {**enrolment_body(r.tid + "-new"), "name": text}, pm(api)),
        lambda data: str(data["name"]),
    ),
    "placement-organisation": Field(
        "body.organisation",
        TEXT_MAX,
        # After the current placement, which ends first (placements do not overlap).
        lambda api, r, text: (f"/trainees/{r.tid}/placements", placement(text), pm(api)),
        lambda data: str(data["organisation"]),
    ),
    "evidence-narrative": Field(
        "body.narrative",
        NARRATIVE_MAX,
        lambda api, r, text: (f"/trainees/{r.tid}/evidence", evidence(narrative=text), trainee(api, r.tid)),
        lambda data: str(data["narrative"]),
    ),
    "evidence-document-filename": Field(
        "body.documents.0.filename",
        255,
        lambda api, r, text: (
            f"/trainees/{r.tid}/evidence",
            evidence(**document(filename=text)),
            trainee(api, r.tid),
        ),
        lambda data: str(data["documents"][0]["filename"]),
    ),
    "evidence-document-media-type": Field(
        "body.documents.0.media_type",
        255,
        lambda api, r, text: (
            f"/trainees/{r.tid}/evidence",
            evidence(**document(media_type=text)),
            trainee(api, r.tid),
        ),
        lambda data: str(data["documents"][0]["media_type"]),
    ),
    "decline-feedback": Field(
        "body.feedback",
        FEEDBACK_MAX,
        lambda api, r, text: (
            f"/trainees/{r.tid}/sign-off-requests/{r.request_id}/decline",
            {"feedback": text},
            plm(api),
        ),
        lambda data: str(data["feedback"]),
    ),
    "sign-off-feedback": Field(
        "body.feedback",
        FEEDBACK_MAX,
        lambda api, r, text: (
            f"/trainees/{r.tid}/sign-offs",
            {"competency_id": "2.3.1", "level": 4, "feedback": text, "evidence_ids": [r.evidence_id]},
            plm(api),
        ),
        lambda data: str(data["feedback"]),
    ),
    "revoke-reason": Field(
        "body.reason",
        FEEDBACK_MAX,
        lambda api, r, text: (f"/trainees/{r.tid}/sign-offs/2.3.1/revoke", {"reason": text}, plm(api)),
        lambda data: str(data["reason"]),
    ),
    "progress-review-summary": Field(
        "body.summary",
        FEEDBACK_MAX,
        lambda api, r, text: (f"/trainees/{r.tid}/progress-reviews", {"summary": text}, pm(api)),
        lambda data: str(data["summary"]),
    ),
    "extension-reason": Field(
        "body.reason",
        FEEDBACK_MAX,
        lambda api, r, text: (
            f"/trainees/{r.tid}/extension",
            {"new_end": str(datetime.now(UTC).date() + timedelta(days=900)), "reason": text},
            pm(api),
        ),
        lambda data: str(data["reason"]),
    ),
    "withdrawal-reason": Field(
        "body.reason",
        FEEDBACK_MAX,
        lambda api, r, text: (f"/trainees/{r.tid}/withdrawal", {"reason": text}, pm(api)),
        lambda data: str(data["reason"]),
    ),
}


async def a_record(api: Api, field: str) -> Record:
    tid = new_id()
    evidence_id = await with_evidence(api, tid)
    request_id = str(uuid.uuid4())
    steps: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (
            f"/trainees/{tid}/sign-off-requests",
            {"request_id": request_id, "competency_id": "2.3.1", "evidence_ids": [evidence_id]},
            trainee(api, tid),
        )
    ]
    if field != "decline-feedback":  # a sign-off answers the request; declining needs it still waiting
        steps.append(
            (
                f"/trainees/{tid}/sign-offs",
                {"competency_id": "2.3.1", "level": 3, "feedback": "Good.", "evidence_ids": [evidence_id]},
                plm(api),
            )
        )
    if field == "placement-organisation":
        steps.append(
            (
                f"/trainees/{tid}/placements/operational/end",
                {"ended_on": str(datetime.now(UTC).date())},
                pm(api),
            )
        )
    for url, body, headers in steps:
        r = await api.http.post(url, json=body, headers=headers)
        assert r.is_success, r.text
    return Record(tid, evidence_id, request_id)


async def post_raw(api: Api, url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    """JSON with every non-ASCII character escaped: how a lone surrogate (\\ud800) reaches the server."""
    content = json.dumps(body, ensure_ascii=True).encode()
    return await api.http.post(url, content=content, headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("name", list(FIELDS))
async def test_a_text_field_at_its_edges(api: Api, name: str) -> None:
    field = FIELDS[name]
    record = await a_record(api, name)
    async with store_unchanged(api, record.tid + "-new"):
        url, body, headers = field.send(api, record, edge_text(field.limit + 1))
        r = await api.http.post(url, json=body, headers=headers)
        assert_problem(r, 422, "invalid_request", field.where, f"at most {field.limit} characters")
        for surrogate in ("\ud800", "\udfff", "a\udc00b"):  # high alone, low alone, low inside text
            url, body, headers = field.send(api, record, surrogate)
            r = await post_raw(api, url, body, headers)
            assert_problem(r, 422, "invalid_request", field.where, "unicode")

    text = edge_text(field.limit)
    url, body, headers = field.send(api, record, text)
    r = await api.http.post(url, json=body, headers=headers)
    assert r.is_success, r.text
    tid = record.tid + "-new" if name == "enrolment-name" else record.tid
    events = (await api.http.get(f"/trainees/{tid}/events", headers=pm(api))).json()
    assert field.stored(events[-1]["data"]) == text  # every character kept, none normalised


async def test_ids_take_200_characters_and_refuse_one_more(api: Api) -> None:
    too_long = "t" + "-" * 199 + "x"
    async with store_unchanged(api, too_long):
        r = await api.http.post(
            "/trainees", json={**enrolment_body(too_long), "cohort": "c" * 201}, headers=pm(api)
        )
    problem = assert_problem(r, 422, "invalid_request", "body.trainee_id", "body.cohort")
    assert "at most 200 characters" in problem["detail"], problem
    longest = "t" + uuid.uuid4().hex + "-" * 166 + "x"  # its own: the Temporal server outlives the test
    r = await api.http.post(
        "/trainees", json={**enrolment_body(longest), "cohort": "c" * 200}, headers=pm(api)
    )
    assert r.status_code == 201, r.text
    status = await api.http.get(f"/trainees/{longest}/status", headers=pm(api))
    assert (status.json()["trainee_id"], status.json()["cohort"]) == (longest, "c" * 200)


async def test_an_idempotency_key_over_200_characters_is_refused(api: Api) -> None:
    tid = new_id()
    await with_evidence(api, tid)
    async with store_unchanged(api):
        r = await api.http.post(
            f"/trainees/{tid}/evidence",
            json=evidence(),
            headers={**trainee(api, tid), "Idempotency-Key": "k" * 201},
        )
    assert_problem(r, 422, "invalid_request", "header.Idempotency-Key", "at most 200 characters")


async def test_unicode_in_urls_is_an_unknown_record_not_an_error(api: Api) -> None:
    """A trainee id or filter in awkward Unicode, or percent-encoding that is not UTF-8, names nobody."""
    auditor = api.token("aud-1", Role.AUDITOR)
    for raw in ("t-👩🏽\u200d⚕️", "t-\u202eevil", "%ED%A0%80", "%FF%FE"):
        r = await api.http.get(f"/trainees/{raw}/status", headers=auditor)
        assert_problem(r, 404, "not_enrolled")
        r = await api.http.get(f"/audit/events?actor={raw}", headers=auditor)
        assert r.status_code == 200, r.text
        assert r.json() == {"events": [], "next_after": None}
