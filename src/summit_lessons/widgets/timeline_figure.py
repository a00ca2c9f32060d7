"""The timeline figure: an accessible SVG of events, one lane per phase, every event numbered.

Each marker carries the number of its row in the explorer's table (the "No." column), so a class
can say "number 7" without the table in front of it. An event the source dates only to a month,
a year or a period sits inside a shaded band over that period; the events of one band are spread
out across it in table order, so ten events of "Aug 2025" are ten numbered markers, not one bar.
Markers that would touch share a few rows of their lane; where more meet than the rows hold (the
summit day on a twelve-year axis, say), consecutive ones share a marker labelled with their
numbers ("33–37"). On a one-day clock axis a dashed line marks midnight and names the new date.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from .. import timeline as tl
from .._html import esc

__all__ = ["PHASES", "SYMBOLS", "LOCAL", "timeline_svg", "legend_html", "Marks", "svg", "day_text"]

#: Phases in story order, with the marker shape and colour that stand for each (never colour alone:
#: each phase also has its own shape and its lane is labelled in words). Okabe–Ito colours.
PHASES: dict[str, tuple[str, str]] = {
    "background": ("circle", "#0072B2"),
    "pre-summit": ("square", "#E69F00"),
    "summit-day": ("diamond", "#D55E00"),
    "aftermath": ("triangle", "#009E73"),
}
#: The text symbol of each marker shape, for legends and table cells.
SYMBOLS = {"circle": "●", "square": "■", "diamond": "◆", "triangle": "▲"}
#: The time-zone choice that shows each event in the local time the source gives.
LOCAL = "Local time of the event"

_W, _TOP, _LEFT, _RIGHT = 760, 40, 118, 24
_ROW = 28      # one row of a lane: the number on top, the marker under it
_PAD = 4       # space above and below the rows of a lane
_ROWS = 3      # rows a lane may use before neighbouring markers share one
_CHAR = 7.0    # width of a digit of the 11 px bold number labels (DejaVu Sans)


def day_text(d: Any) -> str:
    """A day as '15 Aug 2025': the same in every locale, unlike 08/15/2025 or 15/08/2025."""
    return f"{d.day} {d:%b %Y}"


def _marker(shape: str, x: float, y: float, colour: str, hollow: bool, label: str) -> str:
    fill = "#ffffff" if hollow else colour
    style = f'fill="{fill}" stroke="{"#000000" if not hollow else colour}" stroke-width="{2.2 if hollow else 1.2}"'
    title = f"<title>{esc(label)}</title>"
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6.5" {style}>{title}</circle>'
    if shape == "square":
        return f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" {style}>{title}</rect>'
    if shape == "diamond":
        pts = f"{x:.1f},{y - 8:.1f} {x + 8:.1f},{y:.1f} {x:.1f},{y + 8:.1f} {x - 8:.1f},{y:.1f}"
        return f'<polygon points="{pts}" {style}>{title}</polygon>'
    pts = f"{x:.1f},{y - 7.5:.1f} {x + 7.5:.1f},{y + 6:.1f} {x - 7.5:.1f},{y + 6:.1f}"
    return f'<polygon points="{pts}" {style}>{title}</polygon>'


def _ticks(lo: float, hi: float, mode: str) -> list[tuple[float, str]]:
    """Tick positions (in the axis unit) and labels: hours for one day, months otherwise."""
    if mode == "hours":
        step = 1 if hi - lo <= 8 else 2
        return [(float(h), f"{h % 24:02d}:00") for h in range(int(np.ceil(lo)), int(hi) + 1) if h % step == 0]
    if mode == "years":
        years = pd.date_range(f"{pd.Timestamp(lo, unit='D').year}-01-01", pd.Timestamp(hi, unit="D"), freq="YS")
        ystep = max(1, int(np.ceil(len(years) / 4)))
        return [(_days(t), f"{t:%Y}") for t in years[::ystep] if lo <= _days(t) < hi]
    first = pd.Timestamp(lo, unit="D").to_period("M").to_timestamp()
    months = pd.date_range(first, pd.Timestamp(hi, unit="D"), freq="MS")
    step = max(1, int(np.ceil(len(months) / 8)))
    if step > 6:
        years = pd.date_range(f"{first.year}-01-01", pd.Timestamp(hi, unit="D"), freq="YS")
        ystep = max(1, int(np.ceil(len(years) / 8)))
        return [(_days(t), f"{t:%Y}") for t in years[::ystep] if lo <= _days(t) <= hi]
    return [(_days(t), f"{t:%b %Y}") for t in months[::step] if lo <= _days(t) <= hi]


def _days(t: Any) -> float:
    """Days since 1970-01-01 (the figure's horizontal unit); a time zone, if any, is dropped."""
    ts = pd.Timestamp(t)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return (ts - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)


def _numbers(ns: list[int]) -> str:
    """Numbers as runs: [3, 4, 5, 9] -> '3–5, 9'."""
    runs: list[list[int]] = []
    for n in sorted(ns):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


class Marks:
    """What the timeline figure needs of each event, computed once per explorer.

    Re-filtering then only picks rows out of plain lists, which keeps a redraw to a few
    milliseconds instead of a pandas pass per click.
    """

    def __init__(self, events: pd.DataFrame):
        first, last = tl.period_bounds(events) if len(events) else (events["date"], events["date"])
        self.phase = list(events["phase"])
        self.dates = [tl.date_label(r) for _, r in events.iterrows()]
        self.label = [f"{d}: {t}" for d, t in zip(self.dates, events["title"])]
        self.day_precise = [p == "day" for p in events["date_precision"]]
        self.day = [d.toordinal() if hasattr(d, "toordinal") else None for d in events["date"]]
        self.first = [_days(d) for d in first]
        self.end = [_days(d) + 1 for d in last]  # a period runs to the end of its last day
        self.utc = list(events["timestamp_utc"])
        self.local = list(events["timestamp"])
        self.approx = [bool(a) for a in events["time_approx"]] if "time_approx" in events else [False] * len(events)
        self._hours: dict[str, list[float | None]] = {}

    def hours(self, zone: str) -> list[float | None]:
        """Each timed event's clock time in ``zone`` (hours after midnight of day 1 of the calendar)."""
        if zone not in self._hours:
            name = tl.ZONES.get(zone)
            stamps = [None if pd.isna(u) else (u.tz_convert(name) if name else loc) for u, loc in zip(self.utc, self.local)]
            self._hours[zone] = [None if t is None else t.toordinal() * 24 + t.hour + t.minute / 60 for t in stamps]
        return self._hours[zone]


def timeline_svg(events: pd.DataFrame, zone: str = LOCAL) -> str:
    """An accessible SVG timeline of ``events`` (ordered, as from :class:`timeline.EventIndex`).

    One lane per phase, labelled in words; each phase has its own marker shape and colour, and
    each event is numbered in the order of ``events`` (1 = the first row). A day-precision event is
    a marker at its day; an event known only to a month, a year or a period is a hollow marker in a
    shaded band over that period, so the figure keeps the precision of the source. When every
    event is on one day and has a time, the axis is that day's clock in ``zone``.
    """
    return svg(Marks(events), list(range(len(events))), zone)


def _width(it: "_Item") -> float:
    return len(it.text) * _CHAR


class _Item:
    """One marker to draw: the events it stands for (usually one) and where."""

    def __init__(self, rows: list[int], numbers: list[int], x: float, hollow: bool):
        self.rows, self.numbers, self.x, self.hollow = rows, numbers, x, hollow
        self.row = 0
        self.left = x - _width(self) / 2  # where its number label starts

    @property
    def text(self) -> str:
        return _numbers(self.numbers)


def _stack(items: list[_Item]) -> int:
    """Give each marker of one lane a row so that no two numbers touch; returns the rows used.

    A pile of more than ``_ROWS`` markers at one place (one day on a long axis) is cut into
    ``_ROWS`` runs of neighbours, each one marker with all its numbers. Then, left to right, each
    marker takes the first row with room for its number; when none of the ``_ROWS`` rows has room,
    it shares the marker just left of it. Changes ``items`` in place (shared markers are merged).
    """
    items.sort(key=lambda it: (it.x, it.numbers[0]))
    piles: list[list[_Item]] = []
    for it in items:
        if piles and it.x - piles[-1][-1].x < 3:
            piles[-1].append(it)
        else:
            piles.append([it])
    flat: list[_Item] = []
    for pile in piles:
        if len(pile) > _ROWS:
            size = -(-len(pile) // _ROWS)
            pile = [_Item(sum((it.rows for it in run), []), sum((it.numbers for it in run), []),
                          float(np.mean([it.x for it in run])), all(it.hollow for it in run))
                    for run in (pile[k:k + size] for k in range(0, len(pile), size))]
        flat.extend(pile)
    right: list[float] = []  # where the last number in each row ends
    placed: list[_Item] = []
    for it in flat:
        it.left = it.x - _width(it) / 2
        row = next((r for r, edge in enumerate(right) if edge + 4 <= it.left), None)
        if row is None and len(right) < _ROWS:
            row = len(right)
            right.append(it.left)
        if row is None:
            # A shared marker's label grows to the right only, so it never runs into its left neighbour.
            prev = placed[-1]
            prev.rows, prev.numbers = prev.rows + it.rows, prev.numbers + it.numbers
            prev.hollow = prev.hollow and it.hollow
            right[prev.row] = max(right[prev.row], prev.left + _width(prev))
            continue
        it.row = row
        right[row] = it.left + _width(it)
        placed.append(it)
    items[:] = placed
    return max(len(right), 1)


def svg(marks: Marks, rows: list[int], zone: str, numbers: list[int] | None = None) -> str:
    """The figure of ``rows`` (indexes into ``marks``), numbered ``numbers`` (default 1, 2, …)."""
    if not rows:
        return (f'<svg class="sl-timeline-svg" role="img" viewBox="0 0 {_W} 80" width="{_W}" height="80" '
                'aria-label="Empty timeline: no event matches the filters."><text x="20" y="44" '
                'font-size="15">No event matches the filters.</text></svg>')
    number = dict(zip(rows, numbers or range(1, len(rows) + 1)))
    present = {marks.phase[i] for i in rows}
    lanes = [p for p in PHASES if p in present]
    hours = marks.hours(zone)
    timed = [i for i in rows if hours[i] is not None]
    one_day = len({marks.day[i] for i in rows}) == 1 and all(marks.day_precise[i] for i in rows) and bool(timed)
    day0 = None
    if one_day:
        shown = timed
        base = 24 * int(min(hours[i] for i in shown) // 24)
        day0 = dt.date.fromordinal(base // 24)
        xs0 = [hours[i] - base for i in shown]
        xs1 = xs0
        lo, hi = min(xs0) - 0.5, max(xs0) + 0.5
        mode = "hours"
    else:
        shown = rows
        xs0 = [marks.first[i] for i in shown]
        xs1 = [marks.end[i] for i in shown]
        lo, hi = min(xs0), max(xs1)
        pad = max((hi - lo) * 0.02, 3)
        lo, hi = lo - pad, hi + pad
        mode = "months"
    plot_w = _W - _LEFT - _RIGHT
    # Years of background and months of 2025 do not fit one linear scale: when the events span
    # more than 18 months, the years before the latest one get a narrow segment of their own,
    # set off by a break mark and named in the axis label.
    latest_year = int(pd.Timestamp(max(xs0), unit="D").year) if mode == "months" else 0
    split = _days(pd.Timestamp(year=latest_year, month=1, day=1)) if mode == "months" else None
    broken = split is not None and hi - lo > 548 and lo < split - 30
    left_w = plot_w * 0.24 if broken else 0.0
    gap = 14.0 if broken else 0.0

    def x(v: float) -> float:
        if broken and v < split:
            return _LEFT + (v - lo) / (split - lo) * left_w
        a = split if broken else lo
        return _LEFT + left_w + gap + (v - a) / max(hi - a, 1e-9) * (plot_w - left_w - gap)

    # A marker per event: a day at its day (or clock time); a month, a year or a longer period in
    # a band over it, the band's events spread evenly across it in table order.
    items: dict[str, list[_Item]] = {p: [] for p in lanes}
    bands: dict[tuple[str, float, float], list[int]] = {}
    for i, a, b in zip(shown, xs0, xs1):
        if mode == "hours":
            items[marks.phase[i]].append(_Item([i], [number[i]], x(a), marks.approx[i]))
        elif marks.day_precise[i] and b - a <= 1:
            items[marks.phase[i]].append(_Item([i], [number[i]], x(a + 0.5), False))
        else:
            bands.setdefault((marks.phase[i], a, b), []).append(i)
    for (phase, a, b), members in bands.items():
        x0, x1 = x(a), x(b)
        for k, i in enumerate(members):
            items[phase].append(_Item([i], [number[i]], x0 + (k + 0.5) * (x1 - x0) / len(members), True))
    nrows = {p: _stack(items[p]) for p in lanes}
    heights = [2 * _PAD + _ROW * nrows[p] for p in lanes]
    tops = dict(zip(lanes, (_TOP + sum(heights[:n]) for n in range(len(lanes)))))
    axis_y = _TOP + sum(heights) + 4

    parts = []
    for lane, h in zip(lanes, heights):
        top = tops[lane]
        parts.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{top + h:.1f}" y2="{top + h:.1f}" stroke="#cccccc" stroke-width="1"/>')
        parts.append(f'<text x="{_LEFT - 10}" y="{top + h / 2 + 5:.1f}" text-anchor="end" font-size="13">{esc(lane)}</text>')
    for (phase, a, b), members in bands.items():
        top, h = tops[phase], heights[lanes.index(phase)]
        colour = PHASES[phase][1]
        nums = _numbers([number[i] for i in members])
        what = f"{marks.dates[members[0]]}: {len(members)} event{'s' if len(members) != 1 else ''} dated only to this period (No. {nums})"
        parts.append(f'<rect x="{x(a):.1f}" y="{top + 2:.1f}" width="{max(x(b) - x(a), 3):.1f}" height="{h - 4:.1f}" '
                     f'fill="{colour}" fill-opacity="0.12" stroke="{colour}" stroke-dasharray="4 3" stroke-width="1.2">'
                     f"<title>{esc(what)}</title></rect>")
    parts.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{axis_y}" y2="{axis_y}" stroke="#333333"/>')

    # The axis: ticks, the break of a two-scale axis, and on a clock axis the date at each midnight.
    ticks = (_ticks(lo, split, "years") + _ticks(split, hi, "months")) if broken else _ticks(lo, hi, mode)
    if broken:
        bx = _LEFT + left_w + gap / 2
        parts.append(f'<text x="{bx:.1f}" y="{axis_y + 5}" text-anchor="middle" font-size="14" font-weight="bold">//</text>')
    midnights = [h for h in range(int(np.ceil(lo)), int(np.floor(hi)) + 1) if h % 24 == 0] if mode == "hours" else []
    for v, label in ticks:
        if not _LEFT <= x(v) <= _W - _RIGHT - 12:  # a label half outside the figure would be cut
            continue
        parts.append(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{axis_y}" y2="{axis_y + 5}" stroke="#333333"/>'
                     f'<text x="{x(v):.1f}" y="{axis_y + 19}" text-anchor="middle" font-size="12">{esc(label)}</text>')
    if day0 is not None:
        # The date the clock axis starts on, above the lane names (the lanes' left margin).
        parts.append(f'<text x="{_LEFT - 10}" y="{_TOP - 12}" text-anchor="end" font-size="12.5" '
                     f'font-weight="bold">{esc(day_text(day0))}</text>')
    for h in midnights:
        new_day = day0 + dt.timedelta(days=h // 24)
        mx = x(h)
        anchor, dx = ("end", -5) if mx > _W - _RIGHT - 170 else ("start", 5)
        parts.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{_TOP - 24}" y2="{axis_y + 5}" stroke="#333333" '
                     'stroke-width="1.5" stroke-dasharray="6 4"/>'
                     f'<text x="{mx + dx:.1f}" y="{_TOP - 12}" text-anchor="{anchor}" font-size="12.5" font-weight="bold">'
                     f"midnight: {esc(day_text(new_day))} begins</text>"
                     f'<text x="{mx:.1f}" y="{axis_y + 33}" text-anchor="middle" font-size="12" font-weight="bold">'
                     f"{esc(f'{new_day.day} {new_day:%b}')}</text>")

    # The markers, each with its number above it.
    for lane in lanes:
        shape, colour = PHASES[lane]
        for it in items[lane]:
            y = tops[lane] + _PAD + _ROW * it.row + 19
            title = "; ".join(f"No. {number[i]}, {marks.label[i]}" for i in it.rows)
            parts.append(_marker(shape, it.x, y, colour, it.hollow, title))
            parts.append(f'<text x="{it.left:.1f}" y="{y - 10:.1f}" font-size="11" '
                         f'font-weight="bold">{esc(it.text)}</text>')

    if mode == "hours":
        clock = zone if zone in tl.ZONES else "local time of each event"
        last_day = day0 + dt.timedelta(days=int(np.floor(hi)) // 24)
        days = day_text(day0) if last_day == day0 else (
            f"{day0.day}–{day_text(last_day)}" if (day0.month, day0.year) == (last_day.month, last_day.year)
            else f"{day_text(day0)} – {day_text(last_day)}")
        axis_label = f"Time of day ({clock}), {days}"
        if midnights:
            axis_label += "; the dashed line is midnight"
    elif broken:
        axis_label = (f"Date. At the break (//) the scale changes: years before {latest_year} are drawn narrower.\n"
                      "A shaded band: the source gives only a month, a year or a period.")
    else:
        axis_label = "Date (a shaded band: the source gives only a month, a year or a period)"
    label_y = axis_y + (52 if midnights else 38)
    for k, line in enumerate(axis_label.split("\n")):
        parts.append(f'<text x="{_LEFT}" y="{label_y + 16 * k}" font-size="12.5">{esc(line)}</text>')
    height = label_y + 16 * axis_label.count("\n") + 14

    counts = {p: sum(marks.phase[i] == p for i in shown) for p in lanes}
    desc = (f"Timeline of {len(shown)} event{'s' if len(shown) != 1 else ''} from {marks.dates[shown[0]]} to "
            f"{marks.dates[shown[-1]]}; " + ", ".join(f"{counts[p]} {p}" for p in lanes) + ". "
            "Each marker carries the event's number in the table.")
    if one_day and len(shown) < len(rows):
        desc += (f" {len(rows) - len(shown)} more on this day have no time in the source (time not given): they are "
                 "not drawn, and the table lists them in their place in the order.")
    if bands:
        desc += (" Events dated only to a month, a year or a period sit in a shaded band over it, spread out "
                 "in table order: their place inside the band is not a date.")
    if midnights:
        desc += " The clock passes midnight: " + ", ".join(
            f"{day_text(day0 + dt.timedelta(days=h // 24))} begins at the dashed line" for h in midnights) + "."
    if any(len(it.numbers) > 1 for p in lanes for it in items[p]):
        desc += " Where events lie too close to draw apart, one marker carries several numbers."
    return (f'<svg class="sl-timeline-svg" role="img" viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" '
            f'aria-label="{esc(desc)}" font-family="DejaVu Sans, sans-serif">'
            f'<desc>{esc(desc)}</desc>{"".join(parts)}</svg>')


def legend_html() -> str:
    """The key under the figure, in words and shapes (never colour alone)."""
    items = "".join(f'<li><span aria-hidden="true" style="color:{c}">{SYMBOLS[s]}</span> {esc(p)}</li>'
                    for p, (s, c) in PHASES.items())
    return ('<ul class="sl-legend" style="list-style:none;padding:0;margin:0.2em 0;display:flex;gap:0.2em 1.2em;flex-wrap:wrap">'
            f"{items}<li>number: the No. column of the table</li>"
            "<li>shaded band: month, year or period only</li><li>hollow: month, year or period only, or approximate time</li></ul>")
