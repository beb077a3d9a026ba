"""Where a benchmark's results go: `bench/results/<name>.json` and `.md` (README quotes them), or for a
`--quick` run only the screen, so a trial run never replaces a full one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def publish(name: str, result: dict[str, Any], table: str, *, quick: bool) -> None:
    if quick:
        print(table + "\n(a --quick run: bench/results/ is left as it was)")
        return
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    (RESULTS / f"{name}.md").write_text(table)
    print(table)
