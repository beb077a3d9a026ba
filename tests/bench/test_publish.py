"""A benchmark's results reach bench/results/ only from a full run (bench/publish.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import publish as publishing


def test_a_quick_run_leaves_the_results_as_they_were(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publishing, "RESULTS", tmp_path)
    publishing.publish("demo", {"x": 1}, "| table |", quick=True)
    assert list(tmp_path.iterdir()) == []


def test_a_full_run_writes_its_json_and_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = tmp_path / "results"
    monkeypatch.setattr(publishing, "RESULTS", results)
    publishing.publish("demo", {"x": 1, "when": Path("/a")}, "| table |", quick=False)
    assert json.loads((results / "demo.json").read_text()) == {"x": 1, "when": "/a"}
    assert (results / "demo.md").read_text() == "| table |"
