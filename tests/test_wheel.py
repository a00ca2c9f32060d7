"""The package wheel (``summit_lessons.publish.wheel.build_wheel``): the student edition holds no solution
text, only the package's own files go in (never a stray file of the folder), the same files give
the same bytes, and an installed package rebuilds the same wheel without a clone."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import leaks
from summit_lessons.publish.wheel import WheelError, build_wheel

ROOT = Path(__file__).resolve().parents[1]
PKG = "summit_lessons"
STRAYS = ("data/.env.local", "notebooks/.~scratch.ipynb", "data/grades_private.csv", ".secret/notes.txt",
          "widgets/__pycache__/stray.cpython-312.pyc")


@pytest.fixture(scope="module")
def needles() -> leaks.Needles:
    return leaks.needles()


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("wheels")
    return {e: build_wheel(base / e, e) for e in ("teacher", "student")}


def _tracked_package_files(root: Path) -> set[str]:
    out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--", f"src/{PKG}"],
                         capture_output=True, check=True).stdout.decode().split("\0")
    return {n.removeprefix("src/") for n in out if n}


def _package_names(wheel: Path) -> set[str]:
    return {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith(f"{PKG}/")}


def test_every_teacher_only_text_yields_needles(needles):
    """The scan below is only as good as its needles: every solution, instructor note and answer block has some."""
    assert len(needles.by_source) >= 60
    assert not [label for label, found in needles.by_source.items() if not found]


def test_the_student_wheel_holds_no_solution_text_and_the_teacher_wheel_all(wheels, needles):
    student = leaks.scan(wheels["student"], needles.all)
    assert student.archives == 1 and student.files > 60
    assert student.hits == []
    teacher = leaks.scan(wheels["teacher"], needles.all)
    # The teacher wheel is the full package: each teacher-only text is found in it.
    found = {h.needle for h in teacher.hits}
    assert [label for label, ns in needles.by_source.items() if not set(ns) & found] == []


def test_the_student_wheel_has_the_teacher_wheels_files_with_student_lessons(wheels):
    teacher, student = (zipfile.ZipFile(wheels[e]) for e in ("teacher", "student"))
    assert teacher.namelist() == student.namelist()
    lesson = f"{PKG}/notebooks/05_two_accounts.ipynb"
    nb = json.loads(student.read(lesson))
    assert nb["metadata"]["summit_lessons"]["edition"] == "student"
    tags = [t for c in nb["cells"] for t in c.get("metadata", {}).get("tags", [])]
    assert "answer" in tags and not {"solution", "instructor"} & set(tags)
    # The code, data and quiz data (self-check feedback needs it) are the teacher wheel's.
    for name in teacher.namelist():
        if name.endswith((".py", ".csv")) or "/quiz_data/" in name:
            assert student.read(name) == teacher.read(name), name


def test_the_wheel_holds_exactly_the_tracked_package_files(wheels):
    names = _package_names(wheels["teacher"])
    assert names == _tracked_package_files(ROOT)
    meta = zipfile.ZipFile(wheels["teacher"]).read(f"{PKG}-0.1.0.dist-info/METADATA").decode()
    assert "Name: summit_lessons" in meta


def test_two_builds_give_the_same_bytes(wheels, tmp_path):
    again = build_wheel(tmp_path, "student")
    assert again.read_bytes() == wheels["student"].read_bytes()


def _clone_of_tracked_files(dest: Path) -> Path:
    """A git checkout holding this checkout's tracked files (the work tree's bytes), to plant strays in."""
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
                           ).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(src), dest / name)
        elif src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / name)
    git = ["git", "-C", str(dest), "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    return dest


def _plant_strays(package: Path) -> None:
    for stray in STRAYS:
        (package / stray).parent.mkdir(parents=True, exist_ok=True)
        (package / stray).write_text("SUMMIT_HUB_ADMIN_TOKEN=do-not-ship\n", encoding="utf-8")


@pytest.mark.parametrize("with_git", [True, False], ids=["git-checkout", "plain-copy"])
def test_a_stray_file_in_the_source_tree_never_gets_in(tmp_path, with_git, wheels):
    src = _clone_of_tracked_files(tmp_path / "src")
    if not with_git:
        shutil.rmtree(src / ".git")
    _plant_strays(src / "src" / PKG)
    (src / "notebooks" / ".~scratch.ipynb").write_text("{}", encoding="utf-8")  # through the symlink too
    wheel = build_wheel(tmp_path / "dist", "teacher", root=src)
    names = _package_names(wheel)
    assert not [n for n in names if n.removeprefix(f"{PKG}/") in STRAYS or "/." in n or "__pycache__" in n]
    assert names == _package_names(wheels["teacher"])
    assert b"do-not-ship" not in wheel.read_bytes()


def test_an_untracked_table_named_by_the_descriptor_is_one_clear_error(tmp_path):
    src = _clone_of_tracked_files(tmp_path / "src")
    desc_path = src / "src" / PKG / "data" / "datapackage.json"
    desc = json.loads(desc_path.read_text(encoding="utf-8"))
    desc["resources"].append({**desc["resources"][0], "name": "extra", "path": "extra.csv"})
    desc_path.write_text(json.dumps(desc), encoding="utf-8")
    (desc_path.parent / "extra.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(WheelError, match=r"datapackage.json: describes data/extra.csv, which is not tracked by git$"):
        build_wheel(tmp_path / "dist", root=src)
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def test_an_unknown_edition_is_refused(tmp_path):
    with pytest.raises(WheelError, match="unknown edition 'answers': use student or teacher"):
        build_wheel(tmp_path, "answers")


def test_an_installed_package_rebuilds_the_same_wheel_without_a_clone(wheels, tmp_path, needles):
    """After `pip install` of the wheel (no checkout, no hatchling needed): the same files, strays left out."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                    "--disable-pip-version-check", "--target", str(target), str(wheels["teacher"])], check=True)
    _plant_strays(target / PKG)
    code = ("import sys; from pathlib import Path; import summit_lessons.publish.wheel as w; "
            "assert w.checkout_root() is None, w.checkout_root(); "
            "[print(w.build_wheel(Path(sys.argv[1]) / e, e)) for e in ('teacher', 'student')]")
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")], capture_output=True, text=True,
                         env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rebuilt = dict(zip(("teacher", "student"), map(Path, out.stdout.split())))
    for edition, wheel in rebuilt.items():
        assert wheel.name == wheels[edition].name
        a, b = zipfile.ZipFile(wheel), zipfile.ZipFile(wheels[edition])
        assert sorted(a.namelist()) == sorted(b.namelist())
        record = f"{PKG}-0.1.0.dist-info/RECORD"
        assert [n for n in a.namelist() if n != record and a.read(n) != b.read(n)] == []
    assert leaks.scan(rebuilt["student"], needles.all).hits == []
    # pip accepts the rebuilt wheel (its RECORD hashes are right).
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
                    "--target", str(tmp_path / "again"), str(rebuilt["student"])], check=True)
    assert (tmp_path / "again" / PKG / "notebooks" / "02_summit_day.ipynb").is_file()


def test_shared_data_of_a_rebuilt_wheel_follows_pyproject():
    """The mapping an installed package's rebuild uses is pyproject's own (a changed one fails here)."""
    import tomllib

    from summit_lessons.publish.wheel import SHARED_DATA

    root = Path(__file__).resolve().parents[1]
    shared = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    assert {f"src/{PKG}/{k}": v for k, v in SHARED_DATA.items()} == shared


def test_a_wheel_without_outputs_keeps_the_lessons_metadata_and_drops_their_outputs(tmp_path):
    """The Lite site's wheel: every browser downloads it, and in the browser only the metadata is read."""
    import nbformat

    full = build_wheel(tmp_path / "full", "student")
    light = build_wheel(tmp_path / "light", "student", outputs=False)
    assert light.stat().st_size < full.stat().st_size
    with zipfile.ZipFile(full) as a, zipfile.ZipFile(light) as b:
        lessons = [n for n in b.namelist() if n.startswith(f"{PKG}/notebooks/") and n.endswith(".ipynb")]
        assert lessons
        for name in lessons:
            nb_a = nbformat.reads(a.read(name).decode("utf-8"), as_version=4)
            nb_b = nbformat.reads(b.read(name).decode("utf-8"), as_version=4)
            assert nb_b.metadata["summit_lessons"] == nb_a.metadata["summit_lessons"]
            assert [c.source for c in nb_b.cells] == [c.source for c in nb_a.cells]
            assert all(not c.get("outputs") for c in nb_b.cells if c.cell_type == "code")
