"""The lesson map: read each notebook's ``summit_lessons`` metadata.

Every lesson notebook carries, under ``metadata.summit_lessons``::

    order, slug, title, audience, level, prerequisites (list), teaching_minutes,
    exercise_minutes, questions (list), objectives (list), keypoints (list),
    sources (list of source_ids), accurate_as_of (YYYY-MM-DD)

The same facts appear in the notebook's header cell for people; this module makes them
available to the lesson map in ``00_start_here``, README and the handout index.
"""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .locations import notebooks_dir

if TYPE_CHECKING:
    import pandas as pd


__all__ = ["REQUIRED_KEYS", "MetadataError", "notebook_paths", "lesson_meta", "lesson_metas", "lesson_map", "lesson_map_html", "lesson_map_markdown",
           "update_readme"]

REQUIRED_KEYS = ("order", "slug", "title", "audience", "level", "prerequisites", "teaching_minutes",
                 "exercise_minutes", "questions", "objectives", "keypoints", "sources", "accurate_as_of")


class MetadataError(ValueError):
    """A notebook's ``summit_lessons`` metadata holds a value of the wrong kind (one line, naming it)."""


_WHOLE = "a whole number"
_TEXT = "text"
_LIST = "a list"
#: What each metadata value must be: the lesson map adds minutes and sorts by order.
_KINDS = {"order": _WHOLE, "teaching_minutes": _WHOLE, "exercise_minutes": _WHOLE, "slug": _TEXT, "title": _TEXT,
          "audience": _TEXT, "level": _TEXT, "prerequisites": _LIST, "questions": _LIST,
          "objectives": _LIST, "keypoints": _LIST, "sources": _LIST}


def _check_kinds(name: str, meta: dict[str, Any]) -> None:
    for key, kind in _KINDS.items():
        value = meta[key]
        ok = {_WHOLE: isinstance(value, int) and not isinstance(value, bool) and value >= 0,
              _TEXT: isinstance(value, str) and value.strip() != "",
              _LIST: isinstance(value, list) and all(isinstance(v, str) for v in value)}[kind]
        if not ok:
            shown = json.dumps(value, ensure_ascii=False)
            raise MetadataError(f'{name}: metadata "{key}" is {shown[:60]}, but it must be {kind}'
                                + (" (e.g. 20, not \"20\" or \"twenty\")" if kind == _WHOLE else
                                   " of texts" if kind == _LIST else " (not empty)"))


def _default_dir() -> Path:
    return notebooks_dir()


def notebook_paths(folder: str | Path | None = None) -> list[Path]:
    """The lesson notebooks in reading order (their file names start with the order number)."""
    folder = _default_dir() if folder is None else Path(folder)
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def lesson_meta(path: str | Path) -> dict[str, Any]:
    """The ``summit_lessons`` metadata of one notebook.

    Raises KeyError naming a missing key, :class:`MetadataError` naming a value of the wrong kind.
    """
    with open(path, encoding="utf-8") as fh:
        meta = json.load(fh).get("metadata", {}).get("summit_lessons")
    if meta is None:
        raise KeyError(f"{Path(path).name}: no 'summit_lessons' notebook metadata")
    if not isinstance(meta, dict):
        raise MetadataError(f"{Path(path).name}: 'summit_lessons' metadata is not an object of keys and values")
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise KeyError(f"{Path(path).name}: 'summit_lessons' metadata lacks {', '.join(missing)}")
    _check_kinds(Path(path).name, meta)
    return meta


def lesson_map(folder: str | Path | None = None) -> pd.DataFrame:
    """One row per lesson: order, file, title, minutes and objectives."""
    import pandas as pd

    rows = []
    for path in notebook_paths(folder):
        m = lesson_meta(path)
        rows.append({
            "order": m["order"], "notebook": path.name, "title": m["title"], "level": m["level"],
            "teaching_minutes": m["teaching_minutes"], "exercise_minutes": m["exercise_minutes"],
            "objectives": list(m["objectives"]), "accurate_as_of": m["accurate_as_of"],
        })
    return pd.DataFrame(rows).set_index("order").sort_index()


def lesson_metas(paths: Iterable[str | Path] | None = None) -> list[dict[str, Any]]:
    """Each lesson's metadata plus its ``file_stem``, in reading order (no pandas needed)."""
    found = notebook_paths() if paths is None else [Path(p) for p in paths]
    return sorted(({**lesson_meta(p), "file_stem": Path(p).stem} for p in found), key=lambda m: m["order"])


def lesson_map_html(folder: str | Path | None = None, link_suffix: str | None = ".ipynb", *,
                    metas: list[dict[str, Any]] | None = None, links: Sequence[tuple[str, str]] = (),
                    caption: str | None = None, links_heading: str = "Handouts") -> str:
    """The lesson map as an accessible HTML table, with minutes, objectives and totals.

    Each title links to ``file_stem + link_suffix`` (no link when ``link_suffix`` is None);
    ``links`` adds a column (headed ``links_heading``) of links, one per ``(folder, label)``, to
    ``folder/file_stem.html``: the handouts of each edition, or a site's slides.
    """
    metas = lesson_metas(notebook_paths(folder)) if metas is None else metas
    caption = caption or f"Lesson map: the {len(metas)} lessons in reading order"
    cols = ["#", "Lesson"] + ([links_heading] if links else []) + ["Teaching (min)", "Exercises (min)",
                                                                  "Learners will be able to…"]
    head = (f'<table class="sl-lesson-map"><caption>{html.escape(caption)}</caption><thead><tr>'
            + "".join(f'<th scope="col">{html.escape(c)}</th>' for c in cols) + "</tr></thead><tbody>")
    body = []
    for m in metas:
        title = html.escape(m["title"])
        if link_suffix is not None:
            title = f'<a href="{html.escape(m["file_stem"] + link_suffix, quote=True)}">{title}</a>'
        cells = [str(m["order"]), title]
        if links:
            # The visually hidden part names the lesson, so each link makes sense on its own.
            cells.append("".join(f'<a href="{d}/{html.escape(m["file_stem"], quote=True)}.html">{html.escape(label)}'
                                 f'<span class="sl-visually-hidden">: {html.escape(m["title"])}</span></a><br>'
                                 for d, label in links))
        objectives = "".join(f"<li>{html.escape(o)}</li>" for o in m["objectives"])
        cells += [str(m["teaching_minutes"]), str(m["exercise_minutes"]), f"<ul>{objectives}</ul>"]
        body.append("<tr>" + "".join(f'<th scope="row">{c}</th>' if i == 1 else f"<td>{c}</td>"
                                     for i, c in enumerate(cells)) + "</tr>")
    total_t = sum(int(m["teaching_minutes"]) for m in metas)
    total_e = sum(int(m["exercise_minutes"]) for m in metas)
    # The total is the last body row, not a <tfoot>: Chromium repeats a tfoot on every printed page.
    foot = (f'<tr class="sl-total"><th scope="row" colspan="{len(cols) - 3}">Total</th><td>{total_t}</td>'
            f"<td>{total_e}</td><td></td></tr></tbody></table>")
    return head + "".join(body) + foot


def lesson_map_markdown(folder: str | Path | None = None) -> str:
    """The lesson map as a Markdown table, for README."""
    lm = lesson_map(folder)
    lines = ["| # | Lesson | Teaching | Exercises | Learners will be able to … |", "|---|---|---|---|---|"]
    for order, r in lm.iterrows():
        goals = "; ".join(o.rstrip(".") for o in r["objectives"])
        lines.append(f"| {order} | [{r['title']}](notebooks/{r['notebook']}) | {r['teaching_minutes']} min | "
                     f"{r['exercise_minutes']} min | {goals} |")
    total_t, total_e = int(lm["teaching_minutes"].sum()), int(lm["exercise_minutes"].sum())
    lines.append(f"| | **Total** | {total_t} min | {total_e} min | |")
    return "\n".join(lines)


MAP_START, MAP_END = "<!-- lesson-map:start -->", "<!-- lesson-map:end -->"


def update_readme(readme: str | Path) -> bool:
    """Rewrite the lesson map between the markers in README; True when the file changed."""
    path = Path(readme)
    text = path.read_text(encoding="utf-8")
    start, end = text.index(MAP_START) + len(MAP_START), text.index(MAP_END)
    new = text[:start] + "\n" + lesson_map_markdown() + "\n" + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m summit_lessons.lessons README.md
    import sys

    for name in sys.argv[1:]:
        print(f"{name}: lesson map {'updated' if update_readme(name) else 'already up to date'}")
