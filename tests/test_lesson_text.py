"""Numbers a teacher or student reads in a lesson's text agree with the data they describe.

Markdown cannot compute, so a number typed in a lesson (minutes in an instructor note, verdict
counts in lesson 05) is checked here against the notebook metadata or the table it counts.
"""
from __future__ import annotations

import re

import nbformat
import pytest

from summit_lessons import load
from summit_lessons.lessons import notebook_paths

PATHS = notebook_paths()
WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split())}
NUMBER = r"\b(\d+|" + "|".join(WORDS) + r")\b"


def _number(token: str) -> int:
    return int(token) if token.isdigit() else WORDS[token.lower()]


def _timing(path) -> str | None:
    """The instructor note's "Timing: …" sentence, or None when the note has none."""
    nb = nbformat.read(path, as_version=4)
    note = next(c.source for c in nb.cells if "instructor" in c.metadata.get("tags", []))
    text = note.replace("\n", " ")
    start = text.find("Timing:")
    if start < 0:
        return None
    depth = 0
    for i in range(start, len(text)):  # the sentence ends at the first full stop outside brackets
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if text[i] == "." and depth == 0 and (i + 1 == len(text) or text[i + 1] == " "):
            return text[start:i + 1]
    return text[start:]


@pytest.mark.parametrize("path", [p for p in PATHS if _timing(p)], ids=lambda p: p.stem)
def test_instructor_timing_sums_to_the_metadata_minutes(path):
    """The parts of a note's timing ("sourcing 5 min; …; exercises 20 min (…)") add up to the
    lesson's teaching plus exercise minutes, and a breakdown in brackets adds up to its part."""
    meta = nbformat.read(path, as_version=4).metadata["summit_lessons"]
    timing = _timing(path)
    outside = re.sub(r"\([^)]*\)", "", timing)
    parts = [int(n) for n in re.findall(r"(\d+) min\b", outside)]
    assert sum(parts) == meta["teaching_minutes"] + meta["exercise_minutes"], (timing, parts)
    for whole, inside in re.findall(r"(\d+) min \(([^)]*)\)", timing):
        pieces = [int(n) for n in re.findall(r"(?<![\w-])(\d+)(?! ?%)", re.sub(r"Exercise \d+", "", inside))]
        assert sum(pieces) == int(whole), (whole, inside)


# How lesson 05's text names each verdict.
VERDICT_WORDS = {"corroborated": r"corroborated", "partly-supported": r"partly supported",
                 "contradicted": r"contradicted", "unverified": r"unverified"}


def test_lesson_05_verdict_counts_in_every_cell_are_the_claims_tables():
    """Every "N … corroborated / partly supported / contradicted / unverified" in lesson 05, in any
    cell a student or teacher reads (instructor note, solutions, key points), is the count in the
    claims table."""
    claims = load("claims")
    counts = claims["verdict"].value_counts()
    path = next(p for p in PATHS if p.stem == "05_two_accounts")
    nb = nbformat.read(path, as_version=4)
    text = " ".join(c.source for c in nb.cells if c.cell_type == "markdown").replace("\n", " ")
    checked = 0
    for verdict, word in VERDICT_WORDS.items():
        for m in re.finditer(word, text):
            clause = re.split(r"[,;:.()“”]", text[max(0, m.start() - 60):m.start()])[-1]
            clause = re.sub(rf"\bof the {len(claims)}\b", "", clause)  # "six of the 36 statements"
            numbers = re.findall(NUMBER, clause, re.I)
            if numbers:
                checked += 1
                assert _number(numbers[-1]) == counts.get(verdict, 0), (verdict, clause + m.group(0))
    assert checked >= 6  # the instructor note, the solutions and the key points all give counts
