"""What a student reads names things; it never shows the package's internal ids.

Row ids (``2022-02-full-scale-invasion``, ``c01-former-president``, ``ref-encyclopedia``) and
snake_case column names (``in_meeting``) belong in code. The text a student reads (markdown,
table captions and headers, table cells, quiz questions, choices and explanations) uses names,
and calls the encyclopedia article one name throughout: "the reference article".
"""
from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from typing import Any
from pathlib import Path

import pytest

from summit_lessons import load, table_names
from summit_lessons.loader import descriptor
from summit_lessons.lessons import notebook_paths
from summit_lessons.quizzes import questions

PATHS = notebook_paths()
IDS = [p.stem for p in PATHS]
OTHER_NAMES = [r"\breference account\b", r"\bthe encyclopedia article\b", r"\bthe (?:english )?wikipedia article\b(?! \")",
               r"\bthe encyclopedia\b(?! article)"]


@lru_cache(maxsize=1)
def _forbidden() -> re.Pattern[str]:
    """Every row id and every snake_case column name, as one pattern."""
    words: set[str] = set()
    glossary = {t.lower() for t in load("glossary")["term"]}
    for name in table_names():
        resource = next(r for r in descriptor()["resources"] if r["name"] == name)
        key = resource["schema"].get("primaryKey")
        fields = [f["name"] for f in resource["schema"]["fields"]]
        words |= {f for f in fields if "_" in f}
        if "_" in name:
            words.add(name)
        if isinstance(key, str) and key.endswith("_id") and key != "person_id":
            # an id that is also an ordinary word of the glossary ("op-ed") is a name too
            words |= {v for v in load(name)[key] if "-" in v and v.lower() not in glossary}
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<![\w/-])(?:{alternatives})(?![\w-])")


def _visible(text: str) -> str:
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are addresses, not text
    return re.sub(r"https?://\S+", "", text)


def _cells(path: Path) -> tuple[list[str], list[str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    outputs = []
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            page = "".join(o.get("data", {}).get("text/html", ""))
            if page:
                page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
                outputs.append(html.unescape(re.sub(r"<[^>]+>", " ", page)))
    return markdown, outputs


def _quiz_text(slug: str) -> list[str]:
    out = []
    for q in questions(slug):
        out += [q["question"], *q["choices"], *q["explanations"], q.get("hint") or ""]
    return out


def _hits(texts: list[str]) -> list[str]:
    found = []
    for t in texts:
        for m in _forbidden().finditer(_visible(t)):
            found.append(f"{m.group(0)!r} in: …{t[max(0, m.start() - 60): m.end() + 40]!r}…")
    return found


def test_the_pattern_catches_ids_and_column_names():
    rx = _forbidden()
    assert rx.search("see events row `2022-02-full-scale-invasion`")
    assert rx.search("claim c01-former-president") and rx.search("(`ref-encyclopedia`)")
    assert rx.search("the in_meeting column") and rx.search("its source_id")
    assert not rx.search("the op-ed and the reference article") and not rx.search("https://x.org/ref-encyclopedia")


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_markdown_and_quiz_name_things_without_ids(path):
    markdown, _ = _cells(path)
    hits = _hits(markdown + _quiz_text(path.stem))
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_tables_and_widgets_name_things_without_ids(path):
    _, outputs = _cells(path)
    hits = _hits(outputs)
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_one_name_for_the_reference_article(path):
    markdown, _ = _cells(path)
    for text in markdown + _quiz_text(path.stem):
        for rx in OTHER_NAMES:
            assert not re.search(rx, text, re.I), f"{rx} in: {text[:200]}"


def test_data_guide_lists_every_table_validate_checks():
    guide = (Path(__file__).resolve().parents[1] / "docs" / "data.md").read_text(encoding="utf-8")
    line = re.search(r"^Tables: (.*?)\(", guide, re.M | re.S).group(1)
    assert set(re.findall(r"`(\w+)`", line)) == set(table_names())


def test_lesson_05_student_edition_keeps_the_verdicts_for_after_the_exercise():
    """A student checks before comparing: no verdict chart, no "three contradictions", no verdict
    column anywhere in the student edition's lesson body (the self-check and key points at the end
    may name verdicts)."""
    import nbformat

    from summit_lessons.publish.editions import make_edition

    path = next(p for p in PATHS if p.stem == "05_two_accounts")
    full = nbformat.read(path, as_version=4)
    student = make_edition(full, "student")
    body = [c for c in student.cells if "quiz" not in c.metadata.get("tags", [])][:-1]  # up to the key points
    text = ""
    for c in body:
        if "on this scale" in c.source or 'load("glossary")' in c.source:
            continue  # the scale's definitions; the glossary defines "corroborated" as a word
        text += c.source
        for o in c.get("outputs", []):
            page = o.get("data", {}).get("text/html", "")
            text += re.sub(r'<details class="sl-answer">.*?</details>', "", page, flags=re.S)
            assert "image/png" not in o.get("data", {}), "the verdict chart is a teacher's solution"
    assert "three contradictions" not in text.lower()
    text = text.replace("corroborated, partly supported, contradicted, unverified", "")  # the scale, named in an objective
    text = text.replace("corroborated, partly supported, contradicted or unverified", "")  # the scale, in Exercise 1's check
    assert not re.search(r"\b(corroborated|contradicted|partly[ -]supported|unverified)\b", text), \
        re.search(r".{80}\b(corroborated|contradicted|partly[ -]supported|unverified)\b.{40}", text, re.S)
    teacher = make_edition(full, "teacher")
    assert any("verdicts_chart" in c.source for c in teacher.cells)


def test_lesson_05_counts_are_the_claims_tables():
    """The verdict counts a student reads in the key points are counted from the claims table."""
    from summit_lessons.lessons import lesson_meta

    counts = load("claims")["verdict"].value_counts()
    point = next(k for k in lesson_meta(next(p for p in PATHS if p.stem == "05_two_accounts"))["keypoints"]
                 if "statements checked" in k)
    said = {"corroborated": r"(\d+) are corroborated", "partly-supported": r"(\d+) partly supported",
            "contradicted": r"(\d+) contradicted", "unverified": r"(\d+) cannot be checked",
            "opinion": r"(\d+) are opinions", "unrelated": r"(\d+) does not belong"}
    for verdict, rx in said.items():
        assert int(re.search(rx, point).group(1)) == counts.get(verdict, 0), verdict
    assert f"Of the {len(load('claims'))} statements" in point


def test_lesson_05_explorer_offers_no_way_to_reveal_verdicts():
    """Run as a student would: the explorer of lesson 05 has no *Show verdicts* box and no verdict filter."""
    import ast

    from summit_lessons import load, widgets

    nb = json.loads(next(p for p in PATHS if p.stem == "05_two_accounts").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and "ClaimsExplorer" in "".join(c["source"]))
    tree = ast.parse("".join(cell["source"]))
    scope = {"load": load, "widgets": widgets}
    exec(compile(ast.Module(tree.body[:-1], []), "cell", "exec"), scope)
    explorer = eval(compile(ast.Expression(tree.body[-1].value), "cell", "eval"), scope)

    def descendants(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from descendants(child)

    descriptions = [getattr(w, "description", "") for w in descendants(explorer)]
    assert "Show verdicts" not in descriptions and "Verdict" not in descriptions


# ------------------------------------------------------------------ what the student edition and worksheets give away

def _student_pages(stem: str, form: str = "student") -> list[tuple[Any, str]]:
    """(cell, visible text) for every cell of a lesson's student edition or worksheet, in order."""
    import nbformat

    from summit_lessons.publish.render import edition_notebook
    from summit_lessons.publish.worksheets import worksheet_notebook

    nb = nbformat.read(next(p for p in PATHS if p.stem == stem), as_version=4)
    prepared = edition_notebook(nb, "student", False)
    if form == "worksheet":
        prepared = worksheet_notebook(prepared, nb.metadata["summit_lessons"]["title"])
    out = []
    for c in prepared.cells:
        text = c.source
        for o in c.get("outputs", []):
            data = o.get("data", {})
            page = "".join(data.get("text/html", ""))
            page = re.sub(r'<details class="sl-answer">.*?</details>', "", page, flags=re.S)
            page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
            text += "\n" + html.unescape(re.sub(r"<[^>]+>", " ", page))
            text += "\n" + str(o.get("metadata", {}).get("image/png", {}).get("alt", ""))
        out.append((c, text))
    return out


TALKS_LENGTH = re.compile(r"2\s*h(?:ours?)?\s*(?:and\s*)?46|\b166\b|46 min|two and three-quarter|almost three hours", re.I)


@pytest.mark.parametrize("form", ["student", "worksheet"])
def test_no_text_states_the_talks_length_before_exercise_2_of_lesson_02(form):
    """Exercise 2 of lesson 02 asks how long the talks lasted: nothing a student reads first answers it."""
    for stem in ("00_start_here", "01_background"):
        hits = [t[:120] for _, t in _student_pages(stem, form) if TALKS_LENGTH.search(t)]
        assert not hits, (stem, hits)
    seen = []
    for cell, text in _student_pages("02_summit_day", form):
        if "exercise" in cell.metadata.get("tags", []) and "Exercise 2" in cell.source:
            break
        if m := TALKS_LENGTH.search(text):
            seen.append(text[max(0, m.start() - 80): m.end() + 20])
    else:
        raise AssertionError("lesson 02 has no Exercise 2")
    assert not seen, seen


_POINTS_TO = re.compile(r"(?:table|chart|section)s?\s+[\"“]([^\"”]{6,120})[\"”]", re.I)


@pytest.mark.parametrize("stem", IDS)
def test_a_worksheet_prints_every_table_its_exercises_and_hints_point_to(stem):
    """A hint that sends a student to a table, chart or section names one the worksheet prints."""
    sheet = _student_pages(stem, "worksheet")
    asking = {"exercise", "hint", "check", "quiz", "answer", "answer-prompt"}
    # what the worksheet prints for the exercises to use: not the exercises' and hints' own words
    printed = " ".join(" ".join(t.split()) for c, t in sheet
                       if not asking & set(c.metadata.get("tags", [])) and "lesson_quiz" not in c.source).lower()
    asked = " ".join(c.source for c, _ in sheet if {"exercise", "hint"} & set(c.metadata.get("tags", [])))
    asked += " ".join(q.get("hint") or "" for q in questions(stem))
    # another lesson's table or section ("lesson 01's section …") is that lesson's to print
    pointed = [" ".join(m.group(1).split()).rstrip("….").lower() for m in _POINTS_TO.finditer(asked)
               if not re.search(r"lesson \d\d\W*\w*\W*$", asked[max(0, m.start() - 30): m.start()], re.I)]
    missing = [n for n in pointed if n not in printed]
    assert not missing, missing


def test_worksheet_05_prints_the_scale_and_the_statements_without_verdicts_or_answers():
    sheet = _student_pages("05_two_accounts", "worksheet")
    text = "\n".join(t for _, t in sheet)
    for step in ("corroborated", "partly supported", "contradicted", "unverified", "opinion", "unrelated"):
        assert f"**{step}**" in text, step  # Exercise 1 asks for a verdict "from the scale above"
    table = next(t for c, t in sheet if c.cell_type == "code" and "Statements for Exercises 2 and 3" in t)
    assert "Type" in table and table.count("opinion") >= 9 and "ill-conceived" in table  # Exercise 2, paragraph 7
    quiz = "\n".join(t for c, t in sheet if "quiz" in c.metadata.get("tags", []) or "lesson_quiz" in c.source)
    # the self-check does not answer Exercise 1 (business leaders: unverified; three hours: corroborated)
    assert "business leaders" not in quiz and "three hours" not in quiz.lower()


@pytest.mark.parametrize("stem", IDS)
def test_the_student_edition_never_mentions_the_instructor_note(stem):
    hits = [t[:160] for _, t in _student_pages(stem) if re.search(r"instructor note", t, re.I)]
    assert not hits, hits


RAW_HEADERS = {"when", "title", "summary", "people", "name", "role", "delegation", "voice", "event", "area"}


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_tables_and_charts_speak_words_not_codes(path):
    """Headers a reader expects, data codes in words, no time-zone database names or filter codes."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            data = o.get("data", {})
            page = "".join(data.get("text/html", ""))
            heads = {html.unescape(h).strip() for h in re.findall(r'<th scope="col">(.*?)</th>', page)}
            problems += [f"{c['id']}: header {h!r}" for h in heads & RAW_HEADERS]
            problems += [f"{c['id']}: code {v!r}" for v in re.findall(r"<td>(US|RU)</td>", page)]
            words = html.unescape(re.sub(r"<[^>]+>", " ", page)) + str(o.get("metadata", {}).get("image/png", {}).get("alt", ""))
            for rx in (r"\((?:phase|category) [a-z-]+", r"America/\w+|Europe/\w+", r"before \d{4}-\d\d-\d\d", r"\(seq\)"):
                problems += [f"{c['id']}: {m!r}" for m in re.findall(rx, words)]
        if c["cell_type"] == "markdown":
            problems += [f"{c['id']}: {m!r}" for m in re.findall(r"\(seq\)|America/\w+", "".join(c["source"]))]
    assert not problems, "\n".join(problems)
