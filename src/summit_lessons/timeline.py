"""Compute with the events table: order, filter, convert time zones, measure durations.

Everything here takes and returns DataFrames from :func:`summit_lessons.load`; nothing is
hard-coded about the summit except the list of places whose clocks the lessons compare.
"""
from __future__ import annotations

from typing import Iterable

from .loader import load
from ._lazy import lazy

# Imported by the first call that needs a table, not by the lessons' set-up cell.
np = lazy("numpy")
pd = lazy("pandas")

__all__ = ["ZONES", "TIME_NOT_GIVEN", "EventIndex", "ordered", "filter_events", "period_bounds", "format_duration",
           "durations", "date_label", "time_label", "clock_table", "duration", "gaps", "summit_day"]

#: The clocks the summit-day lesson compares, in reading order (label -> IANA zone).
ZONES: dict[str, str] = {
    "Anchorage": "America/Anchorage",
    "UTC": "UTC",
    "Washington": "America/New_York",
    "Moscow": "Europe/Moscow",
    "Kyiv": "Europe/Kyiv",
}

_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}

#: What a table shows, in its place in the order, for an event whose source gives a day but no time.
TIME_NOT_GIVEN = "time not given"


def _events(events: pd.DataFrame | None) -> pd.DataFrame:
    return load("events") if events is None else events


def ordered(events: pd.DataFrame | None = None) -> pd.DataFrame:
    """Events in time order, as the ``seq`` column of the events table gives it.

    ``seq`` places what the source does not time (an untimed event of the summit day, a
    month-only row) where the source's narrative puts it; ``summit-lessons validate`` checks that
    it agrees with every date and time the source does give. A frame without ``seq`` (older
    copies of the data) falls back to date, then UTC time, then table order.
    """
    ev = _events(events)
    if "seq" in ev:
        return ev.sort_values("seq", kind="stable")
    key = pd.DataFrame({
        "date": ev["date"],
        "rank": ev["date_precision"].map(_PRECISION_RANK),
        "utc": ev["timestamp_utc"],
        "pos": range(len(ev)),
    }, index=ev.index)
    order = key.sort_values(["date", "rank", "utc", "pos"], na_position="last", kind="stable").index
    return ev.loc[order]


def _as_set(value: str | Iterable[str] | None) -> set[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return {value}
    values = set(value)
    return values or None


class EventIndex:
    """The events in time order with the arrays filters need, computed once.

    The timeline explorer re-filters on every click; building the arrays once keeps each
    re-filter to a few NumPy comparisons instead of a pandas sort.
    """

    def __init__(self, events: pd.DataFrame | None = None):
        self.events = ordered(events)
        self.phase = self.events["phase"].to_numpy(dtype=object)
        self.category = self.events["category"].to_numpy(dtype=object)
        self.people = [frozenset(p) for p in self.events["people"]]
        first, last = period_bounds(self.events)
        self.first = first.to_numpy(dtype="datetime64[us]")
        self.last = last.to_numpy(dtype="datetime64[us]")

    def mask(
        self,
        *,
        phase: str | Iterable[str] | None = None,
        category: str | Iterable[str] | None = None,
        person: str | Iterable[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
    ) -> np.ndarray:
        """Boolean array over :attr:`events`: True where every given filter matches."""
        keep = np.ones(len(self.events), dtype=bool)
        phases, cats, people = _as_set(phase), _as_set(category), _as_set(person)
        if phases:
            keep &= np.isin(self.phase, list(phases))
        if cats:
            keep &= np.isin(self.category, list(cats))
        if people:
            keep &= np.fromiter((not people.isdisjoint(p) for p in self.people), dtype=bool, count=len(self.people))
        if start is not None:
            keep &= self.last >= np.datetime64(pd.Timestamp(start).to_datetime64(), "us")
        if end is not None:
            keep &= self.first <= np.datetime64(pd.Timestamp(end).to_datetime64(), "us")
        return keep


def filter_events(
    events: pd.DataFrame | None = None,
    *,
    phase: str | Iterable[str] | None = None,
    category: str | Iterable[str] | None = None,
    person: str | Iterable[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Events matching every given filter, in time order.

    ``person`` matches events that list any of the given ``person_id``s. ``start``/``end`` are
    inclusive and compare whole periods: a month-precision event is kept when any part of its
    month lies in the range.
    """
    index = EventIndex(events)
    return index.events.loc[index.mask(phase=phase, category=category, person=person, start=start, end=end)]


def period_bounds(events: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """First and last day each event may cover, given its precision and any end date.

    An ``end_date`` has the same precision as ``date``: a May–July event ends on 31 July.
    """
    first = events["date"]
    ends = events["end_date"] if "end_date" in events else pd.Series(pd.NaT, index=events.index)
    last = pd.Series(
        [(e if pd.notna(e) else d) + _period(p) - pd.Timedelta(days=1)
         for d, e, p in zip(events["date"], ends, events["date_precision"])],
        index=events.index, dtype="datetime64[us]",
    )
    return first, last


def _period(precision: str) -> pd.DateOffset:
    return {"day": pd.DateOffset(days=1), "month": pd.DateOffset(months=1), "year": pd.DateOffset(years=1)}[precision]


def date_label(row: pd.Series) -> str:
    """A date with exactly the precision the source gives: '15 Aug 2025', 'Aug 2025', '2014',
    and periods such as '24–26 Oct 2025' or 'May–Jul 2025'."""
    d, p = row["date"], row["date_precision"]
    if d is None or pd.isna(d) or not isinstance(p, str) or p not in ("day", "month", "year"):
        return "date not given"  # an optional date left empty (the summits table allows it)
    text = {"day": f"{d.day} {d:%b %Y}", "month": f"{d:%b %Y}", "year": f"{d:%Y}"}[p]
    end = row.get("end_date")
    if end is None or pd.isna(end):
        return text
    if p == "year":
        return f"{d:%Y}–{end:%Y}"
    if p == "month":
        return f"{d:%b}–{end:%b %Y}" if d.year == end.year else f"{d:%b %Y} – {end:%b %Y}"
    if (d.month, d.year) == (end.month, end.year):
        return f"{d.day}–{end.day} {end:%b %Y}"
    return f"{text} – {end.day} {end:%b %Y}"


def summit_day(events: pd.DataFrame | None = None, *, timed_only: bool = True) -> pd.DataFrame:
    """The events of the summit day, in order: only those with a time (the default), or all."""
    ev = ordered(events)
    day = ev["phase"] == "summit-day"
    return ev.loc[day & ev["timestamp_utc"].notna()] if timed_only else ev.loc[day]


def time_label(row: pd.Series, zone: str | None = None) -> str:
    """The time of an event as the source gives it: '10:22', '≈ 11:32', or 'time not given'.

    ``zone`` is a label of :data:`ZONES` (default: the event's own zone). Only events with a day
    and no time get "time not given"; a month or a year has no time to give.
    """
    if pd.isna(row.get("timestamp_utc")):
        return TIME_NOT_GIVEN if row["date_precision"] == "day" else ""
    t = row["timestamp"] if zone is None else row["timestamp_utc"].tz_convert(ZONES[zone])
    return ("≈ " if row.get("time_approx", False) else "") + f"{t:%H:%M}"


def clock_table(events: pd.DataFrame | None = None, zones: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per summit-day event, in order; one column per clock: what each clock read then.

    Cells read like ``"10:22 (15 Aug)"`` so a change of date across zones stays visible. An event
    the source gives no time for keeps its place in the order and reads "time not given" on
    every clock: nothing is computed from it.
    """
    zones = ZONES if zones is None else zones
    day = summit_day(events, timed_only=False)
    timed = day["timestamp_utc"].notna()
    table = pd.DataFrame(index=day.index)
    table["Event"] = day["title"]  # a header a reader sees
    table["approx."] = [("≈" if a else "") if t else "" for a, t in zip(day["time_approx"], timed)]
    for label, zone in zones.items():
        table[label] = [f"{u.tz_convert(zone):%H:%M} ({u.tz_convert(zone).day} {u.tz_convert(zone):%b})"
                        if t else TIME_NOT_GIVEN for u, t in zip(day["timestamp_utc"], timed)]
    return table.set_index("Event")


def duration(a: str, b: str, events: pd.DataFrame | None = None) -> pd.Timedelta:
    """Time from event ``a`` to event ``b`` (both must have a time)."""
    ev = _events(events).set_index("event_id")
    for eid in (a, b):
        if eid not in ev.index:
            raise KeyError(f"no event with event_id {eid!r}")
        if pd.isna(ev.at[eid, "timestamp_utc"]):
            raise ValueError(f"event {eid!r} has no time, so no duration can be computed from it")
    return ev.at[b, "timestamp_utc"] - ev.at[a, "timestamp_utc"]


def gaps(events: pd.DataFrame | None = None, held_back: dict[str, str] | None = None) -> pd.DataFrame:
    """Each timed summit-day event with the time until the next timed one (minutes).

    Events without a source time are left out: no gap is computed from a time the source does not give.
    ``held_back`` maps an event id to the words shown instead of its gap: an exercise asks for that one.
    """
    timed = summit_day(events)
    out = pd.DataFrame({
        "Event": timed["title"].to_numpy(),  # headers a reader sees
        "Local time": [f"{t:%H:%M}" for t in timed["timestamp"]],
        "approx.": timed["time_approx"].map({True: "yes", False: "no"}).to_numpy(),
    })
    nxt = timed["timestamp_utc"].shift(-1) - timed["timestamp_utc"]
    minutes = (nxt.dt.total_seconds() // 60).astype("Int64").array
    if held_back:
        ids = timed["event_id"].to_numpy()
        minutes = [held_back.get(i, m) for i, m in zip(ids, minutes)]
    out["Minutes to the next timed event"] = minutes
    return out


def format_duration(td: pd.Timedelta) -> str:
    """'2 h 46 min' for a Timedelta."""
    minutes = int(td.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def durations(pairs: dict[str, tuple[str, str]], events: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per named interval ``{"The talks": (start_id, end_id)}``: its ends, length and precision.

    The length is approximate when either end's time is approximate in the source.
    """
    ev = _events(events).set_index("event_id")
    rows = []
    for name, (a, b) in pairs.items():
        length = duration(a, b, events)
        approx = bool(ev.at[a, "time_approx"] or ev.at[b, "time_approx"])
        rows.append({"interval": name, "from": ev.at[a, "title"], "to": ev.at[b, "title"],
                     "length": ("≈ " if approx else "") + format_duration(length), "approximate": approx})
    return pd.DataFrame(rows)
