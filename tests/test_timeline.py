"""Timeline helpers on the real events table: order, filters, clocks and durations."""
from __future__ import annotations

import pandas as pd
import pytest

from summit_lessons import load
from summit_lessons import timeline as tl


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load("events")


def test_ordered_follows_seq_and_never_contradicts_a_date(events):
    ev = tl.ordered(events)
    assert ev["seq"].is_monotonic_increasing and ev["seq"].is_unique
    first, last = tl.period_bounds(ev)
    # no event stands after one whose whole period starts later than its own ends
    assert (last.to_numpy() >= first.cummax().to_numpy()).all()
    day = tl.summit_day(events)
    assert day["timestamp_utc"].is_monotonic_increasing
    assert len(day) >= 6


def _titles(frame: pd.DataFrame) -> list[str]:
    return [e.split("2025-08-15-")[-1] for e in frame["event_id"]]


def test_summit_day_order_puts_untimed_events_where_the_article_does(events):
    day = _titles(tl.summit_day(events, timed_only=False))
    assert day == ["us-delegation-announced", "trump-lands", "three-on-three-announced", "putin-lands",
                   "red-carpet-handshake", "flyover", "shared-car", "meeting-begins", "history-lecture",
                   "sanctions-for-ceasefire-rejected", "donbas-offer", "working-lunch-cancelled", "eagle-gift",
                   "meeting-ends", "press-briefing"]


def test_august_2025_order_keeps_month_rows_where_the_narrative_puts_them(events):
    aug = tl.ordered(events)
    aug = aug[(aug["date"] >= "2025-08-01") & (aug["date"] < "2025-09-01") & (aug["phase"] != "summit-day")]
    ids = list(aug["event_id"])
    pos = ids.index
    # month-only August rows stand after the days the narrative puts them after, not at the start of the month
    assert pos("2025-08-04-inf-statement") < pos("2025-08-06-witkoff-in-moscow") < pos("2025-08-08-alaska-meeting-announced")
    assert pos("2025-08-08-alaska-meeting-announced") < pos("2025-08-ushakov-confirms-talks") < pos("2025-08-14-russian-delegation-named")
    assert pos("2025-08-14-russian-delegation-named") < pos("2025-08-severe-consequences-warning")
    assert pos("2025-08-further-sanctions-downplayed") < pos("2025-08-17-trump-responsibility-remarks")
    for eid in ("2025-08-witkoff-nato-like-protection", "2025-08-zelenskyy-welcomes-guarantees",
                "2025-08-lavrov-guarantee-demand", "2025-08-economic-contacts", "2025-08-woods-trump-white-house"):
        assert pos(eid) > pos("2025-08-18-trump-zelenskyy-white-house"), eid
    # every aftermath row of August comes after every pre-summit row
    phases = list(aug["phase"])
    assert phases.index("aftermath") > max(i for i, p in enumerate(phases) if p == "pre-summit")
    # and a month-only row still shows its month, not an invented day
    row = events.set_index("event_id").loc["2025-08-witkoff-nato-like-protection"]
    assert tl.date_label(row) == "Aug 2025"


def test_no_event_has_a_time_the_source_does_not_give(events):
    ev = events.set_index("event_id")
    for eid in ("2025-08-15-flyover", "2025-08-15-shared-car", "2025-08-15-three-on-three-announced"):
        assert pd.isna(ev.at[eid, "time"]) and pd.isna(ev.at[eid, "timestamp_utc"]), eid
    # every time in the table is one the reference article states: no two events share a borrowed time
    timed = events[events["time"].notna()]
    assert timed["time"].is_unique
    clocks = tl.clock_table(events)
    for title in ev.loc[["2025-08-15-flyover", "2025-08-15-shared-car"], "title"]:
        assert set(clocks.loc[title, list(tl.ZONES)]) == {tl.TIME_NOT_GIVEN}
        assert clocks.loc[title, "approx."] == ""
    assert set(tl.gaps(events)["Event"]) == set(tl.summit_day(events)["title"])  # gaps only between timed events


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
    assert list(clocks.index) == list(tl.summit_day(events, timed_only=False)["title"])
    clocks = clocks.loc[clocks["Anchorage"] != tl.TIME_NOT_GIVEN]
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
    assert g["Minutes to the next timed event"].iloc[:-1].sum() == int(d.total_seconds() // 60)
    assert pd.isna(g["Minutes to the next timed event"].iloc[-1])


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


def test_gaps_can_hold_back_the_gap_an_exercise_asks_for(events):
    day = tl.summit_day(events)
    first = day["event_id"].iloc[0]
    g = tl.gaps(events, {first: "left for you to work out"})
    assert g["Minutes to the next timed event"].iloc[0] == "left for you to work out"
    assert g["Minutes to the next timed event"].iloc[1:-1].tolist() == tl.gaps(events)["Minutes to the next timed event"].iloc[1:-1].tolist()
