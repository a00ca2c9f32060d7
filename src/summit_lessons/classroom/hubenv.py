"""The Python environment the hub's student servers run: the student wheel, JupyterLab and the
single-user server, nothing else, readable by every account and holding no solution text.

``build_student_env(path)`` makes a virtual environment at ``path`` with:

- the package's **student wheel** (:func:`wheel.build_wheel`, lessons in their student edition),
  installed as files (never an editable link back to the checkout, whose notebooks hold answers);
- JupyterLab, ipywidgets and ``jupyterhub-singleuser`` (the ``lab`` extra and ``jupyterhub``), at
  the versions ``constraints.txt`` pins;
- no ``rfc3987-syntax``: jsonschema imports it only when it is installed, to check the ``iri``
  format, which no Jupyter event schema uses; building its grammars took 0.87 s of the server's
  1.7 s import. The GPL ``rfc3987`` is not used either;
- server extensions a class never uses switched off in the environment's own Jupyter config
  (``etc/jupyter/jupyter_server_config.d``): the language server (it runs ``npm prefix --global``
  on each start), the terminals and the classic-notebook shim.

Teachers' servers keep the project's full environment (the teacher edition). The environment is
rebuilt only when its inputs change (a key file in it), and a folder that is not such an
environment is never deleted.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from ..publish.wheel import WheelError, build_wheel, checkout_root

__all__ = ["HubEnvError", "EXCLUDED", "DISABLED_EXTENSIONS", "SERVER_CONFIG", "SYSTEM_PATH", "build_student_env",
           "closed_ancestor", "server_path", "set_kernel_path", "student_python"]

#: Packages kept out of the student environment, with the reason.
EXCLUDED = {"rfc3987-syntax": "jsonschema's optional iri-format check; its grammar costs ~0.9 s per server start"}
#: Server extensions a classroom never uses (they are installed with JupyterLab and enabled by default).
DISABLED_EXTENSIONS = ("jupyter_lsp", "jupyter_server_terminals", "notebook_shim")
#: The environment's own server settings (a file in ``etc/jupyter/jupyter_server_config.d``).
SERVER_CONFIG = {
    "ServerApp": {
        "jpserver_extensions": {name: False for name in DISABLED_EXTENSIONS},
        "terminals_enabled": False,
    },
    # Students do not install JupyterLab extensions; the manager would query PyPI.
    "LabApp": {"extension_manager": "readonly"},
}
#: Sorted after every package's own file in the folder, so its settings win.
CONFIG_NAME = "zz-summit-lessons-student.json"
#: The system's command folders, which a learner's kernel has on its PATH (for ``!ls`` and the like).
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
KEY_FILE = ".summit-lessons-student-env"


class HubEnvError(RuntimeError):
    """The environment cannot be built; one line saying why."""


def server_path(env: str | os.PathLike[str]) -> str:
    """The PATH of a single-user server running ``env``: the environment's own commands only.

    JupyterLab asks ``node yarn.js config`` for a package registry as it is imported, whenever
    ``node`` is on PATH: 0.4 CPU-seconds at every server start, for a setting the classroom never
    uses (its extension manager is read-only). Without the system folders there is no ``node``.
    """
    return str(Path(env) / "bin")


def set_kernel_path(env: str | os.PathLike[str]) -> Path:
    """Give the kernels of ``env`` the PATH a learner expects (the environment, then the system's).

    The server itself runs with :func:`server_path`; the kernel spec's ``env`` adds the system's
    folders back for the code a learner runs. The file is written anew, never edited in place:
    an installer may have hard-linked it from its cache, shared with every other environment."""
    spec = Path(env) / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    try:
        data = json.loads(spec.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HubEnvError(f"{spec}: cannot read the Python kernel's spec ({exc})") from None
    data["env"] = {**data.get("env", {}), "PATH": f"{server_path(env)}:{SYSTEM_PATH}"}
    tmp = spec.with_name(".kernel.json.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, spec)  # a new file: the old one (and any hard link to it) is left as it was
    return spec


def student_python(path: str | os.PathLike[str]) -> Path:
    """The Python of a student environment at ``path``."""
    return Path(path) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _installer() -> list[str] | None:
    """uv (installed next to this Python by the Makefile, or on PATH); None means pip."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    return [uv] if uv else None


def _key(wheel: Path, constraints: Path) -> str:
    h = hashlib.sha256()
    for part in (wheel.read_bytes(), constraints.read_bytes(), json.dumps(SERVER_CONFIG, sort_keys=True).encode(),
                 json.dumps(EXCLUDED, sort_keys=True).encode(), SYSTEM_PATH.encode(), sys.version.encode()):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        raise HubEnvError(f"{what} failed: {lines[-1] if lines else 'no output'}")


def _readable_by_all(root: Path) -> None:
    """Every account can read and run the environment; only its owner can change it."""
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            p = Path(dirpath, name)
            if p.is_symlink():
                continue
            mode = p.stat().st_mode
            os.chmod(p, 0o755 if mode & stat.S_IXUSR else 0o644)


def build_student_env(path: str | os.PathLike[str], *, constraints: str | os.PathLike[str] | None = None,
                      force: bool = False) -> Path:
    """Make (or bring up to date) the student servers' environment at ``path``; return its Python.

    ``constraints`` defaults to the checkout's ``constraints.txt``. A folder at ``path`` that this
    function did not make is refused, never removed.
    """
    path = Path(path).absolute()
    root = checkout_root()
    constraints = Path(constraints) if constraints else (root / "constraints.txt" if root else None)
    if constraints is None or not constraints.is_file():
        raise HubEnvError(f"{constraints or 'constraints.txt'} not found: build the student environment from a "
                          "checkout (make student-env), or pass constraints=")
    if path.exists() and not (path / KEY_FILE).is_file():
        if not path.is_dir() or any(path.iterdir()):
            raise HubEnvError(f"{path} exists and is not a student environment made by summit_lessons: "
                              "remove it or choose another folder")
    with tempfile.TemporaryDirectory(prefix="summit-student-env-") as tmp:
        try:
            wheel = build_wheel(Path(tmp), "student")
        except WheelError as exc:
            raise HubEnvError(str(exc)) from None
        key = _key(wheel, constraints)
        if not force and (path / KEY_FILE).is_file() and (path / KEY_FILE).read_text(encoding="utf-8") == key:
            return student_python(path)
        if path.exists():
            shutil.rmtree(path)  # ours (it holds the key file): a venv cannot be moved into place
        _create(path, wheel, constraints, Path(tmp))
        (path / KEY_FILE).write_text(key, encoding="utf-8")
    _readable_by_all(path)
    return student_python(path)


def _create(path: Path, wheel: Path, constraints: Path, tmp: Path) -> None:
    try:
        _run([sys.executable, "-m", "venv", "--without-pip", str(path)], f"python -m venv {path}")
        python = student_python(path)
        requirements = [f"summit_lessons[lab] @ {wheel.as_uri()}", "jupyterhub"]
        uv = _installer()
        if uv:
            excludes = tmp / "excludes.txt"
            excludes.write_text("".join(f"{name}\n" for name in EXCLUDED), encoding="utf-8")
            _run([*uv, "pip", "install", "--quiet", "--python", str(python), "--no-editable", "--compile-bytecode",
                  "-c", str(constraints), "--excludes", str(excludes), *requirements],
                 "installing the student environment with uv")
        else:
            _run([str(python), "-m", "ensurepip", "--default-pip"], "ensurepip")
            _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  "-c", str(constraints), *requirements], "installing the student environment with pip")
            # pip cannot leave a dependency out: remove it after (its importer treats it as optional).
            _run([str(python), "-m", "pip", "uninstall", "--yes", "--quiet", *EXCLUDED, "pip"],
                 "removing the excluded packages")
        set_kernel_path(path)
        conf = path / "etc" / "jupyter" / "jupyter_server_config.d"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / CONFIG_NAME).write_text(json.dumps(SERVER_CONFIG, indent=2) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)  # never leave half an environment that looks whole
        raise


def closed_ancestor(path: str | os.PathLike[str]) -> Path | None:
    """The first folder above ``path`` that other accounts cannot pass through (no o+x), or None.

    Students' servers run as their own accounts: an environment under such a folder (``/root``,
    a private home) cannot start for them, however readable the environment itself is.
    """
    for parent in Path(path).absolute().parents:
        try:
            if not parent.stat().st_mode & stat.S_IXOTH:
                return parent
        except OSError:
            return parent
    return None


def main(argv: list[str] | None = None) -> int:
    """``python -m summit_lessons.classroom.hubenv PATH``: make the student environment (the Makefile's student-env)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m summit_lessons.classroom.hubenv", description=main.__doc__)
    parser.add_argument("path", help="where the environment goes, e.g. build/student-env")
    parser.add_argument("--constraints", default=None, help="pins (default: the checkout's constraints.txt)")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    try:
        python = build_student_env(args.path, constraints=args.constraints, force=args.force)
    except HubEnvError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"student environment ready: {python.parent / 'jupyterhub-singleuser'}")
    closed = closed_ancestor(args.path)
    if closed is not None:
        print(f"warning: {closed} is closed to other accounts (mode {closed.stat().st_mode & 0o777:o}), so students' "
              f"servers cannot run {args.path}; build it under a folder they can pass through, such as /opt",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
