"""Handouts on paper, checked in Debian's headless Chromium: worksheets, PDFs and the real lessons.

The PDFs are read back with pypdf (page count, title, footer, credit line, text) and pikepdf (the
structure tree, language, title, bookmarks: tests/pdfstruct.py), the worksheet is looked at in print
media (answer lines visible and sized, invisible on screen), and real pages are printed and each
page's ink measured with pdftoppm, so a page left half empty fails. Screenshots go to
build/screenshots/ (worksheet-print.png, pdf-teacher-02-page-N.png, pdf-student-02-page-01.png,
half-empty-*.png when a page fails).
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from test_browser import browser  # noqa: F401  (the shared Chromium fixture, Debian's chromium)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
FIX = Path(__file__).parent / "fixtures" / "handouts" / "notebooks"
LESSONS = [FIX / "01_alpha.ipynb", FIX / "02_beta.ipynb"]
MM = 96 / 25.4  # CSS px per millimetre


def _chromium() -> str:
    from summit_lessons.publish.pdf import find_chromium

    path = find_chromium()
    if path:
        return path
    why = "Debian's chromium is not installed: run `make browser` (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(why + " — on CI the browser checks must run")
    pytest.skip(why)


def _pdftoppm() -> str:
    path = shutil.which("pdftoppm")
    if path:
        return path
    why = "pdftoppm is not installed: run `make browser` (apt-get install poppler-utils)"
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


def _reference() -> dict[str, str]:
    from summit_lessons import data_dir

    with open(data_dir() / "sources.csv", encoding="utf-8", newline="") as fh:
        return next(r for r in csv.DictReader(fh) if r["origin"] == "seed" and r["kind"] == "encyclopedia")


def _text(page) -> str:
    # NFKC: Chromium's fonts print "fi" as one ligature glyph.
    return " ".join(unicodedata.normalize("NFKC", page.extract_text()).split())


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    _chromium()
    from summit_lessons.publish.handouts import build

    root = tmp_path_factory.mktemp("printed")
    build(root / "one", notebooks=LESSONS, cache_dir=root / "cache", progress=None, pdf=True)
    return root


@pytest.fixture(scope="module")
def real_handouts() -> Path:
    """The six real lessons, built as a teacher would (the project cache makes a second build cheap)."""
    _chromium()
    out = ROOT / "build" / "print-test-handouts"
    subprocess.run([sys.executable, "-m", "summit_lessons.cli", "handouts", "--out", str(out)],
                   check=True, cwd=ROOT, capture_output=True, text=True)
    return out




# ------------------------------------------------------------------ PDFs read back


def test_every_handout_pdf_has_its_title_footer_page_numbers_and_credit_line(printed):
    from pypdf import PdfReader

    out = printed / "one"
    for html in sorted(out.rglob("*.html")):
        if "slides" in html.relative_to(out).parts:
            continue  # a deck prints from the browser, one slide per page (?print-pdf), not in the build
        assert html.with_suffix(".pdf").is_file(), f"no PDF beside {html.relative_to(out)}"
    reader = PdfReader(out / "student" / "01_alpha.pdf")
    assert reader.metadata.title == "Alpha: a fixture lesson (Student edition)"
    assert reader.metadata.get("/CreationDate") is None and reader.metadata.get("/ModDate") is None
    n = len(reader.pages)
    assert n >= 2  # the fixture lesson with its worksheet lines runs over one page
    for i, page in enumerate(reader.pages, 1):
        text = _text(page)
        assert "Alpha: a fixture lesson (Student edition)" in text, (i, text)
        assert f"page {i} of {n}" in text, (i, text)
        assert "Content CC BY-SA 4.0, code MIT. Facts from the encyclopedia article" in text, (i, text)
        assert "Accurate as of 19 November 2025" in text, (i, text)
    whole = " ".join(_text(p) for p in reader.pages)
    assert "Exercise 1: describe the figure" in whole and "Name Class Date" in whole
    assert "SOLUTION-MARKER" not in whole and "INSTRUCTOR-MARKER" not in whole
    key = " ".join(_text(p) for p in PdfReader(out / "key" / "01_alpha.pdf").pages)
    assert "SOLUTION-MARKER" in key and "INSTRUCTOR-MARKER" in key


def test_combined_pdf_has_a_contents_page_and_bookmarks(printed):
    from pypdf import PdfReader

    out = printed / "one"
    parts = [PdfReader(out / "teacher" / f"{p.stem}.pdf") for p in LESSONS]
    reader = PdfReader(out / "teacher.pdf")
    assert reader.metadata.title == "The Anchorage summit lessons: teacher edition"
    assert len(reader.pages) == 1 + sum(len(p.pages) for p in parts)
    titles = ["Alpha: a fixture lesson (Teacher edition)", "Beta: a second fixture lesson (Teacher edition)"]
    # One document: the bookmarks are its headings, each lesson's H1 at the top level, its sections below.
    top = [o for o in reader.outline if not isinstance(o, list)]
    assert [o.title for o in top] == ["The Anchorage summit lessons: teacher edition", "Alpha: a fixture lesson",
                                      "Beta: a second fixture lesson"]
    assert any(isinstance(o, list) and "Exercise 1: describe the figure" in str(o) for o in reader.outline)
    starts = [reader.get_destination_page_number(o) for o in top]
    assert starts == [0, 1, 1 + len(parts[0].pages)]
    contents = _text(reader.pages[0])
    assert "Contents" in contents and "CC BY-SA 4.0" in contents
    assert f"{titles[0]} 2 {len(parts[0].pages)}" in contents  # title, first page, pages
    assert f"{titles[1]} {2 + len(parts[0].pages)} {len(parts[1].pages)}" in contents
    # The viewer's page numbers are the file's, as on the contents page.
    assert reader.page_labels[:3] == ["1", "2", "3"]
    # In the combined file every footer counts the file's pages, as the contents page does.
    total = len(reader.pages)
    for i, page in enumerate(reader.pages, 1):
        assert f"page {i} of {total}" in _text(page), (i, _text(page)[-200:])
    second = _text(reader.pages[1 + len(parts[0].pages)])
    assert "Beta: a second fixture lesson" in second and "Teacher edition" in second
    # Else the same page as the lesson's own PDF (the footer names the file, not the lesson).
    numbers = re.compile(r"page \d+ of \d+|Alpha: a fixture lesson \(Teacher edition\)|"
                         r"The Anchorage summit lessons: teacher edition")
    assert numbers.sub("", _text(reader.pages[1])) == numbers.sub("", _text(parts[0].pages[0]))


def test_two_pdf_builds_give_the_same_bytes(printed):
    from summit_lessons.publish.handouts import build

    build(printed / "two", notebooks=LESSONS, cache_dir=printed / "cache", progress=None, pdf=True)
    first = {p.relative_to(printed / "one"): p.read_bytes() for p in (printed / "one").rglob("*.pdf")}
    second = {p.relative_to(printed / "two"): p.read_bytes() for p in (printed / "two").rglob("*.pdf")}
    # index, 2 lessons x (student, teacher, worksheet, plan, key), key index, student.pdf, teacher.pdf
    assert sorted(first) == sorted(second) and len(first) == 14
    assert [k for k in first if first[k] != second[k]] == []


def test_header_cells_numbered_differently_by_chromium_give_the_same_file(tmp_path):
    """Chromium names a table's header cells after a DOM node counter ("node00000044") that now and
    then shifts by one between two builds (seen under load): the finished PDF must not change."""
    import io

    import pikepdf

    from summit_lessons.publish.pdf import Printer, _finish

    page = tmp_path / "table.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title></head>'
                    "<body><h1>T</h1><table><thead><tr><th>Date</th><th>Event</th></tr></thead>"
                    "<tbody><tr><td>15 Aug 2025</td><td>Summit</td></tr></tbody></table></body></html>",
                    encoding="utf-8")
    with Printer(_chromium(), "a4", root=tmp_path) as printer:
        printed = printer.pdf_bytes(page)

    def shifted(data: bytes, by: int) -> bytes:
        """The same print with every node name moved on by ``by``, as a busier renderer names them."""
        rename = lambda s: re.sub(rb"node(\d+)", lambda m: b"node%08d" % (int(m.group(1)) + by), bytes(s))  # noqa: E731
        out = io.BytesIO()
        with pikepdf.open(io.BytesIO(data)) as pdf:
            ids = pikepdf.NameTree(pdf.Root.StructTreeRoot.IDTree)
            assert len(ids) == 2  # both header cells are named: the case at stake
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary) and "/ID" in obj:
                    obj.ID = pikepdf.String(rename(obj.ID))
                attrs = obj.get("/A") if isinstance(obj, pikepdf.Dictionary) else None
                for a in (attrs if isinstance(attrs, pikepdf.Array) else [attrs]):
                    if isinstance(a, pikepdf.Dictionary) and "/Headers" in a:
                        a.Headers = pikepdf.Array([pikepdf.String(rename(h)) for h in a.Headers])
            names = {rename(k.encode()): v for k, v in ids.items()}
            pdf.Root.StructTreeRoot.IDTree = pikepdf.Dictionary(
                Names=pikepdf.Array([x for k in sorted(names) for x in (pikepdf.String(k), names[k])]))
            pdf.save(out, static_id=True)
        return out.getvalue()

    files = []
    for n, by in enumerate((0, 1, 37)):
        _finish(shifted(printed, by), "T", tmp_path / f"{n}.pdf", tmp_path)
        files.append((tmp_path / f"{n}.pdf").read_bytes())
    assert files[1] == files[0] and files[2] == files[0]


def test_letter_paper_gives_letter_pages(printed):
    from pypdf import PdfReader

    from summit_lessons.publish.handouts import build

    build(printed / "letter", editions=["student"], notebooks=LESSONS, cache_dir=printed / "cache",
          progress=None, pdf=True, paper="letter")
    box = PdfReader(printed / "letter" / "student" / "01_alpha.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # 8.5 x 11 in
    box = PdfReader(printed / "one" / "student" / "01_alpha.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4


# ------------------------------------------------------------------ worksheets in print media


def _boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(selector, """els => els.map(e => {
        const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
        return {h: r.height, w: r.width, visible: s.display !== 'none' && s.visibility !== 'hidden' && r.height > 0};
    })""")


def test_worksheet_answer_lines_show_in_print_and_stay_short_on_screen(printed, browser):
    ctx = browser.new_context(viewport={"width": 680, "height": 1000})
    page = ctx.new_page()
    page.goto((printed / "one" / "student" / "01_alpha.html").as_uri(), wait_until="load")
    screen_lines = _boxes(page, ".sl-line")
    assert len(screen_lines) == 6 and not any(b["visible"] for b in screen_lines)
    space = _boxes(page, ".sl-answer-space")
    assert len(space) == 1 and space[0]["visible"] and space[0]["h"] < 110  # a short box on screen
    assert not _boxes(page, ".sl-worksheet-id")[0]["visible"]
    page.emulate_media(media="print")
    lines = _boxes(page, ".sl-line")
    assert all(b["visible"] for b in lines) and len(lines) == 6
    assert all(8 * MM <= b["h"] <= 10 * MM and b["w"] > 500 for b in lines), lines  # 9 mm apart, page-wide
    ident = _boxes(page, ".sl-worksheet-id .sl-fill")
    assert len(ident) == 3 and all(b["visible"] and b["w"] > 60 for b in ident)
    ctx.close()


def test_real_worksheet_prints_with_lines_sized_to_each_exercise(real_handouts, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 680, "height": 1009})
    page = ctx.new_page()
    page.goto((real_handouts / "student" / "02_summit_day.html").as_uri(), wait_until="load")
    page.emulate_media(media="print")
    counts = page.eval_on_selector_all(".sl-lines", "els => els.map(e => e.querySelectorAll('.sl-line').length)")
    exercises = page.eval_on_selector_all(".sl-cell-exercise h3", "els => els.map(e => e.textContent)")
    assert len(counts) == len(exercises) >= 3
    import json

    from summit_lessons.lessons import notebook_paths

    nb = json.loads(next(p for p in notebook_paths() if p.stem == "02_summit_day").read_text(encoding="utf-8"))
    wanted = [c["metadata"].get("summit_lessons", {}).get("answer_lines") for c in nb["cells"]
              if "exercise" in c["metadata"].get("tags", [])]
    assert len(wanted) == len(counts)
    for title, n, w in zip(exercises, counts, wanted):
        # As the exercise's metadata says (the London time needs 2 lines), else by kind of task.
        assert n == (w or (12 if title.startswith("Closing task") else 6)), (title, n, w)
    assert min(counts) < max(counts)  # sized, not one size for all
    target = page.locator(".sl-answer-space").first
    target.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "worksheet-print.png"), full_page=False)
    ctx.close()


def test_wide_tables_fit_a4_and_letter(real_handouts, browser):
    # Content width: A4 210 mm and Letter 215.9 mm, less the 15 mm side margins of the handouts.
    for paper, width_mm in (("A4", 180), ("Letter", 185.9)):
        width = int(width_mm * MM)
        for name in ("01_background", "02_summit_day", "03_aftermath"):
            ctx = browser.new_context(viewport={"width": width, "height": 1000})
            page = ctx.new_page()
            page.goto((real_handouts / "student" / f"{name}.html").as_uri(), wait_until="load")
            page.emulate_media(media="print")
            over = page.evaluate("""w => [...document.querySelectorAll('table')]
                .filter(t => t.getBoundingClientRect().right > w + 1).map(t => t.caption ? t.caption.textContent : '?')""",
                                 width)
            ctx.close()
            assert over == [], (paper, name, over)


# ------------------------------------------------------------------ the real lessons on paper


def _ink_bottoms(pdf: Path, out_prefix: Path) -> list[float]:
    """Per page, how far down the body's ink reaches, as a share of the body (margins excluded)."""
    from PIL import Image

    subprocess.run([_pdftoppm(), "-r", "40", "-png", str(pdf), str(out_prefix)], check=True)
    shares = []
    for png in sorted(out_prefix.parent.glob(out_prefix.name + "-*.png")):
        im = Image.open(png).convert("L")
        w, h = im.size
        top, bottom = int(h * 22 / 297), int(h * (297 - 20) / 297)  # inside the page-margin boxes
        px = im.load()
        last = top
        for y in range(top, bottom):
            if any(px[x, y] < 160 for x in range(int(w * 0.05), int(w * 0.95), 2)):
                last = y
        shares.append((last - top) / (bottom - top))
    return shares


def test_teacher_edition_of_02_has_no_half_empty_pages(real_handouts, tmp_path):
    """Each quiz question once took a page of its own (16 pages, 13-14 nearly empty)."""
    from pypdf import PdfReader

    from summit_lessons.publish.pdf import Printer, write_pdf

    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = tmp_path / "teacher-02.pdf"
    with Printer(_chromium(), "a4") as printer:
        n = write_pdf(printer, real_handouts / "teacher" / "02_summit_day.html", pdf, "t")
        student = write_pdf(printer, real_handouts / "student" / "02_summit_day.html", tmp_path / "s.pdf", "s")
    assert n >= 1 and student >= 1, (n, student)
    shares = _ink_bottoms(pdf, tmp_path / "page")
    half_empty = [i for i, s in enumerate(shares[:-1], 1) if s < 0.6]
    for i in {1, *half_empty}:
        shutil.copy(tmp_path / f"page-{i:02d}.png", SHOTS / f"pdf-teacher-02-page-{i}.png")
    assert half_empty == [], f"pages {half_empty} of {n} end above 60% of the page: {shares}"
    subprocess.run([_pdftoppm(), "-r", "80", "-png", "-f", "1", "-l", "1", str(tmp_path / "s.pdf"),
                    str(SHOTS / "pdf-student-02-page")], check=True)
    text = " ".join(_text(p) for p in PdfReader(pdf).pages)
    assert "Self-check" in text and "Answer (teacher edition)" in text


def test_links_in_the_pdfs_lead_to_the_sibling_pdfs(printed):
    from pypdf import PdfReader

    out = printed / "one"
    uris = []
    for page in PdfReader(out / "index.pdf").pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
    local = [u for u in uris if not u.startswith("https://")]
    assert "student/01_alpha.pdf" in local and "key/index.pdf" in local, uris
    assert all(u.endswith(".pdf") and not u.startswith(("file:", "/")) for u in local), local
    text = " ".join(_text(p) for p in PdfReader(out / "index.pdf").pages)
    squeezed = text.replace(" ", "")  # a printed address wraps anywhere in a narrow column
    assert "(student/01_alpha.pdf)" in squeezed and ".html)" not in squeezed


# ------------------------------------------------------------------ the key and the index, printed


def test_each_lesson_key_prints_on_three_pages_at_most_and_no_page_holds_only_the_credits(real_handouts, tmp_path):
    """Lesson 04's key took 4 pages, its last holding only the credits block (review of issue 10); the
    rubrics added in December (issue 21) take lessons 04 and 05 onto a third page. A last page may hold the
    credits below at least one whole answer, never the credits alone or below a stray line."""
    from pypdf import PdfReader

    from summit_lessons.publish.pdf import Printer, write_pdf

    keys = sorted((real_handouts / "key").glob("[0-9]*.html"))
    assert len(keys) == 6
    pages = {}
    with Printer(_chromium(), "a4") as printer:
        for html in keys:
            pdf = tmp_path / f"{html.stem}.pdf"
            pages[html.stem] = write_pdf(printer, html, pdf, html.stem)
            reader = PdfReader(pdf)
            n = len(reader.pages)
            for i, page in enumerate(reader.pages, 1):
                text = _text(page)
                # What the page holds below its margin boxes (credit line on top, title and number below).
                body = text.split(f"page {i} of {n}", 1)[1]
                if "Credits and licences" in body:
                    before = body.split("Credits and licences", 1)[0]
                    # At least one whole answer above the credits: a self-check answer with its reason, or a
                    # solution or rubric (lesson 02's key ends with one self-check answer, then the credits).
                    assert re.search(r"\bWhy:|Solution|Rubric", before) and len(before) > 150, \
                        f"{html.stem}: page {i} of {n} holds little but the credits: {body[:300]}"
            assert body.count("Credits and licences") + sum(
                _text(p).count("Credits and licences") for p in reader.pages[:-1]) == 1, html.stem
    assert all(n <= 3 for n in pages.values()), pages


def test_printed_index_has_one_total_row_and_whole_file_names(real_handouts, tmp_path):
    """The total row was a <tfoot>, which Chromium repeats on every page; addresses broke mid-word."""
    from pypdf import PdfReader

    from summit_lessons.publish.pdf import Printer, write_pdf

    pdf = tmp_path / "index.pdf"
    with Printer(_chromium(), "a4") as printer:
        n = write_pdf(printer, real_handouts / "index.html", pdf, "index")
    texts = [_text(p) for p in PdfReader(pdf).pages]
    assert n >= 2, "the index fits one page: a repeated row could not show"
    assert sum(len(re.findall(r"\bTotal \d+ \d+\b", t)) for t in texts) == 1, texts
    whole = " ".join(texts)
    assert whole.index("Two accounts") < re.search(r"\bTotal \d+ \d+\b", whole).start(), "the total is not last"
    for stem in ("00_start_here", "05_two_accounts"):
        assert f"(student/{stem}.pdf)" in whole and f"(teacher/{stem}.pdf)" in whole, stem


# ------------------------------------------------------------------ tagged PDFs (issue 18)


def _html_of(pdf: Path, out: Path) -> list[Path]:
    """The HTML pages a PDF of the build was printed from (several for a combined file)."""
    if pdf.name in ("student.pdf", "teacher.pdf"):
        return sorted((out / pdf.stem).glob("[0-9]*.html"))
    if pdf.parent.name == "key" and pdf.stem == "index":
        return sorted(pdf.parent.glob("[0-9]*.html"))
    return [pdf.with_suffix(".html")]


def test_every_pdf_of_a_build_is_tagged_with_language_title_headings_figures_tables_and_outline(printed):
    """Each point of issue 18, on every PDF the build wrote, read back with pikepdf."""
    import pikepdf
    from bs4 import BeautifulSoup

    from pdfstruct import read

    out = printed / "one"
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) == 14
    for pdf in pdfs:
        name = pdf.relative_to(out).as_posix()
        s = read(pdf)
        assert s.marked and s.lang == "en" and s.display_doc_title, (name, s.summary())
        assert s.title and not s.title.startswith(".print-"), (name, s.title)
        with pikepdf.open(pdf) as doc, doc.open_metadata() as xmp:
            assert xmp.get("dc:title") == s.title, name  # the title in the XMP too, as PDF/UA asks
            assert "/CreationDate" not in doc.docinfo and "/ModDate" not in doc.docinfo, name
        # Headings: an H1 first, no level skipped, and one bookmark per heading at its level.
        levels = s.headings
        assert levels and levels[0] == 1, (name, levels)
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (name, levels)
        assert [d + 1 for d, _ in s.outline] == levels, (name, s.outline, levels)
        pages = [BeautifulSoup(h.read_text(encoding="utf-8"), "html.parser") for h in _html_of(pdf, out)]
        combined = len(pages) > 1
        if not combined:
            assert s.counts["H1"] == 1, name
        # Figures: every one with the same alternative text as the HTML.
        html_alts = sorted(i["alt"] for p in pages for i in p.find_all("img"))
        assert sorted(a or "" for a in s.figures) == html_alts, (name, s.figures, html_alts)
        assert all(s.figures), name
        # Tables: as many as the HTML has (plus the contents of a combined file), each with header cells.
        html_tables = sum(len(p.find_all("table")) for p in pages) + (1 if pdf.parent == out and pdf.stem != "index" or
                                                                      name == "key/index.pdf" else 0)
        assert len(s.tables) == html_tables, (name, len(s.tables), html_tables)
        assert all("TH" in cells for cells in s.tables), (name, s.tables)
        # Lists as lists.
        if any(p.find("main").find_all("li") for p in pages):
            assert s.counts["L"] and s.counts["LI"], (name, s.summary())
    combined = read(out / "student.pdf")
    assert combined.counts["H1"] == 1 + len(LESSONS)  # the contents page, then each lesson
    assert combined.figures and combined.tables


#: What the PDF/UA checker may still say, and why. The files do not declare PDF/UA conformance in
#: their XMP (pdfuaid:part): the checker covers 16 of PDF/UA-1's 106 machine-checkable rules and
#: the full validator (veraPDF) is a Java program no package registry here offers, so the
#: declaration would claim what no tool here has verified.
PDFUA_ALLOWED = {"UA-28-004"}


def test_every_pdf_of_a_build_passes_a_pdf_ua_checker(printed):
    """A real checker, pdfua (PyPI), on every PDF the build wrote: no error, no warning but the
    undeclared conformance, and every implemented rule run or named as skipped."""
    out = printed / "one"
    pdfs = sorted(str(p) for p in out.rglob("*.pdf"))
    assert len(pdfs) == 14
    checker = Path(sys.executable).with_name("pdfua")
    reports = []
    for pdf in pdfs:  # one file a call: with several, the JSON reports are printed back to back
        run = subprocess.run([str(checker), "check", "--format", "json", pdf], capture_output=True, text=True)
        assert run.returncode in (0, 1, 2, 3), (pdf, run.returncode, run.stderr)  # 4, 5: unreadable, misuse
        reports.append(json.loads(run.stdout))
    for r in reports:
        name = Path(r["file"]).relative_to(out).as_posix()
        assert r["summary"]["errors"] == 0, (name, r["findings"])
        assert {f["rule_id"] for f in r["findings"]} <= PDFUA_ALLOWED, (name, r["findings"])
        assert r["summary"]["rules_run"] >= 11, (name, r["summary"], r["skipped"])


def test_pdfs_stay_about_as_small_as_before(printed):
    """Tagging adds a structure tree; the files stay in the size they had untagged (the fixture
    lessons printed to 37-80 KB each before)."""
    out = printed / "one"
    sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in out.rglob("*.pdf")}
    assert all(n < 150_000 for n in sizes.values()), sizes


# ------------------------------------------------------------------ worksheets on paper (issue 18)


def _pdf_text(pdf: Path) -> str:
    from pypdf import PdfReader

    return " ".join(_text(p) for p in PdfReader(pdf).pages)


@pytest.fixture(scope="module")
def real_pdfs(real_handouts, tmp_path_factory) -> Path:
    """Lesson 02's student, teacher and worksheet pages, every worksheet and lesson plan, printed."""
    from summit_lessons.publish.pdf import Printer, write_pdf

    out = tmp_path_factory.mktemp("real-pdfs")
    with Printer(_chromium(), "a4", root=real_handouts) as printer:
        for sub in ("worksheet", "plan", "student", "teacher"):
            (out / sub).mkdir()
            for html in sorted((real_handouts / sub).glob("[0-9]*.html")):
                if sub in ("student", "teacher") and html.stem != "02_summit_day":
                    continue
                pdf = real_handouts / sub / f".test-{html.stem}.pdf"
                try:
                    write_pdf(printer, html, pdf, html.stem)
                    shutil.move(pdf, out / sub / f"{html.stem}.pdf")
                finally:
                    pdf.unlink(missing_ok=True)
    return out


def test_printed_student_02_has_one_answer_area_per_exercise_and_nothing_a_pencil_cannot_do(real_pdfs):
    text = _pdf_text(real_pdfs / "student" / "02_summit_day.pdf")
    exercises = re.findall(r"(?:Exercise \d+:|Closing task:)", text)
    assert len(exercises) == 4, exercises
    assert text.count("Your answer.") == len(exercises), text.count("Your answer.")  # the ruled lines
    assert "Your answer:" not in text and "Check your answer" not in text  # no second area from the check
    for notebook_only in ("Shift+Enter", "run this cell", "In the notebook", "press Check", "Try again"):
        assert notebook_only not in text, notebook_only
    assert "Your answer (letter):" in text  # the self-check still has its place for a letter


def test_no_page_of_the_student_or_teacher_02_or_any_worksheet_is_left_half_empty(real_pdfs, tmp_path):
    """Lesson 02's Exercise 1 once sat on a page 60% empty: the next exercise was kept whole."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdfs = [real_pdfs / "student" / "02_summit_day.pdf", real_pdfs / "teacher" / "02_summit_day.pdf",
            *sorted((real_pdfs / "worksheet").glob("*.pdf"))]
    for pdf in pdfs:
        prefix = tmp_path / f"{pdf.parent.name}-{pdf.stem}"
        shares = _ink_bottoms(pdf, prefix)
        low = [i for i, s in enumerate(shares[:-1], 1) if s < 0.6]
        for i in low:
            shutil.copy(f"{prefix}-{i:0{len(str(len(shares)))}d}.png", SHOTS / f"half-empty-{prefix.name}-{i}.png")
        assert low == [], f"{pdf.parent.name}/{pdf.name}: pages {low} end above 60% of the page: {shares}"


def test_each_worksheet_takes_two_to_four_pages_and_each_lesson_plan_one(real_pdfs):
    from pypdf import PdfReader

    worksheets = sorted((real_pdfs / "worksheet").glob("*.pdf"))
    plans = sorted((real_pdfs / "plan").glob("*.pdf"))
    assert len(worksheets) == len(plans) == 6
    pages = {p.stem: len(PdfReader(p).pages) for p in worksheets}
    assert all(2 <= n <= 4 for n in pages.values()), pages
    assert {p.stem: len(PdfReader(p).pages) for p in plans} == {p.stem: 1 for p in plans}
    text = _pdf_text(real_pdfs / "worksheet" / "02_summit_day.pdf")
    for wanted in ("Worksheet", "Name", "Exercise 1: the clock in London", "Closing task", "Self-check",
                   "The summit day in five clocks", "Your answer (letter):"):
        assert wanted in text, wanted
    assert "The arrival at the base" not in text and "Key points" not in text  # the reading stays in the handout
    plan = _pdf_text(real_pdfs / "plan" / "02_summit_day.pdf")
    for wanted in ("Lesson plan", "30 minutes teaching, 20 minutes exercises", "Exercise 1: the clock in London",
                   "The day in five clocks", "The worksheet"):
        assert wanted in plan, wanted


def test_teacher_02_says_solution_once_per_box_and_drops_the_students_check_instructions(real_pdfs, real_handouts):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((real_handouts / "teacher" / "02_summit_day.html").read_text(encoding="utf-8"), "html.parser")
    for box in soup.select(".sl-box"):
        label = box.select_one(".sl-box-label").get_text(" ", strip=True)
        body = box.get_text(" ", strip=True)[len(label):].strip()
        assert not re.match(r"(Solution|Instructor note)\b", body), (label, body[:80])
    text = _pdf_text(real_pdfs / "teacher" / "02_summit_day.pdf")
    assert "Solution." not in text and "Instructor note." not in text
    assert text.count("SOLUTION (TEACHER EDITION ONLY)") == 3  # Exercises 1, 2-3 and the closing task
    assert "Shift+Enter" not in text and "On paper, write your answer on the line" not in text
    assert "Your answer:" not in text


def test_a_wrapped_quiz_question_stays_inside_its_box(real_handouts, browser):
    """The fieldset's top border ran through a question's second line (a legend straddles it)."""
    ctx = browser.new_context(viewport={"width": int(180 * MM), "height": 1000})
    page = ctx.new_page()
    page.goto((real_handouts / "student" / "02_summit_day.html").as_uri(), wait_until="load")
    page.emulate_media(media="print")
    boxes = page.eval_on_selector_all("fieldset.sl-quiz-static", """els => els.map(f => {
        const l = f.querySelector('legend').getBoundingClientRect(), b = f.getBoundingClientRect();
        const size = parseFloat(getComputedStyle(f.querySelector('legend')).fontSize);
        return {legend: l.top, wrapped: l.height > 2 * size, border: b.top + parseFloat(getComputedStyle(f).borderTopWidth)};
    })""")
    ctx.close()
    assert len(boxes) == 4
    assert any(b["wrapped"] for b in boxes), boxes  # at least one question wraps
    assert all(b["legend"] >= b["border"] for b in boxes), boxes


def test_the_contents_of_a_combined_pdf_fit_the_page(real_handouts, browser):
    """The contents table of student.pdf, teacher.pdf and the key ran past the page's right edge."""
    from summit_lessons.publish.page import page_css
    from summit_lessons.publish.combined import Part, combined_html

    width = int(180 * MM)  # A4 less the side margins
    for sub in ("student", "teacher", "key"):
        parts = [Part(f"{h.stem.replace('_', ' ')}: a long title of this lesson ({sub} edition)", h, 12, 2 + 12 * i)
                 for i, h in enumerate(sorted((real_handouts / sub).glob("[0-9]*.html")))]
        doc = real_handouts / f".contents-{sub}.html"
        doc.write_text(combined_html(parts, "Title", "Intro.", credits="", page_css=page_css("T", "2025-11-19"),
                                     folder=real_handouts), encoding="utf-8")
        try:
            ctx = browser.new_context(viewport={"width": width, "height": 1000})
            page = ctx.new_page()
            page.goto(doc.as_uri(), wait_until="load")
            page.emulate_media(media="print")
            right = page.eval_on_selector(".sl-contents table", "t => t.getBoundingClientRect().right")
            ctx.close()
        finally:
            doc.unlink(missing_ok=True)
        assert right <= width + 0.5, (sub, right, width)
