"""The JupyterLite site, built for real and run in Debian's headless Chromium with no network.

The site is built once (``summit-lessons site``, downloads from the cache after the first run),
served by its own ``serve.py`` on 127.0.0.1, and opened in Chromium with every request to any
other address aborted (and recorded: the tests assert none was attempted), a dead proxy and a
host resolver that knows no name, so requests from web workers cannot reach out either.

Screenshots go to build/screenshots/lite-*.png.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest

import a11ycheck
from litebrowser import CHROMIUM, Visit, chromium, open_lesson, run_all, serve

pytestmark = [pytest.mark.lite, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
TOOLS = ROOT / ".venv-lite"
LESSONS = ["00_start_here", "01_background", "02_summit_day", "03_aftermath", "04_analysis", "05_two_accounts"]


def _need(path: Path | str, why: str) -> None:
    if not Path(path).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(why + " — on CI the lite checks must run")
        pytest.skip(why)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    _need(TOOLS / "bin" / "jupyter", "the JupyterLite tools are missing: run `make lite-tools`")
    out = tmp_path_factory.mktemp("lite") / "site"
    proc = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "site", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def served(site: Path) -> Iterator[str]:
    with serve(site) as base:
        yield base


# Module scope, not session: a running Playwright (sync API) keeps an asyncio loop running, and a
# later module of the same worker could not start its own browser.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need(CHROMIUM, "Debian's chromium is not installed: run `make browser`")
    with chromium() as b:
        yield b


# ------------------------------------------------------------------ the build itself


def test_site_holds_lessons_pinned_pyodide_and_no_pypi(site: Path):
    config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert "summit_lessons" in kernel["loadPyodideOptions"]["packages"]
    lock = json.loads((site / "static" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert lock["info"]["version"] == "0.27.7"
    for entry in lock["packages"].values():  # every package the lock names is in the site, unchanged
        from summit_lessons.publish.litesite import _sha256

        assert _sha256(site / "static" / "pyodide" / entry["file_name"]) == entry["sha256"], entry["name"]
    assert {"pandas", "matplotlib", "ipywidgets", "summit-lessons"} <= set(lock["packages"])
    assert "scipy" not in lock["packages"]  # only what the lessons import
    # Left out (site-lock.json's "_leave_out" says why), and no package of the lock depends on it.
    assert "fonttools" not in lock["packages"]
    from summit_lessons.publish.pins import _norm

    assert {_norm(d) for e in lock["packages"].values() for d in e["depends"]} <= {_norm(k) for k in lock["packages"]}
    student = sorted(p.name for p in (site / "files").glob("*.ipynb"))
    assert student == [f"{n}.ipynb" for n in LESSONS]
    nb = json.loads((site / "files" / "02_summit_day.ipynb").read_text(encoding="utf-8"))
    tags = [t for c in nb["cells"] for t in c.get("metadata", {}).get("tags", [])]
    assert "solution" not in tags and "instructor" not in tags and "answer" in tags
    checks = ["".join(c["source"]) for c in nb["cells"] if "check" in c.get("metadata", {}).get("tags", [])]
    assert checks == ['quizzes.answer_check("02_summit_day", "london-time")',
                      'quizzes.answer_check("02_summit_day", "talks-length")']  # the student edition keeps its checks
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="lab/index.html?path=02_summit_day.ipynb"' in index
    assert 'href="slides/02_summit_day.html"' in index  # the lesson's deck (tests/test_lite_decks.py)
    assert "File → Download" in index and "file://" in index
    # Each lesson is dated by its content, not by the build's fixed time.
    listing = json.loads((site / "api" / "contents" / "all.json").read_text(encoding="utf-8"))["content"]
    dates = {item["name"]: item["last_modified"] for item in listing}
    assert dates["02_summit_day.ipynb"] == "2025-11-19T00:00:00Z", dates
    # The kernel's own wheels are preloaded too, so nothing is installed one by one after boot.
    assert {"piplite", "ipykernel", "pyodide_kernel"} <= set(kernel["loadPyodideOptions"]["packages"])
    # matplotlib's font cache is the one its own version reads (else every visit rebuilds it).
    mpl = next(e for e in lock["packages"].values() if e["name"] == "matplotlib")
    with zipfile.ZipFile(site / "static" / "pyodide" / mpl["file_name"]) as z:
        fonts = json.loads(z.read("matplotlib/fontlist.json"))
        source = z.read("matplotlib/font_manager.py").decode()
    assert f"__version__ = {fonts['_version']}" in source
    assert any(f["name"] == "DejaVu Sans" for f in fonts["ttflist"])
    from summit_lessons.publish.litesite import sizes

    assert sizes(site)["total"] <= 60_000_000


def test_two_builds_give_the_same_files(site: Path, tmp_path: Path):
    again = tmp_path / "again"
    proc = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "site", "--out", str(again)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "0 files downloaded" in proc.stdout  # the cache serves a second build

    def digest(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    a, b = digest(site), digest(again)
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []


def test_a_tampered_download_stops_the_build_with_one_line(site: Path, tmp_path: Path):
    from summit_lessons.publish.litesite import default_cache  # filled by the `site` build

    cache = tmp_path / "cache"
    shutil.copytree(default_cache(), cache)
    wheel = cache / "comm-0.2.3-py3-none-any.whl"
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    out = tmp_path / "site"
    shutil.copytree(site, out)  # an earlier build, which the failed one must leave whole
    before = (out / "index.html").read_bytes()
    proc = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "site", "--out", str(out), "--cache", str(cache),
                           "--force"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "comm-0.2.3-py3-none-any.whl: sha256" in lines[0] and "does not match" in lines[0]
    assert (out / "index.html").read_bytes() == before


@pytest.mark.parametrize("damage", ["deleted pyodide.asm.wasm", "edited index.html"])
def test_up_to_date_means_the_outputs_too(site: Path, tmp_path: Path, damage: str):
    out = tmp_path / "site"
    shutil.copytree(site, out)
    wasm = out / "static" / "pyodide" / "pyodide.asm.wasm"
    good_wasm, good_index = wasm.read_bytes(), (out / "index.html").read_bytes()
    if damage.startswith("deleted"):
        wasm.unlink()
    else:
        (out / "index.html").write_text("<p>edited</p>", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "site", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "up to date" not in proc.stdout and proc.stdout.startswith(f"wrote the student site to {out}")
    assert wasm.read_bytes() == good_wasm and (out / "index.html").read_bytes() == good_index
    again = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "site", "--out", str(out)],
                           cwd=ROOT, capture_output=True, text=True)
    assert again.stdout.startswith(f"the student site in {out} is up to date")


def test_zip_holds_the_site_and_its_serve_script(site: Path, tmp_path: Path):
    from summit_lessons.publish.litesite import write_zip

    a = write_zip(site, tmp_path / "a.zip")
    b = write_zip(site, tmp_path / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    names = zipfile.ZipFile(a).namelist()
    assert "summit-lessons-site/serve.py" in names and "summit-lessons-site/index.html" in names
    assert "summit-lessons-site/files/02_summit_day.ipynb" in names


# ------------------------------------------------------------------ in the browser


def test_landing_page_opens_the_lesson_map_and_warns_about_file_urls(browser, served, site):
    SHOTS.mkdir(parents=True, exist_ok=True)
    v = Visit(browser, served)
    v.page.goto(served + "/", wait_until="load")
    assert v.page.locator("h1").count() == 1
    assert v.page.locator("table caption").inner_text().startswith("The 6 lessons")
    assert not v.page.locator("#sl-file-warning").is_visible()
    v.page.screenshot(path=str(SHOTS / "lite-landing.png"), full_page=True)
    v.page.get_by_role("link", name="The summit day: 15 August 2025 in Anchorage", exact=True).click()
    v.page.wait_for_url("**/lab/index.html?path=02_summit_day.ipynb*")
    v.page.locator(".jp-Notebook").first.wait_for(timeout=180_000)
    # The landing page says the word "Idle" shows in the status bar at the bottom: it does.
    bar = v.page.locator("#jp-main-statusbar")
    bar.get_by_text("Idle").first.wait_for(timeout=360_000)
    box, height = bar.bounding_box(), v.page.viewport_size["height"]
    assert box is not None and box["y"] > height / 2, box
    assert "Python (Pyodide)" in bar.inner_text()
    # No lesson is dated by the build ("last yr."): the file list shows no date column.
    v.page.locator(".jp-DirListing-item").first.wait_for(timeout=30_000)
    listing = v.page.locator(".jp-DirListing").first.inner_text()
    assert "02_summit_day" in listing and "yr." not in listing and "ago" not in listing, listing
    v.close()
    assert v.blocked == [] and v.errors == []
    f = Visit(browser, "file://")
    f.page.goto((site / "index.html").as_uri(), wait_until="load")
    assert f.page.locator("#sl-file-warning").is_visible()
    f.close()


def test_landing_page_first_screen_says_what_to_do_and_passes_axe(browser, served):
    """A student's first screen (a 1280 x 720 laptop) holds every step, in order, before the lesson map."""
    from axe_playwright_python.sync_playwright import Axe

    v = Visit(browser, served, viewport={"width": 1280, "height": 720})
    page = v.page
    page.goto(served + "/", wait_until="load")
    page.screenshot(path=str(SHOTS / "lite-landing-first-screen.png"))
    steps = page.locator("ol.sl-steps > li")
    assert steps.count() == 5
    texts = steps.all_inner_texts()
    for needle, step in (("Open a lesson", 0), ("Idle", 1), ("bottom", 1), ("Run All", 2), ("Your answer", 3),
                         ("File → Download", 4)):
        assert needle in texts[step], (needle, texts)
    last = steps.nth(4).bounding_box()
    assert last is not None and last["y"] + last["height"] <= 720, last  # on the first screen, no scrolling
    headings = page.locator("h1, h2").all_inner_texts()
    assert headings.index("How to run a lesson") < headings.index("Lesson map"), headings
    assert "top right" not in page.locator("main").inner_text()
    result = Axe().run(page)
    v.close()
    violations = [f"{x['id']} ({x['impact']}): {x['help']} — {[n['target'] for n in x['nodes']][:3]}"
                  for x in result.response["violations"]]
    assert violations == []
    assert v.blocked == [] and v.errors == []


def test_lesson_map_in_the_site_passes_axe(browser, served):
    """The lesson map as lesson 00 shows it inside JupyterLab: axe checks that table (JupyterLab's own
    interface around it is JupyterLab's to fix), with 0 violations."""
    from axe_playwright_python.sync_playwright import Axe

    v = Visit(browser, served)
    v.page.goto(f"{served}/lab/index.html?path=00_start_here.ipynb", wait_until="domcontentloaded")
    table = v.page.locator(".jp-OutputArea table.sl-lesson-map").first
    table.wait_for(timeout=180_000)
    table.scroll_into_view_if_needed()
    assert table.locator("tbody tr").count() == len(LESSONS) + 1  # the lessons and the total row
    result = Axe().run(v.page, context="table.sl-lesson-map")
    v.close()
    violations = [f"{x['id']} ({x['impact']}): {x['help']} — {[n['target'] for n in x['nodes']][:3]}"
                  for x in result.response["violations"]]
    assert violations == []
    assert v.blocked == [] and v.errors == []


def test_lesson_02_runs_and_its_widgets_respond(browser, served):
    v = Visit(browser, served)
    page = v.page
    open_lesson(v, "02_summit_day")
    state = run_all(v)
    page.screenshot(path=str(SHOTS / "lite-02-after-run-all.png"))
    assert state["errors"] == [] and state["pending"] == 0, state

    explorer = page.locator(".sl-timeline-explorer").first
    explorer.wait_for(state="attached", timeout=30_000)
    explorer.evaluate("e => e.scrollIntoView({block: 'start'})")
    explorer.wait_for(timeout=30_000)
    status = explorer.locator(".sl-status")
    page.wait_for_function("el => el.innerText.includes('Showing')", arg=status.element_handle(), timeout=30_000)
    before = status.inner_text()
    # Clock: Anchorage → UTC moves every tick label of the one-day axis.
    ticks = lambda: explorer.evaluate("e => Array.from(e.querySelectorAll('svg text')).map(t => t.textContent)")  # noqa: E731
    axis_before = ticks()
    clock = explorer.locator("select").filter(has=page.locator("option", has_text="UTC")).first
    clock.select_option(label="UTC")
    page.wait_for_function("([el, old]) => Array.from(el.querySelectorAll('svg text')).map(t => t.textContent).join('|') !== old",
                           arg=[explorer.element_handle(), "|".join(axis_before)], timeout=20_000)
    assert ticks() != axis_before
    page.screenshot(path=str(SHOTS / "lite-02-explorer-utc.png"))
    # A filter: a person narrows the events and the status line says so.
    person = explorer.locator("select").filter(has=page.locator("option", has_text="Anyone")).first
    person.select_option(index=1)
    page.wait_for_function("([el, old]) => el.innerText !== old", arg=[status.element_handle(), before], timeout=20_000)
    filtered = status.inner_text()
    assert filtered != before
    # Reset: every filter cleared (no phase, anyone), so every event shows.
    explorer.get_by_role("button", name="Reset filters").click()
    page.wait_for_function("([el, old]) => el.innerText !== old", arg=[status.element_handle(), filtered], timeout=20_000)
    shown, total = re.search(r"Showing (\d+) of (\d+)", status.inner_text()).groups()
    assert shown == total and person.evaluate("s => s.selectedIndex") == 0  # "Anyone"
    # The From and To lists hold the first and last days with events, read "15 Aug 2025", and filter.
    start = explorer.get_by_role("combobox", name="From", exact=True)
    end = explorer.get_by_role("combobox", name="To", exact=True)
    chosen = lambda s: s.evaluate("s => s.options[s.selectedIndex].text.replace(/\\u00a0/g, ' ')")  # noqa: E731
    assert (chosen(start), chosen(end)) == ("2014", "19 Nov 2025"), (chosen(start), chosen(end))
    reset_status = status.inner_text()
    start.select_option(label="Sep\u00a02025")  # ipywidgets writes option spaces as no-break spaces
    page.wait_for_function("([el, old]) => el.innerText !== old", arg=[status.element_handle(), reset_status],
                           timeout=20_000)
    assert "from Sep 2025" in status.inner_text()
    page.screenshot(path=str(SHOTS / "lite-02-explorer-dates.png"))

    quiz = page.locator(".sl-quiz .sl-quiz-question").first
    quiz.evaluate("e => e.scrollIntoView({block: 'start'})")
    quiz.locator("input[type=radio]").first.check()
    quiz.get_by_role("button", name="Check").click()
    feedback = quiz.locator(".sl-feedback")
    page.wait_for_function("el => /Correct|Not quite/.test(el.innerText)", arg=feedback.element_handle(), timeout=20_000)
    page.screenshot(path=str(SHOTS / "lite-02-quiz-feedback.png"))

    _answer_check_works(page)
    v.close()
    assert v.blocked == [], v.blocked
    assert v.errors == [], v.errors


def test_lesson_02_widgets_follow_assistive_technology(browser, served):
    """The checks of tests/a11ycheck.py (also run in JupyterLab), in the site at 1280x720."""
    v = Visit(browser, served, viewport={"width": 1280, "height": 720})
    page = v.page
    open_lesson(v, "02_summit_day")
    state = run_all(v)
    assert state["errors"] == [] and state["pending"] == 0, state
    explorer = page.locator(".sl-timeline-explorer").first
    explorer.wait_for(state="attached", timeout=30_000)
    explorer.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_function("el => el.innerText.includes('Showing')", arg=explorer.locator(".sl-status").element_handle(),
                           timeout=30_000)
    a11ycheck.check_explorer_names(explorer)
    page.screenshot(path=str(SHOTS / "lite-02-explorer-1280x720.png"))
    a11ycheck.explorer_by_keyboard(page, explorer)
    check = page.locator(".sl-check").filter(has_text="What time was it in London").first
    check.evaluate("e => e.scrollIntoView({block: 'center'})")
    a11ycheck.check_answer_feedback(page, check, "≈ 21:32", "winter")
    quiz = page.locator(".sl-quiz .sl-quiz-question").first
    quiz.evaluate("e => e.scrollIntoView({block: 'center'})")
    a11ycheck.check_quiz(page, quiz)
    v.close()
    assert v.blocked == [] and v.errors == [], (v.blocked, v.errors)


def _answer_check_works(page: Any) -> None:
    """Lesson 02's London time check: a slip gets its own feedback without the answer; the answer is right."""
    from summit_lessons import quizzes

    spec = quizzes.check_spec("02_summit_day", "london-time")
    answer = spec["answer"].replace("≈", "").strip()  # "20:32": the clock reading the learner must find
    check = page.locator(".sl-check").filter(has_text="What time was it in London").first
    check.wait_for(state="attached", timeout=30_000)
    check.evaluate("e => e.scrollIntoView({block: 'center'})")
    check.wait_for(timeout=30_000)
    # The live widget, not the stored snapshot: a labelled text box and a Check button, no answer shown.
    field = check.get_by_role("textbox", name="Your answer")
    button = check.get_by_role("button", name="Check")
    assert field.is_visible() and button.is_visible()
    assert answer not in check.inner_text()
    feedback = check.locator(".sl-feedback [role=status]")

    def submit(text: str, how: str, expect: str) -> str:
        field.fill(text)
        if how == "enter":
            field.press("Enter")
        else:
            button.click()
        page.wait_for_function("([el, want]) => el.innerText.includes(want)",
                               arg=[check.element_handle(), expect], timeout=20_000)
        return feedback.inner_text()

    # Winter time, typed and sent with Enter: the feedback names the slip, never the answer.
    winter = next(m for m in spec["mistakes"] if m["example"] == "≈ 21:32")
    said = submit("≈ 21:32", "enter", "winter offset")
    assert said.startswith("Not yet:") and winter["feedback"] in said, said
    assert answer not in check.inner_text(), said
    page.screenshot(path=str(SHOTS / "lite-02-check-wrong.png"))
    # The right clock reading without its "≈", sent with the Check button: right, and told the time is approximate.
    said = submit(answer, "click", "Right:")
    assert said == "Right: " + spec["right"] and "approximate" in said, said
    # The answer as the source gives it: the same feedback.
    field.fill("")
    said = submit(spec["answer"], "enter", "Right:")
    assert said == "Right: " + spec["right"], said
    page.screenshot(path=str(SHOTS / "lite-02-check.png"))


@pytest.mark.parametrize("lesson", [n for n in LESSONS if n != "02_summit_day"])
def test_every_lesson_runs_in_the_site(browser, served, lesson):
    v = Visit(browser, served)
    open_lesson(v, lesson)
    state = run_all(v)
    v.page.screenshot(path=str(SHOTS / f"lite-{lesson}.png"))
    if lesson == "05_two_accounts" and not state["errors"]:
        _claims_explorer_filters(v.page)
    v.close()
    assert state["errors"] == [] and state["pending"] == 0, f"{lesson}: {state}"
    assert v.blocked == [] and v.errors == [], (v.blocked, v.errors)


def _claims_explorer_filters(page: Any) -> None:
    """In lesson 05, a word typed in the claims explorer narrows the statements shown."""
    claims = page.locator(".sl-claims-explorer").first
    claims.wait_for(state="attached", timeout=30_000)
    claims.evaluate("e => e.scrollIntoView({block: 'start'})")
    status = claims.locator(".sl-status")
    page.wait_for_function("el => el.innerText.includes('Showing')", arg=status.element_handle(), timeout=30_000)
    before = status.inner_text()
    claims.locator("input[type=text]").first.fill("Putin")
    claims.locator("input[type=text]").first.press("Enter")
    page.wait_for_function("([el, old]) => el.innerText !== old", arg=[status.element_handle(), before], timeout=20_000)
    page.screenshot(path=str(SHOTS / "lite-05-claims-explorer.png"))
