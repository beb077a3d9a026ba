"""The frameworks shipped as data in `data/`: a specialism is added by dropping in its file.

Reading package data is done once and cached; it is part of the code's release, like an import, so the
domain stays free of run-time I/O.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from domain.framework.errors import FrameworkInvalid
from domain.framework.loader import FrameworkFile, build, parse_file
from domain.framework.model import Framework


class UnknownFramework(LookupError):
    """No shipped framework matches; the message lists what is available."""


@cache
def _files() -> dict[tuple[str, str], FrameworkFile]:
    files: dict[tuple[str, str], FrameworkFile] = {}
    for entry in resources.files("domain.framework").joinpath("data").iterdir():
        if entry.name.endswith(".toml"):
            try:
                data = tomllib.loads(entry.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise FrameworkInvalid(entry.name, [str(exc)]) from None
            parsed = parse_file(entry.name, data)
            files[(parsed.id, parsed.version)] = parsed
    return files


@cache
def shipped_frameworks() -> tuple[Framework, ...]:
    """Every specialism framework in `data/`, each validated on load."""
    files = _files()
    built = []
    for (fid, version), f in sorted(files.items()):
        if f.core is None:
            continue
        core = files.get((f.core, version))
        if core is None:
            raise FrameworkInvalid(f"{fid}@{version}", [f"core {f.core!r} version {version} is not shipped"])
        built.append(build(core, f))
    return tuple(built)


def framework_for(framework_id: str, version: str) -> Framework:
    for f in shipped_frameworks():
        if f.id == framework_id and f.version == version:
            return f
    raise UnknownFramework(f"no framework {framework_id}@{version}; shipped: {_available()}")


def framework_for_specialism(specialism: str) -> Framework:
    """The newest shipped framework of a specialism (what a new trainee is enrolled on)."""
    matching = [f for f in shipped_frameworks() if f.specialism == specialism]
    if not matching:
        raise UnknownFramework(
            f"no framework is shipped for specialism {specialism!r}; shipped: {_available()}"
        )
    return max(matching, key=lambda f: tuple(int(p) for p in f.version.split(".") if p.isdigit()))


def _available() -> str:
    return ", ".join(f"{f.specialism} ({f.ref})" for f in shipped_frameworks()) or "none"
