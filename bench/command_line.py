"""The command line a benchmark's results name, with any database URL's password redacted."""

from __future__ import annotations

from collections.abc import Sequence

from eventstore.connection import redact


def command_line(module: str, argv: Sequence[str]) -> str:
    args = list(argv)
    for i, a in enumerate(args):
        if a.startswith("--database-url="):
            args[i] = "--database-url=" + redact(a.split("=", 1)[1])
        elif i > 0 and args[i - 1] == "--database-url":
            args[i] = redact(a)
    return " ".join([f".venv/bin/python -m {module}", *args])
