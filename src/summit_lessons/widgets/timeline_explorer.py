"""The timeline explorer: filters, a clock choice and a numbered SVG figure of the events.

Built for a projector and for a keyboard: every phase and category is a checkbox (all visible, no
Ctrl-click), the dates read "15 Aug 2025" whatever the browser's locale, and every control has a
visible label that is also its accessible name. The status line is a live region (``role=status``).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Sequence

import ipywidgets as W
import numpy as np
import pandas as pd
import traitlets

from .. import timeline as tl
from .._html import LIVE_NOTE, esc, table
from ..loader import load
from .tables import _LIVE_CSS, _Snapshot
from .timeline_figure import LOCAL, PHASES, SYMBOLS, Marks, day_text, legend_html, svg, timeline_svg

__all__ = ["TimelineExplorer", "Choices", "date_choices", "period_text", "timeline_svg", "PHASES", "LOCAL"]

#: Projector-sized controls: larger checkboxes and text. Scoped to the explorer.
_EXPLORER_CSS = ("<style>.sl-timeline-explorer .sl-choices .widget-checkbox{width:auto;margin-right:1.1em}"
                 ".sl-timeline-explorer .sl-choices input[type=checkbox]{width:1.1em;height:1.1em;margin:0 .35em 0 0;"
                 "vertical-align:middle}.sl-timeline-explorer .sl-choices .widget-label-basic{display:flex;align-items:center}"
                 ".sl-timeline-explorer .sl-choices{flex-flow:row wrap;align-items:center}"
                 ".sl-timeline-explorer .sl-group-name{font-weight:600;min-width:6.5em}"
                 ".sl-timeline-explorer :focus-visible{outline:3px solid #1a5fb4;outline-offset:1px}</style>")


class Choices(W.HBox):
    """Several options as checkboxes, all visible; ``value`` is the tuple of the ticked ones.

    A drop-in for ``SelectMultiple`` where a choice must be visible and picked without a
    modifier key: set ``value`` from Python or tick boxes, and observers of ``value`` hear both.
    Nothing ticked means "no filter". ``value`` keeps the order of ``options``.
    """

    value = traitlets.Tuple()

    def __init__(self, options: Iterable[str], description: str, **kwargs: Any):
        self.options = tuple(options)
        self.description = description
        self._syncing = False
        # The group's name is text before the boxes; each box is named by its own label (a native
        # <label> around the <input>), so Tab reaches every box and Space ticks it.
        self.boxes = [W.Checkbox(value=False, description=o, indent=False, layout=W.Layout(width="auto"))
                      for o in self.options]
        name = W.HTML(f'<span class="sl-group-name">{esc(description)}:</span>')
        super().__init__([name, *self.boxes], **kwargs)
        self.add_class("sl-choices")
        for box in self.boxes:
            box.observe(self._from_boxes, names="value")

    @traitlets.validate("value")
    def _valid(self, proposal: dict[str, Any]) -> tuple[str, ...]:
        wanted = tuple(proposal["value"])
        unknown = [v for v in wanted if v not in self.options]
        if unknown:
            raise traitlets.TraitError(f"{self.description}: no option {unknown[0]!r} (options: {', '.join(self.options)})")
        return tuple(o for o in self.options if o in wanted)

    @traitlets.observe("value")
    def _to_boxes(self, change: dict[str, Any]) -> None:
        self._syncing = True
        try:
            for o, box in zip(self.options, self.boxes):
                box.value = o in change["new"]
        finally:
            self._syncing = False

    def _from_boxes(self, _change: dict[str, Any]) -> None:
        if not self._syncing:
            self.value = tuple(o for o, box in zip(self.options, self.boxes) if box.value)


def period_text(d: dt.date, precision: str) -> str:
    """A day, month or year as the sources give it: '15 Aug 2025', 'Aug 2025', '2014'."""
    return {"day": day_text(d), "month": f"{d:%b %Y}", "year": f"{d:%Y}"}[precision]


def date_choices(events: pd.DataFrame) -> tuple[list[tuple[str, dt.date]], list[tuple[str, dt.date]]]:
    """The From and To options, ``(label, day)`` in time order, from the periods of ``events``.

    Each event gives its day, or its month or year where the source gives no finer date: in From
    an option stands for its first day, in To for its last, so "From Aug 2025" keeps every August
    event. Where a month and a day share a first (or last) day, the coarser label stays: choosing
    it keeps the same events.
    """
    rank = {"year": 0, "month": 1, "day": 2}
    froms: dict[dt.date, tuple[int, str]] = {}
    tos: dict[dt.date, tuple[int, str]] = {}

    def add(into: dict[dt.date, tuple[int, str]], day: dt.date, precision: str, label_day: dt.date) -> None:
        option = (rank[precision], period_text(label_day, precision))
        into[day] = min(into.get(day, option), option)

    ends = events["end_date"] if "end_date" in events else pd.Series(pd.NaT, index=events.index)
    for d, e, p in zip(events["date"], ends, events["date_precision"]):
        if pd.isna(d) or p not in rank:
            continue
        for start in (d, e) if pd.notna(e) else (d,):  # a period (May–Jul) gives May and Jul
            first = pd.Timestamp(start)
            last = first + {"day": pd.DateOffset(days=0), "month": pd.offsets.MonthEnd(0),
                            "year": pd.offsets.YearEnd(0)}[p]
            add(froms, first.date(), p, first.date())
            add(tos, last.date(), p, first.date())
    return ([(label, day) for day, (_r, label) in sorted(froms.items())],
            [(label, day) for day, (_r, label) in sorted(tos.items())])


def _source_label(title: str, kind: str, origin: str) -> str:
    """How a source is named in a table cell: the two seed documents by their role, others by title."""
    if origin == "seed":
        return {"encyclopedia": "Reference article", "opinion": "Opinion piece"}.get(kind, title)
    return f"{title} (outside source)"


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
        froms, tos = date_choices(ev)

        self.phase = Choices(phases, "Phase")
        self.category = Choices(cats, "Category")
        self.person = W.Dropdown(options=[("Anyone", "")] + [(self._names.get(i, i), i) for i in ids],
                                 value="", description="Person")
        # Lists, not date boxes: a browser draws a date box in its own locale (11/19/2025 or
        # 19/11/2025); these read "19 Nov 2025" in every class, and offer only days with events.
        self.start = W.Dropdown(options=froms, value=self._bounds[0], description="From",
                                tooltip="First day (or month) to show")
        self.end = W.Dropdown(options=tos, value=self._bounds[1], description="To",
                              tooltip="Last day (or month) to show")
        self.zone = W.Dropdown(options=[LOCAL] + list(tl.ZONES), value=LOCAL, description="Clock",
                               style={"description_width": "initial"}, layout=W.Layout(width="auto"))
        self.reset_button = W.Button(description="Reset filters", tooltip="Show every event again, in local times")
        self.status = W.HTML()
        self.figure = W.HTML()
        self.table = W.HTML()
        self.status.add_class("sl-status")
        self.figure.add_class("sl-figure")
        self.table.add_class("sl-table-view")
        self._rows_cache: dict[str, list[str]] = {}
        self._timed_days = set(ev.loc[ev["timestamp_utc"].notna() & (ev["date_precision"] == "day"), "date"])
        self._marks = Marks(ev)
        help_text = W.HTML("<p class=\"sl-help\">Tick phases or categories to show only those (none ticked: all). "
                           "Each event has a number in the figure and in the table's No. column.</p>")
        wrap = W.Layout(flex_flow="row wrap", align_items="center")
        controls = W.VBox([self.phase, self.category,
                           W.HBox([self.person, self.zone], layout=wrap),
                           # Reset last: Tab meets every filter before it
                           W.HBox([self.start, self.end, self.reset_button], layout=wrap)])
        super().__init__([W.HTML(_LIVE_CSS + _EXPLORER_CSS), help_text, controls, self.status, self.figure, self.table], **kwargs)
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
        shape = SYMBOLS[PHASES.get(row["phase"], ("circle", ""))[0]]
        people = ", ".join(self._names.get(p, p) for p in row["people"]) or "—"
        srcs = "; ".join(self._source_titles.get(s, s) for s in row["source_ids"])
        return (f"<tr><td>{esc(self._when(row, zone))}</td><td><span aria-hidden=\"true\">{shape}</span> "
                f"{esc(row['phase'])}</td><td>{esc(row['category'])}</td><th scope=\"row\">{esc(row['title'])}</th>"
                f"<td>{esc(row['summary'])}</td><td>{esc(people)}</td><td>{esc(srcs)}</td></tr>")

    def _describe(self, f: dict[str, Any]) -> str:
        parts = []
        if f["phase"]:
            parts.append("phase: " + " or ".join(p.replace("summit-day", "summit day") for p in f["phase"]))  # words, not codes
        if f["category"]:
            parts.append("category: " + " or ".join(f["category"]))
        if f["person"]:
            parts.append("involving " + self._names.get(f["person"], f["person"]))
        # The dates as the From and To lists name them: "from Aug 2025" keeps a whole month.
        if f["start"] is not None:
            parts.append(f"from {self.start.label or day_text(f['start'])}")
        if f["end"] is not None:
            parts.append(f"to {self.end.label or day_text(f['end'])}")
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
                      "(untick a box, or choose “Anyone”) or press <em>Reset filters</em>.</p>")
            return status, "", ""
        status = (f"<p role=\"status\">Showing <strong>{n} of {total}</strong> events"
                  + (f" ({esc(described)})" if described else "") + f"; times in {esc(clock)}.</p>")
        chosen = np.flatnonzero(mask).tolist()
        figure = svg(self._marks, chosen, zone) + legend_html()
        rows = self._rows(zone)
        # The No. column: the numbers the figure's markers carry (1 = the first matching event).
        picked = [f'<tr><td class="sl-num">{k}</td>' + rows[i][len("<tr>"):] for k, i in enumerate(chosen, 1)]
        tbl = table(f"The {n} matching events, in time order, with their sources; No. is the number in the figure",
                    ["No.", "When", "Phase", "Category", "Event", "What happened", "People", "Sources"], [])
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


