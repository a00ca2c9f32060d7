"""What every chart of :mod:`summit_lessons.plots` shares: the colour-blind-safe palette and
marker styles, the :class:`Chart` (figure, alt text, numbers, title), the figure frame, and
:func:`show`, which stores the PNG with its alt text and prints the numbers as a table.

Figures are built with :class:`matplotlib.figure.Figure`, not ``pyplot``: they are never
registered with pyplot, so the inline backend cannot auto-display a copy without alt text.
"""
from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, Any, Iterator

from ._html import frame_table
from ._lazy import lazy
from .loader import load

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

# matplotlib is imported by the first chart, pandas by the first table, not by the set-up cell.
pd = lazy("pandas")
mpl = lazy("matplotlib")
_mfigure = lazy("matplotlib.figure")

DPI = 100
WIDTH_IN = 9.6

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO: dict[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}


@dataclass(frozen=True)
class Style:
    """How one series looks: a colour, plus a marker and a hatch so colour is never alone."""

    colour: str
    marker: str
    hatch: str
    name: str


#: Series styles in the order charts use them; no two share a colour, a marker or a hatch.
#: Yellow is left out: too light for markers on white even with an edge.
SERIES: tuple[Style, ...] = (
    Style(OKABE_ITO["blue"], "o", "//", "blue, circle, diagonal hatch"),
    Style(OKABE_ITO["vermillion"], "s", "\\\\", "vermillion, square, back-diagonal hatch"),
    Style(OKABE_ITO["bluish green"], "D", "xx", "bluish green, diamond, cross hatch"),
    Style(OKABE_ITO["orange"], "^", "..", "orange, triangle, dotted"),
    Style(OKABE_ITO["reddish purple"], "v", "++", "reddish purple, down triangle, plus hatch"),
    Style(OKABE_ITO["sky blue"], "P", "--", "sky blue, plus marker, horizontal hatch"),
    Style("#FFFFFF", "X", "", "white, x marker, no hatch"),
)

VERDICTS: tuple[str, ...] = ("corroborated", "partly-supported", "contradicted", "unverified", "opinion", "unrelated")
VERDICT_SYMBOLS: dict[str, str] = {"corroborated": "✓", "partly-supported": "≈", "contradicted": "✗",
                                   "unverified": "?", "opinion": "◆", "unrelated": "∅"}

_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 11, "axes.titlesize": 12.5, "axes.labelsize": 11, "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5, "legend.fontsize": 10.5, "legend.title_fontsize": 10.5,
    "text.color": "black", "axes.labelcolor": "black", "xtick.color": "black", "ytick.color": "black",
    "axes.edgecolor": "#333333", "axes.spines.top": False, "axes.spines.right": False,
    "axes.titlelocation": "left", "axes.titleweight": "bold",
    "figure.facecolor": "white", "axes.facecolor": "white", "savefig.facecolor": "white",
    "hatch.linewidth": 1.0, "hatch.color": "black", "legend.frameon": False,
    "svg.hashsalt": "summit_lessons", "path.simplify": False,
    # Chart text is data text (titles, areas, terms): a "$" in it is a dollar, never mathtext,
    # so "US$5bn then US$10bn" prints as written and "$\frac{1}{$" cannot break a chart.
    "text.parse_math": False,
}


@dataclass
class Chart:
    """A figure with what it shows in words (``alt``), the numbers behind it and a title."""

    fig: Figure
    alt: str
    table: pd.DataFrame
    title: str
    caption: str = ""  # the table's caption when it holds more than the figure shows (else the title)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, str], dict[str, Any]]:
        # Shown bare in a cell, a Chart still carries its alt text (use show() for the table too).
        b64 = base64.b64encode(png_bytes(self)).decode("ascii")
        return {"image/png": b64, "text/plain": self.alt}, {"image/png": {"alt": self.alt}}


# ---------------------------------------------------------------------------- shared helpers

def _figure(height_in: float) -> tuple[Figure, Any]:
    with mpl.rc_context(_RC):
        fig = _mfigure.Figure(figsize=(WIDTH_IN, round(height_in, 2)), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


def _finish(fig: Figure) -> None:
    """Lay the figure out once, then freeze it: every later render gives the same bytes.

    Constrained layout starts from the previous draw's positions, so without freezing a second
    savefig of the same figure can differ by a pixel from the first.
    """
    with mpl.rc_context(_RC):
        fig.draw_without_rendering()
        for _ in range(3):  # a rewrapped title changes the layout: draw again, then check again
            if not _fit_titles(fig):
                break
            fig.draw_without_rendering()
    fig.set_layout_engine("none")


def titles_of(fig: Figure) -> list[Any]:
    """The figure's axes titles that hold text (the style puts them on the left, not the centre)."""
    return [t for ax in fig.axes for t in (ax._left_title, ax.title, ax._right_title) if t.get_text()]


def _fit_titles(fig: Figure, margin: float = 4.0) -> bool:
    """Rewrap every axes title that runs past the figure's left or right edge; True if one changed.

    A title starts at (or is centred on) its axes, which long tick labels push to the right, so a title
    shorter than the figure can still be cut at its right edge.
    """
    renderer = fig._get_renderer()
    changed = False
    for title in titles_of(fig):
        box = title.get_window_extent(renderer)
        if box.x0 >= margin and box.x1 <= fig.bbox.width - margin:
            continue
        if title.get_horizontalalignment() == "left":
            room = fig.bbox.width - margin - box.x0
        else:
            centre = (box.x0 + box.x1) / 2
            room = 2 * min(centre, fig.bbox.width - centre) - 2 * margin
        longest = max(len(line) for line in title.get_text().split("\n"))
        width = max(20, int(longest * room / box.width) - 1)
        title.set_text("\n".join(textwrap.wrap(" ".join(title.get_text().split()), width)))
        changed = True
    return changed


def png_bytes(chart: Chart) -> bytes:
    """The chart as PNG bytes: identical on every run (fixed size, dpi, no software stamp)."""
    buf = BytesIO()
    # Tick labels are created at draw time, so the style must be active while saving too.
    with mpl.rc_context(_RC):
        chart.fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def show(chart: Chart) -> None:
    """Display the chart (PNG + alt text stored in the notebook), then its numbers as a table."""
    from IPython.display import display

    b64 = base64.b64encode(png_bytes(chart)).decode("ascii")
    display({"image/png": b64, "text/plain": chart.alt}, raw=True, metadata={"image/png": {"alt": chart.alt}})
    caption = chart.caption or chart.title
    # the table keeps its column names for code; a reader sees them as headers ("Event", not "event")
    shown = chart.table.rename(columns=lambda c: str(c)[:1].upper() + str(c)[1:])
    display({"text/html": frame_table(shown, caption),
             "text/plain": f"{caption}\n{chart.table.to_string(index=False)}"}, raw=True)
    _close(chart.fig)


def _close(fig: Figure) -> None:
    import sys

    # The figures are not pyplot's; close them there only if pyplot exists and somehow holds them.
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)
    fig.clear()


def _frame(name: str, df: pd.DataFrame | None) -> pd.DataFrame:
    return load(name) if df is None else df


def _source_names(ids: pd.Series) -> list[str]:
    """Sources by name, as a reader knows them ("reference article"), never by their row id."""
    src = load("sources").set_index("source_id")

    def name(sid: str) -> str:
        if sid not in src.index:
            return sid
        row = src.loc[sid]
        if row["origin"] == "seed":
            return {"encyclopedia": "reference article", "opinion": "opinion piece"}.get(row["kind"], row["title"])
        return f"{row['title']} (outside source)"

    return [name(s) for s in ids]


def _short(text: str, width: int) -> str:
    return textwrap.shorten(str(text), width=width, placeholder="…")


def _wrap(text: str, width: int, lines: int = 2) -> str:
    return "\n".join(textwrap.wrap(str(text), width=width, max_lines=lines, placeholder="…"))


def _num(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _pct(v: float) -> str:
    return f"{v:g}%"


def _bar_label(ax: Any, x: float, y: float, text: str, *, inside: bool) -> None:
    # Inside a long bar: white bold text on the dark fill; otherwise black text just past the end.
    if inside:
        ax.text(x - 1.2, y, text, ha="right", va="center", color="white", fontweight="bold", fontsize=11)
    else:
        ax.text(x + 1.2, y, text, ha="left", va="center", color="black", fontsize=11)


def _styles(keys: list[str]) -> Iterator[tuple[str, Style]]:
    for i, key in enumerate(keys):
        yield key, SERIES[i % len(SERIES)]


def _no_data(ax: Any, message: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, transform=ax.transAxes)
