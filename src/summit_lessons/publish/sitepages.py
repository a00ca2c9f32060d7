"""The pages of the JupyterLite site that are not notebooks: the landing page (the lesson map and
the first steps), the lessons' slide decks (``slides/``) and ``serve.py``, which serves the folder
so a browser can run the lessons.

**Why decks, not live slides.** JupyterLab's live slides (jupyterlab-rise 0.43.1) open a notebook at
``<base url>rise/<path>`` (``packages/lab/src/preview.ts``, ``getRiseUrl``), a page that RISE's
Jupyter *server* extension renders (``jupyterlab_rise/app.py``: ``RiseHandler``, a
``jupyter_server`` handler added as ``/rise{path_regex}``). A JupyterLite site is static files with
no server, so that address does not exist there. The site ships the lessons' reveal.js decks instead,
made by :func:`summit_lessons.publish.slides.write_decks` as the handouts' decks are.
"""
from __future__ import annotations

import html
import json
import urllib.parse
import shutil
import tempfile
from pathlib import Path
from typing import Any

#: The site's folder of slide decks: ``slides/NN_name.html``, reveal.js and styles in ``slides/assets/``.
SLIDES = "slides"


def landing_page(metas: list[dict[str, Any]], edition: str) -> str:
    """The site's first page: what to do first (open, wait for Idle, Run All, answer, download),
    then the lesson map, each lesson opening in JupyterLab inside the site."""
    from ..lessons import lesson_map_html

    # A Slides column beside the lesson: the link names its lesson (visually hidden), so it reads on its own.
    table = lesson_map_html(metas=metas, link_suffix=None, links=[(SLIDES, "Slides")], links_heading="Slides",
                            caption=f"The {len(metas)} lessons ({edition} edition): open one to run it")
    # Titles link into JupyterLab inside the site; the lesson map builder stays the package's one.
    for m in metas:
        title = html.escape(m["title"])
        href = "lab/index.html?path=" + urllib.parse.quote(f'{m["file_stem"]}.ipynb')  # a URL, then an attribute
        link = f'<a href="{html.escape(href, quote=True)}">{title}</a>'
        table = table.replace(f'<th scope="row">{title}</th>', f'<th scope="row">{link}</th>', 1)
    notes_line = (", <kbd>S</kbd> for the speaker view with your notes" if edition == "teacher"
                  else " (these are the student edition's slides: no notes, no solutions)")
    first = metas[0] if metas else None
    first_href = "lab/index.html?path=" + urllib.parse.quote(f'{first["file_stem"]}.ipynb') if first else ""
    first_link = (f'<a href="{html.escape(first_href, quote=True)}">'
                  f'{html.escape(first["title"])}</a>') if first else "the first lesson"
    as_of = sorted({m["accurate_as_of"] for m in metas if m.get("accurate_as_of")})
    as_of_line = (f"<p>The lessons are accurate as of {html.escape(_long_date(as_of[-1]))}: the latest event in "
                  "their sources.</p>") if as_of else ""
    css = ("body{font:1rem/1.5 system-ui,sans-serif;max-width:64rem;margin:1.5rem auto;padding:0 1rem;color:#1a1a1a}"
           "h1{font-size:1.6rem;margin:.2rem 0 .6rem}"
           "table{border-collapse:collapse}th,td{border:1px solid #767676;padding:.4rem;text-align:left;"
           "vertical-align:top}caption{font-weight:bold;text-align:left;padding:.4rem 0}"
           "a{color:#0b57a4}.sl-warning{border:3px solid #b35900;padding:.5rem 1rem}"
           ".sl-visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
           "white-space:nowrap}"
           ".sl-warning strong{color:#7a3d00}.sl-steps{border:2px solid #0b57a4;padding:.4rem 1rem .4rem 2.2rem;"
           "margin:.6rem 0}.sl-steps li{margin:.25rem 0}kbd,.sl-ui{font-weight:bold}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Anchorage summit lessons in the browser</title><link rel="icon" href="static/favicons/favicon.ico">
<style>{css}</style>
<!-- JupyterLite's pages read their settings up the folder tree, this page's included (it must hold this block). -->
<script id="jupyter-config-data" type="application/json" data-jupyter-lite-root=".">{{}}</script></head>
<body><main>
<h1>Anchorage summit lessons in the browser</h1>
<p id="sl-file-warning" class="sl-warning" hidden><strong>Warning:</strong> this page was opened as a file
(its address starts with <code>file://</code>), and a browser cannot start the Python kernel from a file.
Serve the folder instead: run <code>python serve.py</code> in it (or <code>python -m http.server</code>)
and open the address it prints.</p>
<h2 id="how-to-run">How to run a lesson</h2>
<ol class="sl-steps">
<li>Open a lesson from the lesson map below, for example {first_link}.</li>
<li>Wait until the status bar at the <strong>bottom</strong> of the window reads
<span class="sl-ui">Python (Pyodide) | Idle</span>. The first lesson can take several seconds to start
Python; later ones start faster.</li>
<li>Choose <span class="sl-ui">Run → Run All Cells</span> in the menu at the top.</li>
<li>Read each section, use the explorers and the quizzes, and write each answer in the empty cell
under <span class="sl-ui">Your answer</span>.</li>
<li>To hand in your work, choose <span class="sl-ui">File → Download</span>: you get a <code>.ipynb</code> file
to send to your teacher.</li>
</ol>
<p>Python, pandas, matplotlib and the interactive widgets are part of this site: nothing is installed and no
internet connection is used.</p>
<h2 id="lesson-map">Lesson map</h2>
{table}
{as_of_line}
<h2 id="saving">Saving and handing in your work</h2>
<p>Your changes are saved in this browser's own storage on this computer, and they are there when you
come back with the same browser. They are not on any server, and clearing the browser's data or using
another computer or browser starts from a fresh copy.</p>
<p>To keep a notebook or hand it in, download it: in the lesson choose <span class="sl-ui">File → Download</span>
(or right-click the notebook in the file list on the left and choose <span class="sl-ui">Download</span>). You
get a <code>.ipynb</code> file that opens in any Jupyter.</p>
<h2 id="teachers">For teachers</h2>
<p><a href="lab/index.html">Open the file list in JupyterLab</a> to see every notebook of the site.</p>
<p id="slides">Each lesson's <strong>Slides</strong> link opens its slide show in the browser: <kbd>Space</kbd>
or <kbd>→</kbd> for the next slide, <kbd>F</kbd> for full screen{notes_line}. The slides show the lesson's stored
tables and figures; the explorers respond only in the notebook. Live slides (RISE) need a Jupyter server,
which this site does not have.</p>
</main>
<script>if (location.protocol === "file:") document.getElementById("sl-file-warning").hidden = false;</script>
</body></html>
"""


def write_slides(site: Path, edition: str, cache: Path, log: list[str]) -> list[Path]:
    """The edition's decks in ``site/slides/`` (reveal.js and styles once, in ``slides/assets/``);
    the files written. The same decks as the handouts' (:func:`slides.write_decks`)."""
    from ..lessons import notebook_paths
    from .pins import SiteError
    from .slides import DeckError, write_decks

    with tempfile.TemporaryDirectory(prefix=".decks-", dir=site) as tmp:
        try:
            write_decks(Path(tmp), notebook_paths(), [edition], cache=cache, shared=True, log=log)
        except DeckError as exc:
            raise SiteError(str(exc)) from None
        shutil.move(str(Path(tmp) / edition), str(site / SLIDES))
    return sorted(p for p in (site / SLIDES).rglob("*") if p.is_file())


def _date_lessons(listing: Path, metas: list[dict[str, Any]]) -> None:
    """Date each lesson in JupyterLite's contents listing by its content (``accurate_as_of``).

    ``jupyter lite build`` dates every file at SOURCE_DATE_EPOCH (the fixed build time), which the
    file browser showed as "last yr." for every lesson; the file browser's date column is also
    turned off in overrides.json, so only the file's properties show this date.
    """
    data = json.loads(listing.read_text(encoding="utf-8"))
    as_of = {f"{m['file_stem']}.ipynb": m["accurate_as_of"] for m in metas if m.get("accurate_as_of")}
    for item in data.get("content") or []:
        day = as_of.get(item.get("name"))
        if day:
            item["created"] = item["last_modified"] = f"{day}T00:00:00Z"
    listing.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def _long_date(iso: str) -> str:
    """``2025-11-19`` as ``19 November 2025`` (the lessons' own way of writing dates)."""
    from datetime import date

    d = date.fromisoformat(iso)
    months = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
    return f"{d.day} {months[d.month - 1]} {d.year}"


SERVE_PY = '''"""Serve this folder so a browser can run the lessons: python serve.py [--port 8000] [--bind 0.0.0.0]."""
import argparse
import http.server
import os
import sys

ROOT = os.path.realpath(os.path.dirname(os.path.abspath(__file__)))


def port(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: give a number from 1 to 65535")
    return value


class Handler(http.server.SimpleHTTPRequestHandler):
    """Files of this folder only: a link that leads out of it is not followed (404)."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript"}

    def __init__(self, *a, **kw):
        super().__init__(*a, directory=ROOT, **kw)

    def translate_path(self, path):
        full = super().translate_path(path)
        real = os.path.realpath(full)
        if real != ROOT and not real.startswith(ROOT + os.sep):
            return os.path.join(ROOT, ".not-served")  # does not exist: a 404, never the file outside
        return full


parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--port", type=port, default=8000)
parser.add_argument("--bind", default="127.0.0.1", help="0.0.0.0 to serve a classroom network")
args = parser.parse_args()
try:
    httpd = http.server.ThreadingHTTPServer((args.bind, args.port), Handler)
except OSError as exc:
    sys.exit(f"serve.py: cannot listen on {args.bind}:{args.port}: {exc.strerror or exc}")
with httpd:
    print(f"serving the lessons at http://{'localhost' if args.bind == '127.0.0.1' else args.bind}:{args.port}/ (Ctrl+C stops)")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
'''
