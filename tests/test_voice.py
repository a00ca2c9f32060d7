"""One voice label per statement: the statements table is the only source of labels, and the
notebooks' own text and the quizzes agree with it."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from summit_lessons import load, voice
from summit_lessons.lessons import notebook_paths
from summit_lessons.quizzes import questions

PATHS = notebook_paths()
LABEL_RE = re.compile(r"^\s*(?:[-*]|\d+\.)?\s*\*\*(Fact|Attributed claim|Analysis|Opinion)\.\*\*")


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """(label, text) for every labelled paragraph, bullet or table row of a markdown cell."""
    out: list[tuple[str, str]] = []
    current: list[str] = []

    def flush() -> None:
        text = "\n".join(current)
        m = LABEL_RE.match(text)
        if m:
            out.append((m.group(1), text))
        current.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            flush()
            cells = [c.strip().strip("*").rstrip(".") for c in line.strip().strip("|").split("|")]
            label = next((c for c in cells if c in voice.LABELS), None)
            if label:
                out.append((label, line))
            continue
        if not line.strip() or re.match(r"^\s*(?:[-*]|\d+\.)\s", line):
            flush()
        current.append(line)
    flush()
    return out


def _conflicts(label: str, text: str, table) -> list[str]:
    found = []
    low = re.sub(r"\s+", " ", text).lower()
    for sid, row in table.iterrows():
        if label == row["label"] or (label == "Analysis" and row["label"] != "Analysis"):
            continue  # an analysis may cite evidence of any kind
        for phrase in row["key_phrases"]:
            if phrase.lower() in low:
                found.append(f"{sid} is {row['label']!r} in the statements table but {label!r} here "
                             f"(matched {phrase!r}): {text.strip()[:160]}")
                break
    return found


def test_every_label_is_explained_and_held_by_someone_when_it_must_be():
    table = voice.statements()
    for sid, row in table.iterrows():
        held = isinstance(row["attributed_to"], str) and row["attributed_to"].strip()
        if row["label"] in ("Attributed claim", "Opinion"):
            assert held, f"statements.csv {sid}: an {row['label'].lower()} needs attributed_to"
        else:
            assert not held, f"statements.csv {sid}: a {row['label'].lower()} is in the lesson's own voice"


def test_a_key_phrase_names_one_statement_only():
    seen: dict[str, str] = {}
    for sid, row in voice.statements().iterrows():
        for phrase in row["key_phrases"]:
            assert phrase.lower() not in seen, f"{phrase!r} identifies both {seen[phrase.lower()]} and {sid}"
            seen[phrase.lower()] = sid


def test_the_reference_articles_own_judgements_are_attributed_to_it():
    table = voice.statements()
    own = voice.own_voice_of_reference_article()
    assert len(own) >= 10
    for sid in own:
        assert table.loc[sid, "label"] == "Attributed claim"
        assert table.loc[sid, "text"].startswith("The reference article"), sid


def test_reports_of_the_closed_meeting_are_attributed_claims():
    table = voice.statements()
    closed = table[table["attributed_to"].fillna("").str.contains("closed meeting")]
    assert len(closed) >= 2 and set(closed["label"]) == {"Attributed claim"}


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_text_agrees_with_the_statements_table(path):
    table = voice.statements()
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for label, text in _blocks("".join(cell["source"])):
                problems += _conflicts(label, text, table)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("slug", [p.stem for p in PATHS])
def test_quiz_labels_agree_with_the_statements_table(slug):
    table = voice.statements()
    words = {lab: re.compile(rf"\b{lab.lower()}\b") for lab in voice.LABELS}
    for q in questions(slug):
        if "statement_id" in q:
            label = table.loc[q["statement_id"], "label"]
            assert q["choices"][q["answer"]].startswith(label), (q["question"], label)
        for i, sid in enumerate(q.get("statement_ids", [])):
            if sid is None:
                continue
            label = table.loc[sid, "label"]
            expl = q["explanations"][i].lower()
            first = min((m.start(), lab) for lab, rx in words.items() if (m := rx.search(expl)))[1]
            assert first == label, f"{slug}: choice {i} is {label!r} in statements.csv, explained as {first!r}"


def test_label_exercises_are_the_statements_of_the_table():
    """The sentences a student labels in lessons 00 and 04 are rows of the table, word for word."""
    texts = set(voice.statements()["text"])
    for stem, count in (("00_start_here", 3), ("04_analysis", 8)):
        nb = json.loads(next(p for p in PATHS if p.stem == stem).read_text(encoding="utf-8"))
        cell = next(c for c in nb["cells"] if "exercise" in c["metadata"].get("tags", [])
                    and any(t in "".join(c["source"]).lower()
                            for t in ("which label", "attributed claim, analysis or opinion?")))
        quoted = [re.sub(r"\s+", " ", q) for q in re.findall(r"“([^”]+)”", "".join(cell["source"]))]
        assert len(quoted) == count, quoted
        assert set(quoted) <= texts, set(quoted) - texts


def test_the_speech_rule_is_decided_once_in_the_statements_table():
    """That X said Y is a fact about X; what Y asserts is X's claim: a statement that passes on someone's words is
    an attributed claim (or an analysis of them), and the table marks every such row."""
    table = voice.statements()
    for sid, row in table.iterrows():
        found = voice.reported_speech(row["text"])
        if found:
            assert row["reports_speech"], f"statements.csv {sid}: passes on words ({found}) but reports_speech is false"
        if row["reports_speech"]:
            assert row["label"] in voice.SPEECH_LABELS, f"statements.csv {sid}: reports speech but is {row['label']!r}"
        else:
            assert row["label"] != "Attributed claim", f"statements.csv {sid}: an attributed claim reports someone"


def test_the_speech_detector_finds_words_passed_on_and_lets_acts_pass():
    assert voice.reported_speech("Kremlin spokesperson Dmitry Peskov said a meeting could happen.") != []
    assert voice.reported_speech("On landing, Karoline Leavitt announced that the talks would be three-on-three.")
    assert voice.reported_speech("After the meeting Trump and Rubio played down the chances of sanctions.")
    assert voice.reported_speech("The Financial Times reported that Putin spoke about history.")
    for act in ("Russia has claimed Crimea since 2014.", "Witkoff met Putin in Moscow on 6 August 2025.",
                "The deadline arrived on 8 August, and Trump did not impose sanctions that day (source: reference article).",
                "Trump's plane landed at the base at 10:22 local time."):
        assert voice.reported_speech(act) == [], act


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_a_sentence_reporting_speech_carries_a_label_the_rule_allows(path):
    """No labelled paragraph, bullet or table row that passes on someone's words is a Fact or an Opinion."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for label, text in _blocks("".join(cell["source"])):
                if label not in voice.SPEECH_LABELS and (found := voice.reported_speech(text)):
                    problems.append(f"{label!r} but passes on words ({', '.join(found)}): {text.strip()[:160]}")
    assert not problems, "\n".join(problems)


def test_lesson_00_states_the_speech_rule_in_the_words_of_voice_py():
    nb = json.loads(next(p for p in PATHS if p.stem == "00_start_here").read_text(encoding="utf-8"))
    text = re.sub(r"\s+", " ", " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"))
    assert voice.SPEECH_RULE in text


def test_statements_cite_known_sources():
    assert set(load("statements")["source_id"]) <= set(load("sources")["source_id"])


def test_tables_report_the_closed_meeting_as_reports():
    """Wherever the claims table's reasons mention what happened in the closed meeting, they say it was reported."""
    table = voice.statements()
    closed = table[table["attributed_to"].fillna("").str.contains("closed meeting")]
    phrases = [p.lower() for ps in closed["key_phrases"] for p in ps] + ["raising his voice"]
    for _, row in load("claims").iterrows():
        text = row["explanation"].lower()
        if any(p in text for p in phrases):
            assert "report" in text, f"claims.csv {row['claim_id']}, column \"explanation\": states the closed meeting as fact"


def test_statement_table_shows_labels_in_words_and_names_a_missing_id():
    html = voice.statement_table(["st-ex-talks-began", "st-ex-waste-of-time"], "Two", letters=True,
                                 reasons=True)._repr_mimebundle_()["text/html"]
    assert '<th scope="col">Item</th><th scope="col">Label</th><th scope="col">Statement</th>' in html
    assert "<td>A</td><td>Fact</td>" in html and "<td>B</td><td>Opinion</td>" in html
    hidden = voice.statement_table(["st-ex-talks-began"], "No labels", labels=False)._repr_mimebundle_()["text/html"]
    assert "Fact" not in hidden
    with pytest.raises(KeyError, match="st-nothing"):
        voice.statement_table(["st-nothing"], "x")


def test_lesson_03_shows_every_statement_it_labels_from_the_table():
    """Lesson 03 prints its statements with the table's labels: every labelled paragraph that states a row
    of the table is in that printed table, so a student reads the same label twice."""
    nb = json.loads(next(p for p in PATHS if p.stem == "03_aftermath").read_text(encoding="utf-8"))
    code = next(c for c in nb["cells"] if c["cell_type"] == "code" and "voice.statement_table" in "".join(c["source"]))
    shown = set(re.findall(r'"(st-[\w-]+)"', "".join(code["source"])))
    table = voice.statements()
    stated = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for _, text in _blocks("".join(cell["source"])):
                low = re.sub(r"\s+", " ", text).lower()
                stated |= {sid for sid, row in table.iterrows() if any(p.lower() in low for p in row["key_phrases"])}
    assert stated and stated <= shown, stated - shown
    html = "".join(code["outputs"][0]["data"]["text/html"])
    for sid in shown:
        assert f"<td>{table.loc[sid, 'label']}</td><td>{table.loc[sid, 'text']}" in html.replace("&#x27;", "'"), sid
