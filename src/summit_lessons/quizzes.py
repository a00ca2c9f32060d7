"""Self-check questions: one JSON file per lesson in ``summit_lessons/quiz_data/``.

Each file is a list of questions::

    {"question": str, "choices": [str, ...], "answer": int (index into choices),
     "explanations": [str, ...] (one per choice: why it is right or wrong),
     "hint": str (optional), "source_ids": [str, ...]}

Only settled facts or skills are asked, never an opinion; ``source_ids`` name the rows of
``sources.csv`` that settle the answer.
"""
from __future__ import annotations

import json
from typing import Any

from .locations import package_dir

__all__ = ["questions", "lesson_quiz"]


def questions(slug: str) -> list[dict[str, Any]]:
    """The self-check questions of one lesson (e.g. ``"02_summit_day"``)."""
    path = package_dir() / "quiz_data" / f"{slug}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no self-check questions for lesson {slug!r} ({path})")
    return json.loads(path.read_text(encoding="utf-8"))


def lesson_quiz(slug: str):
    """A :class:`summit_lessons.widgets.QuizSet` of one lesson's questions."""
    from .widgets import QuizSet

    return QuizSet([{k: q[k] for k in ("question", "choices", "answer", "explanations", "hint") if k in q}
                    for q in questions(slug)])
