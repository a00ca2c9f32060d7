"""The one edition function: a lesson notebook in its student or teacher form.

Every output calls :func:`make_edition`: the ``notebooks`` and ``start`` commands, the handouts,
the JupyterLite site and the JupyterHub per-user copy, so what a student sees cannot differ
between them.

- **student**: no ``solution`` or ``instructor`` cells; after every exercise (its statement, hint
  and ``check`` cell) a prompt cell tagged ``answer-prompt`` ("Your answer. Write it in the empty
  cell below …") and an empty markdown cell tagged ``answer`` for the learner's own answer. The
  answer cell is empty so that nothing of ours is left in it once the learner writes: JupyterLab
  shows an empty markdown cell with its own grey placeholder, which the first keystroke replaces. Hints
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
solutions, see :mod:`summit_lessons.publish.slides`) are speaker notes in the teacher edition and absent from
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

from .cells import tags as _tags

__all__ = ["EDITIONS", "HIDDEN_TAGS", "ANSWER_TAG", "ANSWER_PROMPT_TAG", "EXERCISE_PARTS", "make_edition", "unfold",
           "copy_edition", "CopyReport"]

EDITIONS = ("student", "teacher")
#: Cells of these tags exist only in the teacher edition.
HIDDEN_TAGS = frozenset({"solution", "instructor"})
#: The tag of the empty answer cell added under every exercise in the student edition.
ANSWER_TAG = "answer"
#: Its source: empty, so the learner's first edit leaves nothing of ours behind.
ANSWER_TEXT = ""
#: The tag and text of the cell above it that says what the empty cell is for.
ANSWER_PROMPT_TAG = "answer-prompt"
ANSWER_PROMPT = ("**Your answer.** Write it in the empty cell below: double-click the cell (or select it and press "
                 "Enter), type, then press Shift+Enter.")
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


def _answer_cells(exercise_id: str) -> list[Any]:
    """The prompt and the empty answer cell that follow an exercise in the student edition."""
    import nbformat

    prompt = nbformat.v4.new_markdown_cell(ANSWER_PROMPT)
    cell = nbformat.v4.new_markdown_cell(ANSWER_TEXT)
    # Fixed ids per exercise, so two builds of an edition give the same bytes.
    prompt.id = f"answer-prompt-{exercise_id}"[:64]
    cell.id = f"answer-{exercise_id}"[:64]
    prompt.metadata["tags"] = [ANSWER_PROMPT_TAG]
    cell.metadata["tags"] = [ANSWER_TAG]
    for c in (prompt, cell):  # the learner writes in the notebook, not on a slide
        c.metadata["slideshow"] = {"slide_type": "skip"}
    return [prompt, cell]


def _slide_type(cell: Any) -> str | None:
    show = cell.get("metadata", {}).get("slideshow")
    return show.get("slide_type") if isinstance(show, dict) else None


def make_edition(nb: Any, edition: str) -> Any:
    """A copy of ``nb`` (an nbformat notebook) in the ``student`` or ``teacher`` edition."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}: use student or teacher")
    nb = copy.deepcopy(nb)
    if nb.metadata.get("summit_lessons", {}).get("edition") == edition:
        return nb  # already this edition: a second pass would add every answer cell twice
    nb.metadata.setdefault("summit_lessons", {})["edition"] = edition
    cells: list[Any] = []
    pending: str | None = None  # the id of an exercise still waiting for its answer cell

    def close_exercise() -> None:
        nonlocal pending
        if pending is not None and edition == "student":
            cells.extend(_answer_cells(pending))
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
    blocked: list[str] = field(default_factory=list)  # a folder (or other non-file) of that name is in the way


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _edition_bytes(path: Path, edition: str) -> bytes:
    raw = path.read_bytes()
    # A notebook already in ``edition`` (the student wheel's, which make_edition wrote) is copied as
    # it is: reading it through nbformat validates it against the schema, half a CPU-second for
    # the six lessons at every hub server start, to produce the same bytes.
    try:
        meta = json.loads(raw).get("metadata", {}).get("summit_lessons", {})
    except (ValueError, AttributeError):
        meta = {}
    if isinstance(meta, dict) and meta.get("edition") == edition:
        return raw
    import nbformat

    nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    return (nbformat.writes(make_edition(nb, edition)) + "\n").encode("utf-8")


def _read_manifest(path: Path) -> dict[str, str]:
    """The digests recorded by the last copy; a corrupt or foreign manifest counts as none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            data = json.loads(f.read(1_000_000).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def _read_regular(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (never through a symlink), else None."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError:  # a symlink (ELOOP) or something unreadable: the learner's, not ours
        return b""
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return b""
        return f.read()


def _write_new(target: Path, payload: bytes) -> None:
    """Write ``payload`` to ``target`` through a fresh, exclusively created temporary file.

    The temporary name is random and opened with O_EXCL|O_NOFOLLOW, so a link planted in the
    folder is never written through; the rename replaces a link at ``target`` itself, never
    its target.
    """
    import secrets

    tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def copy_edition(dest: str | os.PathLike[str], edition: str = "student", *,
                 notebooks: Iterable[str | os.PathLike[str]] | None = None) -> CopyReport:
    """Write the ``edition`` of every lesson notebook into ``dest``.

    A notebook already in ``dest`` is replaced only if it is still exactly what this function
    wrote last time (so an update reaches an untouched copy); a notebook the learner has
    changed (or replaced with a link or a folder) is kept as it is and listed in
    :attr:`CopyReport.kept`. A corrupt manifest counts as none: nothing is overwritten then.
    """
    from ..lessons import notebook_paths

    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}: use student or teacher")
    dest = Path(dest)
    paths = [Path(p) for p in notebooks] if notebooks is not None else notebook_paths()
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST
    written = _read_manifest(manifest_path)
    report = CopyReport(dest=dest)
    for src in paths:
        payload = _edition_bytes(src, edition)
        target = dest / src.name
        if target.is_symlink() or (target.exists() and not target.is_file()):
            report.blocked.append(src.name)  # never written through a link, nor over a folder
            continue
        existing = _read_regular(target)  # never read through a link planted after the check above
        if existing is not None:
            current = _digest(existing)
            if current == _digest(payload):
                report.unchanged.append(src.name)
                written[src.name] = current
                continue
            if written.get(src.name) != current:
                report.kept.append(src.name)
                continue
        _write_new(target, payload)
        written[src.name] = _digest(payload)
        report.written.append(src.name)
    rise_css = dest / RISE_CSS
    if not rise_css.exists() and not rise_css.is_symlink():  # the live slides' style: jupyterlab-rise reads rise.css beside the notebook
        _write_new(rise_css, (Path(__file__).resolve().parents[1] / "notebooks" / RISE_CSS).read_bytes())
    _write_new(manifest_path, (json.dumps({"edition": edition, "files": written}, indent=1, sort_keys=True)
                               + "\n").encode("utf-8"))
    return report

