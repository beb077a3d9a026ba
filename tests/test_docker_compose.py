"""docker-compose.yml and the Dockerfile, checked against the code they deploy.

No Docker engine runs where these tests run, so the files are parsed (YAML anchors and merge keys expanded,
`${VAR}` interpolated as compose does) and each fact a deployment relies on is compared with the code it must
agree with: the `gmts` commands (cli.main), the GMTS_ settings (config.settings.Settings), the packages
pyproject.toml installs, the API's routes.

Each check is a function returning the problems it finds. It runs on the real files, where it must find none,
and on copies with one fault put in (MUTANTS), where it must find a problem the real files do not have: so no
check can pass by checking nothing.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import shlex
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest
import yaml

from cli.main import main as gmts
from config.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())
PREFIX = Settings.model_config.get("env_prefix") or ""

# The service's own processes: compose service -> the `gmts` command it runs.
PROCESSES = {"migrate": "migrate", "worker": "worker", "projector": "projector", "api": "api"}
LONG_RUNNING = ("worker", "projector", "api")

# Settings a deployment must set, and which processes read them. Every field whose default is None must be here
# or in OPTIONAL_IN_DEPLOYMENT, so a new such setting cannot be forgotten here.
DEPLOYMENT_NEEDS: dict[str, tuple[str, ...]] = {
    # Unset: each container would start its own embedded PostgreSQL, in its own filesystem.
    "database_url": ("migrate", "worker", "projector", "api"),
    # Unset: each container would start its own Temporal dev server. `migrate` never connects to Temporal.
    "temporal_address": LONG_RUNNING,
    # Unset: each API container generates its own secret, so one replica's tokens fail at another.
    "jwt_secret": ("api",),
    # The worker posts graduation records: empty sends them nowhere, the default secret is public.
    "hr_webhook_urls": ("worker",),
    "hr_webhook_secret": ("worker",),
}
OPTIONAL_IN_DEPLOYMENT = {"jwt_public_key", "jwt_private_key"}  # RS256 only; the deployment uses HS256

# Set in compose from the environment, never committed.
REQUIRED_FROM_ENV = ("POSTGRES_PASSWORD", "GMTS_JWT_SECRET", "GMTS_HR_WEBHOOK_URLS", "GMTS_HR_WEBHOOK_SECRET")
SAMPLE_ENV = {
    "POSTGRES_PASSWORD": "pg-pass",
    "GMTS_JWT_SECRET": "jwt-secret",
    "GMTS_HR_WEBHOOK_URLS": "https://hr.example/graduations",
    "GMTS_HR_WEBHOOK_SECRET": "hr-secret",
}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PWD|TOKEN|PRIVATE_KEY", re.IGNORECASE)
REQUIRED_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}")
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
TEMPORAL_FRONTEND_PORT = "7233"  # auto-setup's default FRONTEND_GRPC_PORT
TEMPORAL_DATABASES = {"DBNAME": "temporal", "VISIBILITY_DBNAME": "temporal_visibility"}  # auto-setup defaults


# --- reading the files ---------------------------------------------------------------------------------------


@dataclass
class Deployment:
    compose: dict[str, Any]
    dockerfile: str

    def copy(self) -> Deployment:
        return Deployment(copy.deepcopy(self.compose), self.dockerfile)


@cache
def _parsed() -> Deployment:
    # The safe loader expands aliases and `<<` merge keys; libyaml's parser where PyYAML has it (10x faster).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    compose = yaml.load((ROOT / "docker-compose.yml").read_text(), Loader=loader)
    assert isinstance(compose, dict), "docker-compose.yml is not a mapping"
    return Deployment(compose, (ROOT / "Dockerfile").read_text())


def real() -> Deployment:
    """The files as they are (a fresh copy each time: the mutations below edit theirs)."""
    return _parsed().copy()


class MissingVariable(Exception):
    pass


_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})"
)


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """`$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+x}`."""

    def one(m: re.Match[str]) -> str:
        if m["escaped"]:
            return "$"
        name = m["bare"] or m["name"]
        op, arg = m["op"] or "", m["arg"] or ""
        present = name in env and (env[name] != "" or not op.startswith(":"))
        if op.endswith("-"):
            return env[name] if present else arg
        if op.endswith("?"):
            if not present:
                raise MissingVariable(f"{name}: {arg}")
            return env[name]
        if op.endswith("+"):
            return arg if present else ""
        return env.get(name, "")

    return _INTERPOLATION.sub(one, value)


def resolve(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {k: resolve(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, env) for v in node]
    return node


def resolved(d: Deployment, **extra: str) -> dict[str, Any]:
    compose: dict[str, Any] = resolve(d.compose, {**SAMPLE_ENV, **extra})
    return compose


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def services_of(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose.get("services") or {}
    return services


def _scalar(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def env_of(service: Mapping[str, Any]) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = [str(item).split("=", 1) for item in env]
        return {p[0]: p[1] if len(p) == 2 else None for p in pairs}
    return {str(k): None if v is None else _scalar(v) for k, v in env.items()}


def depends_of(service: Mapping[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def replicas_of(service: Mapping[str, Any]) -> int:
    return int((service.get("deploy") or {}).get("replicas", service.get("scale", 1)))


@dataclass(frozen=True)
class Port:
    host_ip: str | None
    published: str | None
    target: int


def ports_of(service: Mapping[str, Any]) -> list[Port]:
    ports = []
    for p in service.get("ports") or []:
        if isinstance(p, dict):
            published = p.get("published")
            ports.append(
                Port(p.get("host_ip"), None if published is None else str(published), int(p["target"]))
            )
        else:
            parts = str(p).split("/")[0].rsplit(":", 2)
            ports.append(
                Port(
                    parts[0] if len(parts) == 3 else None,
                    parts[-2] if len(parts) >= 2 else None,
                    int(parts[-1]),
                )
            )
    return ports


def healthcheck_of(service: Mapping[str, Any]) -> str | None:
    check = service.get("healthcheck") or {}
    test = check.get("test")
    if check.get("disable") or not test or test == ["NONE"]:
        return None
    return " ".join(map(str, test)) if isinstance(test, list) else str(test)


def built_here(service: Mapping[str, Any]) -> bool:
    build = service.get("build")
    if build is None:
        return False
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    return (ROOT / context).resolve() == ROOT and dockerfile == "Dockerfile"


def gmts_services(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run this repository's image: built from its Dockerfile, or by that image's name."""
    services = services_of(compose)
    images = {s.get("image") for s in services.values() if built_here(s)} - {None}
    return {n: s for n, s in services.items() if built_here(s) or s.get("image") in images}


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def dockerfile_stages(text: str) -> list[list[Instruction]]:
    """Instructions per stage (FROM first), line continuations joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    if pending:
        lines.append(pending)
    stages: list[list[Instruction]] = []
    for line in lines:
        keyword, _, args = line.partition(" ")
        instruction = Instruction(keyword.upper(), args.strip())
        if instruction.keyword == "FROM":
            stages.append([])
        if stages:  # an ARG before the first FROM belongs to no stage
            stages[-1].append(instruction)
    return stages


def stage_name(stage: list[Instruction]) -> str | None:
    words = stage[0].args.split()
    return words[2] if len(words) == 3 and words[1].upper() == "AS" else None


def exec_form(instruction: Instruction) -> list[str] | None:
    try:
        value = json.loads(instruction.args)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def last(stage: list[Instruction], keyword: str) -> Instruction | None:
    return next((i for i in reversed(stage) if i.keyword == keyword), None)


def copy_sources(instruction: Instruction) -> list[str]:
    words = [w for w in shlex.split(instruction.args) if not w.startswith("--")]
    return [w.rstrip("/").removeprefix("./") or "." for w in words[:-1]]


PIP_INSTALL_PROJECT = re.compile(r"\bpip3? install\b(?:\s+--?[\w-]+(?:=\S+)?)*\s+\.(?:\s|$)")


def installs_project(instruction: Instruction) -> bool:
    return (
        instruction.keyword == "RUN"
        and PIP_INSTALL_PROJECT.search(instruction.args) is not None
        and not re.search(r"\s(-e|--editable)\b", instruction.args)
    )


def packages() -> set[str]:
    """Top-level packages setuptools installs ([tool.setuptools.packages.find] include)."""
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    return {pattern.rstrip("*").rstrip(".") for pattern in include}


def check_command(args: list[str]) -> str | None:
    """Why `gmts ARGS` is not a command that runs (None if it is)."""
    if not args:
        return "runs no command"
    command = gmts.commands.get(args[0])
    if command is None:
        return f"runs `gmts {args[0]}`, which cli.main does not define (it has: {', '.join(sorted(gmts.commands))})"
    if isinstance(command, click.Group):
        return f"runs `gmts {args[0]}`, a group that needs a subcommand"
    if args[0] == "start":
        return "runs `gmts start`, which embeds its own PostgreSQL and Temporal: not for compose"
    try:
        command.make_context(args[0], list(args[1:]))
    except (click.ClickException, click.exceptions.Exit) as exc:
        return f"runs `gmts {' '.join(args)}`, which click refuses: {exc}"
    return None


def get_routes() -> set[str]:
    """GET paths declared in api/app.py (read, not imported: importing the API takes a second)."""
    tree = ast.parse((ROOT / "api" / "app.py").read_text())
    return {
        call.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for call in node.decorator_list
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "get"
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    }


def api_port(service: Mapping[str, Any]) -> int:
    port = env_of(service).get(f"{PREFIX}API_PORT")
    return int(port) if port else Settings.model_fields["api_port"].default


def dockerfile_cmd(d: Deployment) -> list[str]:
    cmd = last(dockerfile_stages(d.dockerfile)[-1], "CMD")
    return (exec_form(cmd) or []) if cmd else []


def command_of(service: Mapping[str, Any], d: Deployment) -> list[str]:
    command = service.get("command")
    if command is None:
        return dockerfile_cmd(d)
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


# --- the checks ----------------------------------------------------------------------------------------------


def commands(d: Deployment) -> Iterator[str]:
    """Every process built from the Dockerfile runs a real, leaf `gmts` command with arguments click accepts,
    and each of the service's processes (PROCESSES) is there running its command."""
    compose = resolved(d)
    ours = gmts_services(compose)
    for name, service in ours.items():
        entrypoint = service.get("entrypoint")
        if entrypoint not in (None, "gmts", ["gmts"]):
            yield f"{name}: overrides the entrypoint ({entrypoint!r}); the image's is gmts"
        problem = check_command(command_of(service, d))
        if problem:
            yield f"{name}: {problem}"
    for name, command in PROCESSES.items():
        if name not in ours:
            yield f"no service {name!r} built from the Dockerfile (to run `gmts {command}`)"
        elif command_of(ours[name], d)[:1] != [command]:
            yield f"{name}: runs {command_of(ours[name], d)}, not `gmts {command}`"


def gmts_variables(d: Deployment) -> Iterator[str]:
    """Every GMTS_ variable set in compose is a Settings field (GMTS_X -> x), and each service's values are valid
    settings."""
    for name, service in gmts_services(resolved(d)).items():
        values: dict[str, Any] = {}
        for key, value in env_of(service).items():
            if not key.startswith(PREFIX):
                continue
            field = key[len(PREFIX) :].lower()
            if field not in Settings.model_fields:
                yield f"{name}: {key} is not a setting (config.settings.Settings has no field {field!r})"
            elif value is not None:
                values[field] = value
        try:
            Settings(_env_file=None, **values)
        except ValueError as exc:
            yield f"{name}: invalid settings: {exc}"


def deployment_settings(d: Deployment) -> Iterator[str]:
    """Each setting a deployment needs (no safe default) is set, not empty, for each process that reads it."""
    fields = Settings.model_fields
    for field in [*DEPLOYMENT_NEEDS, *OPTIONAL_IN_DEPLOYMENT]:
        if field not in fields:
            yield f"{field} is not a field of Settings any more: update this test"
    for field in sorted(f for f, info in fields.items() if info.default is None):
        if field not in DEPLOYMENT_NEEDS and field not in OPTIONAL_IN_DEPLOYMENT:
            yield f"Settings.{field} defaults to None: say in DEPLOYMENT_NEEDS whether compose must set it"
    ours = gmts_services(resolved(d))
    for field, readers in DEPLOYMENT_NEEDS.items():
        for name in readers:
            if name in ours and not env_of(ours[name]).get(PREFIX + field.upper()):
                yield f"{name}: {PREFIX}{field.upper()} is not set (Settings.{field} has no safe default)"


def scaling(d: Deployment) -> Iterator[str]:
    """The worker runs as several replicas (nothing that pins it to one container); the projector as one."""
    services = services_of(resolved(d))
    worker = services.get("worker", {})
    if replicas_of(worker) <= 1:
        yield f"worker: {replicas_of(worker)} replica(s); a deployment runs several"
    if "container_name" in worker:
        yield "worker: container_name allows only one container"
    if any(p.published for p in ports_of(worker)):
        yield "worker: a fixed published port allows only one container per host"
    if replicas_of(services.get("projector", {})) != 1:
        yield f"projector: {replicas_of(services.get('projector', {}))} replicas; it follows the log as one"


def worker_shutdown_timeout() -> float | None:
    """The N of `asyncio.wait_for(worker.shutdown(), timeout=N)` in runtime/stack.py."""
    for node in ast.walk(ast.parse((ROOT / "runtime" / "stack.py").read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "wait_for"
            and node.args
            and "shutdown" in ast.unparse(node.args[0])
        ):
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg == "timeout"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, int | float)
                ):
                    return float(value.value)
    return None


def seconds(duration: Any) -> float:
    """A compose duration (40s, 1m30s, 500ms) in seconds; compose's default stop grace period when unset."""
    units = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    if duration is None:
        return 10.0
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", str(duration)))


def shutdown(d: Deployment) -> Iterator[str]:
    """Compose gives the worker longer to stop than the stack waits for in-flight tasks (runtime/stack.py), so
    a deploy does not SIGKILL activities half done."""
    timeout = worker_shutdown_timeout()
    if timeout is None:
        yield "runtime/stack.py: no `asyncio.wait_for(worker.shutdown(), timeout=N)` found: update this test"
        return
    grace = services_of(resolved(d)).get("worker", {}).get("stop_grace_period")
    if seconds(grace) <= timeout:
        yield f"worker: stop_grace_period {grace or '10s (default)'} is not above the {timeout:g} s shutdown"


def api_listens(d: Deployment) -> Iterator[str]:
    """The API binds 0.0.0.0 on the port GMTS_API_PORT (or Settings.api_port) names, compose publishes that port,
    the image exposes it, and its healthcheck asks a GET route of the API on it."""
    api = services_of(resolved(d)).get("api", {})
    host = env_of(api).get(f"{PREFIX}API_HOST") or Settings.model_fields["api_host"].default
    if host != "0.0.0.0":
        yield f"api: listens on {host}, unreachable from outside its container (set {PREFIX}API_HOST=0.0.0.0)"
    port = api_port(api)
    published = [p for p in ports_of(api) if p.target == port and p.published]
    if not published:
        yield f"api: port {port} (where it listens) is not published: {ports_of(api)}"
    for p in ports_of(api):
        if p.target != port:
            yield f"api: publishes container port {p.target}, but the API listens on {port}"
    exposed = {
        int(w.split("/")[0])
        for i in dockerfile_stages(d.dockerfile)[-1]
        if i.keyword == "EXPOSE"
        for w in i.args.split()
    }
    if port not in exposed:
        yield f"Dockerfile: EXPOSE {sorted(exposed)} does not include the API port {port}"
    health = healthcheck_of(api)
    if health:
        m = re.search(r"https?://(?:127\.0\.0\.1|localhost):(\d+)(/[^'\"\s)]*)", health)
        if not m:
            yield f"api: healthcheck {health!r} names no local URL"
        else:
            if int(m[1]) != port:
                yield f"api: healthcheck asks port {m[1]}, the API listens on {port}"
            if m[2] not in get_routes():
                yield f"api: healthcheck asks {m[2]}, which is no GET route of api/app.py"


def dependencies(d: Deployment) -> Iterator[str]:
    """depends_on is sound: every dependency is defined, none is on itself, no cycle, known conditions, healthy
    only of what has a healthcheck, completed only of a one-shot; each process waits for what it connects to,
    and the service's long-running processes for the migration."""
    compose = resolved(d)
    services = services_of(compose)
    graph = {name: depends_of(s) for name, s in services.items()}
    for name, deps in graph.items():
        for dep, condition in deps.items():
            if dep == name:
                yield f"{name}: depends on itself"
            elif dep not in services:
                yield f"{name}: depends on {dep!r}, which is not a service"
            elif condition not in CONDITIONS:
                yield f"{name}: unknown condition {condition!r} on {dep}"
            elif condition == "service_healthy" and healthcheck_of(services[dep]) is None:
                yield f"{name}: waits for {dep} to be healthy, but {dep} has no healthcheck"
            elif condition == "service_completed_successfully" and services[dep].get("restart") not in (
                None,
                "no",
            ):
                yield f"{name}: waits for {dep} to complete, but {dep} restarts ({services[dep]['restart']})"
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> Iterator[str]:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            yield f"dependency cycle: {' -> '.join([*path[path.index(name) :], name])}"
            return
        state[name] = "visiting"
        for dep in graph.get(name, {}):
            if dep in graph and dep != name:
                yield from visit(dep, [*path, name])
        state[name] = "done"

    for name in graph:
        yield from visit(name, [])
    for name, service in services.items():
        env = env_of(service)
        targets = {
            env.get("POSTGRES_SEEDS"),
            (env.get("TEMPORAL_ADDRESS") or "").rpartition(":")[0] or None,
            # GMTS_ settings count for the processes that read them (migrate never connects to Temporal).
            urlsplit(env.get(f"{PREFIX}DATABASE_URL") or "").hostname
            if name in DEPLOYMENT_NEEDS["database_url"]
            else None,
            (env.get(f"{PREFIX}TEMPORAL_ADDRESS") or "").rpartition(":")[0] or None
            if name in DEPLOYMENT_NEEDS["temporal_address"]
            else None,
        } - {None, name}
        for target in sorted(t for t in targets if t in services):
            if target not in graph[name]:
                yield f"{name}: connects to {target} but does not depend on it"
            elif healthcheck_of(services[target]) and graph[name][target] != "service_healthy":
                yield f"{name}: waits for {target} with {graph[name][target]}, not service_healthy"
    for name in LONG_RUNNING:
        if graph.get(name, {}).get("migrate") != "service_completed_successfully":
            yield f"{name}: does not wait for migrate to complete successfully"


def secrets(d: Deployment) -> Iterator[str]:
    """No secret is committed: each secret-named variable and each password in a URL is `${VAR:?message}`
    (required, no default), and compose refuses to start without each of REQUIRED_FROM_ENV."""
    for name, service in services_of(d.compose).items():
        for key, value in env_of(service).items():
            if value is None:
                continue
            if SECRET_NAME.search(key) and not REQUIRED_REF.fullmatch(value):
                yield f"{name}: {key} is {value!r}, not a required ${{VAR:?...}} reference"
            m = re.search(r"://[^/@:]*:(?P<password>.*)@[^@]*$", value)
            if m and not REQUIRED_REF.fullmatch(m["password"]):
                yield f"{name}: {key} has the password {m['password']!r} in its URL, not a required reference"
    for var in REQUIRED_FROM_ENV:
        for ref in re.findall(rf"\$\{{{var}(?:[:?+-][^}}]*)?\}}|\${var}\b", "\n".join(strings(d.compose))):
            if not REQUIRED_REF.fullmatch(ref):
                yield f"{ref}: compose would start without {var}"
        env = {k: v for k, v in SAMPLE_ENV.items() if k != var}
        try:
            resolve(d.compose, env)
        except MissingVariable:
            continue
        yield f"compose starts without {var}: nothing requires it"


def temporal(d: Deployment) -> Iterator[str]:
    """GMTS_TEMPORAL_ADDRESS is the Temporal service's name and frontend port, the same the UI and the server's
    own CLI use; auto-setup registers the namespace the service uses (also when it is overridden)."""
    for extra in ({}, {f"{PREFIX}TEMPORAL_NAMESPACE": "journeys"}):
        services = services_of(resolved(d, **extra))
        ours = gmts_services(resolved(d, **extra))
        addresses = {env_of(s).get(f"{PREFIX}TEMPORAL_ADDRESS") for n, s in ours.items() if n in LONG_RUNNING}
        if len(addresses) != 1 or None in addresses:
            yield f"the processes name different (or no) Temporal addresses: {addresses}"
            return
        address = str(addresses.pop())
        host, _, port = address.rpartition(":")
        server = services.get(host)
        if server is None or not str(server.get("image", "")).startswith("temporalio/auto-setup"):
            yield f"{PREFIX}TEMPORAL_ADDRESS {address}: {host!r} is not the Temporal (auto-setup) service"
            return
        env = env_of(server)
        if port != env.get("FRONTEND_GRPC_PORT", TEMPORAL_FRONTEND_PORT):
            yield f"{PREFIX}TEMPORAL_ADDRESS {address}: Temporal's frontend listens on {TEMPORAL_FRONTEND_PORT}"
        if env.get("TEMPORAL_ADDRESS", address) != address:
            yield f"{host}: TEMPORAL_ADDRESS {env['TEMPORAL_ADDRESS']} differs from the service's {address}"
        for name, service in services.items():
            if str(service.get("image", "")).startswith("temporalio/ui") and (
                env_of(service).get("TEMPORAL_ADDRESS") != address
            ):
                yield f"{name}: TEMPORAL_ADDRESS {env_of(service).get('TEMPORAL_ADDRESS')} is not {address}"
        namespaces = {
            env_of(s).get(f"{PREFIX}TEMPORAL_NAMESPACE")
            or Settings.model_fields["temporal_namespace"].default
            for s in ours.values()
        }
        registered = env.get("DEFAULT_NAMESPACE") or "default"
        if namespaces != {registered}:
            yield f"with {extra or 'no overrides'}: Temporal registers {registered!r}, the service uses {namespaces}"


def databases(d: Deployment) -> Iterator[str]:
    """GMTS_DATABASE_URL names the PostgreSQL service, its user, password and a database it creates, apart from
    Temporal's own; Temporal (DB=postgres12) uses the same server and credentials; PostgreSQL keeps its data in a
    volume and has a pg_isready healthcheck."""
    services = services_of(resolved(d))
    urls = {env_of(s).get(f"{PREFIX}DATABASE_URL") for s in gmts_services(resolved(d)).values()}
    if len(urls) != 1 or None in urls:
        yield f"the processes name different (or no) event store databases: {urls}"
        return
    url = urlsplit(str(urls.pop()))
    host = url.hostname or ""
    pg = services.get(host)
    if pg is None or not str(pg.get("image", "")).startswith("postgres"):
        yield f"{PREFIX}DATABASE_URL: {host!r} is not the PostgreSQL service"
        return
    pg_env = env_of(pg)
    user = pg_env.get("POSTGRES_USER") or "postgres"
    if url.scheme not in ("postgresql", "postgres"):
        yield f"{PREFIX}DATABASE_URL: scheme {url.scheme!r} is not postgresql"
    if (url.port or 5432) != 5432:
        yield f"{PREFIX}DATABASE_URL: port {url.port}, PostgreSQL listens on 5432"
    if url.username != user or url.password != pg_env.get("POSTGRES_PASSWORD"):
        yield f"{PREFIX}DATABASE_URL: user or password differ from the PostgreSQL service's"
    database = url.path.lstrip("/")
    created = {pg_env.get("POSTGRES_DB") or user}
    for volume in pg.get("volumes") or []:
        source, _, target = str(volume).partition(":")
        if target.startswith("/docker-entrypoint-initdb.d") and (ROOT / source).is_file():
            created |= set(re.findall(r"CREATE DATABASE\s+\"?(\w+)", (ROOT / source).read_text(), re.I))
    if database not in created:
        yield f"{PREFIX}DATABASE_URL: database {database!r} is not created by {host} (it creates {created})"
    for name, service in services.items():
        env = env_of(service)
        if env.get("POSTGRES_SEEDS") is None:
            continue
        if env.get("DB") != "postgres12":
            yield f"{name}: DB={env.get('DB')}, not postgres12"
        if (env.get("POSTGRES_SEEDS"), env.get("DB_PORT")) != (host, "5432"):
            yield f"{name}: POSTGRES_SEEDS/DB_PORT {env.get('POSTGRES_SEEDS')}:{env.get('DB_PORT')} is not {host}:5432"
        if (env.get("POSTGRES_USER"), env.get("POSTGRES_PWD")) != (user, pg_env.get("POSTGRES_PASSWORD")):
            yield f"{name}: POSTGRES_USER/POSTGRES_PWD differ from the PostgreSQL service's"
        theirs = {env.get(k) or default for k, default in TEMPORAL_DATABASES.items()}
        if database in theirs:
            yield f"the event store's database {database!r} is one of Temporal's own ({theirs})"
    if not any(
        str(v).split(":")[-1].rstrip("/") == "/var/lib/postgresql/data" for v in pg.get("volumes") or []
    ):
        yield f"{host}: /var/lib/postgresql/data is in no volume: the data dies with the container"
    if "pg_isready" not in (healthcheck_of(pg) or ""):
        yield f"{host}: no pg_isready healthcheck"


def compose_format(d: Deployment) -> Iterator[str]:
    """Compose specification: no `version:`; every service has an image or a build; ports are quoted strings (YAML
    1.1 reads an unquoted 22:22 as a number)."""
    if "version" in d.compose:
        yield "the compose specification has no `version:` key (obsolete)"
    for name, service in services_of(d.compose).items():
        if "image" not in service and "build" not in service:
            yield f"{name}: neither image nor build"
        for p in service.get("ports") or []:
            if not isinstance(p, str | dict):
                yield f"{name}: port {p!r} is not a quoted string"


def dockerfile_image(d: Deployment) -> Iterator[str]:
    """python:3.11-slim based; installs the project (`pip install .`, not editable) into what the final stage runs;
    ENTRYPOINT ["gmts"] (the console script pyproject declares) on the PATH; CMD a real command; a non-root user."""
    stages = dockerfile_stages(d.dockerfile)
    if not stages:
        yield "Dockerfile: no FROM"
        return
    names = {stage_name(s) for s in stages} - {None}
    for stage in stages:
        image = stage[0].args.split()[0]
        if image not in names and not image.startswith("python:3.11-slim"):
            yield f"Dockerfile: FROM {image}, not python:3.11-slim"
    final = stages[-1]
    installing = [s for s in stages if any(installs_project(i) for i in s)]
    if not installing:
        yield "Dockerfile: no stage runs `pip install .`"
    elif not any(s is final for s in installing):
        copied_from = {
            i.args.split()[0].removeprefix("--from="): copy_sources(i)
            for i in final
            if i.keyword == "COPY" and i.args.startswith("--from=")
        }
        source = next((copied_from[n] for n in map(stage_name, installing) if n in copied_from), None)
        if source is None:
            yield "Dockerfile: the final stage neither installs the project nor copies it from the stage that does"
        else:
            path = " ".join(i.args for i in final if i.keyword == "ENV")
            if not any(f"{s}/bin" in path for s in source):
                yield f"Dockerfile: {source} (copied from the install stage) has no bin/ on the final stage's PATH"
    if PYPROJECT["project"]["scripts"].get("gmts") != "cli.main:main":
        yield "pyproject.toml: the gmts console script is not cli.main:main"
    entrypoint = last(final, "ENTRYPOINT")
    if entrypoint is None or exec_form(entrypoint) != ["gmts"]:
        yield f'Dockerfile: ENTRYPOINT is {entrypoint and entrypoint.args}, not ["gmts"] (exec form)'
    cmd = last(final, "CMD")
    if cmd is None or exec_form(cmd) is None:
        yield "Dockerfile: no CMD in exec form"
    else:
        problem = check_command(exec_form(cmd) or [])
        if problem:
            yield f"Dockerfile: CMD {problem}"
    user = last(final, "USER")
    if user is None or user.args.split(":")[0] in ("root", "0"):
        yield f"Dockerfile: the final stage runs as {user.args if user else 'root'}"


def dockerfile_build(d: Deployment) -> Iterator[str]:
    """The install stage copies pyproject.toml and installs the dependencies before it copies the code (so a code
    change does not reinstall them), then exactly what setuptools packages: every package pyproject.toml includes,
    and its readme; every copied path exists."""
    stages = [s for s in dockerfile_stages(d.dockerfile) if any(installs_project(i) for i in s)]
    if not stages:
        yield "Dockerfile: no stage runs `pip install .`"
        return
    stage = stages[0]
    copies = [
        (n, copy_sources(i)) for n, i in enumerate(stage) if i.keyword == "COPY" and "--from" not in i.args
    ]
    copied = {source for _, sources in copies for source in sources}
    needed = packages() | {"pyproject.toml", PYPROJECT["project"]["readme"]}
    for path in sorted(needed - copied):
        yield f"Dockerfile: does not copy {path} (setuptools needs it)"
    for path in sorted(copied - needed):
        yield f"Dockerfile: copies {path}, which the package does not need (it only busts the cache)"
    for path in sorted(copied):
        if not (ROOT / path).exists():
            yield f"Dockerfile: copies {path}, which does not exist"
    first_pyproject = min((n for n, s in copies if "pyproject.toml" in s), default=None)
    first_code = min((n for n, s in copies if set(s) - {"pyproject.toml"}), default=None)
    deps = [n for n, i in enumerate(stage) if i.keyword == "RUN" and re.search(r"\bpip3? install\b", i.args)]
    if (
        first_pyproject is None
        or first_code is None
        or not any(first_pyproject < n < first_code for n in deps)
    ):
        yield "Dockerfile: the dependencies are not installed from pyproject.toml before the code is copied"


CHECKS: dict[str, Callable[[Deployment], Iterator[str]]] = {
    check.__name__: check
    for check in (
        commands,
        gmts_variables,
        deployment_settings,
        scaling,
        shutdown,
        api_listens,
        dependencies,
        secrets,
        temporal,
        databases,
        compose_format,
        dockerfile_image,
        dockerfile_build,
    )
}


@pytest.mark.parametrize("name", CHECKS)
def test_the_deployment_agrees_with_the_code(name: str) -> None:
    problems = list(CHECKS[name](real()))
    assert not problems, f"{CHECKS[name].__doc__}\n" + "\n".join(problems)


# --- one fault each, to show each check finds what it is for ------------------------------------------------


Mutation = Callable[[Deployment], None]


def service(name: str, key: str, value: Any) -> Mutation:
    def mutate(d: Deployment) -> None:
        d.compose["services"][name][key] = value

    return mutate


def env(name: str, key: str, value: str | None) -> Mutation:
    """Set (or with None remove) one variable of one service, leaving the shared anchor as it was."""

    def mutate(d: Deployment) -> None:
        s = d.compose["services"][name]
        s["environment"] = {k: v for k, v in s["environment"].items() if k != key}
        if value is not None:
            s["environment"][key] = value

    return mutate


def env_all(key: str, value: str) -> Mutation:
    """Set one variable in every service that sets it (as an edit of the anchor would)."""

    def mutate(d: Deployment) -> None:
        for s in d.compose["services"].values():
            if key in (s.get("environment") or {}):
                s["environment"] = {**s["environment"], key: value}

    return mutate


def remove(name: str) -> Mutation:
    def mutate(d: Deployment) -> None:
        del d.compose["services"][name]

    return mutate


def drop(name: str, key: str) -> Mutation:
    def mutate(d: Deployment) -> None:
        del d.compose["services"][name][key]

    return mutate


def depends(name: str, **conditions: str | None) -> Mutation:
    """Set (or with None remove) dependencies of one service; temporal_ui means temporal-ui."""
    wanted = {dep.replace("_", "-"): condition for dep, condition in conditions.items()}

    def mutate(d: Deployment) -> None:
        s = d.compose["services"][name]
        s["depends_on"] = {k: v for k, v in (s.get("depends_on") or {}).items() if k not in wanted}
        s["depends_on"].update({k: {"condition": c} for k, c in wanted.items() if c is not None})

    return mutate


def dockerfile(old: str, new: str) -> Mutation:
    def mutate(d: Deployment) -> None:
        assert old in d.dockerfile, f"the mutation no longer applies: {old!r} is not in the Dockerfile"
        d.dockerfile = d.dockerfile.replace(old, new)

    return mutate


def top(key: str, value: Any) -> Mutation:
    def mutate(d: Deployment) -> None:
        d.compose[key] = value

    return mutate


def just_the_timeout() -> str:
    return f"{worker_shutdown_timeout():g}s"


PG = "postgresql://gmts:${POSTGRES_PASSWORD:?x}@postgres:5432"
MUTANTS: list[tuple[str, str, Mutation]] = [
    ("commands", "a misspelt command", service("worker", "command", ["wroker"])),
    ("commands", "the all-in-one command", service("projector", "command", ["start"])),
    ("commands", "an option the command lacks", service("api", "command", ["api", "--port", "1"])),
    ("commands", "a group without its subcommand", service("migrate", "command", "projections")),
    ("commands", "another entrypoint", service("worker", "entrypoint", ["python"])),
    ("commands", "a process missing", remove("projector")),
    ("gmts_variables", "a misspelt setting", env("worker", "GMTS_TEMPORAL_ADRESS", "temporal:7233")),
    ("gmts_variables", "a port that is no number", env("api", "GMTS_API_PORT", "eighty")),
    ("gmts_variables", "an algorithm Settings refuses", env("worker", "GMTS_JWT_ALGORITHM", "none")),
    ("deployment_settings", "no database URL", env("migrate", "GMTS_DATABASE_URL", None)),
    ("deployment_settings", "no Temporal address", env("projector", "GMTS_TEMPORAL_ADDRESS", None)),
    ("deployment_settings", "an empty JWT secret", env("api", "GMTS_JWT_SECRET", "")),
    ("deployment_settings", "no HR endpoints", env("worker", "GMTS_HR_WEBHOOK_URLS", None)),
    ("scaling", "one worker", service("worker", "deploy", {"replicas": 1})),
    ("scaling", "a named worker container", service("worker", "container_name", "worker")),
    ("scaling", "a worker on a fixed host port", service("worker", "ports", ["9000:9000"])),
    ("scaling", "two projectors", service("projector", "deploy", {"replicas": 2})),
    ("shutdown", "compose's default 10 s", drop("worker", "stop_grace_period")),
    (
        "shutdown",
        "as long as the stack waits",
        lambda d: service("worker", "stop_grace_period", just_the_timeout())(d),
    ),
    ("api_listens", "the API on loopback", env("api", "GMTS_API_HOST", "127.0.0.1")),
    ("api_listens", "another port published", service("api", "ports", ["8001:8001"])),
    ("api_listens", "the API moved, the ports not", env("api", "GMTS_API_PORT", "9000")),
    ("api_listens", "the image exposes another port", dockerfile("EXPOSE 8000", "EXPOSE 8080")),
    (
        "api_listens",
        "a healthcheck on a missing route",
        service("api", "healthcheck", {"test": ["CMD", "curl", "-f", "http://127.0.0.1:8000/healthz"]}),
    ),
    ("dependencies", "an undefined dependency", depends("worker", postgress="service_healthy")),
    ("dependencies", "on itself", depends("migrate", migrate="service_completed_successfully")),
    ("dependencies", "a cycle", depends("postgres", worker="service_started")),
    ("dependencies", "not waiting for the migration", depends("api", migrate="service_started")),
    ("dependencies", "healthy of what has no healthcheck", depends("worker", temporal_ui="service_healthy")),
    (
        "dependencies",
        "completed of what never completes",
        depends("api", temporal="service_completed_successfully"),
    ),
    ("dependencies", "not waiting for Temporal", depends("projector", temporal=None)),
    ("dependencies", "started, not healthy", depends("temporal-ui", temporal="service_started")),
    ("dependencies", "an unknown condition", depends("migrate", postgres="healthy")),
    ("secrets", "a committed JWT secret", env("api", "GMTS_JWT_SECRET", "s3cret")),
    (
        "secrets",
        "a default HR secret",
        env("worker", "GMTS_HR_WEBHOOK_SECRET", "${GMTS_HR_WEBHOOK_SECRET:-change-me}"),
    ),
    ("secrets", "a committed database password", env("postgres", "POSTGRES_PASSWORD", "postgres")),
    (
        "secrets",
        "a password in a URL",
        env("migrate", "GMTS_DATABASE_URL", "postgresql://gmts:pw@postgres:5432/gmts"),
    ),
    (
        "secrets",
        "HR endpoints not required",
        env("worker", "GMTS_HR_WEBHOOK_URLS", "${GMTS_HR_WEBHOOK_URLS:-}"),
    ),
    ("temporal", "another host", env_all("GMTS_TEMPORAL_ADDRESS", "localhost:7233")),
    ("temporal", "another port", env_all("GMTS_TEMPORAL_ADDRESS", "temporal:7234")),
    ("temporal", "the UI elsewhere", env("temporal-ui", "TEMPORAL_ADDRESS", "temporal-frontend:7233")),
    ("temporal", "another namespace registered", env("temporal", "DEFAULT_NAMESPACE", "default")),
    ("databases", "Temporal's database", env_all("GMTS_DATABASE_URL", f"{PG}/temporal")),
    ("databases", "a database nobody creates", env("postgres", "POSTGRES_DB", "journeys")),
    ("databases", "another host", env_all("GMTS_DATABASE_URL", f"{PG.replace('@postgres', '@db')}/gmts")),
    ("databases", "Temporal on another server", env("temporal", "POSTGRES_SEEDS", "pg")),
    ("databases", "Temporal as another user", env("temporal", "POSTGRES_USER", "temporal")),
    ("databases", "no volume", service("postgres", "volumes", [])),
    ("databases", "no pg_isready", service("postgres", "healthcheck", {"test": ["CMD", "true"]})),
    ("compose_format", "an obsolete version key", top("version", "3.8")),
    ("compose_format", "an unquoted port", service("temporal-ui", "ports", [1342])),
    ("compose_format", "a service with nothing to run", drop("postgres", "image")),
    ("dockerfile_image", "another base", dockerfile("FROM python:3.11-slim\n", "FROM python:3.12-slim\n")),
    (
        "dockerfile_image",
        "another entrypoint",
        dockerfile('ENTRYPOINT ["gmts"]', 'ENTRYPOINT ["python", "-m", "cli"]'),
    ),
    ("dockerfile_image", "a shell-form entrypoint", dockerfile('ENTRYPOINT ["gmts"]', "ENTRYPOINT gmts")),
    ("dockerfile_image", "a default command that is not one", dockerfile('CMD ["api"]', 'CMD ["serve"]')),
    ("dockerfile_image", "root", dockerfile("USER gmts", "USER root")),
    (
        "dockerfile_image",
        "the project not installed",
        dockerfile("RUN pip install .", "RUN pip install -e ."),
    ),
    (
        "dockerfile_image",
        "the venv off the PATH",
        dockerfile("ENV PATH=/opt/gmts/bin:$PATH \\\n    PYTHONUNBUFFERED", "ENV PYTHONUNBUFFERED"),
    ),
    ("dockerfile_build", "a package left out", dockerfile("COPY projections/ projections/\n", "")),
    ("dockerfile_build", "no readme", dockerfile("COPY README.md ./\n", "")),
    (
        "dockerfile_build",
        "everything, .venv included",
        dockerfile("COPY README.md ./\n", "COPY README.md ./\nCOPY . ./\n"),
    ),
    ("dockerfile_build", "a path that is not there", dockerfile("COPY api/ api/", "COPY apis/ api/")),
    (
        "dockerfile_build",
        "dependencies with the code",
        dockerfile("\\\n    && pip install -r /tmp/requirements.txt", ""),
    ),
]


@pytest.mark.parametrize(("name", "fault", "mutate"), MUTANTS, ids=[f"{n}: {f}" for n, f, _ in MUTANTS])
def test_each_check_finds_its_fault(name: str, fault: str, mutate: Mutation) -> None:
    d = real()
    mutate(d)
    assert set(CHECKS[name](d)) - real_problems(name), f"{name} did not find {fault}"


@cache
def real_problems(name: str) -> set[str]:
    """What a check finds in the real files (so a mutant counts only for a problem of its own)."""
    return set(CHECKS[name](real()))


def test_every_check_has_a_fault_to_find() -> None:
    assert {name for name, _, _ in MUTANTS} == set(CHECKS)
