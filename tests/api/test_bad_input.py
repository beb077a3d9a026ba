"""Bad input over HTTP: every class gets a clear 4xx problem+json naming the problem, and the store is unchanged.

"Unchanged" means the events table holds exactly as many events before as after (and, for enrolments and
imports, that no stream was created). Each test enrols its own trainees, so the tests are independent.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from api.auth import AUDIENCE, ISSUER
from domain.actors import Role
from domain.events import stream_id_for
from tests.api.conftest import Api
from tests.api.test_journey_over_http import enrolled_with_placement, enrolment_body

PROBLEM_JSON = "application/problem+json"
FAST = 10.0  # seconds: a refusal is immediate; a hang (the journey stuck) must fail the test, not stall it
CSV_HEADER = "trainee_id,name,specialism,cohort,scheme_start,scheme_end,programme_manager_id\n"


def new_id() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def today() -> date:
    return datetime.now(UTC).date()


def assert_problem(r: httpx.Response, status: int, code: str, *detail_names: str) -> dict[str, Any]:
    """A problem+json response with this status and code, whose detail names each of `detail_names`."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON), r.headers["content-type"]
    problem: dict[str, Any] = r.json()
    assert problem["status"] == status, problem
    assert problem["code"] == code, problem
    for name in detail_names:
        assert name in problem["detail"], f"{name!r} not in detail {problem['detail']!r}"
    return problem


@asynccontextmanager
async def store_unchanged(api: Api, *new_trainees: str) -> AsyncIterator[None]:
    """The block appends no event, and creates no stream for any of `new_trainees`."""
    before = await api.event_count()
    yield
    assert await api.event_count() == before, "a refused request changed the event store"
    for tid in new_trainees:
        assert await api.store.stream_version(stream_id_for(tid)) == 0, f"a stream was created for {tid}"


def pm(api: Api) -> dict[str, str]:
    return api.token("pm-north", Role.PROGRAMME_MANAGER)


def trainee(api: Api, tid: str) -> dict[str, str]:
    return api.token(tid, Role.TRAINEE, trainee_id=tid)


def plm(api: Api) -> dict[str, str]:
    return api.token("plm-leeds", Role.PLACEMENT_MANAGER)


async def enrolled(api: Api, tid: str, **overrides: object) -> None:
    r = await api.http.post("/trainees", json={**enrolment_body(tid), **overrides}, headers=pm(api))
    assert r.status_code == 201, r.text


async def with_evidence(api: Api, tid: str, competency_id: str = "2.3.1") -> str:
    """Enrolled, placed with plm-leeds, and one piece of evidence for `competency_id`; returns its id."""
    await enrolled_with_placement(api, tid)
    evidence_id = str(uuid.uuid4())
    r = await api.http.post(
        f"/trainees/{tid}/evidence",
        json={
            "evidence_id": evidence_id,
            "narrative": "Ran the winter flow huddles.",
            "competency_ids": [competency_id],
        },
        headers=trainee(api, tid),
    )
    assert r.status_code == 200, r.text
    return evidence_id


def sign_off(evidence_id: str, **overrides: object) -> dict[str, object]:
    return {
        "competency_id": "2.3.1",
        "level": 3,
        "feedback": "Clear, measured, well led.",
        "evidence_ids": [evidence_id],
        **overrides,
    }


async def until_quiet(api: Api, tid: str, event_type: str) -> None:
    """Wait until the journey has recorded `event_type` on its own (a timer fired at once after enrolment)."""
    for _ in range(250):
        if event_type in [e.type for e in await api.store.read_stream(stream_id_for(tid))]:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the journey never recorded {event_type}")


# --- the domain's rules -------------------------------------------------------------------------------------


async def test_an_unknown_competency_is_named_in_evidence_and_in_a_sign_off(api: Api) -> None:
    tid = new_id()
    evidence_id = await with_evidence(api, tid)
    async with store_unchanged(api):
        r = await api.http.post(
            f"/trainees/{tid}/evidence",
            json={"narrative": "Something new.", "competency_ids": ["2.3.1", "9.9.9"]},
            headers=trainee(api, tid),
        )
        assert_problem(r, 422, "unknown_competency", "9.9.9")
        r = await api.http.post(
            f"/trainees/{tid}/sign-offs", json=sign_off(evidence_id, competency_id="9.9.9"), headers=plm(api)
        )
        assert_problem(r, 422, "unknown_competency", "9.9.9")


@pytest.mark.parametrize("level", [0, 6])
async def test_a_level_off_the_one_to_five_scale_is_refused(api: Api, level: int) -> None:
    tid = new_id()
    evidence_id = await with_evidence(api, tid)
    async with store_unchanged(api):
        r = await api.http.post(
            f"/trainees/{tid}/sign-offs", json=sign_off(evidence_id, level=level), headers=plm(api)
        )
    assert_problem(r, 422, "level_out_of_range", f"level {level} is not on the framework's scale")


@pytest.mark.parametrize(
    ("subject", "role"),
    [("plm-york", Role.PLACEMENT_MANAGER), (None, Role.TRAINEE), ("admin-1", Role.ADMIN)],
    ids=["another-placement-manager", "the-trainee-themself", "an-admin"],
)
async def test_a_sign_off_by_someone_not_allowed_is_forbidden(
    api: Api, subject: str | None, role: Role
) -> None:
    tid = new_id()
    evidence_id = await with_evidence(api, tid)
    subject = subject or tid
    async with store_unchanged(api):
        r = await api.http.post(
            f"/trainees/{tid}/sign-offs",
            json=sign_off(evidence_id),
            headers=api.token(subject, role, trainee_id=tid if role is Role.TRAINEE else None),
        )
    assert_problem(r, 403, "not_allowed", subject, "cannot")


@pytest.mark.parametrize(
    ("feedback", "code", "named"),
    [
        ("", "invalid_request", "body.feedback"),  # empty: the body's shape (at least 1 character)
        (" \t\n ", "feedback_required", "sign-off feedback must not be blank"),  # blank: the domain's rule
    ],
    ids=["empty", "whitespace"],
)
async def test_blank_feedback_is_refused(api: Api, feedback: str, code: str, named: str) -> None:
    tid = new_id()
    evidence_id = await with_evidence(api, tid)
    async with store_unchanged(api):
        r = await api.http.post(
            f"/trainees/{tid}/sign-offs", json=sign_off(evidence_id, feedback=feedback), headers=plm(api)
        )
    assert_problem(r, 422, code, named)


def reflective_piece(word_count: int) -> dict[str, object]:
    return {
        "word_count": word_count,
        "document": {"sha256": "ab" * 32, "filename": "reflection.pdf", "media_type": "application/pdf"},
    }


async def test_a_reflective_piece_outside_1800_to_2200_words_is_refused(api: Api) -> None:
    tid = new_id()
    # Ending in 300 days puts today inside the last twelve months, so only the word count can be wrong.
    await enrolled(api, tid, scheme_end=str(today() + timedelta(days=300)))
    await until_quiet(api, tid, "ReminderSent")  # the window-open reminder fires at once
    for words in (1_799, 2_201):
        async with store_unchanged(api):
            r = await api.http.post(
                f"/trainees/{tid}/reflective-piece", json=reflective_piece(words), headers=trainee(api, tid)
            )
        assert_problem(r, 422, "reflective_piece_rejected", "1,800 to 2,200", f"this one has {words:,}")
    r = await api.http.post(
        f"/trainees/{tid}/reflective-piece", json=reflective_piece(1_800), headers=trainee(api, tid)
    )
    assert r.status_code == 200, r.text


async def test_a_reflective_piece_outside_the_last_twelve_months_is_refused(api: Api) -> None:
    tid = new_id()
    await enrolled(api, tid)  # ten days into a two-year Scheme: the window opens in about a year
    async with store_unchanged(api):
        r = await api.http.post(
            f"/trainees/{tid}/reflective-piece", json=reflective_piece(2_000), headers=trainee(api, tid)
        )
    assert_problem(
        r, 422, "reflective_piece_rejected", "last twelve months", f"{today()} is outside that window"
    )


async def test_every_command_on_a_withdrawn_trainee_is_refused_as_a_closed_record(api: Api) -> None:
    tid = new_id()
    evidence_id = await with_evidence(api, tid)
    r = await api.http.post(f"/trainees/{tid}/withdrawal", json={"reason": "Left the NHS."}, headers=pm(api))
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "withdrawn"
    status_before = (await api.http.get(f"/trainees/{tid}/status", headers=pm(api))).json()
    commands: list[tuple[str, Mapping[str, object], dict[str, str]]] = [
        (f"/trainees/{tid}/evidence", {"narrative": "More.", "competency_ids": ["2.3.1"]}, trainee(api, tid)),
        (f"/trainees/{tid}/sign-offs", sign_off(evidence_id), plm(api)),
        (f"/trainees/{tid}/withdrawal", {"reason": "Again."}, pm(api)),
        (
            f"/trainees/{tid}/extension",
            {"new_end": str(today() + timedelta(days=900)), "reason": "Leave."},
            pm(api),
        ),
        (f"/trainees/{tid}/milestones", {}, pm(api)),
    ]
    async with store_unchanged(api):
        for path, body, headers in commands:
            r = await api.http.post(path, json=body, headers=headers, timeout=FAST)
            assert_problem(r, 409, "trainee_not_active", tid, "record is closed")
        # Enrolling them again is a duplicate enrolment, not a fresh start on an empty record.
        r = await api.http.post("/trainees", json=enrolment_body(tid), headers=pm(api), timeout=FAST)
        assert_problem(r, 409, "already_enrolled", tid)
        r = await import_csv(api, (CSV_HEADER + csv_row(tid)).encode())
        assert r.status_code == 200, r.text
        assert [(row["trainee_id"], row["result"]) for row in r.json()] == [(tid, "already_enrolled")]
    # The journey still answers with the withdrawn record (no new, empty journey took its place).
    live = await api.http.get(f"/trainees/{tid}/live", headers=pm(api))
    assert live.status_code == 200, live.text
    assert live.json() == status_before
    r = await api.http.post(f"/trainees/{tid}/withdrawal", json={"reason": "Again."}, headers=pm(api))
    assert_problem(r, 409, "trainee_not_active", tid)


async def test_a_duplicate_enrolment_is_a_conflict(api: Api) -> None:
    tid = new_id()
    await enrolled(api, tid)
    async with store_unchanged(api):
        r = await api.http.post(
            "/trainees", json={**enrolment_body(tid), "cohort": "2026-south"}, headers=pm(api)
        )
    assert_problem(r, 409, "already_enrolled", tid, "already enrolled")


# --- the body's shape ---------------------------------------------------------------------------------------


async def test_a_payload_over_the_limit_is_refused_before_it_is_read(api: Api) -> None:
    tid = new_id()
    await enrolled(api, tid)
    limit = api.settings.max_body_bytes
    body = {"narrative": "x" * (limit + 1), "competency_ids": ["2.3.1"]}
    async with store_unchanged(api):
        r = await api.http.post(f"/trainees/{tid}/evidence", json=body, headers=trainee(api, tid))
        assert_problem(r, 413, "payload_too_large", f"larger than {limit} bytes")
        r = await api.http.post(
            "/trainees", json={**enrolment_body(new_id()), "name": "y" * (limit + 1)}, headers=pm(api)
        )
        assert_problem(r, 413, "payload_too_large", f"larger than {limit} bytes")


async def test_a_chunked_payload_over_the_limit_is_refused_too(api: Api) -> None:
    """Without a Content-Length the limit still holds: counted as the body arrives."""
    tid = new_id()
    await enrolled(api, tid)
    limit = api.settings.max_body_bytes
    # Valid and within every field's limit, so only its size is wrong: JSON padded with whitespace.
    body = b'{"narrative": "padded", "competency_ids": ["2.3.1"]' + b" " * limit + b"}"

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 4096):
            yield body[i : i + 4096]

    async with store_unchanged(api):
        r = await api.http.post(
            f"/trainees/{tid}/evidence",
            content=chunks(),
            headers={**trainee(api, tid), "Content-Type": "application/json"},
        )
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert_problem(r, 413, "payload_too_large", f"larger than {limit} bytes")


async def test_malformed_json_is_refused(api: Api) -> None:
    tid = new_id()
    await enrolled(api, tid)
    async with store_unchanged(api):
        r = await api.http.post(
            f"/trainees/{tid}/evidence",
            content=b'{"narrative": "Cut off", "competency_ids": ["2.3.1"',
            headers={**trainee(api, tid), "Content-Type": "application/json"},
        )
    assert_problem(r, 422, "invalid_request", "JSON decode error")


@pytest.mark.parametrize(
    ("command", "overrides", "named"),
    [
        ("sign-offs", {"level": "three"}, "body.level: Input should be a valid integer"),
        ("sign-offs", {"level": 3.5}, "body.level: Input should be a valid integer"),
        ("sign-offs", {"evidence_ids": ["not-a-uuid"]}, "body.evidence_ids.0: Input should be a valid UUID"),
        ("evidence", {"competency_ids": "2.3.1"}, "body.competency_ids: Input should be a valid tuple"),
    ],
    ids=["level-as-text", "level-as-fraction", "id-not-a-uuid", "list-as-a-string"],
)
async def test_wrong_types_are_refused(
    api: Api, command: str, overrides: dict[str, object], named: str
) -> None:
    tid = new_id()
    evidence_id = await with_evidence(api, tid)
    body, headers = (
        (sign_off(evidence_id, **overrides), plm(api))
        if command == "sign-offs"
        else ({"narrative": "A string is not a list.", **overrides}, trainee(api, tid))
    )
    async with store_unchanged(api):
        r = await api.http.post(f"/trainees/{tid}/{command}", json=body, headers=headers)
    problem = assert_problem(r, 422, "invalid_request", named)
    assert problem["errors"], problem


async def test_unknown_fields_are_refused(api: Api) -> None:
    tid, other = new_id(), new_id()
    await enrolled(api, tid)
    async with store_unchanged(api, other):
        r = await api.http.post(
            f"/trainees/{tid}/evidence",
            json={"narrative": "Fine.", "competency_ids": ["2.3.1"], "approved": True},
            headers=trainee(api, tid),
        )
        assert_problem(r, 422, "invalid_request", "body.approved: Extra inputs are not permitted")
        # Fields the server fills in (who and when) cannot be smuggled in either.
        r = await api.http.post(
            "/trainees",
            json={**enrolment_body(other), "actor": {"id": "admin", "role": "admin"}},
            headers=pm(api),
        )
        assert_problem(r, 422, "invalid_request", "body.actor: Extra inputs are not permitted")


# --- text: unicode is kept exactly; NUL, which PostgreSQL cannot store, is refused --------------------------

AWKWARD_TEXT = (
    "Led the 🏥 rota redesign 👩🏽‍⚕️ with the team: "
    "שלום עולם and مرحبا بالعالم, \u202eright-to-left override\u202c, "
    "zero\u200bwidth, join\u200ders, no\u2060break, \ufeffBOM, "
    "e\u0301 (combining) vs \u00e9, \U0001d518\U0001d52b astral (Fraktur), 中文, line\u2028separator, tab\tand newline\n."
)


async def test_unicode_text_is_accepted_and_stored_exactly(api: Api) -> None:
    tid = new_id()
    name = "Zoë Ñandú-O'Brien عائشة 👩🏽‍⚕️\u200d"
    await enrolled(api, tid, name=name)
    headers = {**trainee(api, tid), "Idempotency-Key": f"unicode-{tid}"}
    body = {"narrative": AWKWARD_TEXT, "competency_ids": ["2.3.1"]}
    first = await api.http.post(f"/trainees/{tid}/evidence", json=body, headers=headers)
    again = await api.http.post(f"/trainees/{tid}/evidence", json=body, headers=headers)
    assert first.status_code == again.status_code == 200, first.text
    assert first.json() == again.json()

    events = (await api.http.get(f"/trainees/{tid}/events", headers=trainee(api, tid))).json()
    assert [e["data"]["type"] for e in events] == ["TraineeEnrolled", "EvidenceSubmitted"]
    assert events[0]["data"]["name"] == name
    assert events[1]["data"]["narrative"] == AWKWARD_TEXT
    stored = await api.pool.fetchval(
        "SELECT data->>'narrative' FROM events WHERE stream_id = $1 AND type = 'EvidenceSubmitted'",
        stream_id_for(tid),
    )
    assert stored == AWKWARD_TEXT
    status = (await api.http.get(f"/trainees/{tid}/status", headers=pm(api))).json()
    assert status["name"] == name


def document(filename: str) -> dict[str, str]:
    return {"sha256": "cd" * 32, "filename": filename}


@pytest.mark.parametrize(
    ("where", "path", "body", "who"),
    [
        ("narrative", "evidence", {"narrative": "before\u0000after", "competency_ids": ["2.3.1"]}, "trainee"),
        (
            "documents.0.filename",
            "evidence",
            {"narrative": "Fine.", "competency_ids": ["2.3.1"], "documents": [document("a\u0000.pdf")]},
            "trainee",
        ),
        ("reason", "withdrawal", {"reason": "\u0000"}, "pm"),
        ("name", "", {"name": "Alex\u0000Example"}, "pm"),
    ],
    ids=["evidence-narrative", "nested-document-filename", "withdrawal-reason", "enrolment-name"],
)
async def test_a_nul_character_is_refused_and_the_journey_carries_on(
    api: Api, where: str, path: str, body: dict[str, object], who: str
) -> None:
    tid, newcomer = new_id(), new_id()
    await enrolled(api, tid)
    headers = trainee(api, tid) if who == "trainee" else pm(api)
    url, sent = (
        (f"/trainees/{tid}/{path}", body) if path else ("/trainees", {**enrolment_body(newcomer), **body})
    )
    async with store_unchanged(api, newcomer):
        r = await api.http.post(url, json=sent, headers=headers, timeout=FAST)
    assert_problem(r, 422, "invalid_request", where, "NUL")
    # The journey is not stuck behind a write PostgreSQL refuses: the next command goes through at once.
    r = await api.http.post(
        f"/trainees/{tid}/evidence",
        json={"narrative": "Carried on.", "competency_ids": ["2.3.1"]},
        headers=trainee(api, tid),
        timeout=FAST,
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "url",
    [
        "/trainees/t%00x/status",
        "/trainees/t%00x/events",
        "/trainees/t%00x/live",
        "/audit/events?actor=a%00b",
        "/audit/reads?reader=a%00b",
        "/verify?trainee=a%00b",
    ],
)
async def test_a_nul_character_in_the_url_is_refused_not_a_server_error(api: Api, url: str) -> None:
    r = await api.http.get(url, headers=api.token("aud-1", Role.AUDITOR))
    assert_problem(r, 422, "invalid_request", "NUL")


# --- who is calling ------------------------------------------------------------------------------------------


def raw_token(secret: str, **claims: object) -> dict[str, str]:
    now = datetime.now(UTC)
    base: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    token = jwt.encode({**base, **claims}, secret, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


BAD_TOKENS: dict[str, tuple[str, Any]] = {
    # name: (what the detail says, how to make the headers from (secret, trainee id))
    "missing": ("bearer token", lambda secret, tid: {}),
    "not-bearer": ("bearer token", lambda secret, tid: {"Authorization": f"Basic {tid}"}),
    "garbage": ("not valid", lambda secret, tid: {"Authorization": "Bearer not.a.jwt"}),
    "forged": (
        "Signature verification failed",
        lambda secret, tid: raw_token("another-secret-" + secret, sub=tid, role="trainee", trainee_id=tid),
    ),
    "expired": (
        "expired",
        lambda secret, tid: raw_token(
            secret, sub=tid, role="trainee", trainee_id=tid, exp=datetime.now(UTC) - timedelta(minutes=1)
        ),
    ),
    "wrong-audience": (
        "Audience doesn't match",
        lambda secret, tid: raw_token(secret, sub=tid, role="trainee", trainee_id=tid, aud="another-service"),
    ),
    "system-role": ("'system'", lambda secret, tid: raw_token(secret, sub="system", role="system")),
    "unknown-role": ("'superuser'", lambda secret, tid: raw_token(secret, sub=tid, role="superuser")),
    "trainee-without-trainee-id": (
        "trainee_id",
        lambda secret, tid: raw_token(secret, sub=tid, role="trainee"),
    ),
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_a_bad_token_is_unauthenticated_and_changes_nothing(api: Api, kind: str) -> None:
    tid = new_id()
    await enrolled(api, tid)
    named, make = BAD_TOKENS[kind]
    assert api.settings.jwt_secret
    headers: dict[str, str] = make(api.settings.jwt_secret, tid)
    async with store_unchanged(api):
        r = await api.http.post(
            f"/trainees/{tid}/evidence",
            json={"narrative": "Would be fine.", "competency_ids": ["2.3.1"]},
            headers=headers,
        )
        assert_problem(r, 401, "unauthenticated", named)
        assert r.headers["www-authenticate"].startswith("Bearer")
        r = await api.http.get(f"/trainees/{tid}/status", headers=headers)
        assert_problem(r, 401, "unauthenticated", named)
    # With a good token the same write goes through: only the token was wrong.
    r = await api.http.post(
        f"/trainees/{tid}/evidence",
        json={"narrative": "Would be fine.", "competency_ids": ["2.3.1"]},
        headers=trainee(api, tid),
    )
    assert r.status_code == 200, r.text


# --- cohort import -------------------------------------------------------------------------------------------


def csv_row(tid: str, **overrides: str) -> str:
    values = {
        "trainee_id": tid,
        "name": "Sam Import",
        "specialism": "general-management",
        "cohort": "2025-north",
        "scheme_start": str(today() - timedelta(days=10)),
        "scheme_end": str(today() + timedelta(days=710)),
        "programme_manager_id": "pm-north",
        **overrides,
    }
    return ",".join(values.values()) + "\n"


async def import_csv(api: Api, content: bytes) -> httpx.Response:
    return await api.http.post(
        "/cohorts/import", files={"file": ("cohort.csv", content, "text/csv")}, headers=pm(api), timeout=FAST
    )


BAD_CSVS: dict[str, tuple[Any, tuple[str, ...]]] = {
    # name: (the file from the good rows' ids (a, b) and the bad row's id (c), what the detail names)
    "bad-date": (
        lambda a, b, c: CSV_HEADER + csv_row(a) + csv_row(c, scheme_start="2025-02-30") + csv_row(b),
        ("line 3", "scheme_start"),
    ),
    "bad-id": (
        lambda a, b, c: CSV_HEADER + csv_row(a) + csv_row(b) + csv_row("has spaces"),
        ("line 4", "trainee_id"),
    ),
    "missing-column": (
        lambda a, b, c: CSV_HEADER + csv_row(a) + csv_row(b) + f"{c},Only A Name\n",
        ("line 4", "specialism"),
    ),
    "extra-column": (
        lambda a, b, c: CSV_HEADER + csv_row(a) + csv_row(b).rstrip("\n") + ",surplus\n",
        ("line 3", "more fields than the header"),
    ),
    "nul-in-name": (
        lambda a, b, c: CSV_HEADER + csv_row(a) + csv_row(b, name="Sam\u0000Import"),
        ("line 3", "NUL"),
    ),
    "header-only": (lambda a, b, c: CSV_HEADER, ("no rows",)),
}


@pytest.mark.parametrize("kind", list(BAD_CSVS))
async def test_a_csv_with_one_bad_row_enrols_nobody(api: Api, kind: str) -> None:
    a, b, c = new_id(), new_id(), new_id()
    make, named = BAD_CSVS[kind]
    async with store_unchanged(api, a, b, c):
        r = await import_csv(api, make(a, b, c).encode())
    assert_problem(r, 422, "invalid_csv", "nothing was enrolled", *named)


async def test_a_csv_that_is_not_utf8_enrols_nobody(api: Api) -> None:
    a = new_id()
    async with store_unchanged(api, a):
        r = await import_csv(api, (CSV_HEADER + csv_row(a, name="Zoë")).encode("latin-1"))
    assert_problem(r, 422, "invalid_csv", "nothing was enrolled", "UTF-8")


async def test_a_good_csv_imported_twice_enrols_once(api: Api) -> None:
    a, b = new_id(), new_id()
    content = (CSV_HEADER + csv_row(a) + csv_row(b, name="Zoë Ñandú")).encode()
    before = await api.event_count()
    first = await import_csv(api, content)
    assert first.status_code == 200, first.text
    assert [(row["trainee_id"], row["result"]) for row in first.json()] == [(a, "enrolled"), (b, "enrolled")]
    enrolled_count = await api.event_count()
    assert enrolled_count == before + 2

    again = await import_csv(api, content)
    assert again.status_code == 200, again.text
    assert [(row["row"], row["trainee_id"], row["result"]) for row in again.json()] == [
        (2, a, "already_enrolled"),
        (3, b, "already_enrolled"),
    ]
    assert await api.event_count() == enrolled_count
