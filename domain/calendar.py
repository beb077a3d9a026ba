"""The Scheme's calendar, as pure date arithmetic."""

from __future__ import annotations

from datetime import date

REFLECTIVE_WINDOW_MONTHS = 12


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier, clamped to the month's end (29 Feb -> 28 Feb)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def reflective_window_opens(scheme_end: date) -> date:
    """The reflective piece is written and accepted in the Scheme's last twelve months."""
    return months_before(scheme_end, REFLECTIVE_WINDOW_MONTHS)
