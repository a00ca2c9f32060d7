"""Install and start without make: the command line's help, the cache location, and
`summit-lessons start` from a wheel installed into a new virtual env, checked over HTTP."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from summit_lessons import cli
from summit_lessons.classroom.lab import LESSON_MAP, free_port, lab_server

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_bare_command_prints_help_with_one_line_per_command(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: summit-lessons")
    commands = cli.build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        lines = [l for l in out.splitlines() if l.split()[:1] == [name]]
        assert len(lines) == 1 and len(lines[0].split()) > 3, f"{name}: {lines}"  # name and its one line
    assert "``" not in out and ":func:" not in out


def test_help_fits_an_80_column_terminal():
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([str(BIN / "summit-lessons"), "--help"], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert max(len(l) for l in out.splitlines()) <= 80
    assert "start" in out and "summit-lessons start" in out


def test_handout_cache_is_in_the_user_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    args = cli.build_parser().parse_args(["handouts"])
    assert Path(args.cache) == tmp_path / "xdg" / "summit_lessons"
    assert cli.build_parser().parse_args(["bundle", "--cache", "here"]).cache == "here"


def test_start_command_line_passes_allow_root_only_as_root(tmp_path):
    root = lab_server(tmp_path, port=8899, open_browser=False, as_root=True, token="t0k")
    user = lab_server(tmp_path, port=8899, open_browser=True, as_root=False, token="t0k")
    assert "--allow-root" in root.argv and "--allow-root" not in user.argv
    assert "--no-browser" in root.argv and "--no-browser" not in user.argv
    assert root.url == f"http://127.0.0.1:8899/lab/tree/{LESSON_MAP}?token=t0k"


def _read_lines(stream, lines: list[str]) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))


def _get(url: str, token: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read()


@pytest.mark.slow
def test_wheel_in_a_new_venv_starts_jupyterlab_on_the_lesson_map(tmp_path):
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"),
                    str(ROOT)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("summit_lessons-*.whl"))
    venv = tmp_path / "venv"
    requirement = f"summit_lessons[lab] @ {wheel.as_uri()}"
    uv = shutil.which("uv", path=str(BIN))
    if uv:  # the project's installer (make's default): seconds instead of a minute
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        subprocess.run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
                        "-c", str(ROOT / "constraints.txt"), requirement], check=True, timeout=600)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-c",
                        str(ROOT / "constraints.txt"), requirement], check=True, timeout=900)

    work = tmp_path / "class"
    work.mkdir()
    port = free_port(18888)
    # A clean environment: nothing of this checkout's venv on PATH, so the wheel's own commands run.
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    proc = subprocess.Popen([str(venv / "bin" / "summit-lessons"), "start", "--no-browser", "--port", str(port)],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines: list[str] = []
    threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        deadline = time.monotonic() + 180
        url = None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            url = next((l.strip() for l in lines if l.strip().startswith("http://127.0.0.1")), None)
            time.sleep(0.2)
        assert url, "no address printed:\n" + "\n".join(lines)
        assert url.startswith(f"http://127.0.0.1:{port}/lab/tree/{LESSON_MAP}?token=")
        token = url.rsplit("token=", 1)[1]
        if os.geteuid() == 0:
            assert "running as root: JupyterLab is started with --allow-root" in lines
        # The address printed opens JupyterLab ...
        status, page = _get(url, token)
        assert status == 200 and b"JupyterLab" in page
        # ... on the learner's own copy: the lesson map, student edition, in summit-lessons/.
        status, body = _get(f"http://127.0.0.1:{port}/api/contents/{LESSON_MAP}?content=1", token)
        model = json.loads(body)
        assert model["path"] == LESSON_MAP
        cells = model["content"]["cells"]
        assert cells[0]["source"].startswith("# Start here")
        assert any(c["source"].startswith("## The lesson map") for c in cells)
        assert not any({"solution", "instructor"} & set(c["metadata"].get("tags", [])) for c in cells)
        assert sorted(p.name for p in (work / "summit-lessons").glob("*.ipynb"))[0] == LESSON_MAP
    finally:
        proc.send_signal(signal.SIGTERM)  # the start command stops JupyterLab on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    # Nothing is left listening: JupyterLab stopped with the command.
    with pytest.raises(OSError):
        _get(f"http://127.0.0.1:{port}/api/status", token)
