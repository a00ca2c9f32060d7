"""The offline slide decks in Debian's Chromium, as a teacher projects them.

Every deck of every lesson (student and teacher), stepped through slide by slide with the
keyboard at 1280 × 720 and 1024 × 768: no slide overflows, body text is at least 24 px at
1280 × 720, nothing but the file itself is requested, axe-core finds no violation. The teacher's
speaker view (key S) shows the instructor notes; the student deck has no notes. Printed with
reveal.js's ?print-pdf, a deck gives one page per slide.

Screenshots: build/screenshots/deck-*.png.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from test_browser import SHOTS, _need_chromium, browser  # noqa: F401  (browser: the shared Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = [(1280, 720), (1024, 768)]
#: axe-core best-practice rules (not WCAG) that see only the slide in view: reveal.js hides every
#: other slide from assistive technology, so on slide 2 the deck's h1 is hidden (page-has-heading-one)
#: and a slide may open with an h3 under its section's h2 on an earlier slide (heading-order). The
#: deck's heading order as a whole is checked below; every other axe rule must find nothing.
SLIDE_AT_A_TIME = {"page-has-heading-one", "heading-order"}


@pytest.fixture(scope="module")
def decks(tmp_path_factory) -> Path:
    from summit_lessons.lessons import notebook_paths
    from summit_lessons.publish.slides import write_decks

    _need_chromium()
    out = tmp_path_factory.mktemp("decks") / "slides"
    write_decks(out, notebook_paths(), ["student", "teacher"])
    return out


def _deck_paths(decks: Path) -> list[Path]:
    found = sorted(decks.rglob("*.html"))
    assert len(found) == 12, found
    return found


def _open(browser, path: Path, size: tuple[int, int], requests: list[str]):
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})

    def route(r):
        url = r.request.url
        if url.startswith("file://") and Path(url[7:].split("#")[0].split("?")[0]).resolve() == path.resolve():
            r.continue_()
        elif url.startswith(("data:", "about:")):
            r.continue_()
        else:
            requests.append(url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_selector("html[data-sl-ready]", timeout=30_000)
    return ctx, page, errors


_MEASURE = """() => {
  const s = Reveal.getCurrentSlide(), c = Reveal.getConfig();
  const text = [...s.querySelectorAll('p, li')].filter(e => e.offsetParent !== null && !e.closest('table, details:not([open]), .jp-OutputArea-output'));
  return {index: Reveal.getIndices(s), height: s.scrollHeight, width: s.scrollWidth, H: c.height, W: c.width,
          scale: Reveal.getScale(), title: s.innerText.trim().slice(0, 50),
          minText: text.length ? Math.min(...text.map(e => parseFloat(getComputedStyle(e).fontSize))) : null};
}"""


def test_every_slide_of_every_deck_fits_with_the_keyboard_alone(browser, decks):
    overflow, small, outside, failures = [], [], [], []
    counts = {}
    for path in _deck_paths(decks):
        name = path.relative_to(decks).as_posix()
        for size in SIZES:
            requests: list[str] = []
            ctx, page, errors = _open(browser, path, size, requests)
            try:
                total = page.evaluate("Reveal.getTotalSlides()")
                seen = set()
                for step in range(total):
                    m = page.evaluate(_MEASURE)
                    seen.add((m["index"]["h"], m["index"]["v"]))
                    if m["height"] > m["H"] or m["width"] > m["W"]:
                        overflow.append(f"{name} {size} slide {step + 1}: {m['width']}×{m['height']} ({m['title']!r})")
                    if size == (1280, 720) and m["minText"] is not None and m["minText"] * m["scale"] < 24:
                        small.append(f"{name} slide {step + 1}: {m['minText'] * m['scale']:.1f} px")
                    if step < total - 1:
                        page.keyboard.press("Space")  # reveal.js: next slide, down the stacks first
                        page.wait_for_function("i => Reveal.getState().indexh * 1000 + Reveal.getState().indexv !== i",
                                               arg=m["index"]["h"] * 1000 + (m["index"]["v"] or 0), timeout=5_000)
                assert len(seen) == total, f"{name}: the keyboard reached {len(seen)} of {total} slides"
                assert page.evaluate("Reveal.isLastSlide()"), name
                counts[name] = total
                outside += requests
                failures += [f"{name}: {e}" for e in errors]
            finally:
                ctx.close()
    print("\nslides per deck: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    assert overflow == [] and small == [] and outside == [] and failures == []


def test_decks_have_no_axe_violations_and_keep_alt_text(browser, decks):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems: list[str] = []
    known: set[str] = set()
    for path in _deck_paths(decks):
        ctx, page, _ = _open(browser, path, (1280, 720), [])
        try:
            total = page.evaluate("Reveal.getTotalSlides()")
            # the title slide, then every slide with a figure, a table or a fold (where axe has most to check)
            stops = [0] + page.evaluate("""() => Reveal.getSlides().map((s, i) => s.querySelector('img, table, details') ? i : -1)
                                              .filter(i => i > 0)""")
            for i in stops:
                page.evaluate(f"(() => {{ const ix = Reveal.getIndices(Reveal.getSlides()[{i}]); Reveal.slide(ix.h, ix.v); }})()")
                for v in axe.run(page).response["violations"]:
                    where = f"{path.relative_to(decks)} slide {i + 1}/{total}: {v['id']} ({v['impact']})"
                    if v["id"] in SLIDE_AT_A_TIME:
                        known.add(where)
                    else:
                        problems.append(f"{where}: {len(v['nodes'])} node(s)")
            imgs = page.evaluate("[...document.querySelectorAll('img')].map(i => i.getAttribute('alt') || '')")
            assert all(a.strip() for a in imgs), f"{path.name}: an image without alt text"
            levels = page.evaluate("[...document.querySelectorAll('.slides h1, .slides h2, .slides h3, .slides h4')]"
                                   ".filter(h => !h.closest('aside.notes')).map(h => +h.tagName[1])")
            assert levels.count(1) == 1 and levels[0] == 1, (path.name, levels)
            assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (path.name, levels)
        finally:
            ctx.close()
    print("\naxe best-practice findings of a one-slide-at-a-time view:\n" + "\n".join(sorted(known)))
    assert problems == []


def test_teacher_speaker_view_shows_the_notes_and_the_student_deck_has_none(browser, decks):
    SHOTS.mkdir(parents=True, exist_ok=True)
    student, _, _ = _open(browser, decks / "student" / "02_summit_day.html", (1280, 720), [])
    try:
        page = student.pages[0]
        assert page.evaluate("document.querySelectorAll('aside.notes').length") == 0
        assert page.evaluate("typeof RevealNotes") == "undefined"  # S opens nothing
        assert "22:32" not in page.evaluate("document.body.innerText")
    finally:
        student.close()
    ctx, page, _ = _open(browser, decks / "teacher" / "02_summit_day.html", (1280, 720), [])
    try:
        page.evaluate("(() => { const s = [...document.querySelectorAll('.slides section')]"
                      ".find(x => !x.querySelector('section') && x.querySelector('aside.notes')); "
                      "const ix = Reveal.getIndices(s); Reveal.slide(ix.h, ix.v); })()")
        page.screenshot(path=str(SHOTS / "deck-teacher-slide.png"))
        with ctx.expect_page(timeout=15_000) as popup:
            page.keyboard.press("s")
        speaker = popup.value
        speaker.set_viewport_size({"width": 1280, "height": 800})
        speaker.wait_for_function("() => { const n = document.querySelector('.speaker-controls-notes .value');"
                                  " return n && n.innerText.trim().length > 20; }", timeout=20_000)
        notes = speaker.evaluate("document.querySelector('.speaker-controls-notes .value').innerText")
        assert "Instructor note" in notes or "Solution" in notes, notes[:200]
        speaker.wait_for_timeout(800)
        speaker.screenshot(path=str(SHOTS / "deck-speaker-view.png"))
    finally:
        ctx.close()


def test_self_check_slides_show_lettered_choices_and_answers_only_in_the_teacher_notes(browser, decks):
    from summit_lessons.quizzes import questions

    asked = questions("02_summit_day")
    letters = "ABCDEFGH"
    for edition in ("student", "teacher"):
        ctx, page, _ = _open(browser, decks / edition / "02_summit_day.html", (1280, 720), [])
        try:
            for n, q in enumerate(asked, 1):
                seen = page.evaluate("""(n) => {
                  const s = [...document.querySelectorAll('.slides section')].find(x => !x.querySelector('section')
                    && x.querySelector('h3') && x.querySelector('h3').textContent.includes(`question ${n} of`));
                  const ix = Reveal.getIndices(s); Reveal.slide(ix.h, ix.v);
                  const ol = s.querySelector('ol');
                  const notes = s.querySelector('aside.notes');
                  return {shown: s.innerText.replace(notes ? notes.innerText : '', ''), style: getComputedStyle(ol).listStyleType,
                          items: ol.children.length, notes: notes ? notes.textContent : null};
                }""", n)
                assert q["question"] in seen["shown"] and seen["items"] == len(q["choices"])
                assert seen["style"] == "upper-alpha"  # the notes name the answer by its letter
                assert not any(e in seen["shown"] for e in q["explanations"]) and "Answer" not in seen["shown"]
                if edition == "student":
                    assert seen["notes"] is None
                else:
                    assert f"Answer: {letters[q['answer']]}." in seen["notes"] and q["explanations"][q["answer"]] in seen["notes"]
            page.screenshot(path=str(SHOTS / f"deck-self-check-{edition}.png"))
        finally:
            ctx.close()


def test_printing_a_deck_gives_one_page_per_slide_tagged_for_a_screen_reader(browser, decks, tmp_path):
    """Printed to PDF as Chromium prints it (tagged): one page a slide, and the deck's structure kept
    (headings in order, figures with their alt text, tables with header cells), with no error from
    the PDF/UA checker the handouts' PDFs pass (tests/test_print.py)."""
    import json
    import subprocess
    import sys

    from pdfstruct import read

    from test_print import PDFUA_ALLOWED

    for edition in ("student", "teacher"):
        path = decks / edition / "02_summit_day.html"
        ctx = browser.new_context()
        page = ctx.new_page()
        try:
            page.goto(path.as_uri() + "?print-pdf", wait_until="load")
            page.wait_for_selector(".reveal.ready .pdf-page", timeout=30_000)
            total = page.evaluate("Reveal.getTotalSlides()")
            alts = sorted(page.evaluate("[...document.querySelectorAll('.slides img, .slides svg[role=img]')]"
                                        ".map(i => i.alt ?? i.getAttribute('aria-label'))"))
            out = tmp_path / f"{edition}.pdf"
            out.write_bytes(page.pdf(prefer_css_page_size=True, print_background=True, tagged=True, outline=True))
        finally:
            ctx.close()
        s = read(out)
        assert s.pages == total, f"{s.pages} PDF pages for {total} slides"
        assert s.lang == "en" and s.counts["H1"] == 1 and s.counts["H2"] >= 10, s.summary()
        assert all(b <= a + 1 for a, b in zip(s.headings, s.headings[1:])), s.headings
        assert alts and sorted(s.figures) == alts, (s.figures, alts)
        assert s.tables and all("TH" in cells for cells in s.tables), s.summary()
        run = subprocess.run([str(Path(sys.executable).with_name("pdfua")), "check", "--format", "json", str(out)],
                             capture_output=True, text=True)
        report = json.loads(run.stdout)
        assert report["summary"]["errors"] == 0, report["findings"]
        # Chromium gives a printed link no /Contents; the handouts' PDFs get one when they are finished.
        assert {f["rule_id"] for f in report["findings"]} <= PDFUA_ALLOWED | {"UA-18-005"}, report["findings"]


# ------------------------------------------------------------------ live slides (RISE in JupyterLab)

from test_browser_editions import _open as _open_lab, editions_lab  # noqa: E402,F401  (JupyterLab on both editions)

_RISE_SLIDE = """() => {
  const leaf = [...document.querySelectorAll('.reveal .slides section.present')].filter(s => !s.querySelector('section.present')).pop();
  const num = (document.querySelector('.reveal .slide-number') || {}).innerText || '';
  const text = [...leaf.querySelectorAll('.jp-RenderedMarkdown p, .jp-RenderedMarkdown li')].filter(e => e.offsetParent !== null && !e.closest('table'));
  const vp = document.querySelector('.reveal').getBoundingClientRect();
  const wide = [...leaf.querySelectorAll('.jp-Cell')].filter(c => c.getBoundingClientRect().right > vp.right + 1).length;
  return {num: num.trim(), sh: leaf.scrollHeight, ch: leaf.clientHeight, sw: leaf.scrollWidth, cw: leaf.clientWidth,
          oy: getComputedStyle(leaf).overflowY, wide,
          minText: text.length ? Math.min(...text.map(e => parseFloat(getComputedStyle(e).fontSize))) : null,
          explorer: leaf.innerText.includes('TimelineExplorer(')};
}"""


def test_rise_steps_through_lesson_02_and_the_explorer_stays_live(browser, editions_lab):
    """The teacher's workflow: Run All in JupyterLab (answers stay folded), then the live slides."""
    url, root = editions_lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        requests: list[str] = []
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
        page = ctx.new_page()
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
        try:
            _open_lab(page, url, "teacher/02_summit_day.ipynb")
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle' && "
                                   "[...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].every(p => !p.innerText.includes('*'))",
                                   timeout=180_000)
            page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
            page.goto(f"{url}/rise/teacher/02_summit_day.ipynb", wait_until="domcontentloaded")
            page.wait_for_selector(".reveal.ready .slides section.present", timeout=60_000)
            page.wait_for_timeout(1500)
            total = int(page.evaluate(_RISE_SLIDE)["num"].split("/")[-1])
            assert total >= 20
            bad, small, explorer_seen = [], [], False
            for step in range(total):
                m = page.evaluate(_RISE_SLIDE)
                assert m["num"].split("/")[0].strip() == str(step + 1), m["num"]
                # Nothing is cut off: never wider than the slide; a tall slide scrolls (RISE's scroll setting).
                if m["sw"] > m["cw"] + 1 or m["wide"] or (m["sh"] > m["ch"] + 1 and m["oy"] not in ("auto", "scroll")):
                    bad.append((step + 1, m))
                if size == (1280, 720) and m["minText"] is not None and m["minText"] < 24:
                    small.append((step + 1, m["minText"]))
                if m["explorer"] and not explorer_seen:
                    # Not yet checked here: a filter change on this slide (the widget did not come
                    # live in RISE's presenter within the test; see the closing note of issue 17).
                    explorer_seen = True
                    if size == (1280, 720):
                        page.screenshot(path=str(SHOTS / "rise-live-explorer-slide.png"))
                if step < total - 1:
                    page.keyboard.press("ArrowRight" if False else "Space")
                    page.wait_for_function(f"((document.querySelector('.reveal .slide-number') || {{}}).innerText || '').trim().startsWith('{step + 2} ')",
                                           timeout=10_000)
            assert explorer_seen, "no slide showed the live timeline explorer"
            assert bad == [] and small == [], (bad, small)
            text = page.evaluate("document.querySelector('.reveal').innerText")
            assert "About 22:32" not in text  # no answer on a projected slide after Run All
            assert requests == [], requests
        finally:
            ctx.close()

