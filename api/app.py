"""The HTTP API: commands go to the trainee's workflow as updates; reads replay the event store.

Reads of one trainee's record are a replay (never a stored status), checked against the caller's role, and
recorded for auditors. Errors are problem+json (api/problems.py).
"""

import csv
import inspect
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, File, Header, Path, Query, Request, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import document, problems
from api.auth import Principal, Unauthenticated, verify_token
from api.examples import PATH_EXAMPLES
from api.gateway import JourneyGateway
from api.problems import Refused
from api.record_reads import RecordRead, note_read, reads
from api.requests import Day, Instant, body_model, fill_ids
from config.settings import Settings
from domain.actors import Role
from domain.commands import (
    AssessGraduation,
    AssessMilestone,
    Command,
    DeclineSignOffRequest,
    EndPlacement,
    EnrolTrainee,
    ExtendScheme,
    RecordProgressReview,
    RequestSignOff,
    ReviewReflectivePiece,
    RevokeSignOff,
    SignOffCompetency,
    StartPlacement,
    SubmitEvidence,
    SubmitReflectivePiece,
    WithdrawTrainee,
)
from domain.events import RecordedEvent, RecordedEventDocument, stream_id_for
from domain.evolve import fold, fold_as_of
from domain.framework import framework_for_specialism
from domain.framework.catalogue import UnknownFramework
from domain.state import TraineeState
from domain.status import StatusSummary, TraineeStatus, status_of
from eventstore.audit import AuditQuery, audit
from eventstore.store import EventStore
from eventstore.verify import verify
from projections.queries import (
    Freshness,
    GraduationRecord,
    PendingSignOff,
    TraineeProgress,
    at_risk,
    cohort_progress,
    freshness,
    graduations,
    pending_sign_offs,
)

READ_ONLY = frozenset({Role.AUDITOR, Role.HR})
SEE_EVERYTHING = frozenset({Role.PROGRAMME_MANAGER, Role.ADMIN, Role.AUDITOR})
AUDITORS = frozenset({Role.PROGRAMME_MANAGER, Role.ADMIN, Role.AUDITOR})


@dataclass
class Services:
    settings: Settings
    store: EventStore
    pool: asyncpg.Pool
    gateway: JourneyGateway


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


_bearer = HTTPBearer(auto_error=False, description="A JWT from `gmts token issue`.")


async def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthenticated(
            "this needs a bearer token (Authorization: Bearer <jwt>); `gmts token issue` mints one"
        )
    return verify_token(services(request).settings, credentials.credentials)


Caller = Annotated[Principal, Depends(authenticated)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Repeat a request with the same key to get the first result; nothing is written twice.",
    ),
]


TraineeId = Annotated[str, Path(max_length=200, examples=PATH_EXAMPLES["trainee_id"])]
# Positions and versions are PostgreSQL bigints: a larger number can match nothing, and asyncpg cannot send it.
Position = Annotated[int, Query(ge=0, le=2**63 - 1)]


# The refusals each kind of route can answer (documented in the OpenAPI document as problem+json).
COMMAND_REFUSALS = problems.responses(401, 403, 404, 409, 413, 422, 503)
ENROL_REFUSALS = problems.responses(401, 403, 409, 413, 422, 503)
IMPORT_REFUSALS = problems.responses(401, 403, 413, 422, 503)
RECORD_REFUSALS = problems.responses(401, 403, 404, 422)
READ_REFUSALS = problems.responses(401, 403, 422)


def require(principal: Principal, roles: frozenset[Role], doing: str) -> None:
    if principal.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        raise Refused(
            "not_allowed", f"{doing} needs one of the roles {allowed}; you are {principal.role.value}"
        )


def may_write(principal: Principal) -> None:
    if principal.role in READ_ONLY:
        raise Refused("not_allowed", f"the {principal.role.value} role can read but never change a record")


def may_read(principal: Principal, trainee_id: str, state: TraineeState) -> None:
    """Trainees see their own record, placement managers their current trainees, others by role."""
    if principal.role in SEE_EVERYTHING:
        return
    if principal.role is Role.TRAINEE and principal.trainee_id == trainee_id:
        return
    placement = state.current_placement
    if (
        principal.role is Role.PLACEMENT_MANAGER
        and placement is not None
        and placement.manager_id == principal.subject
    ):
        return
    raise Refused(
        "not_allowed",
        f"{principal.subject} ({principal.role.value}) may not read trainee {trainee_id}'s record",
    )


async def load_record(
    s: Services, principal: Principal, trainee_id: str, what: str
) -> tuple[list[RecordedEvent], TraineeState]:
    """The trainee's events and the state they fold to now (which decides who may read them)."""
    events = await s.store.read_stream(stream_id_for(trainee_id))
    if not events:
        # Say "not enrolled" only to roles that may see every record; others learn nothing from a probe.
        if principal.role in SEE_EVERYTHING:
            raise Refused("not_enrolled", f"trainee {trainee_id} is not enrolled on the Scheme", 404)
        raise Refused("not_allowed", f"{principal.subject} may not read trainee {trainee_id}'s record")
    state = fold(events)
    may_read(principal, trainee_id, state)
    await note_read(s.pool, principal, trainee_id, what)
    return events, state


class BodyTooLarge:
    """Refuse a body over the configured size (413), whatever the route: by its Content-Length before reading
    it; sent without one (chunked), by counting it as it arrives, before the route sees any of it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length")
            if length is None:
                received: list[Message] = []
                size = 0
                while True:
                    message = await receive()
                    received.append(message)
                    if message["type"] != "http.request":
                        break
                    size += len(message.get("body", b""))
                    if size > self.limit:
                        await self.refuse(send)
                        return
                    if not message.get("more_body", False):
                        break

                async def replay() -> Message:
                    return received.pop(0) if received else await receive()

                await self.app(scope, replay, send)
                return
            if int(length) > self.limit:
                await self.refuse(send)
                return
        await self.app(scope, receive, send)

    async def refuse(self, send: Send) -> None:
        body = (
            b'{"type":"https://gmts.example.nhs.uk/problems/payload_too_large","title":"Payload too large",'
            b'"status":413,"code":"payload_too_large","detail":"the request body is larger than '
            + str(self.limit).encode()
            + b' bytes"}'
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# --- commands ---------------------------------------------------------------------------------------------

COMMAND_ROUTES: list[tuple[str, type[Command], tuple[str, ...], str]] = [
    ("/trainees/{trainee_id}/placements", StartPlacement, (), "Start a placement (programme manager, admin)"),
    (
        "/trainees/{trainee_id}/placements/{placement_id}/end",
        EndPlacement,
        ("placement_id",),
        "End the current placement",
    ),
    ("/trainees/{trainee_id}/evidence", SubmitEvidence, (), "Submit evidence for competencies (the trainee)"),
    (
        "/trainees/{trainee_id}/sign-off-requests",
        RequestSignOff,
        (),
        "Ask for a competency to be signed off (the trainee)",
    ),
    (
        "/trainees/{trainee_id}/sign-off-requests/{request_id}/decline",
        DeclineSignOffRequest,
        ("request_id",),
        "Decline a sign-off request, with feedback",
    ),
    (
        "/trainees/{trainee_id}/sign-offs",
        SignOffCompetency,
        (),
        "Sign off a competency at a level, with feedback",
    ),
    (
        "/trainees/{trainee_id}/sign-offs/{competency_id}/revoke",
        RevokeSignOff,
        ("competency_id",),
        "Revoke the latest sign-off of a competency, with a reason",
    ),
    (
        "/trainees/{trainee_id}/reflective-piece",
        SubmitReflectivePiece,
        (),
        "Submit the reflective piece (the trainee)",
    ),
    (
        "/trainees/{trainee_id}/reflective-piece/review",
        ReviewReflectivePiece,
        (),
        "Accept or return the reflective piece",
    ),
    ("/trainees/{trainee_id}/progress-reviews", RecordProgressReview, (), "Record a progress review"),
    ("/trainees/{trainee_id}/milestones", AssessMilestone, (), "Assess the year-one milestone now"),
    ("/trainees/{trainee_id}/extension", ExtendScheme, (), "Extend the Scheme (moves graduation)"),
    ("/trainees/{trainee_id}/withdrawal", WithdrawTrainee, (), "Withdraw the trainee from the Scheme"),
    (
        "/trainees/{trainee_id}/graduation-assessment",
        AssessGraduation,
        (),
        "Assess graduation (at or after the end)",
    ),
]


def path_parameter(command: type[Command], name: str) -> Any:
    """The command's field as a path parameter, with its constraints (pattern, length): checked and documented
    like a body field, so an id the command cannot hold is refused as such (422), not found out when the
    command is built (a 500)."""
    field = command.model_fields[name]
    return Annotated[(field.annotation, *field.metadata, Path(examples=PATH_EXAMPLES.get(name)))]


def command_route(
    router: APIRouter, path: str, command: type[Command], from_path: tuple[str, ...], summary: str
) -> None:
    body_type = body_model(command, from_path=from_path)

    async def endpoint(request: Request, **kwargs: Any) -> StatusSummary:
        principal: Principal = kwargs["principal"]
        may_write(principal)
        key: str | None = kwargs["idempotency_key"]
        values = fill_ids(dict(kwargs["body"]), key)
        values.update({p: kwargs[p] for p in from_path})
        cmd = command(actor=principal.actor, at=datetime.now(UTC), **values)
        return await services(request).gateway.send(kwargs["trainee_id"], cmd, key)

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("trainee_id", keyword, annotation=TraineeId),
        *(inspect.Parameter(p, keyword, annotation=path_parameter(command, p)) for p in from_path),
        inspect.Parameter("body", keyword, annotation=body_type),
        inspect.Parameter("principal", keyword, annotation=Caller),
        inspect.Parameter("idempotency_key", keyword, annotation=IdempotencyKey, default=None),
    ]
    endpoint.__signature__ = inspect.Signature(params, return_annotation=StatusSummary)  # type: ignore[attr-defined]
    endpoint.__name__ = command.__name__
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        summary=summary,
        response_model=StatusSummary,
        tags=["commands"],
        responses=COMMAND_REFUSALS,
    )


EnrolBody: Any = body_model(EnrolTrainee)


class ImportedRow(BaseModel):
    row: int
    trainee_id: str
    result: str  # enrolled | already_enrolled
    version: int | None = None


async def no_nul_in_url(request: Request) -> None:
    """PostgreSQL text cannot hold NUL: refuse %00 in the path or query string, rather than fail with a 500."""
    query = request.query_params.multi_items()
    if "\x00" in request.scope["path"] or any("\x00" in k + v for k, v in query):
        raise Refused(
            "invalid_request", "the URL contains the NUL character (%00), which no id or filter holds"
        )


async def known_query(request: Request) -> None:
    """Refuse a query parameter the route does not take, or one given twice: a misspelt filter (?actr=) would
    otherwise be ignored and answer with everything, and a repeated one (?cohort=a&cohort=b) silently keeps
    the last. The route's parameters are those its document lists (its path is the document's template)."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    operation = request.app.openapi()["paths"].get(template, {}).get(request.method.lower(), {})
    taken = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    names = [name for name, _ in request.query_params.multi_items()]
    unknown = sorted(set(names) - taken)
    if unknown:
        takes = ", ".join(sorted(taken)) or "no query parameters"
        raise Refused(
            "invalid_request",
            f"unknown query parameter {', '.join(map(repr, unknown))}: {request.url.path} takes {takes}",
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise Refused(
            "invalid_request",
            f"the query parameter {', '.join(map(repr, repeated))} is given more than once; give one value",
        )


PLAIN_URL = [Depends(no_nul_in_url), Depends(known_query)]


def build_router() -> APIRouter:
    router = APIRouter(dependencies=PLAIN_URL)

    @router.post(
        "/trainees",
        status_code=201,
        response_model=StatusSummary,
        tags=["commands"],
        summary="Enrol a trainee",
        responses=ENROL_REFUSALS,
    )
    async def enrol(
        request: Request, body: EnrolBody, principal: Caller, idempotency_key: IdempotencyKey = None
    ) -> StatusSummary:
        may_write(principal)
        cmd = EnrolTrainee(actor=principal.actor, at=datetime.now(UTC), **dict(body))
        return await services(request).gateway.enrol(cmd, idempotency_key)

    @router.post(
        "/cohorts/import",
        response_model=list[ImportedRow],
        tags=["commands"],
        summary="Enrol a cohort from CSV",
        responses=IMPORT_REFUSALS,
    )
    async def import_cohort(
        request: Request, principal: Caller, file: Annotated[UploadFile, File()]
    ) -> list[ImportedRow]:
        """CSV columns: trainee_id,name,specialism,cohort,scheme_start,scheme_end,programme_manager_id. Every row
        is checked first; if any is invalid nothing is enrolled. Importing the same file again is harmless."""
        may_write(principal)
        try:
            text = (await file.read()).decode("utf-8-sig", errors="strict")
        except UnicodeDecodeError as exc:
            raise Refused(
                "invalid_csv",
                f"nothing was enrolled: the file is not UTF-8 text (byte {exc.start}: {exc.reason})",
            ) from None
        reader = csv.DictReader(io.StringIO(text, newline=""))  # a lone \r ends a line, as csv expects
        try:
            rows = list(reader)
        except csv.Error as exc:  # e.g. a field past csv's size limit: the file itself is unreadable
            raise Refused(
                "invalid_csv",
                f"nothing was enrolled: line {reader.line_num} is not CSV the import reads: {exc}",
            ) from None
        commands, errors = [], []
        for n, row in enumerate(rows, start=2):  # line 1 is the header
            if None in row:  # DictReader keeps a row's surplus fields under the key None
                errors.append(f"line {n}: more fields than the header has columns")
                continue
            nul = next((k for k, v in row.items() if v and "\x00" in v), None)
            if nul is not None:
                errors.append(f"line {n}: {nul} contains the NUL character, which cannot be stored")
                continue
            try:
                commands.append(EnrolTrainee(actor=principal.actor, at=datetime.now(UTC), **row))
            except ValidationError as exc:
                errors.append(
                    f"line {n}: "
                    + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                )
        if not rows:
            errors.append("the file has no rows under its header")
        if errors:
            raise Refused("invalid_csv", "nothing was enrolled: " + " | ".join(errors[:20]), 422)
        gateway = services(request).gateway
        results = []
        for n, cmd in enumerate(commands, start=2):
            try:
                summary = await gateway.enrol(
                    cmd, None
                )  # enrolment is idempotent by itself: a repeat is already_enrolled
                results.append(
                    ImportedRow(row=n, trainee_id=cmd.trainee_id, result="enrolled", version=summary.version)
                )
            except Refused as refused:
                if refused.code != "already_enrolled":
                    raise
                results.append(ImportedRow(row=n, trainee_id=cmd.trainee_id, result="already_enrolled"))
        return results

    for path, command, from_path, summary in COMMAND_ROUTES:
        command_route(router, path, command, from_path, summary)

    # --- one trainee's record: replayed, role-checked, and the read recorded --------------------------

    @router.get(
        "/trainees/{trainee_id}/status",
        response_model=TraineeStatus,
        tags=["reads"],
        responses=RECORD_REFUSALS,
    )
    async def trainee_status(
        request: Request, trainee_id: TraineeId, principal: Caller, as_of: Instant | None = None
    ) -> TraineeStatus:
        """The status replayed from the record; with `as_of`, what the record said at that instant."""
        events, now = await load_record(
            services(request),
            principal,
            trainee_id,
            f"status as_of={as_of.isoformat()}" if as_of else "status",
        )
        if as_of is not None:
            state = fold_as_of(events, as_of)
            if state.enrolment is None:
                raise Refused(
                    "not_enrolled", f"trainee {trainee_id} was not yet enrolled at {as_of.isoformat()}", 404
                )
            return status_of(state)
        return status_of(now)

    @router.get(
        "/trainees/{trainee_id}/events",
        response_model=list[RecordedEventDocument],
        tags=["reads"],
        responses=RECORD_REFUSALS,
    )
    async def trainee_events(
        request: Request,
        trainee_id: TraineeId,
        principal: Caller,
        after_version: Position = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[RecordedEventDocument]:
        """The trainee's audit trail: every event, who, when, on what, why (correlation / causation)."""
        events, _ = await load_record(
            services(request), principal, trainee_id, f"events after={after_version}"
        )
        return [RecordedEventDocument.of(e) for e in events if e.version > after_version][:limit]

    @router.get(
        "/trainees/{trainee_id}/live", tags=["reads"], responses=problems.responses(401, 403, 404, 422, 503)
    )
    async def trainee_live(
        request: Request, trainee_id: TraineeId, principal: Caller
    ) -> dict[str, Any] | None:
        """The live status held by the trainee's workflow (equal to the replayed status once commands settle)."""
        s = services(request)
        await load_record(s, principal, trainee_id, "live status")
        return await s.gateway.live_status(trainee_id)

    # --- across trainees -------------------------------------------------------------------------------

    @router.get(
        "/cohorts/{cohort}/progress",
        response_model=list[TraineeProgress],
        tags=["cohorts"],
        responses=READ_REFUSALS,
    )
    async def cohort(request: Request, cohort: str, principal: Caller) -> list[TraineeProgress]:
        """Progress of every trainee in a cohort (read model; see /projections/freshness for its lag)."""
        require(principal, SEE_EVERYTHING, "reading a cohort's progress")
        return await cohort_progress(services(request).pool, cohort)

    @router.get("/at-risk", response_model=list[TraineeProgress], tags=["cohorts"], responses=READ_REFUSALS)
    async def at_risk_list(
        request: Request, principal: Caller, cohort: str | None = None
    ) -> list[TraineeProgress]:
        """Active trainees flagged at risk at their year-one milestone."""
        require(principal, SEE_EVERYTHING, "reading the at-risk list")
        return await at_risk(services(request).pool, cohort)

    @router.get(
        "/sign-offs/pending", response_model=list[PendingSignOff], tags=["cohorts"], responses=READ_REFUSALS
    )
    async def pending(
        request: Request, principal: Caller, assignee: str | None = None
    ) -> list[PendingSignOff]:
        """Sign-off requests waiting for a manager: a placement manager sees their own queue."""
        who = assignee or principal.subject
        if principal.role is Role.PLACEMENT_MANAGER and who != principal.subject:
            raise Refused("not_allowed", "a placement manager sees only their own pending sign-offs")
        if principal.role not in SEE_EVERYTHING | {Role.PLACEMENT_MANAGER}:
            raise Refused("not_allowed", f"the {principal.role.value} role has no sign-off queue")
        return await pending_sign_offs(services(request).pool, who)

    @router.get(
        "/graduations", response_model=list[GraduationRecord], tags=["cohorts"], responses=READ_REFUSALS
    )
    async def graduates(
        request: Request, principal: Caller, since: Day | None = None
    ) -> list[GraduationRecord]:
        """Graduations (what HR may read), optionally since a date."""
        require(
            principal,
            frozenset({Role.HR, Role.PROGRAMME_MANAGER, Role.ADMIN, Role.AUDITOR}),
            "reading graduations",
        )
        return await graduations(services(request).pool, since)

    @router.get("/projections/freshness", response_model=Freshness, tags=["cohorts"], responses=READ_REFUSALS)
    async def projection_freshness(request: Request, principal: Caller) -> Freshness:
        """How far the read models are behind the event log."""
        require(principal, SEE_EVERYTHING, "reading projection freshness")
        return await freshness(services(request).pool)

    @router.get("/audit/events", tags=["audit"], responses=READ_REFUSALS)
    async def audit_events(
        request: Request,
        principal: Caller,
        actor: str | None = None,
        type: str | None = None,
        competency: str | None = None,
        trainee: str | None = None,
        recorded_from: Instant | None = None,
        recorded_to: Instant | None = None,
        after: Position = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """Events across trainees by actor, type, competency, trainee and time; page with `after`.

        In global order, except a competency's events and a time window asked for without a trainee or actor:
        those come in recorded order (ties by position), which differs only where appends ran concurrently.
        Either way pass `next_after` back as `after` for the next page."""
        require(principal, AUDITORS, "querying the audit trail")
        page = await audit(
            services(request).pool,
            AuditQuery(
                stream_id=stream_id_for(trainee) if trainee else None,
                actor_id=actor,
                type=type,
                competency_id=competency,
                recorded_from=recorded_from,
                recorded_to=recorded_to,
                after=after,
                limit=limit,
            ),
        )
        return {
            "events": [
                {"position": position, **RecordedEventDocument.of(e).model_dump(mode="json")}
                for position, e in page.events
            ],
            "next_after": page.next_after,
        }

    @router.get("/audit/reads", response_model=list[RecordRead], tags=["audit"], responses=READ_REFUSALS)
    async def audit_reads(
        request: Request,
        principal: Caller,
        trainee: str | None = None,
        reader: str | None = None,
        after: Position = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[RecordRead]:
        """Who read which trainee's record, and when."""
        require(principal, frozenset({Role.ADMIN, Role.AUDITOR}), "querying record reads")
        return await reads(
            services(request).pool, trainee_id=trainee, reader_id=reader, after=after, limit=limit
        )

    @router.get("/verify", tags=["audit"], responses=READ_REFUSALS)
    async def verify_chains(
        request: Request, principal: Caller, trainee: str | None = None
    ) -> dict[str, Any]:
        """Re-check the hash chains (one trainee's, or all); names the first broken link of each stream."""
        require(principal, frozenset({Role.ADMIN, Role.AUDITOR}), "verifying the store")
        report = await verify(services(request).pool, stream_id_for(trainee) if trainee else None)
        return {
            "ok": report.ok,
            "streams": report.streams,
            "events": report.events,
            "problems": report.problems,
        }

    @router.get("/framework", tags=["reads"], responses=problems.responses(401, 404, 422))
    async def framework(principal: Caller, specialism: str = "general-management") -> list[dict[str, Any]]:
        """The competency framework (any signed-in user)."""
        from cli.main import framework_as_json

        try:
            return framework_as_json(framework_for_specialism(specialism))
        except UnknownFramework as exc:
            raise Refused("unknown_framework", str(exc), 404) from None

    @router.get("/health", tags=["service"], responses=problems.responses(422))
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return router


def create_app(s: Services, *, hr_inbox: bool = False) -> FastAPI:
    app = FastAPI(
        title="Trainee journeys",
        version="0.1.0",
        description="The NHS Graduate Management Training Scheme as an event-sourced workflow service.",
    )
    app.state.services = s
    problems.install(app)
    document.complete(app)
    app.include_router(build_router())
    if hr_inbox:
        from api.hr_inbox import build_inbox

        app.include_router(build_inbox(s.settings.hr_webhook_secret, authenticated), dependencies=PLAIN_URL)
    app.add_middleware(BodyTooLarge, limit=s.settings.max_body_bytes)
    return app


__all__ = ["UUID", "Services", "create_app"]
