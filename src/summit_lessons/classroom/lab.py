"""Start JupyterLab on a learner's own copy of the lessons: the ``summit-lessons start`` command.

The lessons are copied with :func:`summit_lessons.publish.editions.copy_edition` (so a notebook the
learner changed is never overwritten), then JupyterLab is started in that folder on the lesson
map, bound to 127.0.0.1 with a token of our own, so the address printed here is the one that
works. As root (containers, classroom VMs) JupyterLab refuses to start unless given
``--allow-root``; we pass it and say so.
"""
from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

__all__ = ["LESSON_MAP", "LabError", "LabServer", "lab_server", "free_port", "is_root", "start"]

#: The notebook JupyterLab opens first.
LESSON_MAP = "00_start_here.ipynb"
#: How long JupyterLab may take to answer before we give up (a first start on a slow laptop).
READY_SECONDS = 120


class LabError(RuntimeError):
    """JupyterLab cannot be started; the message is one line for the command line."""


def is_root() -> bool:
    """True when running as the superuser (POSIX only; Windows has no such refusal)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def free_port(preferred: int = 8888, tries: int = 50) -> int:
    """The first port from ``preferred`` on that nothing listens on at 127.0.0.1."""
    for port in range(preferred, preferred + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise LabError(f"no free port between {preferred} and {preferred + tries - 1}: pass --port")


@dataclass
class LabServer:
    """How to start JupyterLab in ``folder`` and the address it will answer on."""

    folder: Path
    port: int
    token: str
    argv: list[str]
    start_path: str = f"/lab/tree/{LESSON_MAP}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The lesson map (or the lesson's slides), logged in by the token: what the learner opens."""
        return f"{self.base}{self.start_path}?token={self.token}"


def present_path(lesson: str) -> str:
    """The address of a lesson's live slides (jupyterlab-rise's presenter, ``/rise/<notebook>``)."""
    return f"/rise/{lesson}"


def find_lesson(name: str) -> str:
    """The notebook file of a lesson named by its number (``2``, ``02``), stem or file name."""
    from ..lessons import notebook_paths

    names = [p.name for p in notebook_paths()]
    wanted = name.removesuffix(".ipynb")
    for n in names:
        stem = n.removesuffix(".ipynb")
        if wanted in (stem, stem[:2]) or (wanted.isdigit() and int(wanted) == int(stem[:2])):
            return n
    raise LabError(f"no lesson {name!r}: give one of {', '.join(n.removesuffix('.ipynb') for n in names)}")


def lab_server(folder: str | os.PathLike[str], *, port: int, open_browser: bool = True,
               as_root: bool | None = None, token: str | None = None, present: str | None = None) -> LabServer:
    """The JupyterLab command line for ``folder`` (nothing is started); ``present``: open that
    notebook straight into its live slides."""
    folder = Path(folder).resolve()
    token = token or secrets.token_hex(16)
    start_path = present_path(present) if present else f"/lab/tree/{LESSON_MAP}"
    argv = [sys.executable, "-m", "jupyterlab",
            f"--ServerApp.root_dir={folder}",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",  # the address we print must be the one it uses
            f"--IdentityProvider.token={token}",
            f"--LabApp.default_url={start_path}",
            # Ctrl+C stops it at once instead of asking "Shutdown this Jupyter server (y/[n])?"
            "--ServerApp.answer_yes=True",
            # its own start-up banner would print a second, different-looking address
            "--log-level=WARN", "--LabApp.log_level=WARN"]
    if not open_browser:
        argv.append("--no-browser")
    if is_root() if as_root is None else as_root:
        argv.append("--allow-root")
    return LabServer(folder=folder, port=port, token=token, argv=argv, start_path=start_path)


def _answers(server: LabServer) -> bool:
    req = urllib.request.Request(f"{server.base}/api/status", headers={"Authorization": f"token {server.token}"})
    try:
        with urllib.request.urlopen(req, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start(folder: str | os.PathLike[str] = "summit-lessons", edition: str = "student", *,
          port: int | None = None, open_browser: bool = True, say: Callable[[str], None] = print,
          present: str | None = None) -> int:
    """Copy the ``edition`` into ``folder``, run JupyterLab there until it stops; its exit code.

    ``present`` (a lesson's number or name) opens that lesson straight into its live slides.

    Raises :class:`LabError` when JupyterLab is missing, the port is taken or it never answers.
    """
    from ..publish.editions import copy_edition

    if port is not None and not 1 <= port <= 65535:
        raise LabError(f"port {port} is not a port: give a number from 1 to 65535 (or leave --port out)")
    if Path(folder).exists() and not Path(folder).is_dir():
        raise LabError(f"{folder} is a file, not a folder: give the folder for your lessons "
                       "(it is made if it does not exist)")
    lesson = find_lesson(present) if present else None
    try:
        report = copy_edition(folder, edition)
    except OSError as exc:  # read-only, full, not ours
        raise LabError(f"cannot write the lessons to {folder}: {exc.strerror or exc}"
                       + (" (the folder is read-only: choose one you can write to)"
                          if exc.errno in (13, 30) else "")) from None
    if importlib.util.find_spec("jupyterlab") is None:  # the lessons are copied: they open in any Jupyter
        raise LabError(f'JupyterLab is not installed: pip install "summit_lessons[lab]" (the lessons are in {folder})')
    say(f"{edition} edition in {report.dest}: {len(report.written)} written, "
        f"{len(report.unchanged)} already up to date, {len(report.kept)} changed by you and kept")
    if report.blocked:
        say(f"warning: could not write {', '.join(report.blocked)}: something that is not a notebook file "
            "(a folder or a link) has that name; rename it to get that lesson")
    if port is None:
        port = free_port()
    server = lab_server(report.dest, port=port, open_browser=open_browser, present=lesson)
    if "--allow-root" in server.argv:
        say("running as root: JupyterLab is started with --allow-root")
    proc = subprocess.Popen(server.argv, cwd=server.folder)

    def stop(*_: object) -> None:
        raise SystemExit(143)

    # A SIGTERM to this command (a teacher's script, a service manager) must stop JupyterLab too.
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not _answers(server):
            if proc.poll() is not None:
                raise LabError(f"JupyterLab stopped with exit code {proc.returncode} before it answered "
                               "(its message is above)")
            if time.monotonic() > deadline:
                raise LabError(f"JupyterLab did not answer on port {port} within {READY_SECONDS} s")
            time.sleep(0.25)
        say(f"JupyterLab is ready. Open {'the slides of ' + lesson if lesson else 'the lesson map'} at this address:")
        say(f"    {server.url}")
        say(f"Your work is saved in {server.folder}. Stop JupyterLab with Ctrl+C.")
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
