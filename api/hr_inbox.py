"""A stand-in HR system for the embedded stack: `gmts start` points the HR webhook here when none is configured,
so a newcomer can watch a graduation arrive. It checks the signature and keeps one record per Idempotency-Key,
as a real receiver should. Held in memory: it is a demonstration, not a system of record."""

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request

from activities.hr import SIGNATURE_HEADER, signature
from api import problems
from api.problems import Refused


def build_inbox(secret: str, caller: Any) -> APIRouter:
    router = APIRouter(tags=["demo HR inbox"])
    received: dict[str, dict[str, Any]] = {}

    @router.post(
        "/hr-inbox",
        summary="Receive a graduation record (as an HR system would)",
        responses=problems.responses(401, 413, 422),
    )
    async def receive(
        request: Request,
        idempotency_key: Annotated[str, Header(alias="Idempotency-Key", max_length=200)],
        signed: Annotated[str, Header(alias=SIGNATURE_HEADER, max_length=200)],
    ) -> dict[str, Any]:
        body = await request.body()
        if not hmac.compare_digest(signed, signature(secret, body)):
            raise Refused("bad_signature", f"the {SIGNATURE_HEADER} header does not match the body", 401)
        first = idempotency_key not in received
        if first:
            import json

            received[idempotency_key] = json.loads(body)
        return {"received": True, "first_time": first}

    @router.get(
        "/hr-inbox",
        summary="What the stand-in HR system has received",
        responses=problems.responses(401, 403, 422),
    )
    async def inbox(principal: Annotated[Any, Depends(caller)]) -> list[dict[str, Any]]:
        from api.app import require
        from domain.actors import Role

        require(principal, frozenset({Role.HR, Role.ADMIN, Role.AUDITOR}), "reading the HR inbox")
        return list(received.values())

    return router
