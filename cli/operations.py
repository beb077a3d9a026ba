"""`gmts trainee ...`, `gmts cohort ...`, `gmts audit ...`: the API's operations for administrators.

Generated from the API's own route table, so the CLI covers exactly what the API does: each command body's
fields become options (lists repeat the option; structured values take JSON). Calls go to the running API
(`--api`, GMTS_API_URL, or the configured host and port) with `--token`/GMTS_TOKEN, or with a token minted
locally for `--as SUBJECT --role ROLE` (the configured secret signs it). `--json` prints the API's answer.
"""

from __future__ import annotations

import functools
import json
import os
import re
import types
import typing
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import httpx
from pydantic import BaseModel

from api.app import COMMAND_ROUTES
from api.requests import body_model
from domain.actors import Role
from domain.commands import Command, EnrolTrainee

ROLES = [r.value for r in Role if r is not Role.SYSTEM]


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def connection(f: Any, *, trainee_token: bool = True) -> Any:
    """How a command reaches the API and whom it acts as. `trainee_token=False` for a command whose own
    `--trainee` option means something else (a filter): click would otherwise take one of the two silently."""
    f = click.option(
        "--api", "api_url", envvar="GMTS_API_URL", help="API base URL (default: configured host/port)."
    )(f)
    f = click.option(
        "--token", envvar="GMTS_TOKEN", help="A bearer token (default: mint one for --as/--role)."
    )(f)
    f = click.option("--as", "subject", default="admin-cli", show_default=True, help="Act as this subject.")(
        f
    )
    f = click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)(f)
    if trainee_token:
        f = click.option(
            "--trainee", "token_trainee_id", help="With --role trainee: the trainee id (default: --as)."
        )(f)
    return click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer.")(f)


def _client(kw: dict[str, Any]) -> httpx.Client:
    from api.auth import issue_token
    from config.settings import settings

    s = settings()
    token = kw.pop("token") or issue_token(
        s,
        kw.pop("subject"),
        Role(kw.pop("role")),
        trainee_id=kw.pop("token_trainee_id", None),
        ttl=timedelta(minutes=10),
    )
    for key in ("subject", "role", "token_trainee_id"):
        kw.pop(key, None)
    base = kw.pop("api_url") or os.environ.get("GMTS_API_URL") or f"http://{s.api_host}:{s.api_port}"
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _show(response: httpx.Response, as_json: bool) -> Any:
    if response.status_code >= 400:
        try:
            p = response.json()
            message = f"{response.status_code} {p.get('code')}: {p.get('detail')}"
        except ValueError:
            message = f"{response.status_code}: {response.text[:500]}"
        raise click.ClickException(message)
    data = response.json()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif isinstance(data, dict) and "version" in data and "progress" in data:
        p = data["progress"]
        click.echo(
            f"{data.get('trainee_id')}: {data['outcome']}, version {data['version']}, "
            f"progress {p['achieved']}/{p['applicable']} ({p['percent']}%)"
        )
    elif isinstance(data, list):
        click.echo(f"{len(data)} item(s); --json for all of them")
    else:
        click.echo(json.dumps(data, ensure_ascii=False)[:2000])
    return data


def _kind(annotation: Any) -> str:
    """How an option carries a field: "many" (repeat the option), "json" (structured), "int" or "text"."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _kind(args[0])
    if origin in (types.UnionType, typing.Union):
        return _kind(next(a for a in args if a is not type(None)))
    if origin in (tuple, list):
        item = args[0] if args else str
        return "json" if isinstance(item, type) and issubclass(item, BaseModel) else "many"
    if annotation is int:
        return "int"
    return "json" if isinstance(annotation, type) and issubclass(annotation, BaseModel) else "text"


def _body(values: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, kind in kinds.items():
        value = values.get(name)
        if value is None or value == ():
            continue
        body[name] = json.loads(value) if kind == "json" else list(value) if kind == "many" else value
    return body


def _command(path: str, command: type[Command], from_path: tuple[str, ...], summary: str) -> click.Command:
    model = body_model(command, from_path=from_path)
    kinds = {name: _kind(info.annotation) for name, info in model.model_fields.items()}

    def callback(trainee_id: str, **kw: Any) -> None:
        as_json, key = kw.pop("as_json"), kw.pop("idempotency_key")
        path_values = {p: kw.pop(p) for p in from_path}
        with _client(kw) as http:
            url = path.format(trainee_id=trainee_id, **path_values)
            headers = {"Idempotency-Key": key} if key else {}
            _show(http.post(url, json=_body(kw, kinds), headers=headers), as_json)

    cmd = click.Command(_kebab(command.__name__), callback=callback, help=summary)
    cmd.params.append(click.Argument(["trainee_id"]))
    cmd.params.extend(click.Argument([p]) for p in from_path)
    for name, info in model.model_fields.items():
        flag = "--" + name.replace("_", "-")
        help_text = {"many": "Repeat for several.", "json": "JSON."}.get(kinds[name])
        click.option(
            flag,
            name,
            type=click.INT if kinds[name] == "int" else None,
            multiple=kinds[name] == "many",
            required=info.is_required(),
            help=help_text,
        )(cmd)
    click.option(
        "--idempotency-key", help="Repeat with the same key: the first result, nothing written twice."
    )(cmd)
    connection(cmd)
    return cmd


@click.group()
def trainee() -> None:
    """A trainee's journey: enrol, commands, status, trail."""


for _path, _command_type, _from_path, _summary in COMMAND_ROUTES:
    trainee.add_command(_command(_path, _command_type, _from_path, _summary))


@trainee.command("enrol")
@click.option("--trainee-id", required=True)
@click.option("--name", required=True)
@click.option("--specialism", default="general-management", show_default=True)
@click.option("--cohort", required=True)
@click.option("--scheme-start", required=True, help="YYYY-MM-DD")
@click.option("--scheme-end", required=True, help="YYYY-MM-DD")
@click.option("--programme-manager-id", required=True)
@connection
def enrol(**kw: Any) -> None:
    """Enrol a trainee on the Scheme."""
    as_json = kw.pop("as_json")
    body = {k: kw.pop(k) for k in list(kw) if k in EnrolTrainee.model_fields}
    with _client(kw) as http:
        _show(http.post("/trainees", json=body), as_json)


@trainee.command("status")
@click.argument("trainee_id")
@click.option("--as-of", help="An instant (ISO 8601 with a time zone): what the record said then.")
@connection
def status(trainee_id: str, as_of: str | None, **kw: Any) -> None:
    """The trainee's status, replayed from their events."""
    as_json = kw.pop("as_json")
    with _client(kw) as http:
        _show(http.get(f"/trainees/{trainee_id}/status", params={"as_of": as_of} if as_of else {}), as_json)


@trainee.command("events")
@click.argument("trainee_id")
@connection
def events(trainee_id: str, **kw: Any) -> None:
    """The trainee's audit trail."""
    as_json = kw.pop("as_json")
    with _client(kw) as http:
        _show(http.get(f"/trainees/{trainee_id}/events"), as_json)


@click.group()
def cohort() -> None:
    """Cohorts: import from CSV, progress."""


@cohort.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@connection
def import_cohort(csv_file: Path, **kw: Any) -> None:
    """Enrol a cohort from CSV (trainee_id,name,specialism,cohort,scheme_start,scheme_end,programme_manager_id)."""
    as_json = kw.pop("as_json")
    with _client(kw) as http:
        _show(http.post("/cohorts/import", files={"file": (csv_file.name, csv_file.read_bytes())}), as_json)


@cohort.command("progress")
@click.argument("cohort_name")
@connection
def progress(cohort_name: str, **kw: Any) -> None:
    """Every trainee's progress in a cohort (read model)."""
    as_json = kw.pop("as_json")
    with _client(kw) as http:
        _show(http.get(f"/cohorts/{cohort_name}/progress"), as_json)


@click.group()
def audit() -> None:
    """The audit trail across trainees."""


@audit.command("events")
@click.option("--actor")
@click.option("--type", "type_")
@click.option("--competency")
@click.option("--trainee", "trainee_filter", help="A trainee's events only.")
@click.option("--recorded-from", help="Recorded at or after this instant (ISO 8601 with a time zone).")
@click.option("--recorded-to", help="Recorded before this instant (ISO 8601 with a time zone).")
@click.option("--limit", type=int, help="Events per page (the API's default 100, at most 500).")
@click.option("--after", type=int, default=0)
@functools.partial(connection, trainee_token=False)  # an auditor's token names no trainee
def audit_events(
    actor: str | None,
    type_: str | None,
    competency: str | None,
    trainee_filter: str | None,
    recorded_from: str | None,
    recorded_to: str | None,
    limit: int | None,
    after: int,
    **kw: Any,
) -> None:
    """Events by actor, type, competency, trainee and recorded time (one page; --after for the next)."""
    as_json = kw.pop("as_json")
    params = {
        k: v
        for k, v in {
            "actor": actor,
            "type": type_,
            "competency": competency,
            "trainee": trainee_filter,
            "recorded_from": recorded_from,
            "recorded_to": recorded_to,
            "limit": limit,
        }.items()
        if v
    }
    with _client(kw) as http:
        _show(http.get("/audit/events", params={**params, "after": after}), as_json)
