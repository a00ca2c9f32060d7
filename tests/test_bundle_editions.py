"""`summit-lessons bundle --edition student`: student handouts, student notebooks and the student
wheel, no key, no solution text anywhere (the wheel read too); the teacher bundle stays the
default and keeps everything; and `bundle` works from an installed package, not only a clone."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import leaks
from summit_lessons import cli
from summit_lessons.publish.bundle import bundle
from summit_lessons.publish.wheel import build_wheel

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "handouts"
LESSONS = [FIX / "notebooks" / "01_alpha.ipynb", FIX / "notebooks" / "02_beta.ipynb"]


@pytest.fixture(scope="module")
def needles() -> list[str]:
    """The lessons' teacher-only text (in the wheel) and the fixture lessons' (in handouts and notebooks)."""
    fixture = leaks.needles(LESSONS)
    assert fixture.all and not [k for k, v in fixture.by_source.items() if not v]
    return sorted({*leaks.needles().all, *fixture.all})


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("bundles")
    cache = base / "cache"
    # The teacher build first: it caches both editions' pages, so the student build executes nothing.
    return {e: bundle(base / f"{e}.zip", handouts_dir=base / f"h-{e}", cache_dir=cache, notebooks=LESSONS,
                      edition=e, site_dir=None) for e in ("teacher", "student")}


def _names(z: Path) -> list[str]:
    return [n.removeprefix("summit_lessons/") for n in zipfile.ZipFile(z).namelist()]


def test_the_student_bundle_holds_no_key_and_no_solution_text(bundles, needles):
    names = _names(bundles["student"])
    assert {"handouts/index.html", "handouts/student/01_alpha.html", "notebooks/01_alpha.ipynb",
            "data/events.csv", "LICENSE", "README.txt"} <= set(names)
    assert not [n for n in names if n.startswith(("handouts/teacher/", "handouts/key/"))]
    nb = json.loads(zipfile.ZipFile(bundles["student"]).read("summit_lessons/notebooks/01_alpha.ipynb"))
    assert nb["metadata"]["summit_lessons"]["edition"] == "student"
    scan = leaks.scan(bundles["student"], needles)
    assert scan.archives == 2  # the bundle and the wheel inside it
    assert scan.hits == []


def test_the_teacher_bundle_keeps_the_key_and_every_answer(bundles, needles):
    names = _names(bundles["teacher"])
    assert {"handouts/key/index.html", "handouts/teacher/01_alpha.html"} <= set(names)
    hits = {h.needle for h in leaks.scan(bundles["teacher"], needles).hits}
    assert "SOLUTION-MARKER" in " ".join(hits)
    assert len(hits) >= len(leaks.needles().all)  # every lesson's teacher-only text is in its wheel


def test_each_readme_says_which_edition_and_how_to_install(bundles):
    for edition, z in bundles.items():
        readme = zipfile.ZipFile(z).read("summit_lessons/README.txt").decode()
        wheel = next(n for n in _names(z) if n.endswith(".whl"))
        assert f'pip install "{wheel}[lab]"\n    summit-lessons start' in readme
        assert f"offline bundle ({edition} edition)" in readme
    student = zipfile.ZipFile(bundles["student"]).read("summit_lessons/README.txt").decode()
    assert "no teacher's key" in student and "handouts/key" not in student
    assert "self-check\nquizzes and answer checks keep their answers" in student


def test_bundle_help_says_the_default_is_the_teacher_edition(capsys):
    with pytest.raises(SystemExit):
        cli.main(["bundle", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "teacher (default)" in text and "student handouts, notebooks and package, no key" in text


def test_bundle_works_from_an_installed_package(tmp_path, bundles, needles):
    """Installed from the wheel (no checkout): `summit-lessons bundle` rebuilds the wheel from the installed files."""
    wheel = build_wheel(tmp_path / "dist", "teacher")
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
                    "--target", str(target), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = tmp_path / "work"
    out.mkdir()
    for edition in ("teacher", "student"):
        proc = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "bundle", "--edition", edition,
                               "--no-site", "--cache", str(tmp_path / "cache"), "--out", f"{edition}.zip"],
                              cwd=out, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        names = _names(out / f"{edition}.zip")
        assert {"LICENSE", "LICENSE-CONTENT", "summit_lessons-0.1.0-py3-none-any.whl"} <= set(names)
    assert leaks.scan(out / "student.zip", needles).hits == []
