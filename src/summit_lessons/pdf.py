"""PDFs of the handouts, printed by headless Debian Chromium, and combined PDFs with contents.

Each HTML page is printed by Chromium itself, so the PDF is what the page's print stylesheet
gives (worksheet lines, kept-together tables, the credit line and "page N of M" in the page
margins). Chromium is driven through Playwright when that package is installed (one browser for
the whole build) and otherwise through ``chromium --print-to-pdf``. pypdf then gives each PDF a
fixed title and no creation date, so two builds of the same pages give the same bytes, and
combines an edition into one PDF with a contents page and bookmarks.
"""
from __future__ import annotations

import hashlib
import html
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

__all__ = ["CHROMIUM_FLAGS", "PAPERS", "PdfError", "Printer", "find_chromium", "missing_chromium_message",
           "pdf_unavailable", "print_folder", "write_pdf", "combine"]

#: Flags for a headless Chromium that talks to nothing but the page it prints.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Paper sizes by their command-line name, as CSS ``@page { size }`` values.
PAPERS = {"a4": "A4", "letter": "letter"}
_LOCAL_HTML = re.compile(r'href="([^":#]+)\.html(#[^"]*)?"')
_PRODUCER = "summit_lessons handouts (printed by Chromium, finished with pypdf)"


class PdfError(RuntimeError):
    """A PDF could not be written; the message says which and why."""


def find_chromium() -> str | None:
    """Debian's Chromium: ``$SUMMIT_LESSONS_CHROMIUM``, ``/usr/bin/chromium`` or ``chromium`` on PATH."""
    env = os.environ.get("SUMMIT_LESSONS_CHROMIUM")
    if env:
        return env if os.path.exists(env) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def missing_chromium_message() -> str:
    """The one line shown when PDFs are asked for and Chromium is not there."""
    return ("cannot write PDFs: Chromium is not installed (looked for /usr/bin/chromium and chromium on PATH); "
            "install it with `apt-get install chromium` (Debian/Ubuntu), then run the command again")


def pdf_unavailable() -> str | None:
    """Why PDFs cannot be written here (one line saying how to fix it), or None when they can."""
    if find_chromium() is None:
        return missing_chromium_message()
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return "cannot write PDFs: pypdf is not installed; install it with `pip install 'summit_lessons[pdf]'`"
    return None


_CREDITS_BLOCK = re.compile(r'<footer class="sl-credits">.*?</footer>\n?', re.S)


def _print_copy(page: Path, paper: str, extra_css: str = "") -> Path:
    """A hidden copy of ``page`` beside it with the paper size set (the page itself sets none,
    so a teacher's own print dialog keeps its paper) and local links pointing at PDFs."""
    # In the PDF set a link to a sibling page leads to that page's PDF (and prints its name).
    text = _LOCAL_HTML.sub(r'href="\1.pdf\2"', page.read_text(encoding="utf-8"))
    size = f"<style>@page {{ size: {PAPERS[paper]}; }}\n{extra_css}</style>\n</head>"
    fd, name = tempfile.mkstemp(prefix=".print-", suffix=".html", dir=page.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text.replace("</head>", size, 1))
    return Path(name)


class Printer:
    """Headless Chromium printing HTML pages to PDF bytes; use as a context manager."""

    def __init__(self, chromium: str, paper: str = "a4", timeout: float = 120):
        if paper not in PAPERS:
            raise ValueError(f"unknown paper {paper!r}: use {' or '.join(PAPERS)}")
        self.chromium, self.paper, self.timeout = chromium, paper, timeout
        self._pw: Any = None
        self._browser: Any = None

    def __enter__(self) -> "Printer":
        import asyncio

        try:
            from playwright.sync_api import sync_playwright
        except ImportError:  # the command-line route needs nothing but Chromium
            return self
        try:
            asyncio.get_running_loop()
            return self  # inside a running event loop (Jupyter, another Playwright): Playwright's sync API cannot start
        except RuntimeError:
            pass
        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=self.chromium, args=CHROMIUM_FLAGS, headless=True)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()
        self._browser = self._pw = None

    def pdf_bytes(self, page: Path, extra_css: str = "") -> bytes:
        """``page`` (an HTML file) printed to PDF on this printer's paper, ``extra_css`` added last."""
        copy = _print_copy(page, self.paper, extra_css)
        try:
            if self._browser is not None:
                ctx = self._browser.new_context()
                try:
                    tab = ctx.new_page()
                    tab.goto(copy.as_uri(), wait_until="load", timeout=self.timeout * 1000)
                    return tab.pdf(prefer_css_page_size=True, print_background=False)
                finally:
                    ctx.close()
            return self._cli_pdf(copy)
        finally:
            copy.unlink(missing_ok=True)

    def _cli_pdf(self, page: Path) -> bytes:
        with tempfile.TemporaryDirectory(prefix="summit-pdf-") as tmp:
            target = Path(tmp) / "page.pdf"
            cmd = [self.chromium, *CHROMIUM_FLAGS, "--no-pdf-header-footer", f"--user-data-dir={tmp}/profile",
                   f"--print-to-pdf={target}", page.as_uri()]
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout)
            if not target.exists():
                last = (run.stderr.strip().splitlines() or ["no message"])[-1]
                raise PdfError(f"Chromium printed no PDF for {page.name}: {last}")
            return target.read_bytes()


# ------------------------------------------------------------------ finishing with pypdf

def _relative_links(writer: Any, base: str, prefix: str = "") -> None:
    """Links to sibling pages point at their PDFs, relative, not at the build's temporary folder."""
    from pypdf.generic import NameObject, TextStringObject

    for page in writer.pages:
        for ref in page.get("/Annots") or []:
            action = ref.get_object().get("/A")
            uri = action.get("/URI") if action is not None else None
            if isinstance(uri, str) and uri.startswith(base):
                rel = prefix + uri[len(base):]
                action[NameObject("/URI")] = TextStringObject(rel)


def _finish(writer: Any, title: str, dest: Path) -> None:
    """Fixed metadata and identifier (no dates), written beside ``dest`` and renamed into place."""
    from pypdf.generic import ArrayObject, ByteStringObject

    writer.metadata = {"/Title": title, "/Producer": _PRODUCER, "/Creator": "summit_lessons"}
    body = io.BytesIO()
    writer._ID = None  # pypdf would keep Chromium's identifier; one from the content replaces it below
    writer.write(body)
    ident = ByteStringObject(hashlib.sha256(body.getvalue()).digest()[:16])
    writer._ID = ArrayObject([ident, ident])
    tmp = dest.with_name(f".{dest.name}.partial")
    with open(tmp, "wb") as fh:
        writer.write(fh)
    os.replace(tmp, dest)


def write_pdf(printer: Printer, page: Path, dest: Path, title: str) -> int:
    """Print ``page`` to ``dest`` with ``title`` in its metadata; return the number of pages."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(printer.pdf_bytes(page))))
    _relative_links(writer, page.parent.resolve().as_uri() + "/")
    _finish(writer, title, dest)
    return len(writer.pages)


@dataclass
class Part:
    """One document of a combined PDF: its title, its own PDF and where it starts (1-based)."""

    title: str
    pdf: Path
    pages: int
    html: Path | None = None
    start: int = 0
    extra_css: str = ""  # added when the part is reprinted into the combined file


def _contents_html(title: str, intro: str, parts: Sequence[Part], credits: str, page_css: str) -> str:
    from .locations import package_dir

    css = (package_dir() / "templates" / "summit_handout" / "handout.css").read_text(encoding="utf-8")
    rows = "\n".join(f"<tr><th scope=\"row\">{html.escape(p.title)}</th><td>{p.start}</td><td>{p.pages}</td></tr>"
                     for p in parts)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
{css}
{page_css}
</style></head>
<body class="sl-handout sl-contents"><main>
<h1>{html.escape(title)}</h1>
<p>{html.escape(intro)}</p>
<table><caption>Contents: the page each part starts on, as numbered at the foot of every page of
this file</caption>
<thead><tr><th scope="col">Part</th><th scope="col">Starts on page</th><th scope="col">Pages</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</main>
{credits}
</body></html>
"""


def _numbering(total: int, start: int = 1) -> str:
    # The first page counts from ``start`` (an increment on :first replaces the automatic one).
    first = f"@page :first {{ counter-increment: page {start}; }}\n" if start != 1 else ""
    return f'@page {{ @bottom-right {{ content: "page " counter(page) " of {total}"; }} }}\n{first}'


def _renumbered(printer: Printer, part: Part, total: int, dest: Path) -> Any:
    from pypdf import PdfReader, PdfWriter

    if part.html is not None:
        css = _numbering(total, part.start) + part.extra_css
        again = PdfWriter(clone_from=PdfReader(io.BytesIO(printer.pdf_bytes(part.html, css))))
        if len(again.pages) == part.pages:
            # Links relative to the combined file, which sits above the part's folder.
            prefix = os.path.relpath(part.html.parent, dest.parent).replace(os.sep, "/")
            _relative_links(again, part.html.parent.resolve().as_uri() + "/", "" if prefix == "." else prefix + "/")
            body = io.BytesIO()
            again.write(body)
            return PdfReader(body)
    return PdfReader(part.pdf)


def combine(printer: Printer, parts: Sequence[Part], dest: Path, title: str, intro: str, *,
            credits: str, page_css: str) -> int:
    """One PDF of ``parts`` after a contents page; a bookmark names each part.

    Each part is printed again so that its footer counts the pages of the whole file ("page 29
    of 92", as the contents page gives them); a part whose reprint paginates differently keeps
    its own PDF. Returns the number of pages.
    """
    from pypdf import PdfReader, PdfWriter

    from pypdf import PdfReader as _Reader

    for p in parts:  # a part printed differently in the combined file has its own page count there
        if p.extra_css and p.html is not None:
            p.pages = len(_Reader(io.BytesIO(printer.pdf_bytes(p.html, p.extra_css))).pages)
    contents_pages = 1
    total = 0
    for _ in range(3):  # the contents page fixes every start page; it is almost always one page
        start = contents_pages + 1
        for p in parts:
            p.start, start = start, start + p.pages
        total = start - 1
        page = dest.with_name(f".{dest.stem}-contents.html")
        page.write_text(_contents_html(title, intro, parts, credits, page_css), encoding="utf-8")
        try:
            contents = PdfReader(io.BytesIO(printer.pdf_bytes(page, _numbering(total))))
        finally:
            page.unlink(missing_ok=True)
        if len(contents.pages) == contents_pages:
            break
        contents_pages = len(contents.pages)
    writer = PdfWriter()
    writer.append(contents)
    # No page labels: a viewer then numbers the pages of the file, as the contents page does.
    writer.add_outline_item(title="Contents", page_number=0)
    for p in parts:
        first = len(writer.pages)
        writer.append(_renumbered(printer, p, total, dest), import_outline=False)
        writer.add_outline_item(title=p.title, page_number=first)
    _finish(writer, title, dest)
    return len(writer.pages)


# ------------------------------------------------------------------ a whole handout folder

_EDITION_LABELS = {"student": "Student edition", "teacher": "Teacher edition"}


def print_folder(folder: Path, metas: Sequence[dict[str, Any]], editions: Sequence[str], *,
                 paper: str = "a4", chromium: str | None = None,
                 progress: Any = None) -> list[Path]:
    """A PDF beside every HTML page of a built handout folder, and the combined PDFs.

    ``metas`` are the lessons' metadata, each with ``file_stem``. Combined: ``student.pdf`` and
    ``teacher.pdf`` (every lesson of that edition after a contents page) and ``key/index.pdf``
    (the teacher's key of every lesson) when the key was built. Returns the PDFs written.
    """
    from .credits import credits_html, latest_date, outside_sources
    from .handouts import page_css

    why = pdf_unavailable()
    if why and not (chromium and "Chromium" in why):
        raise PdfError(why)
    chromium = chromium or find_chromium()
    assert chromium is not None
    say = progress or (lambda _m: None)
    accurate = latest_date(m["accurate_as_of"] for m in metas)
    # The combined files' own pages (the contents) credit every outside source the lessons use.
    outside = outside_sources(i for m in metas for i in m.get("sources", []))
    written: list[Path] = []
    with Printer(chromium, paper) as printer:
        def one(page: Path, title: str) -> Part:
            dest = page.with_suffix(".pdf")
            n = write_pdf(printer, page, dest, title)
            written.append(dest)
            return Part(title, dest, n, html=page)

        one(folder / "index.html", "The Anchorage summit lessons: handouts")
        for e in editions:
            parts = [one(folder / e / f"{m['file_stem']}.html", f"{m['title']} ({_EDITION_LABELS[e]})") for m in metas]
            dest = folder / f"{e}.pdf"
            title = f"The Anchorage summit lessons: {_EDITION_LABELS[e].lower()}"
            n = combine(printer, parts, dest, title,
                        f"Every lesson of the {_EDITION_LABELS[e].lower()}, in reading order.",
                        credits=credits_html(accurate, outside=outside), page_css=page_css(title, accurate, outside=bool(outside)))
            written.append(dest)
            say(f"{dest.name}: {n} pages")
        key = folder / "key"
        if key.is_dir():
            parts = [one(key / f"{m['file_stem']}.html", f"Teacher's key: {m['title']}") for m in metas]
            dest = key / "index.pdf"
            from .key import KEY_TITLE

            # The credits once, at the end of the whole key (they name every lesson's outside sources):
            # the other lessons are reprinted without their credits block.
            for p in parts[:-1]:
                p.extra_css = "@media print { .sl-credits { display: none; } }\n"
            last = None
            if parts and parts[-1].html is not None:
                # The last lesson ends the file with the credits of every lesson (a hidden copy).
                text = parts[-1].html.read_text(encoding="utf-8")
                last = parts[-1].html.with_name(f".{parts[-1].html.stem}-all-credits.html")
                last.write_text(_CREDITS_BLOCK.sub(lambda _m: credits_html(accurate, outside=outside), text, count=1),
                                encoding="utf-8")
                parts[-1].html, parts[-1].extra_css = last, "\n"
            try:
                n = combine(printer, parts, dest, KEY_TITLE, "The key of every lesson, in reading order.",
                            credits="", page_css=page_css(KEY_TITLE, accurate, outside=bool(outside)))
            finally:
                if last is not None:
                    last.unlink(missing_ok=True)
            written.append(dest)
            say(f"key/index.pdf: {n} pages")
    return written
