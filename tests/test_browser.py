"""What a student actually sees, checked in Debian's headless Chromium.

1. JupyterLab: the summit-day notebook runs, the timeline explorer and a quiz respond to clicks.
2. Every handout opens from file:// with every non-file request blocked: none is attempted, no
   console error, every image loads and has alt text.
3. axe-core finds no critical or serious violation on any handout or the index.
4. A handout prints to PDF with the expected number of pages and no empty page.

Screenshots go to build/screenshots/. Without chromium these tests skip (with how to install
it); on CI (CI=true) a missing browser is a failure.
"""
from __future__ import annotations

import io
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def _need_chromium() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path:
        return path
    why = "Debian's chromium is not installed: run `make browser` (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(why + " — on CI the browser checks must run")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    exe = _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def handouts(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("handouts") / "handouts"
    subprocess.run([sys.executable, "-m", "summit_lessons.cli", "handouts", "--out", str(out)],
                   check=True, cwd=ROOT, capture_output=True, text=True)
    return out


def _pages(handouts: Path) -> list[Path]:
    pages = sorted(handouts.rglob("*.html"))
    assert len(pages) >= 13, pages  # 6 student + 6 teacher + index
    return pages


def _shot_name(page: Path, root: Path) -> str:
    return "handout-" + "-".join(page.relative_to(root).with_suffix(".png").parts)


# ------------------------------------------------------------------ 2. offline handouts


def test_handouts_make_no_requests_and_show_every_image(browser, handouts):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for page_path in _pages(handouts):
        ctx = browser.new_context(viewport={"width": 1100, "height": 900})
        blocked: list[str] = []
        errors: list[str] = []

        def route(r, blocked=blocked):
            if r.request.url.startswith("file://") and Path(r.request.url[7:].split("#")[0]).resolve() == page_path.resolve():
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        page = ctx.new_page()
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(page_path.as_uri(), wait_until="load")
        images = page.evaluate("""() => Array.from(document.images).map(i => ({
            ok: i.complete && i.naturalWidth > 0, alt: (i.getAttribute('alt') || '').trim()}))""")
        page.screenshot(path=str(SHOTS / _shot_name(page_path, handouts)), full_page=True)
        ctx.close()
        name = page_path.relative_to(handouts)
        assert blocked == [], f"{name} tried to load {blocked}"
        assert errors == [], f"{name} console errors: {errors}"
        assert all(i["ok"] for i in images), f"{name}: an image did not load"
        assert all(i["alt"] for i in images), f"{name}: an image has no alt text"


def test_real_student_handouts_hold_no_answers(handouts):
    """The fixture tests prove the rules; this checks them on the six real lessons."""
    for student in sorted((handouts / "student").glob("*.html")):
        teacher = handouts / "teacher" / student.name
        s, t = student.read_text(encoding="utf-8"), teacher.read_text(encoding="utf-8")
        assert '<details class="sl-answer"' not in s and "teacher edition only" not in s, student.name
        assert '<details class="sl-answer" open>' in t and "Solution (teacher edition only)" in t, teacher.name
        assert "Instructor note (teacher edition only)" in t, teacher.name


# ------------------------------------------------------------------ 3. axe-core


def test_axe_finds_no_serious_violations(browser, handouts):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    report = []
    failures = []
    for page_path in _pages(handouts):
        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(page_path.as_uri(), wait_until="load")
        result = axe.run(page)
        ctx.close()
        counts = {"critical": 0, "serious": 0, "moderate": 0, "minor": 0}
        for v in result.response["violations"]:
            counts[v["impact"] or "minor"] += len(v["nodes"])
            if v["impact"] in ("critical", "serious"):
                failures.append(f"{page_path.relative_to(handouts)}: {v['id']} ({v['impact']}): {v['help']}")
        report.append(f"{str(page_path.relative_to(handouts)):38} " + " ".join(f"{k}={n}" for k, n in counts.items()))
    print("\naxe-core violations (nodes) per page:\n" + "\n".join(report))
    assert failures == []


# ------------------------------------------------------------------ 4. print


def test_a_handout_prints_without_empty_pages(browser, handouts):
    from pypdf import PdfReader

    page_path = handouts / "student" / "02_summit_day.html"
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(page_path.as_uri(), wait_until="load")
    page.emulate_media(media="print")
    # A4 with 15 mm margins is 180 x 267 mm of content: 680 x 1009 CSS px at 96 px/inch.
    page.set_viewport_size({"width": 680, "height": 1009})
    height = page.evaluate("document.documentElement.scrollHeight")
    pdf = page.pdf(format="A4", margin={"top": "15mm", "bottom": "15mm", "left": "15mm", "right": "15mm"},
                   print_background=False)
    ctx.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "student-02_summit_day.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    expected = math.ceil(height / 1009)
    # Never fewer pages than the content needs. Keeping each figure, table row and code block whole
    # pushes some blocks to the next page: allow up to a fifth more pages for that, no more.
    assert expected <= len(reader.pages) <= expected + math.ceil(expected / 5), (len(reader.pages), expected)
    for i, p in enumerate(reader.pages, 1):
        has_image = bool(p.get("/Resources", {}).get("/XObject"))
        assert p.extract_text().strip() or has_image, f"page {i} of {len(reader.pages)} is empty"


# ------------------------------------------------------------------ 1. JupyterLab


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    _need_chromium()
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")  # a copy: autosave must not touch the lessons
    config = work / "config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}')
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"), "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", "--LabApp.expose_app_in_browser=True",
         f"--ServerApp.root_dir={work / 'notebooks'}", "--ServerApp.disable_check_xsrf=True"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"JupyterLab exited: {proc.stderr.read()[-2000:]}")
                time.sleep(0.3)
        else:
            raise RuntimeError("JupyterLab did not start within 60 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_widgets_work_in_jupyterlab(browser, lab):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")  # a date box would read 08/15/2025
    page = ctx.new_page()
    try:
        page.goto(f"{lab}/lab/tree/02_summit_day.ipynb", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                               "&& window.jupyterapp.shell.currentWidget.sessionContext.session", timeout=60_000)
        page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                               " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                               timeout=60_000)
        # Clear the stored outputs first, so every widget found below is a live one from this run.
        page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.wait_for_function("document.querySelectorAll('.sl-timeline-explorer').length === 0", timeout=10_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

        # Wait for the whole run: while it runs, JupyterLab follows the running cell and takes cells
        # out of view off the page (its windowed notebook), so the explorer would read as empty.
        page.wait_for_function(
            "(() => { const nb = window.jupyterapp.shell.currentWidget;"
            " return nb.sessionContext.session.kernel.status === 'idle' && nb.content.widgets.every("
            "c => c.model.type !== 'code' || c.model.executionCount !== null); })()", timeout=180_000)
        explorer = page.locator(".sl-timeline-explorer").first
        explorer.wait_for(timeout=30_000)
        status = explorer.locator(".sl-status")
        explorer.evaluate("e => e.scrollIntoView({block: 'start'})")
        # The box appears before its contents: wait for the first status line and the table rows.
        # The text as drawn (innerText), looked up afresh on each poll: JupyterLab skips drawing cells
        # out of view (content-visibility), and their innerText reads empty until they are drawn again.
        page.wait_for_function("document.querySelector('.sl-timeline-explorer .sl-status').innerText.includes('Showing')",
                               timeout=30_000)
        explorer.locator("table tbody tr").first.wait_for(timeout=30_000)
        before_status = status.inner_text()
        before_rows = explorer.locator("table tbody tr").count()
        before_svg = explorer.locator("svg").inner_html()
        explorer.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(SHOTS / "lab-timeline-before.png"))

        assert "(phase: summit day)" in before_status  # the lesson opens the explorer on the summit day
        # Phases are checkboxes: untick summit-day, tick pre-summit (plain clicks, no modifier key).
        explorer.get_by_role("checkbox", name="summit-day").uncheck()
        expect(status).not_to_have_text(before_status, timeout=10_000)
        before_status = status.inner_text()
        explorer.get_by_role("checkbox", name="pre-summit").check()
        expect(status).not_to_have_text(before_status, timeout=10_000)
        assert "(phase: pre-summit)" in status.inner_text()
        after_rows = explorer.locator("table tbody tr").count()
        assert 0 < after_rows != before_rows
        assert explorer.locator("svg").inner_html() != before_svg
        cells = explorer.locator("table tbody tr").all_inner_texts()
        assert all("Aug 2025" in c and "15 Aug 2025" not in c for c in cells)  # the days before the summit
        explorer.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(SHOTS / "lab-timeline-after-phase-filter.png"))
        # The From list: its options read "15 Aug 2025" in any browser locale; choosing one filters.
        start = explorer.get_by_role("combobox", name="From", exact=True)
        # (ipywidgets writes each option's spaces as no-break spaces)
        assert "15 Aug 2025" in start.evaluate("s => Array.from(s.options).map(o => o.text.replace(/\\u00a0/g, ' '))")
        before_status = status.inner_text()
        start.select_option(label="8\u00a0Aug\u00a02025")
        expect(status).not_to_have_text(before_status, timeout=10_000)
        assert "(phase: pre-summit; from 8 Aug 2025)" in status.inner_text()
        cells = explorer.locator("table tbody tr").all_inner_texts()
        assert cells and not any(re.search(r"(?<!\d)7 Aug 2025", c) for c in cells)  # the day before is gone

        quiz = page.locator(".sl-quiz .sl-quiz-question").first
        quiz.scroll_into_view_if_needed()
        quiz.locator("input[type=radio]").first.check()
        quiz.get_by_role("button", name="Check").click()
        feedback = quiz.locator(".sl-feedback")
        expect(feedback).to_contain_text(re.compile("Correct|Not quite"), timeout=10_000)
        assert feedback.inner_text().split(":")[0] in ("Correct", "Not quite")
        quiz.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(SHOTS / "lab-quiz-feedback.png"))
    finally:
        ctx.close()
