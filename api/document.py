"""The OpenAPI document as FastAPI generates it, completed with what the routes' declarations cannot say."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.problems import Problem

# No text the API takes holds U+0000: PostgreSQL cannot store it, so bodies and URLs that carry it are refused.
NO_NUL = "^[^\\u0000]*$"


def complete(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            say_no_nul(document)
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def say_no_nul(document: dict[str, Any]) -> None:
    """State the refusal of NUL as a pattern on every free text a request carries (parameters, bodies and what
    they refer to), so a client, or a fuzzer, knows before it sends one."""
    schemas = document["components"]["schemas"]
    seen: set[str] = set()

    def mark(schema: Any) -> None:
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                mark(schemas[name])
            return
        if schema.get("type") == "string" and not {"pattern", "format", "enum", "const"} & schema.keys():
            schema["pattern"] = NO_NUL
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for part in schema.get(key, []):
                mark(part)
        for key in ("items", "additionalProperties"):
            mark(schema.get(key))
        for part in schema.get("properties", {}).values():
            mark(part)

    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                mark(parameter.get("schema"))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                mark(media.get("schema"))
