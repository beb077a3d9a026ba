"""Request bodies, made from the domain's commands so their shape is defined once.

A body is its command without `actor` and `at` (the caller's token and the journey's clock supply those) and
without what the URL already says. Ids a client may choose for safe retries (evidence, request, piece, review)
are optional: left out, they are derived from the Idempotency-Key (or made up when there is none).
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, create_model, model_validator

from api.examples import EXAMPLES
from domain.commands import Command

CLIENT_CHOSEN_IDS = ("evidence_id", "request_id", "piece_id", "review_id")
_NAMES = UUID("a3c8e3c9-7f6e-4d8f-9a7c-5b1e2f0d4c11")


def _whole(value: Any) -> Any:
    """JSON has one kind of number: 2040.0 is the integer 2040, as JSON Schema's `integer` says. A fraction, a
    string or a boolean is still refused by the command's strict integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole)]


def _written(pattern: str, form: str) -> BeforeValidator:
    """Accept a date or time only as the document's format (RFC 3339) writes it. Left to itself, pydantic also
    reads a number, or a string of digits, as seconds since 1970: `0` would be 1 January 1970."""
    written = re.compile(pattern)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or not written.fullmatch(value):
            raise ValueError(f"write it as {form}")
        return value

    return BeforeValidator(check)


Day = Annotated[date, _written(r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD, e.g. 2025-09-01")]
Instant = Annotated[
    datetime,
    _written(
        r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})",
        "an RFC 3339 time with its offset, e.g. 2025-06-01T12:00:00Z",
    ),
]


def body_model(command: type[Command], *, from_path: tuple[str, ...] = ()) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for name, info in command.model_fields.items():
        if name in ("actor", "at", "kind", *from_path):
            continue
        if name in CLIENT_CHOSEN_IDS:
            fields[name] = (UUID | None, None)
        elif info.annotation is int:
            fields[name] = (WholeNumber, info)
        elif info.annotation is date:
            fields[name] = (Day, info)
        else:
            fields[name] = (info.annotation, info)
    example = {k: v for k, v in EXAMPLES.get(command.__name__, {}).items() if k not in from_path}
    return create_model(
        f"{command.__name__}Body",
        __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": [example]}),
        __validators__=_NO_NUL,
        **fields,
    )


def nul_in(value: Any, where: str = "") -> str | None:
    """Where in a parsed JSON value a string holds NUL (\\u0000), which PostgreSQL cannot store; else None."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(str(i), v) for i, v in enumerate(value)]
    else:
        return None
    for key, item in items:
        found = nul_in(item, f"{where}.{key}" if where else key)
        if found is not None:
            return found
    return None


def _refuse_nul(cls: type[BaseModel], data: Any) -> Any:
    where = nul_in(data)
    if where is not None:
        raise ValueError(
            f"{where or 'the body'} contains the NUL character (\\u0000), which cannot be stored"
        )
    return data


_NO_NUL: dict[str, Any] = {"no_nul": model_validator(mode="before")(_refuse_nul)}


def fill_ids(values: dict[str, Any], idempotency_key: str | None) -> dict[str, Any]:
    for name in CLIENT_CHOSEN_IDS:
        if name in values and values[name] is None:
            values[name] = (
                uuid.uuid5(_NAMES, f"{idempotency_key}:{name}") if idempotency_key else uuid.uuid4()
            )
    return values
