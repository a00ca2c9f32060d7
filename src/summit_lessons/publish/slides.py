"""Slides from the lesson notebooks: the slide metadata annotator and the offline reveal.js decks.

**Annotator.** Every cell's ``metadata.slideshow.slide_type`` (the standard Jupyter key that
JupyterLab's property inspector, RISE and nbconvert all read) is derived from the cell's tags and
headings by :func:`slide_type`, with a small table of per-cell-id exceptions (:data:`OVERRIDES`).
Because other people edit the lesson text, the metadata is never written by hand: after a merge,
run ``python -m summit_lessons.publish.slides annotate notebooks/*.ipynb``. It is idempotent and changes
nothing but ``metadata.slideshow``.

The rules, in order (one idea per slide; an exercise on its own slide):

- ``instructor`` and ``solution`` cells are speaker **notes**: the teacher edition keeps them as
  speaker notes, the student edition has no such cell (:func:`summit_lessons.publish.editions.make_edition`);
- ``quiz`` cells are **skipped** (each student does the self-check in the notebook); a deck shows the
  questions in their place, one slide each, without answers (the teacher deck's notes have them);
- an ``exercise`` starts a **slide**; its ``hint`` and ``check`` cells stay on it (``-``);
- a markdown cell opening with ``#`` or ``##`` starts a **slide**, one with ``###`` a **subslide**,
  any other markdown cell (a labelled Fact, Analysis, …) a subslide of its own;
- a code cell with no output, or a set-up cell of imports only, is **skipped**;
- a widget (tag ``widget``) gets a subslide of its own; any other output joins a short lead-in
  paragraph just above it (``-``), else gets its own subslide.

**Decks** (:func:`write_decks`) are built by nbconvert's slides exporter with the
``summit_slides`` template, from the edition notebooks (so a student deck has what the student
edition has), reveal.js copied from the npm tarball pinned in ``templates/summit_slides/reveal-lock.json``.
Each deck is one self-contained file (the handouts' decks), or, with ``shared=True`` (the JupyterLite
site's decks), reads reveal.js and the styles from one ``assets/`` folder beside the decks.
"""
from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

from .cells import source as _source
from .cells import tags as _tags

__all__ = ["SLIDE_TYPES", "OVERRIDES", "slide_type", "annotate_notebook", "annotate", "slide_counts",
           "deck_notebook", "self_check_cells", "export_deck", "write_decks", "write_assets", "ASSETS",
           "DeckError", "main"]

#: The values Jupyter's slideshow metadata allows.
SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
#: Cells whose slide type the rules get wrong, by cell id (a reason beside each).
OVERRIDES: dict[str, str] = {
    "00-05": "skip",  # the lesson map: a long table of objectives; the handouts' index page has it
    "chk-04-labels": "subslide",  # exercise 1 of lesson 04 is long: its answer box gets a slide of its own
}
#: A paragraph at most this long stays on one slide with the table or figure under it.
LEAD_IN_CHARS = 350
_HEADING = re.compile(r"^\s*(#{1,6})\s")
_IMPORT = re.compile(r"^\s*(from\s+\S+\s+import\s|import\s)")


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


# ---------------------------------------------------------------------------- offline decks

#: A markdown block longer than this is cut into slides of its own in a deck (26 px text on 1280 × 720).
DECK_CHARS = 650
_LABELS = {"student": "Student edition", "teacher": "Teacher edition"}


class DeckError(RuntimeError):
    """reveal.js cannot be had, or a deck cannot be written; the message is one line."""


def _template_dir() -> Path:
    from ..locations import package_dir

    return package_dir() / "templates" / "summit_slides"


def reveal_files(cache: Path | None = None, log: list[str] | None = None) -> dict[str, str]:
    """reveal.js's files (text), from the npm tarball pinned in ``reveal-lock.json``, sha256-checked."""
    import hashlib
    import json
    import tarfile

    from ..locations import cache_dir

    lock = json.loads((_template_dir() / "reveal-lock.json").read_text(encoding="utf-8"))["reveal"]
    folder = Path(cache) if cache is not None else cache_dir() / "npm"
    folder.mkdir(parents=True, exist_ok=True)
    from .pins import SiteError, _fetch_npm

    try:
        tgz = _fetch_npm(lock, folder, "reveal-lock.json", log if log is not None else [])
    except SiteError as exc:
        raise DeckError(f"{exc} (the slide decks need reveal.js; run once with a connection to the npm registry)") from None
    got = hashlib.sha256(tgz.read_bytes()).hexdigest()
    if got != lock["sha256"]:  # _fetch_npm checked it too; a second look costs nothing
        raise DeckError(f"{tgz}: sha256 {got} does not match reveal-lock.json")
    out = {}
    with tarfile.open(tgz, "r:gz") as tar:
        for key, member in lock["files"].items():
            fh = tar.extractfile(member)
            if fh is None:
                raise DeckError(f"{tgz}: has no {member}")
            out[key] = fh.read().decode("utf-8")
    out["version"] = lock["npm"]
    return out


_HTML_BLOCK = r"(?:div|details|section|aside|table|ul|ol|p|span|summary)"
_HEADING_ONLY = re.compile(r"\A\s*#{1,6} [^\n]*\Z")


def _open_html(text: str) -> int:
    """How many raw HTML elements ``text`` opens and leaves open."""
    return (len(re.findall(rf"<{_HTML_BLOCK}\b", text, re.I))
            - len(re.findall(rf"</{_HTML_BLOCK}\s*>", text, re.I)))


def _split_markdown(source: str, limit: int = DECK_CHARS) -> list[str]:
    """A long markdown cell cut at paragraph (then list item) boundaries into slide-sized pieces."""
    if len(source) <= limit:
        return [source]
    raw: list[str] = []
    for block in re.split(r"\n\s*\n", source):
        # A raw HTML element (a print-only hint, a fold) spans blank lines: never cut inside it,
        # or its closing tag would close the deck's own slides.
        if raw and _open_html(raw[-1]) > 0:
            raw[-1] = f"{raw[-1]}\n\n{block}"
        # A heading alone would make a slide with nothing under it: it goes with what follows.
        elif raw and _HEADING_ONLY.match(raw[-1]):
            raw[-1] = f"{raw[-1]}\n\n{block}"
        else:
            raw.append(block)
    blocks: list[str] = []
    for block in raw:
        if len(block) > limit and re.search(r"^[-*] ", block, re.M) and _open_html(block) == 0:
            items = re.split(r"\n(?=[-*] )", block)
            blocks.extend(items)
        else:
            blocks.append(block)
    pieces, current = [], ""
    for block in blocks:
        if current and len(current) + len(block) + 2 > limit:
            pieces.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}" if current else block
    if current:
        pieces.append(current)
    return pieces


def deck_notebook(nb: Any, edition: str) -> Any:
    """The notebook a deck is exported from: the edition's cells (via the handouts' preparation:
    widget snapshots, alt text, no answers for students), code hidden, long text cut into slides."""
    import nbformat

    from .editions import unfold
    from .render import edition_notebook

    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        # A cell the annotator has not seen gets the rules' type; a teacher-only cell is always a note.
        show = cell.metadata.get("slideshow")
        if not isinstance(show, dict) or "slide_type" not in show:
            cell.metadata["slideshow"] = {"slide_type": slide_type(nb.cells, i)}
        if {"solution", "instructor"} & _tags(cell):
            cell.metadata["slideshow"] = {**cell.metadata["slideshow"], "slide_type": "notes"}
    prepared = edition_notebook(nb, edition, show_code=False)
    slug = nb.metadata.get("summit_lessons", {}).get("slug", "")
    cells = []
    for cell in prepared.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if "quiz" in _tags(cell):  # the widget is skipped: the questions, as text, take its place
            cells.extend(self_check_cells(_quiz_slug(cell, slug), edition))
            continue
        if cell.cell_type == "code":
            cell.metadata.setdefault("transient", {})["remove_source"] = True
            for out in cell.get("outputs", []):  # on a projected slide, answers stay folded until opened
                html = out.get("data", {}).get("text/html")
                if isinstance(html, str):
                    out["data"]["text/html"] = html.replace('<details class="sl-answer" open>', '<details class="sl-answer">')
            if not cell.outputs and kind != "skip":
                continue
        if kind == "notes":
            if cell.cell_type == "markdown":
                cell.source = unfold(cell.source)
                # The page's box label took the cell's bold lead; the speaker view has no box.
                label = (cell.metadata.get("sl_box") or {}).get("label", "").replace(" (teacher edition only)", "")
                cell.source = _notes_markdown(cell.source, label)
            cells.append(cell)
            continue
        if cell.cell_type == "markdown" and kind not in ("skip", None):
            pieces = _split_markdown(cell.source)
            heading = _HEADING.match(cell.source)
            if heading:  # a continued slide keeps its section's heading, marked as continued
                title = cell.source.splitlines()[0].rstrip()
                pieces = pieces[:1] + [f"{title} (continued)\n\n{piece}" for piece in pieces[1:]]
            for n, piece in enumerate(pieces):
                new = nbformat.v4.new_markdown_cell(piece)
                new.id = cell.id if n == 0 else f"{cell.id}-{n}"[:64]
                new.metadata = {**cell.metadata, "slideshow": {"slide_type": kind if n == 0 else "subslide"}}
                cells.append(new)
            continue
        cells.append(cell)
    prepared.cells = cells
    return prepared


_QUIZ_CALL = re.compile(r"""lesson_quiz\(\s*["']([\w-]+)["']""")
_NOTE_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


def _quiz_slug(cell: Any, default: str) -> str:
    m = _QUIZ_CALL.search(_source(cell))
    return m.group(1) if m else default


def _notes_markdown(source: str, label: str = "") -> str:
    """A notes cell as the speaker view shows it: its headings as bold lines (a notes pane has no
    outline), its box label as a bold lead, joined to a heading that opens the cell."""
    source = source.strip()
    first = _NOTE_HEADING.match(source)
    if label and first and first.start() == 0:
        source = f"**{label}: {first.group(1)}**" + source[first.end():]
    elif label:
        source = f"**{label}.** {source}"
    return _NOTE_HEADING.sub(lambda m: f"**{m.group(1)}**", source)


def self_check_cells(slug: str, edition: str) -> list[Any]:
    """The self-check in a deck: one slide per question with its lettered choices, never its answer;
    in the teacher deck each question's answer and reason go into the speaker notes under it."""
    import html

    import nbformat

    from ..grading import questions

    try:
        found = questions(slug)
    except FileNotFoundError:
        return []
    letters = "ABCDEFGH"
    cells = []
    for n, q in enumerate(found, 1):
        choices = "".join(f"<li>{html.escape(c)}</li>" for c in q["choices"])
        cell = nbformat.v4.new_markdown_cell(
            f"### Self-check: question {n} of {len(found)}\n\n<p>{html.escape(q['question'])}</p>\n"
            f'<ol type="A" class="sl-deck-choices">{choices}</ol>')
        cell.id = f"self-check-{n}"
        cell.metadata = {"slideshow": {"slide_type": "subslide"}}
        cells.append(cell)
        if edition == "teacher":
            right = q["answer"]
            choice = q["choices"][right].strip()
            choice += "" if choice[-1:] in ".?!" else "."
            note = nbformat.v4.new_markdown_cell(f"**Answer: {letters[right]}.** {choice} {q['explanations'][right]}")
            note.id = f"self-check-{n}-answer"
            note.metadata = {"slideshow": {"slide_type": "notes"}}
            cells.append(note)
    return cells


def _exporter() -> Any:
    from . import execute  # noqa: F401  # first: it spares nbformat a slow import (see execute.py)
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(template_name="summit_slides", extra_template_basedirs=[str(_template_dir().parent)])
    exporter.exclude_anchor_links = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def export_deck(nb: Any, edition: str, reveal: dict[str, str], exporter: Any | None = None,
                assets: str | None = None) -> str:
    """One lesson's deck (a complete HTML page) in the ``edition``: self-contained, or, when ``assets``
    is a relative URL, reading :data:`ASSETS` from that folder (written by :func:`write_assets`)."""
    meta = nb.metadata.get("summit_lessons", {})
    prepared = deck_notebook(nb, edition)
    prepared.metadata.pop("widgets", None)
    sl = {"title": meta.get("title", "Lesson"), "edition": edition, "edition_label": _LABELS[edition],
          "notes": edition == "teacher", "assets": assets,
          "reveal_js": reveal["reveal_js"], "reveal_css": reveal["reveal_css"], "notes_js": reveal["notes_js"],
          "theme_css": "", **_deck_files()}
    exporter = exporter or _exporter()
    body, _ = exporter.from_notebook_node(prepared, resources={"sl": sl})
    # reveal.js's own source names its licence; a link to another lesson leads to that lesson's deck.
    return re.sub(r'href="(\d\d_[\w-]+)\.ipynb(#[^"]*)?"', lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)


def _deck_files() -> dict[str, str]:
    """The decks' own style and script (``deck.css``, ``deck.js`` of the ``summit_slides`` template)."""
    folder = _template_dir()
    return {"deck_css": (folder / "deck.css").read_text(encoding="utf-8"),
            "deck_js": (folder / "deck.js").read_text(encoding="utf-8")}


#: The files a deck with shared assets reads from its ``assets/`` folder (notes.js: teacher decks only).
ASSETS = ("reveal.css", "lab.css", "deck.css", "reveal.js", "notes.js", "deck.js", "LICENSE-reveal.js.txt")


def write_assets(folder: Path, edition: str, reveal: dict[str, str], exporter: Any) -> list[Path]:
    """The files of :data:`ASSETS` in ``folder``, the same bytes an inlined deck holds; no notes
    plugin for a student edition (its decks have no notes)."""
    env = exporter.environment  # JupyterLab's styles, as nbconvert's include_css reads them
    lab = "".join(env.loader.get_source(env, name)[0] for name in ("static/index.css", "static/theme-light.css"))
    own = _deck_files()
    texts = {"reveal.css": reveal["reveal_css"], "lab.css": lab, "deck.css": own["deck_css"],
             "reveal.js": reveal["reveal_js"], "notes.js": reveal["notes_js"], "deck.js": own["deck_js"],
             "LICENSE-reveal.js.txt": reveal["license"]}
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ASSETS:
        if name == "notes.js" and edition != "teacher":
            continue
        (folder / name).write_text(texts[name], encoding="utf-8")
        written.append(folder / name)
    return written


def write_decks(folder: Path, notebooks: Iterable[Path], editions: Iterable[str], *,
                cache: Path | None = None, shared: bool = False, log: list[str] | None = None) -> list[Path]:
    """Write ``folder/<edition>/NN_name.html`` for every lesson and edition; the files written.

    With ``shared``, the decks of an edition read reveal.js and the styles from
    ``folder/<edition>/assets/`` (written too), one copy instead of one per deck.
    The notebooks are read as committed (executed; strict nbval keeps their outputs current), as
    the teacher's key does: nothing is executed here. ``log`` gets the names of files downloaded.
    """
    import nbformat

    reveal = reveal_files(cache, log)
    exporter = _exporter()
    written = []
    notebooks = list(notebooks)
    for edition in editions:
        (folder / edition).mkdir(parents=True, exist_ok=True)
        if shared:
            written += write_assets(folder / edition / "assets", edition, reveal, exporter)
        for path in notebooks:
            nb = nbformat.read(path, as_version=4)
            target = folder / edition / f"{Path(path).stem}.html"
            target.write_text(export_deck(nb, edition, reveal, exporter, "assets" if shared else None),
                              encoding="utf-8")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m summit_lessons.publish.slides", description=__doc__.split("\n\n")[0])
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
