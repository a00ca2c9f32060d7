""""Check your answer": a labelled text box under an exercise, with feedback in words.

The learner types an answer and presses **Check** (or Enter); the feedback names the slip (a
missing "≈", winter time, a day where the source gives only a month) and where to look, and never
the answer itself. There is no "show answer": the model answer stays in the teacher edition.
Grading is :func:`summit_lessons.grading.grade`, so it can be tested without widgets.
"""
from __future__ import annotations

import time
from typing import Any, Iterable

import ipywidgets as W

from .._html import esc
from .tables import _Snapshot

__all__ = ["AnswerCheck", "CheckSet"]

#: Seconds after Enter in which a change of the box's text is the typed text arriving late (see
#: ``_on_value``), not the learner typing again: nobody reads feedback and types that fast.
LATE_TEXT_SECONDS = 1.0

_BLANK = ('<span class="sl-answer-line" style="display:inline-block;min-width:18em;'
          'border-bottom:1px solid #555;height:1.2em;vertical-align:bottom"></span>')

#: Under the printed check, and in a notebook not yet run: how to get the live check.
_NOTE = ('<p class="sl-live-note"><em>On paper, write your answer on the line. In the notebook, run this cell '
         "(Shift+Enter), type your answer in the box and press Check: the feedback says what to look at "
         "again, without giving the answer.</em></p>")


class AnswerCheck(_Snapshot, W.VBox):
    """One check: the question, a labelled text field, a Check button and a feedback line."""

    def __init__(self, spec: dict[str, Any], **kwargs: Any):
        from ..grading import grade

        self.spec, self._grade = spec, grade
        self.attempts, self.solved = 0, False
        self._last: str | None = None
        self.prompt = W.HTML(f'<p class="sl-check-prompt"><strong>Check your answer.</strong> {esc(spec["prompt"])}</p>')
        # Enter: the browser fires no "change" event on Enter (only when the box loses focus), so with
        # continuous_update=False the typed text would not reach Python on Enter. Instead the text is
        # synced as it is typed (no grading then) and the "submit" message the Text view sends on
        # Enter grades it, in JupyterLab and in JupyterLite alike (on_msg: on_submit is deprecated).
        self.field = W.Text(value="", description="Your answer", placeholder=spec.get("placeholder", ""),
                            continuous_update=True, style={"description_width": "initial"},
                            layout=W.Layout(width="32em"))
        self.check_button = W.Button(description="Check", tooltip="Check your answer (Enter works too)")
        self.feedback = W.HTML("")
        self.feedback.add_class("sl-feedback")
        self.check_button.on_click(lambda _b: self.check())
        self.field.on_msg(self._on_field_msg)
        self.field.observe(self._on_value, names="value")
        self._submitted_at: float | None = None
        super().__init__([self.prompt, W.HBox([self.field, self.check_button]), self.feedback], **kwargs)
        self.add_class("sl-check")

    def _on_field_msg(self, _field: W.Text, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("event") == "submit":  # Enter in the box
            self.check()
            self._submitted_at = time.monotonic()  # after check(), which clears it

    def _on_value(self, _change: dict[str, Any]) -> None:
        # ipywidgets sends the box's text as state updates, one in flight at a time (the rest wait
        # for the kernel), but the "submit" of Enter at once: typed fast, the last keys can reach
        # Python after Enter, which then graded a shorter text. Grade again when the rest arrives.
        if self._submitted_at is not None and time.monotonic() - self._submitted_at < LATE_TEXT_SECONDS:
            self._submitted_at = None
            self.check()

    def check(self, text: str | None = None) -> bool | None:
        """Grade ``text`` (default: what is in the box) and show the feedback; True/False, None if unreadable."""
        self._submitted_at = None
        if text is not None:
            self.field.value = text
        text = self.field.value
        result = self._grade(self.spec, text)
        if result.right is not None and text != self._last:
            self.attempts += 1  # Enter then a click on Check grades one answer once
        self._last = text
        self.solved = self.solved or bool(result.right)
        word = {True: "Right", False: "Not yet", None: "Check"}[result.right]
        self.feedback.value = f'<p role="status"><strong>{word}:</strong> {esc(result.feedback)}</p>'
        return result.right

    def snapshot_html(self) -> str:
        # On paper: the question and a line to write on; never the answer, in either edition.
        return (f'<div class="sl-snapshot sl-check-snapshot">{self._static()}'
                f"{_NOTE}</div>")

    def _static(self) -> str:
        return (f'<div class="sl-check-static"><p><strong>Check your answer.</strong> {esc(self.spec["prompt"])}</p>'
                f"<p>Your answer: {_BLANK}</p></div>")

    def summary_text(self) -> str:
        return f"Check your answer: {self.spec['prompt']}"


class CheckSet(_Snapshot, W.VBox):
    """Several checks of one exercise in one box (e.g. the date of each of two events)."""

    def __init__(self, specs: Iterable[dict[str, Any]], **kwargs: Any):
        self.checks = [AnswerCheck(s) for s in specs]
        if not self.checks:
            raise ValueError("a check set needs at least one check")
        super().__init__(self.checks, **kwargs)
        self.add_class("sl-check-set")

    def snapshot_html(self) -> str:
        body = "".join(c._static() for c in self.checks)
        return f'<div class="sl-snapshot sl-check-snapshot">{body}{_NOTE}</div>'

    def summary_text(self) -> str:
        return "Check your answers: " + " / ".join(c.spec["prompt"] for c in self.checks)
