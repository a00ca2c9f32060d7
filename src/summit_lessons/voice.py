"""Voice labels: the one place that says whether a statement is a Fact, an Attributed claim,
an Analysis or an Opinion.

The labels live in ``statements.csv``; the lessons show them through :func:`statement_table`
so that the same content carries the same label in every lesson. ``tests/test_voice.py`` checks
the notebooks' own labelled paragraphs against the table (through each row's ``key_phrases``), and
the quizzes through two optional keys of a question: ``statement_id`` (the question asks for that
statement's label, which must be the right choice) and ``statement_ids`` (one per choice, or null:
each explanation must name the choice's label first).

**Reports of speech** follow one rule (:data:`SPEECH_RULE`): that X said Y is a fact about X; what Y
asserts is X's claim. A sentence that passes on what someone said, wrote, announced, warned or
reported therefore carries the label *Attributed claim* (or *Analysis*, when it draws an inference
from what was said), never *Fact* or *Opinion*: its truth as a report is checkable, but its content is
the speaker's. A *Fact* may still say that someone acted (met, landed, imposed sanctions) without
passing on words. The statements table records the decision per row (``reports_speech``), and
:func:`reported_speech` finds such sentences in the lessons' own text, so the tests can hold every
labelled sentence to the rule.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

from .loader import load
from ._lazy import lazy

# Imported by the first call that needs a table, not by the lessons' set-up cell.
pd = lazy("pandas")

if TYPE_CHECKING:  # pragma: no cover
    from .widgets import Table

__all__ = ["LABELS", "SPEECH_RULE", "SPEECH_LABELS", "statements", "label_of", "statement_table",
           "own_voice_of_reference_article", "reported_speech"]

#: The four labels, in the order the lessons teach them.
LABELS = ("Fact", "Attributed claim", "Analysis", "Opinion")
#: How the table names the reference article when a judgement is its own.
REFERENCE_ARTICLE = "the reference article"
#: The one rule for sentences that report speech, as the lessons state it.
SPEECH_RULE = "That someone said something is a fact about them; what their words assert is their claim."
#: The labels a sentence that passes on someone's words may carry.
SPEECH_LABELS = ("Attributed claim", "Analysis")

# Verbs that pass on what someone said. "claimed" is left out on purpose: "Russia has claimed Crimea"
# is a territorial claim, an act, not a report of words.
_SPEECH_VERBS = (r"said|says|say|warned|warns|told|tells|stated|promised|promises|threatened|suggested|suggests|"
                 r"confirmed|confirms|called|calls|described|describes|wrote|writes|reported|reports|announced|"
                 r"announces|rejected|rejects|welcomed|welcomes|demanded|hinted|judged|judges|added|blamed|"
                 r"played down|downplayed")
# Speakers other than people: governments, their offices and the outlets the sources cite. The two
# documents the package is built from are not speakers here: a Fact cites them as its source.
_INSTITUTIONS = ("the Kremlin", "Kremlin", "the White House", "Russia", "the United States", "the US", "Ukraine",
                 "Moscow", "Washington", "Kyiv", "Reuters", "Axios", "the BBC", "Russia 24", "The Guardian",
                 "the Financial Times", "The Economist", "The Atlantic", "The New York Times",
                 "The Wall Street Journal", "analysts", "officials", "a Kremlin source", "reports")


@lru_cache(maxsize=None)
def _speech_pattern(path: str | None) -> re.Pattern[str]:
    people = load("people", path)
    names = set(_INSTITUTIONS)
    for _, row in people.iterrows():
        names.add(row["name"])
        names.add(row["name"].split()[-1])
        names.update(row["aliases"] if isinstance(row["aliases"], list) else [])
    speakers = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    # A speaker, then within the same clause (no sentence end, semicolon, comma or bracket) a verb of speech.
    return re.compile(rf"\b(?P<speaker>{speakers})\b(?:'s \w+)?[^.;:,()\[\]]{{0,50}}?\b(?P<verb>{_SPEECH_VERBS})\b", re.I)


def reported_speech(text: str, path: str | os.PathLike[str] | None = None) -> list[str]:
    """Each "speaker verb" in ``text`` that passes on someone's words (e.g. ``["Peskov said"]``); ``[]`` if none.

    Text in brackets (a citation such as "(source: reference article)") and quotations inside a speaker's
    words are read too: the rule is about whose words a sentence passes on.
    """
    flat = re.sub(r"\s+", " ", text)
    return [f"{m.group('speaker')} {m.group('verb')}"
            for m in _speech_pattern(None if path is None else str(path)).finditer(flat)]


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
