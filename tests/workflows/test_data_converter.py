"""The journeys' data converter writes and reads payloads exactly as Temporal's pydantic converter does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, get_type_hints

import pytest
from pydantic import ValidationError
from temporalio.contrib.pydantic import pydantic_data_converter

from activities.payloads import AppendRequest, AppendResult
from domain.actors import Actor, Role
from domain.commands import AnyCommand, SubmitEvidence
from domain.events import RecordedEventDocument
from domain.evolve import fold
from domain.status import StatusSummary, summary_of
from tests.projections.journeys import journey
from workflows.data_converter import (
    JourneyPayloadConverter,
    SharedAdapterJSONPayloadConverter,
    journey_data_converter,
    type_adapter,
)
from workflows.journey_input import JourneyInput
from workflows.trainee_journey import TraineeJourneyWorkflow

EVENTS = journey("t-1", seed=3, commands=60)
DOCUMENTS = [RecordedEventDocument.of(e) for e in EVENTS]
COMMAND = SubmitEvidence(
    actor=Actor(id="t-1", role=Role.TRAINEE),
    at=datetime(2026, 11, 24, 9, tzinfo=UTC),
    evidence_id=uuid.UUID(int=7),
    narrative="Led the bed meeting \u2014 and wrote it up \u2713 \U0001f3e5",
    competency_ids=("4.1.3",),
)
COMMANDS: Any = AnyCommand  # a union, which Temporal takes as a type hint
# (value, the type its receiver asks for): what journeys, their activities and their clients exchange.
PAYLOADS: list[tuple[Any, Any]] = [
    (COMMAND, COMMANDS),
    (JourneyInput(trainee_id="t-1"), JourneyInput),
    (summary_of(fold(EVENTS)), StatusSummary),
    (DOCUMENTS, list[RecordedEventDocument]),
    (AppendRequest(stream_id="trainee-t-1", expected_version=0, events=DOCUMENTS[:3]), AppendRequest),
    (AppendResult(recorded_at=[e.recorded_at for e in EVENTS[:3]]), AppendResult),
    (AppendResult(events=DOCUMENTS[:3], behind=True), AppendResult),
    ({"plain": ["json", 1, None]}, dict[str, Any]),
    ("a string", str),
]


@pytest.mark.parametrize(("value", "hint"), PAYLOADS, ids=[type(v).__name__ for v, _ in PAYLOADS])
def test_a_payload_is_the_same_bytes_and_reads_back_the_same(value: Any, hint: Any) -> None:
    ours = journey_data_converter.payload_converter.to_payloads([value])
    assert ours == pydantic_data_converter.payload_converter.to_payloads([value])
    assert journey_data_converter.payload_converter.from_payloads(ours, [hint]) == [value]
    assert pydantic_data_converter.payload_converter.from_payloads(ours, [hint]) == [value]


def test_a_type_is_adapted_once_for_every_converter_made() -> None:
    payloads = journey_data_converter.payload_converter.to_payloads([COMMAND])
    journey_data_converter.payload_converter.from_payloads(payloads, [COMMANDS])
    built = type_adapter.cache_info().misses
    for _ in range(3):  # as Temporal makes one per journey
        converter = JourneyPayloadConverter()
        assert converter.from_payloads(payloads, [COMMANDS]) == [COMMAND]
    assert type_adapter.cache_info().misses == built


def test_an_unhashable_type_hint_is_still_read() -> None:
    hint: Any = Annotated[list[int], {"not": "hashable"}]
    with pytest.raises(TypeError):
        hash(hint)
    payloads = journey_data_converter.payload_converter.to_payloads([[1, 2]])
    assert journey_data_converter.payload_converter.from_payloads(payloads, [hint]) == [[1, 2]]


def test_every_converter_made_shares_one_json_converter() -> None:
    """Temporal makes a payload converter for every activation and completion: making one builds nothing."""
    first, second = JourneyPayloadConverter(), JourneyPayloadConverter()
    assert first.converters[b"json/plain"] is second.converters[b"json/plain"]
    assert isinstance(first.converters[b"json/plain"], SharedAdapterJSONPayloadConverter)


def test_a_command_is_read_by_its_kind_as_temporal_hands_it_over() -> None:
    """Temporal reads an update's parameter types with `typing.get_type_hints`, without `Annotated` extras: the
    command union still reaches the converter with its discriminator, so a command is read by its `kind` tag
    (one clear error for an unknown kind), not tried against every member of the union."""
    hint = get_type_hints(TraineeJourneyWorkflow.command)["command"]
    payloads = journey_data_converter.payload_converter.to_payloads([{"kind": "NoSuchCommand"}])
    with pytest.raises(ValidationError) as caught:
        journey_data_converter.payload_converter.from_payloads(payloads, [hint])
    assert [e["type"] for e in caught.value.errors()] == ["union_tag_invalid"]
    good = journey_data_converter.payload_converter.to_payloads([COMMAND])
    assert journey_data_converter.payload_converter.from_payloads(good, [hint]) == [COMMAND]
