"""`gmts demo`: enrol a sample cohort through the running API and walk realistic journeys, so a newcomer sees
progress, milestones, a graduation and the HR notification arrive.

The cohort's Scheme runs from two years ago to today, so today is inside the reflective-piece window and the
Scheme's end has come: the journeys' own timers assess the year-one milestone and graduation at once (the
trainees were enrolled late into this system), and the demo then records their placements, evidence and
sign-offs, and asks for graduation to be assessed again. Tokens are minted locally for each role.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click
import httpx

from api.auth import issue_token
from config.settings import Settings
from domain.actors import Role
from domain.framework import framework_for_specialism

PM = "pm-demo"


class Demo:
    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self.http, self.settings = http, settings

    def auth(self, subject: str, role: Role, trainee_id: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.settings, subject, role, trainee_id=trainee_id)}"}

    async def call(self, method: str, path: str, who: dict[str, str], **kwargs: Any) -> Any:
        response = await self.http.request(
            method, path, headers={**who, **kwargs.pop("headers", {})}, **kwargs
        )
        if response.status_code >= 400:
            raise click.ClickException(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()


async def walk(
    demo: Demo, trainee_id: str, start: date, today: date, *, sign_offs: int, graduate: bool
) -> None:
    pm = demo.auth(PM, Role.PROGRAMME_MANAGER)
    me = demo.auth(trainee_id, Role.TRAINEE, trainee_id)
    placements = [
        ("operational", "Leeds Teaching Hospitals NHS Trust", start, start + timedelta(days=334)),
        ("flexi", "NHS Confederation", start + timedelta(days=335), start + timedelta(days=395)),
        ("strategic", "West Yorkshire ICB", start + timedelta(days=396), today),
    ]
    for n, (name, organisation, begins, ends) in enumerate(placements):
        await demo.call(
            "POST",
            f"/trainees/{trainee_id}/placements",
            pm,
            json={
                "placement_id": name,
                "organisation": organisation,
                "placement_kind": name,
                "placement_manager_id": f"plm-{name}",
                "starts_on": str(begins),
                "planned_end": str(ends),
            },
        )
        if n < 2:
            await demo.call(
                "POST", f"/trainees/{trainee_id}/placements/{name}/end", pm, json={"ended_on": str(ends)}
            )
    manager = demo.auth("plm-strategic", Role.PLACEMENT_MANAGER)
    rated = [c.id for c in framework_for_specialism("general-management").competencies if c.rated][:sign_offs]
    for first in range(0, len(rated), 30):
        chunk = rated[first : first + 30]
        evidence_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo/{trainee_id}/{first}"))
        await demo.call(
            "POST",
            f"/trainees/{trainee_id}/evidence",
            me,
            json={
                "evidence_id": evidence_id,
                "narrative": "Project lead for the discharge-to-assess pilot: plan, risks, board paper, evaluation.",
                "competency_ids": chunk,
            },
        )
        for cid in chunk:
            await demo.call(
                "POST",
                f"/trainees/{trainee_id}/sign-offs",
                manager,
                json={
                    "competency_id": cid,
                    "level": 3,
                    "feedback": "Clear ownership and measurable outcomes; well evidenced.",
                    "evidence_ids": [evidence_id],
                },
            )
    if graduate:
        document = {"sha256": uuid.uuid4().hex * 2, "filename": "reflective-piece.pdf"}
        await demo.call(
            "POST",
            f"/trainees/{trainee_id}/reflective-piece",
            me,
            json={"word_count": 2040, "document": document},
        )
        await demo.call(
            "POST",
            f"/trainees/{trainee_id}/reflective-piece/review",
            manager,
            json={"outcome": "accepted", "feedback": "A candid reflection with strong examples."},
        )
    await demo.call("POST", f"/trainees/{trainee_id}/graduation-assessment", pm, json={})


async def run_demo(base_url: str, settings: Settings, trainees: int) -> None:
    today = datetime.now(UTC).date()
    start = today - timedelta(days=730)
    cohort = f"demo-{uuid.uuid4().hex[:6]}"
    ids = [f"{cohort}-{n:02d}" for n in range(1, trainees + 1)]
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        demo = Demo(http, settings)
        admin = demo.auth("demo-admin", Role.ADMIN)
        rows = "\n".join(f"{t},Trainee {t},general-management,{cohort},{start},{today},{PM}" for t in ids)
        csv_file = (
            "trainee_id,name,specialism,cohort,scheme_start,scheme_end,programme_manager_id\n" + rows + "\n"
        )
        imported = await demo.call(
            "POST",
            "/cohorts/import",
            demo.auth(PM, Role.PROGRAMME_MANAGER),
            files={"file": ("cohort.csv", io.BytesIO(csv_file.encode()))},
        )
        click.echo(f"enrolled cohort {cohort} from CSV: {', '.join(r['trainee_id'] for r in imported)}")
        plans = []
        for n, tid in enumerate(ids):
            kind = ("graduates", "graduates", "falls short", "withdrawn")[n % 4]
            plans.append((tid, kind))
        for tid, kind in plans:
            if kind == "withdrawn":
                await demo.call(
                    "POST",
                    f"/trainees/{tid}/withdrawal",
                    demo.auth(PM, Role.PROGRAMME_MANAGER),
                    json={"reason": "Took a role outside the NHS."},
                )
            else:
                await walk(
                    demo,
                    tid,
                    start,
                    today,
                    sign_offs=91 if kind == "graduates" else 60,
                    graduate=kind == "graduates",
                )
            click.echo(f"  {tid}: walked ({kind})")
        await asyncio.sleep(2)  # the journeys' timers post to HR and the projector catches up
        click.echo("\nstatus, replayed from each trainee's events:")
        for tid, _ in plans:
            s = await demo.call("GET", f"/trainees/{tid}/status", admin)
            milestone = s["milestones"][0] if s["milestones"] else None
            flags = (
                ("at risk" if milestone["at_risk"] else "on track")
                + f" at {milestone['progress']['percent']}%"
                if milestone
                else "not assessed"
            )
            grad = s["graduation"]
            click.echo(
                f"  {tid}: {s['outcome']:<10} progress {s['progress']['percent']:>5}%  year-one milestone {flags}"
                + (
                    f"  graduated {grad['graduated_on']}, HR notified: {bool(grad['hr_notified'])}"
                    if grad and grad["graduated_on"]
                    else ""
                )
            )
        progress = await http.get(f"/cohorts/{cohort}/progress", headers=admin)
        if progress.status_code == 200:
            click.echo(f"\ncohort progress (read model): {len(progress.json())} trainees")
        inbox = await http.get("/hr-inbox", headers=admin)
        if inbox.status_code == 200:
            got = [r for r in inbox.json() if r.get("cohort") == cohort]
            click.echo(
                f"HR inbox: {len(got)} graduation record(s) received: {', '.join(r['trainee_id'] for r in got)}"
            )
