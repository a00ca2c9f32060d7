"""Slides from the lesson notebooks: the slide metadata annotator and the offline reveal.js decks.

**Annotator.** Every cell's ``metadata.slideshow.slide_type`` (the standard Jupyter key that
JupyterLab's property inspector, RISE and nbconvert all read) is derived from the cell's tags and
headings by :func:`slide_type`, with a small table of per-cell-id exceptions (:data:`OVERRIDES`).
Because other people edit the lesson text, the metadata is never written by hand: after a merge,
run ``python -m summit_lessons.slides annotate notebooks/*.ipynb``. It is idempotent and changes
nothing but ``metadata.slideshow``.

The rules, in order (one idea per slide; an exercise on its own slide):

- ``instructor`` and ``solution`` cells are speaker **notes**: the teacher edition keeps them as
  speaker notes, the student edition has no such cell (:func:`summit_lessons.editions.make_edition`);
- ``quiz`` cells are **skipped** (each student does the self-check in the notebook);
- an ``exercise`` starts a **slide**; its ``hint`` and ``check`` cells stay on it (``-``);
- a markdown cell opening with ``#`` or ``##`` starts a **slide**, one with ``###`` a **subslide**,
  any other markdown cell (a labelled Fact, Analysis, …) a subslide of its own;
- a code cell with no output, or a set-up cell of imports only, is **skipped**;
- a widget (tag ``widget``) gets a subslide of its own; any other output joins a short lead-in
  paragraph just above it (``-``), else gets its own subslide.

**Decks** (:func:`write_decks`) are built by nbconvert's slides exporter with the
``summit_slides`` template, from the edition notebooks (so a student deck has what the student
edition has), reveal.js copied from the npm tarball pinned in ``deploy/slides/reveal-lock.json``.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = ["SLIDE_TYPES", "OVERRIDES", "slide_type", "annotate_notebook", "annotate", "main"]

#: The values Jupyter's slideshow metadata allows.
SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
#: Cells whose slide type the rules get wrong, by cell id (a reason beside each).
OVERRIDES: dict[str, str] = {}
#: A paragraph at most this long stays on one slide with the table or figure under it.
LEAD_IN_CHARS = 350
_HEADING = re.compile(r"^\s*(#{1,6})\s")
_IMPORT = re.compile(r"^\s*(from\s+\S+\s+import\s|import\s)")


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _setup_only(source: str) -> bool:
    lines = [ln for ln in source.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(lines) and all(_IMPORT.match(ln) for ln in lines)


def slide_type(cells: Sequence[Any], index: int) -> str:
    """The slide type of ``cells[index]`` by the rules above (the override table comes first)."""
    cell = cells[index]
    if cell.get("id") in OVERRIDES:
        return OVERRIDES[cell["id"]]
    tags = _tags(cell)
    source = _source(cell)
    if tags & {"instructor", "solution"}:
        return "notes"
    if tags & {"quiz", "answer"}:
        return "skip"
    if "exercise" in tags:
        return "slide"
    if tags & {"hint", "check"}:
        return "-"
    if cell.get("cell_type") == "markdown":
        m = _HEADING.match(source)
        if m:
            return "slide" if len(m.group(1)) <= 2 else "subslide"
        return "subslide"
    if cell.get("cell_type") != "code":
        return "skip"
    if not cell.get("outputs") or _setup_only(source):
        return "skip"
    if "widget" in tags:
        return "subslide"
    prev = cells[index - 1] if index else None
    if (prev is not None and prev.get("cell_type") == "markdown" and not _tags(prev)
            and not _HEADING.match(_source(prev)) and len(_source(prev)) <= LEAD_IN_CHARS):
        return "-"
    return "subslide"


def annotate_notebook(nb: Any) -> int:
    """Set every cell's ``metadata.slideshow.slide_type`` in place; how many cells changed."""
    changed = 0
    for i, cell in enumerate(nb.cells):
        want = slide_type(nb.cells, i)
        meta = cell.setdefault("metadata", {})
        show = meta.get("slideshow")
        if not isinstance(show, dict) or show.get("slide_type") != want:
            meta["slideshow"] = {**(show if isinstance(show, dict) else {}), "slide_type": want}
            changed += 1
    return changed


def annotate(paths: Iterable[str | Path]) -> dict[str, int]:
    """Annotate each notebook file; rewrite only those that changed. ``{file name: cells changed}``."""
    import os

    import nbformat

    report = {}
    for path in map(Path, paths):
        nb = nbformat.read(path, as_version=4)
        n = annotate_notebook(nb)
        report[path.name] = n
        if n:
            tmp = path.with_name(f".{path.name}.partial")
            tmp.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
            os.replace(tmp, path)
    return report


def slide_counts(nb: Any) -> dict[str, int]:
    """How many slides (``slide`` + ``subslide``) and notes cells a notebook has."""
    kinds = [c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in nb.cells]
    return {"slides": sum(k in ("slide", "subslide") for k in kinds), "notes": kinds.count("notes")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m summit_lessons.slides", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("annotate", help="write every cell's slide type from the rules (idempotent)")
    p.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)
    import nbformat

    for name, n in annotate(args.notebooks).items():
        path = next(Path(p) for p in args.notebooks if Path(p).name == name)
        counts = slide_counts(nbformat.read(path, as_version=4))
        print(f"{name}: {n} cell{'s' if n != 1 else ''} changed; {counts['slides']} slides, {counts['notes']} notes cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
