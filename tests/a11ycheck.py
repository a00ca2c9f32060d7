"""What assistive technology gets from the lesson widgets, read from Chromium's accessibility tree.

Shared by the JupyterLab test (tests/test_browser_a11y.py) and the JupyterLite test
(tests/test_lite.py), so both check the same things on lesson 02 after Run All:

- every control of the timeline explorer, the answer check and the quiz has an accessible name;
- after a wrong answer (typed, sent with Enter) the feedback is in the tree inside a live region
  (Chromium's ``live`` property, from ``role=status``) and focus stays in the answer box;
- the explorer's From and To lists show every date as "15 Aug 2025", whatever the browser's locale;
- the explorer works from the keyboard alone: Space ticks a phase, arrow keys change the clock and
  the From date, Enter on Reset clears the filters; the status line (a live region) says so each time.
"""
from __future__ import annotations

import re
from typing import Any

PHASES = ["background", "pre-summit", "summit-day", "aftermath"]
CATEGORIES = ["diplomacy", "economy", "media", "military", "nuclear", "politics", "protest", "sanctions"]


def live_regions_holding(page: Any, text: str) -> list[dict[str, Any]]:
    """For each text node of Chromium's accessibility tree (CDP) that holds ``text``: its nearest
    ancestor with a ``live`` property (a live region: its role and live/atomic values), or {}."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    by_id = {n["nodeId"]: n for n in nodes}
    parent = {c: n["nodeId"] for n in nodes for c in n.get("childIds", [])}
    found = []
    for n in nodes:
        if n["role"]["value"] != "StaticText" or text not in (n.get("name") or {}).get("value", ""):
            continue
        region: dict[str, Any] = {}
        up = parent.get(n["nodeId"])
        while up is not None:
            props = {p["name"]: p["value"].get("value") for p in by_id[up].get("properties", [])}
            if "live" in props:
                region = {"role": by_id[up]["role"]["value"], **props}
                break
            up = parent.get(up)
        found.append(region)
    return found


def active(page: Any) -> str:
    """What has focus: tag, type and accessible label text, e.g. 'input:checkbox:pre-summit'."""
    return page.evaluate("""() => { const e = document.activeElement; if (!e) return '';
      const label = e.labels && e.labels[0] ? e.labels[0].innerText.trim() : (e.innerText || '').trim();
      return [e.tagName.toLowerCase(), e.type || '', label].join(':'); }""")


def check_explorer_names(explorer: Any) -> str:
    """Every explorer control is in the tree with its name; returns the ARIA snapshot."""
    tree = explorer.aria_snapshot()
    for name in PHASES + CATEGORIES:
        assert re.search(rf'- checkbox "{re.escape(name)}"', tree), (name, tree)
    for role, name in [("combobox", "Person"), ("combobox", "Clock"), ("combobox", "From"), ("combobox", "To"),
                       ("button", "Reset filters")]:
        assert f'- {role} "{name}"' in tree, (role, name, tree)
    # The status line: a live region (role=status) holding the count.
    assert re.match(r"Showing \d+ of \d+ events", explorer.get_by_role("status").inner_text())
    # The dates are lists whose options read "15 Aug 2025" (or "Aug 2025", "2014"): no date box
    # that the browser would draw in its locale's format (11/19/2025 or 19/11/2025).
    assert explorer.locator("input[type=date]").count() == 0
    for name in ("From", "To"):
        select = explorer.get_by_role("combobox", name=name, exact=True)
        # (ipywidgets writes each option's spaces as no-break spaces, so a date never wraps)
        days = select.evaluate("s => Array.from(s.options).map(o => o.text.replace(/\\u00a0/g, ' '))")
        assert len(days) > 2 and all(re.fullmatch(r"(\d{1,2} )?([A-Z][a-z]{2} )?\d{4}", d) for d in days), (name, days)
        shown = select.evaluate("s => s.options[s.selectedIndex].text.replace(/\\u00a0/g, ' ')")
        assert shown == (days[0] if name == "From" else days[-1]), (name, shown)  # the whole range at first
    return tree


def explorer_by_keyboard(page: Any, explorer: Any) -> list[str]:
    """Filter, change the clock and reset with key presses only; returns the status lines seen."""
    status = explorer.locator(".sl-status")
    seen = [status.inner_text()]

    def wait_change() -> str:
        page.wait_for_function("([el, old]) => el.innerText !== old", arg=[status.element_handle(), seen[-1]],
                               timeout=20_000)
        seen.append(status.inner_text())
        return seen[-1]

    def tab_to(pattern: str, limit: int = 25) -> None:
        for _ in range(limit):
            if re.fullmatch(pattern, active(page)):
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {pattern}; focus on {active(page)}")

    # Into the explorer: focus its first checkbox (where a Tab from the cell above lands), then keys only.
    explorer.get_by_role("checkbox", name="background").focus()
    tab_to(r"input:checkbox:pre-summit")
    page.keyboard.press("Space")
    assert "phase: pre-summit or summit day" in wait_change()
    tab_to(r"select:select-one:Clock")
    page.keyboard.press("ArrowDown")  # the first clock after "local time": Anchorage
    assert "times in Anchorage time" in wait_change()
    assert active(page).startswith("select:")  # focus stays on the clock
    tab_to(r"select:select-one:From")
    page.keyboard.press("ArrowDown")  # the second day or month with events
    text = wait_change()
    assert re.search(r"; from (\d{1,2} )?([A-Z][a-z]{2} )?\d{4}\)", text), text
    assert active(page) == "select:select-one:From"  # focus stays on the list
    tab_to(r"button:\w*:Reset filters")
    page.keyboard.press("Enter")
    text = wait_change()
    shown, total = re.search(r"Showing (\d+) of (\d+)", text).groups()
    assert shown == total and "each event's local time" in text
    assert re.fullmatch(r"button:\w*:Reset filters", active(page)), active(page)  # focus stays on Reset
    assert not explorer.get_by_role("checkbox", checked=True).count()
    assert explorer.get_by_role("combobox", name="From", exact=True).evaluate("s => s.selectedIndex") == 0
    regions = live_regions_holding(page, "Showing")  # the status line: a live region, announced on change
    assert regions and all(r.get("role") == "status" and r.get("live") == "polite" for r in regions), regions
    return seen


def check_answer_feedback(page: Any, check: Any, wrong: str, expect: str) -> None:
    """A wrong answer, typed and sent with Enter: feedback in a live region, focus still in the box."""
    tree = check.aria_snapshot()
    assert '- textbox "Your answer"' in tree and '- button "Check"' in tree, tree
    box = check.get_by_role("textbox", name="Your answer")
    box.focus()
    # Key by key, then Enter at once: the last keys may reach the kernel after Enter's "submit";
    # the check grades the whole text when it arrives (AnswerCheck._on_value).
    page.keyboard.type(wrong)
    page.keyboard.press("Enter")
    feedback = check.locator(".sl-feedback")
    try:
        page.wait_for_function("([el, want]) => el.innerText.includes(want)", arg=[feedback.element_handle(), expect],
                               timeout=20_000)
    except Exception as exc:
        raise AssertionError(f"no feedback with {expect!r}: box {box.input_value()!r}, feedback "
                             f"{feedback.inner_text()!r}, focus {active(page)}") from exc
    said = feedback.inner_text().strip()
    assert said.startswith("Not yet:"), said
    assert re.search(r'- status:\n\s+- strong: "Not yet:"', check.aria_snapshot()), check.aria_snapshot()
    assert check.get_by_role("status").inner_text().strip() == said
    regions = live_regions_holding(page, "Not yet:")
    assert regions and all(r.get("role") == "status" and r.get("live") == "polite" for r in regions), regions
    assert active(page) == "input:text:Your answer"  # focus has not jumped away


def check_quiz(page: Any, quiz: Any) -> None:
    """Each choice is a named radio button; a wrong choice's feedback lands in a live region."""
    radios = quiz.get_by_role("radio")
    names = [r.evaluate("e => e.labels[0].innerText.trim()") for r in radios.all()]
    tree = quiz.aria_snapshot()
    assert len(names) >= 2 and all(n and f'- radio "{n}"' in tree for n in names), (names, tree)
    # Choose the first choice with the keyboard, Check with Enter; the feedback is announced.
    radios.first.focus()
    page.keyboard.press("Space")
    button = quiz.get_by_role("button", name="Check")
    button.focus()
    page.keyboard.press("Enter")
    feedback = quiz.locator(".sl-feedback")
    page.wait_for_function("el => /Correct|Not quite/.test(el.innerText)", arg=feedback.element_handle(),
                           timeout=20_000)
    word = feedback.inner_text().split(":")[0].strip()
    regions = live_regions_holding(page, word + ":")
    assert regions and all(r.get("role") == "status" and r.get("live") == "polite" for r in regions), regions
    assert re.fullmatch(r"button:\w*:Check", active(page)), active(page)
