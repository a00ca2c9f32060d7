"""The one-page lesson plan of each lesson, for the teacher: ``plan/NN_name.html``.

Built from the lesson notebook alone: its ``metadata.summit_lessons`` (aims, audience, minutes,
prerequisites) and its cells. The **sequence** is the lesson's own sections in the order the
notebook has them (its ``##`` headings, the exercises under theirs, the self-check where it
stands). Beside each section stand the minutes the instructor note's ``Timing:`` sentence gives
it; the note names its parts in its own words ("clocks and the chart 8 min"), so a part is placed
on the section whose heading holds its words, and a section the note gives no minutes says so.
Minutes under a name that matches no heading are listed as the note words them, never guessed.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .cells import source as _source
from .cells import tags as _tags

__all__ = ["Section", "plan_sections", "timing_note", "timing_parts", "place_minutes", "plan_page", "write_plans"]

#: Sections of a lesson that are not steps of the class: the header and the reference lists.
_NOT_STEPS = {"overview", "questions", "objectives", "sources", "key points"}
_STOP = frozenset("a an and the of in on to for with what who whose how why was were is are be each does do not "
                  "as by at its it this that from or".split())
_TIMING = re.compile(r"Timing:\s*(.+?\.)(?:\s|$)", re.S)
_PART = re.compile(r"^(?P<name>.*?)\s*(?P<min>\d+)\s*min(?:ute)?s?\b\s*(?:\((?P<split>[^)]*)\))?\s*$", re.S)
_ITEM = re.compile(r"^(?P<name>.*?)[:\s]*(?P<min>\d+)\s*(?:min(?:ute)?s?)?$")
_LESSON_ID = re.compile(r"\b(\d\d_[a-z0-9_]+)\b")


@dataclass
class Section:
    """One step of the lesson: a ``##`` section, the exercises, or the self-check."""

    title: str
    exercises: bool = False
    subs: list[str] = field(default_factory=list)  # its ### headings (for the exercises: each exercise)
    minutes: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)  # (minutes, shared with)
    sub_minutes: dict[int, int] = field(default_factory=dict)
    split_note: str = ""  # the note's split of the exercise minutes, when it fits no exercise by name

    def minutes_text(self) -> str:
        """The minutes beside the section, or that the note gives it none."""
        if not self.minutes:
            return "no minutes in the instructor note"
        own = [m for m, others in self.minutes if not others]
        parts = [f"{sum(own)} min" + (f" ({' + '.join(map(str, own))} in the note)" if len(own) > 1 else "")] if own else []
        parts += [f"shares {m} min with " + " and ".join(f"“{t}”" for t in o) for m, o in self.minutes if o]
        return "; ".join(parts) + (f" ({self.split_note})" if self.split_note else "")


def plan_sections(nb: dict[str, Any]) -> list[Section]:
    """The lesson's steps in the notebook's order (teacher-only cells and the reference lists left out)."""
    sections: list[Section] = []
    current: Section | None = None
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown" or _tags(cell) & {"solution", "instructor"}:
            continue
        exercise = "exercise" in _tags(cell)
        for level, text in re.findall(r"^(#{2,3})\s+(.+?)\s*#*\s*$", _source(cell), re.M):
            if level == "##":
                current = None if text.lower() in _NOT_STEPS else Section(text, exercises=exercise)
                if current is not None:
                    sections.append(current)
            elif exercise:
                if current is None or not current.exercises:
                    current = Section("Exercises", exercises=True)
                    sections.append(current)
                current.subs.append(text)
            elif current is not None:
                current.subs.append(text)
    return sections


def _words(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in _STOP}


def _match(name: str, candidates: list[tuple[str, int]]) -> set[int]:
    """The sections whose headings hold the words of ``name`` (a part of the note, e.g. "durations")."""
    def plain(text: str) -> str:
        return re.sub(r"^the ", "", " ".join(re.findall(r"[a-z0-9]+", text.lower())))

    exact = {i for title, i in candidates if plain(name) in (plain(title), plain(title.split(":")[0]))}
    if len(exact) == 1:  # the note uses the heading's own words ("who was in the room")
        return exact
    words = _words(name)
    if not words:
        return set()
    whole = {i for title, i in candidates if words <= _words(title)}
    if len(whole) == 1:
        return whole
    found: set[int] = set()
    for piece in re.split(r",\s*|\s+and\s+", name):
        w = _words(piece)
        scores = [(len(w & _words(title)), i) for title, i in candidates]
        best = max((s for s, _ in scores), default=0)
        hits = {i for s, i in scores if s == best and s > 0}
        if len(hits) == 1:  # a piece that fits two sections equally well is placed on neither
            found |= hits
    return found


def timing_note(nb: dict[str, Any]) -> str:
    """The instructor note's "Timing: ..." sentence (without "Timing:"), if the lesson has one."""
    for cell in nb["cells"]:
        if "instructor" in _tags(cell):
            m = _TIMING.search(_source(cell))
            if m:
                return " ".join(m.group(1).split())
    return ""


def timing_parts(note: str) -> list[tuple[str, int, str]]:
    """The note's parts: ``(name, minutes, split)``, e.g. ``("exercises", 20, "4 + 3 + 3 + 5")``."""
    parts = []
    for piece in note.rstrip(".").split(";"):
        m = _PART.match(piece.strip())
        if m:
            parts.append((m["name"].strip(), int(m["min"]), (m["split"] or "").strip()))
    return parts


def _split_exercises(section: Section, split: str) -> None:
    items = [_ITEM.match(s.strip()) for s in re.split(r"[,+]", split) if s.strip()]
    if not items or not all(items):
        section.split_note = split
        return
    named = [(m["name"].strip(), int(m["min"])) for m in items]  # type: ignore[index]
    candidates = [(t, j) for j, t in enumerate(section.subs)]
    if all(n for n, _ in named):
        places = [_match(n, candidates) for n, _ in named]
        if all(len(p) == 1 for p in places) and len({next(iter(p)) for p in places}) == len(places):
            section.sub_minutes = {next(iter(p)): m for p, (_, m) in zip(places, named)}
            return
    elif not any(n for n, _ in named) and len(named) == len(section.subs):
        section.sub_minutes = {j: m for j, (_, m) in enumerate(named)}
        return
    section.split_note = split


def place_minutes(sections: list[Section], note: str) -> list[tuple[str, int]]:
    """Put the note's minutes beside the sections; the parts that fit no section, as the note words them."""
    # An exercise's heading names what the sections teach ("put the nuclear events in order"): the
    # note's parts are matched to the sections and their ### headings, the exercises only as a whole.
    candidates = [(t, i) for i, s in enumerate(sections) for t in (s.title, *([] if s.exercises else s.subs))]
    unplaced = []
    for name, minutes, split in timing_parts(note):
        hits = sorted(_match(name, candidates))
        if not hits:
            unplaced.append((name, minutes))
            continue
        for i in hits:
            others = tuple(sections[j].title.split(":")[0] for j in hits if j != i)
            sections[i].minutes.append((minutes, others))
            if split and sections[i].exercises and len(hits) == 1:
                _split_exercises(sections[i], split)
    return unplaced


def _sentence(text: str) -> str:
    """``text`` as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else ""


def _timing_html(meta: dict[str, Any], note: str, sections: list[Section], unplaced: list[tuple[str, int]]) -> str:
    teach, work = int(meta["teaching_minutes"]), int(meta["exercise_minutes"])
    said = [f"{teach} minutes teaching, {work} minutes exercises ({teach + work} minutes in all)"]
    if not timing_parts(note):
        said.append("the instructor note gives no minutes per section")
    else:
        total = sum(m for _, m, _ in timing_parts(note))
        bare = sum(not s.minutes for s in sections)
        said.append("beside each section of the sequence stand the minutes the instructor note gives it"
                    + (f"; it gives none to {bare} of the {len(sections)}" if bare else ""))
        said.append(f"the note's minutes add up to {total}")
        if unplaced:
            listed = "; ".join(f"“{html.escape(n)}” {m} min" for n, m in unplaced)
            said.append(f"it also gives minutes under names that are not section headings: {listed}")
    return " ".join(_sentence(s) for s in said)


def _lessons_by_id(folder: Path) -> dict[str, tuple[int, str]]:
    """``{file stem: (order, title)}`` of the lesson notebooks beside a plan's notebook."""
    found = {}
    for p in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        try:
            meta = json.loads(p.read_text(encoding="utf-8"))["metadata"]["summit_lessons"]
            found[p.stem] = (int(meta["order"]), str(meta["title"]))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def _md_inline(text: Any) -> str:
    import mistune

    if isinstance(text, list):
        text = "; ".join(str(t) for t in text)
    return re.sub(r"^<p>|</p>\s*$", "", mistune.html(text).strip())


def _with_titles(rendered: str, lessons: dict[str, tuple[int, str]]) -> str:
    """Lesson file names (``01_background``) in rendered text, as the lessons' titles linking their plans."""
    def title(m: re.Match[str]) -> str:
        if m[1] not in lessons:
            return m[0]
        order, name = lessons[m[1]]
        return f'<a href="{html.escape(m[1], quote=True)}.html"><cite>{html.escape(name)}</cite></a> (lesson {order})'
    return _LESSON_ID.sub(title, rendered)


def _sequence_html(sections: list[Section]) -> str:
    items = []
    for s in sections:
        inner = ""
        if s.exercises and s.subs:
            inner = "<ol>" + "".join(
                f"<li>{_md_inline(t)}" + (f" <span class=\"sl-plan-min\">— {s.sub_minutes[j]} min</span>"
                                          if j in s.sub_minutes else "") + "</li>"
                for j, t in enumerate(s.subs)) + "</ol>"
        extra = ("<br>The questions are on the worksheet and in the slides; the key has the answers, each with "
                 "its reason." if s.title.lower().startswith("self-check") else "")
        items.append(f'<li><span class="sl-plan-step">{_md_inline(s.title)}</span> <span class="sl-plan-min'
                     f'{"" if s.minutes else " sl-plan-none"}">— {html.escape(s.minutes_text())}</span>{extra}{inner}</li>')
    return "".join(items)


def plan_page(path: Path, lessons: dict[str, tuple[int, str]] | None = None) -> str:
    """The one-page lesson plan of one lesson notebook, as a complete HTML page. ``lessons``: the
    lessons beside it (:func:`_lessons_by_id`), read once by :func:`write_plans` for all plans."""
    from .credits import credits_html, outside_sources
    from .page import handout_css, page_css

    path = Path(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    meta = nb["metadata"]["summit_lessons"]
    stem = path.stem
    title = f"Lesson plan: {meta['title']}"
    sections = plan_sections(nb)
    note = timing_note(nb)
    unplaced = place_minutes(sections, note)
    lessons = _lessons_by_id(path.parent) if lessons is None else lessons
    outside = outside_sources(meta.get("sources", []))
    css = handout_css()
    li = lambda items: "".join(f"<li>{_with_titles(_md_inline(i), lessons)}</li>" for i in items)  # noqa: E731
    e = html.escape
    materials = (f'<li><a href="../worksheet/{stem}.html">The worksheet</a>: one per student (exercises, self-check, '
                 f'and the tables they use).</li><li><a href="../student/{stem}.html">The student handout</a>: the whole '
                 f'lesson, to read.</li><li><a href="../teacher/{stem}.html">The teacher edition</a> and '
                 f'<a href="../key/{stem}.html">the key</a>: solutions, self-check answers, likely misreadings.</li>'
                 f'<li><a href="../slides/teacher/{stem}.html">The teacher slides: {e(meta["title"])}</a>: the lesson to '
                 "project, with the self-check questions; its speaker view (key S) holds the instructor notes, "
                 "solutions and self-check answers.</li>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>
{css}
.sl-plan .sl-plan-none {{ font-style: italic; }}
@page {{ margin-left: 14mm; margin-right: 14mm; }}
@media print {{
  .sl-plan {{ font-size: 9pt; line-height: 1.25; }}
  .sl-plan h1 {{ font-size: 15pt; margin: 0 0 0.3em; }}
  .sl-plan h2 {{ font-size: 11pt; margin: 0.7em 0 0.2em; }}
  .sl-plan p, .sl-plan li {{ margin: 0.15em 0; }}
  .sl-plan ul, .sl-plan ol {{ margin: 0.2em 0; padding-left: 1.3em; }}
  .sl-plan .sl-credits {{ font-size: 6.5pt; margin-top: 0.6em; line-height: 1.2; }}
  .sl-plan .sl-credits h2 {{ font-size: 8pt; margin: 0.3em 0 0.1em; }}
  .sl-plan .sl-credits p {{ margin: 0.1em 0; }}
  .sl-plan .sl-credits-outside {{ columns: 3; column-gap: 4mm; margin: 0.1em 0; }}
}}
</style>
<style>
{page_css(title, meta["accurate_as_of"], outside=bool(outside))}
</style>
</head>
<body class="sl-handout sl-plan">
<header class="sl-banner">
<p class="sl-chrome"><a href="../index.html">All lessons: the index of handouts</a></p>
<p><strong>Lesson plan.</strong> For the teacher: one page to plan the lesson with.</p>
</header>
<main>
<h1>{e(title)}</h1>
<p><strong>For:</strong> {e(meta['audience'])}. <strong>Level:</strong> {e(meta['level'])}.
<strong>Before it:</strong> {_with_titles(_md_inline(meta['prerequisites']), lessons)}</p>
<h2>Timing</h2>
<p>{_timing_html(meta, note, sections, unplaced)}</p>
<h2>Aims: learners will be able to</h2>
<ul>{li(meta['objectives'])}</ul>
<h2>Sequence, with the minutes from the instructor note</h2>
<ol class="sl-plan-sequence">{_sequence_html(sections)}</ol>
<h2>Materials</h2>
<ul>{materials}</ul>
</main>
{credits_html(meta["accurate_as_of"], outside=outside)}
</body>
</html>
"""


def write_plans(folder: Path, notebooks: Iterable[Path]) -> list[Path]:
    """Write ``folder/NN_name.html``, the lesson plan of every lesson."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    indexes: dict[Path, dict[str, tuple[int, str]]] = {}  # one read of each lessons folder, not one per plan
    for p in notebooks:
        p = Path(p)
        lessons = indexes.setdefault(p.parent, _lessons_by_id(p.parent))
        target = folder / f"{p.stem}.html"
        target.write_text(plan_page(p, lessons), encoding="utf-8")
        written.append(target)
    return written
