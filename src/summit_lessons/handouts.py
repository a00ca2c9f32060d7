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
_LABELS = {"student": "Student edition", "teacher": "Teacher edition"}
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
    data_files = [p for p in data.glob("*") if p.suffix in (".csv", ".json")]
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
    from .editions import ANSWER_TAG, HIDDEN_TAGS, make_edition, unfold

    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}: use student, teacher or both")
    nb = make_edition(nb, edition)  # the same cells as the edition's notebook
    nb.metadata.pop("widgets", None)
    code_visible = show_code or edition == "teacher"
    cells = []
    exercise = None  # the exercise the next answer cell belongs to
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if "exercise" in tags:
            exercise = cell
        if ANSWER_TAG in tags and cell.cell_type == "markdown":
            cell.metadata["sl_answer"] = {"lines": answer_lines(exercise)}
            if exercise is not None:  # the exercise, its hint and this answer space print as one block
                exercise.metadata["sl_group_start"] = True
                cell.metadata["sl_group_end"] = True
        cell.metadata.pop("jupyter", None)  # on paper nothing is collapsed: the box labels it
        if tags & HIDDEN_TAGS:
            if cell.cell_type == "markdown":
                cell.source = unfold(cell.source)  # the labelled box below replaces the notebook's fold
            kind = "solution" if "solution" in tags else "instructor"
            label = "Solution (teacher edition only)" if kind == "solution" else "Instructor note (teacher edition only)"
            cell.metadata["sl_box"] = {"kind": kind, "label": label}
        if cell.cell_type == "markdown" and "hint" in tags:
            cell.source = _hint_for_paper(cell.source)
        if cell.cell_type == "code":
            cell.metadata.setdefault("transient", {})["remove_source"] = not code_visible
            if not code_visible and not cell.outputs:
                continue  # nothing a reader could see
            for out in cell.outputs:
                _prepare_output(out, edition)
        cells.append(cell)
    nb.cells = cells
    return nb


#: Answer lines on a printed worksheet when the exercise does not say (metadata
#: ``summit_lessons.answer_lines``): a closing task asks for a paragraph, an exercise for a few sentences.
DEFAULT_ANSWER_LINES = {"exercise": 6, "closing": 12}


def answer_lines(exercise: Any) -> int:
    """How many ruled lines a printed worksheet leaves under ``exercise`` (an exercise cell)."""
    if exercise is None:
        return DEFAULT_ANSWER_LINES["exercise"]
    given = exercise.metadata.get("summit_lessons", {}).get("answer_lines")
    if isinstance(given, int) and not isinstance(given, bool) and 1 <= given <= 30:
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
    for mime in ("image/png", "image/jpeg", "image/svg+xml"):
        if mime in data:
            alt = out.get("metadata", {}).get(mime, {}).get("alt", "")
            out.setdefault("metadata", {})["sl_alt"] = alt or "Figure: the text beside it gives its numbers."


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
    prepared = edition_notebook(nb, edition, show_code)
    outside = outside_sources(meta.get("sources", []))
    sl = {
        "title": meta["title"], "edition": edition, "edition_label": _LABELS[edition],
        "accurate_as_of": meta["accurate_as_of"], "accurate_as_of_text": _date_text(meta["accurate_as_of"]),
        "teaching_minutes": meta["teaching_minutes"], "exercise_minutes": meta["exercise_minutes"],
        "needs_h1": not any(c.cell_type == "markdown" and re.search(r"^# ", c.source, re.M) for c in prepared.cells),
        "code_css": _code_css() if (show_code or edition == "teacher") else "",
        "page_css": page_css(f"{meta['title']} ({_LABELS[edition]})", meta["accurate_as_of"], outside=bool(outside)),
        "credits_html": credits_html(meta["accurate_as_of"], outside=outside),
    }
    exporter = exporter or _exporter()
    body, _ = exporter.from_notebook_node(prepared, resources={"sl": sl})
    # A paragraph that ends with ":" leads in to what follows; paper keeps the two together.
    body = _LEAD_IN.sub(r'<p class="sl-lead-in">\1</p>', body)
    # A link to another lesson notebook leads to that lesson's handout of the same edition.
    return _NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)


_LEAD_IN = re.compile(r"<p>((?:(?!</?p\b).)*:)\s*</p>", re.S)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


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
    links = [(e, _LABELS[e]) for e in chosen] + [(f"slides/{e}", f"{_LABELS[e].split()[0]} slides") for e in chosen]
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
    from .lessons import lesson_meta

    metas = []
    for p in paths:
        try:
            meta = lesson_meta(p)
        except json.JSONDecodeError as exc:
            raise BuildError(f"{p.name}: is not a notebook: broken JSON at line {exc.lineno}, "
                             f"column {exc.colno} ({exc.msg})") from None
        except UnicodeDecodeError:
            raise BuildError(f"{p.name}: is not a notebook: not UTF-8 text") from None
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
    into the same ``out`` take turns (a lock file beside it).
    """
    from .lessons import notebook_paths

    started = time.perf_counter()
    say = progress or (lambda _m: None)
    editions = [e for e in EDITIONS if e in set(editions)]
    if not editions:
        raise BuildError("no edition chosen: use student, teacher or both")
    out = Path(out)
    _check_writable(out)
    paths = [Path(p) for p in notebooks] if notebooks is not None else notebook_paths()
    if not paths:
        raise BuildError("no lesson notebooks found")
    metas = _read_metas(paths)

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
    todo = [p for p in paths if not all((c := cached_html(p, keys[p], e)) is not None and c.is_file() for e in editions)]
    pages: dict[tuple[Path, str], str] = {}
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
                    for e in editions:
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
        for e in editions:
            (staging / e).mkdir()
        for p in paths:
            for e in editions:
                target = staging / e / f"{p.stem}.html"
                if (p, e) in pages:
                    target.write_text(pages[(p, e)], encoding="utf-8")
                else:
                    shutil.copyfile(cached_html(p, keys[p], e), target)
        _write_extras(staging, paths, metas, editions, pdf=pdf, paper=paper, say=say, cache=cache)
        report.files = sorted(f.relative_to(staging) for f in staging.rglob("*") if f.suffix in (".html", ".pdf"))
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
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
            fd, tmp = tempfile.mkstemp(prefix=f".{os.getpid()}-", suffix=".partial", dir=cache)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(html_text)
                os.replace(tmp, target)
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
                  pdf: bool, paper: str, say: Callable[[str], None], cache: Path | None = None) -> None:
    """The index, the teacher's key (with the teacher edition) and, if asked, the PDFs."""
    key = "teacher" in editions
    if key:
        from .key import write_key

        write_key(staging / "key", paths, cache=cache)
    from .slides import DeckError, write_decks

    try:  # the offline slide decks, slides/<edition>/NN_name.html (summit_lessons.slides)
        write_decks(staging / "slides", paths, editions)
    except DeckError as exc:
        raise BuildError(str(exc)) from None
    (staging / "index.html").write_text(index_html(metas, editions, key=key), encoding="utf-8")
    if pdf:
        from .pdf import PdfError, print_folder

        try:
            print_folder(staging, metas, editions, paper=paper, progress=say)
        except PdfError as exc:
            raise BuildError(str(exc)) from None


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
