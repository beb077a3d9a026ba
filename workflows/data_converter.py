"""The data converter journeys and their clients use: Temporal's pydantic converter, with one TypeAdapter per type
for the whole process.

Temporal builds a new payload converter for every workflow instance it creates (each journey started, replayed
or continued as new), and the pydantic converter keeps its TypeAdapters per converter: so every journey built
four adapters afresh, the command union's alone about 0.4 ms of CPU, and kept them for as long as the journey
stayed in the worker's cache. Here the adapters are built once and shared: payloads convert exactly as with
`temporalio.contrib.pydantic.pydantic_data_converter` (tests/workflows/test_data_converter.py).

The shared cache holds the payload types journeys use, all imported outside the workflow sandbox (domain,
activities.payloads, workflows.journey_input), so every journey's sandbox hands it the same type objects.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import TypeAdapter
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

# A workflow's payloads have a handful of types; the bound only stops a type made afresh per journey (one defined
# inside the sandbox) from growing the cache without end.
MAX_SHARED_TYPE_ADAPTERS = 256


@functools.lru_cache(maxsize=MAX_SHARED_TYPE_ADAPTERS)
def type_adapter(type_hint: Any) -> TypeAdapter[Any]:
    """The process's one TypeAdapter for `type_hint`."""
    return TypeAdapter(type_hint)


class SharedAdapterJSONPayloadConverter(PydanticJSONPlainPayloadConverter):
    """Pydantic's JSON payload converter, validating through the process-wide adapters."""

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        hint = type_hint if type_hint is not None else Any
        try:
            adapter = type_adapter(hint)
        except TypeError:  # an unhashable hint: build one for this payload, as the SDK's converter does
            adapter = TypeAdapter(hint)
        return adapter.validate_json(payload.data)


# Temporal's default converters are shared instances; this one is too (none holds state of its own). The SDK
# builds a payload converter for every workflow activation and every completion (its command-aware data
# converter is made afresh each time): building the pydantic one each time (a schema serializer, a cache) held
# 2.6% of the worker's Python samples in the workflow-updates benchmark (py-spy --gil, N=10); a converter now
# takes 0.8 us to build instead of 4.3 (timeit).
_CONVERTERS = tuple(
    SharedAdapterJSONPayloadConverter() if isinstance(c, JSONPlainPayloadConverter) else c
    for c in DefaultPayloadConverter.default_encoding_payload_converters
)


class JourneyPayloadConverter(CompositePayloadConverter):
    """Temporal's default payload converters, with JSON through `SharedAdapterJSONPayloadConverter`."""

    def __init__(self) -> None:
        super().__init__(*_CONVERTERS)


journey_data_converter = DataConverter(payload_converter_class=JourneyPayloadConverter)
