"""Voice labels: the one place that says whether a statement is a Fact, an Attributed claim,
an Analysis or an Opinion.

The labels live in ``statements.csv``; the lessons show them through :func:`statement_table`
so that the same content carries the same label in every lesson. ``tests/test_voice.py`` checks
the notebooks' own labelled paragraphs against the table (through each row's ``key_phrases``), and
the quizzes through two optional keys of a question: ``statement_id`` (the question asks for that
statement's label, which must be the right choice) and ``statement_ids`` (one per choice, or null:
each explanation must name the choice's label first).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Sequence

from .loader import load
from ._lazy import lazy

# Imported by the first call that needs a table, not by the lessons' set-up cell.
pd = lazy("pandas")

if TYPE_CHECKING:  # pragma: no cover
    from .widgets import Table

__all__ = ["LABELS", "statements", "label_of", "statement_table", "own_voice_of_reference_article"]

#: The four labels, in the order the lessons teach them.
LABELS = ("Fact", "Attributed claim", "Analysis", "Opinion")
#: How the table names the reference article when a judgement is its own.
REFERENCE_ARTICLE = "the reference article"


def statements(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The statements table, indexed by ``statement_id``."""
    return load("statements", path).set_index("statement_id")


def label_of(statement_id: str, path: str | os.PathLike[str] | None = None) -> str:
    """The label of one statement, e.g. ``"Attributed claim"``."""
    return str(statements(path).loc[statement_id, "label"])


def statement_table(ids: Sequence[str], caption: str, *, letters: bool = False, labels: bool = True,
                    reasons: bool = False, holder: bool = False,
                    path: str | os.PathLike[str] | None = None) -> "Table":
    """Some statements, in the order given, as a captioned table with readable headers.

    ``letters`` numbers the rows A, B, C … (for an evidence bank students cite); ``labels=False``
    leaves the labels out (for an exercise whose answer they are); ``reasons`` and ``holder`` add
    why each label fits and who holds the statement.
    """
    from .widgets import html_table

    table = statements(path)
    missing = [i for i in ids if i not in table.index]
    if missing:
        raise KeyError(f"not in statements.csv: {', '.join(missing)}")
    rows = table.loc[list(ids)]
    out = pd.DataFrame(index=range(len(rows)))
    if letters:
        out["Item"] = [chr(ord("A") + i) for i in range(len(rows))]
    if labels:
        out["Label"] = list(rows["label"])
    out["Statement"] = list(rows["text"])
    if holder:
        out["Who holds it"] = [h if isinstance(h, str) else "— (the lesson's own voice)" for h in rows["attributed_to"]]
    if reasons:
        out["Why this label"] = list(rows["reason"])
    return html_table(out, caption)


def own_voice_of_reference_article(path: str | os.PathLike[str] | None = None) -> list[str]:
    """Ids of the judgements the reference article makes in its own voice, in table order."""
    table = statements(path)
    return list(table.index[table["attributed_to"] == REFERENCE_ARTICLE])
