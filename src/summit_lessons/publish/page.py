"""The printed page, in one place: the handout template and style sheet, the syntax colours, and the
margin boxes of every printed page (the credit line on top; the title and "page N of M" below).

Handouts, the teacher's key, worksheets and lesson plans, the combined PDFs and the slides all take
their page from here, so a change to the page is made once. The credit line's wording comes from
:mod:`summit_lessons.publish.credits` (read from ``sources.csv``); where it stands on the page is set here.
"""
from __future__ import annotations

import re

from ..locations import package_dir

_PKG = package_dir()
TEMPLATES = _PKG / "templates"
#: The teacher's key's title: its page heading, its footer and its combined PDF's title.
KEY_TITLE = "The Anchorage summit lessons: teacher's key"


def handout_css() -> str:
    """The style sheet every printed page shares (handouts, key, worksheets, lesson plans, index)."""
    return (TEMPLATES / "summit_handout" / "handout.css").read_text(encoding="utf-8")


def _contrast(a: str, b: str) -> float:
    def lum(hex_colour: str) -> float:
        rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _darken(colour: str, background: str = "#f4f4f4", target: float = 4.6) -> str:
    """The colour, darkened in small steps until its text reaches WCAG AA contrast on the background."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    while _contrast("#%02x%02x%02x" % tuple(rgb), background) < target and any(rgb):
        rgb = [max(0, int(c * 0.92)) for c in rgb]
    return "#%02x%02x%02x" % tuple(rgb)


def _code_css() -> str:
    """Syntax colours for code cells, each at 4.5:1 or more on the code background (#f4f4f4)."""
    from pygments.formatters import HtmlFormatter

    css = HtmlFormatter(style="sas").get_style_defs(".highlight")
    def fix(m: re.Match[str]) -> str:
        c = m.group(1)
        full = "#" + "".join(ch * 2 for ch in c[1:]) if len(c) == 4 else c  # pygments writes #080 for #008800
        return f"color: {_darken(full)}"

    return re.sub(r"color: (#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b)", fix, css)


_CSS_PLAIN = re.compile(r"[A-Za-z0-9 .,:;()'!?%\u2013\u2014\u2018\u2019\u201c\u201d-]")


def _css_string(text: str) -> str:
    """``text`` as a CSS string: every character but plain letters and punctuation as a hex escape.

    So no ``"``, ``\\``, ``<`` or line break ever reaches the style sheet as itself: the text cannot
    end the string, the rule or the ``<style>`` element it sits in, whatever a table holds.
    """
    return '"' + "".join(c if _CSS_PLAIN.fullmatch(c) else f"\\{ord(c):x} " for c in text) + '"'


def page_css(footer_title: str, accurate_as_of: str, *, outside: bool = False) -> str:
    """Margin boxes of every printed page: the credit line on top; the title and "page N of M" below.

    Chromium (131 and later) prints CSS page-margin boxes, from its print dialog and in PDFs alike.
    """
    from .credits import credit_line

    return ("@page {\n"
            f"  @top-left {{ content: {_css_string(credit_line(accurate_as_of, outside=outside))}; }}\n"
            f"  @bottom-left {{ content: {_css_string(footer_title)}; }}\n"
            '  @bottom-right { content: "page " counter(page) " of " counter(pages); }\n'
            "}\n")
