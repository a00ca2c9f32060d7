"""Notebook editions: what a student and a teacher receive, from the one edition function."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from summit_lessons import cli
from summit_lessons.publish.editions import ANSWER_PROMPT_TAG, ANSWER_TAG, FOLD_LABELS, copy_edition, make_edition, unfold
from summit_lessons.publish.key import lesson_key
from summit_lessons.lessons import notebook_paths

PATHS = notebook_paths()


def _tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


@pytest.fixture(scope="module")
def lessons():
    return {p.stem: nbformat.read(p, as_version=4) for p in PATHS}


@pytest.mark.parametrize("slug", [p.stem for p in PATHS])
def test_student_edition_has_no_solutions_and_an_answer_cell_after_every_exercise(lessons, slug):
    nb = lessons[slug]
    student = make_edition(nb, "student")
    assert not any(_tags(c) & {"solution", "instructor"} for c in student.cells)
    kept = [c for c in nb.cells if not _tags(c) & {"solution", "instructor"}]
    added = {ANSWER_TAG, ANSWER_PROMPT_TAG}
    assert [c.id for c in student.cells if not _tags(c) & added] == [c.id for c in kept]
    for before, after in zip(kept, [c for c in student.cells if not _tags(c) & added]):
        assert after.source == before.source
        # Outputs as stored, less the teacher-only block of a widget snapshot (quiz answers, verdicts).
        for old, new in zip(before.get("outputs", []), after.get("outputs", [])):
            html = old.get("data", {}).get("text/html", "")
            expected = re.sub(r'<details class="sl-answer">.*?</details>', "", html, flags=re.S)
            assert new.get("data", {}).get("text/html", "") == expected
            assert {k: v for k, v in new.items() if k != "data"} == {k: v for k, v in old.items() if k != "data"}
        assert len(after.get("outputs", [])) == len(before.get("outputs", []))
    stored = json.dumps([c.get("outputs", []) for c in student.cells])
    assert "sl-answer\\\"" not in stored and "Answer (teacher edition)" not in stored
    cells = student.cells
    exercises = [i for i, c in enumerate(cells) if "exercise" in _tags(c)]
    assert exercises and sum(ANSWER_TAG in _tags(c) for c in cells) == len(exercises)
    for i in exercises:
        j = i + 1
        while {"hint", "check"} & _tags(cells[j]):  # the exercise's hint and check stay with it
            j += 1
        prompt, answer = cells[j], cells[j + 1]
        assert ANSWER_PROMPT_TAG in _tags(prompt) and "Your answer" in prompt.source and "below" in prompt.source
        assert ANSWER_TAG in _tags(answer) and answer.cell_type == "markdown", (slug, cells[i].source[:60])
        # Empty, so whatever the learner writes is all the cell holds (JupyterLab shows its own placeholder).
        assert answer.source == "" and answer.id == f"answer-{cells[i].id}"
    hints = [c for c in cells if "hint" in _tags(c)]
    assert hints and all(c.source.lstrip().startswith("<details>") for c in hints)  # folded


@pytest.mark.parametrize("slug", [p.stem for p in PATHS])
def test_check_cells_sit_under_their_exercise_in_both_editions(lessons, slug):
    for edition in ("student", "teacher"):
        cells = make_edition(lessons[slug], edition).cells
        checks = [i for i, c in enumerate(cells) if "check" in _tags(c)]
        assert checks, f"{slug}: no check cell"
        for i in checks:
            assert cells[i].cell_type == "code" and "quizzes.answer_check(" in cells[i].source
            assert "hint" in _tags(cells[i - 1]), f"{slug}: a check cell follows its exercise's hint"


@pytest.mark.parametrize("slug", [p.stem for p in PATHS])
def test_teacher_edition_keeps_everything_with_solutions_collapsed(lessons, slug):
    nb = lessons[slug]
    teacher = make_edition(nb, "teacher")
    assert [c.id for c in teacher.cells] == [c.id for c in nb.cells]
    for before, cell in zip(nb.cells, teacher.cells):
        tags = _tags(cell)
        if not tags & {"solution", "instructor"}:
            assert cell == before
            continue
        label = FOLD_LABELS["solution" if "solution" in tags else "instructor"]
        if cell.cell_type == "code":
            # collapsed, and marked so that running it keeps its output folded (summit_lessons.fold)
            assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
            assert cell.metadata["summit_lessons"]["fold"] == label and cell.source == before.source
        else:
            # Run All re-renders every markdown cell: the fold is in the markdown itself, a closed
            # <details> whose summary names the cell, not the answer.
            assert "jupyter" not in cell.metadata
            assert cell.source == f'<details class="sl-fold"><summary>{label}</summary>\n\n{before.source}\n\n</details>'
            assert unfold(cell.source) == before.source
    assert make_edition(teacher, "teacher").cells == teacher.cells  # no second fold
    assert "jupyter" not in nb.cells[2].metadata  # the lesson itself is untouched


@pytest.mark.parametrize("slug", [p.stem for p in PATHS])
def test_student_edition_has_no_notes_cell_and_skips_answer_cells_on_slides(lessons, slug):
    student = make_edition(lessons[slug], "student")
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in student.cells]
    assert "notes" not in kinds
    assert all(c.metadata["slideshow"] == {"slide_type": "skip"} for c in student.cells if ANSWER_TAG in _tags(c))
    teacher = make_edition(lessons[slug], "teacher")
    notes = [c for c in teacher.cells if c.metadata.get("slideshow", {}).get("slide_type") == "notes"]
    assert notes and all(_tags(c) & {"solution", "instructor"} for c in notes)


def test_unknown_edition_is_refused(lessons):
    with pytest.raises(ValueError, match="unknown edition 'pupil'"):
        make_edition(lessons["02_summit_day"], "pupil")


def test_copy_never_overwrites_a_changed_notebook(tmp_path):
    two = [p for p in PATHS if p.stem in ("02_summit_day", "03_aftermath")]
    first = copy_edition(tmp_path, notebooks=two)
    assert first.written == ["02_summit_day.ipynb", "03_aftermath.ipynb"] and not first.kept
    mine = tmp_path / "02_summit_day.ipynb"
    nb = json.loads(mine.read_text())
    answer = next(c for c in nb["cells"] if ANSWER_TAG in c["metadata"].get("tags", []))
    answer["source"] = "≈ 22:32, because Kyiv was on UTC+3"
    mine.write_text(json.dumps(nb))
    again = copy_edition(tmp_path, notebooks=two)
    assert again.kept == ["02_summit_day.ipynb"] and again.unchanged == ["03_aftermath.ipynb"]
    assert "Kyiv was on UTC+3" in mine.read_text()
    # An untouched copy follows the edition asked for; the learner's copy still stays.
    teacher = copy_edition(tmp_path, "teacher", notebooks=two)
    assert teacher.written == ["03_aftermath.ipynb"] and teacher.kept == ["02_summit_day.ipynb"]
    assert "solution" in (tmp_path / "03_aftermath.ipynb").read_text()
    assert "Kyiv was on UTC+3" in mine.read_text()


def test_a_notebook_not_written_by_the_command_is_kept(tmp_path):
    path = next(p for p in PATHS if p.stem == "01_background")
    (tmp_path / path.name).write_text("{}")  # e.g. the learner's own file of the same name
    report = copy_edition(tmp_path, notebooks=[path])
    assert report.kept == [path.name] and (tmp_path / path.name).read_text() == "{}"
    assert not list(tmp_path.glob(".*.partial"))


def test_notebooks_command_says_what_it_did_and_what_to_run_next(tmp_path, capsys):
    assert cli.main(["notebooks", str(tmp_path / "mine"), "--edition", "teacher"]) == 0
    out = capsys.readouterr().out
    assert f"teacher edition in {tmp_path / 'mine'}: {len(PATHS)} written" in out
    assert f"next: summit-lessons start {tmp_path / 'mine'} --edition teacher" in out
    assert f"(or: jupyter lab {tmp_path / 'mine'}, then open 00_start_here.ipynb)" in out
    (tmp_path / "file").write_text("x")
    assert cli.main(["notebooks", str(tmp_path / "file")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot write the notebooks to {tmp_path / 'file'}" in err


def _exercises(nb):
    """(exercise cell, its solution cells, whether it has an answer check) for every exercise."""
    out, current = [], None
    for cell in nb.cells:
        tags = _tags(cell)
        if "exercise" in tags:
            current = (cell, [], [])
            out.append(current)
        elif current is not None and tags & {"hint", "check", "solution"}:
            (current[1] if "solution" in tags else current[2]).append(cell)
        elif current is not None:
            current = None
    return [(e, sols, any("check" in _tags(c) for c in parts)) for e, sols, parts in out]


@pytest.mark.parametrize("slug", [p.stem for p in PATHS])
def test_open_questions_and_closing_tasks_have_a_rubric_for_the_teacher_only(lessons, slug):
    """Every exercise no check grades, and every closing task, has a rubric (full, partial, missing) in its
    solution: the teacher edition and the key show it, the student edition does not."""
    nb = lessons[slug]
    key = lesson_key(next(p for p in PATHS if p.stem == slug))
    keyed = dict(key.exercises)
    for exercise, solutions, checked in _exercises(nb):
        title = re.findall(r"^#{1,6}\s+(.+)$", exercise.source, re.M)[-1]
        if checked and "Closing task" not in title:
            continue
        rubric = "\n".join(c.source for c in solutions if "**Rubric.**" in c.source)
        assert rubric, f"{slug}: {title!r} has no rubric"
        for part in ("*Full:*", "*Partial:*", "*Missing:*"):
            assert part in rubric, f"{slug}: {title!r}: the rubric has no {part}"
        assert "Rubric." in keyed[title], f"{slug}: the key's {title!r} has no rubric"
    student = make_edition(nb, "student")
    assert not any("**Rubric.**" in c.source for c in student.cells)
    teacher = make_edition(nb, "teacher")
    assert sum("**Rubric.**" in c.source for c in teacher.cells) == sum("**Rubric.**" in c.source for c in nb.cells)


def test_copying_the_student_wheels_notebooks_gives_the_same_bytes_as_making_the_edition(tmp_path):
    """The hub's student servers copy notebooks that are already the student edition (the student
    wheel's); they are copied as they are, and the copy must be what make_edition would write."""
    made = tmp_path / "student-wheel-notebooks"
    made.mkdir()
    for p in PATHS:
        student = make_edition(nbformat.read(p, as_version=4), "student")
        (made / p.name).write_text(nbformat.writes(student) + "\n", encoding="utf-8")
    report = copy_edition(tmp_path / "home", "student", notebooks=sorted(made.glob("*.ipynb")))
    assert report.written == [p.name for p in PATHS]
    for p in PATHS:
        copied = (tmp_path / "home" / p.name).read_bytes()
        assert copied == (made / p.name).read_bytes()
        assert b'"solution"' not in copied
    # A teacher's notebook still goes through the edition function: its solutions do not reach a student.
    teacher = copy_edition(tmp_path / "other", "student", notebooks=PATHS[:3])
    assert teacher.written and all(b'"solution"' not in (tmp_path / "other" / n).read_bytes() for n in teacher.written)
    assert any(b'"solution"' in p.read_bytes() for p in PATHS[:3])
