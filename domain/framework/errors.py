"""Why a framework data file was refused: every problem found, each naming the file and the competency."""

from __future__ import annotations


class FrameworkInvalid(ValueError):
    """A framework file breaks the data rules; `problems` lists each one for the scheme administrator."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"framework {source} is invalid ({len(problems)} problem(s)):\n{listed}")
