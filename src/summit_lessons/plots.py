"""Charts for the lessons: each returns a :class:`Chart` (figure, alt text, numbers, title).

Display a chart with :func:`show`: it stores the PNG with its alt text in the notebook, then
prints the numbers as an accessible table, so a reader who cannot see the figure loses nothing.

Design rules (see TEACHING-NOTES.md): Okabe–Ito colours, but never colour alone — every series
also has its own marker or hatch and a direct text label; text at 10 pt or more; black edges so
light fills still reach 3:1 contrast against white.

The palette, the :class:`Chart` and :func:`show` live in :mod:`summit_lessons.figures`; they are
importable from here as before.
"""
from __future__ import annotations

from typing import Any

from . import timeline as tl
from ._lazy import lazy
from .figures import (OKABE_ITO, SERIES, VERDICT_SYMBOLS, VERDICTS, _RC, Chart, Style, _bar_label, _figure, _finish,
                      _frame, _no_data, _num, _pct, _source_names, _styles, _wrap, png_bytes, show, titles_of)

# matplotlib is imported by the first chart, pandas by the first table, not by the set-up cell.
pd = lazy("pandas")
mpl = lazy("matplotlib")
mdates = lazy("matplotlib.dates")
_mlines = lazy("matplotlib.lines")
_mpatches = lazy("matplotlib.patches")

__all__ = ["Chart", "Style", "OKABE_ITO", "SERIES", "VERDICTS", "VERDICT_SYMBOLS", "show", "png_bytes", "titles_of",
           "territory_chart", "summit_day_chart", "offer_chart", "verdicts_chart", "deadlines_chart"]


# ---------------------------------------------------------------------------- territory

_SUMMIT_DAY = "2025-08-15"


def _as_of_words(as_of: str) -> str:
    """The table's ``as_of`` ("before 2025-08-15", "2025-08-01") in words a reader expects on a chart."""
    before, _, day = str(as_of).rpartition(" ")
    try:
        when = pd.Timestamp(day)
    except ValueError:
        return f"as of {as_of}"
    words = f"{when.day} {when.strftime('%B %Y')}"
    if before == "before":
        # the summit is the date every "before" row is counted from, so name it as the lessons do
        return f"before the summit of {words}" if day == _SUMMIT_DAY else f"before {words}"
    return f"as of {words}"


def territory_chart(territory: pd.DataFrame | None = None) -> Chart:
    """Horizontal bars: the share of each area held by Russia, labelled on the bars."""
    df = _frame("territory", territory).reset_index(drop=True)
    dates = list(dict.fromkeys(df["as_of"]))
    one_date = len(dates) == 1
    title = ("Share of each area held by Russia" + (f", {_as_of_words(dates[0])}" if one_date
                                                    else " (as of the date given per area)"))
    labels = [a if one_date else f"{a} ({_as_of_words(d)})" for a, d in zip(df["area"], df["as_of"])]
    shares = [float(v) for v in df["share_held_by_russia_pct"]]
    fig, ax = _figure(1.4 + 0.55 * len(df))
    with mpl.rc_context(_RC):
        y = list(range(len(df)))[::-1]  # first row at the top, as in the table
        ax.barh(y, [100] * len(df), color="white", edgecolor="#555555", linewidth=0.8, height=0.6)
        ax.barh(y, shares, color=SERIES[0].colour, edgecolor="black", linewidth=1, height=0.6)
        for yi, v in zip(y, shares):
            _bar_label(ax, v, yi, _pct(v), inside=v >= 18)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20), [f"{t}%" for t in range(0, 101, 20)])
        ax.set_xlabel("Share of the area held by Russia (white = the rest of the area)")
        ax.set_title(title)
    parts = "; ".join(f"{lab}: {_pct(v)}" for lab, v in zip(labels, shares))
    hi, lo = max(range(len(shares)), key=shares.__getitem__), min(range(len(shares)), key=shares.__getitem__)
    alt = (f"Bar chart. {title}. {parts}. Highest: {labels[hi]} ({_pct(shares[hi])}); "
           f"lowest: {labels[lo]} ({_pct(shares[lo])}).")
    table = pd.DataFrame({"area": df["area"], "held by Russia (%)": df["share_held_by_russia_pct"],
                          "as of": [_as_of_words(d) for d in df["as_of"]], "note": df["note"], "source": _source_names(df["source_id"])})
    _finish(fig)
    return Chart(fig, alt, table, title)


# ---------------------------------------------------------------------------- summit day

def _hour_label(h: float) -> str:
    whole = int(round(h))
    return f"{whole % 24:02d}:00" + ("\n+1 day" if whole >= 24 else "")


def _zone_words(t: pd.Timestamp) -> str:
    """'AKDT, UTC−8' for a time on the summit day: the clock's abbreviation and offset, not a database name."""
    hours = t.utcoffset().total_seconds() / 3600
    offset = "UTC" if not hours else f"UTC{'+' if hours > 0 else '−'}{abs(hours):g}"
    return offset if t.tzname() in ("UTC", offset) else f"{t.tzname()}, {offset}"


def summit_day_chart(events: pd.DataFrame | None = None, zone: str = "Anchorage") -> Chart:
    """The timed summit-day events on a time axis in ``zone`` (a second clock on the top axis).

    Events the source gives no time for are not drawn (a position would invent a time); the alt
    text and the table name them, in their place in the order, as "time not given".
    """
    if zone not in tl.ZONES:
        raise ValueError(f"unknown zone {zone!r}: use one of {', '.join(tl.ZONES)}")
    whole_day = tl.summit_day(_frame("events", events), timed_only=False)
    day = whole_day.loc[whole_day["timestamp_utc"].notna()]
    untimed = whole_day.loc[whole_day["timestamp_utc"].isna(), "title"].tolist()
    other = "UTC" if zone != "UTC" else "Anchorage"
    local = day["timestamp_utc"].dt.tz_convert(tl.ZONES[zone])
    second = day["timestamp_utc"].dt.tz_convert(tl.ZONES[other])
    approx = [bool(a) for a in day["time_approx"]]
    stamps = [("≈" if a else "") + f"{t:%H:%M}" for a, t in zip(approx, local)]
    fig, ax = _figure(1.7 + 0.62 * max(len(day), 2))
    if day.empty:
        title = "Summit day: no timed events in the data"
        with mpl.rc_context(_RC):
            _no_data(ax, "No summit-day event has a time.")
        _finish(fig)
        return Chart(fig, title + ".", pd.DataFrame(columns=["event", f"time ({zone})", f"time ({other})", "approximate"]), title)
    base = local.iloc[0].normalize()
    hours = [(t - base).total_seconds() / 3600 for t in local]
    offset = (second.iloc[0].utcoffset() - local.iloc[0].utcoffset()).total_seconds() / 3600
    date_text = f"{local.iloc[0].day} {local.iloc[0]:%B %Y}"
    title = f"Summit day, {date_text}: timed events in {zone} time"
    kinds = {False: (SERIES[0], "time stated in the source"), True: (SERIES[1], "≈ approximate time")}
    lo, hi = min(hours), max(hours)
    lo, hi = (lo - 0.5, hi + 0.5) if hi - lo >= 1 else (lo - 1, hi + 1)
    with mpl.rc_context(_RC):
        y = list(range(len(day)))[::-1]
        ax.hlines(y, lo, hi, color="#DDDDDD", linewidth=0.8, zorder=0)
        for yi, h, a, stamp, name in zip(y, hours, approx, stamps, day["title"]):
            style = kinds[a][0]
            ax.plot([h], [yi], linestyle="none", marker=style.marker, markersize=10, markeredgecolor="black",
                    markerfacecolor=style.colour if not a else "white", markeredgewidth=1.6, zorder=3)
            right = (h - lo) / (hi - lo) < 0.5
            # Two short lines rather than one long one: a long label ran past the figure's edge.
            ax.annotate(_wrap(f"{stamp}  {name}", 34), (h, yi), xytext=(9 if right else -9, 0),
                        textcoords="offset points", ha="left" if right else "right", va="center", fontsize=10.5,
                        linespacing=1.1)
        step = 1 if hi - lo <= 8 else 2
        ticks = [float(t) for t in range(int(lo) + 1, int(hi) + 1) if t % step == 0]
        ax.set_xticks(ticks, [_hour_label(t) for t in ticks])
        ax.set_xlim(lo, hi)
        ax.set_ylim(-0.7, len(day) - 0.3)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("Time in UTC" if zone == "UTC" else f"{zone} time ({_zone_words(local.iloc[0])})")
        top = ax.secondary_xaxis("top", functions=(lambda h: h + offset, lambda h: h - offset))
        top.set_xticks([t + offset for t in ticks], [_hour_label(t + offset) for t in ticks])
        top.set_xlabel(f"Same moments in {other} time")
        handles = [_mlines.Line2D([], [], linestyle="none", marker=s.marker, markersize=9, markeredgecolor="black",
                          markerfacecolor=s.colour if not a else "white", markeredgewidth=1.6, label=text)
                   for a, (s, text) in kinds.items() if a in approx]
        fig.legend(handles=handles, loc="outside lower left", ncols=2)
        ax.set_title(title)
    span = tl.format_duration(day["timestamp_utc"].iloc[-1] - day["timestamp_utc"].iloc[0])
    n_approx = sum(approx)
    alt = (f"Dot chart of the {len(day)} timed events of the summit day, {date_text}, in {zone} time "
           f"({other} time on the top axis). The first, {day['title'].iloc[0]}, is at {stamps[0]}; the last, "
           f"{day['title'].iloc[-1]}, at {stamps[-1]}: {span} later. {n_approx} of the {len(day)} times are "
           "approximate (marked ≈ and drawn as hollow squares).")
    if untimed:
        alt += (f" Not drawn: {len(untimed)} events of the day for which the source gives no time ("
                + "; ".join(untimed) + ").")
    stamp_of = dict(zip(day.index, zip(stamps, [("≈" if a else "") + f"{t:%H:%M}" for a, t in zip(approx, second)])))
    table = pd.DataFrame({"event": whole_day["title"].to_numpy(),
                          f"time ({zone})": [stamp_of.get(i, (tl.TIME_NOT_GIVEN,))[0] for i in whole_day.index],
                          f"time ({other})": [stamp_of[i][1] if i in stamp_of else tl.TIME_NOT_GIVEN for i in whole_day.index],
                          "approximate": [("yes" if a else "no") if i in stamp_of else "—"
                                          for i, a in zip(whole_day.index, whole_day["time_approx"])]})
    # The table lists every event of the day, the untimed ones too: its caption says so.
    caption = (f"Summit day, {date_text}: every event in order, with its time in {zone} and {other} time "
               f"where the source gives one (“{tl.TIME_NOT_GIVEN}” otherwise)")
    _finish(fig)
    return Chart(fig, alt, table, title, caption)


# ---------------------------------------------------------------------------- offer terms

def _km2(area: float, approx: bool) -> str:
    return ("≈" if approx else "") + f"{_num(area)} km²"


def offer_chart(offer_terms: pd.DataFrame | None = None) -> Chart:
    """Bars of the area each reported offer term names, grouped by who would act; the rest in the table.

    The terms are what a news outlet reported, so the title, the alt text and the table name who
    reported them (``reported_by``).
    """
    df = _frame("offer_terms", offer_terms).reset_index(drop=True)
    party = df["party_acting"].fillna("not stated")
    reporters = df["reported_by"].fillna("not stated") if "reported_by" in df else pd.Series(["not stated"] * len(df))
    by = " and ".join(dict.fromkeys(reporters)) or "not stated"
    title = f"The Russian offer as reported by {by}: areas named in its terms, by who would act"
    has = df["area_km2"].notna()
    sized = df.loc[has].assign(party=party[has])
    groups = list(dict.fromkeys(sized["party"]))
    sized = sized.assign(order=sized["party"].map(groups.index)).sort_values(["order", "area_km2"], ascending=[True, False])
    fig, ax = _figure(1.9 + 0.62 * max(len(sized), 1))
    style_of = dict(_styles(groups))
    with mpl.rc_context(_RC):
        if sized.empty:
            _no_data(ax, "No term of the offer gives an area; see the table.")
        else:
            y = list(range(len(sized)))[::-1]
            top = float(sized["area_km2"].max())
            for yi, (_, row) in zip(y, sized.iterrows()):
                s = style_of[row["party"]]
                ax.barh(yi, float(row["area_km2"]), height=0.6, color=s.colour, hatch=s.hatch, edgecolor="black", linewidth=1)
                ax.text(float(row["area_km2"]) + top * 0.01, yi,
                        f"{_km2(float(row['area_km2']), bool(row['area_approx']))} · acting: {row['party']}",
                        ha="left", va="center", fontsize=10.5)
            ax.set_yticks(y, [_wrap(t, 34) for t in sized["term"]])
            ax.set_xlim(0, top * 1.55)
            ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
            ax.set_xlabel("Area named in the term (km²; ≈ = approximate)")
            ax.legend(handles=[_mpatches.Patch(facecolor=style_of[g].colour, hatch=style_of[g].hatch, edgecolor="black",
                                     label=g) for g in groups],
                      title="Who would act", loc="lower right")
        ax.set_title(title)
    listed = "; ".join(f"{row['term']}: {_km2(float(row['area_km2']), bool(row['area_approx']))} (acting: {row['party']})"
                       for _, row in sized.iterrows())
    rest = int((~has).sum())
    rest_text = {0: "Every term names an area.", 1: "1 term names no area and is listed in the table only."}.get(
        rest, f"{rest} terms name no area and are listed in the table only.")
    alt = (f"Bar chart. {title}. These are reported terms, not a published document. {len(sized)} of the {len(df)} "
           "terms name an area" + (f": {listed}. " if listed else ". ") + rest_text)
    table = pd.DataFrame({"reported term": df["term"], "reported by": reporters, "group": df["group"], "region": df["region"],
                          "area (km²)": df["area_km2"], "approximate": df["area_approx"], "who would act": party,
                          "source": _source_names(df["source_id"])})
    _finish(fig)
    return Chart(fig, alt, table, title)


# ---------------------------------------------------------------------------- verdicts

def verdicts_chart(claims: pd.DataFrame | None = None) -> Chart:
    """How many claims got each verdict, in a fixed order from corroborated to unrelated."""
    df = _frame("claims", claims)
    counts = [int((df["verdict"] == v).sum()) for v in VERDICTS]
    title = f"Verdicts on the {len(df)} checked claims"
    fig, ax = _figure(1.3 + 0.55 * len(VERDICTS))
    with mpl.rc_context(_RC):
        y = list(range(len(VERDICTS)))[::-1]
        top = max(max(counts), 1)
        for yi, v, n, (_, s) in zip(y, VERDICTS, counts, _styles(list(VERDICTS))):
            ax.barh(yi, n, height=0.6, color=s.colour, hatch=s.hatch, edgecolor="black", linewidth=1)
            ax.text(n + top * 0.015, yi, f"{n}", ha="left", va="center", fontsize=11, fontweight="bold")
        ax.set_yticks(y, [f"{VERDICT_SYMBOLS[v]} {v}" for v in VERDICTS])
        ax.set_xlim(0, top * 1.12)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("Number of claims")
        ax.set_title(title)
    alt = f"Bar chart. {title}: " + ", ".join(f"{n} {v}" for v, n in zip(VERDICTS, counts)) + "."
    table = pd.DataFrame({"verdict": list(VERDICTS), "symbol": [VERDICT_SYMBOLS[v] for v in VERDICTS], "claims": counts})
    _finish(fig)
    return Chart(fig, alt, table, title)


# ---------------------------------------------------------------------------- deadlines

_DEADLINE_MARKS = {"announced": SERIES[0], "due": SERIES[1], "what followed": SERIES[2],
                   "announced, no due date": SERIES[6]}


def _label(date: Any, precision: Any) -> str:
    if date is None or pd.isna(date):
        return "none stated"
    return tl.date_label(pd.Series({"date": date, "date_precision": precision if isinstance(precision, str) else "day"}))


def deadlines_chart(deadlines: pd.DataFrame | None = None, events: pd.DataFrame | None = None) -> Chart:
    """Each deadline as a line from its announcement to its due date, and what followed it."""
    dl = _frame("deadlines", deadlines).reset_index(drop=True)
    ev = _frame("events", events).set_index("event_id")
    prec = dl["due_precision"] if "due_precision" in dl else pd.Series(["day"] * len(dl))
    ann = [ev.loc[e] for e in dl["announced_event_id"]]
    out = [ev.loc[e] if isinstance(e, str) and e in ev.index else None for e in dl["outcome_event_id"]]
    title = "Deadlines of 2025: announced, due, and what followed"
    fig, ax = _figure(2.2 + 1.5 * max(len(dl), 1))
    m = _DEADLINE_MARKS
    with mpl.rc_context(_RC):
        if dl.empty:
            _no_data(ax, "No deadlines in the data.")
        y = list(range(len(dl)))[::-1]
        all_x = []
        notes: list[tuple[float, float, str]] = []
        for yi, a, due, o, text in zip(y, ann, dl["due"], out, dl["outcome"]):
            xa = _span(ax, a, yi, m["announced"] if pd.notna(due) else m["announced, no due date"])
            all_x.extend(xa)
            if pd.notna(due):
                xd = mdates.date2num(due)
                all_x.append(xd)
                ax.plot([xa[0], xd], [yi, yi], color="black", linewidth=2, zorder=1)
                _mark(ax, xd, yi, m["due"])
            if o is not None:
                # What followed sits on its own line just below, so it never hides a due date.
                xo = _span(ax, o, yi - 0.3, m["what followed"], size=12)
                all_x.extend(xo)
                notes.append((xo[0], yi - 0.3, _wrap(f"{tl.date_label(o)}: {text}", 54, lines=4)))
        if all_x:
            pad = max((max(all_x) - min(all_x)) * 0.14, 12)
            lo, hi = min(all_x) - pad, max(all_x) + pad
            ax.set_xlim(lo, hi)
            for xo, yo, note in notes:
                # A note near an end of the axis is aligned to that end, so the y-axis line (or the
                # figure's edge) never runs through its text; in the middle it is centred.
                where = (xo - lo) / (hi - lo)
                ha = "left" if where < 0.3 else "right" if where > 0.7 else "center"
                ax.annotate(note, (xo, yo), xytext={"left": (-6, -15), "right": (6, -15)}.get(ha, (0, -15)),
                            textcoords="offset points", ha=ha, va="top", fontsize=9.5)
            ax.set_ylim(-1.0, len(dl) - 0.6)
            ax.set_yticks(y, [_wrap(d, 30, lines=4) for d in dl["warning"]])
            _date_axis(ax, min(all_x), max(all_x))
            handles = [_mlines.Line2D([], [], linestyle="none", marker=s.marker, markersize=9, markeredgecolor="black",
                              markerfacecolor=s.colour, label=k) for k, s in m.items()]
            handles.append(_mpatches.Patch(facecolor="white", edgecolor="black", label="bar: only the month or period is known"))
            fig.legend(handles=handles, loc="outside lower left", ncols=3)
        ax.set_title(title)
    due_labels = [_label(d, p) for d, p in zip(dl["due"], prec)]
    # The window is shown as the source words it ("10 or 12 days" stays a range): no day count is
    # computed from the dates, which would turn a range into one number.
    table = pd.DataFrame({
        "warning": dl["warning"], "announced": [tl.date_label(a) for a in ann], "stated window": dl["stated_window"],
        "due": due_labels, "outcome date": [tl.date_label(o) if o is not None else "—" for o in out],
        "outcome": dl["outcome"], "source": _source_names(dl["source_id"])})
    parts = " ".join(f"{r['warning'].rstrip('.')}: announced {r['announced']}, due {r['due']}"
                     + (f" (window: {r['stated window']})" if isinstance(r["stated window"], str) else "")
                     + (f"; then, {r['outcome date']}: " if r["outcome date"] != "—" else "; outcome: ")
                     + r["outcome"].rstrip(".") + "." for _, r in table.iterrows())
    alt = (f"Timeline chart. {title}. Each row runs from the announcement (circle) to the due date (square); "
           f"a diamond marks the event that followed. {parts}")
    _finish(fig)
    return Chart(fig, alt, table, title)


def _date_axis(ax: Any, lo: float, hi: float) -> None:
    # At most about eight ticks, on month or year boundaries.
    months = (hi - lo) / 30.4
    step = next((n for n in (1, 2, 3, 6, 12, 24, 60) if months / n <= 8), 120)
    if step < 12:
        ax.xaxis.set_major_locator(mdates.MonthLocator(interval=step))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    else:
        ax.xaxis.set_major_locator(mdates.YearLocator(step // 12))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def _span(ax: Any, event: pd.Series, y: float, s: Style, size: float = 11) -> list[float]:
    """Draw one event: a marker for a known day, a hollow bar over its month or period otherwise.

    Returns the x positions it covers, for the axis limits.
    """
    first, last = tl.period_bounds(pd.DataFrame([event]))
    x0 = mdates.date2num(first.iloc[0])
    if event["date_precision"] == "day" and pd.isna(event.get("end_date")):
        _mark(ax, x0, y, s, size)
        return [x0]
    x1 = mdates.date2num(last.iloc[0]) + 1
    ax.barh([y], [x1 - x0], left=x0, height=0.22, color="white", edgecolor=s.colour if s.colour != "#FFFFFF" else "black",
            linewidth=2.2, zorder=2)
    _mark(ax, (x0 + x1) / 2, y, s, size * 0.8)
    return [x0, x1]


def _mark(ax: Any, x: float, y: float, s: Style, size: float = 11) -> None:
    ax.plot([x], [y], linestyle="none", marker=s.marker, markersize=size, markerfacecolor=s.colour,
            markeredgecolor="black", markeredgewidth=1.3, zorder=3)
