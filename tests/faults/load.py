"""Load through the real HTTP API, as clients send it: every command carries an Idempotency-Key, and a client
that got no answer (a timeout, a 503) sends the same request again with the same key until it is acknowledged.

The ledger keeps, per trainee and in the order sent, every command with each attempt's outcome and the stream
version its acknowledgement named: what the checks hold the store to.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from api.auth import issue_token
from config.settings import Settings
from domain.actors import Role

PROGRAMME_MANAGER = "pm-faults"
PROBLEM = "application/problem+json"
# What an unanswered client may see while a part is down: clear, retryable answers, never a bare 500.
RETRYABLE = frozenset({"journey_unavailable", "store_unavailable", "command_pending"})
# A client that waited and got no result: its own timeout, or the API's answer that the journey has not applied
# the command in time (the stack's API waits GMTS_COMMAND_WAIT_S, less than a client's timeout).
WAITED_OUT = frozenset({"timeout", "503 command_pending"})


@dataclass
class Sent:
    """One command as its client saw it."""

    trainee_id: str
    key: str
    event_type: str  # the one event it records
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    # One per attempt: "201 v3", "timeout", "503 <code>" ...
    outcomes: list[str] = field(default_factory=list)
    acked_version: int | None = None
    retry_after: list[str | None] = field(default_factory=list)  # the Retry-After of each 503


class Refused(AssertionError):
    """The service answered a command with something other than an acknowledgement or a retryable problem."""


@dataclass
class Ledger:
    sent: dict[str, list[Sent]] = field(default_factory=dict)
    in_flight: int = 0

    def record(self, sent: Sent) -> Sent:
        self.sent.setdefault(sent.trainee_id, []).append(sent)
        return sent

    def acked(self) -> int:
        return sum(1 for commands in self.sent.values() for s in commands if s.acked_version is not None)

    def all(self) -> list[Sent]:
        return [s for commands in self.sent.values() for s in commands]

    def outcomes(self) -> list[str]:
        return [o for s in self.all() for o in s.outcomes]

    def waited_out(self) -> int:
        return sum(1 for o in self.outcomes() if o in WAITED_OUT)


class Clients:
    """Clients of the API, one token per role, sharing a ledger."""

    def __init__(self, base_url: str, settings: Settings, *, timeout_s: float = 5.0) -> None:
        self.settings = settings
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)
        self.timeout_s = timeout_s
        self.ledger = Ledger()
        self.today = datetime.now(UTC).date()

    async def close(self) -> None:
        await self.http.aclose()

    def token(self, subject: str, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.settings, subject, role)}"}

    def enrolment(self, trainee_id: str, key: str | None = None) -> Sent:
        return Sent(
            trainee_id,
            key or f"{trainee_id}:enrol",
            "TraineeEnrolled",
            "/trainees",
            {
                "trainee_id": trainee_id,
                "name": f"Trainee {trainee_id}",
                "specialism": "general-management",
                "cohort": "faults",
                "scheme_start": self.today.isoformat(),
                "scheme_end": (self.today + timedelta(days=700)).isoformat(),
                "programme_manager_id": PROGRAMME_MANAGER,
            },
            self.token(PROGRAMME_MANAGER, Role.PROGRAMME_MANAGER),
        )

    def evidence(self, trainee_id: str, n: int, key: str | None = None) -> Sent:
        return Sent(
            trainee_id,
            key or f"{trainee_id}:evidence:{n}",
            "EvidenceSubmitted",
            f"/trainees/{trainee_id}/evidence",
            {"narrative": f"Evidence {n} from {trainee_id}.", "competency_ids": ["4.1.3"]},
            self.token(trainee_id, Role.TRAINEE),
        )

    async def attempt(self, sent: Sent, timeout_s: float | None = None) -> bool:
        """Send once; True when acknowledged. A refusal raises: these commands are all valid."""
        self.ledger.in_flight += 1
        try:
            response = await self.http.post(
                sent.path,
                json=sent.body,
                headers={**sent.headers, "Idempotency-Key": sent.key},
                timeout=timeout_s or self.timeout_s,
            )
        except httpx.TimeoutException:
            sent.outcomes.append("timeout")
            return False
        except httpx.TransportError as exc:
            sent.outcomes.append(f"transport {type(exc).__name__}")
            return False
        finally:
            self.ledger.in_flight -= 1
        if response.is_success:
            version = int(response.json()["version"])
            sent.outcomes.append(f"{response.status_code} v{version}")
            if sent.acked_version is not None and sent.acked_version != version:
                raise Refused(f"{sent.key} was acknowledged at v{sent.acked_version}, then at v{version}")
            sent.acked_version = version
            return True
        code = response.json().get("code") if response.headers.get("content-type") == PROBLEM else None
        sent.outcomes.append(
            f"{response.status_code} {code}" if code else f"{response.status_code} {response.text[:200]!r}"
        )
        if response.status_code == 503 and code in RETRYABLE:
            sent.retry_after.append(response.headers.get("Retry-After"))
            return False
        raise Refused(
            f"{sent.key}: {response.status_code} {response.headers.get('content-type')} {response.text}"
        )

    async def deliver(self, sent: Sent) -> Sent:
        return await self.until_acknowledged(self.ledger.record(sent))

    async def until_acknowledged(self, sent: Sent, *, within_s: float = 90.0) -> Sent:
        """Send until acknowledged, the same key every time, as a client that must get its answer does."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while True:
            try:
                if await self.attempt(sent):
                    return sent
            except Refused as refused:
                history = [(s.key, s.outcomes) for s in self.ledger.sent[sent.trainee_id][-4:]]
                raise Refused(f"{refused}\n{sent.trainee_id}'s last commands: {history}") from None
            if loop.time() > deadline:
                raise AssertionError(f"{sent.key} not acknowledged in {within_s:.0f} s: {sent.outcomes}")
            if sent.outcomes[-1] != "timeout":
                await asyncio.sleep(0.3)  # not Retry-After's 5 s: these clients press on, to load the service

    async def read_status(self, trainee_id: str) -> str:
        """One read of a trainee's replayed status, as a programme manager: "200", or what else it answered."""
        try:
            response = await self.http.get(
                f"/trainees/{trainee_id}/status",
                headers=self.token(PROGRAMME_MANAGER, Role.PROGRAMME_MANAGER),
            )
        except httpx.TimeoutException:
            return "timeout"
        if response.is_success:
            return str(response.status_code)
        if response.headers.get("content-type") == PROBLEM:
            return f"{response.status_code} {response.json()['code']}"
        return f"{response.status_code} {response.headers.get('content-type')} {response.text[:200]!r}"

    async def race(self, sent: Sent, copies: int) -> Sent:
        """The same request `copies` times at once, as retries overtaking the first attempt: all acknowledged."""
        self.ledger.record(sent)
        acked = await asyncio.gather(*(self.attempt(sent) for _ in range(copies)))
        assert all(acked), f"{sent.key}: {sent.outcomes}"
        return sent

    async def walk(self, trainee_id: str, first: int, count: int) -> None:
        """One trainee's client: evidence after evidence, each sent once it knows the one before was recorded."""
        for n in range(first, first + count):
            await self.deliver(self.evidence(trainee_id, n))

    async def enrol_cohort(self, size: int) -> list[str]:
        trainees = [f"t-{uuid.uuid4().hex[:8]}" for _ in range(size)]
        await asyncio.gather(*(self.deliver(self.enrolment(t)) for t in trainees))
        return trainees
