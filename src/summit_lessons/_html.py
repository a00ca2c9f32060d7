"""Small HTML builders shared by :mod:`plots` and :mod:`widgets` (no third-party imports).

Every piece of data text passes through :func:`esc`; the table builder takes cells that are
already HTML so callers can precompute rows once and join them later.
"""
from __future__ import annotations

import html
import numbers
from typing import Any, Iterable

from ._lazy import lazy

# Imported by the first table, not by the lessons' set-up cell.
np = lazy("numpy")
pd = lazy("pandas")

__all__ = ["esc", "table", "frame_table", "cell_text", "LIVE_NOTE"]

#: The line every static snapshot carries, so a reader of a printed page knows what they miss.
LIVE_NOTE = ('<p class="sl-live-note"><em>A snapshot of this explorer as it opens. In the notebook, run in '
             'Jupyter, its controls filter it.</em></p>')


def esc(value: Any) -> str:
    """Data text made safe for HTML (quotes too, since cells may end up in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def table(caption: str, headers: Iterable[str], rows: Iterable[str], *, css: str = "sl-table") -> str:
    """An accessible table: a caption, column headers with ``scope="col"``, rows given as HTML.

    ``caption`` and ``headers`` are plain text (escaped here); each row is a ready ``<tr>…</tr>``.
    """
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    return (f'<table class="{css}"><caption>{esc(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def cell_text(value: Any) -> str:
    """Plain-text form of one DataFrame cell, as a reader should see it."""
    if isinstance(value, (list, tuple)):
        return "; ".join(cell_text(v) for v in value) or "—"
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        # four-digit integers are usually years or small counts: no thousands separator
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    return str(value)


def frame_table(df: pd.DataFrame, caption: str) -> str:
    """A DataFrame (its columns, not its index) as an accessible HTML table."""
    rows = ("<tr>" + "".join(f"<td>{esc(cell_text(v))}</td>" for v in rec) + "</tr>"
            for rec in df.itertuples(index=False, name=None))
    return table(caption, [str(c) for c in df.columns], rows)
