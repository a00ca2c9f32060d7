"""The timeline explorer: filters, a clock choice and an SVG figure of the events."""
from __future__ import annotations

from typing import Any, Sequence

import ipywidgets as W
import numpy as np
import pandas as pd

from .. import timeline as tl
from .._html import LIVE_NOTE, esc, table
from ..loader import load
from .tables import _LIVE_CSS, _Snapshot

__all__ = ["TimelineExplorer", "timeline_svg", "PHASES", "LOCAL"]

#: Phases in story order, with the marker shape and colour that stand for each (never colour alone:
#: each phase also has its own shape and its lane is labelled in words).
PHASES: dict[str, tuple[str, str]] = {
    "background": ("circle", "#0072B2"),
    "pre-summit": ("square", "#E69F00"),
    "summit-day": ("diamond", "#D55E00"),
    "aftermath": ("triangle", "#009E73"),
}
#: The time-zone choice that shows each event in the local time the source gives.
LOCAL = "Local time of the event"


# ---------------------------------------------------------------------------- timeline figure

_W, _LANE, _TOP, _LEFT, _RIGHT = 760, 44, 34, 118, 24
_TRACK = 12  # vertical step between stacked period bars in one lane


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


class _Marks:
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
        """Each timed event's clock time in ``zone`` (hours after midnight of the first one's day)."""
        if zone not in self._hours:
            name = tl.ZONES.get(zone)
            stamps = [None if pd.isna(u) else (u.tz_convert(name) if name else loc) for u, loc in zip(self.utc, self.local)]
            self._hours[zone] = [None if t is None else t.toordinal() * 24 + t.hour + t.minute / 60 for t in stamps]
        return self._hours[zone]


def timeline_svg(events: pd.DataFrame, zone: str = LOCAL) -> str:
    """An accessible SVG timeline of ``events`` (ordered, as from :class:`timeline.EventIndex`).

    One lane per phase, labelled in words; each phase has its own marker shape and colour. A
    day-precision event is a marker; a month or longer period is a bar over the whole period, so
    the figure keeps the precision of the source. When every event is on one day and has a time,
    the axis is that day's clock in ``zone``.
    """
    marks = _Marks(events)
    return _svg(marks, list(range(len(events))), zone)


def _svg(marks: _Marks, rows: list[int], zone: str) -> str:
    if not rows:
        return (f'<svg class="sl-timeline-svg" role="img" viewBox="0 0 {_W} 80" width="{_W}" height="80" '
                'aria-label="Empty timeline: no event matches the filters."><text x="20" y="44" '
                'font-size="15">No event matches the filters.</text></svg>')
    present = {marks.phase[i] for i in rows}
    lanes = [p for p in PHASES if p in present]
    hours = marks.hours(zone)
    timed = [i for i in rows if hours[i] is not None]
    one_day = len({marks.day[i] for i in rows}) == 1 and all(marks.day_precise[i] for i in rows) and bool(timed)
    if one_day:
        shown = timed
        base = 24 * int(min(hours[i] for i in shown) // 24)
        xs0 = [hours[i] - base for i in shown]
        xs1 = xs0
        lo, hi = min(xs0) - 0.5, max(xs0) + 0.5
        mode = "hours"
        axis_label = f"Time of day ({zone if zone in tl.ZONES else 'local time of each event'})"
    else:
        shown = rows
        xs0 = [marks.first[i] for i in shown]
        xs1 = [marks.end[i] for i in shown]
        lo, hi = min(xs0), max(xs1)
        pad = max((hi - lo) * 0.02, 3)
        lo, hi = lo - pad, hi + pad
        mode = "months"
        axis_label = "Date (a bar: the source gives only a month, a year or a period)"
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

    if broken:
        axis_label = (f"Date. At the break (//) the scale changes: years before {latest_year} are drawn narrower.\n"
                      "A bar: the source gives only a month, a year or a period.")
    # Period bars that overlap in one lane (several month-only rows of August, say) each get a
    # track of their own, in time order from the top, so they never merge into one long bar.
    is_bar = [mode == "months" and (not marks.day_precise[i] or b - a > 1) for i, a, b in zip(shown, xs0, xs1)]
    track: list[int] = [0] * len(shown)
    ends: dict[str, list[float]] = {}
    for k, (i, a, b) in enumerate(zip(shown, xs0, xs1)):
        if not is_bar[k]:
            continue
        lane_ends = ends.setdefault(marks.phase[i], [])
        # A bar that starts where another ends (September after August) also takes a new track:
        # side by side on one line, consecutive months would read as one long period.
        t = next((n for n, e in enumerate(lane_ends) if x(a) > e + 4), len(lane_ends))
        if t == len(lane_ends):
            lane_ends.append(0.0)
        lane_ends[t] = x(b)
        track[k] = t
    heights = [_LANE + _TRACK * max(len(ends.get(p, [])) - 1, 0) for p in lanes]
    tops = [_TOP + sum(heights[:n]) for n in range(len(lanes))]
    height = _TOP + sum(heights) + 68
    parts = []
    for i, lane in enumerate(lanes):
        y = tops[i] + _LANE / 2
        parts.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#bbbbbb" stroke-width="1"/>')
        parts.append(f'<text x="{_LEFT - 10}" y="{y + 5:.1f}" text-anchor="end" font-size="13">{esc(lane)}</text>')
    axis_y = _TOP + sum(heights) + 4
    parts.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{axis_y}" y2="{axis_y}" stroke="#333333"/>')
    ticks = (_ticks(lo, split, "years") + _ticks(split, hi, "months")) if broken else _ticks(lo, hi, mode)
    if broken:
        bx = _LEFT + left_w + gap / 2
        parts.append(f'<text x="{bx:.1f}" y="{axis_y + 5}" text-anchor="middle" font-size="14" font-weight="bold">//</text>')
    for v, label in ticks:
        if not _LEFT <= x(v) <= _W - _RIGHT - 12:  # a label half outside the figure would be cut
            continue
        parts.append(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{axis_y}" y2="{axis_y + 5}" stroke="#333333"/>'
                     f'<text x="{x(v):.1f}" y="{axis_y + 19}" text-anchor="middle" font-size="12">{esc(label)}</text>')
    for k, line in enumerate(axis_label.split("\n")):
        parts.append(f'<text x="{_LEFT}" y="{axis_y + 38 + 16 * k}" font-size="12.5">{esc(line)}</text>')
    counts: dict[str, int] = {}
    for k, (i, a, b) in enumerate(zip(shown, xs0, xs1)):
        phase = marks.phase[i]
        y = tops[lanes.index(phase)] + _LANE / 2
        shape, colour = PHASES[phase]
        counts[phase] = counts.get(phase, 0) + 1
        if is_bar[k]:
            yb = y + _TRACK * track[k]
            parts.append(f'<rect x="{x(a) + 1:.1f}" y="{yb - 4:.1f}" width="{max(x(b) - x(a) - 2, 3):.1f}" height="8" fill="#ffffff" '
                         f'stroke="{colour}" stroke-width="2" opacity="0.9"><title>{esc(marks.label[i])}</title></rect>')
        else:
            parts.append(_marker(shape, x(a), y, colour, marks.approx[i] and mode == "hours", marks.label[i]))
    desc = (f"Timeline of {len(shown)} event{'s' if len(shown) != 1 else ''} from {marks.dates[shown[0]]} to "
            f"{marks.dates[shown[-1]]}; " + ", ".join(f"{counts.get(p, 0)} {p}" for p in lanes) + ".")
    if one_day and len(shown) < len(rows):
        desc += (f" {len(rows) - len(shown)} more on this day have no time in the source (time not given): they are "
                 "not drawn, and the table lists them in their place in the order.")
    stacked = max((len(e) for e in ends.values()), default=0)
    if stacked > 1:
        desc += " Period bars that overlap are stacked, one per event, in time order from the top."
    return (f'<svg class="sl-timeline-svg" role="img" viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" '
            f'aria-label="{esc(desc)}" font-family="DejaVu Sans, sans-serif">'
            f'<desc>{esc(desc)}</desc>{"".join(parts)}</svg>')


def _source_label(title: str, kind: str, origin: str) -> str:
    """How a source is named in a table cell: the two seed documents by their role, others by title."""
    if origin == "seed":
        return {"encyclopedia": "Reference article", "opinion": "Opinion piece"}.get(kind, title)
    return f"{title} (outside source)"


def _legend_html() -> str:
    items = "".join(f'<li><span aria-hidden="true" style="color:{c}">{ {"circle": "●", "square": "■", "diamond": "◆", "triangle": "▲"}[s] }</span> {esc(p)}</li>'
                    for p, (s, c) in PHASES.items())
    return ('<ul class="sl-legend" style="list-style:none;padding:0;margin:0.2em 0;display:flex;gap:0.2em 1.2em;flex-wrap:wrap">'
            f"{items}<li>▭ bar: month or period only</li><li>hollow: approximate time</li></ul>")


# ---------------------------------------------------------------------------- timeline explorer

class TimelineExplorer(_Snapshot, W.VBox):
    """Filter the events by phase, category, person and dates; switch the clock; read the sources.

    Shows a status line (how many events match), a timeline figure and a table of the matching
    events with their sources. ``TimelineExplorer(events)`` explores any events frame, e.g. one
    phase only; the default is every event of the package.
    """

    def __init__(self, events: pd.DataFrame | None = None, *, people: pd.DataFrame | None = None,
                 sources: pd.DataFrame | None = None, phase: str | Sequence[str] = (),
                 category: str | Sequence[str] = (), person: str = "", zone: str = LOCAL, **kwargs: Any):
        self.index = tl.EventIndex(events)
        ev = self.index.events
        people = load("people") if people is None else people
        sources = load("sources") if sources is None else sources
        self._names = dict(zip(people["person_id"], people["name"]))
        self._source_titles = {sid: _source_label(title, kind, origin) for sid, title, kind, origin
                               in zip(sources["source_id"], sources["title"], sources["kind"], sources["origin"])}
        phases = [p for p in PHASES if p in set(ev["phase"])]
        cats = sorted(set(ev["category"]))
        ids = sorted({p for ps in ev["people"] for p in ps}, key=lambda i: self._names.get(i, i))
        if len(ev):
            lo, hi = self.index.first.min(), self.index.last.max()
            self._bounds = (pd.Timestamp(lo).date(), pd.Timestamp(hi).date())
        else:  # an empty selection (e.g. a filter that matched nothing) opens as "no events"
            self._bounds = (None, None)

        self.phase = W.SelectMultiple(options=phases, rows=len(phases), description="Phase",
                                      layout=W.Layout(width="auto"))
        self.category = W.SelectMultiple(options=cats, rows=min(len(cats), 6), description="Category",
                                         layout=W.Layout(width="auto"))
        self.person = W.Dropdown(options=[("Anyone", "")] + [(self._names.get(i, i), i) for i in ids],
                                 value="", description="Person")
        self.start = W.DatePicker(value=self._bounds[0], description="From")
        self.end = W.DatePicker(value=self._bounds[1], description="To")
        self.zone = W.Dropdown(options=[LOCAL] + list(tl.ZONES), value=LOCAL, description="Clock")
        self.reset_button = W.Button(description="Reset filters", tooltip="Show every event again")
        self.status = W.HTML()
        self.figure = W.HTML()
        self.table = W.HTML()
        self.status.add_class("sl-status")
        self.figure.add_class("sl-figure")
        self.table.add_class("sl-table-view")
        self._rows_cache: dict[str, list[str]] = {}
        self._timed_days = set(ev.loc[ev["timestamp_utc"].notna() & (ev["date_precision"] == "day"), "date"])
        self._marks = _Marks(ev)
        help_text = W.HTML("<p class=\"sl-help\">Select one or more phases or categories (Ctrl- or ⌘-click to "
                           "pick several; none selected means all). The table lists every matching event "
                           "with its sources.</p>")
        controls = W.HBox([W.VBox([self.phase, self.category]),
                           W.VBox([self.person, self.start, self.end, self.zone, self.reset_button])],
                          layout=W.Layout(flex_flow="row wrap", grid_gap="1em"))
        super().__init__([W.HTML(_LIVE_CSS), help_text, controls, self.status, self.figure, self.table], **kwargs)
        self.add_class("sl-timeline-explorer")
        self.add_class("sl-live")
        # Starting filters (e.g. one phase) make a shorter first view, and a shorter printed snapshot.
        self.phase.value = (phase,) if isinstance(phase, str) else tuple(phase)
        self.category.value = (category,) if isinstance(category, str) else tuple(category)
        self.person.value, self.zone.value = person, zone
        for w in (self.phase, self.category, self.person, self.start, self.end, self.zone):
            w.observe(self._changed, names="value")
        self.reset_button.on_click(lambda _b: self.reset())
        self.update()

    # -- state -----------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        """The current filters, in the form :func:`timeline.filter_events` takes."""
        start, end = self.start.value, self.end.value
        return {
            "phase": list(self.phase.value) or None,
            "category": list(self.category.value) or None,
            "person": self.person.value or None,
            "start": None if start is None or start == self._bounds[0] else pd.Timestamp(start),
            "end": None if end is None or end == self._bounds[1] else pd.Timestamp(end),
        }

    def selection(self) -> pd.DataFrame:
        """The events that match the current filters, in time order."""
        return self.index.events.loc[self._mask()]

    def _mask(self) -> np.ndarray:
        return self.index.mask(**self.filters())

    def reset(self) -> None:
        """Clear every filter and go back to local times."""
        with self.hold_trait_notifications():
            self._quiet = True
            self.phase.value, self.category.value, self.person.value = (), (), ""
            self.start.value, self.end.value, self.zone.value = self._bounds[0], self._bounds[1], LOCAL
            self._quiet = False
        self.update()

    _quiet = False

    def _changed(self, _change: dict[str, Any]) -> None:
        if not self._quiet:
            self.update()

    # -- rendering -------------------------------------------------------------------------
    def _rows(self, zone: str) -> list[str]:
        if zone not in self._rows_cache:
            self._rows_cache[zone] = [self._row(r, zone) for _, r in self.index.events.iterrows()]
        return self._rows_cache[zone]

    def _when(self, row: pd.Series, zone: str) -> str:
        text = tl.date_label(row)
        if pd.isna(row["timestamp_utc"]):
            # A day without a source time keeps its place in the order and says so.
            # Only on a day where other events have times: there the missing time matters to the order.
            return f"{text}, {tl.TIME_NOT_GIVEN}" if row["date"] in self._timed_days else text
        if zone == LOCAL:
            t = row["timestamp"]
        else:
            t = row["timestamp_utc"].tz_convert(tl.ZONES[zone])
        approx = "≈ " if row.get("time_approx", False) else ""
        return f"{t.day} {t:%b %Y}, {approx}{t:%H:%M} {t.tzname()}"

    def _row(self, row: pd.Series, zone: str) -> str:
        shape = {"circle": "●", "square": "■", "diamond": "◆", "triangle": "▲"}[PHASES.get(row["phase"], ("circle", ""))[0]]
        people = ", ".join(self._names.get(p, p) for p in row["people"]) or "—"
        srcs = "; ".join(self._source_titles.get(s, s) for s in row["source_ids"])
        return (f"<tr><td>{esc(self._when(row, zone))}</td><td><span aria-hidden=\"true\">{shape}</span> "
                f"{esc(row['phase'])}</td><td>{esc(row['category'])}</td><th scope=\"row\">{esc(row['title'])}</th>"
                f"<td>{esc(row['summary'])}</td><td>{esc(people)}</td><td>{esc(srcs)}</td></tr>")

    def _describe(self, f: dict[str, Any]) -> str:
        parts = []
        if f["phase"]:
            parts.append("phase " + " or ".join(f["phase"]))
        if f["category"]:
            parts.append("category " + " or ".join(f["category"]))
        if f["person"]:
            parts.append("involving " + self._names.get(f["person"], f["person"]))
        if f["start"] is not None:
            parts.append(f"from {f['start']:%d %b %Y}")
        if f["end"] is not None:
            parts.append(f"to {f['end']:%d %b %Y}")
        return "; ".join(parts)

    def render(self, mask: np.ndarray, zone: str) -> tuple[str, str, str]:
        """Status, figure and table HTML for a selection (no side effects)."""
        total, n = len(mask), int(mask.sum())
        f = self.filters()
        described = self._describe(f)
        clock = "each event's local time" if zone == LOCAL else f"{zone} time"
        if self.start.value and self.end.value and self.start.value > self.end.value:
            status = ("<p role=\"status\"><strong>No events:</strong> the “From” date is after the “To” date. "
                      "Swap them or press <em>Reset filters</em>.</p>")
            return status, "", ""
        if total == 0:
            return "<p role=\"status\"><strong>No events</strong>: the table given to this explorer is empty.</p>", "", ""
        if n == 0:
            status = (f"<p role=\"status\"><strong>No event matches</strong> {esc(described)}. Remove a filter "
                      "(select fewer items, or choose “Anyone”) or press <em>Reset filters</em>.</p>")
            return status, "", ""
        status = (f"<p role=\"status\">Showing <strong>{n} of {total}</strong> events"
                  + (f" ({esc(described)})" if described else "") + f"; times in {esc(clock)}.</p>")
        figure = _svg(self._marks, np.flatnonzero(mask).tolist(), zone) + _legend_html()
        rows = self._rows(zone)
        picked = [rows[i] for i in np.flatnonzero(mask)]
        tbl = table(f"The {n} matching events, in time order, with their sources",
                    ["When", "Phase", "Category", "Event", "What happened", "People", "Sources"], [])
        tbl = tbl.replace("<tbody></tbody>", "<tbody>" + "".join(picked) + "</tbody>")
        return status, figure, tbl

    def update(self) -> None:
        """Redraw the status line, the figure and the table for the current filters."""
        status, figure, tbl = self.render(self._mask(), self.zone.value)
        self.status.value, self.figure.value, self.table.value = status, figure, tbl

    def snapshot_html(self) -> str:
        return ('<div class="sl-snapshot sl-timeline-snapshot">'
                f"{LIVE_NOTE}{self.status.value}{self.figure.value}{self.table.value}</div>")

    def summary_text(self) -> str:
        return f"Timeline explorer: {len(self.index.events)} events (run the notebook to use the filters)."


