"""The credit line every handout, key, PDF and bundle carries.

The content is CC BY-SA 4.0 because its facts come from a CC BY-SA encyclopedia article; that
licence asks for the work's title, its authors, a link and the licence, and a note that the
material was changed. All of these are read from the reference row of ``sources.csv`` (the
seed encyclopedia article), so a corrected row changes every credit line with it.
"""
from __future__ import annotations

import csv
import html
import os
from dataclasses import dataclass
from typing import Iterable

from ..locations import data_dir
from ..schema import Reference, reference

__all__ = ["CONTENT_LICENCE", "CODE_LICENCE", "Reference", "reference", "outside_sources", "date_text",
           "latest_date", "credit_line", "credits_html", "credits_text"]

CONTENT_LICENCE = "CC BY-SA 4.0"
CONTENT_LICENCE_URL = "https://creativecommons.org/licenses/by-sa/4.0/"
CODE_LICENCE = "MIT"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


@dataclass(frozen=True)
class Outside:
    """An outside source (``origin=outside`` in ``sources.csv``) a page cites."""

    source_id: str
    title: str
    publisher: str
    url: str


def outside_sources(ids: Iterable[str], data: str | os.PathLike[str] | None = None) -> list[Outside]:
    """The ``origin=outside`` rows of ``sources.csv`` among ``ids``, in the order first cited."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    with open(data_dir(data) / "sources.csv", encoding="utf-8", newline="") as fh:
        rows = {r["source_id"]: r for r in csv.DictReader(fh) if r.get("origin") == "outside"}
    return [Outside(i, rows[i]["title"], rows[i]["publisher"], rows[i]["url"]) for i in wanted if i in rows]


def date_text(iso: str) -> str:
    """``2025-11-19`` as ``19 November 2025``."""
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{d} {_MONTHS[m - 1]} {y}"


def latest_date(dates: Iterable[str]) -> str:
    """The latest ISO date of several lessons' "accurate as of" dates ("" when there are none)."""
    return max(dates, default="")


def credit_line(accurate_as_of: str, ref: Reference | None = None, *, outside: bool = False) -> str:
    """One short plain-text line for the margin of every printed page.

    It holds no text from a table: a margin box can only show a CSS string, so the reference
    article's title, publisher and author are credited in the page's HTML credits block
    (:func:`credits_html`) instead, which this line points to. ``ref`` is accepted for callers
    that pass one and is not needed. ``outside``: the page also uses outside sources, which its
    credits block lists by name.
    """
    dated = f" Accurate as of {date_text(accurate_as_of)}." if accurate_as_of else ""
    more = " and outside sources" if outside else ""
    return (f"Content {CONTENT_LICENCE}, code {CODE_LICENCE}. Facts from the encyclopedia article{more} credited "
            f"at the end (licensed {CONTENT_LICENCE}), restated in our own words.{dated}")


def credits_html(accurate_as_of: str, ref: Reference | None = None, outside: Iterable[Outside] = ()) -> str:
    """The full credits block for the end of a page: licences, attribution with links, the outside
    sources the page uses (title, publisher, link), date."""
    ref = ref or reference()
    e = html.escape
    others = "".join(f'<li><a href="{e(o.url)}">“{e(o.title)}”</a>, {e(o.publisher)}</li>\n' if o.url
                     else f"<li>“{e(o.title)}”, {e(o.publisher)}</li>\n" for o in outside)
    others = (f"<p>Outside sources (facts widely documented elsewhere, marked “outside” where used):</p>\n"
              f'<ul class="sl-credits-outside">\n{others}</ul>\n') if others else ""
    dated = (f"<p>Accurate as of <time datetime=\"{e(accurate_as_of)}\">{e(date_text(accurate_as_of))}</time>: "
             "the latest event in the sources.</p>") if accurate_as_of else ""
    return (
        '<footer class="sl-credits">\n<h2>Credits and licences</h2>\n'
        f'<p>Content (text, tables, handouts): <a href="{CONTENT_LICENCE_URL}">Creative Commons '
        f"Attribution-ShareAlike 4.0 licence ({CONTENT_LICENCE})</a>. Code: {CODE_LICENCE} licence. "
        "The full texts are in the files LICENSE-CONTENT and LICENSE of the package.</p>\n"
        f"<p>The facts come from the reference article, the encyclopedia entry <a href=\"{e(ref.url)}\">“{e(ref.title)}” in "
        f"{e(ref.publisher)}</a>, by {e(ref.author)}, licensed {CONTENT_LICENCE}. The lessons restate "
        "them in their own words and arrange them as exercises; short quotations keep the words of the "
        "people and outlets named with them.</p>\n"
        f"{others}{dated}\n</footer>\n")


def credits_text(accurate_as_of: str, ref: Reference | None = None) -> str:
    """The credits as plain text (for the offline bundle's README)."""
    ref = ref or reference()
    dated = f"Accurate as of {date_text(accurate_as_of)} (the latest event in the sources).\n" if accurate_as_of else ""
    return (f"Content (text, tables, handouts): {CONTENT_LICENCE}, see LICENSE-CONTENT\n"
            f"  ({CONTENT_LICENCE_URL}).\n"
            f"Code: {CODE_LICENCE} licence, see LICENSE.\n"
            f"The facts come from the reference article, the encyclopedia entry \"{ref.title}\",\n  {ref.publisher},"
            f" by {ref.author}, licensed {CONTENT_LICENCE}: {ref.url}\n"
            "  The lessons restate them in their own words.\n"
            f"{dated}")
