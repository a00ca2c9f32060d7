"""The handout builder, on two tiny fixture lessons (tests/fixtures/handouts/): what a reader of a
printed or offline handout gets, and what a teacher rebuilding them can rely on.

The fixtures carry markers (SOLUTION-MARKER, INSTRUCTOR-MARKER, QUIZ-ANSWER-MARKER, …) so each
test can say exactly which edition must and must not show a part. The real lessons are built
and opened in a browser by tests/test_browser.py.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from summit_lessons import cli
from summit_lessons.publish.bundle import bundle
from summit_lessons.publish.handouts import BuildError, build

pytestmark = pytest.mark.slow

FIX = Path(__file__).parent / "fixtures" / "handouts"
LESSONS = [FIX / "notebooks" / "01_alpha.ipynb", FIX / "notebooks" / "02_beta.ipynb"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("built")
    build(root / "handouts", notebooks=LESSONS, cache_dir=root / "cache", progress=None)
    return root / "handouts"


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _pages(out: Path) -> list[Path]:
    """The handout pages (the slide decks, reveal.js pages, are checked in test_browser_slides.py)."""
    return sorted(p for p in out.rglob("*.html") if p.relative_to(out).parts[0] != "slides")


def test_both_editions_and_the_index_are_written(built):
    names = [p.relative_to(built).as_posix() for p in _pages(built)]
    assert names == ["index.html", "key/01_alpha.html", "key/02_beta.html", "key/index.html",
                     "plan/01_alpha.html", "plan/02_beta.html",
                     "student/01_alpha.html", "student/02_beta.html", "teacher/01_alpha.html", "teacher/02_beta.html",
                     "worksheet/01_alpha.html", "worksheet/02_beta.html"]
    decks = sorted(p.relative_to(built).as_posix() for p in (built / "slides").rglob("*"))
    assert decks == ["slides/student", "slides/student/01_alpha.html", "slides/student/02_beta.html",
                     "slides/teacher", "slides/teacher/01_alpha.html", "slides/teacher/02_beta.html"]


def test_slide_decks_are_self_contained_and_only_the_teacher_deck_has_notes(built):
    for edition in ("student", "teacher"):
        soup = _soup(built / "slides" / edition / "01_alpha.html")
        assert soup.find_all("link") == [] and not soup.find_all(src=re.compile(r"^(https?:)?//"))
        assert all(not s.get("src") for s in soup.find_all("script"))  # reveal.js is inlined, not fetched
        assert soup.find("section") is not None and soup.html["lang"] == "en"
        notes = soup.find_all("aside", class_="notes")
        text = soup.get_text()
        if edition == "teacher":
            assert notes and "SOLUTION-MARKER" in " ".join(n.get_text() for n in notes)
        else:
            assert not notes and "SOLUTION-MARKER" not in text and "INSTRUCTOR-MARKER" not in text


def test_nothing_is_loaded_from_the_network(built):
    for page in _pages(built):
        soup = _soup(page)
        assert soup.find_all("script") == [], page
        assert soup.find_all("link") == [], page
        for tag in soup.find_all(src=True):
            assert not re.match(r"https?://|//", tag["src"]), (page, tag["src"])
        css = " ".join(s.get_text() for s in soup.find_all("style"))
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//|@font-face", css), page


def test_every_image_keeps_its_alt_text(built):
    for page in (built / "student" / "01_alpha.html", built / "teacher" / "01_alpha.html"):
        imgs = _soup(page).find_all("img")
        assert len(imgs) == 1
        assert imgs[0]["alt"] == "A blue rectangle four pixels wide and three high."
        assert imgs[0]["src"].startswith("data:image/png;base64,")


def test_student_edition_has_no_solutions_notes_answers_or_code(built):
    text = _soup(built / "student" / "01_alpha.html").get_text()
    for marker in ("SOLUTION-MARKER", "SOLUTION-CODE-MARKER", "INSTRUCTOR-MARKER", "QUIZ-ANSWER-MARKER"):
        assert marker not in text, marker
    assert "import base64" not in text  # code inputs hidden
    assert "Exercise 1: describe the figure" in text and "Start with its colour." in text  # exercise and hint stay
    assert "How wide is the figure?" in text  # the quiz question stays, without its answer


def test_teacher_edition_marks_solutions_and_notes_in_words(built):
    soup = _soup(built / "teacher" / "01_alpha.html")
    text = soup.get_text()
    for marker in ("SOLUTION-MARKER", "SOLUTION-CODE-MARKER", "INSTRUCTOR-MARKER", "QUIZ-ANSWER-MARKER"):
        assert marker in text, marker
    boxes = soup.find_all(class_="sl-box")
    labels = [b.find(class_="sl-box-label").get_text(strip=True) for b in boxes]
    # The markdown solution and the code solution after it share one box and one label, and the
    # box says "Solution" once: the cell's own bold "Solution." lead moved into the label.
    assert labels == ["Instructor note (teacher edition only)", "Solution (teacher edition only)"]
    solution = boxes[1].get_text(" ", strip=True)
    assert "SOLUTION-MARKER" in solution and "SOLUTION-CODE-MARKER" in solution
    assert solution.lower().count("solution") == 1 + solution.lower().count("solution-")  # the label only
    assert "Instructor note." not in boxes[0].get_text()
    assert "Teacher edition" in soup.find(class_="sl-banner").get_text()


def test_widgets_become_their_static_snapshot(built):
    text = (built / "student" / "02_beta.html").read_text(encoding="utf-8")
    assert "Timeline snapshot: 3 events." in text
    assert "widget-view" not in text


def test_pages_are_accessible_by_structure(built):
    for page in _pages(built):
        soup = _soup(page)
        assert soup.html["lang"] == "en"
        levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
        assert levels.count(1) == 1 and levels[0] == 1, page
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (page, levels)
        for a in soup.find_all("a"):
            assert a.get_text(strip=True), (page, str(a))  # no unnamed anchor links


def test_handouts_show_their_date_and_link_to_each_other(built):
    soup = _soup(built / "student" / "02_beta.html")
    assert "Accurate as of 19 November 2025" in soup.find(class_="sl-banner").get_text()
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert "01_alpha.html" in hrefs and not any(h.endswith(".ipynb") for h in hrefs)


def test_index_lists_every_lesson_with_minutes_objectives_and_working_links(built):
    soup = _soup(built / "index.html")
    rows = soup.find("tbody").find_all("tr")
    # The total is the last body row, not a <tfoot> (Chromium prints a tfoot at the foot of every page).
    assert soup.find("tfoot") is None
    *rows, total = rows
    assert total.th.get_text() == "Total" and [td.get_text() for td in total.find_all("td")][:2] == ["30", "15"]
    assert [r.th.get_text() for r in rows] == ["Alpha: a fixture lesson", "Beta: a second fixture lesson"]
    assert [td.get_text() for td in rows[0].find_all("td")][2:4] == ["10", "5"]
    assert "Learners will be able to name a source." in rows[1].get_text()
    for a in soup.find_all("a"):
        if not a["href"].startswith("https://"):  # the credits link to the source and the licence
            assert (built / a["href"]).is_file(), a["href"]


def test_two_builds_are_byte_identical(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    build(one, notebooks=LESSONS, cache_dir=None, progress=None)
    build(two, notebooks=LESSONS, cache_dir=None, progress=None)
    files = [p.relative_to(one) for p in _pages(one)]
    assert files == [p.relative_to(two) for p in _pages(two)]
    for f in files:
        assert (one / f).read_bytes() == (two / f).read_bytes(), f
    assert str(tmp_path) not in (one / "student" / "01_alpha.html").read_text(encoding="utf-8")


def test_warm_rebuild_executes_nothing_and_a_change_rebuilds_one(tmp_path):
    lessons = tmp_path / "lessons"
    shutil.copytree(FIX / "notebooks", lessons)
    paths = sorted(lessons.glob("*.ipynb"))
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build(out, notebooks=paths, cache_dir=cache, progress=None)
    assert first.executed == ["01_alpha", "02_beta"]
    before = {p: p.read_bytes() for p in _pages(out)}
    warm = build(out, notebooks=paths, cache_dir=cache, progress=None)
    assert warm.executed == [] and warm.cached == ["01_alpha", "02_beta"]
    assert {p: p.read_bytes() for p in _pages(out)} == before
    beta = paths[1]
    beta.write_text(beta.read_text(encoding="utf-8").replace("A short section.", "A changed section."), encoding="utf-8")
    third = build(out, notebooks=paths, cache_dir=cache, progress=None)
    assert third.executed == ["02_beta"] and third.cached == ["01_alpha"]
    assert "A changed section." in (out / "student" / "02_beta.html").read_text(encoding="utf-8")


def test_a_failing_notebook_names_its_cell_and_keeps_the_previous_build(built, tmp_path):
    out = tmp_path / "handouts"
    shutil.copytree(built, out)
    before = {p.relative_to(out): p.read_bytes() for p in _pages(out)}
    with pytest.raises(BuildError) as info:
        build(out, notebooks=[*LESSONS, FIX / "broken_notebook.ipynb"], cache_dir=tmp_path / "cache", progress=None)
    msg = str(info.value)
    assert "broken_notebook.ipynb" in msg and "cell 3" in msg and "ValueError: fixture failure on purpose" in msg
    assert {p.relative_to(out): p.read_bytes() for p in _pages(out)} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".handouts") and p.is_dir()] == []  # no half-written folder


def test_command_line_reports_progress_errors_and_bad_arguments(tmp_path):
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "summit_lessons.cli", *args], capture_output=True, text=True,
                              cwd=tmp_path, env=env)

    bad = run("handouts", "--edition", "pupil")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "invalid choice: 'pupil'" in bad.stderr
    (tmp_path / "a-file").write_text("not a folder")
    unwritable = run("handouts", "--out", str(tmp_path / "a-file" / "handouts"))
    assert unwritable.returncode == 1 and len(unwritable.stderr.strip().splitlines()) == 1
    assert "cannot write handouts to" in unwritable.stderr


def test_cli_builds_one_edition_with_code_shown(tmp_path, monkeypatch, capsys):
    import summit_lessons.lessons as lessons

    monkeypatch.setattr(lessons, "notebook_paths", lambda folder=None: LESSONS)
    out = tmp_path / "h"
    assert cli.main(["handouts", "--out", str(out), "--edition", "student", "--show-code",
                     "--cache", str(tmp_path / "c")]) == 0
    printed = capsys.readouterr().out
    assert "[1/2] 01_alpha: executed" in printed and "wrote 7 pages" in printed  # 2 handouts, 2 worksheets, 2 decks, the index
    assert not (out / "teacher").exists()
    text = _soup(out / "student" / "01_alpha.html").get_text()
    assert "import base64" in text and "SOLUTION-MARKER" not in text


def test_bundle_holds_handouts_notebooks_data_and_a_readme(tmp_path):
    z1 = bundle(tmp_path / "one.zip", handouts_dir=tmp_path / "h", cache_dir=tmp_path / "c", notebooks=LESSONS)
    z2 = bundle(tmp_path / "two.zip", handouts_dir=tmp_path / "h", cache_dir=tmp_path / "c", notebooks=LESSONS)
    assert z1.read_bytes() == z2.read_bytes()
    names = zipfile.ZipFile(z1).namelist()
    assert "summit_lessons/README.txt" in names
    assert "summit_lessons/handouts/index.html" in names and "summit_lessons/handouts/student/01_alpha.html" in names
    assert "summit_lessons/notebooks/02_beta.ipynb" in names
    assert "summit_lessons/data/events.csv" in names and "summit_lessons/data/datapackage.json" in names
    # Licences, the key and the package itself travel with the bundle.
    assert {"summit_lessons/LICENSE", "summit_lessons/LICENSE-CONTENT", "summit_lessons/handouts/key/index.html"} <= set(names)
    wheels = [n for n in names if n.endswith(".whl")]
    assert len(wheels) == 1 and wheels[0].startswith("summit_lessons/summit_lessons-")
    with zipfile.ZipFile(z1) as zf:
        readme = zf.read("summit_lessons/README.txt").decode()
        wheel_files = zipfile.ZipFile(io.BytesIO(zf.read(wheels[0]))).namelist()
    assert "summit_lessons/notebooks/02_summit_day.ipynb" in wheel_files
    wheel_name = wheels[0].split("/")[-1]
    # The install line names the file in the bundle, and the README says what still needs internet.
    assert f'pip install "{wheel_name}[lab]"\n    summit-lessons start' in readme
    assert "pip install summit_lessons\n" not in readme and "jupyter lab" not in readme
    assert "from the internet unless" in readme
    assert "CC BY-SA 4.0" in readme and "MIT" in readme and _reference_row()["url"] in readme
    assert "Accurate as of 19 November 2025" in readme


def _reference_row() -> dict[str, str]:
    import csv

    from summit_lessons import data_dir

    with open(data_dir() / "sources.csv", encoding="utf-8", newline="") as fh:
        return next(r for r in csv.DictReader(fh) if r["origin"] == "seed" and r["kind"] == "encyclopedia")


# ------------------------------------------------------------------ worksheets, key, credits


def test_student_worksheet_has_name_lines_and_answer_lines_after_every_exercise(built):
    soup = _soup(built / "student" / "01_alpha.html")
    ident = soup.find(class_="sl-worksheet-id")
    assert [s.get_text() for s in ident.find_all(class_="sl-fill-label")] == ["Name", "Class", "Date"]
    exercises = soup.find_all(class_="sl-cell-exercise")
    spaces = soup.find_all(class_="sl-answer-space")
    assert len(exercises) == len(spaces) == 1
    # The answer space follows its exercise (and hint), before the next section.
    following = exercises[0].find_all_next(class_=["sl-answer-space", "jp-MarkdownCell"])
    assert "sl-answer-space" in following[1]["class"] or "sl-answer-space" in following[2]["class"]
    lines = spaces[0].find(class_="sl-lines")
    assert int(lines["data-lines"]) == len(lines.find_all(class_="sl-line")) == 6  # the default for an exercise
    teacher = _soup(built / "teacher" / "01_alpha.html")
    assert teacher.find(class_="sl-worksheet-id") is None and teacher.find(class_="sl-answer-space") is None


def test_answer_lines_come_from_the_exercise_metadata_or_its_kind():
    import nbformat

    from summit_lessons.publish.render import answer_lines

    def cell(source: str, lines: object = None) -> object:
        c = nbformat.v4.new_markdown_cell(source)
        if lines is not None:
            c.metadata["summit_lessons"] = {"answer_lines": lines}
        return c

    assert answer_lines(cell("### Exercise 1: the clock in Kyiv\n\nWhat time was it?", 2)) == 2
    assert answer_lines(cell("### Exercise 1: the clock in Kyiv\n\nWhat time was it?")) == 6
    assert answer_lines(cell("### Closing task: a claim backed by evidence\n\nIn three or four sentences")) == 12
    assert answer_lines(cell("### Exercise 2", "many")) == 6  # a bad value falls back to the default
    assert answer_lines(cell("### Exercise 2: the evidence table", 0)) == 0  # its table to fill in is the space


def test_teacher_key_holds_timing_notes_solutions_and_links_from_the_index(built):
    soup = _soup(built / "key" / "01_alpha.html")
    text = soup.get_text()
    assert soup.h1.get_text() == "Teacher's key: Alpha: a fixture lesson"
    assert "teaching 10 minutes, exercises 5 minutes" in text
    for marker in ("INSTRUCTOR-MARKER", "SOLUTION-MARKER", "Exercise 1: describe the figure"):
        assert marker in text, marker
    combined = _soup(built / "key" / "index.html").get_text()
    assert "INSTRUCTOR-MARKER" in combined and "Beta: a second fixture lesson" in combined
    assert _soup(built / "index.html").find("a", href="key/index.html") is not None


def test_lesson_plans_link_only_pages_of_the_build_and_name_lessons_by_title(built):
    for plan in sorted((built / "plan").glob("*.html")):
        soup = _soup(plan)
        local = [a["href"] for a in soup.find_all("a", href=True) if not a["href"].startswith("https://")]
        assert f"../slides/teacher/{plan.stem}.html" in local, plan.name  # the teacher deck of the lesson
        assert all((plan.parent / h).resolve().is_file() for h in local), (plan.name, local)
    before = _soup(built / "plan" / "02_beta.html").find("strong", string="Before it:").parent
    assert before.cite.get_text() == "Alpha: a fixture lesson" and "01_alpha" not in before.get_text()


def test_teacher_key_gives_every_quiz_answer_with_its_reason():
    from summit_lessons.publish.key import key_page, lesson_key
    from summit_lessons.lessons import notebook_paths
    from summit_lessons.quizzes import questions

    path = next(p for p in notebook_paths() if p.stem == "02_summit_day")
    text = BeautifulSoup(key_page([lesson_key(path)], "key"), "html.parser").get_text(" ")
    text = re.sub(r"\s+", " ", text)
    for q in questions("02_summit_day"):
        right = q["answer"]
        assert f'{"ABCDEFGH"[right]}: {q["choices"][right].rstrip(".")}.' in text
        assert q["explanations"][right] in text
        wrong = [c for i, c in enumerate(q["explanations"]) if i != right]
        assert not any(w in text for w in wrong)  # the reason for the answer, not every choice's


def test_student_only_build_has_no_key(tmp_path):
    out = tmp_path / "h"
    build(out, editions=["student"], notebooks=LESSONS, cache_dir=tmp_path / "c", progress=None)
    assert not (out / "key").exists()
    assert _soup(out / "index.html").find("a", href="key/index.html") is None


def test_every_page_carries_the_credits_read_from_sources_csv(built):
    ref = _reference_row()
    for page in _pages(built):
        soup = _soup(page)
        credits = soup.find(class_="sl-credits")
        assert credits is not None, page
        text = credits.get_text(" ")
        assert "CC BY-SA 4.0" in text and "MIT" in text and ref["title"] in text and ref["publisher"] in text, page
        assert "Accurate as of" in text, page
        assert credits.find("a", href=ref["url"]) is not None, page
        # A short credit line is printed in the top margin of every page, pointing to the credits;
        # no text of a table reaches the style sheet (the margin box holds a CSS string).
        css = " ".join(s.get_text() for s in soup.find_all("style"))
        assert re.search(r"@top-left \{ content: \"Content CC BY-SA 4\.0, code MIT\. Facts from the encyclopedia article", css), page
        assert ref["title"] not in css and ref["publisher"] not in css and ref["author"] not in css, page
        assert 'counter(page) " of " counter(pages)' in css, page


def test_credits_follow_the_reference_row(datacopy):
    from summit_lessons.publish.credits import credit_line, credits_html, reference

    rows = datacopy.rows("sources")
    i = next(i for i, r in enumerate(rows) if r["origin"] == "seed" and r["kind"] == "encyclopedia")
    datacopy.set("sources", i, "title", "A corrected article title")
    ref = reference(datacopy.folder)
    assert ref.title == "A corrected article title"
    assert "“A corrected article title”" in credits_html("2025-11-19", ref)
    assert "A corrected article title" not in credit_line("2025-11-19", ref)  # the margin line holds no table text


def test_credits_name_the_outside_sources_a_page_uses(datacopy):
    from bs4 import BeautifulSoup

    from summit_lessons.publish.credits import credit_line, credits_html, outside_sources

    rows = datacopy.rows("sources")
    outside = [r for r in rows if r["origin"] == "outside"][:2]
    assert len(outside) == 2, "the data has fewer than two outside sources"
    cited = ["ref-encyclopedia", outside[1]["source_id"], "no-such-row", outside[0]["source_id"]]
    found = outside_sources(cited, datacopy.folder)
    # Only outside rows, in the order the lesson cites them; the reference article stays in its own paragraph.
    assert [o.source_id for o in found] == [outside[1]["source_id"], outside[0]["source_id"]]
    soup = BeautifulSoup(credits_html("2025-11-19", outside=found), "html.parser")
    items = soup.find(class_="sl-credits-outside").find_all("li")
    for li, row in zip(items, [outside[1], outside[0]]):
        assert row["title"] in li.get_text() and row["publisher"] in li.get_text()
        assert li.find("a", href=row["url"]) is not None
    assert soup.find(class_="sl-credits-outside") is not None and len(items) == 2
    assert BeautifulSoup(credits_html("2025-11-19"), "html.parser").find(class_="sl-credits-outside") is None
    assert "and outside sources credited at the end" in credit_line("2025-11-19", outside=True)
    assert "outside" not in credit_line("2025-11-19")


def test_pdf_without_chromium_says_so_in_one_line_and_still_builds_the_html(tmp_path):
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
           "SUMMIT_LESSONS_CHROMIUM": str(tmp_path / "no-chromium-here")}
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    for p in LESSONS:
        shutil.copy(p, nbs / p.name)
    run = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "handouts", "--pdf", "--out", str(tmp_path / "h"),
                          "--notebooks", str(nbs), "--cache", str(tmp_path / "c")],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 1
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "Chromium is not installed" in run.stderr and "apt-get install chromium" in run.stderr
    assert (tmp_path / "h" / "student" / "01_alpha.html").is_file() and not list((tmp_path / "h").rglob("*.pdf"))
