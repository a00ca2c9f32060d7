"""What a student can download from the student JupyterLite site, or from the student bundle,
holds no solution text: every file is read, wheels, zips and tar archives included. The teacher
site keeps everything. The site and its zip carry a README on how to serve it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import leaks

pytestmark = [pytest.mark.lite, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".venv-lite"


def _site(out: Path, *extra: str) -> Path:
    if not (TOOLS / "bin" / "jupyter").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("the JupyterLite tools are missing — on CI the lite checks must run")
        pytest.skip("the JupyterLite tools are missing: run `make lite-tools`")
    proc = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "site", "--out", str(out), *extra],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def needles() -> leaks.Needles:
    return leaks.needles()


@pytest.fixture(scope="module")
def student_site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("student-site")
    return _site(base / "site", "--zip", str(base / "site.zip"))


def _package_wheel(site: Path) -> zipfile.ZipFile:
    (wheel,) = (site / "static" / "pyodide").glob("summit_lessons-*.whl")
    return zipfile.ZipFile(wheel)


def test_no_file_of_the_student_site_holds_solution_text(student_site, needles):
    scan = leaks.scan(student_site, needles.all)
    # Everything was read: the lessons, the app, Pyodide's wheels and zips and what is inside them.
    assert scan.archives >= 30 and scan.files >= 5000
    assert any(n.startswith("static/pyodide/summit_lessons-") and n.endswith("notebooks/05_two_accounts.ipynb")
               for n in scan.names)
    # the slide decks and their reveal.js too
    assert {f"slides/{p.stem}.html" for p in (student_site / "files").glob("*.ipynb")} <= set(scan.names)
    assert "slides/assets/reveal.js" in scan.names
    assert scan.hits == []
    lesson = json.loads(_package_wheel(student_site).read("summit_lessons/notebooks/05_two_accounts.ipynb"))
    assert lesson["metadata"]["summit_lessons"]["edition"] == "student"


def test_the_teacher_site_keeps_everything(tmp_path, needles):
    site = _site(tmp_path / "teacher", "--edition", "teacher")
    wheel = _package_wheel(site)
    lesson = json.loads(wheel.read("summit_lessons/notebooks/05_two_accounts.ipynb"))
    assert {"solution", "instructor"} <= {t for c in lesson["cells"] for t in c.get("metadata", {}).get("tags", [])}
    found = {h.needle for h in leaks.scan(site / "files", needles.all).hits}
    assert [label for label, ns in needles.by_source.items() if not set(ns) & found] == []
    assert "TEACHER edition" in (site / "README.txt").read_text(encoding="utf-8")


def test_the_site_and_its_zip_say_how_to_serve_it(student_site):
    readme = (student_site / "README.txt").read_text(encoding="utf-8")
    for words in ("python serve.py", "file://", "cannot start the lessons' Python kernel",
                  "--bind 0.0.0.0", "GitHub Pages", "application/wasm", "What a school needs",
                  "STUDENT edition", "self-check quizzes and answer checks keep their"):
        assert words in readme, words
    names = zipfile.ZipFile(student_site.parent / "site.zip").namelist()
    assert "summit-lessons-site/README.txt" in names and "summit-lessons-site/serve.py" in names


def test_the_student_bundle_with_its_site_holds_no_solution_text(student_site, needles, tmp_path):
    from summit_lessons.publish.bundle import bundle

    z = bundle(tmp_path / "student.zip", handouts_dir=tmp_path / "h", cache_dir=ROOT / ".handouts-cache",
               edition="student", site_dir=student_site)
    names = zipfile.ZipFile(z).namelist()
    assert "summit_lessons/site/README.txt" in names and "summit_lessons/site/index.html" in names
    assert not [n for n in names if "/handouts/teacher/" in n or "/handouts/key/" in n]
    scan = leaks.scan(z, needles.all)
    assert any(n.endswith("site/static/pyodide/pyodide-lock.json") for n in scan.names)
    assert scan.hits == []


def test_the_public_pages_folder_holds_only_the_student_edition(tmp_path, needles):
    """What the pages workflow publishes on a public URL (`make pages`, as the workflow runs it):
    the student site and the student handouts, no teacher handout, no key, no solution text."""
    if not (TOOLS / "bin" / "jupyter").exists():
        pytest.skip("the JupyterLite tools are missing: run `make lite-tools`")
    workflow = (ROOT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    assert "run: make pages" in workflow and "path: build/pages" in workflow
    pages = tmp_path / "pages"
    run = subprocess.run(["make", "--no-print-directory", "pages", f"PAGES={pages}"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (pages / "index.html").is_file() and (pages / "handouts" / "index.html").is_file()
    handouts = {p.name for p in (pages / "handouts").iterdir()}
    assert "student" in handouts and not {"teacher", "key", "plan"} & handouts, handouts
    assert [p.name for p in (pages / "handouts" / "slides").iterdir()] == ["student"]
    assert leaks.scan(pages, needles.all).hits == []
    # A second run replaces its own folder; a folder it did not make is refused and left alone.
    assert subprocess.run(["make", "pages", f"PAGES={pages}"], cwd=ROOT, capture_output=True).returncode == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    refused = subprocess.run(["make", "pages", f"PAGES={mine}"], cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode != 0 and "was not made by make pages" in refused.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
