"""Lesson 02's widgets as assistive technology meets them, in real JupyterLab (Debian's Chromium).

The checks live in tests/a11ycheck.py and run on the JupyterLite site too (tests/test_lite.py):
named controls, feedback in live regions with focus kept, the explorer by keyboard alone.
Screenshots: build/screenshots/lab-a11y-*.png and lab-explorer-1280x720.png.
"""
from __future__ import annotations

import pytest

import a11ycheck
from test_browser import SHOTS, browser, lab  # noqa: F401  (the shared Chromium and JupyterLab fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def lesson02(browser, lab):  # noqa: F811
    """Lesson 02 open in JupyterLab, its stored outputs cleared and every cell run again."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    page = ctx.new_page()
    page.goto(f"{lab}/lab/tree/02_summit_day.ipynb", wait_until="domcontentloaded")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                           timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function("document.querySelectorAll('.sl-timeline-explorer').length === 0", timeout=10_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.locator(".sl-quiz .sl-quiz-question").first.wait_for(state="attached", timeout=120_000)
    yield page
    ctx.close()


def _explorer(page):
    explorer = page.locator(".sl-timeline-explorer").first
    explorer.wait_for(state="attached", timeout=30_000)
    explorer.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_function("el => el.innerText.includes('Showing')", arg=explorer.locator(".sl-status").element_handle(),
                           timeout=30_000)
    return explorer


def test_explorer_controls_are_named_and_fit_a_projector(lesson02):
    page = lesson02
    explorer = _explorer(page)
    a11ycheck.check_explorer_names(explorer)
    # At 1280x720 every phase and category box is on screen at once, none behind a scroll.
    boxes = explorer.get_by_role("checkbox")
    assert boxes.count() == 12
    assert all(b.is_visible() for b in boxes.all())
    width = page.evaluate("document.documentElement.clientWidth")
    assert all(0 <= b.bounding_box()["x"] and b.bounding_box()["x"] + b.bounding_box()["width"] <= width
               for b in boxes.all())
    # As a teacher projects it: the file browser folded away, the explorer at the top of the view.
    page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
    explorer.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "lab-explorer-1280x720.png"))
    page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")


def test_explorer_by_keyboard_alone(lesson02):
    page = lesson02
    explorer = _explorer(page)
    seen = a11ycheck.explorer_by_keyboard(page, explorer)
    assert len(seen) == 5  # start, phase, clock, From, reset
    page.screenshot(path=str(SHOTS / "lab-a11y-explorer-after-keyboard-reset.png"))


def test_wrong_answer_feedback_is_announced_and_focus_stays(lesson02):
    page = lesson02
    check = page.locator(".sl-check").filter(has_text="What time was it in London").first
    check.evaluate("e => e.scrollIntoView({block: 'center'})")
    a11ycheck.check_answer_feedback(page, check, "≈ 21:32", "winter")
    page.screenshot(path=str(SHOTS / "lab-a11y-check-wrong.png"))


def test_quiz_choices_are_named_and_feedback_is_announced(lesson02):
    page = lesson02
    quiz = page.locator(".sl-quiz .sl-quiz-question").first
    quiz.evaluate("e => e.scrollIntoView({block: 'center'})")
    a11ycheck.check_quiz(page, quiz)
