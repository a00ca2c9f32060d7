"""One lesson as one printed page: the cells an edition shows, exported to HTML with the
``summit_handout`` template; and the index page that links every handout.

The build (:mod:`summit_lessons.publish.handouts`) decides what to render and when; this module
only turns one executed notebook into one page.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from .page import TEMPLATES, _code_css, handout_css, page_css

EDITIONS = ("student", "teacher")
_LABELS = {"student": "Student edition", "teacher": "Teacher edition", "worksheet": "Worksheet"}
#: Further pages of each lesson, beside the editions: the worksheet (with the student edition)
#: and the one-page lesson plan (with the teacher edition); see :mod:`summit_lessons.publish.worksheets`.
FORMS = {"worksheet": "Worksheet", "plan": "Lesson plan"}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_ANSWER = re.compile(r'<details class="sl-answer">.*?</details>', re.S)
_NOTEBOOK_LINK = re.compile(r'href="(\d\d_[\w-]+)\.ipynb(#[^"]*)?"')
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


class BuildError(RuntimeError):
    """The build stopped; the message names the notebook (and the cell, when one failed)."""


# ---------------------------------------------------------------------------- editions

def _date_text(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{d} {_MONTHS[m - 1]} {y}"


def edition_notebook(nb: Any, edition: str, show_code: bool) -> Any:
    """A copy of an executed notebook prepared for one edition (the template does the rest).

    The cells are :func:`summit_lessons.publish.editions.make_edition`'s; on top of that, student: quiz
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
    from ..lessons import REQUIRED_KEYS

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


# ---------------------------------------------------------------------------- index page

def index_html(metas: list[dict[str, Any]], editions: Iterable[str], *, key: bool = False) -> str:
    """The lesson map page linking every handout, with minutes and objectives.

    ``metas`` are the notebooks' ``summit_lessons`` metadata, each with ``file_stem`` added.
    """
    from .credits import credits_html
    from ..lessons import lesson_map_html

    chosen = [e for e in EDITIONS if e in set(editions)]
    css = handout_css()
    forms = [*(("worksheet",) if "student" in chosen else ()), *(("plan",) if "teacher" in chosen else ())]
    links = ([(e, _LABELS[e]) for e in chosen] + [(f, FORMS[f]) for f in forms]
             + [(f"slides/{e}", f"{_LABELS[e].split()[0]} slides") for e in chosen])
    lesson_map = lesson_map_html(metas=metas, link_suffix=None, links=links,
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
