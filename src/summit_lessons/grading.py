"""Quiz data and grading: the self-check questions and answer checks in ``summit_lessons/quiz_data/``.

Nothing here knows of widgets: :mod:`summit_lessons.widgets` imports this module to grade, and
:mod:`summit_lessons.quizzes` (what a lesson calls) puts the two together.

Two kinds of file per lesson, both described by one JSON Schema, ``quiz_data/schema.json``:

``NN_slug.json``: the self-check, a list of multiple-choice questions::

    {"question": str, "choices": [str, ...], "answer": int (index into choices),
     "explanations": [str, ...] (one per choice: why it is right or wrong),
     "hint": str (optional), "source_ids": [str, ...]}

``NN_slug.checks.json``: the "check your answer" boxes under exercises, a list of checks::

    {"id": str, "exercise": int, "prompt": str, "kind": "text" | "sequence",
     "answer": str (the model answer, for the teacher and the tests; never shown by the check),
     "right": str (said when the answer is right: why),
     "mistakes": [...] (common wrong answers, each with feedback in words),
     "otherwise": str (said for any other wrong answer: where to look, not what to write),
     "source_ids": [str, ...]}

- ``kind: "text"``: one short answer (a time, a duration, a date). The answer is normalised
  (:func:`normalise`: lower case, one space, dashes as ``-``, "about"/"approximately"/"~" as
  ``≈``, ``22.32`` as ``22:32``); each mistake is ``{"pattern", "feedback", "example"}`` and is
  tried first, in order (``re.search``); then ``accept`` (a list of patterns, ``re.search``).
- ``kind: "sequence"``: one word per item, e.g. a label for each of sentences (a)–(c) or the
  order of four events. ``items`` names the positions, ``options`` maps each allowed answer to
  the words that mean it, ``answer_items`` lists the right option per item (``distinct``: each
  option once, for an order); each mistake is
  ``{"item": 1-based position, "given": option (optional: any wrong one), "feedback"}``;
  ``also_right`` lists a second defensible option for an item (``{"item", "given", "feedback"}``:
  graded right, with the feedback added to ``right``), and ``refused`` maps words that look like
  answers but are not on the scale (e.g. "true" for a verdict) to why they are not.

Only settled facts or skills are asked, never an opinion; ``source_ids`` name the rows of
``sources.csv`` that settle the answer. Feedback never gives the answer: it names the slip and
where to look.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .locations import package_dir

__all__ = ["questions", "checks", "check_spec", "grade", "Grade", "normalise", "CheckDataError"]


def _quiz_dir() -> Path:
    return package_dir() / "quiz_data"


def questions(slug: str) -> list[dict[str, Any]]:
    """The self-check questions of one lesson (e.g. ``"02_summit_day"``)."""
    path = _quiz_dir() / f"{slug}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no self-check questions for lesson {slug!r} ({path})")
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- answer checks

class CheckDataError(ValueError):
    """A check in ``NN_slug.checks.json`` that cannot be used: one line naming file, check and field."""


@lru_cache(maxsize=None)
def _load_checks(path: Path) -> tuple[dict[str, Any], ...]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CheckDataError(f"{path.name}: not valid JSON ({exc})") from None
    for i, spec in enumerate(data, 1):
        _validate(path.name, i, spec)
    return tuple(data)


def _validate(fname: str, i: int, spec: Any) -> None:
    """The rules a grader relies on (the schema documents the rest; tests check every file against it)."""
    where = f"{fname}, check {i} ({spec.get('id', '?') if isinstance(spec, dict) else '?'})"
    if not isinstance(spec, dict):
        raise CheckDataError(f"{where}: is not an object")
    for key in ("id", "prompt", "kind", "answer", "right", "otherwise", "source_ids"):
        if key not in spec:
            raise CheckDataError(f"{where}, field {key!r}: missing")
    if spec["kind"] == "text":
        for j, m in enumerate(spec.get("mistakes", []), 1):
            _compile(f"{where}, mistakes[{j}].pattern", m.get("pattern", ""))
        if not spec.get("accept"):
            raise CheckDataError(f"{where}, field 'accept': missing or empty")
        for j, p in enumerate(spec["accept"], 1):
            _compile(f"{where}, accept[{j}]", p)
    elif spec["kind"] == "sequence":
        items, options, answer = spec.get("items"), spec.get("options"), spec.get("answer_items")
        if not items or not options or not answer or len(answer) != len(items):
            raise CheckDataError(f"{where}, field 'answer_items': needs one option per item of 'items'")
        for j, a in enumerate(answer, 1):
            if a not in options:
                raise CheckDataError(f"{where}, answer_items[{j}]: {a!r} is not one of the options")
        for j, m in enumerate(spec.get("also_right", []), 1):
            if not 1 <= m.get("item", 0) <= len(items) or m.get("given") not in options or "feedback" not in m:
                raise CheckDataError(f"{where}, also_right[{j}]: needs an item, a given option and feedback")
        for j, m in enumerate(spec.get("mistakes", []), 1):
            if not 1 <= m.get("item", 0) <= len(items) or ("given" in m and m["given"] not in options):
                raise CheckDataError(f"{where}, mistakes[{j}]: item {m.get('item')!r} or given "
                                     f"{m.get('given')!r} does not fit the items and options")
    else:
        raise CheckDataError(f"{where}, field 'kind': {spec['kind']!r} is not text or sequence")


def _compile(where: str, pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise CheckDataError(f"{where}: {pattern!r} is not a regular expression ({exc})") from None


def checks(slug: str) -> list[dict[str, Any]]:
    """The answer checks of one lesson (``[]`` when it has none)."""
    path = _quiz_dir() / f"{slug}.checks.json"
    return [dict(c) for c in _load_checks(path)] if path.is_file() else []


def check_spec(slug: str, check_id: str) -> dict[str, Any]:
    """One check of a lesson, by its ``id``."""
    for spec in checks(slug):
        if spec["id"] == check_id:
            return spec
    known = ", ".join(c["id"] for c in checks(slug)) or "none"
    raise KeyError(f"lesson {slug!r} has no check {check_id!r} (its checks: {known})")


_APPROX = re.compile(r"\b(?:approximately|approx\.?|about|around|roughly|circa)(?=\s|\d|$)|~|≃")


def normalise(text: str) -> str:
    """An answer as the patterns see it: lower case, one space, ``-`` dashes, ``≈`` for "about"."""
    t = unicodedata.normalize("NFKC", text).lower().strip()
    t = re.sub(r"[\u2010-\u2015\u2212]", "-", t)
    t = _APPROX.sub("≈", t)
    t = re.sub(r"\b(\d{1,2})\.([0-5]\d)\b", r"\1:\2", t)  # 22.32 -> 22:32 (2.75 stays)
    t = re.sub(r"\s+", " ", t)
    t = re.sub(r"≈\s*(≈\s*)*", "≈ ", t).strip().rstrip(".")
    return t


@dataclass(frozen=True)
class Grade:
    """The result of checking one answer: ``right`` is None when there was nothing to check."""

    right: bool | None
    feedback: str


def grade(spec: dict[str, Any], text: str) -> Grade:
    """Check ``text`` against one check; the feedback is in words and never holds the answer."""
    if not text or not text.strip():
        return Grade(None, "No answer yet: type your answer in the box, then press Check or Enter.")
    if spec["kind"] == "sequence":
        return _grade_sequence(spec, text)
    t = normalise(text)
    for m in spec.get("mistakes", []):
        if re.search(m["pattern"], t):
            return Grade(False, m["feedback"])
    if any(re.search(p, t) for p in spec["accept"]):
        return Grade(True, spec["right"])
    return Grade(False, spec["otherwise"])


# An item label a learner may type before an answer: "(a)", "b)", "c.", "1.", "2:", "sentence 3:".
_ITEM_LABEL = re.compile(r"(?:(?<=\s)|^)(?:(?:sentence|statement|item)s? )?"
                         r"(?:\((?:[a-h]|\d{1,2})\)|(?:[a-h]|\d{1,2})[).:](?=\s|$)|\d{1,2}(?= ))")


def _option_of(part: str, options: dict[str, list[str]]) -> str | None:
    best, best_len = None, 0
    for option, words in options.items():
        for w in [option, *words]:
            if re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", part) and len(w) > best_len:
                best, best_len = option, len(w)
    return best


def _grade_sequence(spec: dict[str, Any], text: str) -> Grade:
    items, options, answer = spec["items"], spec["options"], spec["answer_items"]
    # Labels separate answers as commas do: "(a) fact (b) opinion" is two answers.
    parts = [p.strip() for p in re.split(r"[,;\n]+", _ITEM_LABEL.sub(",", normalise(text))) if p.strip()]
    if len(parts) != len(items):
        return Grade(None, f"Give {len(items)} answers, one for each of {_join(items)}, in that order and "
                           f"separated by commas. You gave {len(parts)}.")
    given = []
    for part in parts:
        option = _option_of(part, options)
        if option is None:
            why = spec.get("refused", {}).get(part)
            if why:
                return Grade(None, f"“{part}” is not on this scale: {why} Use one of {_join(sorted(options))}.")
            return Grade(None, f"“{part}” is not one of the answers this check knows: use one of "
                               f"{_join(sorted(options))}.")
        given.append(option)
    if spec.get("distinct") and len(set(given)) != len(given):
        twice = next(g for g in given if given.count(g) > 1)
        return Grade(None, f"You used “{twice}” more than once; each one goes in one place only.")
    # A second defensible answer for an item is right too, and says why in the same message.
    also = {(m["item"] - 1, m["given"]): m["feedback"] for m in spec.get("also_right", [])}
    wrong = [i for i, (g, a) in enumerate(zip(given, answer)) if g != a and (i, g) not in also]
    if not wrong:
        notes = [f"{_cap(items[i])}: {also[(i, g)]}" for i, g in enumerate(given) if g != answer[i]]
        return Grade(True, " ".join([spec["right"], *notes]))
    lines = []
    for i in wrong:
        rule = next((m for m in spec.get("mistakes", []) if m["item"] == i + 1 and m.get("given") == given[i]), None)
        rule = rule or next((m for m in spec.get("mistakes", []) if m["item"] == i + 1 and "given" not in m), None)
        text = rule["feedback"] if rule else spec["otherwise"]
        lines.append(f"{_cap(items[i])}: {_cap(text)}" + ("" if text.rstrip()[-1:] in ".?!" else "."))
    right = len(items) - len(wrong)
    return Grade(False, f"{right} of {len(items)} right. Look again: " + " ".join(lines))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(words: list[str]) -> str:
    return ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else words[0]
