"""The committed lesson notebooks: structure a learner relies on, and a clean executed state.

nbval (run by `make test` over notebooks/) proves the stored outputs match a fresh run; these
tests prove the notebooks are lessons: one H1, ordered headings, the lesson parts, tags that the
handouts use, alt text on figures, short code cells, a neutral own voice, no personal metadata.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from summit_lessons import load
from summit_lessons.publish.execute import KEEP_CELL_METADATA, KEEP_NOTEBOOK_METADATA
from summit_lessons.lessons import REQUIRED_KEYS, lesson_map, lesson_meta, notebook_paths
from summit_lessons.quizzes import questions

EXPECTED = ["00_start_here", "01_background", "02_summit_day", "03_aftermath", "04_analysis", "05_two_accounts"]
PATHS = notebook_paths()
IDS = [p.stem for p in PATHS]

# Judgement words that may appear only inside a quotation or as the subject of a lesson
# about loaded language, never in the package's own voice.
JUDGEMENT_WORDS = [r"\btriumph", r"\bcapitulat", r"\bpariah", r"\bembarrass", r"\bhumiliat", r"\bdisast",
                   r"\bfiasco", r"\bnotabl", r"\bso-called", r"\badmitted", r"\bstunning", r"\bshameful",
                   r"\bbrilliant", r"\bhistoric\b", r"\bill-conceived", r"\bdramatic"]


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _markdown(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def test_the_six_lessons_exist_in_order():
    assert IDS == EXPECTED


def test_lesson_map_lists_every_lesson_with_minutes_and_objectives():
    lm = lesson_map()
    assert list(lm["notebook"]) == [f"{s}.ipynb" for s in EXPECTED]
    assert (lm["teaching_minutes"] > 0).all() and (lm["exercise_minutes"] >= 0).all()
    assert all(len(o) >= 2 for o in lm["objectives"])


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_metadata_is_complete(path):
    meta = lesson_meta(path)
    assert all(k in meta for k in REQUIRED_KEYS)
    assert meta["slug"] == path.stem and meta["order"] == EXPECTED.index(path.stem)
    assert len(meta["questions"]) >= 2 and len(meta["objectives"]) >= 2 and len(meta["keypoints"]) >= 2
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["accurate_as_of"])
    assert set(meta["sources"]) <= set(load("sources")["source_id"])


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_one_h1_and_headings_in_order(path):
    nb = _nb(path)
    levels, h1 = [], []
    for text in _markdown(nb):
        in_fence = False
        for line in text.splitlines():
            if line.startswith("```"):
                in_fence = not in_fence
            m = re.match(r"^(#{1,6})\s+(.*)", line)
            if m and not in_fence:
                levels.append(len(m.group(1)))
                if len(m.group(1)) == 1:
                    h1.append(m.group(2).strip())
    assert len(h1) == 1, h1
    assert levels[0] == 1
    for a, b in zip(levels, levels[1:]):
        assert b <= a + 1, f"heading level jumps from {a} to {b}"
    assert h1[0] == lesson_meta(path)["title"]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_lesson_parts_are_present(path):
    text = "\n".join(_markdown(_nb(path)))
    for heading in ("## Overview", "## Key points", "## Sources"):
        assert heading in text, heading
    assert "Accurate as of" in text
    tags = [t for c in _nb(path)["cells"] for t in c["metadata"].get("tags", [])]
    assert tags.count("instructor") >= 1
    assert tags.count("exercise") >= 1 and tags.count("solution") >= tags.count("exercise")
    assert "hint" in tags
    assert len(questions(path.stem)) >= 3


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_executed_in_order_without_errors_or_stderr(path):
    nb = _nb(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, "a lesson has code cells"
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), "run top to bottom once"
    for c in code:
        for o in c["outputs"]:
            assert o["output_type"] != "error", "".join(c["source"])
            assert not (o["output_type"] == "stream" and o["name"] == "stderr"), o.get("text")


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_no_personal_or_tool_metadata(path):
    nb = _nb(path)
    assert set(nb["metadata"]) <= set(KEEP_NOTEBOOK_METADATA)
    for c in nb["cells"]:
        assert set(c["metadata"]) <= set(KEEP_CELL_METADATA)
        assert "execution" not in c["metadata"]
    raw = path.read_text(encoding="utf-8")
    assert "/home/" not in raw and "/root/" not in raw and "/tmp/" not in raw


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_figure_has_alt_text(path):
    figures = 0
    for c in _nb(path)["cells"]:
        for o in c.get("outputs", []):
            if "image/png" in o.get("data", {}):
                figures += 1
                alt = o.get("metadata", {}).get("image/png", {}).get("alt", "")
                assert len(alt) > 20, "alt text says what the figure shows"
    if path.stem in ("01_background", "02_summit_day", "03_aftermath"):
        assert figures >= 1


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_code_cells_are_short(path):
    for c in _nb(path)["cells"]:
        if c["cell_type"] == "code":
            lines = [l for l in "".join(c["source"]).splitlines() if l.strip()]
            assert len(lines) <= 12, "".join(c["source"])


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_link_text_is_descriptive(path):
    for text in _markdown(_nb(path)):
        for label, _url in re.findall(r"\[([^\]]+)\]\(([^)]+)\)", text):
            assert label.strip().lower() not in {"here", "link", "this", "click here", "more"}, label
        assert not re.search(r"(?<![(<\"])https?://\S+", text.replace("](http", "](")), "bare URL"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_own_voice_has_no_judgement_words(path):
    """Judgement words appear only inside quotation marks or as cited loaded words."""
    for text in _markdown(_nb(path)):
        own = re.sub(r"“[^”]*”|\"[^\"]*\"|‘[^’]*’|`[^`]*`", "", text)
        for word in JUDGEMENT_WORDS:
            assert not re.search(word, own.lower()), f"{word!r} in the notebook's own voice: {own[:200]}"


def _section(nb: dict, heading: str) -> str:
    """The markdown of one `## ` section, up to the next `## ` heading."""
    text = "\n".join(_markdown(nb))
    start = text.index(heading)
    nxt = text.find("\n## ", start + len(heading))
    return text[start: nxt if nxt >= 0 else len(text)]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_key_points_match_the_metadata(path):
    """The lesson map and handout index read the metadata; learners read the cell: they must agree."""
    section = _section(_nb(path), "## Key points")
    bullets: list[str] = []
    for line in section.splitlines()[1:]:
        if line.startswith("- "):
            bullets.append(line[2:].strip())
        elif line.startswith("  ") and bullets:
            bullets[-1] += " " + line.strip()
    assert bullets == lesson_meta(path)["keypoints"]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_sources_section_names_every_source_in_the_metadata(path):
    section = _section(_nb(path), "## Sources")
    sources = load("sources").set_index("source_id")
    for sid in lesson_meta(path)["sources"]:
        row = sources.loc[sid]
        # A reader finds a source by its link or its title; ids are for code, not for the page.
        assert (sid in section or (isinstance(row["url"], str) and row["url"] in section)
                or row["title"].lower() in section.lower()), sid
        if row["origin"] == "outside":
            assert "outside source" in section.lower(), f"{sid} is not marked as an outside source"


def test_readme_lesson_map_is_current():
    """README's lesson map is generated from the metadata: `python -m summit_lessons.lessons README.md`."""
    from summit_lessons.lessons import MAP_END, MAP_START, lesson_map_markdown

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(MAP_START) + len(MAP_START): readme.index(MAP_END)].strip()
    assert block == lesson_map_markdown(), "README's lesson map is stale: run python -m summit_lessons.lessons README.md"


@pytest.mark.slow
def test_a_data_change_without_make_execute_fails_nbval(datacopy):
    """The promise of strict nbval: stored outputs that no longer match the data fail the run."""
    import os
    import subprocess
    import sys

    i = datacopy.find("events", event_id="2025-08-15-meeting-ends")
    datacopy.set("events", i, "title", "Meeting ends (edited in a local copy)")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "SUMMIT_LESSONS_DATA": str(datacopy.folder),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                          "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval-sanitize.cfg",
                          "notebooks/02_summit_day.ipynb"], cwd=root, env=env, capture_output=True, text=True)
    assert run.returncode == 1, run.stdout[-2000:]
    assert "Meeting ends (edited in a local copy)" in run.stdout


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_markdown_tables_name_every_column(path):
    """An empty header cell leaves a screen reader with an unnamed column (axe: empty-table-header)."""
    for text in _markdown(_nb(path)):
        lines = text.splitlines()
        for header, rule in zip(lines, lines[1:]):
            if re.fullmatch(r"\|(\s*:?-{3,}:?\s*\|)+", rule.strip()):
                cells = [c.strip() for c in header.strip().strip("|").split("|")]
                assert all(cells), f"unnamed column in table header: {header}"
