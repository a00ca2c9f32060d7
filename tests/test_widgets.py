"""The widgets as a learner uses them, driven in plain pytest: set values, click, read what is shown.

The timeline and claims explorers run on a tiny hand-made data folder (tests/tinydata.py) so
every expected count below is visible in that file; one test runs each on the packaged data.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from summit_lessons import load, widgets
from summit_lessons.widgets.timeline_explorer import date_choices
from summit_lessons.quizzes import lesson_quiz, questions

import tinydata


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tinydata.frames(tinydata.write(tmp_path_factory.mktemp("tiny") / "data"))


@pytest.fixture
def explorer(tiny):
    return widgets.TimelineExplorer(tiny["events"], people=tiny["people"], sources=tiny["sources"])


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _rows(html: str) -> list[str]:
    """Each body row's text, without its No. cell (the number the figure's marker carries)."""
    rows = re.findall(r"<tr>.*?</tr>", html.split("<tbody>", 1)[-1], re.S)
    return [_text(re.sub(r'^<tr><td class="sl-num">\d+</td>', "", r)) for r in rows]


# ------------------------------------------------------------------ timeline explorer


def test_explorer_starts_with_every_event_and_its_sources(explorer, tiny):
    n = len(tiny["events"])
    assert f"Showing {n} of {n} events" in _text(explorer.status.value)
    rows = _rows(explorer.table.value)
    assert len(rows) == n
    assert "Annexation of Crimea" in rows[0] and rows[0].startswith("2014")  # time order, year precision kept
    assert all(("Reference article" in r) or ("Opinion piece" in r) for r in rows)
    assert "<svg" in explorer.figure.value and 'role="img"' in explorer.figure.value


def test_phase_filter_changes_status_table_and_figure(explorer):
    before_fig = explorer.figure.value
    explorer.phase.value = ("summit-day",)
    assert "Showing 4 of 10 events (phase: summit day)" in _text(explorer.status.value)
    rows = _rows(explorer.table.value)
    assert [r for r in rows if "Air Force One lands" in r] and all("15 Aug 2025" in r for r in rows)
    assert explorer.figure.value != before_fig
    assert "Time of day" in explorer.figure.value  # one day with times: a clock axis


def test_person_and_category_filters_combine(explorer):
    explorer.person.value = "putin"
    assert "Showing 5 of 10 events (involving Vladimir Putin)" in _text(explorer.status.value)
    explorer.category.value = ("media",)
    assert "Showing 1 of 10" in _text(explorer.status.value)
    assert "Joint press appearance" in explorer.table.value


def test_date_range_keeps_a_month_that_overlaps_it(explorer):
    explorer.start.value = dt.date(2025, 8, 15)
    explorer.end.value = dt.date(2025, 8, 31)  # "Aug 2025" in the To list: August's last day
    titles = " ".join(_rows(explorer.table.value))
    assert "Contacts about a meeting" in titles  # an August 2025 event (month precision)
    assert "Summit announced" not in titles  # 8 August lies before the range
    assert "White House meeting" in titles and "Bold" not in titles  # 18 Aug in, September out
    assert "(from 15 Aug 2025; to Aug 2025)" in _text(explorer.status.value)


def test_date_lists_offer_the_days_and_months_of_the_events(explorer):
    froms = [label for label, _day in explorer.start.options]
    tos = [label for label, _day in explorer.end.options]
    # In time order; a month-only event gives its month, the year-only event its year.
    assert froms == ["2014", "24 Feb 2022", "Aug 2025", "8 Aug 2025", "15 Aug 2025", "18 Aug 2025", "Sep 2025"]
    # In To a month stands for its last day, so it follows that month's days.
    assert tos == ["2014", "24 Feb 2022", "8 Aug 2025", "15 Aug 2025", "18 Aug 2025", "Aug 2025", "Sep 2025"]
    assert dict(explorer.start.options)["Aug 2025"] == dt.date(2025, 8, 1)
    assert dict(explorer.end.options)["2014"] == dt.date(2014, 12, 31)
    # They open on the whole range, so nothing is filtered out.
    assert (explorer.start.label, explorer.end.label) == ("2014", "Sep 2025")
    assert "from" not in _text(explorer.status.value)
    # A month-only event counts while its month overlaps the range: "From 8 Aug 2025" keeps the
    # August contacts, "To 8 Aug 2025" too; "From Sep 2025" does not.
    explorer.start.value = dt.date(2025, 8, 8)
    titles = " ".join(_rows(explorer.table.value))
    assert "Contacts about a meeting" in titles and "Full-scale invasion" not in titles
    explorer.start.value, explorer.end.value = dt.date(2014, 1, 1), dt.date(2025, 8, 8)
    titles = " ".join(_rows(explorer.table.value))
    assert "Contacts about a meeting" in titles and "Air Force One lands" not in titles
    explorer.start.value, explorer.end.value = dt.date(2025, 9, 1), dt.date(2025, 9, 30)
    assert [r for r in _rows(explorer.table.value) if "Contacts about a meeting" in r] == []


def test_a_period_gives_its_first_and_last_months():
    events = pd.DataFrame({"date": pd.to_datetime(["2025-05-01", "2025-10-24"]),
                           "end_date": pd.to_datetime(["2025-07-01", "2025-10-26"]),
                           "date_precision": ["month", "day"]})
    froms, tos = date_choices(events)
    assert froms == [("May 2025", dt.date(2025, 5, 1)), ("Jul 2025", dt.date(2025, 7, 1)),
                     ("24 Oct 2025", dt.date(2025, 10, 24)), ("26 Oct 2025", dt.date(2025, 10, 26))]
    assert tos == [("May 2025", dt.date(2025, 5, 31)), ("Jul 2025", dt.date(2025, 7, 31)),
                   ("24 Oct 2025", dt.date(2025, 10, 24)), ("26 Oct 2025", dt.date(2025, 10, 26))]


def test_time_zone_switch_rewrites_times(explorer):
    explorer.phase.value = ("summit-day",)
    assert "10:22 AKDT" in explorer.table.value
    explorer.zone.value = "Moscow"
    assert "21:22 MSK" in explorer.table.value and "10:22 AKDT" not in explorer.table.value
    explorer.zone.value = "UTC"
    assert "18:22 UTC" in explorer.table.value
    assert "≈ 18:54 UTC" in explorer.table.value  # an approximate time stays marked


def test_empty_selection_explains_itself(explorer):
    explorer.phase.value = ("background",)
    explorer.category.value = ("media",)
    status = _text(explorer.status.value)
    assert "No event matches" in status and "Reset filters" in status
    assert explorer.table.value == "" and explorer.figure.value == ""


def test_reversed_dates_are_explained(explorer):
    explorer.start.value, explorer.end.value = dt.date(2025, 9, 1), dt.date(2025, 8, 15)
    assert "“From” date is after the “To” date" in _text(explorer.status.value)


def test_reset_restores_every_filter(explorer, tiny):
    explorer.phase.value = ("aftermath",)
    explorer.zone.value = "Kyiv"
    explorer.start.value, explorer.end.value = dt.date(2025, 8, 15), dt.date(2025, 8, 18)
    explorer.reset_button.click()
    assert explorer.phase.value == () and explorer.zone.value == widgets.LOCAL
    assert (explorer.start.label, explorer.end.label) == ("2014", "Sep 2025")
    assert f"Showing {len(tiny['events'])} of" in _text(explorer.status.value)


def test_data_text_is_escaped(explorer):
    assert "<b>Bold</b>" not in explorer.table.value
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in explorer.table.value


def test_snapshot_is_the_starting_state_with_a_live_note(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    snap = bundle["text/html"]
    assert "Showing 10 of 10 events" in _text(snap) and "<svg" in snap
    assert snap.index("In the notebook, run in Jupyter, its controls filter it.") < snap.index("<svg")  # note first
    assert bundle["text/plain"].startswith("Timeline explorer: 10 events")


def test_explorer_can_open_with_filters(tiny):
    ex = widgets.TimelineExplorer(tiny["events"], people=tiny["people"], sources=tiny["sources"],
                                  phase="summit-day", zone="UTC")
    assert "Showing 4 of 10 events (phase: summit day); times in UTC time" in _text(ex.status.value)
    assert "Showing 4 of 10" in _text(ex._repr_mimebundle_()["text/html"])  # the snapshot shows that view
    ex.reset_button.click()
    assert "Showing 10 of 10" in _text(ex.status.value)


def test_every_phase_and_category_is_a_visible_checkbox_ticked_without_a_modifier():
    ex = widgets.TimelineExplorer()
    events = load("events")
    assert [b.description for b in ex.category.boxes] == sorted(set(events["category"]))  # all 8, none scrolled away
    assert len(ex.category.boxes) == 8 and all(isinstance(b, widgets.timeline_explorer.W.Checkbox) for b in ex.category.boxes)
    assert [b.description for b in ex.phase.boxes] == ["background", "pre-summit", "summit-day", "aftermath"]
    # Two phases by two plain clicks (ticks), as a teacher would at the projector.
    ex.phase.boxes[1].value = True
    ex.phase.boxes[2].value = True
    assert ex.phase.value == ("pre-summit", "summit-day")
    want = int(events["phase"].isin(["pre-summit", "summit-day"]).sum())
    assert f"Showing {want} of {len(events)} events (phase: pre-summit or summit day)" in _text(ex.status.value)
    # Python sets the value: the boxes follow; Reset clears them all.
    ex.category.value = ("protest", "nuclear")
    assert ex.category.value == ("nuclear", "protest")  # the order of the options
    assert [b.description for b in ex.category.boxes if b.value] == ["nuclear", "protest"]
    ex.reset_button.click()
    assert not any(b.value for b in ex.phase.boxes + ex.category.boxes)
    with pytest.raises(Exception, match="Category: no option 'sport'"):
        ex.category.value = ("sport",)


def test_markers_carry_the_numbers_of_the_tables_no_column(explorer):
    explorer.phase.value = ("pre-summit", "aftermath")
    numbers = re.findall(r'<td class="sl-num">(\d+)</td>', explorer.table.value)
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)] and len(numbers) == 4
    titles = re.findall(r"<title>No\. (\d+), ([^<]*)</title>", explorer.figure.value)
    rows = _rows(explorer.table.value)
    # every event of the table is drawn once, under its own number, and its title names it
    assert sorted(n for n, _ in titles) == numbers
    for n, title in titles:
        assert title.split(": ", 1)[1] in rows[int(n) - 1]  # both escaped alike
    labels = re.findall(r'font-weight="bold">([\d, –]+)</text>', explorer.figure.value)
    assert sorted(labels) == numbers  # a number label on each marker
    assert "number: the No. column of the table" in explorer.figure.value  # the legend says so


def test_month_only_events_are_spread_in_their_month_band(explorer):
    explorer.phase.value = ("pre-summit",)
    svg = explorer.figure.value
    assert re.search(r"<rect [^>]*><title>Aug 2025: 1 event dated only to this period \(No\. 1\)</title>", svg)
    assert "their place inside the band is not a date" in svg  # said to a screen reader too
    assert "shaded band" in svg


def test_the_clock_axis_marks_midnight_and_names_the_new_day(explorer):
    explorer.phase.value = ("summit-day",)
    local = explorer.figure.value
    assert "midnight" not in local and "15 Aug 2025" in local  # 10:22–14:10 in Anchorage: one day
    explorer.zone.value = "Moscow"  # 21:22 on 15 Aug to 01:10 on 16 Aug
    svg = explorer.figure.value
    assert "midnight: 16 Aug 2025 begins" in svg and 'stroke-dasharray="6 4"' in svg
    assert ">16 Aug</text>" in svg and ">00:00</text>" in svg
    assert "Time of day (Moscow), 15–16 Aug 2025; the dashed line is midnight" in svg
    assert "The clock passes midnight: 16 Aug 2025 begins at the dashed line." in svg


def test_dates_read_the_same_in_every_locale(explorer):
    # The From and To lists are Dropdowns (<select>), whose text the browser shows as given:
    # no <input type=date>, which a browser draws in its own locale's format.
    assert type(explorer.start).__name__ == type(explorer.end).__name__ == "Dropdown"
    labels = [label for label, _day in explorer.start.options + explorer.end.options]
    assert all(re.fullmatch(r"(\d{1,2} )?([A-Z][a-z]{2} )?\d{4}", label) for label in labels), labels
    explorer.start.value = dt.date(2025, 8, 8)
    assert "(from 8 Aug 2025)" in _text(explorer.status.value)  # no 08/08/2025
    assert not re.search(r"\d+/\d+/\d+", explorer.status.value + explorer.figure.value + explorer.table.value)


def test_every_explorer_control_has_a_name(explorer):
    named = [explorer.person, explorer.zone, explorer.start, explorer.end, explorer.reset_button,
             *explorer.phase.boxes, *explorer.category.boxes]
    assert all(w.description.strip() for w in named)
    assert len({w.description for w in named}) == len(named)  # no two alike


def test_event_table_keeps_precision_and_names_people(tiny):
    html = widgets.event_table(tiny["events"], "Events", columns=["title", "people"],
                               people=tiny["people"])._repr_mimebundle_()["text/html"]
    assert "<td>2014</td>" in html and "<td>Aug 2025</td>" in html and "<td>18 Aug 2025</td>" in html
    assert "Donald Trump; Volodymyr Zelensky" in html and "zelensky<" not in html
    assert "<td>—</td></tr>" in html  # an event with nobody named


def test_explorer_on_the_packaged_events():
    ex = widgets.TimelineExplorer()
    total = len(load("events"))
    ex.person.value = "witkoff"
    shown = len(_rows(ex.table.value))
    assert shown == sum("witkoff" in p for p in load("events")["people"]) and 0 < shown < total


# ------------------------------------------------------------------ claims explorer


def test_claims_explorer_filters_by_verdict_and_word(tiny):
    ce = widgets.ClaimsExplorer(tiny["claims"])
    assert "Showing 6 of 6 statements" in _text(ce.status.value)
    ce.verdict.value = ("corroborated",)
    assert "Showing 2 of 6 statements: 2 corroborated" in _text(ce.status.value)
    ce.search.value = "Alaska"
    rows = _rows(ce.table.value)
    assert len(rows) == 1 and "first in Alaska" in rows[0]
    ce.search.value = "no such word"
    assert "No statement matches" in _text(ce.status.value)
    ce.reset_button.click()
    assert "Showing 6 of 6" in _text(ce.status.value)


def test_claims_explorer_escapes_and_labels_verdicts_in_words(tiny):
    ce = widgets.ClaimsExplorer(tiny["claims"], show_verdicts=True)
    assert "&lt;i&gt;triumph&lt;/i&gt;" in ce.table.value
    assert "✗</span> contradicted" in ce.table.value  # symbol hidden from screen readers, word shown


def test_claims_verdicts_start_hidden_until_asked_for(tiny):
    ce = widgets.ClaimsExplorer(tiny["claims"])
    assert "Verdicts are hidden" in _text(ce.status.value)
    assert "contradicted" not in ce.table.value and "No agreement was signed" not in ce.table.value
    ce.search.value = "signed agreement"  # the word search does not look inside the hidden explanations
    assert "Showing 1 of 6" in _text(ce.status.value)
    ce.search.value = "No agreement was"
    assert "No statement matches" in _text(ce.status.value)
    ce.search.value = ""
    ce.show.value = True
    assert "✗</span> contradicted" in ce.table.value and "No agreement was signed." in ce.table.value


def test_claims_explorer_can_leave_out_every_way_to_reveal_verdicts(tiny):
    ce = widgets.ClaimsExplorer(tiny["claims"], show_verdicts=True, offer_verdicts=False)

    def descendants(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from descendants(child)

    shown = list(descendants(ce))
    assert ce.show not in shown and ce.verdict not in shown
    assert "Show verdicts" not in _text(ce.status.value) and "Your teacher has them" in _text(ce.status.value)
    assert "contradicted" not in ce.table.value
    before, answers = ce._repr_mimebundle_()["text/html"].split('<details class="sl-answer">')
    assert "contradicted" not in before and "contradicted" in answers  # the teacher edition keeps them


def test_claims_snapshot_keeps_the_verdicts_for_the_teacher_only(tiny):
    snap = widgets.ClaimsExplorer(tiny["claims"])._repr_mimebundle_()["text/html"]
    before, answers = snap.split('<details class="sl-answer">')
    assert "contradicted" not in before and "contradicted" in answers


# ------------------------------------------------------------------ quizzes


QUESTION = {"question": "Where was the summit?", "choices": ["Anchorage", "Helsinki", "Geneva"], "answer": 0,
            "explanations": ["Right: the base is in Anchorage.", "Helsinki hosted the 2018 summit.",
                             "Geneva hosted the 2021 summit."], "hint": "Alaska."}


def test_quiz_feedback_explains_right_and_wrong_answers():
    qs = widgets.QuizSet([QUESTION])
    q = qs.quizzes[0]
    q.check_button.click()
    assert "No answer yet" in _text(q.feedback.value)
    q.options.value = 1
    q.check_button.click()
    assert _text(q.feedback.value).startswith("Not quite: Helsinki hosted the 2018 summit.")
    assert "0 of 1" in _text(qs.score.value)
    q.retry_button.click()
    assert q.options.value is None and q.feedback.value == ""
    q.options.value = 0
    q.check_button.click()
    assert _text(q.feedback.value).startswith("Correct: Right: the base is in Anchorage.")
    assert "1 of 1" in _text(qs.score.value)
    qs.reset_button.click()
    assert q.options.value is None and "0 of 1" in _text(qs.score.value) and q.attempts == 0


def test_show_answer_and_static_snapshot():
    q = widgets.QuizSet([QUESTION]).quizzes[0]
    q.show_button.click()
    assert "Answer: Anchorage." in _text(q.feedback.value)
    snap = q.snapshot_html()
    assert '<details class="sl-answer">' in snap and "<li>Helsinki</li>" in snap


def test_quiz_rejects_a_question_that_does_not_fit():
    with pytest.raises(ValueError, match="answer index or explanations"):
        widgets.Quiz("Q?", ["a", "b"], 2, ["x", "y"])


def test_every_lesson_quiz_builds_and_grades_its_own_answer():
    for slug in ("00_start_here", "02_summit_day", "05_two_accounts"):
        qs = lesson_quiz(slug)
        assert len(qs.quizzes) == len(questions(slug)) >= 3
        for q in qs.quizzes:
            q.options.value = q.answer
            assert q.check() is True


# ------------------------------------------------------------------ plain tables


def test_html_table_shows_a_named_index_and_escapes(tiny):
    claims = tiny["claims"].set_index("claim_id")
    t = widgets.html_table(claims[["verdict"]], "Verdicts")
    html = t._repr_mimebundle_()["text/html"]
    assert "<caption>Verdicts</caption>" in html and '<th scope="col">claim id</th>' in html
    assert "<td>c1</td>" in html
    plain = widgets.html_table(tiny["claims"][["claim"]], "Claims")._repr_mimebundle_()["text/html"]
    assert "line" not in plain.split("<tbody>")[0]  # the loader's line-number index stays hidden


# ------------------------------------------------------------------ named by its question; one full stop


def test_quiz_radio_group_is_named_by_its_question_and_show_answer_has_one_full_stop():
    q = widgets.Quiz("How long did the talks last?", ["About 2 h 46 min.", "Three hours"], 0,
                     ["Right: about 11:32 to about 14:18.", "The source gives about 11:32 to about 14:18."])
    assert q.options.description == "How long did the talks last?"
    q.show_answer()
    text = _text(q.feedback.value)
    assert "About 2 h 46 min. Right" in text and ".." not in text
    q2 = widgets.Quiz("Where?", ["Anchorage", "Helsinki"], 0, ["Right: the base is there.", "No: 2018."])
    q2.show_answer()
    assert "Answer: Anchorage. Right" in _text(q2.feedback.value)
    assert "<legend>Question 1. How long did the talks last?</legend>" in q.snapshot_html()


def test_claims_explorer_quotes_the_opinion_pieces_words(tiny):
    ce = widgets.ClaimsExplorer(tiny["claims"])
    head = ce.table.value.split("<tbody>")[0]
    assert "The opinion piece&#x27;s words" in head
    assert "“a signed agreement”; “ended with”" in ce.table.value
    assert "“a &lt;b&gt;triumph&lt;/b&gt;”" in ce.table.value  # quoted and escaped


# ------------------------------------------------------------------ keyboard in JupyterLab

_COMMAND_MODE = {".jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus",
                 "[data-jp-kernel-user]:not(.jp-mod-readWrite) :focus:not(:read-write)"}


def test_notebook_one_key_shortcuts_skip_widget_controls():
    """Every command-mode shortcut of the installed JupyterLab that fires on any focused element
    (ArrowDown, A, D D, M, 0 0, …) is disabled and re-bound to skip focus inside a widget, in the
    settings file the wheel installs and in the Lite site's overrides (ipywidgets issue 3912)."""
    import json
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    if not schemas.is_dir():
        pytest.skip("JupyterLab is not installed here (the lab extra)")
    defaults = {(s["command"], tuple(s["keys"]), s["selector"])
                for f in schemas.rglob("*.json")
                for s in json.loads(f.read_text(encoding="utf-8")).get("jupyter.lab.shortcuts", [])
                if s.get("selector") in _COMMAND_MODE and any(s.get("keys", [])) and not s.get("disabled")}
    assert len(defaults) >= 30  # arrows, letters, D D, 0 0, …
    ours = json.loads((root / "src" / "summit_lessons" / "lab_settings" / "overrides.json").read_text(encoding="utf-8"))
    lite = json.loads((root / "deploy" / "jupyterlite" / "overrides.json").read_text(encoding="utf-8"))
    block = ours["@jupyterlab/shortcuts-extension:shortcuts"]["shortcuts"]
    assert lite["@jupyterlab/shortcuts-extension:shortcuts"]["shortcuts"] == block
    disabled = {(s["command"], tuple(s["keys"]), s["selector"]) for s in block if s.get("disabled")}
    rebound = {(s["command"], tuple(s["keys"]), s["selector"]) for s in block if not s.get("disabled")}
    assert defaults <= disabled
    assert {(c, k, sel + ":not(.jupyter-widgets *)") for c, k, sel in defaults} <= rebound
    installed = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "summit_lessons.json"
    assert installed.is_file() and json.loads(installed.read_text(encoding="utf-8")) == ours  # the install put it there
