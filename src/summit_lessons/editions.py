"""The one edition function: a lesson notebook in its student or teacher form.

Every output calls :func:`make_edition`: the ``notebooks`` and ``start`` commands, the handouts,
the JupyterLite site and the JupyterHub per-user copy, so what a student sees cannot differ
between them.

- **student**: no ``solution`` or ``instructor`` cells; after every exercise (its statement, hint
  and ``check`` cell) an empty markdown cell tagged ``answer`` for the learner's own answer. Hints
  stay folded (they are ``<details>`` in the lesson); stored outputs stay, so every table, figure and
  widget snapshot shows before anything runs, except the teacher-only block of a snapshot
  (``<details class="sl-answer">``: quiz answers, claim verdicts), which is removed as in the handouts.
- **teacher**: every cell; solution and instructor cells folded until the teacher opens one, also
  after *Run → Run All Cells* (which re-renders every markdown cell and shows every output it
  produces, whatever the collapse state). A markdown solution or note is wrapped in a closed
  ``<details class="sl-fold">`` whose summary names it ("Solution: click to open"). A code solution
  is collapsed (``metadata.jupyter.source_hidden``/``outputs_hidden``: the bar shows its first line,
  ``# Solution``) and marked ``metadata.summit_lessons.fold``; when it runs in JupyterLab,
  :mod:`summit_lessons.fold` shows its output inside a closed fold too.

Slides: cells whose ``metadata.slideshow.slide_type`` is ``notes`` (the instructor notes and
solutions, see :mod:`summit_lessons.slides`) are speaker notes in the teacher edition and absent from
the student edition; the student's answer cells are skipped on slides.

:func:`copy_edition` writes an edition into a folder and never overwrites a notebook the learner
has changed: it remembers what it wrote (``.summit-lessons.json`` in that folder).
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

__all__ = ["EDITIONS", "HIDDEN_TAGS", "ANSWER_TAG", "EXERCISE_PARTS", "make_edition", "unfold", "copy_edition", "CopyReport"]

EDITIONS = ("student", "teacher")
#: Cells of these tags exist only in the teacher edition.
HIDDEN_TAGS = frozenset({"solution", "instructor"})
#: The tag of the empty "Your answer" cell added under every exercise in the student edition.
ANSWER_TAG = "answer"
ANSWER_TEXT = "**Your answer.** *(Double-click here and write your answer.)*"
#: Cells that belong to the exercise above them (the answer cell goes after the last of them).
EXERCISE_PARTS = frozenset({"hint", "check"}) | HIDDEN_TAGS
#: What the fold of a teacher-only cell says in the teacher edition (its ``<summary>``, or a code fold's label).
FOLD_LABELS = {"solution": "Solution: click to open", "instructor": "Instructor note: click to open"}
_FOLD_START = '<details class="sl-fold"><summary>'
_FOLD = re.compile(r'\A<details class="sl-fold"><summary>[^<]*</summary>\n\n(.*)\n\n</details>\Z', re.S)
MANIFEST = ".summit-lessons.json"
RISE_CSS = "rise.css"
#: The part of a widget's stored snapshot that only the teacher sees (quiz answers, claim verdicts).
TEACHER_ONLY_HTML = re.compile(r'<details class="sl-answer">.*?</details>', re.S)


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _answer_cell(exercise_id: str) -> Any:
    import nbformat

    cell = nbformat.v4.new_markdown_cell(ANSWER_TEXT)
    # A fixed id per exercise, so two builds of an edition give the same bytes.
    cell.id = f"answer-{exercise_id}"[:64]
    cell.metadata["tags"] = [ANSWER_TAG]
    cell.metadata["slideshow"] = {"slide_type": "skip"}  # the learner writes in the notebook, not on a slide
    return cell


def _slide_type(cell: Any) -> str | None:
    show = cell.get("metadata", {}).get("slideshow")
    return show.get("slide_type") if isinstance(show, dict) else None


def make_edition(nb: Any, edition: str) -> Any:
    """A copy of ``nb`` (an nbformat notebook) in the ``student`` or ``teacher`` edition."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}: use student or teacher")
    nb = copy.deepcopy(nb)
    nb.metadata.setdefault("summit_lessons", {})["edition"] = edition
    cells: list[Any] = []
    pending: str | None = None  # the id of an exercise still waiting for its answer cell

    def close_exercise() -> None:
        nonlocal pending
        if pending is not None and edition == "student":
            cells.append(_answer_cell(pending))
        pending = None

    for cell in nb.cells:
        tags = _tags(cell)
        if "exercise" in tags:
            close_exercise()
            pending = cell.get("id") or f"{len(cells)}"
            cells.append(cell)
            continue
        if pending is not None and not tags & EXERCISE_PARTS:
            close_exercise()  # the exercise's statement, hint, check and solutions are over
        if tags & HIDDEN_TAGS or _slide_type(cell) == "notes":
            if edition == "student":
                continue  # solutions, instructor notes and speaker notes are the teacher's
        if tags & HIDDEN_TAGS:
            _fold(cell, "solution" if "solution" in tags else "instructor")
        if edition == "student" and cell.cell_type == "code":
            _drop_teacher_only_html(cell)
        cells.append(cell)
    close_exercise()
    nb.cells = cells
    return nb


def _drop_teacher_only_html(cell: Any) -> None:
    """A stored widget snapshot keeps quiz answers in a teacher-only block: not in a student's copy."""
    for out in cell.get("outputs", []):
        html = out.get("data", {}).get("text/html")
        if isinstance(html, list):
            html = "".join(html)
        if html and "sl-answer" in html:
            out["data"]["text/html"] = TEACHER_ONLY_HTML.sub("", html)


def _fold(cell: Any, kind: str) -> None:
    """Fold a teacher-only cell in JupyterLab behind a label that names it, not the answer."""
    if cell.cell_type == "code":
        hidden = cell.metadata.setdefault("jupyter", {})
        hidden["source_hidden"] = True
        hidden["outputs_hidden"] = True
        cell.metadata.setdefault("summit_lessons", {})["fold"] = FOLD_LABELS[kind]
    elif cell.cell_type == "markdown" and not cell.source.startswith(_FOLD_START):
        cell.source = f"{_FOLD_START}{FOLD_LABELS[kind]}</summary>\n\n{cell.source}\n\n</details>"


def unfold(source: str) -> str:
    """A teacher-edition markdown cell without its fold (on paper nothing is folded)."""
    m = _FOLD.match(source)
    return m.group(1) if m else source


@dataclass
class CopyReport:
    """What :func:`copy_edition` did, file by file."""

    dest: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed by the learner: left alone


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _edition_bytes(path: Path, edition: str) -> bytes:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return (nbformat.writes(make_edition(nb, edition)) + "\n").encode("utf-8")


def copy_edition(dest: str | os.PathLike[str], edition: str = "student", *,
                 notebooks: Iterable[str | os.PathLike[str]] | None = None) -> CopyReport:
    """Write the ``edition`` of every lesson notebook into ``dest``.

    A notebook already in ``dest`` is replaced only if it is still exactly what this function
    wrote last time (so an update reaches an untouched copy); a notebook the learner has
    changed is kept as it is and listed in :attr:`CopyReport.kept`.
    """
    from .lessons import notebook_paths

    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}: use student or teacher")
    dest = Path(dest)
    paths = [Path(p) for p in notebooks] if notebooks is not None else notebook_paths()
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    written: dict[str, str] = dict(manifest.get("files", {}))
    report = CopyReport(dest=dest)
    for src in paths:
        payload = _edition_bytes(src, edition)
        target = dest / src.name
        if target.exists():
            current = _digest(target.read_bytes())
            if current == _digest(payload):
                report.unchanged.append(src.name)
                written[src.name] = current
                continue
            if written.get(src.name) != current:
                report.kept.append(src.name)
                continue
        tmp = target.with_name(f".{target.name}.partial")
        tmp.write_bytes(payload)
        os.replace(tmp, target)
        written[src.name] = _digest(payload)
        report.written.append(src.name)
    rise_css = dest / RISE_CSS
    if not rise_css.exists():  # the live slides' style: jupyterlab-rise reads rise.css beside the notebook
        rise_css.write_bytes((Path(__file__).parent / "notebooks" / RISE_CSS).read_bytes())
    tmp = manifest_path.with_name(manifest_path.name + ".partial")
    tmp.write_text(json.dumps({"edition": edition, "files": written}, indent=1, sort_keys=True) + "\n",
                   encoding="utf-8")
    os.replace(tmp, manifest_path)
    return report
