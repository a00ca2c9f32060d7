"""Chromium prints with no access to files outside the build folder and no network (issue 22).

A page planted with a ``file:///etc/passwd`` iframe, an image from a local listener, a stylesheet
``@import`` and a relative path that climbs out of the folder is printed with the package's own
printer; the PDF must hold none of that, the listener must see no request, and a picture inside
the folder (the control) must still print.
"""
from __future__ import annotations

import base64
import http.server
import threading
from pathlib import Path

import pytest

from test_print import _chromium

pytestmark = [pytest.mark.browser]

# A 2x2 red PNG: the control, a file inside the folder that must print.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==")


@pytest.fixture
def listener():
    """A local HTTP server that records every request made to it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<p>LEAKED-FROM-LISTENER</p>")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


def _text(pdf: Path) -> str:
    import pikepdf
    from pypdf import PdfReader

    with pikepdf.open(pdf):  # a whole, readable PDF
        pass
    return " ".join(p.extract_text() for p in PdfReader(pdf).pages)


def test_a_planted_page_reads_no_outside_file_and_reaches_no_listener(tmp_path, listener):
    from summit_lessons.publish.pdf import Printer, write_pdf

    port, hits = listener
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.html").write_text("<p>SECRET-OUTSIDE-THE-FOLDER</p>", encoding="utf-8")
    folder = tmp_path / "build"
    (folder / "student").mkdir(parents=True)
    (folder / "student" / "red.png").write_bytes(PNG)
    (folder / "student" / "escape").symlink_to(outside, target_is_directory=True)
    local = f"http://127.0.0.1:{port}"
    page = folder / "student" / "planted.html"
    page.write_text(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Planted</title>
<style>@import url("{local}/import.css"); body {{ background: url("{local}/bg.png"); }}</style>
<link rel="stylesheet" href="{local}/link.css"><link rel="prefetch" href="{local}/prefetch">
</head><body><h1>Planted page</h1>
<iframe src="file:///etc/passwd" title="a"></iframe>
<iframe src="../../outside/secret.html" title="b"></iframe>
<iframe src="escape/secret.html" title="c"></iframe>
<img src="{local}/pixel.png" alt="listener">
<img src="file:///usr/share/pixmaps/debian-logo.png" alt="file">
<object data="{local}/object"></object><video src="{local}/video" poster="{local}/poster"></video>
<script>fetch("{local}/script"); document.write("SCRIPT-RAN");</script>
<img src="red.png" alt="the control: a picture inside the folder" width="40" height="40">
<p>END-OF-PAGE</p></body></html>""", encoding="utf-8")
    dest = folder / "student" / "planted.pdf"
    with Printer(_chromium(), "a4", root=folder) as printer:
        write_pdf(printer, page, dest, "Planted")
        refused = list(printer.refused)
    text = _text(dest)
    assert "Planted page" in text and "END-OF-PAGE" in text  # the page itself printed
    assert "root:" not in text and "/bin/" not in text, text  # nothing of /etc/passwd
    assert "SECRET-OUTSIDE" not in text and "LEAKED" not in text and "SCRIPT-RAN" not in text, text
    assert hits == [], f"requests reached the local listener: {hits}"
    assert any(u.startswith(local) for u in refused), refused  # the printer saw and refused them
    import pikepdf

    with pikepdf.open(dest) as pdf:  # the control image printed: the folder itself is readable
        images = [k for p in pdf.pages for k, v in (p.Resources.get("/XObject") or {}).items()
                  if v.get("/Subtype") == "/Image"]
    assert images, "the picture inside the folder did not print"


def test_a_page_outside_the_printers_folder_is_refused(tmp_path):
    from summit_lessons.publish.pdf import PdfError, Printer

    folder, other = tmp_path / "build", tmp_path / "other"
    folder.mkdir()
    other.mkdir()
    page = other / "page.html"
    page.write_text("<html><head></head><body><p>x</p></body></html>", encoding="utf-8")
    with Printer(_chromium(), "a4", root=folder) as printer:
        with pytest.raises(PdfError, match="outside the folder"):
            printer.pdf_bytes(page)
