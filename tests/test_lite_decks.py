"""The slide decks of the JupyterLite site (``slides/``), served by the site's own serve.py and
opened from its landing page in Debian's headless Chromium, every request outside the site aborted
and recorded (tests/litebrowser.py).

Live slides (RISE) cannot run in a JupyterLite site (it has no Jupyter server; see
``summit_lessons.publish.sitepages``), so the site ships the lessons' reveal.js decks in its own
edition: the student site's have no notes, the teacher site's have the speaker notes.

Screenshots: build/screenshots/lite-decks-*.png.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from litebrowser import CHROMIUM, Visit, chromium, serve
from test_browser_slides import _MEASURE

pytestmark = [pytest.mark.lite, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
TOOLS = ROOT / ".venv-lite"


def _need(path: Path | str, why: str) -> None:
    if not Path(path).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(why + " — on CI the lite checks must run")
        pytest.skip(why)


def _build(out: Path, edition: str) -> Path:
    _need(TOOLS / "bin" / "jupyter", "the JupyterLite tools are missing: run `make lite-tools`")
    proc = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "site", "--out", str(out), "--edition", edition],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("lite-decks")
    return {edition: _build(base / edition, edition) for edition in ("student", "teacher")}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need(CHROMIUM, "Debian's chromium is not installed: run `make browser`")
    with chromium() as b:
        yield b


def _lessons() -> list[dict[str, Any]]:
    from summit_lessons.lessons import lesson_metas, notebook_paths

    return lesson_metas(notebook_paths())


def test_each_site_holds_its_own_editions_decks_and_one_copy_of_reveal_js(sites):
    lessons = _lessons()
    for edition, site in sites.items():
        decks = sorted(p.name for p in (site / "slides").glob("*.html"))
        assert decks == [f"{m['file_stem']}.html" for m in lessons], (edition, decks)
        # reveal.js once for all decks, not inlined in each
        copies = [p.relative_to(site).as_posix() for p in site.rglob("*")
                  if p.is_file() and p.suffix in (".js", ".html") and b"reveal.js 5." in p.read_bytes()[:400]]
        assert copies == ["slides/assets/reveal.js"], copies
        notes = [(site / "slides" / d).read_text(encoding="utf-8").count('<aside class="notes"') for d in decks]
        if edition == "student":
            assert sum(notes) == 0 and not (site / "slides" / "assets" / "notes.js").exists()
        else:
            assert all(n > 0 for n in notes), dict(zip(decks, notes))
            assert (site / "slides" / "assets" / "notes.js").is_file()


def test_landing_page_links_every_lessons_deck_beside_its_notebook(browser, sites):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(sites["student"]) as base:
        v = Visit(browser, base)
        page = v.page
        page.goto(base + "/", wait_until="load")
        page.screenshot(path=str(SHOTS / "lite-decks-landing.png"), full_page=True)
        headers = page.locator("table.sl-lesson-map thead th").all_inner_texts()
        assert headers.index("Slides") == headers.index("Lesson") + 1, headers
        for m in _lessons():
            row = page.locator("table.sl-lesson-map tbody tr").filter(
                has=page.get_by_role("link", name=m["title"], exact=True))
            notebook = row.get_by_role("link", name=m["title"], exact=True)
            # Chromium reads the visually hidden part as a block: "Slides : <title>".
            deck = row.get_by_role("link", name=re.compile(rf"^Slides ?: {re.escape(m['title'])}$"))
            assert notebook.get_attribute("href") == f"lab/index.html?path={m['file_stem']}.ipynb"
            assert deck.get_attribute("href") == f"slides/{m['file_stem']}.html"
            # On screen the link reads "Slides"; the lesson's name is there for screen readers only.
            hidden = deck.locator("span").bounding_box()
            assert deck.evaluate("a => a.firstChild.textContent") == "Slides" and hidden["width"] <= 1, hidden
            response = page.request.get(f"{base}/slides/{m['file_stem']}.html")
            assert response.ok, m["file_stem"]
        assert "Live slides (RISE) need a Jupyter server" in page.locator("#slides").inner_text()
        v.close()
        assert v.blocked == [] and v.errors == [], (v.blocked, v.errors)


def test_a_deck_opened_from_the_site_steps_through_with_the_keyboard(browser, sites):
    """Lesson 02's student deck, from its link on the landing page, at 1280 x 720: Space reaches
    every slide, none overflows, nothing outside the site is requested; S opens no speaker view."""
    with serve(sites["student"]) as base:
        v = Visit(browser, base, viewport={"width": 1280, "height": 720})
        page = v.page
        page.goto(base + "/", wait_until="load")
        page.get_by_role("link", name=re.compile(r"^Slides ?: The summit day: 15 August 2025 in Anchorage$")).click()
        page.wait_for_url("**/slides/02_summit_day.html*")
        page.wait_for_selector("html[data-sl-ready]", timeout=30_000)
        total = page.evaluate("Reveal.getTotalSlides()")
        assert total >= 10
        seen, overflow, shot = set(), [], False
        for step in range(total):
            m = page.evaluate(_MEASURE)
            seen.add((m["index"]["h"], m["index"]["v"]))
            if m["height"] > m["H"] or m["width"] > m["W"]:
                overflow.append(f"slide {step + 1}: {m['width']}×{m['height']} ({m['title']!r})")
            if not shot and page.evaluate("!!Reveal.getCurrentSlide().querySelector('img')"):
                page.screenshot(path=str(SHOTS / "lite-decks-02-slide.png"))  # the first with a figure
                shot = True
            if step < total - 1:
                page.keyboard.press("Space")
                page.wait_for_function("i => Reveal.getState().indexh * 1000 + Reveal.getState().indexv !== i",
                                       arg=m["index"]["h"] * 1000 + (m["index"]["v"] or 0), timeout=5_000)
        assert len(seen) == total and page.evaluate("Reveal.isLastSlide()")
        assert overflow == []
        # The student deck: no notes on any slide, no notes plugin, no answer text.
        assert page.evaluate("document.querySelectorAll('aside.notes').length") == 0
        assert page.evaluate("typeof RevealNotes") == "undefined"
        assert "20:32" not in page.evaluate("document.body.innerText")  # Exercise 1's answer (London)
        pages = len(v.ctx.pages)
        page.keyboard.press("s")
        page.wait_for_timeout(500)
        assert len(v.ctx.pages) == pages  # S opens no speaker view
        v.close()
        assert v.blocked == [] and v.errors == [], (v.blocked, v.errors)


def test_the_teacher_sites_deck_shows_speaker_notes(browser, sites):
    with serve(sites["teacher"]) as base:
        v = Visit(browser, base, viewport={"width": 1280, "height": 720})
        page = v.page
        page.goto(base + "/", wait_until="load")
        page.get_by_role("link", name=re.compile(r"^Slides ?: The summit day: 15 August 2025 in Anchorage$")).click()
        page.wait_for_selector("html[data-sl-ready]", timeout=30_000)
        page.evaluate("(() => { const s = [...document.querySelectorAll('.slides section')]"
                      ".find(x => !x.querySelector('section') && x.querySelector('aside.notes')); "
                      "const ix = Reveal.getIndices(s); Reveal.slide(ix.h, ix.v); })()")
        with v.ctx.expect_page(timeout=15_000) as popup:
            page.keyboard.press("s")
        speaker = popup.value
        speaker.wait_for_function("() => { const n = document.querySelector('.speaker-controls-notes .value');"
                                  " return n && n.innerText.trim().length > 20; }", timeout=20_000)
        notes = speaker.evaluate("document.querySelector('.speaker-controls-notes .value').innerText")
        assert "Instructor note" in notes or "Solution" in notes, notes[:200]
        speaker.screenshot(path=str(SHOTS / "lite-decks-teacher-speaker-view.png"))
        v.close()
        assert v.blocked == [] and v.errors == [], (v.blocked, v.errors)
