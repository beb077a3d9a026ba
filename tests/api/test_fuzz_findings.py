"""What the fuzzers found (tests/api/test_schemathesis.py, test_command_sequences.py), pinned as plain tests so
each stays fixed whatever the fuzzers happen to generate, and the bad input tests/api/test_bad_input.py lacked."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from domain.events import ReflectivePieceSubmitted, stream_id_for
from tests.api.conftest import Api
from tests.api.live import LiveApi, live_api
from tests.api.test_bad_input import (
    CSV_HEADER,
    assert_problem,
    csv_row,
    enrolled,
    import_csv,
    new_id,
    pm,
    raw_token,
    store_unchanged,
    until_quiet,
)
from tests.api.test_journey_over_http import enrolment_body


async def test_an_id_in_the_path_the_command_cannot_hold_is_refused_not_a_server_error(api: Api) -> None:
    tid = new_id()
    await enrolled(api, tid)
    async with store_unchanged(api):
        r = await api.http.post(
            f"/trainees/{tid}/sign-offs/0/revoke", json={"reason": "Wrong evidence."}, headers=pm(api)
        )
        assert_problem(r, 422, "invalid_request", "path.competency_id", "pattern")
        r = await api.http.post(
            f"/trainees/{tid}/placements/%20operational/end", json={"ended_on": "2026-01-01"}, headers=pm(api)
        )
        assert_problem(r, 422, "invalid_request", "path.placement_id", "pattern")


async def test_the_framework_of_a_specialism_not_offered_is_not_found_not_a_server_error(api: Api) -> None:
    for specialism in ("", "astronomy"):
        r = await api.http.get("/framework", params={"specialism": specialism}, headers=pm(api))
        assert_problem(r, 404, "unknown_framework", f"specialism {specialism!r}", "general-management")


@pytest.mark.parametrize(
    ("url", "name"),
    [("/audit/events", "after"), ("/audit/reads", "after"), ("/trainees/t-0001/events", "after_version")],
)
async def test_a_position_past_the_largest_stored_is_refused_not_a_server_error(
    api: Api, url: str, name: str
) -> None:
    r = await api.http.get(url, params={name: 2**63}, headers=api.token("aud-1", Role.AUDITOR))
    assert_problem(r, 422, "invalid_request", f"query.{name}", "less than or equal to 9223372036854775807")
    r = await api.http.get(
        "/audit/events", params={"after": 2**63 - 1}, headers=api.token("aud-1", Role.AUDITOR)
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"events": [], "next_after": None}


async def test_a_method_the_resource_does_not_allow_is_refused_with_the_methods_it_does(api: Api) -> None:
    for method, url, allowed in [
        ("TRACE", "/health", "GET"),
        ("DELETE", "/trainees", "POST"),
        ("PUT", "/trainees/t-1/status", "GET"),
    ]:
        r = await api.http.request(method, url, headers=pm(api))
        assert_problem(r, 405, "method_not_allowed")
        assert r.headers["allow"] == allowed


async def test_every_refusal_a_route_can_answer_is_documented_as_problem_json(api: Api) -> None:
    document = (await api.http.get("/openapi.json")).json()
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]  # FastAPI's own 422, never sent
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            refusals = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
            assert "422" in refusals, (method, path)
            if operation.get("security"):
                assert {"401", "422"} <= set(refusals), (method, path)
                assert "WWW-Authenticate" in refusals["401"]["headers"], (method, path)
            for status, response in refusals.items():
                assert list(response["content"]) == ["application/problem+json"], (method, path, status)


async def test_an_idempotency_key_reused_for_another_request_does_not_answer_with_the_first_result(
    api: Api,
) -> None:
    """A retry (same key, same request) gets the first result; the same key on a different request is that
    request, not a replay of the first one's answer with nothing written."""
    tid = new_id()
    key = {"Idempotency-Key": f"reused-{tid}"}
    r = await api.http.post("/trainees", json=enrolment_body(tid), headers={**pm(api), **key})
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1
    today = datetime.now(UTC).date()
    placement = {
        "placement_id": "operational",
        "organisation": "Leeds Teaching Hospitals NHS Trust",
        "placement_kind": "operational",
        "placement_manager_id": "plm-leeds",
        "starts_on": str(today - timedelta(days=5)),
        "planned_end": str(today + timedelta(days=200)),
    }
    first = await api.http.post(f"/trainees/{tid}/placements", json=placement, headers={**pm(api), **key})
    assert first.status_code == 200, first.text
    assert first.json()["current_placement"] == "operational"
    again = await api.http.post(f"/trainees/{tid}/placements", json=placement, headers={**pm(api), **key})
    assert again.json() == first.json()
    types = [e.type for e in await api.store.read_stream(stream_id_for(tid))]
    assert types.count("TraineeEnrolled") == types.count("PlacementStarted") == 1


async def test_a_json_body_that_is_not_utf8_is_invalid_like_any_malformed_body(api: Api) -> None:
    tid = new_id()
    async with store_unchanged(api, tid):
        r = await api.http.post(
            "/trainees",
            content=b'{"trainee_id": "' + tid.encode() + b'", "name": "Zo\xeb"}',
            headers={**pm(api), "Content-Type": "application/json"},
        )
    assert_problem(r, 422, "invalid_request", "cannot be read", "utf-8", "0xeb")


@pytest.fixture(scope="module")
def live(postgres: tuple[str, str], dev_server: WorkflowEnvironment) -> Iterator[LiveApi]:
    """The app as `gmts start` serves it, with the stand-in HR inbox."""
    with live_api(postgres, dev_server.client.service_client.config.target_host) as api:
        yield api


def test_a_405_names_every_method_of_a_resource_served_by_two_routes(live: LiveApi) -> None:
    r = httpx.request("OPTIONS", f"{live.base_url}/hr-inbox", headers=live.token("aud-1", Role.AUDITOR))
    assert r.status_code == 405, r.text
    assert r.headers["allow"] == "GET, POST"


async def test_a_whole_number_written_with_a_fraction_point_is_an_integer(api: Api) -> None:
    """JSON Schema's `integer` (the document's word_count and level) admits 2040.0; a fraction stays refused."""
    tid = new_id()
    await enrolled(api, tid, scheme_end=str(datetime.now(UTC).date() + timedelta(days=300)))
    await until_quiet(api, tid, "ReminderSent")  # the reflective window is open: its reminder fires at once
    document = {"sha256": "ab" * 32, "filename": "reflection.pdf"}
    headers = api.token(tid, Role.TRAINEE, trainee_id=tid)
    async with store_unchanged(api):
        for word_count in (2040.5, "2040", True):
            r = await api.http.post(
                f"/trainees/{tid}/reflective-piece",
                json={"word_count": word_count, "document": document},
                headers=headers,
            )
            assert_problem(r, 422, "invalid_request", "body.word_count")
    r = await api.http.post(
        f"/trainees/{tid}/reflective-piece",
        json={"word_count": 2040.0, "document": document},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    events = await api.store.read_stream(stream_id_for(tid))
    (piece,) = [e.data for e in events if isinstance(e.data, ReflectivePieceSubmitted)]
    assert piece.word_count == 2040


@pytest.mark.parametrize("day", [0, "0", 86400, "2025-09-01T00:00:00", "20250901"])
async def test_a_date_is_only_what_the_document_writes_as_a_date(api: Api, day: object) -> None:
    """Not seconds since 1970 (pydantic's lax reading made 0 a placement ending on 1 January 1970)."""
    tid = new_id()
    await enrolled(api, tid)
    placement = {
        "placement_id": "operational",
        "organisation": "Leeds Teaching Hospitals NHS Trust",
        "placement_kind": "operational",
        "placement_manager_id": "plm-leeds",
        "starts_on": str(datetime.now(UTC).date()),
        "planned_end": day,
    }
    async with store_unchanged(api):
        r = await api.http.post(f"/trainees/{tid}/placements", json=placement, headers=pm(api))
        assert_problem(r, 422, "invalid_request", "body.planned_end", "YYYY-MM-DD")
        r = await api.http.get("/graduations", params={"since": str(day)}, headers=pm(api))
        assert_problem(r, 422, "invalid_request", "query.since", "YYYY-MM-DD")


@pytest.mark.parametrize("instant", ["0.5", "1700000000", "2025-06-01", "2025-06-01T12:00:00"])
async def test_a_time_is_only_an_rfc3339_time_with_its_offset(api: Api, instant: str) -> None:
    tid = new_id()
    await enrolled(api, tid)
    for url, name in [("/audit/events", "recorded_to"), (f"/trainees/{tid}/status", "as_of")]:
        r = await api.http.get(url, params={name: instant}, headers=pm(api))
        assert_problem(r, 422, "invalid_request", f"query.{name}", "RFC 3339 time with its offset")
    for written in ("2099-06-01T12:00:00Z", "2099-06-01T13:00:00.5+01:00", "2099-06-01 12:00:00z"):
        r = await api.http.get(f"/trainees/{tid}/status", params={"as_of": written}, headers=pm(api))
        assert r.status_code == 200, r.text
        assert r.json()["trainee_id"] == tid


async def test_the_document_says_text_cannot_hold_nul_where_the_api_refuses_it(api: Api) -> None:
    """test_bad_input.py shows NUL refused in bodies and URLs; the document now says so, so a client knows."""
    document = (await api.http.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    no_nul = "^[^\\u0000]*$"
    assert schemas["SubmitEvidenceBody"]["properties"]["narrative"]["pattern"] == no_nul
    assert schemas["EnrolTraineeBody"]["properties"]["name"]["pattern"] == no_nul
    assert schemas["DocumentRef"]["properties"]["filename"]["pattern"] == no_nul
    assert schemas["DocumentRef"]["properties"]["sha256"]["pattern"] == "^[0-9a-f]{64}$"  # its own, kept
    (actor,) = [p for p in document["paths"]["/audit/events"]["get"]["parameters"] if p["name"] == "actor"]
    assert actor["schema"]["anyOf"][0]["pattern"] == no_nul
    (trainee_id,) = document["paths"]["/trainees/{trainee_id}/status"]["get"]["parameters"][:1]
    assert trainee_id["schema"]["pattern"] == no_nul


async def test_a_csv_with_a_lone_carriage_return_is_refused_not_a_server_error(api: Api) -> None:
    """csv reads a lone \r as the end of a line (as for files opened with newline=""): the row is cut short."""
    a, b = new_id(), new_id()
    async with store_unchanged(api, a, b):
        r = await import_csv(api, (CSV_HEADER + csv_row(a) + csv_row(b, name="Sam\rImport")).encode())
    assert_problem(r, 422, "invalid_csv", "nothing was enrolled", "line 3: specialism")


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("actr=plm-leeds", "unknown query parameter 'actr': /audit/events takes actor, after, competency"),
        ("actor=plm-leeds&actor=plm-york", "'actor' is given more than once"),
    ],
    ids=["misspelt", "repeated"],
)
async def test_a_query_parameter_the_route_does_not_take_or_given_twice_is_refused(
    api: Api, query: str, named: str
) -> None:
    """A misspelt filter would otherwise be ignored: the auditor would get every event, not plm-leeds's."""
    r = await api.http.get(f"/audit/events?{query}", headers=api.token("aud-1", Role.AUDITOR))
    assert_problem(r, 422, "invalid_request", named)
    r = await api.http.get("/health", params={"verbose": "1"})
    assert_problem(r, 422, "invalid_request", "'verbose'", "takes no query parameters")


def every_operation(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, request keyword arguments) of every operation behind a token, with the document's
    examples for its path and body, so that only the token can be wrong."""
    schemas = document["components"]["schemas"]
    operations = []
    for template, by_method in document["paths"].items():
        for method, operation in by_method.items():
            if not operation.get("security"):
                continue
            url = template
            for p in operation.get("parameters", []):
                if p["in"] == "path":
                    example = p["schema"].get("examples", [str(uuid.uuid4())])[0]
                    url = url.replace("{" + p["name"] + "}", example)
            kwargs: dict[str, Any] = {}
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                kwargs["json"] = schemas[name]["examples"][0]
            elif "multipart/form-data" in content:
                kwargs["files"] = {
                    "file": ("cohort.csv", (CSV_HEADER + csv_row(new_id())).encode(), "text/csv")
                }
            operations.append((method.upper(), url, kwargs))
    return operations


async def test_every_operation_refuses_a_forged_or_expired_token_and_read_only_roles_every_write(
    api: Api,
) -> None:
    """test_bad_input.py tries each bad token on one write and one read; test_role_matrix.py each role on four
    writes. Here every operation of the document: 401 for a forged or expired token, 403 for an auditor or HR
    on every write, and nothing written."""
    document = (await api.http.get("/openapi.json")).json()
    operations = every_operation(document)
    assert len(operations) == 28, [(m, u) for m, u, _ in operations]
    assert api.settings.jwt_secret
    forged = raw_token("not-" + api.settings.jwt_secret, sub="pm-north", role="programme_manager")
    expired = raw_token(
        api.settings.jwt_secret,
        sub="pm-north",
        role="programme_manager",
        exp=datetime.now(UTC) - timedelta(seconds=1),
    )
    async with store_unchanged(api):
        for method, url, kwargs in operations:
            for headers, named in ((forged, "Signature verification failed"), (expired, "expired")):
                r = await api.http.request(method, url, headers=headers, **kwargs)
                assert_problem(r, 401, "unauthenticated", named)
                assert r.headers["www-authenticate"].startswith("Bearer"), (method, url)
            if method == "POST":
                for subject, role in (("aud-1", Role.AUDITOR), ("hr-1", Role.HR)):
                    r = await api.http.request(method, url, headers=api.token(subject, role), **kwargs)
                    assert_problem(r, 403, "not_allowed", role.value)
