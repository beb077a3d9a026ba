"""Garbage-collector settings for processes that replay event streams.

A replay allocates one or two container objects per event; with CPython's default thresholds (700, 10, 10)
the cyclic collector then runs every few hundred events and rescans the live state each time. Measured on
the sample journey (bench/fold_events.py): default GC decoded and folded ~106k events/s per process, with
the long-lived start-up heap frozen ~153k, with collection off ~184k. Replaying processes freeze what start-up
built and raise the first threshold; cycles are still collected, just in larger, rarer batches.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 50_000


def tune_for_replay() -> None:
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
