"""Paper for a class: each lesson's worksheet (for the students) and its one-page lesson plan (for the teacher).

The full handout is for reading; a class working through a 50-minute lesson needs far less paper.
The **worksheet** holds the lesson's exercises with their hints and answer lines, the self-check,
and only the tables and figures the exercises use: those the lesson names in its metadata
(``summit_lessons.worksheet_cells``: cell ids, or ``ID:tables`` for a cell's tables without its
figure), else those whose caption an exercise or hint quotes. The **lesson plan** is one page built from the lesson's metadata and instructor notes:
aims, timing, the sequence of sections, the exercises, and the materials to hand out.
"""
from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path
from typing import Any, Iterable

__all__ = ["worksheet_notebook", "needed_cells", "plan_page", "write_plans"]

_QUOTED = re.compile(r"[\"“]([^\"”\n]{6,120})[\"”]")
_CAPTION = re.compile(r"<caption>(.*?)</caption>", re.S)
_TAG = re.compile(r"<[^>]+>")
_H2 = re.compile(r"^##\s+(.+)$", re.M)
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.M)


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _html_of(cell: Any) -> str:
    parts = []
    for out in cell.get("outputs", []):
        text = out.get("data", {}).get("text/html", "")
        parts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(parts)


def _captions(cell: Any) -> list[str]:
    found = [html.unescape(_TAG.sub("", c)).strip() for c in _CAPTION.findall(_html_of(cell))]
    for out in cell.get("outputs", []):
        alt = out.get("metadata", {}).get("image/png", {}).get("alt")
        if alt:
            found.append(alt)
    return found


def needed_cells(nb: Any) -> list[str]:
    """The ids of the output cells the exercises use: named in the lesson's metadata, else quoted."""
    named = nb.metadata.get("summit_lessons", {}).get("worksheet_cells")
    if isinstance(named, list):
        return [str(i) for i in named]
    asked = " ".join(c.source for c in nb.cells if _tags(c) & {"exercise", "hint"})
    quotes = [q.strip().lower() for q in _QUOTED.findall(asked)]
    ids = []
    for cell in nb.cells:
        if cell.cell_type != "code" or _tags(cell) & {"solution", "check", "quiz"}:
            continue
        caps = [c.lower() for c in _captions(cell)]
        if any(c.startswith(q) for q in quotes for c in caps):
            ids.append(cell.get("id"))
    return ids


def worksheet_notebook(student: Any, title: str) -> Any:
    """The worksheet of a lesson, from its student edition as prepared for a handout.

    Its cells: the title, the tables and figures the exercises use, the exercises (statement,
    hint, answer lines) and the self-check; a lesson with neither gets a page that says so.
    """
    import nbformat

    nb = copy.deepcopy(student)
    cells = nb.cells
    check = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"
                  and re.search(r"^##\s+Self-check", c.source, re.M | re.I)), None)
    first = next((i for i, c in enumerate(cells) if "exercise" in _tags(c)), check if check is not None else len(cells))
    end = check if check is not None and check >= first else len(cells)
    wanted = set(needed_cells(student))

    def md(text: str, cid: str) -> Any:
        cell = nbformat.v4.new_markdown_cell(text)
        cell.id = cid
        return cell

    out = [md(f"# {title}\n\nThe exercises and the self-check of this lesson, with the tables and figures they "
              "use. The full handout has the whole lesson.", "worksheet-title")]
    used = []
    for c in cells[:first]:
        if c.get("id") in wanted:
            used.append(c)
        elif f"{c.get('id')}:tables" in wanted:  # the cell's tables without its figure
            c = copy.deepcopy(c)
            c.outputs = [o for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
            for o in c.outputs:
                o["data"] = {"text/html": o["data"]["text/html"]}
            used.append(c)
    if used:
        out.append(md("## What the exercises use", "worksheet-uses"))
        out += used
    exercises = cells[first:end]
    if exercises and not _H2.search(exercises[0].source):
        out.append(md("## Exercises", "worksheet-exercises"))
    out += exercises
    if check is not None and check >= first:
        out.append(cells[check])
        for c in cells[check + 1:]:
            if c.cell_type == "markdown" and _HEADING.search(c.source):
                break
            out.append(c)
    if len(out) == 1 + (2 if used else 0):
        out.append(md("This lesson has no exercises or self-check: the handout is the whole lesson.", "worksheet-none"))
    nb.cells = out
    return nb


# ------------------------------------------------------------------ the one-page lesson plan

def _timing_note(nb: dict[str, Any]) -> str:
    """The instructor note's "Timing: ..." sentence, if the lesson has one."""
    for cell in nb["cells"]:
        if "instructor" in _tags(cell):
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            m = re.search(r"Timing:\s*(.+?\.)(?:\s|$)", text, re.S)
            if m:
                return " ".join(m.group(1).split())
    return ""


def _md_inline(text: Any) -> str:
    import mistune

    if isinstance(text, list):
        text = "; ".join(str(t) for t in text)
    return re.sub(r"^<p>|</p>\s*$", "", mistune.html(text).strip())


def plan_page(path: Path) -> str:
    """The one-page lesson plan of one lesson notebook, as a complete HTML page."""
    from .credits import credits_html, outside_sources
    from .page import handout_css, page_css

    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    meta = nb["metadata"]["summit_lessons"]
    stem = Path(path).stem
    title = f"Lesson plan: {meta['title']}"
    sections, exercises = [], []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown" or _tags(cell) & {"solution", "instructor"}:
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for level, text in re.findall(r"^(#{2,3})\s+(.+)$", source, re.M):
            if "exercise" in _tags(cell) and level == "###":
                exercises.append(text.strip())
            elif level == "##" and text.strip() not in ("Overview", "Exercises", "Sources", "Key points"):
                sections.append(text.strip())
    timing = _timing_note(nb)
    outside = outside_sources(meta.get("sources", []))
    css = handout_css()
    li = lambda items: "".join(f"<li>{_md_inline(i)}</li>" for i in items)  # noqa: E731
    materials = (f'<li><a href="../worksheet/{stem}.html">The worksheet</a>: one per student (exercises, self-check, '
                 f'and the tables they use).</li><li><a href="../student/{stem}.html">The student handout</a>: the whole '
                 f'lesson, to read.</li><li><a href="../teacher/{stem}.html">The teacher edition</a> and '
                 f'<a href="../key/{stem}.html">the key</a>: solutions, self-check answers, likely misreadings.</li>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
{css}
@page {{ margin-left: 14mm; margin-right: 14mm; }}
@media print {{
  .sl-plan {{ font-size: 9pt; line-height: 1.25; }}
  .sl-plan h1 {{ font-size: 15pt; margin: 0 0 0.3em; }}
  .sl-plan h2 {{ font-size: 11pt; margin: 0.7em 0 0.2em; }}
  .sl-plan p, .sl-plan li {{ margin: 0.15em 0; }}
  .sl-plan ul, .sl-plan ol {{ margin: 0.2em 0; padding-left: 1.3em; }}
  .sl-plan .sl-credits {{ font-size: 6.5pt; margin-top: 0.6em; line-height: 1.2; }}
  .sl-plan .sl-credits h2 {{ font-size: 8pt; margin: 0.3em 0 0.1em; }}
  .sl-plan .sl-credits p {{ margin: 0.1em 0; }}
  .sl-plan .sl-credits-outside {{ columns: 3; column-gap: 4mm; margin: 0.1em 0; }}
}}
</style>
<style>
{page_css(title, meta["accurate_as_of"], outside=bool(outside))}
</style>
</head>
<body class="sl-handout sl-plan">
<header class="sl-banner">
<p class="sl-chrome"><a href="../index.html">All lessons: the index of handouts</a></p>
<p><strong>Lesson plan.</strong> For the teacher: one page to plan the lesson with.</p>
</header>
<main>
<h1>{html.escape(title)}</h1>
<p><strong>For:</strong> {html.escape(meta['audience'])}. <strong>Level:</strong> {html.escape(meta['level'])}.
<strong>Before it:</strong> {_md_inline(meta['prerequisites'])}</p>
<h2>Timing</h2>
<p>{meta['teaching_minutes']} minutes teaching, {meta['exercise_minutes']} minutes exercises
({int(meta['teaching_minutes']) + int(meta['exercise_minutes'])} minutes in all).{(' ' + html.escape(timing)) if timing else ''}</p>
<h2>Aims: learners will be able to</h2>
<ul>{li(meta['objectives'])}</ul>
<h2>Sequence</h2>
<ol>{li(sections)}</ol>
<h2>Exercises and self-check</h2>
<ol>{li(exercises)}</ol>
<p>Then the self-check questions on the worksheet; the key has the answers, each with its reason.</p>
<h2>Materials</h2>
<ul>{materials}</ul>
</main>
{credits_html(meta["accurate_as_of"], outside=outside)}
</body>
</html>
"""


def write_plans(folder: Path, notebooks: Iterable[Path]) -> list[Path]:
    """Write ``folder/NN_name.html``, the lesson plan of every lesson."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for p in notebooks:
        target = folder / f"{Path(p).stem}.html"
        target.write_text(plan_page(Path(p)), encoding="utf-8")
        written.append(target)
    return written
