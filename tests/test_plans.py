"""The one-page lesson plan (summit_lessons.publish.plans), as a teacher reads it: the sequence in
the lesson's own order, the instructor note's minutes beside the sections they belong to (and a
plain word where the note gives none), sentences that start with a capital, lesson titles where
the metadata names files, and a link to the lesson's teacher slides."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from summit_lessons.lessons import lesson_meta, notebook_paths
from summit_lessons.publish.plans import plan_page

PATHS = notebook_paths()
NONE = "no minutes in the instructor note"


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(plan_page(path), "html.parser")


def _sequence(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(section title, what stands beside it) for each step of the plan's sequence."""
    steps = []
    for li in soup.select("ol.sl-plan-sequence > li"):
        steps.append((li.find("span", class_="sl-plan-step").get_text(" ", strip=True),
                      li.find("span", class_="sl-plan-min").get_text(" ", strip=True)))
    return steps


def _lesson_steps(path: Path) -> list[str]:
    """The lesson's ## headings in the notebook's order, read here without the package's code."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for cell in nb["cells"]:
        tags = set(cell["metadata"].get("tags", []))
        if cell["cell_type"] != "markdown" or tags & {"solution", "instructor"}:
            continue
        for line in "".join(cell["source"]).splitlines():
            if line.startswith("## ") and line[3:].strip() not in ("Overview", "Key points", "Sources"):
                found.append(line[3:].strip())
    return found


def _note(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return " ".join("".join(c["source"]) for c in nb["cells"] if "instructor" in c["metadata"].get("tags", []))


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_sequence_is_the_lessons_own_order_with_the_self_check_after_the_exercises(path):
    steps = [t for t, _ in _sequence(_soup(path))]
    assert steps == _lesson_steps(path)
    if "Self-check" in steps and "Exercises" in steps:
        assert steps.index("Self-check") > steps.index("Exercises")


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_section_shows_the_notes_minutes_or_says_it_has_none(path):
    soup = _soup(path)
    timing = re.search(r"Timing:\s*(.+?\.)(?:\s|$)", _note(path), re.S)
    given = {int(n) for n in re.findall(r"(\d+)\s*min", timing.group(1))} if timing else set()
    for title, beside in _sequence(soup):
        shown = {int(n) for n in re.findall(r"(\d+) min", beside)}
        assert shown or beside.endswith(NONE), (title, beside)
        split = re.search(r"\(([\d +]+) in the note\)", beside)  # two parts of the note on one section
        if split:
            parts = [int(n) for n in split.group(1).split("+")]
            assert set(parts) <= given and sum(parts) in shown, (title, beside)
            shown -= {sum(parts)}
        assert shown <= given, (title, beside, given)  # only figures the note gives, none invented
    for li in soup.select("ol.sl-plan-sequence ol > li"):  # an exercise's minutes are the note's too
        shown = {int(n) for n in re.findall(r"(\d+) min", li.get_text())}
        assert shown <= {int(n) for n in re.findall(r"\d+", timing.group(1))} if timing else not shown


def test_minutes_go_to_the_sections_the_note_names_and_the_rest_is_listed_as_worded(tmp_path):
    path = _lesson(tmp_path, "Timing: the harbour and its boats 6 min; ships and the quay 9 min; "
                             "recap 3 min; exercises 12 min (Exercise 1: 5, closing task: 7). More text.")
    soup = _soup(path)
    assert _sequence(soup) == [
        ("The harbour at dawn", "— 6 min"),
        ("Where the ships wait", "— shares 9 min with “The quay”"),
        ("The quay", "— shares 9 min with “Where the ships wait”"),
        ("A last look", f"— {NONE}"),
        ("Exercises", "— 12 min"),
        ("Self-check", f"— {NONE}"),
    ]
    exercises = [li.get_text(" ", strip=True) for li in soup.select("ol.sl-plan-sequence ol > li")]
    assert exercises == ["Exercise 1: count the boats — 5 min", "Closing task: a claim — 7 min"]
    timing = soup.find("h2", string="Timing").find_next("p").get_text(" ", strip=True)
    assert "it gives none to 2 of the 6" in timing and "“recap” 3 min" in timing
    assert "The note's minutes add up to 30." in timing


def test_a_split_that_fits_no_exercise_is_shown_as_the_note_gives_it(tmp_path):
    soup = _soup(_lesson(tmp_path, "Timing: the harbour 5 min; exercises 12 min (4 + 8 + 1)."))
    assert dict(_sequence(soup))["Exercises"] == "— 12 min (4 + 8 + 1)"  # three figures, two exercises
    assert not re.search(r"\d+ min", " ".join(li.get_text() for li in soup.select("ol.sl-plan-sequence ol > li")))


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_plan_sentences_start_with_a_capital_and_name_no_files(path):
    soup = _soup(path)
    main = soup.find("main")
    for p in main.find_all(["p", "li"]):
        text = p.get_text(" ", strip=True)
        assert not re.search(r"[.!?]\s+[a-z]", text), text
    text = main.get_text(" ", strip=True)
    assert not re.search(r"\b\d\d_[a-z]|\.ipynb|\b[a-z]+_[a-z_]+\b", text), re.findall(r"\S*_\S*", text)


def test_prerequisites_name_the_lessons_by_title_and_link_their_plans():
    path = next(p for p in PATHS if p.stem.startswith("05_"))
    before = _soup(path).find("strong", string="Before it:").parent
    titles = {lesson_meta(p)["title"]: p.stem for p in PATHS}
    cited = {c.get_text(): c.find_parent("a")["href"] for c in before.find_all("cite")}
    named = [s for s in re.findall(r"\b\d\d_[a-z_]+", json.dumps(lesson_meta(path)["prerequisites"]))]
    assert named and {titles[t] for t in cited} == set(named)
    assert all(href == f"{titles[t]}.html" for t, href in cited.items())


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_materials_link_the_lessons_teacher_slides_by_name(path):
    link = _soup(path).find("a", href=f"../slides/teacher/{path.stem}.html")
    assert link is not None
    assert "slides" in link.get_text() and lesson_meta(path)["title"] in link.get_text()


def _lesson(folder: Path, note: str) -> Path:
    """A small lesson notebook with sections whose headings differ from the note's words."""
    def md(text: str, *tags: str) -> dict:
        return {"cell_type": "markdown", "id": f"c{abs(hash(text)) % 10**8}", "metadata": {"tags": list(tags)},
                "source": text}

    meta = {"order": 7, "slug": "07_harbour", "title": "A harbour", "audience": "Anyone", "level": "Introductory",
            "prerequisites": [], "teaching_minutes": 18, "exercise_minutes": 12, "questions": [], "objectives": ["Look."],
            "keypoints": [], "sources": [], "accurate_as_of": "2025-11-19"}
    cells = [md("# A harbour"), md("## Overview\n\n### Questions"), md(f"**Instructor note.** {note}", "instructor"),
             md("## The harbour at dawn\n\n### Boats"), md("## Where the ships wait"), md("## The quay"),
             md("## A last look"), md("## Exercises\n\n### Exercise 1: count the boats", "exercise"),
             md("### Solution heading", "solution"), md("### Closing task: a claim", "exercise"),
             md("## Self-check"), md("## Key points\n\n## Sources")]
    path = folder / "07_harbour.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {"summit_lessons": meta}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")
    return path


def test_a_part_worded_as_its_heading_is_placed_even_when_its_words_are_common():
    from summit_lessons.publish.plans import Section, place_minutes

    sections = [Section("Who was in the room"), Section("Inside the room: what was reported"), Section("Self-check")]
    unplaced = place_minutes(sections, "who was in the room 6 min; inside the room 8 min; self-check 4 min; chairs 1 min.")
    assert [s.minutes_text() for s in sections] == ["6 min", "8 min", "4 min"]
    assert unplaced == [("chairs", 1)]
