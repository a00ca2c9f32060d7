"""Output folders: a build replaces only what an earlier build of its kind wrote (its manifest says
so); anything else is one line, exit 2, and nothing touched. Tiny one-cell lessons keep builds short."""
from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from summit_lessons.publish import outputs
from summit_lessons.publish.handouts import build
from summit_lessons.publish.outputs import MANIFEST, OutputError, changed_files, prepare_folder, write_manifest
from test_build_faults import cli, dead_pid, lesson, pages

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    root = tmp_path_factory.mktemp("warm-out")
    nb = lesson(root / "nbs")
    build(root / "handouts", notebooks=[nb], cache_dir=root / "cache", progress=None)
    return root, nb


def user_folder(folder: Path) -> dict[str, bytes]:
    """A folder of a user's own files: what a build must never delete."""
    (folder / "sub").mkdir(parents=True)
    (folder / "precious.txt").write_text("my notes", encoding="utf-8")
    (folder / "sub" / "draft.md").write_text("# draft", encoding="utf-8")
    return pages(folder)


def handouts_cli(out: str, warm, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    root, nb = warm
    return cli("handouts", "--out", out, "--notebooks", str(nb.parent), "--cache", str(root / "cache"), *extra, cwd=cwd)


# ------------------------------------------------------------------ a user's own folder

def test_handouts_never_replace_a_users_folder(warm, tmp_path):
    before = user_folder(tmp_path / "docs")
    done = handouts_cli("docs", warm, tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: will not replace {tmp_path / 'docs'}: it holds files that no summit-lessons handouts build wrote "
        "(precious.txt and 1 more); nothing was changed. Give --out a new or empty folder, or move those files away first"]
    assert pages(tmp_path / "docs") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]  # no lock, no staging folder beside it


def test_a_file_added_to_an_earlier_build_stops_the_next(warm, tmp_path):
    out = tmp_path / "handouts"
    assert handouts_cli(str(out), warm, tmp_path).returncode == 0
    (out / "notes.txt").write_text("the teacher's notes", encoding="utf-8")
    done = handouts_cli(str(out), warm, tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: will not replace {out}: notes.txt in it was not written by the build; "
                                        "nothing was changed. Give --out a new or empty folder, or move those files away first"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the teacher's notes"


def test_an_earlier_build_and_an_empty_folder_are_replaced(warm, tmp_path):
    out = tmp_path / "handouts"
    out.mkdir()
    assert handouts_cli(str(out), warm, tmp_path).returncode == 0
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["kind"] == "handouts" and sorted(manifest["files"]) == sorted(pages(out))
    (out / "index.html").write_text("edited by hand", encoding="utf-8")  # the build's own file: rebuilt
    assert handouts_cli(str(out), warm, tmp_path).returncode == 0
    assert "edited by hand" not in (out / "index.html").read_text(encoding="utf-8")


def test_handouts_of_a_version_before_the_manifest_are_replaced(warm, tmp_path):
    out = tmp_path / "handouts"
    assert handouts_cli(str(out), warm, tmp_path).returncode == 0
    (out / MANIFEST).unlink()  # as an earlier version left it: it wrote no worksheets, plans or decks
    for form in ("worksheet", "plan", "slides"):
        shutil.rmtree(out / form)
    assert handouts_cli(str(out), warm, tmp_path).returncode == 0
    assert (out / MANIFEST).is_file()


def test_a_different_kind_of_build_is_not_replaced(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("a site", encoding="utf-8")
    write_manifest(site, "site")
    with pytest.raises(OutputError, match=r"will not replace .*site: it holds a site build, not handouts; nothing was changed"):
        prepare_folder(site, "handouts")


def test_site_refuses_a_users_folder_before_anything_else(tmp_path):
    before = user_folder(tmp_path / "docs")
    done = cli("site", "--out", "docs", "--tools", str(tmp_path / "no-tools"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: will not replace {tmp_path / 'docs'}: it holds files that no summit-lessons site build wrote "
        "(precious.txt and 1 more); nothing was changed. Give --out a new or empty folder, or move those files away first"]
    assert pages(tmp_path / "docs") == before


def test_site_zip_never_replaces_another_file(tmp_path):
    (tmp_path / "notes.zip").write_text("not a zip", encoding="utf-8")
    done = cli("site", "--out", "site", "--zip", "notes.zip", "--tools", str(tmp_path / "no-tools"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["error: will not replace notes.zip: it is not a site zip that summit-lessons "
                                        "wrote; nothing was changed. Give another file name, or move it away first"]
    assert (tmp_path / "notes.zip").read_text(encoding="utf-8") == "not a zip"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.zip"]


def test_site_zip_naming_a_folder_is_one_line_before_the_build(tmp_path):
    (tmp_path / "usb").mkdir()
    done = cli("site", "--out", "site", "--zip", "usb", "--tools", str(tmp_path / "no-tools"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["error: cannot write the site zip to usb: it is a folder; give a file name such "
                                        "as usb/summit-lessons.zip"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["usb"]


def test_bundle_refuses_a_users_handouts_folder_and_file(warm, tmp_path):
    root, _ = warm
    before = user_folder(tmp_path / "docs")
    done = cli("bundle", "--handouts", "docs", "--cache", str(root / "cache"), cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"error: will not replace {tmp_path / 'docs'}: it holds files")
    assert pages(tmp_path / "docs") == before
    (tmp_path / "report.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip of the user's
    done = cli("bundle", "--out", "report.zip", "--cache", str(root / "cache"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["error: will not replace report.zip: it is not a bundle that summit-lessons "
                                        "wrote; nothing was changed. Give another file name, or move it away first"]


# ------------------------------------------------------------------ odd --out values

def test_out_as_a_symlink_writes_into_its_target(warm, tmp_path):
    target = tmp_path / "real"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    done = handouts_cli("link", warm, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link").is_symlink() and os.readlink(tmp_path / "link") == str(target)
    assert (target / "index.html").is_file() and (target / "student" / "01_tiny.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["link", "real"]


@pytest.mark.parametrize("out, why", [("/", "it is the root of the file system"), (".", "it is the current folder"),
                                      ("..", "it is the current folder (or holds it)")])
def test_root_and_the_current_folder_are_refused(warm, tmp_path, out, why):
    here = tmp_path / "work"
    here.mkdir()
    done = handouts_cli(out, warm, here)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: cannot write the handouts to {out}: {why}; "
                                        "give a folder of its own, such as build/handouts"]
    assert list(here.iterdir()) == [] and not Path("/..lock").exists() and not (tmp_path / "..lock").exists()


# ------------------------------------------------------------------ an earlier --pdf build

def fake_pdf_build(out: Path) -> list[str]:
    """Make ``out`` what a ``--pdf`` build leaves: PDFs beside the pages, listed in the manifest."""
    from summit_lessons.publish.handouts import _pages_digest

    names = ["student.pdf", "teacher.pdf", "key/index.pdf", "student/01_tiny.pdf"]
    for n in names:
        (out / n).write_bytes(b"%PDF-1.7 " + n.encode())
    write_manifest(out, "handouts", pages=_pages_digest(out))
    return names


def test_a_rebuild_keeps_the_pdfs_of_unchanged_pages_and_names_the_removed(warm, tmp_path):
    root, nb = warm
    out = tmp_path / "handouts"
    assert handouts_cli(str(out), warm, tmp_path).returncode == 0
    names = fake_pdf_build(out)
    done = handouts_cli(str(out), warm, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"kept the 4 PDFs of the earlier --pdf build in {out} (their pages are unchanged)"
    assert all((out / n).read_bytes() == b"%PDF-1.7 " + n.encode() for n in names)
    assert changed_files(out, "handouts") == []
    # A changed lesson: its PDFs would show the old pages, so they go, and the build says so.
    changed = lesson(tmp_path / "nbs", "01_tiny", "2 + 2")
    done = cli("handouts", "--out", str(out), "--notebooks", str(changed.parent), "--cache", str(root / "cache"),
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (f"removed the 4 PDFs of the earlier --pdf build in {out}, as their pages "
                                            "changed: add --pdf (make pdf) to print them again")
    assert not list(out.rglob("*.pdf"))


# ------------------------------------------------------------------ leftovers and partial files

def test_a_failed_site_zip_leaves_no_part(tmp_path, monkeypatch):
    from summit_lessons.publish.litesite import write_zip

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("x" * 1000, encoding="utf-8")
    real = zipfile.ZipFile.writestr

    def full_disk(self, *a, **kw):
        real(self, *a, **kw)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    with pytest.raises(OSError):
        write_zip(site, tmp_path / "site.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_staging_folders_of_a_killed_site_build_are_removed(tmp_path):
    gone = dead_pid()
    (tmp_path / f".site-{gone}-abc" / "static").mkdir(parents=True)  # what kill -9 left
    (tmp_path / ".site-1-live").mkdir()  # pid 1 is running: its build owns it
    done = cli("site", "--out", "site", "--tools", str(tmp_path / "no-tools"), cwd=tmp_path)
    assert done.returncode == 1 and "no-tools/bin/jupyter not found" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-1-live"]


def test_changed_files_sees_a_deleted_edited_or_added_file(tmp_path):
    out = tmp_path / "site"
    (out / "static").mkdir(parents=True)
    (out / "index.html").write_text("page", encoding="utf-8")
    (out / "static" / "big.wasm").write_bytes(b"\0asm")
    write_manifest(out, "site")
    assert changed_files(out, "site") == []
    (out / "static" / "big.wasm").unlink()
    (out / "index.html").write_text("edited", encoding="utf-8")
    (out / "extra.txt").write_text("new", encoding="utf-8")
    assert changed_files(out, "site") == ["extra.txt", "index.html", "static/big.wasm"]
    assert changed_files(out, "handouts") is None


@pytest.mark.parametrize("text", ["[]", '{"files": null}', '{"kind": "site", "files": [1]}', "{", "[" * 100_000])
def test_a_corrupt_output_manifest_is_no_manifest(tmp_path, text):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("page", encoding="utf-8")
    (out / MANIFEST).write_text(text, encoding="utf-8")
    assert outputs.read_manifest(out) is None
    with pytest.raises(OutputError, match="no summit-lessons site build wrote"):
        prepare_folder(out, "site")


# ------------------------------------------------------------------ start and serve.py: one clear line

@pytest.mark.parametrize("args, line", [
    (["--port", "70000"], "summit-lessons start: error: argument --port: 70000 is not a port: give a number from 1 to 65535 "
                          "(see summit-lessons start --help)"),
    (["--port", "-1"], "summit-lessons start: error: argument --port: -1 is not a port: give a number from 1 to 65535 "
                       "(see summit-lessons start --help)"),
])
def test_start_refuses_ports_outside_the_range(tmp_path, args, line):
    done = cli("start", "lessons", "--no-browser", *args, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.splitlines() == [line]
    assert not (tmp_path / "lessons").exists()


def test_start_on_a_file_is_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    done = cli("start", "notes.txt", "--no-browser", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["error: notes.txt is a file, not a folder: give the folder for your lessons "
                                        "(it is made if it does not exist)"]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder; a read-only mount stands in below")
def test_start_on_a_read_only_folder_is_one_line(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    folder.chmod(0o555)
    done = cli("start", "lessons", "--no-browser", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("error: cannot write the lessons to lessons: Permission denied")


def test_start_on_a_read_only_file_system_is_one_line(tmp_path):
    # /proc is read-only for everyone, root included: the closest to a read-only USB stick a test can reach.
    done = cli("start", "/proc/sys", "--no-browser", cwd=tmp_path)
    assert done.returncode == 1
    line, = done.stderr.splitlines()
    assert line.startswith("error: cannot write the lessons to /proc/sys: ") and "Traceback" not in done.stderr


def serve_py(folder: Path, *args: str) -> subprocess.Popen[str]:
    from summit_lessons.publish.litesite import SERVE_PY

    (folder / "serve.py").write_text(SERVE_PY, encoding="utf-8")
    return subprocess.Popen([sys.executable, str(folder / "serve.py"), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_serve_py_refuses_a_port_outside_the_range(tmp_path):
    proc = serve_py(tmp_path, "--port", "80000")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.splitlines()[-1] == "serve.py: error: argument --port: 80000 is not a port: give a number from 1 to 65535"
    assert "Traceback" not in err


def test_serve_py_never_follows_a_link_out_of_its_folder(tmp_path):
    import urllib.error
    import urllib.request

    from summit_lessons.classroom.lab import free_port

    site = tmp_path / "site"
    (site / "sub").mkdir(parents=True)
    (site / "index.html").write_text("the site", encoding="utf-8")
    (site / "sub" / "page.html").write_text("inside", encoding="utf-8")
    (site / "link_etc").symlink_to("/etc")
    (site / "secret.txt").symlink_to(tmp_path / "outside.txt")
    (tmp_path / "outside.txt").write_text("outside the site", encoding="utf-8")
    (site / "inner.html").symlink_to(site / "sub" / "page.html")  # a link that stays inside: served
    port = free_port(18700)
    proc = serve_py(site, "--port", str(port))
    try:
        assert proc.stdout.readline().startswith(f"serving the lessons at http://localhost:{port}/")

        def get(path: str) -> tuple[int, str]:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as exc:
                return exc.code, ""

        assert get("/index.html") == (200, "the site") and get("/inner.html") == (200, "inside")
        assert get("/link_etc/hostname")[0] == 404 and get("/link_etc/passwd")[0] == 404
        assert get("/secret.txt")[0] == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)
