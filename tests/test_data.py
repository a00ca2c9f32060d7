"""The loader: typed tables from the packaged data, and a clear error for each kind of bad data."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import summit_lessons as sl
from summit_lessons import DataError, load

# ------------------------------------------------------------------ typed tables


def test_every_table_loads_from_the_package():
    tables = sl.load_all()
    assert set(tables) >= {"sources", "events", "people", "quotes", "territory", "offer_terms",
                            "perspectives", "claims", "glossary", "summits"}
    for name, df in tables.items():
        assert len(df) > 0, name


def test_events_are_typed():
    ev = load("events")
    assert pd.api.types.is_datetime64_any_dtype(ev["date"])
    assert ev["time_approx"].dtype == bool
    assert isinstance(ev["people"].iloc[0], list)
    assert str(ev["timestamp_utc"].dtype) == "datetime64[us, UTC]"
    timed = ev[ev["time"].notna()]
    assert len(timed) >= 6
    # every timed event carries a tz-aware local timestamp matching its UTC twin
    for _, row in timed.iterrows():
        assert row["timestamp"].tzinfo is not None
        assert row["timestamp"] == row["timestamp_utc"]
        assert f"{row['timestamp']:%H:%M}" == row["time"]


def test_anchorage_times_are_utc_minus_eight_in_august():
    ev = load("events")
    timed = ev[(ev["timezone"] == "America/Anchorage") & ev["time"].notna()]
    for _, row in timed.iterrows():
        assert (row["timestamp_utc"].hour - int(row["time"][:2])) % 24 == 8


def test_people_booleans_and_lists():
    people = load("people")
    assert people["in_meeting"].dtype == bool
    assert people["in_meeting"].sum() == 6
    assert all(isinstance(v, list) for v in people["aliases"])


def test_month_precision_is_kept():
    ev = load("events")
    month = ev[ev["date_precision"] == "month"]
    assert len(month) > 0
    assert (month["date"].dt.day == 1).all()  # stored as the start of the month, labelled as a month


def test_load_works_from_another_directory(tmp_path):
    code = "import summit_lessons as s; print(len(s.load('events')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert int(out.stdout) == len(load("events"))


def test_teacher_copy_via_argument_and_environment(datacopy, monkeypatch):
    rows = datacopy.rows("events")
    extra = dict(rows[0])
    # a new row needs its own place in the order (seq); rows[0] is the earliest event, so it goes first
    extra.update(event_id="local-school-assembly", seq="5", title="Local assembly on the summit", summary="A class discussion.")
    datacopy.write("events", rows + [extra])
    assert "local-school-assembly" in set(load("events", datacopy.folder)["event_id"])
    monkeypatch.setenv("SUMMIT_LESSONS_DATA", str(datacopy.folder))
    assert "local-school-assembly" in set(load("events")["event_id"])


def test_import_does_not_pull_in_matplotlib_or_widgets():
    code = "import sys, summit_lessons; print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_set_up_cells_import_only_what_their_lesson_uses_first():
    """A lesson's set-up cell imports none of pandas, numpy, matplotlib, ipywidgets (in the browser
    each costs seconds); the first table brings pandas, the first chart matplotlib, the first
    interactive view ipywidgets, and each works."""
    heavy = ("pandas", "numpy", "matplotlib", "ipywidgets")
    code = f"""
import sys
def imported(): return [m for m in {heavy!r} if m in sys.modules]
from summit_lessons import load, overview, timeline as tl, plots, widgets, quizzes, voice, lessons
print(imported())
events = load("events")
html = widgets.html_table(tl.clock_table(events), "clocks")
print(imported())
chart = plots.summit_day_chart(events)
print(imported(), type(chart.fig).__module__)
explorer = widgets.TimelineExplorer(events)
print(imported(), type(explorer).__name__)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines == ["[]", "['pandas', 'numpy']", "['pandas', 'numpy', 'matplotlib'] matplotlib.figure",
                     "['pandas', 'numpy', 'matplotlib', 'ipywidgets'] TimelineExplorer"], out.stdout


def test_loaded_frames_are_copies():
    ev = load("events")
    ev.loc[ev.index[0], "title"] = "changed"
    assert load("events")["title"].iloc[0] != "changed"


# ------------------------------------------------------------------ bad data: one test per rule


def _error(folder, table="events") -> str:
    with pytest.raises(DataError) as info:
        load(table, folder)
    return str(info.value)


def test_missing_file(datacopy):
    (datacopy.folder / "territory.csv").unlink()
    msg = _error(datacopy.folder, "territory")
    assert "territory.csv" in msg and "does not exist" in msg


def test_missing_column(datacopy):
    rows = datacopy.rows("events")
    header = [c for c in rows[0] if c != "phase"]
    datacopy.write("events", [{k: r[k] for k in header} for r in rows], header)
    assert 'events.csv line 1, column "phase"' in _error(datacopy.folder)
    assert "missing from the header" in _error(datacopy.folder)


def test_unparsable_date(datacopy):
    i = datacopy.find("events", date_precision="day")
    line = datacopy.set("events", i, "date", "15/08/2025")
    assert f'events.csv line {line}, column "date": "15/08/2025" is not a date' in _error(datacopy.folder)


def test_impossible_calendar_date(datacopy):
    i = datacopy.find("events", date_precision="day")
    line = datacopy.set("events", i, "date", "2025-02-30")
    assert f'events.csv line {line}, column "date": "2025-02-30" is not a real calendar date' in _error(datacopy.folder)


def test_date_must_match_its_precision(datacopy):
    i = datacopy.find("events", date_precision="month")
    line = datacopy.set("events", i, "date", "2025-08-01")
    assert f'events.csv line {line}, column "date": "2025-08-01" does not match its date_precision "month"' in _error(datacopy.folder)


def test_time_without_time_zone(datacopy):
    i = datacopy.find("events", timezone="America/Anchorage")
    line = datacopy.set("events", i, "timezone", "")
    msg = _error(datacopy.folder)
    assert f'events.csv line {line}, column "timezone": "" is empty, but a time zone is required' in msg


def test_unknown_time_zone(datacopy):
    i = datacopy.find("events", timezone="America/Anchorage")
    line = datacopy.set("events", i, "timezone", "Alaska")
    assert f'events.csv line {line}, column "timezone": "Alaska" is not an IANA time zone' in _error(datacopy.folder)


def test_value_outside_enum(datacopy):
    line = datacopy.set("events", 0, "phase", "summit")
    assert f'events.csv line {line}, column "phase": "summit" is not one of the allowed values' in _error(datacopy.folder)


def test_duplicate_id(datacopy):
    first = datacopy.rows("events")[0]["event_id"]
    line = datacopy.set("events", 1, "event_id", first)
    msg = _error(datacopy.folder)
    assert f'events.csv line {line}, column "event_id": "{first}" is a duplicate' in msg


def test_unknown_person(datacopy):
    line = datacopy.set("events", 0, "people", "trump;nobody-at-all")
    assert f'events.csv line {line}, column "people": "nobody-at-all" is not a known person_id in people.csv' in _error(datacopy.folder)


def test_unknown_source(datacopy):
    line = datacopy.set("people", 0, "source_ids", "no-such-source")
    msg = _error(datacopy.folder, "people")
    assert f'people.csv line {line}, column "source_ids": "no-such-source" is not a known source_id in sources.csv' in msg


def test_unknown_event(datacopy):
    line = datacopy.set("quotes", 0, "event_id", "1999-01-01-nothing")
    msg = _error(datacopy.folder, "quotes")
    assert f'quotes.csv line {line}, column "event_id": "1999-01-01-nothing" is not a known event_id in events.csv' in msg


def test_empty_required_field(datacopy):
    line = datacopy.set("events", 2, "title", "")
    assert f'events.csv line {line}, column "title": "" is empty, but the column is required' in _error(datacopy.folder)


def test_malformed_csv_unbalanced_quote(datacopy):
    path = datacopy.folder / "events.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",", ',"', 1)  # open a quote on line 4 that never closes
    path.write_text("".join(lines), encoding="utf-8")
    msg = _error(datacopy.folder)
    assert "events.csv line 4" in msg and "unbalanced double quote" in msg


def test_non_utf8_bytes(datacopy):
    path = datacopy.folder / "people.csv"
    lines = path.read_bytes().split(b"\n")
    name = lines[2].split(b",")[1]
    lines[2] = lines[2].replace(name, name + b"\xe9", 1)  # a Latin-1 é in the name column
    path.write_bytes(b"\n".join(lines))
    msg = _error(datacopy.folder, "people")
    assert 'people.csv line 3, column "name"' in msg and "e9" in msg and "not valid UTF-8" in msg


def _seq_of(datacopy, event_id: str) -> tuple[int, str]:
    i = datacopy.find("events", event_id=event_id)
    return i, datacopy.rows("events")[i]["seq"]


def test_order_against_a_later_date_is_refused(datacopy):
    # the 18 August White House meeting moved before Trump's 10:22 landing on 15 August
    i, _ = _seq_of(datacopy, "2025-08-18-trump-zelenskyy-white-house")
    _, landing_seq = _seq_of(datacopy, "2025-08-15-trump-lands")
    line = datacopy.set("events", i, "seq", str(int(landing_seq) - 1))
    msg = _error(datacopy.folder)
    # one line per conflict, naming both rows: file, line, column, value and the other row's line
    assert f'after 2025-08-18-trump-zelenskyy-white-house on line {line} (seq {int(landing_seq) - 1}, 2025-08-18)' in msg
    assert 'events.csv line ' in msg and 'column "seq"' in msg and "whose date is later" in msg


def test_order_against_a_later_time_is_refused(datacopy):
    # the end of the talks (≈14:18) ordered before their start (≈11:32) on the same day
    i, _ = _seq_of(datacopy, "2025-08-15-meeting-ends")
    _, start_seq = _seq_of(datacopy, "2025-08-15-meeting-begins")
    line = datacopy.set("events", i, "seq", str(int(start_seq) - 1))
    msg = _error(datacopy.folder)
    assert (f'puts 2025-08-15-meeting-begins (2025-08-15 11:32 America/Anchorage) after 2025-08-15-meeting-ends '
            f'on line {line} (seq {int(start_seq) - 1}, 2025-08-15 14:18 America/Anchorage), whose time is later') in msg
    assert f'events.csv line {datacopy.find("events", event_id="2025-08-15-meeting-begins") + 2}, column "seq"' in msg


def test_month_row_may_stand_anywhere_in_its_month_but_not_outside_it(datacopy):
    # an untimed 15 August event may move within the day, and an August row within August ...
    i, _ = _seq_of(datacopy, "2025-08-15-eagle-gift")
    _, lands = _seq_of(datacopy, "2025-08-15-trump-lands")
    datacopy.set("events", i, "seq", str(int(lands) - 1))
    j, _ = _seq_of(datacopy, "2025-08-economic-contacts")
    _, inf = _seq_of(datacopy, "2025-08-04-inf-statement")
    datacopy.set("events", j, "seq", str(int(inf) - 1))
    assert sl.validate(datacopy.folder) == []
    # ... but an August row may not come after a September one
    _, sept = _seq_of(datacopy, "2025-09-trump-position-shift")
    line = datacopy.set("events", j, "seq", str(int(sept) + 1))
    assert f'events.csv line {line}, column "seq": "{int(sept) + 1}" puts 2025-08-economic-contacts (2025-08)' in _error(datacopy.folder)


def test_duplicate_seq_is_refused(datacopy):
    first = datacopy.rows("events")[0]["seq"]
    line = datacopy.set("events", 1, "seq", first)
    assert f'events.csv line {line}, column "seq": "{first}" is a duplicate' in _error(datacopy.folder)


def test_negative_number(datacopy):
    line = datacopy.set("offer_terms", datacopy.find("offer_terms", area_approx="true"), "area_km2", "-400")
    assert f'offer_terms.csv line {line}, column "area_km2": "-400" is below the minimum 0' in _error(datacopy.folder, "offer_terms")


def test_out_of_range_percentage(datacopy):
    line = datacopy.set("territory", 0, "share_held_by_russia_pct", "188")
    assert f'territory.csv line {line}, column "share_held_by_russia_pct": "188" is above the maximum 100' in _error(datacopy.folder, "territory")


def test_not_a_number(datacopy):
    line = datacopy.set("territory", 0, "share_held_by_russia_pct", "88%")
    assert f'territory.csv line {line}, column "share_held_by_russia_pct": "88%" is not a number' in _error(datacopy.folder, "territory")


def test_bad_boolean_is_not_coerced(datacopy):
    line = datacopy.set("people", 0, "in_meeting", "yes")
    assert f'people.csv line {line}, column "in_meeting": "yes" is not a boolean' in _error(datacopy.folder, "people")


def test_validate_reports_every_problem(datacopy):
    datacopy.set("events", 0, "phase", "summit")
    datacopy.set("territory", 0, "share_held_by_russia_pct", "-5")
    problems = sl.validate(datacopy.folder)
    files = {p.file for p in problems}
    assert files == {"events.csv", "territory.csv"}
    assert all(p.line >= 2 for p in problems)
