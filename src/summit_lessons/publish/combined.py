"""Combined PDFs and whole handout folders: one file per edition (every lesson in reading order,
with a contents page), the teacher's key in one file, and :func:`print_folder`, which prints every
page of a handouts build. Each page is printed and finished by :mod:`summit_lessons.publish.pdf`.
"""
from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .pdf import _CREDITS_BLOCK, PdfError, Printer, _finish, _headings, find_chromium, pdf_unavailable, write_pdf

__all__ = ["Part", "combined_html", "write_combined", "print_folder"]

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
