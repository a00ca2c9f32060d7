"""Build the HTML handouts: a student and a teacher edition of every lesson, and an index.

Each notebook is executed once per build (nbclient, in parallel across the cores) and both
editions are exported from that one execution with nbconvert and the ``summit_handout``
template. Handouts are offline (no script, font or stylesheet from anywhere), keep figure alt
text, and are byte-identical from build to build.

A cache (``.handouts-cache/`` by default) keyed on the notebook's bytes, the data folder, the
package's code and version and the template makes a rebuild with nothing changed copy files
only; a change to one notebook re-executes only that one. The build writes into a temporary
folder and moves it into place at the end, so a failed build leaves the previous handouts.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .locations import data_dir, package_dir

__all__ = ["EDITIONS", "BuildError", "BuildReport", "build", "cache_key", "edition_notebook"]

EDITIONS = ("student", "teacher")
_LABELS = {"student": "Student edition", "teacher": "Teacher edition", "worksheet": "Worksheet"}
#: Further pages of each lesson, beside the editions: the worksheet (with the student edition)
#: and the one-page lesson plan (with the teacher edition); see :mod:`summit_lessons.worksheets`.
FORMS = {"worksheet": "Worksheet", "plan": "Lesson plan"}
_PKG = package_dir()
TEMPLATES = _PKG / "templates"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_ANSWER = re.compile(r'<details class="sl-answer">.*?</details>', re.S)
_NOTEBOOK_LINK = re.compile(r'href="(\d\d_[\w-]+)\.ipynb(#[^"]*)?"')
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


class BuildError(RuntimeError):
    """The build stopped; the message names the notebook (and the cell, when one failed)."""


@dataclass
class BuildReport:
    """What one build did: where, which notebooks ran, which came from the cache, the files."""

    out: Path
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    #: One line each about outputs of an earlier build this one kept or removed (its PDFs).
    notes: list[str] = field(default_factory=list)
    #: Why the PDFs asked for were not printed (the HTML was written all the same), else None.
    pdf_error: str | None = None


# ---------------------------------------------------------------------------- cache keys

def _digest_files(paths: Iterable[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(root)).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _environment_key(data: Path) -> str:
    """What every handout depends on besides its notebook: data, package code, template, version."""
    from . import __version__

    code = [p for p in _PKG.rglob("*") if p.is_file() and p.suffix in (".py", ".json", ".j2", ".css")
            and "notebooks" not in p.parts and "data" not in p.relative_to(_PKG).parts[:1] and "__pycache__" not in p.parts]
    # is_file(): a named pipe in the folder would block read_bytes forever (validate names it)
    data_files = [p for p in data.glob("*") if p.suffix in (".csv", ".json") and p.is_file()]
    return hashlib.sha256("|".join([__version__, _digest_files(code, _PKG), _digest_files(data_files, data)]).encode()).hexdigest()


def cache_key(notebook: Path, env_key: str) -> str:
    """The cache key of one notebook's execution: its bytes plus the environment key."""
    return hashlib.sha256(notebook.read_bytes() + env_key.encode()).hexdigest()[:24]


# ---------------------------------------------------------------------------- editions

def _date_text(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{d} {_MONTHS[m - 1]} {y}"


def edition_notebook(nb: Any, edition: str, show_code: bool) -> Any:
    """A copy of an executed notebook prepared for one edition (the template does the rest).

    The cells are :func:`summit_lessons.editions.make_edition`'s; on top of that, student: quiz
    answers removed, code inputs hidden unless ``show_code``. Teacher: everything, with solution and instructor cells marked for a
    labelled box, and code shown. Widget views give way to their static HTML snapshot.
    """
    from .editions import ANSWER_PROMPT_TAG, ANSWER_TAG, HIDDEN_TAGS, make_edition, unfold

    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}: use student, teacher or both")
    nb = make_edition(nb, edition)  # the same cells as the edition's notebook
    nb.metadata.pop("widgets", None)
    code_visible = show_code or edition == "teacher"
    cells = []
    exercise = None  # the exercise the next answer cell belongs to
    box = None  # the cell whose teacher-only box is open: consecutive cells of one kind share it
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if ANSWER_PROMPT_TAG in tags:
            continue  # on paper the answer space carries its own "Your answer" label
        if "exercise" in tags:
            exercise = cell
        if ANSWER_TAG in tags and cell.cell_type == "markdown":
            if not answer_lines(exercise):
                continue  # the exercise's own table, with tall empty cells on paper, is the answer space
            cell.metadata["sl_answer"] = {"lines": answer_lines(exercise)}
            if exercise is not None:  # the exercise, its hint and this answer space print as one block
                exercise.metadata["sl_group_start"] = True
                cell.metadata["sl_group_end"] = True
        cell.metadata.pop("jupyter", None)  # on paper nothing is collapsed: the box labels it
        if tags & HIDDEN_TAGS:
            if cell.cell_type == "markdown":
                cell.source = unfold(cell.source)  # the labelled box below replaces the notebook's fold
            kind = "solution" if "solution" in tags else "instructor"
            if box is not None and box.metadata["sl_box"]["kind"] == kind:
                box.metadata["sl_box"]["last"] = False  # the same box goes on: one label for the whole answer
                _box_label(cell, kind)  # its own bold lead goes too: the box's label has said it
                cell.metadata["sl_box"] = {"kind": kind, "label": "", "first": False, "last": True}
            else:
                cell.metadata["sl_box"] = {"kind": kind, "label": _box_label(cell, kind), "first": True, "last": True}
            box = cell
        elif not (cell.cell_type == "code" and not code_visible and not cell.outputs):
            box = None
        if cell.cell_type == "markdown" and "hint" in tags:
            cell.source = _hint_for_paper(cell.source)
        elif cell.cell_type == "markdown":
            cell.source = _screen_only_sentences(cell.source)
        if cell.cell_type == "code":
            cell.metadata.setdefault("transient", {})["remove_source"] = not code_visible
            if not code_visible and not cell.outputs:
                continue  # nothing a reader could see
            for out in cell.outputs:
                _prepare_output(out, edition)
        cells.append(cell)
    nb.cells = cells
    return nb


#: Words of a sentence that tells a notebook user what to press or run: shown on screen, never
#: printed (a pencil cannot press it). A sentence about paper ("In a printed handout, ...") stays.
_NOTEBOOK_ONLY = re.compile(r"\bIn\s+the\s+notebook\b|\*\*(?:Check|Try again|Reset all)\*\*|Shift\+Enter|\brun this cell\b")
_PAPER = re.compile(r"^\W*(?:In a printed|On paper)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])(\s+)(?=[*A-Z])")


def _screen_only_sentences(source: str) -> str:
    """The notebook-only sentences of a markdown cell's plain paragraphs marked for screens only."""
    paragraphs = re.split(r"(\n\s*\n)", source)
    for i, para in enumerate(paragraphs):
        if not _NOTEBOOK_ONLY.search(para) or re.match(r"\s*(?:[#|><-]|\d+\.)", para):
            continue  # headings, tables, lists, quotes and HTML keep their own structure
        parts = _SENTENCE_END.split(para)
        for j in range(0, len(parts), 2):
            if _NOTEBOOK_ONLY.search(parts[j]) and not _PAPER.match(parts[j]):
                parts[j] = f'<span class="sl-screen-only">{parts[j]}</span>'
        paragraphs[i] = "".join(parts)
    return "".join(paragraphs)


#: The bold lead a solution or note starts with ("**Solution (one possible answer).**"): the box label says it.
_BOX_LEAD = re.compile(r"^\s*(<!--.*?-->\s*)?\*\*(Solution|Instructor note)\b\s*(?:\(([^)]*)\))?\.?\*\*\s*", re.I)
_BOX_NAMES = {"solution": "Solution", "instructor": "Instructor note"}


def _box_label(cell: Any, kind: str) -> str:
    """The words on a teacher-only box; a markdown cell's own bold lead moves into it (said once)."""
    qualifier = ""
    if cell.cell_type == "markdown":
        m = _BOX_LEAD.match(cell.source)
        if m and m.group(2).lower() == _BOX_NAMES[kind].lower():
            qualifier = f", {m.group(3)}" if m.group(3) else ""
            cell.source = (m.group(1) or "") + cell.source[m.end():]
    return f"{_BOX_NAMES[kind]}{qualifier} (teacher edition only)"


#: Answer lines on a printed worksheet when the exercise does not say (metadata
#: ``summit_lessons.answer_lines``): a closing task asks for a paragraph, an exercise for a few sentences.
DEFAULT_ANSWER_LINES = {"exercise": 6, "closing": 12}


def answer_lines(exercise: Any) -> int:
    """How many ruled lines a printed worksheet leaves under ``exercise`` (an exercise cell)."""
    if exercise is None:
        return DEFAULT_ANSWER_LINES["exercise"]
    given = exercise.metadata.get("summit_lessons", {}).get("answer_lines")
    # 0: the exercise prints its own space to write in (a table with empty cells), so no lines
    if isinstance(given, int) and not isinstance(given, bool) and 0 <= given <= 30:
        return given
    closing = re.search(r"^#+\s*Closing task", exercise.source, re.M | re.I)
    return DEFAULT_ANSWER_LINES["closing" if closing else "exercise"]


_HINT = re.compile(r"^\s*<details>\s*<summary>Hint</summary>(.*)</details>\s*$", re.S)


def _hint_for_paper(source: str) -> str:
    """A hint stays folded on screen; on paper, where nothing unfolds, a printed copy stands in."""
    m = _HINT.match(source)
    if not m:
        return source
    body = m.group(1).strip()
    return (f'<details class="sl-hint"><summary>Hint</summary>\n\n{body}\n\n</details>\n'
            f'<div class="sl-print-only">\n\n**Hint.** {body}\n\n</div>\n')


def _prepare_output(out: Any, edition: str) -> None:
    data = out.get("data")
    if not data:
        return
    if WIDGET_MIME in data and "text/html" in data:
        del data[WIDGET_MIME]  # the live widget cannot run in a handout: show its snapshot
    if edition == "student" and "text/html" in data:
        data["text/html"] = _ANSWER.sub("", data["text/html"])
    elif "text/html" in data:  # the teacher reads the answers without unfolding them, on screen and on paper
        data["text/html"] = data["text/html"].replace('<details class="sl-answer">', '<details class="sl-answer" open>')
        if "sl-check-snapshot" in data["text/html"]:
            data["text/html"] = _teacher_check(data["text/html"])
    for mime in ("image/png", "image/jpeg", "image/svg+xml"):
        if mime in data:
            alt = out.get("metadata", {}).get(mime, {}).get("alt", "")
            out.setdefault("metadata", {})["sl_alt"] = alt or "Figure: the text beside it gives its numbers."


_CHECK_BLANK = re.compile(r"<p>Your answer: .*?</p>", re.S)
_LIVE_NOTE = re.compile(r'<p class="sl-live-note">.*?</p>', re.S)


def _teacher_check(snapshot: str) -> str:
    """An answer check as the teacher needs it: what the student's notebook asks, without the
    student's instructions and blank line (the solution follows it)."""
    text = _LIVE_NOTE.sub("", _CHECK_BLANK.sub("", snapshot))
    return text.replace("<strong>Check your answer.</strong>", "<strong>The notebook's answer check asks:</strong>")


def _contrast(a: str, b: str) -> float:
    def lum(hex_colour: str) -> float:
        rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _darken(colour: str, background: str = "#f4f4f4", target: float = 4.6) -> str:
    """The colour, darkened in small steps until its text reaches WCAG AA contrast on the background."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    while _contrast("#%02x%02x%02x" % tuple(rgb), background) < target and any(rgb):
        rgb = [max(0, int(c * 0.92)) for c in rgb]
    return "#%02x%02x%02x" % tuple(rgb)


def _code_css() -> str:
    """Syntax colours for code cells, each at 4.5:1 or more on the code background (#f4f4f4)."""
    from pygments.formatters import HtmlFormatter

    css = HtmlFormatter(style="sas").get_style_defs(".highlight")
    def fix(m: re.Match[str]) -> str:
        c = m.group(1)
        full = "#" + "".join(ch * 2 for ch in c[1:]) if len(c) == 4 else c  # pygments writes #080 for #008800
        return f"color: {_darken(full)}"

    return re.sub(r"color: (#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b)", fix, css)


def _exporter() -> Any:
    from . import execute  # noqa: F401  # first: it spares nbformat a 2 s import (see execute.py)
    from nbconvert import HTMLExporter
    from nbconvert.exporters.html import WidgetsDataTypeFilter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML

    class HandoutExporter(HTMLExporter):
        """HTMLExporter without its closing BeautifulSoup pass (half of each export's time).

        That pass writes a generic alt text where one is missing and adds tabindex to lab's
        cell wrappers; the handout template writes every alt text itself and has no such wrappers.
        """

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            lang = nb.metadata.get("language_info", {})
            lexer = lang.get("pygments_lexer", lang.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = HandoutExporter(template_name="summit_handout", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_anchor_links = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = False
    return exporter


def export(nb: Any, edition: str, show_code: bool, exporter: Any | None = None) -> str:
    """One edition of one executed notebook as a complete HTML page."""
    from .credits import credits_html, outside_sources
    from .lessons import REQUIRED_KEYS

    meta = nb.metadata.get("summit_lessons", {})
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise BuildError(f"notebook metadata lacks {', '.join(missing)}")
    form = edition
    if form == "worksheet":  # the student edition, cut down to what a class works on
        from .worksheets import worksheet_notebook

        edition = "student"
        prepared = worksheet_notebook(edition_notebook(nb, edition, False), meta["title"])
    else:
        prepared = edition_notebook(nb, edition, show_code)
    outside = outside_sources(meta.get("sources", []))
    sl = {
        "title": meta["title"], "edition": edition, "edition_label": _LABELS[form], "form": form,
        "accurate_as_of": meta["accurate_as_of"], "accurate_as_of_text": _date_text(meta["accurate_as_of"]),
        "teaching_minutes": meta["teaching_minutes"], "exercise_minutes": meta["exercise_minutes"],
        "needs_h1": not any(c.cell_type == "markdown" and re.search(r"^# ", c.source, re.M) for c in prepared.cells),
        "code_css": _code_css() if (show_code or edition == "teacher") else "",
        "page_css": page_css(f"{meta['title']} ({_LABELS[form]})", meta["accurate_as_of"], outside=bool(outside)),
        "credits_html": credits_html(meta["accurate_as_of"], outside=outside),
    }
    exporter = exporter or _exporter()
    body, _ = exporter.from_notebook_node(prepared, resources={"sl": sl})
    # A paragraph that ends with ":" leads in to what follows; paper keeps the two together.
    body = _LEAD_IN.sub(r'<p class="sl-lead-in">\1</p>', body)
    # A link to another lesson notebook leads to that lesson's handout of the same edition.
    return _NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)


_LEAD_IN = re.compile(r"<p>((?:(?!</?p\b).)*:)\s*</p>", re.S)


_CSS_PLAIN = re.compile(r"[A-Za-z0-9 .,:;()'!?%\u2013\u2014\u2018\u2019\u201c\u201d-]")


def _css_string(text: str) -> str:
    """``text`` as a CSS string: every character but plain letters and punctuation as a hex escape.

    So no ``"``, ``\\``, ``<`` or line break ever reaches the style sheet as itself: the text cannot
    end the string, the rule or the ``<style>`` element it sits in, whatever a table holds.
    """
    return '"' + "".join(c if _CSS_PLAIN.fullmatch(c) else f"\\{ord(c):x} " for c in text) + '"'


def page_css(footer_title: str, accurate_as_of: str, *, outside: bool = False) -> str:
    """Margin boxes of every printed page: the credit line on top; the title and "page N of M" below.

    Chromium (131 and later) prints CSS page-margin boxes, from its print dialog and in PDFs alike.
    """
    from .credits import credit_line

    return ("@page {\n"
            f"  @top-left {{ content: {_css_string(credit_line(accurate_as_of, outside=outside))}; }}\n"
            f"  @bottom-left {{ content: {_css_string(footer_title)}; }}\n"
            '  @bottom-right { content: "page " counter(page) " of " counter(pages); }\n'
            "}\n")


# ---------------------------------------------------------------------------- index page

def index_html(metas: list[dict[str, Any]], editions: Iterable[str], *, key: bool = False) -> str:
    """The lesson map page linking every handout, with minutes and objectives.

    ``metas`` are the notebooks' ``summit_lessons`` metadata, each with ``file_stem`` added.
    """
    from .credits import credits_html
    from .lessons import lesson_map_html

    chosen = [e for e in EDITIONS if e in set(editions)]
    css = (TEMPLATES / "summit_handout" / "handout.css").read_text(encoding="utf-8")
    forms = [*(("worksheet",) if "student" in chosen else ()), *(("plan",) if "teacher" in chosen else ())]
    links = ([(e, _LABELS[e]) for e in chosen] + [(f, FORMS[f]) for f in forms]
             + [(f"slides/{e}", f"{_LABELS[e].split()[0]} slides") for e in chosen])
    lesson_map = lesson_map_html(metas=metas, link_suffix=None, handouts=links,
                                 caption="Lesson map: the lessons in reading order, with their handouts")
    latest = max((m["accurate_as_of"] for m in metas), default="")
    dated = f"<p>Accurate as of {_date_text(latest)} (the latest event in the sources).</p>" if latest else ""
    key_link = ('<p><a href="key/index.html">The teacher\'s key: timings, exercise solutions, self-check answers '
                "and likely misreadings of every lesson</a> (for the teacher; one page per lesson).</p>") if key else ""
    credits = credits_html(latest)
    title = "The Anchorage summit lessons: handouts"
    pages_css = page_css(title, latest)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The Anchorage summit lessons: handouts</title>
<style>
{css}
.sl-visually-hidden {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }}
</style>
<style>
{pages_css}
</style>
</head>
<body class="sl-handout sl-index">
<main>
<h1>The Anchorage summit lessons: handouts</h1>
<p>Printable handouts of the lessons on the Russia–United States summit in Anchorage, Alaska, on 15 August 2025.
The student edition leaves out the solutions and the instructor notes; the teacher edition has them, each in a
labelled box. Every handout works offline.</p>
{dated}
{key_link}
<p>Each lesson also has slides to project, one idea per slide, working offline like the handouts: the student
slides leave out the solutions and notes; the teacher slides keep them as speaker notes (press S in the slides
to open the speaker view, F for full screen).</p>
{lesson_map}
</main>
{credits}
</body>
</html>
"""


# ---------------------------------------------------------------------------- the build

def _check_writable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise BuildError(f"cannot write handouts to {out}: it exists and is not a folder")
    try:
        parent = out.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=".handouts-probe-", dir=parent)
        os.rmdir(probe)
    except OSError as exc:
        raise BuildError(_os_error(f"cannot write handouts to {out}", exc)) from None


def _os_error(what: str, exc: OSError) -> str:
    """One line for any OSError: what failed, the system's words, and the file when it is known."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    hints = {errno.ENOSPC: " (the disk is full)", errno.EROFS: " (the file system is read-only)",
             errno.EBUSY: " (a mount point or a file in use)", errno.EDQUOT: " (over the disk quota)"}
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) not in what else ""
    return f"{what}: {reason}{hints.get(exc.errno or 0, '')}{where}"


def _execute(path: Path, timeout: int) -> Any:
    from .execute import ExecutionError, execute_notebook

    try:
        return execute_notebook(path, timeout=timeout)
    except ExecutionError as exc:
        raise BuildError(str(exc)) from None
    except OSError as exc:
        raise BuildError(_os_error(f"{path.name}: cannot execute", exc)) from None


def _read_metas(paths: list[Path]) -> list[dict[str, Any]]:
    """Every lesson's metadata, each fault one line naming the notebook file."""
    from .lessons import MetadataError, lesson_meta

    metas = []
    for p in paths:
        try:
            meta = lesson_meta(p)
        except json.JSONDecodeError as exc:
            raise BuildError(f"{p.name}: is not a notebook: broken JSON at line {exc.lineno}, "
                             f"column {exc.colno} ({exc.msg})") from None
        except UnicodeDecodeError:
            raise BuildError(f"{p.name}: is not a notebook: not UTF-8 text") from None
        except MetadataError as exc:
            raise BuildError(str(exc)) from None
        except KeyError as exc:
            raise BuildError(str(exc.args[0]) if exc.args else f"{p.name}: metadata is incomplete") from None
        except (AttributeError, TypeError):
            raise BuildError(f"{p.name}: is not a notebook: its JSON is not a notebook object") from None
        except OSError as exc:
            raise BuildError(_os_error(f"cannot read {p.name}", exc)) from None
        value = meta.get("accurate_as_of")
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) or not _real_date(value):
            raise BuildError(f'{p.name}: metadata "accurate_as_of" {value!r} is not a date of the form YYYY-MM-DD')
        metas.append({**meta, "file_stem": p.stem})
    return sorted(metas, key=lambda m: m["order"])


def _real_date(iso: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(iso)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------- output folder

@contextlib.contextmanager
def _output_lock(out: Path, say: Callable[[str], None], wait: float = 900.0) -> Any:
    """Hold an exclusive lock on the output folder (a lock file beside it) for one build.

    A second build into the same folder waits for the first one instead of racing it through
    the swap. ``fcntl.flock`` is released by the system when a process dies, even by kill -9, so
    a crashed build never leaves a stale lock.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no flock; builds into one folder are not serialised there
        yield
        return
    lock_path = out.parent / f".{out.name}.lock"
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise BuildError(_os_error(f"cannot write handouts to {out}", exc)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting: another build is writing to {out}")
            deadline = time.monotonic() + wait
            while True:
                time.sleep(0.2)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise BuildError(f"another build has been writing to {out} for {wait:.0f} s "
                                         f"(lock {lock_path}): try again when it has finished") from None
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays, so every build locks the same inode


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _leftover_pid(name: str, prefix: str) -> int | None:
    m = re.match(re.escape(prefix) + r"(\d+)-", name)
    return int(m.group(1)) if m else None


def _recover_and_clean(out: Path, say: Callable[[str], None]) -> None:
    """Tidy what an interrupted build left beside ``out`` (called with the output lock held).

    * ``out`` missing but an old copy set aside (a build killed mid-swap on a system without an
      atomic exchange): the old copy goes back, so the handouts are there again;
    * old copies and staging folders of builds that are no longer running are removed.
    """
    parent = out.parent
    if not parent.is_dir():
        return
    old_prefix, tmp_prefix = f".{out.name}-old-", ".handouts-tmp-"
    olds = sorted((p for p in parent.iterdir() if p.name.startswith(old_prefix)), key=lambda p: p.stat().st_mtime)
    if not out.exists() and olds:
        newest = olds.pop()
        with contextlib.suppress(OSError):
            os.replace(newest, out)
            say(f"recovered the previous handouts in {out} (an earlier build was interrupted)")
    for p in olds + [p for p in parent.iterdir() if p.name.startswith(tmp_prefix)]:
        prefix = old_prefix if p.name.startswith(old_prefix) else tmp_prefix
        pid = _leftover_pid(p.name, prefix)
        if pid is not None and pid != os.getpid() and _pid_alive(pid):
            continue  # another build, still running, owns it
        if pid is None and time.time() - p.stat().st_mtime < 3600:
            continue  # an older naming scheme: only removed once clearly abandoned
        shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False when unsupported."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # this file system cannot exchange: fall back to two renames
    raise OSError(err, os.strerror(err), str(b))


def build(out: str | os.PathLike[str] = "build/handouts", *, editions: Iterable[str] = EDITIONS,
          show_code: bool = False, notebooks: Iterable[str | os.PathLike[str]] | None = None,
          cache_dir: str | os.PathLike[str] | None = ".handouts-cache", jobs: int | None = None,
          timeout: int = 180, progress: Callable[[str], None] | None = print,
          pdf: bool = False, paper: str = "a4") -> BuildReport:
    """Build the handouts into ``out``; return what was done.

    ``notebooks`` defaults to the packaged lessons. ``cache_dir=None`` turns the cache off.
    ``timeout`` is the longest one cell may run (seconds). With the teacher edition comes the
    teacher's key (``key/``). ``pdf=True`` adds a PDF beside every page and one combined PDF per
    edition, printed by Chromium on ``paper`` (a4 or letter). Raises :class:`BuildError` (one line,
    and ``out`` left as it was) when a notebook fails or the folder cannot be written. Two builds
    into the same ``out`` take turns (a lock file beside it). ``out`` is replaced only when it is
    new, empty or an earlier handouts build (:mod:`summit_lessons.outputs`); anything else raises
    :class:`~summit_lessons.outputs.OutputError` before anything is written.
    """
    from .lessons import notebook_paths

    started = time.perf_counter()
    say = progress or (lambda _m: None)
    editions = [e for e in EDITIONS if e in set(editions)]
    if not editions:
        raise BuildError("no edition chosen: use student, teacher or both")
    from .outputs import prepare_folder

    out = prepare_folder(out, "handouts", legacy=_earlier_handouts)  # OutputError: one line, nothing touched
    _check_writable(out)
    paths = [Path(p) for p in notebooks] if notebooks is not None else notebook_paths()
    if not paths:
        raise BuildError("no lesson notebooks found")
    metas = _read_metas(paths)
    students = [f"{m['file_stem']}.ipynb" for m in metas if m.get("edition") == "student"]
    if students and "teacher" in editions:  # their solutions and notes were removed: nothing to show
        say(f"warning: {', '.join(students[:3])}{' and more' if len(students) > 3 else ''} "
            f"{'is a student edition' if len(students) == 1 else 'are student editions'}, without solutions or "
            "instructor notes, so the teacher edition and the key have none for "
            f"{'it' if len(students) == 1 else 'them'}: build from the teacher edition (summit-lessons notebooks "
            "DIR --edition teacher) or the packaged lessons")

    with _output_lock(out, say):
        _recover_and_clean(out, say)
        try:
            report = _build_locked(out, paths, metas, editions, show_code, cache_dir, jobs, timeout, say,
                                       pdf=pdf, paper=paper)
        except OSError as exc:
            raise BuildError(_os_error(f"cannot write handouts to {out}", exc)) from None
    report.seconds = time.perf_counter() - started
    return report


def _build_locked(out: Path, paths: list[Path], metas: list[dict[str, Any]], editions: list[str], show_code: bool,
                  cache_dir: str | os.PathLike[str] | None, jobs: int | None, timeout: int,
                  say: Callable[[str], None], *, pdf: bool = False, paper: str = "a4") -> BuildReport:
    env_key = _environment_key(data_dir())
    cache = Path(cache_dir) if cache_dir is not None else None
    variant = f"{'code' if show_code else 'nocode'}"
    report = BuildReport(out=out)

    def cached_html(p: Path, key: str, edition: str) -> Path | None:
        return cache / f"{p.stem}-{key}-{edition}-{variant}.html" if cache else None

    keys = {p: cache_key(p, env_key) for p in paths}
    # The student edition comes with each lesson's worksheet, cached and exported like an edition.
    forms = [*editions, *(["worksheet"] if "student" in editions else [])]
    from_cache: dict[tuple[Path, str], bytes] = {}
    for p in paths:
        entries = {e: _read_cached(cached_html(p, keys[p], e)) for e in forms}
        if all(v is not None for v in entries.values()):
            from_cache.update({(p, e): v for e, v in entries.items() if v is not None})
    if "teacher" in editions:
        from .key import has_cached_key

        # The key shows solutions' outputs as this data gives them: without its cached key for
        # this data, a notebook runs again even when its pages are cached.
        from_cache = {k: v for k, v in from_cache.items() if has_cached_key(k[0], cache, env_key)}
    todo = [p for p in paths if (p, forms[0]) not in from_cache]
    pages: dict[tuple[Path, str], str] = {}
    executed: dict[Path, Any] = {}
    total = len(paths)
    for i, p in enumerate(paths, 1):
        if p not in todo:
            report.cached.append(p.stem)
            say(f"[{i}/{total}] {p.stem}: unchanged, taken from the cache")

    if todo:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        from .execute import preload

        preload()  # the workers' imports, done here once: two threads importing jupyter_client can clash

        def run(p: Path) -> tuple[Path, Any, float]:
            t0 = time.perf_counter()
            return p, _execute(p, timeout), time.perf_counter() - t0

        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run, p) for p in todo]
            exporter = _exporter()  # loads nbconvert while the kernels run
            try:
                for fut in futures:
                    p, nb, secs = fut.result()
                    executed[p] = nb
                    for e in forms:
                        pages[(p, e)] = export(nb, e, show_code, exporter)
                    report.executed.append(p.stem)
                    say(f"[{paths.index(p) + 1}/{total}] {p.stem}: executed in {secs:.1f} s, "
                        f"{' and '.join(editions)} edition{'s' if len(editions) > 1 else ''} written")
            except BaseException:
                for f in futures:
                    f.cancel()
                raise

    # The pid in the name tells a later build whether the folder's owner is still running.
    staging = Path(tempfile.mkdtemp(prefix=f".handouts-tmp-{os.getpid()}-", dir=out.resolve().parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; handouts are for sharing
        for e in forms:
            (staging / e).mkdir()
        for p in paths:
            for e in forms:
                target = staging / e / f"{p.stem}.html"
                try:
                    target.write_bytes(pages[(p, e)].encode("utf-8") if (p, e) in pages else from_cache[(p, e)])
                except OSError as exc:
                    exc.filename = exc.filename or str(target)  # a failed write() names no file: name the page
                    raise
        report.pdf_error = _write_extras(staging, paths, metas, editions, pdf=pdf, paper=paper, say=say, cache=cache,
                                         executed=executed, salt=env_key)
        report.files = sorted(f.relative_to(staging) for f in staging.rglob("*") if f.suffix in (".html", ".pdf"))
        pages_digest = _pages_digest(staging)
        if not pdf:
            report.notes.extend(_keep_earlier_pdfs(out, staging, pages_digest))
        from .outputs import write_manifest

        write_manifest(staging, "handouts", pages=pages_digest)
        _swap(staging, out)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError) and exc.filename and str(exc.filename).startswith(str(staging)):
            exc.filename = str(out) + str(exc.filename)[len(str(staging)):]  # name the output, not the staging copy
        raise
    # The handouts are in place: from here on nothing may fail the build. A cache that cannot
    # be written (read-only, full) costs the next build time, never this build's result.
    if cache is not None:
        written = {k: v for k, v in pages.items()}
        problem = _write_cache(cache, written, lambda p, e: cached_html(p, keys[p], e))
        if problem is None:
            with contextlib.suppress(OSError):
                _prune(cache, {f"{p.stem}-{keys[p]}" for p in paths}, {p.stem for p in paths})
        else:
            say(f"warning: {problem}; the handouts were written, but the next build will execute them again")
    report.files = [out / f for f in report.files]
    return report


_LEGACY_FILE = re.compile(r"(index\.html|(student|teacher)\.pdf|(student|teacher)/\d\d_[\w-]+\.(html|pdf)"
                          r"|key/(index|\d\d_[\w-]+)\.(html|pdf))")


def _earlier_handouts(folder: Path) -> bool:
    """A handouts folder a version before the output manifest wrote: its index and nothing but handouts."""
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()]
    return "index.html" in files and all(_LEGACY_FILE.fullmatch(f) for f in files)


def _pages_digest(folder: Path) -> str:
    """One digest of every page of a build: the PDFs of an earlier build are current while it is equal."""
    return _digest_files([p for p in folder.rglob("*.html") if p.is_file()], folder)


def _keep_earlier_pdfs(out: Path, staging: Path, pages_digest: str) -> list[str]:
    """Carry the PDFs of an earlier ``--pdf`` build into a build without ``--pdf``, or say they are gone.

    They are carried over only when the pages they were printed from are byte for byte the same
    (and each PDF is still what that build wrote); otherwise they would show outdated pages.
    """
    from .outputs import file_digest, read_manifest

    earlier = read_manifest(out)
    if earlier is None or earlier.get("kind") != "handouts":
        return []
    pdfs = {rel: d for rel, d in earlier["files"].items() if rel.endswith(".pdf")}
    if not pdfs:
        return []
    if earlier.get("pages") == pages_digest and all(
            (out / rel).is_file() and not (out / rel).is_symlink() and file_digest(out / rel) == d
            for rel, d in pdfs.items()):
        for rel in pdfs:
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / rel, staging / rel)
        return [f"kept the {len(pdfs)} PDFs of the earlier --pdf build in {out} (their pages are unchanged)"]
    return [f"removed the {len(pdfs)} PDFs of the earlier --pdf build in {out}, as their pages changed: "
            f"add --pdf (make pdf) to print them again"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest_path(entry: Path) -> Path:
    return entry.with_name(entry.name + ".sha256")


def _read_cached(entry: Path | None) -> bytes | None:
    """A cached page, only when it matches the digest stored beside it (a truncated entry is a miss)."""
    if entry is None:
        return None
    try:
        data = entry.read_bytes()
        expected = _digest_path(entry).read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None
    return data if _sha(data) == expected else None


def _write_cache(cache: Path, pages: dict[tuple[Path, str], str], name: Callable[[Path, str], Path | None]) -> str | None:
    """Store freshly exported pages in the cache; a one-line reason when it cannot, else None.

    Each page goes to a private ``.partial`` file first (pid in its name, so concurrent builds
    never share one) and is renamed into place: a reader sees a whole page or none.
    """
    try:
        cache.mkdir(parents=True, exist_ok=True)
        _clean_partials(cache)
        for (p, e), html_text in pages.items():
            target = name(p, e)
            if target is None:
                continue
            payload = html_text.encode("utf-8")
            for final, data in ((target, payload), (_digest_path(target), _sha(payload).encode())):
                fd, tmp = tempfile.mkstemp(prefix=f".{os.getpid()}-", suffix=".partial", dir=cache)
                try:
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(data)
                    os.replace(tmp, final)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
                    raise
    except OSError as exc:
        return _os_error(f"cannot write the cache {cache}", exc)
    return None


def _clean_partials(cache: Path) -> None:
    """Remove ``.partial`` files of builds that are no longer running (a kill -9 leaves them)."""
    for f in cache.glob("*.partial"):
        m = re.match(r"\.(\d+)-", f.name)
        if m and int(m.group(1)) != os.getpid() and _pid_alive(int(m.group(1))):
            continue
        if not m and time.time() - f.stat().st_mtime < 3600:
            continue
        with contextlib.suppress(OSError):
            f.unlink()


def _write_extras(staging: Path, paths: list[Path], metas: list[dict[str, Any]], editions: list[str], *,
                  pdf: bool, paper: str, say: Callable[[str], None], cache: Path | None = None,
                  executed: dict[Path, Any] | None = None, salt: str = "") -> str | None:
    """The index, the teacher's key (with the teacher edition) and, if asked, the PDFs.

    Returns why the PDFs could not be printed (the pages stand without them), else None.
    """
    key = "teacher" in editions
    if key:
        from .key import write_key
        from .worksheets import write_plans

        write_key(staging / "key", paths, cache=cache, executed=executed, salt=salt)
        write_plans(staging / "plan", paths)
    from .slides import DeckError, write_decks

    try:  # the offline slide decks, slides/<edition>/NN_name.html (summit_lessons.slides)
        write_decks(staging / "slides", paths, editions)
    except DeckError as exc:
        raise BuildError(str(exc)) from None
    (staging / "index.html").write_text(index_html(metas, editions, key=key), encoding="utf-8")
    if pdf:
        from .pdf import PdfError, print_folder

        forms = [(f, FORMS[f]) for f in FORMS if (staging / f).is_dir()]
        try:
            print_folder(staging, metas, editions, paper=paper, progress=say, forms=forms)
        except Exception as exc:  # noqa: BLE001 - a Chromium that cannot start raises its driver's own errors
            for f in staging.rglob("*.pdf"):  # half a set of PDFs would pass for a whole one
                f.unlink()
            for f in staging.rglob(".print-*"):
                f.unlink()
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            why = text if isinstance(exc, PdfError) else f"Chromium could not print: {text}"
            return f"{why}; the HTML handouts were written without PDFs"
    return None


def _swap(staging: Path, out: Path) -> None:
    """Put the new build in place so that ``out`` is never missing, then remove the old one.

    Where the system can (Linux), the two folders are exchanged in one atomic step
    (``renameat2(RENAME_EXCHANGE)``): at every instant ``out`` is either the whole old build or
    the whole new one. Elsewhere the old folder is renamed aside and the new one in; if the
    process dies between those two renames, the next build puts the old folder back
    (:func:`_recover_and_clean`) before it does anything else.
    """
    if not out.exists():
        os.replace(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old build
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-{os.getpid()}-", dir=out.parent))
    os.rmdir(old)  # only the unique name is wanted: os.replace needs the target absent
    os.replace(out, old)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(old, out)  # put the previous build back before reporting the failure
        raise
    shutil.rmtree(old, ignore_errors=True)


def _prune(cache: Path, keep: set[str], stems: set[str]) -> None:
    # Drop stale entries of these notebooks so the cache does not grow with every edit.
    for f in cache.glob("*.html"):
        stem_key = f.name.rsplit("-", 2)[0]
        stem = stem_key.rsplit("-", 1)[0]
        if stem in stems and stem_key not in keep:
            f.unlink(missing_ok=True)
            _digest_path(f).unlink(missing_ok=True)
