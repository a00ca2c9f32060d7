"""README.txt of the JupyterLite site (in the site folder, its zip and the student bundle):
how to serve it, the static-hosting routes, and what a school needs."""
from __future__ import annotations

__all__ = ["site_readme"]

_EDITION = {
    "student": (
        "This is the STUDENT edition. It holds no solutions, no instructor notes and no model answers:\n"
        "not in the notebooks and not in the Python package inside the site\n"
        "(static/pyodide/summit_lessons-*.whl). The self-check quizzes and answer checks keep their\n"
        "answers and feedback (they need them to tell a student whether an answer is right), so a\n"
        "student who digs through the site's files can find those, as with any self-marking worksheet."),
    "teacher": (
        "This is the TEACHER edition: every notebook holds the solutions and instructor notes\n"
        "(folded; click to open), and the package inside the site holds them too. Do not give this\n"
        "site to students; build the student edition for them (summit-lessons site)."),
}


def site_readme(edition: str, size_mb: float | None = None) -> str:
    """The site's README.txt for ``edition`` (student or teacher); ``size_mb``: the site's size."""
    size = f"About {size_mb:.0f} MB" if size_mb else "The size of this folder"
    slides = ("S opens the speaker view with the instructor notes" if edition == "teacher"
              else "no notes and no solutions")
    return f"""The Anchorage summit lessons in the browser (JupyterLite)
=========================================================

The lessons run inside the web browser: Python, pandas, matplotlib and the interactive widgets
are part of this folder. Nothing is installed on the students' computers, no account is needed,
and no internet connection is used.

{_EDITION[edition]}

Serve the folder: double-clicking index.html is not enough
----------------------------------------------------------
A browser shows the pages of a folder opened from the disk (an address starting with file://),
but it cannot start the lessons' Python kernel from there. The folder has to be served over
http by a web server. Any of these works:

1. On one computer, with Python 3 (any version from 3.8; nothing else to install):

       python serve.py                 (python3 serve.py on macOS and Linux)

   then open http://localhost:8000/ in the browser. Ctrl+C stops it.

2. For a classroom, from the teacher's computer:

       python serve.py --bind 0.0.0.0 --port 8000

   then students open http://<the teacher computer's address>:8000/ (the computer's firewall
   must let port 8000 in). The computer serves files only; each student's browser runs the
   Python, so one ordinary computer serves a whole class.

3. On a web server or static host, with no Python at all: copy the folder as it is to a school
   intranet server (Apache, nginx, IIS), or publish it on a static host such as GitHub Pages,
   GitLab Pages or Netlify. It works from any path (https://example.org/lessons/). The server
   must send .wasm files as application/wasm (most do; for IIS add that MIME type) and must not
   rewrite addresses.

What a school needs
-------------------
- One of the three above: a computer with Python 3 to run serve.py, a web server, or a static host.
- On each student's computer: a recent Chrome, Edge, Firefox or Safari. Nothing to install.
- {size} downloaded by each browser on the first visit (from the school's server, not the
  internet); later visits take it from the browser's cache. The first lesson takes half a minute
  or more to start Python, on a slow computer longer.
- Saving work: changes are kept in the browser's own storage on that computer. To keep a notebook
  or hand it in, download it (File > Download): a .ipynb file that opens in any Jupyter.

Slides: slides/NN_name.html, one slide show per lesson, linked from the lesson map
({slides}). They need no Python, so they also open straight from the disk.

Start page: index.html (the lesson map). Licences: the code is MIT, the lesson content CC BY-SA 4.0;
the lesson map and each notebook credit their sources.
"""
