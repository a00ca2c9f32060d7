"""Slide metadata of the lessons (no browser): every lesson has slides, the annotator is the
source of the metadata (idempotent, touching nothing else), no solution or instructor note is a
visible slide, and every notes cell is the teacher's. That every slide fits is measured in
Chromium (tests/test_browser_slides.py)."""
from __future__ import annotations

import copy
import re
import json
from pathlib import Path

import nbformat
import pytest

from summit_lessons.publish import slides
from summit_lessons.publish.editions import make_edition
from summit_lessons.lessons import notebook_paths

PATHS = notebook_paths()
VISIBLE = {"slide", "subslide", "fragment", "-"}


def _kind(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


@pytest.fixture(scope="module")
def lessons():
    return {p.stem: nbformat.read(p, as_version=4) for p in PATHS}


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_metadata_is_what_the_annotator_writes(path):
    nb = nbformat.read(path, as_version=4)
    assert slides.annotate_notebook(nb) == 0, (f"{path.name}: slide metadata is out of date: run "
                                               "python -m summit_lessons.publish.slides annotate notebooks/*.ipynb")


def test_annotator_touches_only_slideshow_and_is_idempotent(tmp_path):
    src = PATHS[2]
    raw = json.loads(src.read_text(encoding="utf-8"))
    for cell in raw["cells"]:
        cell["metadata"].pop("slideshow", None)
    cell0 = raw["cells"][0]
    cell0["metadata"]["slideshow"] = {"slide_type": "skip", "data": {"keep": "me"}}
    path = tmp_path / src.name
    path.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    before = copy.deepcopy(raw)
    first = slides.annotate([path])
    assert first[src.name] == len(raw["cells"])
    after = json.loads(path.read_text(encoding="utf-8"))
    for b, a in zip(before["cells"], after["cells"]):
        a_meta = {k: v for k, v in a["metadata"].items() if k != "slideshow"}
        b_meta = {k: v for k, v in b["metadata"].items() if k != "slideshow"}
        assert a_meta == b_meta and a["source"] == b["source"] and a.get("outputs") == b.get("outputs")
        assert a["id"] == b["id"]
    assert after["cells"][0]["metadata"]["slideshow"] == {"slide_type": "slide", "data": {"keep": "me"}}
    assert after["metadata"] == before["metadata"]
    written = path.read_bytes()
    assert slides.annotate([path]) == {src.name: 0} and path.read_bytes() == written


@pytest.mark.parametrize("slug", [p.stem for p in PATHS])
def test_every_lesson_has_slides_and_teacher_only_cells_are_notes(lessons, slug):
    nb = lessons[slug]
    kinds = [_kind(c) for c in nb.cells]
    assert all(k in slides.SLIDE_TYPES for k in kinds), kinds
    assert kinds[0] == "slide" and kinds.count("slide") + kinds.count("subslide") >= 10
    for cell, kind in zip(nb.cells, kinds):
        tags = set(cell.metadata.get("tags", []))
        if tags & {"solution", "instructor"}:
            assert kind == "notes", (slug, cell.id)  # never a visible slide
        if "exercise" in tags:
            assert kind == "slide", (slug, cell.id)  # an exercise on its own slide
        if kind == "notes":
            assert tags & {"solution", "instructor"}, (slug, cell.id)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert _kind(setup) == "skip"  # the imports are not projected


@pytest.mark.parametrize("slug", [p.stem for p in PATHS])
def test_notes_are_teacher_only(lessons, slug):
    student = make_edition(lessons[slug], "student")
    teacher = make_edition(lessons[slug], "teacher")
    assert not [c for c in student.cells if _kind(c) == "notes"]
    assert [c.id for c in teacher.cells if _kind(c) == "notes"] == [
        c.id for c in lessons[slug].cells if _kind(c) == "notes"]


def test_deck_notebook_cuts_long_text_and_keeps_the_heading():
    nb = nbformat.v4.new_notebook()
    long = "## Key points\n\n" + "\n".join(f"- point {i}: " + "word " * 30 for i in range(8))
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_markdown_cell(long)]
    nb.metadata["summit_lessons"] = {"title": "T"}
    deck = slides.deck_notebook(nb, "student")
    texts = [c.source for c in deck.cells]
    assert len(texts) > 3 and all(len(t) <= slides.DECK_CHARS + 40 for t in texts)
    assert all(t.startswith("## Key points (continued)") for t in texts[2:])
    assert [_kind(c) for c in deck.cells][:3] == ["slide", "slide", "subslide"]
    assert "".join(texts).count("point 7") == 1


def test_start_present_opens_the_lesson_in_rise():
    from summit_lessons.classroom.lab import LabError, find_lesson, lab_server

    assert {find_lesson(n) for n in ("2", "02", "02_summit_day", "02_summit_day.ipynb")} == {"02_summit_day.ipynb"}
    server = lab_server("/tmp/lessons", port=9999, present="02_summit_day.ipynb", token="t")
    assert server.url == "http://127.0.0.1:9999/rise/02_summit_day.ipynb?token=t"
    assert "--LabApp.default_url=/rise/02_summit_day.ipynb" in server.argv
    with pytest.raises(LabError, match="no lesson '9': give one of 00_start_here"):
        find_lesson("9")


def test_lab_settings_turn_the_news_off_and_ship_as_jupyterlabs_overrides():
    import tomllib

    root = Path(__file__).resolve().parents[1]
    shared = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    src, dest = next(iter(shared.items()))
    assert dest == "share/jupyter/lab/settings/overrides.d/summit_lessons.json"
    settings = json.loads((root / src).read_text())
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    lite = json.loads((root / "deploy" / "jupyterlite" / "overrides.json").read_text())
    assert lite["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_a_long_cell_is_never_cut_inside_raw_html_nor_after_a_lone_heading():
    """A cut inside a print-only hint once closed the deck's own slides and overlaid them (review, 5 Dec)."""
    from summit_lessons.publish.slides import _open_html, _split_markdown

    hint = "<div class=\"sl-print-only\">\n\n**Hint.** " + "\n\n".join(["word " * 60] * 4) + "\n\n</div>"
    pieces = _split_markdown("## A heading\n\n" + "text " * 150 + "\n\n" + hint, limit=400)
    assert len(pieces) > 1
    assert all(_open_html(p) == 0 for p in pieces)
    assert all(p.strip().count("\n") > 0 or not p.lstrip().startswith("#") for p in pieces)


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_every_deck_slide_closes_the_html_it_opens(path):
    import nbformat

    from summit_lessons.publish.slides import _open_html, deck_notebook

    for edition in ("student", "teacher"):
        deck = deck_notebook(nbformat.read(path, as_version=4), edition)
        bad = [c.id for c in deck.cells if c.cell_type == "markdown" and _open_html(c.source) != 0]
        assert bad == [], f"{path.name} ({edition}): unbalanced HTML in {bad}"


@pytest.mark.parametrize("path", [p for p in PATHS if (Path(slides.__file__).parents[1] / "quiz_data" / f"{p.stem}.json").is_file()],
                         ids=lambda p: p.stem)
def test_deck_shows_the_self_check_questions_and_only_the_teacher_notes_answer_them(lessons, path):
    from summit_lessons.quizzes import questions

    asked = questions(path.stem)
    letters = "ABCDEFGH"
    for edition in ("student", "teacher"):
        deck = slides.deck_notebook(lessons[path.stem], edition)
        shown = [c for c in deck.cells if c.cell_type == "markdown" and _kind(c) in VISIBLE]
        notes = " ".join(c.source for c in deck.cells if _kind(c) == "notes")
        check = next(i for i, c in enumerate(shown) if c.source.startswith("## Self-check"))
        for n, q in enumerate(asked, 1):
            slide = next(c for c in shown[check:] if f"question {n} of {len(asked)}" in c.source)
            assert _kind(slide) == "subslide" and q["question"].replace("'", "&#x27;").replace('"', "&quot;") in slide.source
            assert slide.source.count("<li>") == len(q["choices"])
            reason = q["explanations"][q["answer"]]
            assert not any(e in c.source for c in shown for e in q["explanations"])  # no reason is projected
            assert "Answer" not in slide.source
            if edition == "teacher":
                assert f"**Answer: {letters[q['answer']]}.**" in notes and reason in notes
            else:
                assert reason not in notes and not notes


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_speaker_notes_show_no_markdown_heading_marks(lessons, path):
    notes = [c.source for c in slides.deck_notebook(lessons[path.stem], "teacher").cells
             if _kind(c) == "notes" and c.cell_type == "markdown"]
    assert notes
    for text in notes:
        assert not re.search(r"(^|\*\* )#{1,6} ", text, re.M), text[:120]


def test_a_notes_heading_becomes_a_bold_lead_after_the_box_label():
    assert slides._notes_markdown("### The three contradictions\n\nText.", "Solution") == (
        "**Solution: The three contradictions**\n\nText.")
    assert slides._notes_markdown("Timing: 5 min.\n\n#### Later\n\nMore.", "Instructor note") == (
        "**Instructor note.** Timing: 5 min.\n\n**Later**\n\nMore.")
