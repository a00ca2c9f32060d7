"""Check an explicit order column against the dates and times a table does give.

The events table orders what the source places but does not date to the day or time to the
minute with an integer column (``seq``). That order is the curators' reading of the narrative,
so it must never contradict the dates and times the source states: an event may not stand after
another whose whole period is later than its own, nor (when both have a time) after an event
that happened later.

Works on the checked strings of :mod:`summit_lessons.loader` (no pandas), so ``validate`` can
report every problem with its line.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable
from zoneinfo import ZoneInfo

__all__ = ["order_problems"]


@dataclass(frozen=True)
class _Row:
    line: int
    key: str
    seq: int
    first: date
    last: date
    shown: str  # the date (and time) as written in the file, for messages
    utc: datetime | None


def _first_day(value: str) -> date:
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _last_day(value: str, precision: str) -> date:
    d = _first_day(value)
    if precision == "year":
        return date(d.year, 12, 31)
    if precision == "month":
        return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])
    return d


def _row(line: int, cells: dict[str, str], column: str, spec: dict[str, Any]) -> _Row:
    value, precision = cells[spec["date"]], cells[spec["precision"]]
    end = cells.get(spec.get("end", ""), "") or value
    hhmm, zone = cells.get(spec.get("time", ""), ""), cells.get(spec.get("timezone", ""), "")
    utc = None
    shown = value if end == value else f"{value} to {end}"
    if hhmm and zone:
        local = datetime.fromisoformat(f"{value} {hhmm}").replace(tzinfo=ZoneInfo(zone))
        utc = local.astimezone(timezone.utc)
        shown = f"{value} {hhmm} {zone}"
    return _Row(line, cells.get(spec.get("key", ""), ""), int(cells[column]), _first_day(value),
                _last_day(end, precision), shown, utc)


def order_problems(rows: Iterable[tuple[int, dict[str, str]]], column: str,
                   spec: dict[str, Any]) -> list[tuple[int, str, str]]:
    """(line, value, rule) for every row whose place in the order contradicts a date or time.

    ``spec`` names the columns: ``date``, ``precision``, and optionally ``end``, ``time``,
    ``timezone`` and ``key`` (the row's id, used in messages). Rows are assumed already
    checked cell by cell (valid dates, integers, time zones).
    """
    parsed = sorted((_row(line, cells, column, spec) for line, cells in rows), key=lambda r: r.seq)
    problems: list[tuple[int, str, str]] = []
    latest_start: _Row | None = None  # the row so far whose period starts latest
    latest_time: _Row | None = None  # the timed row so far with the latest moment
    for r in parsed:
        if latest_start is not None and r.last < latest_start.first:
            problems.append((r.line, str(r.seq), _rule(r, latest_start, "date")))
        elif r.utc is not None and latest_time is not None and r.utc < latest_time.utc:  # type: ignore[operator]
            problems.append((r.line, str(r.seq), _rule(r, latest_time, "time")))
        if latest_start is None or r.first > latest_start.first:
            latest_start = r
        if r.utc is not None and (latest_time is None or r.utc > latest_time.utc):  # type: ignore[operator]
            latest_time = r
    return sorted(problems)


def _rule(row: _Row, other: _Row, what: str) -> str:
    return (f"puts {row.key or 'this row'} ({row.shown}) after {other.key or 'the row'} on line {other.line} "
            f"(seq {other.seq}, {other.shown}), whose {what} is later: the two are out of order (change one "
            "seq, or correct a date)")
