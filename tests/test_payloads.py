"""Table text never becomes markup or a file read.

Every text column of every table gets a payload that would run script, load a local file or
reach the network if any page carried it unescaped: closing tags for style, script, title and
textarea, ``javascript:`` and ``file:`` URLs, CSS ``url()`` and ``@import``, SVG ``onload``.
A column that ``validate`` refuses it in is safe (its one line is checked); every other column
keeps it, and the handouts (HTML and PDF, both editions, the key) are built from that data. The
pages are then checked as a browser parses them, the PDFs' text for a local file's lines, a
listener on 127.0.0.1 for requests, and the Lite landing page for any of it.
"""
from __future__ import annotations

import csv
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from summit_lessons import data_dir, validate
from summit_lessons.loader import descriptor

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[1]


class Listener(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Listener.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def payload(port: int, n: int) -> str:
    """One cell's payload (numbered: unique columns stay unique). No ';', ',' at its ends or
    surrounding spaces, so list columns can hold it too."""
    here = f"http://127.0.0.1:{port}"
    return (f"P{n} </style></script></title></textarea><script>window.slPwn={n}</script>"
            f'<img src="{here}/img{n}.png" onerror="window.slPwn={n}"><svg onload="window.slPwn={n}"></svg>'
            f'<iframe src="file:///etc/passwd"></iframe><a href="javascript:window.slPwn={n}">js</a>'
            f'<a href="file:///etc/passwd">file</a><style>@import "{here}/imp{n}.css" '
            f"body{{background:url({here}/bg{n}.png)}}</style> url({here}/u{n}.png) END{n}")


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A data folder with the payload in every text cell that validate lets through; the
    columns it refused, with their first line; the listener's port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    folder = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(data_dir(None), folder)
    kept, refused = [], {}
    n = 0
    for res in descriptor(folder)["resources"]:
        path = folder / res["path"]
        for f in res["schema"]["fields"]:
            if f.get("type", "string") != "string":
                continue
            header, rows = _rows(path)
            before = [dict(r) for r in rows]
            for r in rows:
                n += 1
                r[f["name"]] = payload(port, n)
            _write(path, header, rows)
            problems = validate(folder)
            if problems:
                refused[f"{res['name']}.{f['name']}"] = str(problems[0])
                _write(path, header, before)
            else:
                kept.append(f"{res['name']}.{f['name']}")
    assert validate(folder) == []
    yield folder, kept, refused, port
    server.shutdown()


def test_validate_refuses_the_payload_in_one_line_or_the_column_keeps_it(hostile):
    folder, kept, refused, _ = hostile
    for column, line in refused.items():
        assert "\n" not in line and line.split(" ", 1)[0] == f"{column.split('.')[0]}.csv", (column, line)
    # The free-text columns a page shows keep the payload (the test would prove nothing otherwise).
    for column in ("events.title", "events.summary", "sources.publisher", "sources.title", "sources.author",
                   "people.name", "claims.claim", "glossary.definition", "perspectives.summary"):
        assert column in kept, (column, refused.get(column))


@pytest.fixture(scope="module")
def built(hostile, tmp_path_factory):
    folder, _, _, _ = hostile
    out = tmp_path_factory.mktemp("built") / "handouts"
    env = {**os.environ, "SUMMIT_LESSONS_DATA": str(folder),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    done = subprocess.run([sys.executable, "-m", "summit_lessons.cli", "handouts", "--pdf", "--out", str(out),
                           "--no-cache"], env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def browser():
    from litebrowser import CHROMIUM, chromium

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make browser`")
    with chromium() as b:
        yield b


_LIVE_JS = """() => {
  const found = [];
  if (window.slPwn !== undefined) found.push("script ran: slPwn=" + window.slPwn);
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (a.name.startsWith("on") && a.value.includes("slPwn")) found.push(`<${el.localName} ${a.name}>`);
      if (["src", "href", "data", "action", "srcdoc"].includes(a.name) && /^\\s*(javascript|file):/i.test(a.value))
        found.push(`<${el.localName} ${a.name}=${a.value.slice(0, 40)}>`);
    }
    if ((el.localName === "script" || el.localName === "style") && /slPwn|127\\.0\\.0\\.1:/.test(el.textContent))
      found.push(`<${el.localName}> ${el.textContent.slice(0, 60)}`);
  }
  return found;
}"""


def _open(browser, url: str | None = None, html: str | None = None, inside: str = "") -> tuple[list[str], list[str]]:
    """What of a payload is live in one page as Chromium builds it, and every request it made
    to anything but the build's own files (each aborted)."""
    page = browser.new_page()
    requests: list[str] = []

    def route(r) -> None:
        if inside and r.request.url.startswith(inside):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        if url:
            page.goto(url, wait_until="load")
        else:
            page.set_content(html or "", wait_until="load")
        page.wait_for_timeout(50)
        return page.evaluate(_LIVE_JS), requests
    finally:
        page.close()


def test_no_page_carries_a_live_payload(built, browser):
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 10
    shown = 0
    for page in pages:
        live, requests = _open(browser, url=page.as_uri(), inside=built.as_uri() + "/")
        assert live == [] and requests == [], (page.relative_to(built), live, requests)
        shown += page.read_text(encoding="utf-8").count("&lt;/style&gt;&lt;/script&gt;")
    assert shown > 0  # the payload reached the pages, as text


def test_no_pdf_shows_a_local_file_and_nothing_was_requested(built, hostile):
    from pypdf import PdfReader

    _, _, _, port = hostile
    pdfs = sorted(built.rglob("*.pdf"))
    assert len(pdfs) > 10
    passwd = [ln.split(":")[0] + ":x:" for ln in Path("/etc/passwd").read_text().splitlines()[:3]]
    seen = 0
    for pdf in pdfs:
        text = " ".join((p.extract_text() or "") for p in PdfReader(pdf).pages)
        assert not any(ln in text for ln in passwd), pdf.relative_to(built)
        seen += text.count("</script>")
    assert seen > 0  # the payload was printed, as text
    assert Listener.hits == []


def test_the_lite_landing_page_carries_no_table_text(hostile, monkeypatch, browser):
    """The landing page's lesson map is made from the notebooks' metadata, never from a table:
    with the hostile data in place it holds none of it, and nothing in it is live."""
    from summit_lessons.lessons import lesson_metas
    from summit_lessons.publish.litesite import landing_page

    folder, _, _, port = hostile
    monkeypatch.setenv("SUMMIT_LESSONS_DATA", str(folder))
    for edition in ("student", "teacher"):
        page = landing_page(lesson_metas(), edition)
        assert "slPwn" not in page and f"127.0.0.1:{port}" not in page
        live, requests = _open(browser, html=page)
        assert live == [] and requests == []
