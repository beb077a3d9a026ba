"""`gmts worker`: run the journey worker until Ctrl-C or SIGTERM, then finish in-flight work and stop."""

from __future__ import annotations

from config.settings import Settings
from runtime.stack import Parts, run


async def serve(settings: Settings) -> None:
    await run(settings, Parts(worker=True), announce=lambda line: print(line, flush=True))
