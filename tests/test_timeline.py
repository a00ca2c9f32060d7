"""Timeline helpers on the real events table: order, filters, clocks and durations."""
from __future__ import annotations

import pandas as pd
import pytest

from summit_lessons import load
from summit_lessons import timeline as tl


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load("events")


def test_ordered_is_chronological(events):
    ev = tl.ordered(events)
    assert ev["date"].is_monotonic_increasing
    day = tl.summit_day(events)
    assert day["timestamp_utc"].is_monotonic_increasing
    assert len(day) >= 6


def test_filter_by_phase_and_category(events):
    sd = tl.filter_events(events, phase="summit-day")
    assert len(sd) > 0 and set(sd["phase"]) == {"summit-day"}
    both = tl.filter_events(events, phase=["background", "aftermath"], category="diplomacy")
    assert set(both["phase"]) <= {"background", "aftermath"} and set(both["category"]) == {"diplomacy"}


def test_filter_by_person(events):
    rows = tl.filter_events(events, person="witkoff")
    assert len(rows) > 0
    assert all("witkoff" in p for p in rows["people"])
    assert len(rows) == sum("witkoff" in p for p in events["people"])


def test_filter_by_date_range_keeps_overlapping_months(events):
    aug = tl.filter_events(events, start="2025-08-01", end="2025-08-31")
    assert len(aug) > 0
    first, last = tl.period_bounds(aug)
    assert (last >= pd.Timestamp("2025-08-01")).all() and (first <= pd.Timestamp("2025-08-31")).all()
    # a month-precision August event overlaps a range that covers only its last days
    month_aug = events[(events["date_precision"] == "month") & (events["date"] == "2025-08-01")]
    if len(month_aug):
        late = tl.filter_events(events, start="2025-08-20", end="2025-08-25")
        assert set(month_aug["event_id"]) <= set(late["event_id"])


def test_clock_table_offsets(events):
    clocks = tl.clock_table(events)
    day = tl.summit_day(events)
    assert list(clocks.columns) == ["approx.", "Anchorage", "UTC", "Washington", "Moscow", "Kyiv"]
    expected = {"UTC": 8, "Washington": 4, "Moscow": 11, "Kyiv": 11}  # hours ahead of AKDT in August 2025
    for (_, row), (_, ev) in zip(clocks.iterrows(), day.iterrows()):
        local = ev["timestamp"]
        assert row["Anchorage"].startswith(f"{local:%H:%M}")
        for zone, hours in expected.items():
            t = local + pd.Timedelta(hours=hours)
            assert row[zone] == f"{t:%H:%M} ({t.day} {t:%b})", zone


def test_durations_come_from_the_data(events):
    day = tl.summit_day(events)
    first, last = day.iloc[0], day.iloc[-1]
    d = tl.duration(first["event_id"], last["event_id"], events)
    h1, m1 = map(int, first["time"].split(":"))
    h2, m2 = map(int, last["time"].split(":"))
    assert d == pd.Timedelta(minutes=(h2 * 60 + m2) - (h1 * 60 + m1))
    g = tl.gaps(events)
    assert g["minutes to next"].iloc[:-1].sum() == int(d.total_seconds() // 60)
    assert pd.isna(g["minutes to next"].iloc[-1])


def test_duration_rejects_untimed_event(events):
    untimed = events[events["time"].isna()].iloc[0]["event_id"]
    timed = tl.summit_day(events).iloc[0]["event_id"]
    with pytest.raises(ValueError, match="has no time"):
        tl.duration(untimed, timed, events)
    with pytest.raises(KeyError):
        tl.duration("no-such-event", timed, events)


def test_date_label_keeps_precision(events):
    for _, row in events.iterrows():
        label = tl.date_label(row)
        if row["date_precision"] == "year":
            assert label.startswith(f"{row['date']:%Y}") and len(label) == 4
        elif row["date_precision"] == "month" and pd.isna(row["end_date"]):
            assert label == f"{row['date']:%b %Y}"


def test_format_duration():
    assert tl.format_duration(pd.Timedelta(minutes=166)) == "2 h 46 min"
    assert tl.format_duration(pd.Timedelta(minutes=33)) == "33 min"


def test_month_periods_keep_their_precision(events):
    row = events[(events["date_precision"] == "month") & events["end_date"].notna()].iloc[0]
    label = tl.date_label(row)
    assert label == f"{row['date']:%b}–{row['end_date']:%b %Y}"  # e.g. "May–Jul 2025", no invented day
    _, last = tl.period_bounds(events.loc[[row.name]])
    assert last.iloc[0] == row["end_date"] + pd.offsets.MonthEnd(0)  # the period runs to the end of its last month


def test_named_durations_carry_their_precision(events):
    table = tl.durations({"The talks": ("2025-08-15-meeting-begins", "2025-08-15-meeting-ends"),
                          "Between the landings": ("2025-08-15-trump-lands", "2025-08-15-putin-lands")}, events)
    talks = tl.duration("2025-08-15-meeting-begins", "2025-08-15-meeting-ends", events)
    assert list(table["interval"]) == ["The talks", "Between the landings"]
    assert table["length"].iloc[0] == "≈ " + tl.format_duration(talks)  # both ends are approximate
    assert table["length"].iloc[1] == "33 min" and not table["approximate"].iloc[1]  # 10:22 and 10:55, both exact
