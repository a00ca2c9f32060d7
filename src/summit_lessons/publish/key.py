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

from .page import KEY_TITLE

__all__ = ["LessonKey", "lesson_key", "key_page", "write_key", "KEY_TITLE"]

_QUIZ_CALL = re.compile(r"""lesson_quiz\(\s*["']([\w-]+)["']""")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.M)
_LETTERS = "ABCDEFGH"


def _md(text: str) -> str:
    import mistune

    return mistune.html(text)


@dataclass
class LessonKey:
    """One lesson's key: its metadata, instructor notes, solutions and self-check answers (HTML)."""

    stem: str
    meta: dict[str, Any]
    notes: list[str]
    exercises: list[tuple[str, str]]
    quiz: list[str]

    @property
    def title(self) -> str:
        return self.meta["title"]

    def body(self, level: int) -> str:
        """The key's sections, their headings at ``level`` (2 on a lesson's own page, 3 in the combined key)."""
        h, sub = f"h{level}", f"h{level + 1}"
        parts = [f"<p class=\"sl-key-timing\"><strong>Timing:</strong> teaching {self.meta['teaching_minutes']} "
                 f"minutes, exercises {self.meta['exercise_minutes']} minutes.</p>"]
        if self.notes:
            parts.append(f"<{h}>Timing, likely misreadings and prompts</{h}>\n"
                         '<div class="sl-key-notes">' + "\n".join(self.notes) + "</div>")
        if self.exercises:
            parts.append(f"<{h}>Exercise solutions</{h}>")
            for title, sols in self.exercises:
                parts.append(f'<div class="sl-key-exercise"><{sub}>{html.escape(title)}</{sub}>\n{sols}</div>')
        if self.quiz:
            parts.append(f"<{h}>Self-check answers</{h}>\n<ol class=\"sl-key-quiz\">\n" + "\n".join(self.quiz) + "\n</ol>")
        return "\n".join(parts)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _solution_html(cell: dict[str, Any]) -> str:
    source = _text(cell.get("source", ""))
    if cell.get("cell_type") == "markdown":
        return _md(source)
    parts = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "text/html" in data:
            parts.append(f'<div class="sl-key-output">{_text(data["text/html"])}</div>')
        elif "text/plain" in data:
            parts.append(f"<pre>{html.escape(_text(data['text/plain']))}</pre>")
        elif out.get("output_type") == "stream":
            parts.append(f"<pre>{html.escape(_text(out.get('text', '')))}</pre>")
    if not parts:  # nothing stored: the code itself is the answer
        parts.append(f"<pre><code>{html.escape(source)}</code></pre>")
    return "\n".join(parts)


def _quiz_items(slug: str) -> list[str]:
    from ..grading import questions

    try:
        qs = questions(slug)
    except FileNotFoundError:
        return []
    items = []
    for q in qs:
        a = q["answer"]
        choice = q["choices"][a].rstrip(".")
        items.append(f"<li><p>{html.escape(q['question'])}<br><strong>{_LETTERS[a]}: {html.escape(choice)}.</strong> "
                     f"Why: {html.escape(q['explanations'][a])}</p></li>")
    return items


def lesson_key(path: str | Path, nb: dict[str, Any] | None = None) -> LessonKey:
    """The key of one lesson notebook; ``nb``, when given, is that notebook as executed by the build
    (its outputs come from the data the build used, not the outputs stored in the file)."""
    import json

    # Plain JSON, not nbformat: its validation costs seconds of imports and the key reads only
    # sources, tags and stored outputs.
    path = Path(path)
    if nb is None:
        nb = json.loads(path.read_text(encoding="utf-8"))
    meta = nb["metadata"]["summit_lessons"]
    notes: list[str] = []
    exercises: list[tuple[str, list[str]]] = []
    quiz: list[str] = []
    for cell in nb["cells"]:
        tags = set(cell.get("metadata", {}).get("tags", []))
        source = _text(cell.get("source", ""))
        if "instructor" in tags:
            notes.append(_md(source))
        elif "exercise" in tags:
            heads = _HEADING.findall(source)
            exercises.append((heads[-1] if heads else f"Exercise {len(exercises) + 1}", []))
        elif "solution" in tags and exercises:
            exercises[-1][1].append(_solution_html(cell))
        if cell.get("cell_type") == "code" and "quiz" in tags:
            m = _QUIZ_CALL.search(source)
            if m:
                quiz = _quiz_items(m.group(1))
    solved = [(t, "\n".join(s) or "<p>No model answer: an open question.</p>") for t, s in exercises]
    return LessonKey(path.stem, meta, notes, solved, quiz)


def key_page(keys: list[LessonKey], title: str, *, link_handouts: bool = True) -> str:
    """A complete HTML page holding the keys of ``keys`` (one lesson, or all of them)."""
    from .credits import credits_html, latest_date, outside_sources
    from .page import handout_css, page_css

    css = handout_css()
    accurate = latest_date(k.meta["accurate_as_of"] for k in keys)
    one = len(keys) == 1
    outside = outside_sources(i for k in keys for i in k.meta.get("sources", []))
    sections = []
    for k in keys:
        link = (f'<p class="sl-chrome"><a href="../teacher/{k.stem}.html">The teacher edition of '
                f"{html.escape(k.title)}</a></p>") if link_handouts else ""
        if one:
            sections.append(f'<section class="sl-key-lesson">\n{link}\n{k.body(2)}\n</section>')
        else:
            sections.append(f'<section class="sl-key-lesson">\n<h2>{html.escape(k.title)}</h2>\n'
                            f"{link}\n{k.body(3)}\n</section>")
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
.sl-key h3, .sl-key h4 {{ margin: 0.9em 0 0.3em; }}
.sl-key-quiz li p {{ margin: 0.3em 0; }}
/* One or two pages per lesson where its content allows: small type on paper (smaller still for the
   long instructor notes and the solution tables), narrow side margins, the self-check answers in
   two columns, the credits in small print. */
@page {{ margin-left: 12mm; margin-right: 12mm; }}
@media print {{
  .sl-key {{ font-size: 8pt; line-height: 1.3; }}
  .sl-key .sl-banner {{ margin-bottom: 0.3em; }} .sl-key .sl-banner p {{ margin: 0.1em 0; }}
  .sl-key h1 {{ font-size: 14pt; margin: 0.1em 0 0.3em; }}
  .sl-key h2 {{ font-size: 11.5pt; margin: 0.8em 0 0.25em; }}
  .sl-key h3, .sl-key h4 {{ font-size: 10pt; margin: 0.6em 0 0.2em; }}
  .sl-key p, .sl-key li {{ margin: 0.2em 0; }}
  .sl-key ul, .sl-key ol {{ margin: 0.2em 0; padding-left: 1.3em; }}
  .sl-key-notes {{ font-size: 8.2pt; }}
  .sl-key table {{ font-size: 7.2pt; margin: 0.3em 0; line-height: 1.2; }}
  .sl-key th, .sl-key td {{ padding: 0.1em 0.3em; }}
  .sl-key-quiz {{ columns: 2; column-gap: 6mm; font-size: 8.2pt; }}
  .sl-key-quiz li {{ break-inside: avoid; page-break-inside: avoid; }}
  /* The credits in small print, allowed to run over a page break so they never take a page alone. */
  .sl-key .sl-credits {{ font-size: 6.5pt; margin-top: 0.6em; line-height: 1.2; break-inside: auto; page-break-inside: auto; }}
  .sl-key .sl-credits h2 {{ font-size: 8pt; margin: 0.3em 0 0.1em; }}
  .sl-key .sl-credits p {{ margin: 0.1em 0; }}
  .sl-key .sl-credits-outside {{ columns: 3; column-gap: 4mm; margin: 0.1em 0; }}
}}
</style>
<style>
{page_css(footer_title, accurate, outside=bool(outside))}
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
{credits_html(accurate, outside=outside)}
</body>
</html>
"""


def _key_entry(path: Path, cache: Path, salt: str) -> Path:
    import hashlib

    from ..locations import package_dir

    h = hashlib.sha256(path.read_bytes() + salt.encode())
    for dep in sorted((package_dir() / "quiz_data").glob("*.json")) + [Path(__file__)]:
        h.update(dep.read_bytes())
    return cache / "key" / f"{path.stem}-{h.hexdigest()[:20]}.json"


def has_cached_key(path: Path, cache: Path | None, salt: str = "") -> bool:
    """Whether the key of ``path`` for this ``salt`` (the build's data and code) is in the cache."""
    return cache is not None and _key_entry(path, cache, salt).is_file()


def _cached_key(path: Path, cache: Path | None, salt: str = "", executed: dict[str, Any] | None = None) -> LessonKey:
    """``lesson_key(path)``, kept in ``cache/key/`` under a digest of everything it is made from.

    ``salt`` names what else it depends on (the handout build's data and code); ``executed`` is
    the notebook as the build ran it, which replaces any cached entry.
    """
    import json
    import os

    if cache is None:
        return lesson_key(path, executed)
    entry = _key_entry(path, cache, salt)
    folder = entry.parent
    if entry.is_file() and executed is None:
        try:  # a truncated or edited entry is a miss, never a failed build
            d = json.loads(entry.read_text(encoding="utf-8"))
            if not (isinstance(d["stem"], str) and isinstance(d["meta"], dict) and isinstance(d["quiz"], list)
                    and isinstance(d["notes"], list) and all(isinstance(n, str) for n in d["notes"])
                    and all(isinstance(t, str) and isinstance(h, str) for t, h in d["exercises"])):
                raise TypeError("not a key entry")
            return LessonKey(d["stem"], d["meta"], d["notes"], [tuple(e) for e in d["exercises"]], d["quiz"])
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            pass
    key = lesson_key(path, executed)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{path.stem}-*.json"):  # an older key of this lesson
            old.unlink(missing_ok=True)
        tmp = entry.with_suffix(".partial")
        tmp.write_text(json.dumps({"stem": key.stem, "meta": key.meta, "notes": key.notes,
                                   "exercises": key.exercises, "quiz": key.quiz}), encoding="utf-8")
        os.replace(tmp, entry)
    except OSError:
        pass  # a cache that cannot be written costs a re-parse next time, never the key (the build warns once)
    return key


def write_key(folder: Path, notebooks: Iterable[Path], cache: Path | None = None, *,
              executed: dict[Path, Any] | None = None, salt: str = "") -> list[Path]:
    """Write ``folder/NN_name.html`` for every lesson and ``folder/index.html`` with all of them.

    With ``cache`` (the handout cache folder), an unchanged lesson's key is not parsed again.
    ``executed`` maps a notebook to its run in this build: its solutions' outputs then follow the
    data the build used; ``salt`` (the build's environment key) keeps cached keys of other data apart.
    """
    folder.mkdir(parents=True, exist_ok=True)
    executed = executed or {}
    keys = [_cached_key(Path(p), cache, salt, executed.get(Path(p))) for p in notebooks]
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
