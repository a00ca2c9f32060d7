"""Self-check quizzes: one question, and a lesson's set with a score line."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import ipywidgets as W

from .._html import esc
from .tables import _Snapshot

__all__ = ["Quiz", "QuizSet"]

# ---------------------------------------------------------------------------- quizzes


def _sentence(text: str) -> str:
    """``text`` ending in exactly one full stop (a choice may already end in one, or in ? or !)."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!", "…")) else text + "."


class Quiz(_Snapshot, W.VBox):
    """One multiple-choice question: native radio buttons, Check, Try again and Show answer.

    Feedback is in words and says why the chosen answer is right or wrong (from ``explanations``).
    """

    def __init__(self, question: str, choices: Sequence[str], answer: int, explanations: Sequence[str],
                 hint: str | None = None, number: int = 1, **kwargs: Any):
        if not 0 <= answer < len(choices) or len(explanations) != len(choices):
            raise ValueError(f"question {number}: answer index or explanations do not fit the {len(choices)} choices")
        self.question, self.choices, self.answer = question, list(choices), answer
        self.explanations, self.hint, self.number = list(explanations), hint, number
        self.attempts = 0
        self.solved = False
        self.prompt = W.HTML(f"<p class=\"sl-question\"><strong>Question {number}.</strong></p>")
        # The radio group is named by its question (its label, shown above the choices), so a
        # screen reader announces the question, not "Answer 1".
        self.options = W.RadioButtons(options=[(c, i) for i, c in enumerate(self.choices)], value=None,
                                      description=question, tooltip=f"Question {number}",
                                      layout=W.Layout(width="auto", flex_flow="column"),
                                      style={"description_width": "initial"})
        self.hint_box = W.HTML(f"<details><summary>Hint</summary>{esc(hint)}</details>" if hint else "")
        self.check_button = W.Button(description="Check", button_style="", tooltip="Check your answer")
        self.retry_button = W.Button(description="Try again", tooltip="Clear your choice and the feedback")
        self.show_button = W.Button(description="Show answer", tooltip="Show the right answer and why")
        self.feedback = W.HTML("")
        self.feedback.add_class("sl-feedback")
        self.check_button.on_click(lambda _b: self.check())
        self.retry_button.on_click(lambda _b: self.retry())
        self.show_button.on_click(lambda _b: self.show_answer())
        super().__init__([self.prompt, self.options, self.hint_box,
                          W.HBox([self.check_button, self.retry_button, self.show_button]), self.feedback], **kwargs)
        self.add_class("sl-quiz-question")

    def check(self) -> bool | None:
        """Grade the chosen answer; returns True/False, or None when nothing is chosen."""
        choice = self.options.value
        if choice is None:
            self.feedback.value = "<p role=\"status\"><strong>No answer yet:</strong> choose one of the answers, then press Check.</p>"
            return None
        self.attempts += 1
        right = choice == self.answer
        self.solved = self.solved or right
        word = "Correct" if right else "Not quite"
        tail = "" if right else " Press <em>Try again</em> to choose another answer."
        self.feedback.value = (f"<p role=\"status\"><strong>{word}:</strong> {esc(self.explanations[choice])}{tail}</p>")
        return right

    def retry(self) -> None:
        """Clear the choice and the feedback (attempts are kept)."""
        self.options.value = None
        self.feedback.value = ""

    def reset(self) -> None:
        """Back to the starting state: no choice, no feedback, no attempts."""
        self.retry()
        self.attempts, self.solved = 0, False

    def show_answer(self) -> None:
        """Show the right answer and its explanation."""
        self.feedback.value = (f"<p role=\"status\"><strong>Answer:</strong> {esc(_sentence(self.choices[self.answer]))} "
                               f"{esc(self.explanations[self.answer])}</p>")

    def snapshot_html(self) -> str:
        letters = "ABCDEFGH"
        items = "".join(f"<li>{esc(c)}</li>" for c in self.choices)
        why = "".join(f"<li>{letters[i]}: {esc(e)}</li>" for i, e in enumerate(self.explanations))
        hint = f"<p><em>Hint:</em> {esc(self.hint)}</p>" if self.hint else ""
        return (f'<fieldset class="sl-quiz-static"><legend>Question {self.number}. {esc(self.question)}</legend>'
                f'<ol type="A">{items}</ol>{hint}'
                f'<details class="sl-answer"><summary>Answer (teacher edition)</summary>'
                f"<p><strong>{letters[self.answer]}. {esc(self.choices[self.answer])}</strong></p><ul>{why}</ul></details>"
                "</fieldset>")

    def summary_text(self) -> str:
        return f"Question {self.number}: {self.question}"


class QuizSet(_Snapshot, W.VBox):
    """A lesson's self-check: several :class:`Quiz` questions, a score line and Reset all."""

    def __init__(self, questions: Iterable[dict[str, Any]], **kwargs: Any):
        self.quizzes = [Quiz(q["question"], q["choices"], q["answer"], q["explanations"], q.get("hint"), number=i)
                        for i, q in enumerate(questions, 1)]
        if not self.quizzes:
            raise ValueError("a self-check needs at least one question")
        self.score = W.HTML()
        self.score.add_class("sl-score")
        self.reset_button = W.Button(description="Reset all", tooltip="Clear every answer and the score")
        self.reset_button.on_click(lambda _b: self.reset())
        for q in self.quizzes:
            q.check_button.on_click(lambda _b: self._update_score())
        super().__init__([*self.quizzes, W.HBox([self.reset_button, self.score])], **kwargs)
        self.add_class("sl-quiz")
        self._update_score()

    def _update_score(self) -> None:
        done = sum(q.solved for q in self.quizzes)
        self.score.value = f"<p role=\"status\">Answered correctly: <strong>{done} of {len(self.quizzes)}</strong>.</p>"

    def reset(self) -> None:
        """Clear every question and the score."""
        for q in self.quizzes:
            q.reset()
        self._update_score()

    def snapshot_html(self) -> str:
        body = "".join(q.snapshot_html() for q in self.quizzes)
        note = ('<p class="sl-live-note"><em>Printed self-check. In the notebook each question has a Check '
                "button with feedback.</em></p>")
        return f'<div class="sl-snapshot sl-quiz-snapshot">{body}{note}</div>'

    def summary_text(self) -> str:
        return f"Self-check: {len(self.quizzes)} questions (run the notebook to answer them)."
