"""The two notebook editions in real JupyterLab (Debian's Chromium): what a teacher and a student see.

- Teacher: every solution and instructor cell is folded behind a label that names it (a collapsed
  bar for code, a closed fold for markdown) and hides the answer, before and after Run → Run All
  Cells (a run code solution shows its output in a closed fold); a click opens it.
- Student: no solution anywhere; the check under exercise 1 of lesson 02 takes an answer from the
  labelled box, answers Enter and the Check button with feedback in words, and never shows the answer.

Screenshots: build/screenshots/lab-teacher-*.png and lab-student-*.png.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from test_browser import SHOTS, _free_port, _need_chromium, browser  # noqa: F401  (browser: the shared Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]




@pytest.fixture(scope="module")
def editions_lab(tmp_path_factory):
    """JupyterLab on a folder holding both editions, each written by the real command."""
    _need_chromium()
    work = tmp_path_factory.mktemp("editions-lab")
    root = work / "root"
    for edition in ("student", "teacher"):
        subprocess.run([sys.executable, "-m", "summit_lessons.cli", "notebooks", str(root / edition),
                        "--edition", edition], check=True, capture_output=True)
    config = work / "config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}')
    # JupyterLab 4 renders only the cells near the viewport by default; the test counts every cell.
    tracker = work / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"), "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", "--LabApp.expose_app_in_browser=True",
         f"--ServerApp.root_dir={root}", "--ServerApp.disable_check_xsrf=True"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import socket

        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start")
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _open(page, url: str, path: str) -> None:
    page.goto(f"{url}/lab/tree/{path}?reset", wait_until="domcontentloaded")  # not the last test's tabs
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                           timeout=60_000)


def _assert_folded(page, cells, hidden, when: str) -> None:
    for i in hidden:
        cell = cells.nth(i)
        cell.scroll_into_view_if_needed()
        if cell.get_attribute("class") and "jp-CodeCell" in cell.get_attribute("class"):
            bar = cell.locator(".jp-InputPlaceholder")
            # collapsed (before running) or, once run, its output inside a closed fold
            assert bar.count() == 1, f"{when}: code cell {i} is not collapsed"
            label = (bar.text_content() or "").strip()
            assert "20:32" not in label
            shown = [el for el in cell.locator(".jp-OutputArea-output").all() if el.is_visible()]
            for el in shown:
                assert el.locator("details.sl-fold:not([open])").count() == 1, f"{when}: cell {i} output unfolded"
        else:
            fold = cell.locator("details.sl-fold")
            assert fold.count() == 1 and fold.get_attribute("open") is None, f"{when}: markdown cell {i} is not folded"
            summary = fold.locator("summary").inner_text()
            assert summary.startswith(("Solution", "Instructor note")) and "20:32" not in summary
        assert "About 20:32" not in cell.inner_text(), f"{when}: cell {i} shows the answer"


def test_teacher_edition_shows_solutions_folded_until_opened_even_after_run_all(browser, editions_lab):
    url, root = editions_lab
    nb = nbformat.read(root / "teacher" / "02_summit_day.ipynb", as_version=4)
    hidden = [i for i, c in enumerate(nb.cells) if {"solution", "instructor"} & set(c.metadata.get("tags", []))]
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = ctx.new_page()
    try:
        _open(page, url, "teacher/02_summit_day.ipynb")
        cells = page.locator(".jp-Notebook .jp-Cell")
        assert cells.count() == len(nb.cells)
        _assert_folded(page, cells, hidden, "before running")
        # Run → Run All Cells, as a teacher does in front of the class
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function("""() => { const w = window.jupyterapp.shell.currentWidget, m = w.content.model;
            const code = [...Array(m.cells.length).keys()].map(i => m.cells.get(i)).filter(c => c.type === 'code');
            return w.sessionContext.session.kernel.status === 'idle' && code.every(c => c.executionCount !== null); }""",
                               timeout=180_000)
        page.wait_for_timeout(1000)
        _assert_folded(page, cells, hidden, "after Run All")
        code = cells.nth(hidden[1])  # the code solution of exercise 1: run, its answer in a closed fold
        code.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(SHOTS / "lab-teacher-solutions-folded-after-run-all.png"))
        md = cells.nth(hidden[2])
        md.locator("details.sl-fold > summary").click()
        page.wait_for_function("el => el.innerText.includes('20:32')", arg=md.element_handle(), timeout=10_000)
        assert "About 20:32" in md.inner_text()
        page.screenshot(path=str(SHOTS / "lab-teacher-solution-opened.png"))
    finally:
        ctx.close()


def test_student_edition_checks_an_answer_without_showing_it(browser, editions_lab):
    url, root = editions_lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = ctx.new_page()
    try:
        _open(page, url, "student/02_summit_day.ipynb")
        sources = page.evaluate("window.jupyterapp.shell.currentWidget.context.model.toJSON().cells"
                                ".map(c => [c.metadata.tags || [], Array.isArray(c.source) ? c.source.join('') : c.source])")
        assert not any(t for t, _ in sources if {"solution", "instructor"} & set(t))
        assert sum("answer" in t for t, _ in sources) == sum("exercise" in t for t, _ in sources) > 0
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        check = page.locator(".sl-check").first
        check.wait_for(timeout=120_000)
        check.scroll_into_view_if_needed()
        box = check.get_by_label("Your answer")
        feedback = check.locator(".sl-feedback")
        box.fill("≈ 21:32")
        box.press("Enter")
        page.wait_for_function("el => el.innerText.includes('winter')", arg=feedback.element_handle(), timeout=15_000)
        status = feedback.locator("[role=status]")
        assert status.count() == 1 and "Not yet" in status.inner_text()
        assert "20:32" not in check.inner_text()
        check.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(SHOTS / "lab-student-check-feedback.png"))
        box.fill("≈ 20:32")
        check.get_by_role("button", name="Check").click()
        page.wait_for_function("el => el.innerText.includes('Right')", arg=feedback.element_handle(), timeout=15_000)
        assert "Show answer" not in check.inner_text()
        page.screenshot(path=str(SHOTS / "lab-student-check-right.png"))
    finally:
        ctx.close()
