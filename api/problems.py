"""Errors as RFC 9457 problem details (application/problem+json), each with a message a person can act on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from api.auth import Unauthenticated
from eventstore.connection import CONNECTION_LOST

MEDIA_TYPE = "application/problem+json"

# Why a domain rule refused, as an HTTP status: who may not, what conflicts with the record, what is malformed.
STATUS_OF_CODE = {
    "not_allowed": 403,
    "not_enrolled": 404,
    "already_enrolled": 409,
    "trainee_not_active": 409,
    "duplicate_id": 409,
    "sign_off_request_conflict": 409,
    "placement_conflict": 409,
    "already_recorded": 409,
    "nothing_to_revoke": 409,
    "ConcurrencyConflict": 409,
    "EventIdConflict": 409,
}


class Problem(BaseModel):
    """RFC 9457 problem details, with the stable `code` clients branch on."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


# What each refusal means, as the OpenAPI document tells clients.
REFUSALS = {
    401: "No bearer token, or one that is forged, expired or malformed (`unauthenticated`).",
    403: "The caller's role, or the Scheme's rules, do not allow it (`not_allowed`).",
    404: "The trainee is not enrolled (`not_enrolled`), or what is named does not exist.",
    409: "The record conflicts: closed, a duplicate, already recorded (the rule's `code`).",
    413: "The request body is larger than the configured limit (`payload_too_large`).",
    422: "Malformed (`invalid_request`, with `errors` naming each field), or against one of the Scheme's rules "
    "(the rule's `code`).",
    503: "A part of the service did not answer: the event store (`store_unavailable`), the journey service "
    "(`journey_unavailable`), or the trainee's journey did not apply the command in time (`command_pending`: it "
    "may still be applied; send the same request again with the same Idempotency-Key to get its result). "
    "Retry-After says when to try again.",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The refusals a route can answer, each documented as problem+json (a 401 with its WWW-Authenticate)."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": REFUSALS[status],
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": "The scheme to authenticate with.",
                    "schema": {"type": "string"},
                }
            }
        if status == 503:
            response["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before sending the request again.",
                    "schema": {"type": "string"},
                }
            }
        documented[status] = response
    return documented


class Refused(Exception):
    """A command or read refused for a stated reason; becomes a problem response."""

    def __init__(
        self, code: str, detail: str, status: int | None = None, *, retry_after_s: int | None = None
    ) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail
        self.status = status or STATUS_OF_CODE.get(code, 422)
        self.retry_after_s = retry_after_s


def problem(
    status: int,
    code: str,
    detail: str,
    request: Request,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    title = code.replace("_", " ").capitalize()
    body = Problem(
        type=f"https://gmts.example.nhs.uk/problems/{code}",
        title=title,
        status=status,
        detail=detail,
        code=code,
        instance=str(request.url.path),
        **extra,
    )
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="trainee-journeys"'}
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE, headers=headers
    )


def allowed_methods(request: Request, named: str) -> str:
    """Every method of the resource at the request's path: Starlette's 405 names only those of the first route
    whose path matched (`named`), and each method here is a route of its own. The others are read from the
    app's own document, whose paths are the routes' templates."""
    methods = {m.strip().upper() for m in named.split(",") if m.strip()}
    for template, operations in request.app.openapi()["paths"].items():
        if compile_path(template)[0].match(request.url.path):
            methods |= {m.upper() for m in operations}
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s is not None else None
        return problem(exc.status, exc.code, exc.detail, request, headers)

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, exc: Unauthenticated) -> JSONResponse:
        return problem(401, "unauthenticated", str(exc), request)

    async def store_unavailable(request: Request, exc: Exception) -> JSONResponse:
        """The database is down or restarting: a clear, retryable answer instead of a 500 with a stack."""
        return problem(
            503,
            "store_unavailable",
            f"the event store is not answering ({type(exc).__name__}); try again in a moment",
            request,
            headers={"Retry-After": "1"},
        )

    for lost in CONNECTION_LOST:
        app.add_exception_handler(lost, store_unavailable)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{e['where']}: {e['problem']}" for e in errors[:5])
        return problem(422, "invalid_request", f"the request is not valid: {summary}", request, errors=errors)

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's answer to a body it cannot parse at all (JSON that is not UTF-8, a broken multipart
            # form): malformed like any other invalid body, so the same 422 invalid_request, saying why.
            cause = f": {exc.__cause__}" if exc.__cause__ else ""
            detail = f"the request body cannot be read as the Content-Type it names{cause}"
            return problem(422, "invalid_request", detail, request)
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, "http_error"
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # RFC 9110: Allow lists the resource's methods
            headers["Allow"] = allowed_methods(request, headers.get("Allow", ""))
        return problem(exc.status_code, code, str(exc.detail), request, headers=headers)
