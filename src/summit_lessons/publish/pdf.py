"""Tagged PDFs of the handouts, printed by headless Debian Chromium in a sealed browser context.

Every PDF is printed by Chromium itself (Playwright's ``page.pdf(tagged=True, outline=True)``), so
it is what the page's print stylesheet gives and it carries a structure tree: headings, figures
with the page's alt text, tables with header cells, lists, links, and bookmarks that follow the
headings. pikepdf then sets what Chromium leaves out (the title shown in the window bar, the
document language when the page had none, the tab order of links) and drops every date, so two
builds of the same pages give the same bytes.

A combined PDF (``student.pdf``, ``teacher.pdf``, the key) is printed as *one* HTML document: a
contents page and every part after it, each part from a new page, so the structure tree,
the outline and "page N of M" cover the whole file.

Sealed printing (issue 22): the page is served to Chromium from a made-up origin by the
printer itself, and only files whose real path is inside the printer's folder are served.
Every other request, to the network, a local listener or another path, is refused, and a page
served over ``http`` cannot load ``file:`` URLs at all. Scripts are off: a handout has none.

Reusable: ``with Printer(chromium, "a4", root=folder) as p: write_pdf(p, page, dest, title)``
prints one page; :func:`write_combined` prints several pages as one document.
"""
from __future__ import annotations

import html
import mimetypes
import os
import posixpath
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import unquote, urlsplit

__all__ = ["CHROMIUM_FLAGS", "PAPERS", "PdfError", "Printer", "Part", "find_chromium", "missing_chromium_message",
           "pdf_unavailable", "print_folder", "write_pdf", "write_combined", "combined_html"]

#: Flags for a headless Chromium that talks to nothing but the pages it prints.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--dns-prefetch-disable",
                  "--disable-features=PreloadMediaEngagementData,AutofillServerCommunication,"
                  "MediaRouter,OptimizationHints,Translate"]
#: Paper sizes by their command-line name, as CSS ``@page { size }`` values.
PAPERS = {"a4": "A4", "letter": "letter"}
#: The made-up origin the printer serves its folder from (``.invalid`` never resolves).
ORIGIN = "http://summit-lessons.invalid"
_LOCAL_HTML = re.compile(r'href="([^":#]+)\.html(#[^"]*)?"')
_PRODUCER = "summit_lessons handouts (printed by Chromium, finished with pikepdf)"


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
    for module in ("playwright", "pikepdf"):
        try:
            __import__(module)
        except ImportError:
            return (f"cannot write PDFs: {module} is not installed; install it with "
                    "`pip install 'summit_lessons[pdf]'`")
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
    """Headless Chromium printing HTML pages inside ``root`` to tagged PDF bytes; a context manager.

    ``root`` is the only folder the browser may read (default: each page's own folder). Playwright's
    sync API runs on one thread of its own, so a printer also works where an event loop is running
    (Jupyter). ``refused`` lists every request the printer turned away, for a caller to report.
    """

    def __init__(self, chromium: str, paper: str = "a4", timeout: float = 120, root: Path | None = None):
        if paper not in PAPERS:
            raise ValueError(f"unknown paper {paper!r}: use {' or '.join(PAPERS)}")
        self.chromium, self.paper, self.timeout = chromium, paper, timeout
        self.root = Path(root).resolve() if root is not None else None
        self.refused: list[str] = []
        self._pool: ThreadPoolExecutor | None = None
        self._pw: Any = None
        self._browser: Any = None

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        assert self._pool is not None, "use the printer as a context manager"
        return self._pool.submit(fn, *args).result()

    def __enter__(self) -> "Printer":
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="summit-pdf")
        try:
            self._call(self._start)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        try:
            from playwright.sync_api import Error, sync_playwright
        except ImportError:
            raise PdfError("cannot write PDFs: playwright is not installed; install it with "
                           "`pip install 'summit_lessons[pdf]'`") from None
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=self.chromium, args=CHROMIUM_FLAGS,
                                                     headless=True, timeout=self.timeout * 1000)
        except Error as exc:
            first = (str(exc).strip().splitlines() or ["no message"])[0]
            raise PdfError(f"cannot write PDFs: Chromium ({self.chromium}) did not start: {first}") from None

    def __exit__(self, *exc: Any) -> None:
        if self._pool is None:
            return
        def stop() -> None:
            if self._browser is not None:
                self._browser.close()
            if self._pw is not None:
                self._pw.stop()
            self._browser = self._pw = None
        try:
            self._pool.submit(stop).result()
        finally:
            self._pool.shutdown()
            self._pool = None

    def pdf_bytes(self, page: Path, extra_css: str = "") -> bytes:
        """``page`` (an HTML file) printed to a tagged PDF on this printer's paper, ``extra_css`` added last."""
        root = self.root or page.parent.resolve()
        if not page.resolve().is_relative_to(root):
            raise PdfError(f"cannot print {page}: it is outside the folder being printed ({root})")
        copy = _print_copy(page, self.paper, extra_css)
        try:
            return self._call(self._print, copy.resolve(), root)
        finally:
            copy.unlink(missing_ok=True)

    def url_of(self, path: Path, root: Path) -> str:
        """Where the printer serves ``path`` (a file inside ``root``)."""
        return ORIGIN + "/" + "/".join(path.resolve().relative_to(root).parts)

    def _serve(self, route: Any, root: Path) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == ORIGIN:
            target = (root / unquote(parts.path).lstrip("/")).resolve()
            # The real path, symlinks followed, must stay inside the folder: nothing else is read.
            if target.is_relative_to(root) and target.is_file():
                kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                route.fulfill(status=200, body=target.read_bytes(), content_type=kind)
                return
        self.refused.append(url)
        route.abort("blockedbyclient")

    def _print(self, copy: Path, root: Path) -> bytes:
        from playwright.sync_api import Error

        ctx = self._browser.new_context(java_script_enabled=False, service_workers="block",
                                        accept_downloads=False, bypass_csp=False)
        try:
            ctx.route("**/*", lambda route: self._serve(route, root))
            tab = ctx.new_page()
            try:
                tab.goto(self.url_of(copy, root), wait_until="load", timeout=self.timeout * 1000)
                return tab.pdf(prefer_css_page_size=True, print_background=False, tagged=True, outline=True)
            except Error as exc:
                first = (str(exc).strip().splitlines() or ["no message"])[0]
                raise PdfError(f"Chromium printed no PDF for {copy.name}: {first}") from None
        finally:
            ctx.close()


# ------------------------------------------------------------------ finishing with pikepdf

_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.S)


def _headings(page_html: str) -> list[str]:
    """The text of every heading of an HTML page, in order, as a reader says it."""
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).split()) for m in _HEADING.finditer(page_html)]


def _fix_outline(pdf: Any, headings: Sequence[str]) -> None:
    """Bookmarks worded as the headings: Chromium drops the space where a heading wraps
    ("lessons:teacher edition"). Only when every bookmark matches its heading but for spaces."""
    with pdf.open_outline() as outline:
        items: list[Any] = []

        def walk(level: Any) -> None:
            for item in level:
                items.append(item)
                walk(item.children)
        walk(outline.root)
        squeeze = lambda t: "".join(t.split())  # noqa: E731
        if len(items) == len(headings) and all(squeeze(i.title) == squeeze(h) for i, h in zip(items, headings)):
            for item, text in zip(items, headings):
                item.title = text


def _finish(data: bytes, title: str, dest: Path, root: Path, lang: str = "en",
            headings: Sequence[str] = ()) -> int:
    """Links made relative to ``dest``, the document's title, language and viewer preferences set,
    dates dropped; written beside ``dest`` and renamed into place. Returns the number of pages."""
    import io

    import pikepdf

    # Where the PDF sits, seen from the printed folder (a PDF may be written outside it).
    base, here = ORIGIN + "/", os.path.relpath(dest.resolve().parent, root).replace(os.sep, "/")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.obj.Tabs = pikepdf.Name.S  # links in structure order (PDF/UA 7.18.3)
            _mark_artifacts(pdf, page)
            for annot in page.obj.get("/Annots", []):
                action = annot.get("/A")
                uri = str(action.get("/URI", "")) if action is not None else ""
                if uri.startswith(base):
                    # A link to a file of the same build, relative to this PDF, as on the HTML page.
                    path, _, frag = unquote(uri[len(base):]).partition("#")
                    uri = posixpath.relpath(path or ".", here) + (f"#{frag}" if frag else "")
                    action.URI = pikepdf.String(uri)
                if annot.get("/Subtype") == "/Link" and "/Contents" not in annot:
                    # A description of every link for assistive technology (PDF/UA 7.18.5).
                    where = uri or ("a place in this document" if "/Dest" in annot or action is not None else "")
                    annot.Contents = pikepdf.String(f"Link to {where}" if where else "Link")
        if headings:
            _fix_outline(pdf, headings)
        root = pdf.Root
        if "/Lang" not in root:
            root.Lang = pikepdf.String(lang)
        root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        root.MarkInfo = pikepdf.Dictionary(Marked=True)
        info = pdf.docinfo
        for key in list(info.keys()):
            del info[key]
        info.Title = pikepdf.String(title)
        info.Producer = pikepdf.String(_PRODUCER)
        info.Creator = pikepdf.String("summit_lessons")
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["dc:title"] = title
            xmp["dc:language"] = [lang]
            xmp["pdf:Producer"] = _PRODUCER
        pages = len(pdf.pages)
        tmp = dest.with_name(f".{dest.name}.partial")
        pdf.save(tmp, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 compress_streams=True, recompress_flate=False)
    os.replace(tmp, dest)
    return pages


#: Operators that paint (text, images, paths): content a reader either reads or is told to skip.
_PAINT = {"Tj", "TJ", "'", '"', "Do", "sh", "BI", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}
_BOUNDARY = {"BT", "ET", "q", "Q", "BDC", "BMC", "EMC"}


def _mark_artifacts(pdf: Any, page: Any) -> None:
    """Mark what Chromium prints outside its tags as artifacts (PDF/UA 7.1: nothing is left unmarked).

    Chromium tags the page's content but not the page-margin boxes (the credit line, the title and
    "page N of M"), which are decoration repeated on every page: each run of untagged painting is
    wrapped in ``/Artifact BMC ... EMC``, without crossing a text object or a graphics-state block.
    """
    import pikepdf

    ops = pikepdf.parse_content_stream(page)
    out: list[Any] = []
    run: list[Any] = []
    depth = 0
    changed = False

    def flush() -> None:
        nonlocal changed
        if run and any(str(op) in _PAINT for _, op in run):
            out.append(([pikepdf.Name.Artifact], pikepdf.Operator("BMC")))
            out.extend(run)
            out.append(([], pikepdf.Operator("EMC")))
            changed = True
        else:
            out.extend(run)
        run.clear()

    for operands, op in ops:
        name = str(op)
        if depth == 0 and name not in _BOUNDARY:
            run.append((operands, op))
            continue
        flush()
        if name in ("BDC", "BMC"):
            depth += 1
        elif name == "EMC":
            depth = max(0, depth - 1)
        out.append((operands, op))
    flush()
    if changed:
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


def write_pdf(printer: Printer, page: Path, dest: Path, title: str) -> int:
    """Print ``page`` to a tagged PDF at ``dest`` with ``title``; return the number of pages.

    ``dest`` must be inside the printer's folder (its links are made relative to it).
    """
    data = printer.pdf_bytes(page)
    return _finish(data, title, dest, printer.root or page.parent.resolve(),
                   headings=_headings(page.read_text(encoding="utf-8")))


# ------------------------------------------------------------------ combined documents


@dataclass
class Part:
    """One document of a combined PDF: its title, its HTML page and, once printed, where it starts."""

    title: str
    html: Path
    pages: int = 0
    start: int = 0
    credits: str | None = None  # replaces the part's own credits block when not None ("" drops it)


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_BODY = re.compile(r'<body class="([^"]*)">(.*)</body>', re.S)
_REF_ATTR = re.compile(r'\b(id|for|aria-labelledby|aria-describedby|headers)="([^"]*)"')
_LOCAL_REF = re.compile(r'\b(href|src)="(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"]*)"')


def _part_body(part: Part, n: int, prefix: str) -> tuple[list[str], str]:
    """A part's style blocks (its own page margins left out) and its body as a section."""
    text = part.html.read_text(encoding="utf-8")
    # Its own margin texts (the page_css block) give way to the combined file's.
    styles = [s for s in _STYLE.findall(text.split("</head>", 1)[0]) if "@top-left { content:" not in s]
    m = _BODY.search(text)
    if m is None:
        raise PdfError(f"cannot combine {part.html.name}: it has no <body class=...>")
    classes, body = m.groups()
    if part.credits is not None:
        body = _CREDITS_BLOCK.sub(lambda _m: part.credits or "", body, count=1)
    # One document: ids made unique per part, relative links made relative to the combined file.
    body = _REF_ATTR.sub(lambda a: f'{a.group(1)}="' + " ".join(f"p{n}-{v}" for v in a.group(2).split()) + '"', body)
    body = re.sub(r'href="#([^"]+)"', lambda a: f'href="#p{n}-{a.group(1)}"', body)
    if prefix:
        body = _LOCAL_REF.sub(lambda a: f'{a.group(1)}="{posixpath.normpath(prefix + "/" + a.group(2))}"', body)
    return styles, f'<div class="sl-part {classes}">\n{body}\n</div>'


def combined_html(parts: Sequence[Part], title: str, intro: str, *, credits: str, page_css: str,
                  folder: Path) -> str:
    """One HTML document: a contents page (each part's first page and length), then every part.

    Each part starts on a new page; ``page_css`` gives the whole file's margin boxes (one title,
    "page N of M" counting the file's pages). Chromium drops the unnamed ``@page`` rules on CSS
    named pages, so a per-part footer title is not possible this way.
    """
    styles: list[str] = []
    bodies = []
    for n, p in enumerate(parts, 1):
        prefix = posixpath.relpath(p.html.parent.resolve().as_posix(), folder.resolve().as_posix())
        s, body = _part_body(p, n, "" if prefix == "." else prefix)
        styles += [x for x in s if x not in styles]
        bodies.append(body)
    def number(v: int) -> str:
        return str(v) if v else "–"
    rows = "\n".join(f'<tr><th scope="row">{html.escape(p.title)}</th><td>{number(p.start)}</td>'
                     f"<td>{number(p.pages)}</td></tr>" for p in parts)
    style = "\n".join(f"<style>{s}</style>" for s in styles)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
{style}
<style>
{page_css}
.sl-part + .sl-part {{ break-before: page; page-break-before: always; }}
.sl-contents table {{ width: 100%; table-layout: fixed; }}
.sl-contents th[scope="col"]:nth-child(n+2), .sl-contents td {{ width: 7.5em; text-align: right; }}
.sl-contents th[scope="row"] {{ overflow-wrap: anywhere; }}
/* The credits under the contents in small print, so the contents stay one page. */
@media print {{
  .sl-contents .sl-credits {{ font-size: 7pt; line-height: 1.2; break-inside: auto; page-break-inside: auto; }}
  .sl-contents .sl-credits h2 {{ font-size: 9pt; margin: 0.4em 0 0.1em; }}
  .sl-contents .sl-credits p {{ margin: 0.15em 0; }}
  .sl-contents .sl-credits-outside {{ columns: 3; column-gap: 4mm; margin: 0.1em 0; }}
}}
</style></head>
<body class="sl-handout sl-combined">
<div class="sl-part sl-contents">
<main>
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
</div>
{chr(10).join(bodies)}
</body></html>
"""


def _top_level_starts(data: bytes) -> list[int]:
    """The 1-based page of every top-level bookmark (one per H1) of a PDF Chromium printed."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        index = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        names = pikepdf.NameTree(pdf.Root.Names.Dests) if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names else {}
        starts = []
        with pdf.open_outline() as outline:
            for item in outline.root:
                dest = item.destination
                if isinstance(dest, (pikepdf.String, pikepdf.Name, str)):
                    dest = names[str(dest)] if str(dest) in names else pdf.Root.Dests[str(dest)]
                if isinstance(dest, pikepdf.Dictionary):
                    dest = dest.D
                starts.append(index[dest[0].objgen] + 1)
        return starts


def write_combined(printer: Printer, parts: Sequence[Part], dest: Path, title: str, intro: str, *,
                   credits: str, page_css: str) -> int:
    """Print ``parts`` (HTML pages, each with one H1) as one tagged PDF after a contents page.

    The contents page gives the page each part starts on: the document is printed, the parts'
    first pages read from its bookmarks, and printed again with them (until they hold still).
    Returns the number of pages.
    """
    page = dest.with_name(f".{dest.stem}-combined.html")
    data, text = b"", ""
    try:
        for _ in range(4):
            text = combined_html(parts, title, intro, credits=credits, page_css=page_css, folder=dest.parent)
            page.write_text(text, encoding="utf-8")
            data = printer.pdf_bytes(page)
            starts = _top_level_starts(data)
            if len(starts) != len(parts) + 1:
                raise PdfError(f"cannot combine {dest.name}: expected one top-level heading per part, "
                               f"found {len(starts) - 1} for {len(parts)} parts")
            import io

            import pikepdf

            with pikepdf.open(io.BytesIO(data)) as pdf:
                total = len(pdf.pages)
            found = [(s, e - s) for s, e in zip(starts[1:], starts[2:] + [total + 1])]
            if found == [(p.start, p.pages) for p in parts]:
                break
            for p, (s, n) in zip(parts, found):
                p.start, p.pages = s, n
        else:
            raise PdfError(f"cannot combine {dest.name}: its contents page does not settle")
    finally:
        page.unlink(missing_ok=True)
    return _finish(data, title, dest, printer.root or page.parent.resolve(), headings=_headings(text))


# ------------------------------------------------------------------ a whole handout folder

_EDITION_LABELS = {"student": "Student edition", "teacher": "Teacher edition"}


def print_folder(folder: Path, metas: Sequence[dict[str, Any]], editions: Sequence[str], *,
                 paper: str = "a4", chromium: str | None = None,
                 progress: Any = None, forms: Sequence[tuple[str, str]] = ()) -> list[Path]:
    """A PDF beside every HTML page of a built handout folder, and the combined PDFs.

    ``metas`` are the lessons' metadata, each with ``file_stem``. Combined: ``student.pdf`` and
    ``teacher.pdf`` (every lesson of that edition after a contents page) and ``key/index.pdf``
    (the teacher's key of every lesson) when the key was built. ``forms`` are further
    ``(folder, label)`` pages of each lesson to print (the worksheet, the lesson plan).
    Returns the PDFs written.
    """
    from .credits import credits_html, latest_date, outside_sources
    from .page import page_css

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
    with Printer(chromium, paper, root=folder) as printer:
        def one(page: Path, title: str) -> Part:
            dest = page.with_suffix(".pdf")
            n = write_pdf(printer, page, dest, title)
            written.append(dest)
            return Part(title, page, n)

        one(folder / "index.html", "The Anchorage summit lessons: handouts")
        for sub, label in forms:
            for m in metas:
                page = folder / sub / f"{m['file_stem']}.html"
                if page.is_file():
                    one(page, f"{m['title']} ({label})")
        for e in editions:
            parts = [one(folder / e / f"{m['file_stem']}.html", f"{m['title']} ({_EDITION_LABELS[e]})") for m in metas]
            dest = folder / f"{e}.pdf"
            title = f"The Anchorage summit lessons: {_EDITION_LABELS[e].lower()}"
            n = write_combined(printer, parts, dest, title,
                               f"Every lesson of the {_EDITION_LABELS[e].lower()}, in reading order.",
                               credits=credits_html(accurate, outside=outside),
                               page_css=page_css(title, accurate, outside=bool(outside)))
            written.append(dest)
            say(f"{dest.name}: {n} pages")
        key = folder / "key"
        if key.is_dir():
            from .page import KEY_TITLE

            parts = [one(key / f"{m['file_stem']}.html", f"Teacher's key: {m['title']}") for m in metas]
            # The credits once, at the end of the whole key (they name every lesson's outside sources).
            for p in parts:
                p.credits = ""
            if parts:
                parts[-1].credits = credits_html(accurate, outside=outside)
            dest = key / "index.pdf"
            n = write_combined(printer, parts, dest, KEY_TITLE, "The key of every lesson, in reading order.",
                               credits="", page_css=page_css(KEY_TITLE, accurate, outside=bool(outside)))
            written.append(dest)
            say(f"key/index.pdf: {n} pages")
        if printer.refused:
            say(f"warning: the printer refused {len(printer.refused)} request(s) to files outside {folder} "
                f"or to the network, first {printer.refused[0][:120]}")
    return written
