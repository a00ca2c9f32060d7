"""Paper for a class: each lesson's worksheet (for the students) and its one-page lesson plan (for the teacher).

The full handout is for reading; a class working through a 50-minute lesson needs far less paper.
The **worksheet** holds the lesson's exercises with their hints and answer lines, the self-check,
and only the tables and figures the exercises use: those the lesson names in its metadata
(``summit_lessons.worksheet_cells``: cell ids, or ``ID:tables`` for a cell's tables without its
figure), else those whose caption an exercise or hint quotes. The **lesson plan** (one page, from the
lesson's metadata and instructor note) is built by :mod:`summit_lessons.publish.plans`.
"""
from __future__ import annotations

import copy
import html
import re
from typing import Any

from .cells import tags as _tags

__all__ = ["worksheet_notebook", "needed_cells"]

_QUOTED = re.compile(r"[\"“]([^\"”\n]{6,120})[\"”]")
_CAPTION = re.compile(r"<caption>(.*?)</caption>", re.S)
_TAG = re.compile(r"<[^>]+>")
_H2 = re.compile(r"^##\s+(.+)$", re.M)
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.M)


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
