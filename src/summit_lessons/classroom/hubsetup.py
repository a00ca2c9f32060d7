"""The classroom hub's folders and environments, laid out so that each account reaches only its own.

``jupyterhub_config.py`` calls :func:`prepare` once at start (the hub runs as root)::

    STATE/                 root, 0711: every account may pass through, none may list it
      hub/                 root, 0700: database, cookie secret, passwords, admin token, logs
      home/<account>/      the account's own, 0700
      envs/student/        root, 0755: the student wheel (summit_lessons.classroom.hubenv: no solution text)
      envs/teacher/        root:<prefix>teachers, 0750: a venv with the teacher wheel

The servers run these environments, never the hub's own: the hub's venv and the project
checkout hold the teacher edition, so :func:`close_checkout` shuts them to other accounts.
An environment is rebuilt only when the wheel it was built from changes.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HubLayout", "SetupError", "prepare", "build_env", "shared_python", "student_env", "rebase_venv",
           "hub_private_folders", "close_checkout", "reachable_by_others"]


class SetupError(RuntimeError):
    """The hub cannot be laid out safely; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class HubLayout:
    state: Path

    @property
    def private(self) -> Path:
        return self.state / "hub"

    @property
    def homes(self) -> Path:
        return self.state / "home"

    def env(self, edition: str) -> Path:
        return self.state / "envs" / edition


def reachable_by_others(path: Path) -> bool:
    """True if an account with no special group could read ``path`` (every folder above it
    passable by "other", the file itself readable by "other")."""
    path = Path(path).resolve()
    try:
        if not path.stat().st_mode & stat.S_IROTH:
            return False
        return all(p.stat().st_mode & stat.S_IXOTH for p in path.parents)
    except OSError:
        return False


def _folder(path: Path, mode: int, gid: int = 0) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or not path.is_dir():
        raise SetupError(f"{path} must be a folder, not a link")
    os.chown(path, 0, gid)
    os.chmod(path, mode)


def shared_python(state: Path) -> tuple[str, str | None]:
    """An interpreter of the hub's Python that every account may run, and the library folder it
    needs on ``LD_LIBRARY_PATH`` (None when it needs none).

    The hub's own interpreter is used where others may reach it. Where it sits in a folder no
    one else can open (pyenv in root's home), its runtime (without its site-packages and tests)
    is copied once to ``STATE/python``; that copy still names root's library folder, so servers
    get ``LD_LIBRARY_PATH`` pointing at the copy's own.
    """
    base = Path(sys.base_prefix)
    exe = Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    if reachable_by_others(exe) and exe.stat().st_mode & stat.S_IXOTH:
        return str(exe), None
    copy = Path(state) / "python"
    stamp = copy / ".summit-source"
    want = f"{base} {sys.version}"
    if not (stamp.is_file() and stamp.read_text().strip() == want):
        shutil.rmtree(copy, ignore_errors=True)
        lib = f"python{sys.version_info.major}.{sys.version_info.minor}"

        def skip(folder: str, names: list[str]) -> list[str]:
            rel = Path(folder).relative_to(base).as_posix()
            if rel == f"lib/{lib}":
                return [n for n in names if n in ("test", "idlelib", "tkinter", "turtledemo")]
            if rel == f"lib/{lib}/site-packages":
                return names
            if rel == "bin":
                return [n for n in names if not n.startswith("python")]
            if rel == ".":
                return [n for n in names if n not in ("bin", "lib", "include")]
            return []

        shutil.copytree(base, copy, symlinks=True, ignore=skip)
        stamp.write_text(want + "\n")
    os.chmod(copy, 0o755)
    return str(copy / "bin" / exe.name), str(copy / "lib")


def build_env(dest: Path, edition: str, python: str, *, constraints: Path | None = None) -> bool:
    """A venv at ``dest`` holding the ``edition`` wheel with JupyterLab and jupyterhub-singleuser;
    True if it was (re)built, False if it was already up to date."""
    from ..publish.wheel import build_wheel
    from .hubenv import HubEnvError, set_kernel_path

    with tempfile.TemporaryDirectory(prefix="summit-hub-wheel-") as tmp:
        wheel = build_wheel(Path(tmp), edition)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if constraints is not None:
            digest += hashlib.sha256(constraints.read_bytes()).hexdigest()[:16]
        stamp = dest / ".summit-wheel"
        if stamp.is_file() and stamp.read_text().strip() == digest and (dest / "bin" / "jupyterhub-singleuser").exists():
            return False
        # Built in place (a venv's scripts name their interpreter by absolute path); the stamp,
        # written last, marks a finished build.
        shutil.rmtree(dest, ignore_errors=True)
        subprocess.run([python, "-m", "venv", "--without-pip", str(dest)], check=True)
        uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
        pins = ["-c", str(constraints)] if constraints is not None else []
        if uv:
            # Byte-compiled now: the servers' accounts cannot write into the environment, so
            # without it every teacher's server and kernel would compile each module from source.
            cmd = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(dest / "bin" / "python"), *pins]
        else:
            cmd = [sys.executable, "-m", "pip", "--python", str(dest / "bin" / "python"), "install", "--quiet",
                   "--disable-pip-version-check", *pins]
        proc = subprocess.run([*cmd, f"{wheel}[hub]"], capture_output=True, text=True)
        if proc.returncode:
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise SetupError(f"the {edition} environment could not be installed in {dest}: {last[0]}")
        try:
            set_kernel_path(dest)
        except HubEnvError as err:
            raise SetupError(str(err)) from None
        stamp.write_text(digest + "\n")
    return True


def rebase_venv(env: Path, python: str) -> None:
    """Point venv ``env`` at ``python``, a copy of the very interpreter it was made with (the same
    version and build, in a folder every account may open)."""
    for link in (env / "bin").glob("python*"):
        if link.is_symlink():
            link.unlink()
            link.symlink_to(python)
    cfg = env / "pyvenv.cfg"
    lines = []
    for line in cfg.read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        if key == "home":
            line = f"home = {Path(python).parent}"
        elif key == "executable":
            line = f"executable = {python}"
        lines.append(line)
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")


def student_env(dest: Path, python: str, constraints: Path | None) -> None:
    """The student servers' environment at ``dest``: :func:`summit_lessons.classroom.hubenv.build_student_env`
    (the student wheel, pinned, no unused server extensions), then pointed at ``python``."""
    from .hubenv import KEY_FILE, HubEnvError, build_student_env

    if dest.exists() and (dest / ".summit-wheel").exists() and not (dest / KEY_FILE).exists():
        shutil.rmtree(dest)  # an environment an earlier version of this module built
    try:
        build_student_env(dest, constraints=constraints)
    except HubEnvError as err:
        raise SetupError(f"the student environment could not be built in {dest}: {err}") from None
    if os.path.realpath(dest / "bin" / "python") != os.path.realpath(python):
        rebase_venv(dest, python)


def hub_private_folders() -> list[Path]:
    """The folders that hold the hub's teacher edition: the checkout this package runs from (an
    editable install) and the hub's venv; a system Python's prefix (``/usr``) is never one."""
    from ..publish.wheel import checkout_root

    folders = []
    root = checkout_root()
    if root is not None:
        folders.append(root.resolve())
    prefix = Path(sys.prefix).resolve()
    if sys.prefix != sys.base_prefix and (prefix / "pyvenv.cfg").is_file() and prefix != Path("/"):
        folders.append(prefix)
    return folders


def close_checkout(root: Path) -> bool:
    """Shut ``root`` (the project checkout or the hub's venv) to other accounts; True if it was open."""
    mode = root.stat().st_mode
    if not mode & (stat.S_IROTH | stat.S_IXOTH):
        return False
    os.chmod(root, mode & ~(stat.S_IROTH | stat.S_IWOTH | stat.S_IXOTH))
    return True


def _restrict(tree: Path, gid: int) -> None:
    """Give ``tree`` to root and group ``gid``, closed to everyone else."""
    os.chown(tree, 0, gid)
    os.chmod(tree, 0o750)


def prepare(state: Path, teachers_gid: int) -> tuple[HubLayout, str | None]:
    """Lay out ``state`` (see the module's docstring), build or reuse both environments; the layout and
    the library folder servers need on ``LD_LIBRARY_PATH`` (see :func:`shared_python`)."""
    if os.geteuid() != 0:
        raise SetupError("the classroom hub runs as root, so that each user's server can run as their own "
                         "account: start it with sudo (see deploy/jupyterhub/README.md)")
    if Path(state).is_symlink():
        raise SetupError(f"{state} must be a folder, not a link")
    layout = HubLayout(Path(state).resolve())
    closed = [p for p in layout.state.parents if p.exists() and not p.stat().st_mode & stat.S_IXOTH]
    if closed:
        raise SetupError(f"{closed[0]} is closed to other accounts, so users could not reach their homes in "
                         f"{layout.state}: choose a SUMMIT_HUB_STATE outside it")
    _folder(layout.state, 0o711)
    _folder(layout.private, 0o700)
    _folder(layout.homes, 0o711)
    _folder(layout.state / "envs", 0o711)
    constraints = _constraints()
    python, libdir = shared_python(layout.state)
    student_env(layout.env("student"), python, constraints)
    build_env(layout.env("teacher"), "teacher", python, constraints=constraints)
    os.chmod(layout.env("student"), 0o755)
    _restrict(layout.env("teacher"), teachers_gid)
    return layout, libdir


def _constraints() -> Path | None:
    from ..publish.wheel import checkout_root

    root = checkout_root()
    path = root / "constraints.txt" if root else None
    return path if path is not None and path.is_file() else None
