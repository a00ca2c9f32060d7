"""What a lesson calls for its quizzes: ``quizzes.lesson_quiz("02_summit_day")`` (the self-check) and
``quizzes.answer_check("02_summit_day", "london-time")`` (the "check your answer" box of an exercise).

The questions, the checks and the grading live in :mod:`summit_lessons.grading`, which knows nothing
of widgets; the widgets are :mod:`summit_lessons.widgets`'. This module joins the two, and keeps
the grading names importable from here (``quizzes.grade``, ``quizzes.checks``, ...).
"""
from __future__ import annotations

from .grading import CheckDataError, Grade, check_spec, checks, grade, normalise, questions

__all__ = ["questions", "lesson_quiz", "checks", "check_spec", "grade", "Grade", "normalise", "answer_check",
           "CheckDataError"]


def lesson_quiz(slug: str):
    """A :class:`summit_lessons.widgets.QuizSet` of one lesson's questions."""
    from .widgets import QuizSet

    return QuizSet([{k: q[k] for k in ("question", "choices", "answer", "explanations", "hint") if k in q}
                    for q in questions(slug)])


def answer_check(slug: str, *check_ids: str):
    """The "check your answer" widget of one exercise: one check, or several in one box."""
    from .widgets import AnswerCheck, CheckSet

    if not check_ids:
        raise TypeError("answer_check needs at least one check id, e.g. answer_check('02_summit_day', 'london-time')")
    specs = [check_spec(slug, c) for c in check_ids]
    return AnswerCheck(specs[0]) if len(specs) == 1 else CheckSet(specs)
