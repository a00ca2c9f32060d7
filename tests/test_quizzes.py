"""Self-check questions: well-formed, every choice explained, every answer sourced."""
from __future__ import annotations

import pytest

from summit_lessons import load
from summit_lessons.lessons import notebook_paths
from summit_lessons.quizzes import questions

SLUGS = [p.stem for p in notebook_paths()]


@pytest.mark.parametrize("slug", SLUGS)
def test_quiz_questions_are_well_formed(slug):
    qs = questions(slug)
    assert len(qs) >= 3
    known = set(load("sources")["source_id"])
    for q in qs:
        assert q["question"].strip() and len(q["choices"]) >= 3
        assert len(set(q["choices"])) == len(q["choices"]), "choices are distinct"
        assert 0 <= q["answer"] < len(q["choices"])
        assert len(q["explanations"]) == len(q["choices"]), "each choice says why it is right or wrong"
        assert all(len(e) > 20 for e in q["explanations"])
        assert q["source_ids"] and set(q["source_ids"]) <= known


def test_unknown_lesson_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="no self-check questions for lesson '99_nothing'"):
        questions("99_nothing")
