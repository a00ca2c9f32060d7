"""Caches, manifests and copies that went wrong on disk: a damaged entry is a miss, a damaged
manifest counts as none, an edition of an edition changes nothing, a learner's link is never
written through, and the key follows the data the build ran on."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from summit_lessons import data_dir
from summit_lessons.publish.editions import MANIFEST, copy_edition, make_edition
from summit_lessons.publish.handouts import BuildError, build
from summit_lessons.lessons import notebook_paths
from test_build_faults import ENV, cli, lesson

LESSONS = notebook_paths()


# ------------------------------------------------------------------ handout and key caches

@pytest.mark.slow
def test_a_truncated_cache_entry_is_rebuilt_not_published(tmp_path):
    nb = lesson(tmp_path / "nbs")
    cache = tmp_path / "cache"
    build(tmp_path / "a", notebooks=[nb], cache_dir=cache, progress=None)
    entry = next(cache.glob("01_tiny-*-student-nocode.html"))
    entry.write_bytes(entry.read_bytes()[:1000])  # a disk that filled up, a copy cut short
    report = build(tmp_path / "b", notebooks=[nb], cache_dir=cache, progress=None)
    assert report.executed == ["01_tiny"]
    page = (tmp_path / "b" / "student" / "01_tiny.html").read_text(encoding="utf-8")
    assert page.rstrip().endswith("</html>") and len(page) > 1000
    assert build(tmp_path / "c", notebooks=[nb], cache_dir=cache, progress=None).cached == ["01_tiny"]


@pytest.mark.slow
@pytest.mark.parametrize("text", ['{"stem": "01_tiny"', "[1, 2]", '{"stem": 1, "meta": [], "notes": 3, "exercises": 4, "quiz": 5}'])
def test_a_corrupt_key_cache_entry_is_a_miss(tmp_path, text):
    nb = lesson(tmp_path / "nbs")
    cache = tmp_path / "cache"
    build(tmp_path / "a", notebooks=[nb], cache_dir=cache, progress=None)
    for entry in (cache / "key").glob("*.json"):
        entry.write_text(text, encoding="utf-8")
    report = build(tmp_path / "b", notebooks=[nb], cache_dir=cache, progress=None)
    assert (tmp_path / "b" / "key" / "01_tiny.html").read_bytes() == (tmp_path / "a" / "key" / "01_tiny.html").read_bytes()
    assert report.cached == ["01_tiny"]


def solved_lesson(folder: Path) -> Path:
    """A lesson whose solution prints a cell of the data: its key must show the data the build used."""
    path = lesson(folder)
    nb = nbformat.read(path, as_version=4)
    nb.cells += [new_markdown_cell("## Exercise 1: the first area", id="ex", metadata={"tags": ["exercise"]}),
                 new_code_cell('# Solution\nfrom summit_lessons import load\nprint(load("territory")["area"].iloc[0])',
                               id="sol", metadata={"tags": ["solution"]})]
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="STORED OUTPUT\n")]
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_the_key_follows_the_data_the_build_used(tmp_path, monkeypatch, datacopy):
    nb = solved_lesson(tmp_path / "nbs")
    datacopy.set("territory", 0, "area", "A teacher's corrected area")
    monkeypatch.setenv("SUMMIT_LESSONS_DATA", str(datacopy.folder))
    cache = tmp_path / "cache"
    for run in ("first", "from the cache"):
        out = tmp_path / run.replace(" ", "-")
        build(out, notebooks=[nb], cache_dir=cache, progress=None)
        key = (out / "key" / "01_tiny.html").read_text(encoding="utf-8")
        assert "A teacher&#x27;s corrected area" in key or "A teacher's corrected area" in key, run
        assert "STORED OUTPUT" not in key, run
    monkeypatch.delenv("SUMMIT_LESSONS_DATA")  # the packaged data again: its own key, not the teacher's
    build(tmp_path / "packaged", notebooks=[nb], cache_dir=cache, progress=None)
    assert "corrected area" not in (tmp_path / "packaged" / "key" / "01_tiny.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_relative_data_folder_is_taken_from_where_the_command_runs(tmp_path):
    nb = solved_lesson(tmp_path / "nbs")
    shutil.copytree(data_dir(None), tmp_path / "my-data")
    env = {**ENV, "SUMMIT_LESSONS_DATA": "my-data"}  # as docs/data.md's own example has it
    valid = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "validate"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert valid.returncode == 0, valid.stderr
    done = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "handouts", "--out", "h", "--notebooks", "nbs",
                           "--cache", "cache"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "h" / "key" / "01_tiny.html").is_file()


# ------------------------------------------------------------------ editions

def test_an_edition_of_an_edition_changes_nothing():
    nb = nbformat.read(LESSONS[2], as_version=4)
    for edition in ("student", "teacher"):
        once = make_edition(nb, edition)
        assert nbformat.writes(make_edition(once, edition)) == nbformat.writes(once)
    student = make_edition(nb, "student")
    ids = [c.id for c in make_edition(student, "student").cells]
    assert len(ids) == len(set(ids))


@pytest.mark.slow
def test_handouts_from_student_notebooks_add_no_second_answer_box_and_warn_for_the_teacher(tmp_path):
    nb = lesson(tmp_path / "src")
    student = make_edition(nbformat.read(nb, as_version=4), "student")
    (tmp_path / "nbs").mkdir()
    nbformat.write(student, tmp_path / "nbs" / "01_tiny.ipynb")
    said: list[str] = []
    build(tmp_path / "h", notebooks=[tmp_path / "nbs" / "01_tiny.ipynb"], cache_dir=None, progress=said.append)
    assert said[0] == ("warning: 01_tiny.ipynb is a student edition, without solutions or instructor notes, so the "
                       "teacher edition and the key have none for it: build from the teacher edition "
                       "(summit-lessons notebooks DIR --edition teacher) or the packaged lessons")
    said.clear()
    build(tmp_path / "s", editions=["student"], notebooks=[tmp_path / "nbs" / "01_tiny.ipynb"], cache_dir=None,
          progress=said.append)
    assert not [line for line in said if line.startswith("warning")]


# ------------------------------------------------------------------ the learner's folder

@pytest.mark.parametrize("text", ["[1, 2]", '{"files": [1]}', "[]", '{"files": null}', "[" * 100_000])
def test_a_corrupt_notebook_manifest_counts_as_none(tmp_path, text):
    copy_edition(tmp_path, "student")
    mine = tmp_path / LESSONS[1].name
    mine.write_text(mine.read_text(encoding="utf-8") + " ", encoding="utf-8")  # the learner's own change
    (tmp_path / MANIFEST).write_text(text, encoding="utf-8")
    report = copy_edition(tmp_path, "student")
    assert report.kept == [mine.name]  # without a record, a changed notebook is the learner's: kept
    assert json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))["edition"] == "student"


@pytest.mark.parametrize("planted", [".00_start_here.ipynb.partial", ".summit-lessons.json.partial"])
def test_a_planted_partial_link_is_never_written_through(tmp_path, planted):
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours", encoding="utf-8")
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / planted).symlink_to(victim)
    copy_edition(folder, "student")
    assert victim.read_text(encoding="utf-8") == "not yours"
    assert (folder / "00_start_here.ipynb").is_file() and (folder / MANIFEST).is_file()
    assert not [p for p in folder.iterdir() if p.name.endswith(".partial") and p.name != planted]


def test_a_lesson_notebook_that_is_a_link_is_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours", encoding="utf-8")
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / LESSONS[0].name).symlink_to(victim)
    report = copy_edition(folder, "student")
    assert report.blocked == [LESSONS[0].name] and victim.read_text(encoding="utf-8") == "not yours"


def test_a_folder_with_a_lessons_name_is_named_and_the_rest_written(tmp_path):
    (tmp_path / "lessons" / LESSONS[3].name).mkdir(parents=True)
    done = cli("notebooks", "lessons", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"error: could not write {LESSONS[3].name} in lessons: something that is not a "
                                        "notebook file (a folder or a link) has that name; rename it and run this again"]
    written = sorted(p.name for p in (tmp_path / "lessons").glob("*.ipynb") if p.is_file())
    assert written == sorted(p.name for p in LESSONS if p != LESSONS[3])
    manifest = json.loads((tmp_path / "lessons" / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == written


# ------------------------------------------------------------------ notebook metadata of the wrong kind

@pytest.mark.parametrize("key, value, kind", [("teaching_minutes", "twenty", "a whole number (e.g. 20, not \"20\" or \"twenty\")"),
                                              ("order", "3", "a whole number (e.g. 20, not \"20\" or \"twenty\")"),
                                              ("title", None, "text (not empty)"),
                                              ("objectives", "read", "a list of texts")])
def test_metadata_of_the_wrong_kind_is_one_line(tmp_path, key, value, kind):
    nb = lesson(tmp_path / "nbs", **{key: value})
    with pytest.raises(BuildError) as err:
        build(tmp_path / "out", notebooks=[nb], cache_dir=None, progress=None)
    assert str(err.value) == f'01_tiny.ipynb: metadata "{key}" is {json.dumps(value)}, but it must be {kind}'
    assert not (tmp_path / "out").exists()
