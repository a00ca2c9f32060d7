"""The teacher's key: one short page per lesson, and all of them on one page.

Built from what the teacher edition is built from: the notebook's ``summit_lessons`` metadata
(timings), its instructor notes (timing and likely misreadings), its solution cells (with their
stored outputs) and the lesson's quiz data (each answer with the reason for it). Nothing is
executed: the notebooks are committed executed, and strict nbval keeps their outputs current.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

__all__ = ["LessonKey", "lesson_key", "key_page", "write_key", "KEY_TITLE"]

KEY_TITLE = "The Anchorage summit lessons: teacher's key"
_QUIZ_CALL = re.compile(r"""lesson_quiz\(\s*["']([\w-]+)["']""")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.M)
_LETTERS = "ABCDEFGH"


def _md(text: str) -> str:
    import mistune

    return mistune.html(text)


@dataclass
class LessonKey:
    """One lesson's key: its metadata and the HTML of its key section."""

    stem: str
    meta: dict[str, Any]
    body: str

    @property
    def title(self) -> str:
        return self.meta["title"]


def _solution_html(cell: Any) -> str:
    if cell.cell_type == "markdown":
        return _md(cell.source)
    parts = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "text/html" in data:
            parts.append(f'<div class="sl-key-output">{data["text/html"]}</div>')
        elif "text/plain" in data:
            parts.append(f"<pre>{html.escape(data['text/plain'])}</pre>")
        elif out.get("output_type") == "stream":
            parts.append(f"<pre>{html.escape(out.get('text', ''))}</pre>")
    if not parts:  # nothing stored: the code itself is the answer
        parts.append(f"<pre><code>{html.escape(cell.source)}</code></pre>")
    return "\n".join(parts)


def _quiz_html(slug: str) -> str:
    from .quizzes import questions

    try:
        qs = questions(slug)
    except FileNotFoundError:
        return ""
    items = []
    for i, q in enumerate(qs, 1):
        a = q["answer"]
        items.append(f"<li><p>{html.escape(q['question'])}<br><strong>Answer {_LETTERS[a]}: "
                     f"{html.escape(q['choices'][a])}.</strong> Why: {html.escape(q['explanations'][a])}</p></li>")
    return ("<h3>Self-check answers</h3>\n<ol class=\"sl-key-quiz\">\n" + "\n".join(items) + "\n</ol>")


def lesson_key(path: str | Path) -> LessonKey:
    """The key of one lesson notebook."""
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata["summit_lessons"]
    notes, exercises, quiz = [], [], ""
    current: dict[str, Any] | None = None
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if "instructor" in tags:
            notes.append(_md(cell.source))
        elif "exercise" in tags:
            heads = _HEADING.findall(cell.source)
            current = {"title": heads[-1] if heads else f"Exercise {len(exercises) + 1}", "solutions": []}
            exercises.append(current)
        elif "solution" in tags and current is not None:
            current["solutions"].append(_solution_html(cell))
        if cell.cell_type == "code" and "quiz" in tags:
            m = _QUIZ_CALL.search(cell.source)
            if m:
                quiz = _quiz_html(m.group(1))
    parts = [f"<p class=\"sl-key-timing\"><strong>Timing:</strong> teaching {meta['teaching_minutes']} minutes, "
             f"exercises {meta['exercise_minutes']} minutes.</p>"]
    if notes:
        parts.append("<h3>Timing, likely misreadings and prompts</h3>\n" + "\n".join(notes))
    if exercises:
        parts.append("<h3>Exercise solutions</h3>")
        for ex in exercises:
            sols = "\n".join(ex["solutions"]) or "<p>No model answer: an open question.</p>"
            parts.append(f'<div class="sl-key-exercise"><h4>{html.escape(ex["title"])}</h4>\n{sols}</div>')
    if quiz:
        parts.append(quiz)
    return LessonKey(path.stem, meta, "\n".join(parts))


def key_page(keys: list[LessonKey], title: str, *, link_handouts: bool = True) -> str:
    """A complete HTML page holding the keys of ``keys`` (one lesson, or all of them)."""
    from .credits import credits_html, latest_date
    from .handouts import TEMPLATES, page_css

    css = (TEMPLATES / "summit_handout" / "handout.css").read_text(encoding="utf-8")
    accurate = latest_date(k.meta["accurate_as_of"] for k in keys)
    one = len(keys) == 1
    sections = []
    for k in keys:
        heading = "h2"
        link = (f'<p class="sl-chrome"><a href="../teacher/{k.stem}.html">The teacher edition of '
                f"{html.escape(k.title)}</a></p>") if link_handouts else ""
        sections.append(f'<section class="sl-key-lesson">\n<{heading}>{html.escape(k.title)}</{heading}>\n'
                        f"{link}\n{k.body}\n</section>")
    footer_title = f"Teacher's key: {keys[0].title}" if one else KEY_TITLE
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(footer_title)}</title>
<style>
{css}
.sl-key-lesson + .sl-key-lesson {{ break-before: page; page-break-before: always; }}
.sl-key h4 {{ margin: 0.9em 0 0.3em; }}
@media print {{ .sl-key {{ font-size: 10pt; }} }}
</style>
<style>
{page_css(footer_title, accurate)}
</style>
</head>
<body class="sl-handout sl-key">
<header class="sl-banner">
<p class="sl-chrome"><a href="../index.html">All lessons: the index of handouts</a></p>
<p><strong>Teacher's key.</strong> For the teacher: the answers to every exercise and self-check question.</p>
</header>
<main>
<h1>{html.escape(f"Teacher's key: {keys[0].title}" if one else KEY_TITLE)}</h1>
{chr(10).join(sections)}
</main>
{credits_html(accurate)}
</body>
</html>
"""


def write_key(folder: Path, notebooks: Iterable[Path]) -> list[Path]:
    """Write ``folder/NN_name.html`` for every lesson and ``folder/index.html`` with all of them."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = [lesson_key(p) for p in notebooks]
    written = []
    for k in keys:
        target = folder / f"{k.stem}.html"
        target.write_text(key_page([k], k.title), encoding="utf-8")
        written.append(target)
    if keys:
        target = folder / "index.html"
        target.write_text(key_page(keys, KEY_TITLE), encoding="utf-8")
        written.append(target)
    return written
