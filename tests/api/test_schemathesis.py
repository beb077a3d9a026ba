"""Schemathesis over the API's own OpenAPI document, against the real API over HTTP.

Every operation, called by a programme manager and by a trainee, through schemathesis' examples, coverage and
fuzzing phases (positive and negative data). Every response must be no server error, a documented status code
with a documented content type, and a body matching the documented schema (problem+json for every refusal).
Every 4xx must be problem+json naming its code, and leave the event store as it was: no event appended by any
caller (the journeys' own calendar may append reminders and milestones at any time, so those are not counted).
Checks: all of schemathesis' (no 5xx, status codes, content types, headers and bodies as documented, negative
data refused, missing required headers, undeclared methods with their Allow header, authentication not
ignored), except positive_data_acceptance, replaced by `schema_valid_is_never_malformed` (see CONFIG).

The record `t-0001` (the document's own example trainee) is enrolled, placed and has evidence before the run,
so the examples phase walks real commands on a real record as well as refusals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, GenerationMode, Response
from temporalio.testing import WorkflowEnvironment

from api.app import Services, create_app
from config.settings import Settings
from domain.actors import Role
from tests.api.live import PROBLEM_JSON, LiveApi, live_api

pytestmark = pytest.mark.one_database

EXAMPLE_TRAINEE = "t-0001"  # the trainee of the document's examples (api/examples.py)
EXAMPLE_EVIDENCE = "6f1c1f0e-2b0a-4c39-9d8e-0b7e5a2f4a11"  # the evidence id its sign-off examples name

CONFIG = schemathesis.Config.from_str(
    """
seed = 20250901
[generation]
deterministic = true
max-examples = 15
# Each test sends its caller's token; a generated Authorization header would be replaced by it. Missing,
# forged and expired tokens are schemathesis' ignored_auth check here and BAD_TOKENS in test_bad_input.py.
with-security-parameters = false
[checks]
# A body the document calls valid may still break one of the Scheme's rules (a date outside the Scheme, a
# specialism that is not offered, a record in the wrong state): those are refused with 422 and the rule's own
# code, as RFC 9110 has it (well-formed, but cannot be processed). The built-in check would call every such
# refusal a failure; `schema_valid_is_never_malformed` below checks what the document does promise instead.
positive_data_acceptance.enabled = false
"""
)


@pytest.fixture(scope="module")
def live(postgres: tuple[str, str], dev_server: WorkflowEnvironment) -> Iterator[LiveApi]:
    with live_api(postgres, dev_server.client.service_client.config.target_host) as api:
        seed_example_record(api)
        yield api


def seed_example_record(api: LiveApi) -> None:
    """t-0001, as the examples have it: enrolled, on a placement with plm-leeds, with the examples' evidence."""
    today = datetime.now(UTC).date()
    pm = api.token("pm-north", Role.PROGRAMME_MANAGER)
    with httpx.Client(base_url=api.base_url, timeout=60) as http:
        steps = [
            (
                "/trainees",
                {
                    "trainee_id": EXAMPLE_TRAINEE,
                    "name": "Alex Example",
                    "specialism": "general-management",
                    "cohort": "2025-north",
                    "scheme_start": str(today - timedelta(days=30)),
                    "scheme_end": str(today + timedelta(days=700)),
                    "programme_manager_id": "pm-north",
                },
                pm,
            ),
            (
                f"/trainees/{EXAMPLE_TRAINEE}/placements",
                {
                    "placement_id": "operational",
                    "organisation": "Leeds Teaching Hospitals NHS Trust",
                    "placement_kind": "operational",
                    "placement_manager_id": "plm-leeds",
                    "starts_on": str(today - timedelta(days=30)),
                    "planned_end": str(today + timedelta(days=300)),
                },
                pm,
            ),
            (
                f"/trainees/{EXAMPLE_TRAINEE}/evidence",
                {
                    "evidence_id": EXAMPLE_EVIDENCE,
                    "narrative": "Led the discharge pathway risk review.",
                    "competency_ids": ["4.1.3", "2.2.1"],
                },
                api.token(EXAMPLE_TRAINEE, Role.TRAINEE),
            ),
        ]
        for path, body, headers in steps:
            r = http.post(path, json=body, headers=headers)
            assert r.is_success, r.text


CALLERS = {
    "programme_manager": ("pm-north", Role.PROGRAMME_MANAGER),
    "trainee": (EXAMPLE_TRAINEE, Role.TRAINEE),
}
ANSWERED: dict[str, Counter[int]] = {caller: Counter() for caller in CALLERS}  # status classes (2, 4, 5)


def api_document() -> dict[str, Any]:
    """The OpenAPI document of the app `gmts start` serves (with the stand-in HR inbox); building it needs no
    database or Temporal, so the tests can be made per operation when pytest collects them."""
    app = create_app(Services(Settings(), None, None, None), hr_inbox=True)  # type: ignore[arg-type]
    return app.openapi()


schema = schemathesis.openapi.from_dict(api_document(), config=CONFIG)


def test_the_running_api_serves_the_document_fuzzed(live: LiveApi) -> None:
    served = httpx.get(f"{live.base_url}/openapi.json", timeout=30)
    assert served.status_code == 200, served.text
    assert served.json() == api_document()


def schema_valid_is_never_malformed(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """What the document calls well-formed is never refused as malformed (`invalid_request`): a rule may refuse
    it, with the rule's code, but if the shape itself is refused the document says less than the API checks."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return None
    if response.status_code == 422 and response.json().get("code") == "invalid_request":
        raise AssertionError(f"valid data refused as malformed: {response.text}")
    return None


def operation_test(caller: str) -> object:
    """One test per caller: every operation, every phase, that caller's token on each request."""

    @schema.parametrize()
    @settings(
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def test(case: Case[Any], live: LiveApi) -> None:
        headers = live.token(*CALLERS[caller])
        before = live.mark()
        response = case.call(base_url=live.base_url, headers=headers, timeout=60)
        ANSWERED[caller][response.status_code // 100] += 1
        if 400 <= response.status_code < 500:
            assert live.mark() == before, f"a refused request changed the event store: {response.text}"
            (content_type,) = response.headers.get("content-type", [""])
            assert content_type.startswith(PROBLEM_JSON), response.headers
            problem = response.json()
            assert problem["status"] == response.status_code, problem
            assert problem["code"], problem
            assert problem["detail"], problem
        case.validate_response(response, headers=headers, additional_checks=[schema_valid_is_never_malformed])

    return test


# The trainee's run first: the programme manager's withdraws t-0001, after which its record is closed.
test_every_operation_as_trainee = operation_test("trainee")
test_every_operation_as_programme_manager = operation_test("programme_manager")


def test_each_caller_reached_the_record_as_well_as_refusals() -> None:
    """Refusals alone would make a run that cannot fail much: each caller's run must also have succeeded."""
    if not all(ANSWERED[caller] for caller in CALLERS):
        pytest.skip("runs after both callers' runs (not selected here)")
    for caller, answered in ANSWERED.items():
        assert answered[2] >= 20, f"{caller}: {dict(answered)}"
        assert answered[4] >= 500, f"{caller}: {dict(answered)}"
        assert answered[5] == 0, f"{caller}: {dict(answered)}"
