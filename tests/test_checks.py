"""Answer checks: right answers pass, each common slip gets its own feedback, the answer is never shown."""
from __future__ import annotations

import json
import re
from html import unescape

import pytest

from summit_lessons import grading, load, quizzes
from summit_lessons.lessons import notebook_paths
from summit_lessons.locations import package_dir
from summit_lessons.widgets import AnswerCheck, CheckSet

SLUGS = [p.stem for p in notebook_paths()]
ALL = [(slug, spec["id"]) for slug in SLUGS for spec in quizzes.checks(slug)]


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _shown(w: AnswerCheck) -> str:
    """Everything the check puts on screen or on paper, apart from what the learner typed."""
    return " ".join([_text(w.prompt.value), w.field.description, w.field.placeholder, w.check_button.description,
                     _text(w.feedback.value), _text(w.snapshot_html()), w.summary_text()])


def _enter(w: AnswerCheck, text: str) -> None:
    """Type ``text`` and press Enter: the value arrives as typed, then the Text view's "submit" message."""
    w.field.value = text
    w.field._handle_custom_msg({"event": "submit"}, [])  # what ipywidgets does with the browser's message


def _secrets(spec: dict) -> list[str]:
    """The forms of the answer that must not appear before the learner finds it."""
    if spec["kind"] == "text":
        core = spec["answer"].replace("≈", "").strip()
        return [spec["answer"], core]
    return [spec["answer"], ", ".join(spec["answer_items"])]


def test_every_lesson_has_a_check():
    assert all(quizzes.checks(slug) for slug in SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_check_data_follows_the_schema_and_cites_sources(slug):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((package_dir() / "quiz_data" / "schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(quizzes.checks(slug), schema)
    jsonschema.validate(quizzes.questions(slug), schema)  # one schema for both kinds of quiz data
    known = set(load("sources")["source_id"])
    ids = [c["id"] for c in quizzes.checks(slug)]
    assert len(ids) == len(set(ids))
    for spec in quizzes.checks(slug):
        assert set(spec["source_ids"]) <= known, spec["id"]


@pytest.mark.parametrize("slug,check_id", ALL)
def test_the_model_answer_is_right(slug, check_id):
    spec = quizzes.check_spec(slug, check_id)
    result = quizzes.grade(spec, spec["answer"])
    assert result.right is True and result.feedback == spec["right"]


@pytest.mark.parametrize("slug,check_id", ALL)
def test_each_common_slip_gets_its_own_feedback_without_the_answer(slug, check_id):
    spec = quizzes.check_spec(slug, check_id)
    secrets = _secrets(spec)
    feedbacks = [m["feedback"] for m in spec.get("mistakes", [])] + [spec["otherwise"]]
    for fb in feedbacks:
        assert not any(s.lower() in fb.lower() for s in secrets), (check_id, fb)
    if spec["kind"] == "text":
        for m in spec["mistakes"]:
            result = quizzes.grade(spec, m["example"])
            assert result.right is False and result.feedback == m["feedback"], m["example"]
    else:
        for m in spec.get("mistakes", []):
            i = m["item"] - 1
            right = spec["answer_items"][i]
            if not spec.get("distinct"):  # a label is the secret; in an order, every event is named anyway
                assert right not in m["feedback"].lower(), (check_id, m)  # never names the item's answer
            specific = {r.get("given") for r in spec["mistakes"] if r["item"] == m["item"]}
            specific |= {r["given"] for r in spec.get("also_right", []) if r["item"] == m["item"]}
            wrong = m.get("given") or next(o for o in spec["options"] if o != right and o not in specific)
            given = list(spec["answer_items"])
            given[i] = wrong
            if spec.get("distinct"):  # an order: swap with the place the wrong option belongs to
                given[spec["answer_items"].index(wrong)] = right
            result = quizzes.grade(spec, ", ".join(given))
            assert result.right is False and m["feedback"][1:] in result.feedback, (check_id, m)


def test_london_time_feedback_names_each_slip():
    spec = quizzes.check_spec("02_summit_day", "london-time")
    cases = {"about 20:32": None, "≈ 20.32": None, "approximately 8:32 p.m.": None,
             "≈ 21:32": "Anchorage's winter offset", "≈ 22:32": "Moscow and Kyiv column",
             "≈ 19:32": "UTC", "≈ 11:32": "Anchorage", "≈ 08:32": "24-hour clock", "≈ 04:32": "wrong way"}
    for answer, words in cases.items():
        result = quizzes.grade(spec, answer)
        if words is None:
            assert result.right is True, answer
        else:
            assert result.right is False and words in result.feedback, (answer, result.feedback)


def test_london_time_without_the_sign_is_right_and_told_the_time_is_approximate():
    spec = quizzes.check_spec("02_summit_day", "london-time")
    result = quizzes.grade(spec, "20:32")
    assert result.right is True and "approximate" in result.feedback and "≈" in result.feedback


def test_london_time_is_not_a_cell_of_the_clock_table():
    """Exercise 1 asks for a conversion: the lesson's clock table has no London column to read it from."""
    from summit_lessons import timeline as tl

    clocks = tl.clock_table(load("events"))
    assert "London" not in clocks.columns
    answer = quizzes.check_spec("02_summit_day", "london-time")["answer"].replace("≈", "").strip()
    assert not clocks.apply(lambda col: col.astype(str).str.contains(answer)).any().any()


def test_talks_length_accepts_the_rounder_words_the_solution_calls_fitting():
    spec = quizzes.check_spec("02_summit_day", "talks-length")
    for answer in ("2 hours 46 minutes approximately", "about 2 h 46 min", "almost three hours", "nearly 3 hours"):
        assert quizzes.grade(spec, answer).right is True, answer
    for answer in ("three hours", "2 h 46 min", "four hours"):
        assert quizzes.grade(spec, answer).right is False, answer


def test_a_second_defensible_verdict_is_right_with_its_reason_and_true_is_not_a_verdict():
    spec = quizzes.check_spec("05_two_accounts", "four-verdicts")
    partly = quizzes.grade(spec, "corroborated, corroborated, partly supported, unverified")
    assert partly.right is True and partly.feedback.startswith(spec["right"]) and "“alleged”" in partly.feedback
    assert quizzes.grade(spec, spec["answer"]).feedback == spec["right"]
    refused = quizzes.grade(spec, "true, true, true, unverified")
    assert refused.right is None and "not on this scale" in refused.feedback
    assert quizzes.grade(spec, "corroborated, corroborated, contradicted, unverified").right is False


def test_dates_keep_the_precision_of_the_source():
    spec = quizzes.check_spec("03_aftermath", "trump-shift-date")
    assert quizzes.grade(spec, "Sept. 2025").right is True
    assert "only the month" in quizzes.grade(spec, "1 September 2025").feedback
    assert "only the month" in quizzes.grade(spec, "September 14, 2025").feedback
    assert "which part of the month" in quizzes.grade(spec, "mid-September 2025").feedback
    miami = quizzes.check_spec("03_aftermath", "miami-talks-date")
    assert quizzes.grade(miami, "24–26 October 2025").right is True
    assert quizzes.grade(miami, "from 24 to 26 October 2025").right is True
    assert "first and the last day" in quizzes.grade(miami, "October 2025").feedback


def test_sequences_read_labels_commas_and_synonyms():
    spec = quizzes.check_spec("00_start_here", "labels")
    assert quizzes.grade(spec, "(a) Fact (b) Attributed (c) Analysis").right is True
    assert quizzes.grade(spec, "1. fact; 2. attributed claim; 3. inference").right is True
    wrong = quizzes.grade(spec, "fact, opinion, analysis")
    assert wrong.right is False and wrong.feedback.startswith("2 of 3 right.") and "(b)" in wrong.feedback
    assert quizzes.grade(spec, "fact, opinion").right is None  # too few: says how many, grades nothing
    assert "Give 3 answers" in quizzes.grade(spec, "fact, opinion").feedback
    assert "“banana” is not one of the answers" in quizzes.grade(spec, "fact, banana, analysis").feedback
    order = quizzes.check_spec("01_background", "nuclear-order")
    assert "more than once" in quizzes.grade(order, "Medvedev, Medvedev, INF, WC-135R").feedback


@pytest.mark.parametrize("slug,check_id", ALL)
def test_widget_never_shows_the_answer_before_it_is_found(slug, check_id):
    spec = quizzes.check_spec(slug, check_id)
    w = quizzes.answer_check(slug, check_id)
    secrets = _secrets(spec)
    assert not any(s.lower() in _shown(w).lower() for s in secrets)  # before any answer
    w.check_button.click()
    assert "No answer yet" in _text(w.feedback.value)
    tries = [m["example"] for m in spec.get("mistakes", []) if "example" in m] or ["x, " * (len(spec.get("items", [])) - 1) + "x"]
    for attempt in tries:
        _enter(w, attempt)
        assert w.solved is False
        assert not any(s.lower() in _shown(w).lower() for s in secrets), attempt
    assert "show answer" not in _shown(w).lower() and len(w.children) == 3
    _enter(w, spec["answer"])
    assert w.solved is True and _text(w.feedback.value).strip().startswith("Right:")


def test_widget_is_labelled_and_speaks_its_feedback():
    w = quizzes.answer_check("02_summit_day", "london-time")
    assert w.field.description == "Your answer"
    w.field.value = "≈ 21"  # typing: nothing is graded before Enter or Check
    assert w.feedback.value == "" and w.attempts == 0
    _enter(w, "≈ 21:32")
    assert 'role="status"' in w.feedback.value and "Not yet:" in _text(w.feedback.value)
    w.check_button.click()  # Enter, then a click on Check: one answer, one attempt
    assert w.attempts == 1
    w.field.value = "≈ 20:32"
    w.check_button.click()
    assert w.attempts == 2 and w.solved


def test_enter_typed_fast_grades_the_whole_answer(monkeypatch):
    """ipywidgets may deliver the last typed keys after the "submit" of Enter: the check grades
    again when they arrive, so the feedback is about what the learner typed, not a part of it."""
    from summit_lessons.widgets import check as check_module

    clock = [100.0]
    monkeypatch.setattr(check_module.time, "monotonic", lambda: clock[0])
    w = quizzes.answer_check("02_summit_day", "london-time")
    _enter(w, "≈ 21:3")  # Enter reached Python before the last key
    clock[0] += 0.05
    w.field.value = "≈ 21:32"  # ... which arrives now
    assert "winter offset" in _text(w.feedback.value) and w.field.value == "≈ 21:32"
    # Typing again later (after reading the feedback) grades nothing until Enter or Check.
    _enter(w, "≈ 21:32")
    clock[0] += 5
    w.field.value = "≈ 20:32"
    assert "winter offset" in _text(w.feedback.value) and not w.solved
    w.check_button.click()
    assert w.solved


def test_snapshot_is_the_question_and_an_empty_line():
    w = quizzes.answer_check("03_aftermath", "trump-shift-date", "miami-talks-date")
    assert isinstance(w, CheckSet)
    snap = w._repr_mimebundle_()["text/html"]
    assert snap.count('class="sl-answer-line"') == 2 and "When were the Miami talks?" in snap
    assert "sl-answer\"" not in snap and "October 2025" not in snap  # nothing for the handout to reveal


def test_unknown_check_and_bad_check_data_are_one_clear_line(tmp_path, monkeypatch):
    with pytest.raises(KeyError, match="lesson '02_summit_day' has no check 'nope' \\(its checks: london-time"):
        quizzes.check_spec("02_summit_day", "nope")
    bad = tmp_path / "99_x.checks.json"
    bad.write_text(json.dumps([{"id": "t", "exercise": 1, "prompt": "p", "kind": "text", "answer": "a", "right": "r",
                                "otherwise": "o", "source_ids": ["ref-encyclopedia"], "accept": ["(unclosed"]}]))
    with pytest.raises(quizzes.CheckDataError, match=r"99_x.checks.json, check 1 \(t\), accept\[1\]: '\(unclosed' is not"):
        grading._load_checks(bad)


def test_lesson_05_verdict_check_agrees_with_the_claims_table():
    """The claims table is the one source of verdicts: the check of Exercise 1 accepts what it says."""
    spec = next(s for s in quizzes.checks("05_two_accounts") if s["id"] == "four-verdicts")
    exercise_1 = ["c17-shared-limousine", "c20-almost-three-hours", "c11-icc-war-crimes", "c08-business-retinue"]
    verdicts = load("claims").set_index("claim_id").loc[exercise_1, "verdict"].str.replace("-", " ")
    assert spec["answer_items"] == list(verdicts)


_QUOTED = re.compile(r"“([^”]+)”|‘([^’]+)’|\"([^\"]+)\"")


def _exercise_text(slug: str, number: int) -> str:
    """The exercise cell a check grades, with the hint under it: all a learner reads before checking."""
    path = next(p for p in notebook_paths() if p.stem == slug)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    start = next(i for i, c in enumerate(cells) if "exercise" in c["metadata"].get("tags", [])
                 and re.search(rf"^### Exercise {number}:", "".join(c["source"]), re.M))
    text = "".join(cells[start]["source"])
    hint = next((c for c in cells[start + 1:start + 3] if "hint" in c["metadata"].get("tags", [])), None)
    return text + "\n" + ("".join(hint["source"]) if hint else "")


def _flat(text: str) -> str:
    text = unescape(text).replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).lower()


@pytest.mark.parametrize("slug,check_id", ALL, ids=[f"{s}:{c}" for s, c in ALL])
def test_feedback_quotes_only_words_of_the_exercise_it_grades(slug, check_id):
    """Every word a check's feedback quotes is in the exercise it grades (its text, its hint, the check's prompt) or
    in an answer the check names, so an edit to the exercise cannot leave the feedback speaking of sentences that are
    no longer there."""
    spec = quizzes.check_spec(slug, check_id)
    # What the learner reads (exercise, hint, the check's prompt) and the answers the check itself names as
    # typed by a learner (the model answer, the placeholder, each mistake's example): feedback may quote these.
    typed = [spec["answer"], spec.get("placeholder", ""), *(m.get("example", "") for m in spec.get("mistakes", []))]
    exercise = _flat("\n".join([_exercise_text(slug, spec["exercise"]), spec["prompt"], *typed]))
    said = [spec["right"], spec["otherwise"], *(m["feedback"] for m in spec.get("mistakes", []))]
    stranded = []
    for text in said:
        for m in _QUOTED.finditer(text):
            quoted = _flat(next(g for g in m.groups() if g))
            if not re.search(rf"(?<!\w){re.escape(quoted)}(?!\w)", exercise):
                stranded.append(quoted)
    assert not stranded, f"{slug}.checks.json {check_id}: quotes words not in Exercise {spec['exercise']}: {stranded}"


def test_the_nuclear_order_feedback_gives_the_flight_no_side_and_each_statement_its_own():
    """Lesson 01 teaches 'three statements and a flight': the reference article does not say who flew
    the WC-135R. The check's feedback for a right answer must say the same, never 'US side' for it."""
    spec = next(c for c in json.loads((package_dir() / "quiz_data" / "01_background.checks.json")
                                      .read_text(encoding="utf-8")) if c["id"] == "nuclear-order")
    right = spec["right"]
    flight = right[right.index("WC-135R"):]
    assert "no side" in flight and "US side" not in flight and "Russian side" not in flight, flight
    assert re.search(r"Medvedev's post \(Russian side\)", right) and re.search(r"INF statement \(Russian side\)", right)
    assert re.search(r"submarine announcement[^;]*\(US side\)", right)
