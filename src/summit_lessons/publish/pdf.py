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
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import unquote, urlsplit

__all__ = ["CHROMIUM_FLAGS", "PAPERS", "PdfError", "Printer", "find_chromium", "missing_chromium_message",
           "pdf_unavailable", "write_pdf"]

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
        _stable_ids(pdf)
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


def _stable_ids(pdf: Any) -> None:
    """Structure element IDs numbered in reading order, so two prints give the same bytes.

    Chromium names a table's header cells after its internal DOM node counter ("node00000044"),
    which shifts by one when the page happens to create a node more (seen under load). The IDs
    only link a data cell to its headers (``/Headers``) through the ``/IDTree``: renaming both
    consistently changes nothing a reader sees.
    """
    import pikepdf

    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None or "/IDTree" not in tree:
        return
    elems: list[Any] = []
    seen: set[tuple[int, int]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
        elif isinstance(node, pikepdf.Dictionary) and node.get("/Type", pikepdf.Name.StructElem) == "/StructElem":
            if node.is_indirect:
                if node.objgen in seen:
                    return
                seen.add(node.objgen)
            elems.append(node)
            if "/K" in node:
                walk(node.K)

    walk(tree.get("/K", pikepdf.Array()))
    named = [e for e in elems if "/ID" in e]
    renamed = {bytes(e.ID): f"id{n:05d}".encode() for n, e in enumerate(named, 1)}
    for elem in named:
        elem.ID = pikepdf.String(renamed[bytes(elem.ID)])
    for elem in elems:
        for attrs in (elem.get("/A") if isinstance(elem.get("/A"), pikepdf.Array) else [elem.get("/A")]):
            if isinstance(attrs, pikepdf.Dictionary) and "/Headers" in attrs:
                attrs.Headers = pikepdf.Array(
                    [pikepdf.String(renamed.get(bytes(h), bytes(h))) for h in attrs.Headers])
    names = pikepdf.Array()
    for elem in sorted(named, key=lambda e: bytes(e.ID)):
        names.append(pikepdf.String(bytes(elem.ID)))
        names.append(elem if elem.is_indirect else pdf.make_indirect(elem))
    tree.IDTree = pdf.make_indirect(pikepdf.Dictionary(Names=names))


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
