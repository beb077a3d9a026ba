"""Graduation records to HR systems: an HTTP POST per endpoint, signed, with an idempotency key.

The body is JSON; `X-GMTS-Signature: sha256=<hex HMAC-SHA256 of the body with the shared secret>` lets the
receiver check it came from us; `Idempotency-Key` is the graduation event's id, the same on every retry, so the
receiver can apply it once. Network errors, 5xx, 408 and 429 raise to be retried (the workflow's retry policy
backs off for days); any other 4xx will not get better by retrying and fails the activity for good.
"""

from __future__ import annotations

import hashlib
import hmac

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.payloads import HRDelivered, HRDelivery

RETRYABLE_STATUS = frozenset({408, 429})
SIGNATURE_HEADER = "X-GMTS-Signature"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class HRActivities:
    def __init__(self, secret: str, endpoints: tuple[str, ...], timeout_s: float = 10.0) -> None:
        self.secret = secret
        self.endpoints = endpoints
        self.timeout_s = timeout_s

    @activity.defn(name="hr_endpoints")
    async def hr_endpoints(self) -> list[str]:
        """The configured HR endpoints (configuration is read here, outside the deterministic workflow)."""
        return list(self.endpoints)

    @activity.defn(name="notify_hr")
    async def notify_hr(self, delivery: HRDelivery) -> HRDelivered:
        body = delivery.record.model_dump_json().encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": str(delivery.record.graduation_event_id),
            SIGNATURE_HEADER: signature(self.secret, body),
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.post(delivery.endpoint, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ApplicationError(
                f"HR endpoint {delivery.endpoint} unreachable: {exc!r}", type="HRUnreachable"
            ) from exc
        code = response.status_code
        if 200 <= code < 300:
            return HRDelivered(endpoint=delivery.endpoint, status_code=code)
        reason = response.text[:500] or response.reason_phrase
        if code >= 500 or code in RETRYABLE_STATUS:
            raise ApplicationError(
                f"HR endpoint {delivery.endpoint} answered {code}: {reason}", type="HRUnavailable"
            )
        raise ApplicationError(
            f"HR endpoint {delivery.endpoint} refused the graduation record with {code}: {reason}",
            code,
            reason,
            type="HRRejected",
            non_retryable=True,
        )
