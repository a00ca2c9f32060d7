"""Hostile data: every fault a user can put in the data folder gets one clear line from
``validate`` (and the same DataError from ``load``), never a traceback or silent acceptance."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summit_lessons import DataError, load, validate
from summit_lessons.loader import descriptor


def lines(folder: Path) -> list[str]:
    return [str(p) for p in validate(folder)]


def timed_row(datacopy, zone: str = "America/New_York") -> tuple[list[dict[str, str]], int]:
    rows = datacopy.rows("events")
    i = next(i for i, r in enumerate(rows) if r["time"])
    rows[i]["timezone"] = zone
    return rows, i


# ------------------------------------------------------------------ times and zones

@pytest.mark.parametrize("day, hhmm, rule", [
    ("2025-03-09", "02:30", "did not exist in America/New_York on 2025-03-09"),
    ("2025-11-02", "01:30", "happened twice in America/New_York on 2025-11-02"),
])
def test_daylight_saving_gap_and_overlap_are_caught(datacopy, day, hhmm, rule):
    rows, i = timed_row(datacopy)
    rows[i].update(date=day, date_precision="day", end_date="", time=hhmm)
    datacopy.write("events", rows)
    found = lines(datacopy.folder)
    assert len(found) == 1
    assert found[0].startswith(f'events.csv line {i + 2}, column "time": "{hhmm}" {rule}')
    with pytest.raises(DataError, match=rule):
        load("events", datacopy.folder)


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory"])
def test_host_dependent_zones_are_refused(datacopy, zone):
    rows, i = timed_row(datacopy, zone)
    datacopy.write("events", rows)
    assert lines(datacopy.folder) == [f'events.csv line {i + 2}, column "timezone": "{zone}" depends on the '
                                      "computer's own settings: name an IANA zone (e.g. America/Anchorage)"]


def test_time_on_a_month_precision_event_is_refused(datacopy):
    rows = datacopy.rows("events")
    i = next(i for i, r in enumerate(rows) if r["date_precision"] == "month")
    rows[i].update(time="10:00", timezone="America/Anchorage")
    datacopy.write("events", rows)
    assert lines(datacopy.folder) == [
        f'events.csv line {i + 2}, column "time": "10:00" is set, but "date" gives only the month '
        f'("{rows[i]["date"]}"): a time needs a full date (or leave the time empty)']


def test_end_date_before_date_is_refused(datacopy):
    rows = datacopy.rows("events")
    i = next(i for i, r in enumerate(rows) if r["date_precision"] == "day")
    rows[i]["end_date"] = "2000-01-01"
    datacopy.write("events", rows)
    assert lines(datacopy.folder) == [
        f'events.csv line {i + 2}, column "end_date": "2000-01-01" is before "date" ({rows[i]["date"]})']


# ------------------------------------------------------------------ numbers

@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity", "1_0", "\uff11\uff10", "<NA>", "1e999"])
def test_numbers_must_be_plain_finite_ascii(datacopy, value):
    line = datacopy.set("territory", 0, "share_held_by_russia_pct", value)
    assert lines(datacopy.folder) == [f'territory.csv line {line}, column "share_held_by_russia_pct": "{value}" is not a number']
    with pytest.raises(DataError, match="is not a number"):
        load("territory", datacopy.folder)


def test_integers_refuse_underscores_and_fullwidth_digits(datacopy):
    line = datacopy.set("claims", 0, "paragraph", "1_0")
    assert lines(datacopy.folder) == [f'claims.csv line {line}, column "paragraph": "1_0" is not an integer']


# ------------------------------------------------------------------ characters

def test_stray_quote_inside_an_unquoted_field(datacopy):
    path = datacopy.folder / "territory.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    cells = text[1].split(",")
    cells[2] = 'before 15 "August'
    text[1] = ",".join(cells)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert lines(datacopy.folder) == [
        'territory.csv line 2, column "as_of": "before 15 "August" has a double quote inside an unquoted field: '
        'quote the whole field and double the quote ("")']


def test_a_quoted_field_with_doubled_quotes_is_fine(datacopy):
    datacopy.set("territory", 0, "note", 'The "Donbas", as named')  # csv writer quotes and doubles
    assert lines(datacopy.folder) == []
    assert load("territory", datacopy.folder)["note"].iloc[0] == 'The "Donbas", as named'


@pytest.mark.parametrize("char, code", [("\x00", "U+0000"), ("\x1b", "U+001B")])
def test_control_characters_are_refused(datacopy, char, code):
    line = datacopy.set("territory", 0, "note", f"a{char}[31mb")
    shown = f"a{char}[31mb".encode("unicode_escape").decode()
    assert lines(datacopy.folder) == [
        f'territory.csv line {line}, column "note": "{shown}" holds a control character ({code}): remove it']


def test_a_cell_over_the_csv_modules_limit_loads(datacopy):
    long_note = "word " * 40_000  # 200 KB: over the csv module's 128 KiB default
    datacopy.set("territory", 0, "note", long_note.strip())
    assert lines(datacopy.folder) == []
    assert len(load("territory", datacopy.folder)["note"].iloc[0]) > 131072


# ------------------------------------------------------------------ URLs

@pytest.mark.parametrize("url", ['https://example.org/"><script>alert(1)</script>', "https://exa mple.org/",
                                 "javascript:alert(1)", "https:///path-only", "https://example.org/%zz",
                                 "http://example.org:99999/"])
def test_urls_must_be_well_formed(datacopy, url):
    i = datacopy.find("sources", source_id="ref-encyclopedia")
    line = datacopy.set("sources", i, "url", url)
    found = lines(datacopy.folder)
    assert len(found) == 1 and found[0].startswith(f'sources.csv line {line}, column "url": "{url}" is not a well-formed')


def test_a_url_is_escaped_where_it_is_shown(datacopy):
    from summit_lessons.widgets import html_table

    sources = load("sources", datacopy.folder).head(1).copy()
    sources["url"] = 'https://example.org/"><script>'
    page = html_table(sources[["source_id", "url"]], "Sources").to_html()
    assert "<script>" not in page and "&quot;&gt;&lt;script&gt;" in page


# ------------------------------------------------------------------ tables and files

def test_header_only_table(datacopy):
    path = datacopy.folder / "territory.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert lines(datacopy.folder) == ["territory.csv: has a header but no rows: the lessons need at least one"]


def test_an_undescribed_csv_is_named(datacopy):
    (datacopy.folder / "grades_private.csv").write_text("student,grade\nA,1\n", encoding="utf-8")
    assert lines(datacopy.folder) == [
        "grades_private.csv: is not described in datapackage.json: it is not loaded, and the bundle leaves it out "
        "(add a resource for it, or move it out of the data folder)"]
    assert len(load("territory", datacopy.folder)) > 0  # load is not disturbed by it


def test_a_folder_named_like_a_table_is_not_called_missing(datacopy):
    (datacopy.folder / "events.csv").unlink()
    (datacopy.folder / "events.csv").mkdir()
    found = lines(datacopy.folder)
    assert found[0].startswith("events.csv: ") and found[0].endswith("is a folder, not a CSV file")


def test_a_nonexistent_data_folder_is_one_error(tmp_path):
    missing = tmp_path / "nowhere"
    expected = f"{missing}: does not exist: give the data folder (with datapackage.json and the CSV files)"
    assert lines(missing) == [expected]
    with pytest.raises(DataError) as err:
        load("events", missing)
    assert str(err.value) == expected


# ------------------------------------------------------------------ the descriptor

def edit_descriptor(datacopy, change) -> None:
    path = datacopy.folder / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    change(desc)
    path.write_text(json.dumps(desc, indent=2), encoding="utf-8")


def resource(desc, name):
    return next(r for r in desc["resources"] if r["name"] == name)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("resources"), 'datapackage.json: has no "resources" list: it must describe at least one table'),
    (lambda d: resource(d, "territory").pop("schema"), 'datapackage.json: resource "territory" has no "schema"'),
    (lambda d: resource(d, "territory")["schema"].pop("fields"),
     'datapackage.json: resource "territory" has no "schema.fields" list of named fields'),
    (lambda d: resource(d, "territory")["schema"]["foreignKeys"][0]["reference"].update(fields="nope"),
     'datapackage.json: "sources.nope" resource "territory" foreign key refers to a column that "sources" does not have'),
    (lambda d: resource(d, "territory")["schema"]["foreignKeys"][0].update(fields="nope"),
     'datapackage.json: "nope" resource "territory" foreign key names a column that "territory" does not have'),
    (lambda d: resource(d, "territory").update(path="../../etc/passwd"),
     'datapackage.json: "../../etc/passwd" resource "territory" path leaves the data folder: '
     "a table must be a file inside it"),
])
def test_a_broken_descriptor_is_one_line_in_validate_and_load(datacopy, change, message):
    edit_descriptor(datacopy, change)
    assert lines(datacopy.folder) == [message]
    with pytest.raises(DataError) as err:
        load("events", datacopy.folder)
    assert str(err.value) == message


def test_invalid_json_in_the_descriptor_is_the_same_line_from_load(datacopy):
    path = datacopy.folder / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"resources":', '"resources"', 1), encoding="utf-8")
    found = lines(datacopy.folder)
    assert len(found) == 1 and found[0].startswith("datapackage.json line ") and "is not valid JSON: Expecting ':'" in found[0]
    with pytest.raises(DataError) as err:
        load("events", datacopy.folder)
    assert str(err.value) == found[0]


def test_a_bom_in_the_descriptor_is_accepted(datacopy):
    path = datacopy.folder / "datapackage.json"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert lines(datacopy.folder) == []
    assert len(load("events", datacopy.folder)) > 0


def test_an_edited_descriptor_is_read_again(datacopy):
    assert "title" in descriptor(datacopy.folder)["resources"][0]
    edit_descriptor(datacopy, lambda d: d["resources"][0].update(title="Edited title, longer than before"))
    assert descriptor(datacopy.folder)["resources"][0]["title"] == "Edited title, longer than before"


def test_validate_names_the_folder_from_the_environment(datacopy):
    datacopy.set("territory", 0, "share_held_by_russia_pct", "nan")
    env = {**os.environ, "SUMMIT_LESSONS_DATA": str(datacopy.folder)}
    done = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "validate"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == f"1 problem found in {datacopy.folder}"
    clean = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "validate"],
                           env={**env, "SUMMIT_LESSONS_DATA": ""}, capture_output=True, text=True)
    assert clean.returncode == 0 and "in the packaged data" in clean.stdout


# ------------------------------------------------------------------ widgets

def test_timeline_explorer_on_an_empty_frame_says_no_events():
    from summit_lessons.widgets import TimelineExplorer

    empty = load("events").iloc[0:0]
    ex = TimelineExplorer(empty)
    assert ex.status.value == '<p role="status"><strong>No events</strong>: the table given to this explorer is empty.</p>'
    assert ex.figure.value == "" and ex.table.value == ""
    ex.reset()  # the controls still work on nothing
    assert "No events" in ex.snapshot_html()


# ------------------------------------------------------------------ valid by validate means it loads

def test_patterns_match_ascii_digits_only(datacopy):
    i = datacopy.find("events", date_precision="day")
    line = datacopy.set("events", i, "date", "٢٠٢٥-٠٥-٢٨")  # Arabic-Indic digits: \d matches them in Python
    found = lines(datacopy.folder)
    assert found and found[0] == f'events.csv line {line}, column "date": "٢٠٢٥-٠٥-٢٨" is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD'
    with pytest.raises(DataError, match="is not a date of the form"):
        load("events", datacopy.folder)


def test_a_time_with_an_arabic_indic_digit_is_refused(datacopy):
    rows = datacopy.rows("events")
    i = next(i for i, r in enumerate(rows) if r["time"])
    line = datacopy.set("events", i, "time", "1٠:22")
    assert lines(datacopy.folder) == [f'events.csv line {line}, column "time": "1٠:22" is not a 24-hour time of the form HH:MM']


@pytest.mark.parametrize("seq", ["99999999999999999999999", "9" * 5000])
def test_a_huge_seq_is_refused_in_one_line(datacopy, seq):
    line = datacopy.set("events", 0, "seq", seq)
    found = lines(datacopy.folder)
    shown = seq if len(seq) <= 40 else seq[:40] + "…"
    assert found == [f'events.csv line {line}, column "seq": "{shown}" is too large: an integer here is at most 9,007,199,254,740,992']
    with pytest.raises(DataError, match="is too large"):
        load("events", datacopy.folder)


def test_seq_has_a_maximum_the_lessons_can_count_with(datacopy):
    line = datacopy.set("events", 0, "seq", "1000000000")
    found = lines(datacopy.folder)
    assert found[0] == f'events.csv line {line}, column "seq": "1000000000" is above the maximum 100000'


def test_every_table_and_column_the_lessons_load_is_required(datacopy):
    def drop(d):
        d["resources"] = [r for r in d["resources"] if r["name"] != "summits"]
        ev = resource(d, "events")["schema"]
        ev["fields"] = [f for f in ev["fields"] if f["name"] != "place"]
    edit_descriptor(datacopy, drop)
    (datacopy.folder / "summits.csv").unlink()
    rows = datacopy.rows("events")
    for r in rows:
        r.pop("place")
    datacopy.write("events", rows)
    assert lines(datacopy.folder) == [
        'datapackage.json: "events.place" is not described, but the lessons use this column: put it back',
        'datapackage.json: "summits" is not described, but the lessons load this table: put its resource back']


def test_the_reference_article_row_is_required(datacopy):
    i = datacopy.find("sources", source_id="ref-encyclopedia")
    datacopy.set("sources", i, "kind", "news")
    assert lines(datacopy.folder) == [
        'sources.csv: has no row with origin "seed" and kind "encyclopedia": the reference article every handout '
        "credits (keep that row's kind)"]


def test_a_named_pipe_is_refused_not_read(datacopy):
    path = datacopy.folder / "glossary.csv"
    path.unlink()
    os.mkfifo(path)
    # In a child with a deadline: reading a pipe nobody writes to would hang the test run, not fail it.
    done = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "validate", str(datacopy.folder)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (f'glossary.csv: "{path}" is not a regular file (a named pipe, socket or '
                                           "device): refused; put the CSV file itself there")


# ------------------------------------------------------------------ the descriptor's own mistakes: one line each

@pytest.mark.parametrize("change, message", [
    (lambda f: f["constraints"].update(pattern="^[a-z"),
     '"pattern" "^[a-z" is not a valid regular expression: unterminated character set at position 1'),
    (lambda f: f["constraints"].update(pattern=5), '"pattern" 5 must be text (a regular expression)'),
    (lambda f: f["constraints"].update(minimum="5"), '"minimum" "5" must be a number, on a number or integer field '
                                                     '(write 5, not "5")'),
    (lambda f: f["constraints"].update(enum=[1, 2]), '"enum" [1, 2] must be a list of the allowed values written as '
                                                     'text (e.g. ["yes", "no"])'),
])
def test_a_bad_constraint_is_one_line(datacopy, change, message):
    edit_descriptor(datacopy, lambda d: change(next(f for f in resource(d, "events")["schema"]["fields"]
                                                    if f["name"] == "event_id")))
    assert lines(datacopy.folder) == [f'datapackage.json: resource "events" field "event_id" {message}']
    with pytest.raises(DataError):
        load("events", datacopy.folder)


def test_a_string_minimum_on_a_number_field_names_file_and_field(datacopy):
    def change(d):
        f = next(f for f in resource(d, "territory")["schema"]["fields"] if f["name"] == "share_held_by_russia_pct")
        f["constraints"]["minimum"] = "5"
    edit_descriptor(datacopy, change)
    assert lines(datacopy.folder) == [
        'datapackage.json: resource "territory" field "share_held_by_russia_pct" "minimum" "5" must be a number, '
        'on a number or integer field (write 5, not "5")']
    done = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "validate", str(datacopy.folder)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 2


def test_summit_time_without_its_zone_is_one_line(datacopy):
    def change(d):
        f = next(f for f in resource(d, "events")["schema"]["fields"] if f["name"] == "time")
        del f["summit:time"]["timezone"]
    edit_descriptor(datacopy, change)
    assert lines(datacopy.folder) == ['datapackage.json: resource "events" field "time" "summit:time" must name its '
                                      '"date" and "timezone" columns of the same table']


def test_json_nested_100000_deep_is_one_line(datacopy):
    (datacopy.folder / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert lines(datacopy.folder) == ["datapackage.json: is nested too deeply to be a Data Package descriptor "
                                      "(lists or objects thousands of levels deep)"]


# ------------------------------------------------------------------ CSV files saved the wrong way

def test_a_nul_in_the_header_is_named(datacopy):
    path = datacopy.folder / "people.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text("\x00" + text, encoding="utf-8")
    assert lines(datacopy.folder) == ['people.csv line 1: "\\x00person_id" (a column name in the header row) holds an '
                                      "invisible control character (U+0000): remove it"]


def test_a_semicolon_delimited_csv_is_named_once(datacopy):
    path = datacopy.folder / "territory.csv"
    rows = list(__import__("csv").reader(path.open(encoding="utf-8")))
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    assert lines(datacopy.folder) == ["territory.csv line 1: this file uses ';' between fields; save it as CSV with commas"]


def test_a_summit_without_a_date_is_labelled_not_dropped(datacopy):
    """summits.date is optional: lesson 01 labels every row it shows, so an empty one must label too."""
    from summit_lessons import timeline as tl

    i = datacopy.find("summits", summit_id="2007-maine")
    datacopy.set("summits", i, "date", "")
    datacopy.set("summits", i, "date_precision", "")
    assert lines(datacopy.folder) == []
    summits = load("summits", datacopy.folder)
    labels = [tl.date_label(r) for _, r in summits[summits["anchorage_first"].notna()].iterrows()]
    assert labels[i] == "date not given" and all(labels)
