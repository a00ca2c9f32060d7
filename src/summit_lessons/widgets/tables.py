"""Plain tables for the lessons: a DataFrame as an accessible, captioned HTML table, and the
snapshot mixin every live widget uses for its static view."""
from __future__ import annotations

from typing import Any, Sequence

from .. import timeline as tl
from .._html import cell_text, frame_table
from ..loader import load
from .._lazy import lazy

# Imported by the first call that needs a table, not by the lessons' set-up cell.
pd = lazy("pandas")

__all__ = ["Table", "html_table", "event_table"]

#: Table style for the live widgets (JupyterLab has none for plain tables); handouts bring their own.
_LIVE_CSS = ("<style>.sl-live .sl-table{border-collapse:collapse;margin:.5em 0}"
                       ".sl-live .sl-table caption{text-align:left;font-weight:600;padding:.25em 0}"
                       ".sl-live .sl-table th,.sl-live .sl-table td{border:1px solid #767676;padding:.25em .5em;"
                       "text-align:left;vertical-align:top}.sl-live .sl-table thead th{background:#eeeeee}</style>")



# ---------------------------------------------------------------------------- plain tables

class Table:
    """A DataFrame shown as an accessible HTML table with a caption (text too, for plain viewers)."""

    def __init__(self, df: pd.DataFrame, caption: str):
        show_index = df.index.name not in (None, "line")
        self.frame = df.reset_index() if show_index else df
        self.caption = caption

    def to_html(self) -> str:
        # Column names read as words ("in_meeting" -> "in meeting"); the cells as plots' tables do.
        return frame_table(self.frame.rename(columns=lambda c: str(c).replace("_", " ")), self.caption)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        text = self.frame.map(cell_text).to_string(index=False) if len(self.frame) else "(no rows)"
        return {"text/html": self.to_html(), "text/plain": f"{self.caption}\n{text}"}


def html_table(df: pd.DataFrame | pd.Series, caption: str) -> Table:
    """Show ``df`` as a captioned table; a named index (e.g. ``claim_id``) becomes the first column."""
    if isinstance(df, pd.Series):
        df = df.to_frame()
    return Table(df, caption)


def event_table(events: pd.DataFrame, caption: str, columns: Sequence[str] = ("title", "summary"),
                people: pd.DataFrame | None = None) -> Table:
    """Events as a captioned table: a "when" column with the precision the source gives, then ``columns``.

    A ``people`` column shows names (from ``people``, default the packaged table) rather than ids.
    """
    out = pd.DataFrame({"when": [tl.date_label(r) for _, r in events.iterrows()]}, index=events.index)
    names = None
    for col in columns:
        if col == "people":
            frame = load("people") if people is None else people
            names = names or dict(zip(frame["person_id"], frame["name"]))
            out[col] = [[names.get(p, p) for p in ps] for ps in events[col]]
        else:
            out[col] = events[col]
    out.index.name = None
    # readers see words, not the events table's column names
    return Table(out.rename(columns=lambda c: EVENT_HEADERS.get(c, c)), caption)


#: The header a reader sees for each column of an event table.
EVENT_HEADERS = {"when": "When", "title": "Event", "summary": "Summary", "people": "People named",
                 "category": "Category", "phase": "Phase", "date_precision": "Date precision"}


# ---------------------------------------------------------------------------- snapshot support

class _Snapshot:
    """Mixin: add a static ``text/html`` snapshot and a short ``text/plain`` to the display bundle."""

    def snapshot_html(self) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def summary_text(self) -> str:  # pragma: no cover
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        bundle["text/html"] = self.snapshot_html()
        bundle["text/plain"] = self.summary_text()
        return bundle


