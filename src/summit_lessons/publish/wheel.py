"""The package's own wheel, in its teacher or student edition: the one wheel builder.

The offline bundle, the JupyterLite site and the hub's student environment all ship this wheel.

- **teacher**: everything the package holds, the lesson notebooks with every cell.
- **student**: the same code and data, the lesson notebooks in their student edition made by
  :func:`editions.make_edition` (no solution or instructor cell, no teacher-only answer block),
  so no model answer is anywhere in the wheel. Quiz and answer-check data stay: the self-check
  widgets need them.

Only what belongs to the package goes in, never a stray file of the folder it is built from:

- from a source checkout, the files git tracks under ``src/summit_lessons`` (plus
  ``pyproject.toml``, the readme and the licence files), copied into a clean folder that hatchling
  builds; without git, every file there that is not hidden or a byte-code cache;
- from an installed package (``pip install`` of a wheel), the files its ``RECORD`` lists, zipped
  again with the installed metadata, so ``summit-lessons bundle`` works without a clone;
- in both, the data folder contributes ``datapackage.json`` and the tables it describes, nothing else.

Two builds of the same files give the same bytes (``SOURCE_DATE_EPOCH``, sorted entries).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import Iterable

from ..locations import package_dir

__all__ = ["EPOCH", "WheelError", "build_wheel", "package_files"]

#: The fixed time of every file in the wheel (1 Jan 2025), so two builds give the same bytes.
EPOCH = 1735689600
PACKAGE = "summit_lessons"
_SRC = PurePosixPath("src") / PACKAGE
#: Files an installer adds to an installed package's metadata: not part of the wheel.
#: pyproject.toml's [tool.hatch.build.targets.wheel.shared-data], as package-relative sources: an
#: installed package has no pyproject.toml, so a wheel rebuilt from it takes the mapping from here.
SHARED_DATA = {"lab_settings/overrides.json": "share/jupyter/lab/settings/overrides.d/summit_lessons.json"}
_INSTALLER_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


class WheelError(RuntimeError):
    """The wheel cannot be built; the message is one line saying why and what to do."""


def build_wheel(dest: Path, edition: str = "teacher", *, root: Path | None = None, outputs: bool = True) -> Path:
    """Build the package wheel of ``edition`` (``teacher`` or ``student``) into ``dest``; return its path.

    ``root`` is the source checkout to build from (default: the checkout this package runs from,
    or else the installed package itself). ``outputs=False`` leaves the lesson notebooks' stored
    outputs out (the Lite site reads only their metadata from the package, and every browser
    downloads the wheel).
    """
    from .editions import EDITIONS

    if edition not in EDITIONS:
        raise WheelError(f"unknown edition {edition!r}: use student or teacher")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    root = Path(root) if root is not None else checkout_root()
    if root is not None:
        return _from_checkout(root, dest, edition, outputs)
    return _from_installed(dest, edition, outputs)


def checkout_root() -> Path | None:
    """The source checkout this package runs from (an editable install), or None when installed."""
    root = package_dir().parents[1]
    if (root / "pyproject.toml").is_file() and (root / _SRC).resolve() == package_dir():
        return root
    return None


# ------------------------------------------------------------------ what belongs to the package

def package_files(names: Iterable[str], descriptor: dict | None) -> list[str]:
    """The package-relative names (``data/events.csv``, …) among ``names`` that go into a wheel.

    Hidden files and folders (``.env.local``, ``.~scratch.ipynb``), byte-code caches and editor
    backups stay out; in ``data/`` only ``datapackage.json`` and the tables it describes go in.
    """
    described = {"datapackage.json"}
    for res in (descriptor or {}).get("resources", []):
        paths = res.get("path") if isinstance(res, dict) else None
        for p in [paths] if isinstance(paths, str) else (paths or []):
            if isinstance(p, str):
                described.add(PurePosixPath(p).as_posix())
    keep = []
    for name in names:
        parts = PurePosixPath(name).parts
        if not parts or any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue
        if name.endswith((".pyc", ".pyo", "~", ".swp", ".orig", ".rej")):
            continue
        if parts[0] == "data" and PurePosixPath(*parts[1:]).as_posix() not in described:
            continue
        keep.append(PurePosixPath(name).as_posix())
    return sorted(set(keep))


def _descriptor(read: bytes | None, where: str) -> dict:
    if read is None:
        raise WheelError(f"{where}: missing; the data package descriptor names the tables the wheel ships")
    try:
        desc = json.loads(read)
    except ValueError as exc:
        raise WheelError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(desc, dict):
        raise WheelError(f"{where}: not a JSON object")
    return desc


def _edition_payload(name: str, payload: bytes, edition: str, outputs: bool = True) -> bytes:
    """A file's bytes in the wheel: a lesson notebook in its edition, anything else as it is."""
    if (edition == "teacher" and outputs) or not (name.startswith("notebooks/") and name.endswith(".ipynb")):
        return payload
    import nbformat

    from .editions import make_edition

    nb = nbformat.reads(payload.decode("utf-8"), as_version=4)
    if edition != "teacher":
        nb = make_edition(nb, edition)
    if not outputs:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata.pop("widgets", None)
    return (nbformat.writes(nb) + "\n").encode("utf-8")


# ------------------------------------------------------------------ from a source checkout

def _git_tracked(root: Path, paths: list[str]) -> list[str] | None:
    """Tracked files under ``paths`` (relative to ``root``), or None when ``root`` is no git checkout."""
    git = shutil.which("git")
    if git is None or not (root / ".git").exists():
        return None
    proc = subprocess.run([git, "-C", str(root), "ls-files", "-z", "--", *paths], capture_output=True)
    if proc.returncode != 0:
        return None
    return [n for n in proc.stdout.decode("utf-8").split("\0") if n]


def _project_files(root: Path) -> list[str]:
    """pyproject.toml, and the readme and licence files it names (hatchling reads them)."""
    import tomllib

    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
    except (OSError, ValueError) as exc:
        raise WheelError(f"{root / 'pyproject.toml'}: cannot read it ({exc})") from None
    readme = project.get("readme")
    readme = readme.get("file") if isinstance(readme, dict) else readme
    names = ["pyproject.toml", *([readme] if isinstance(readme, str) else [])]
    for pattern in project.get("license-files", []):
        names += sorted(p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file())
    return names


def _from_checkout(root: Path, dest: Path, edition: str, outputs: bool = True) -> Path:
    root = Path(root).resolve()
    src = root / _SRC
    if not src.is_dir():
        raise WheelError(f"{src} not found: build the wheel from a summit_lessons checkout")
    tracked = _git_tracked(root, [_SRC.as_posix()])
    if tracked is not None:
        inside = [PurePosixPath(n).relative_to(_SRC).as_posix() for n in tracked]
    else:  # an unpacked sdist, or a copy without .git: every file, the filter below decides
        inside = [p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file()]
    inside = [n for n in inside if (src / n).is_file()]  # tracked but deleted in the work tree
    desc_path = src / "data" / "datapackage.json"
    desc = _descriptor(desc_path.read_bytes() if desc_path.is_file() else None, str(desc_path))
    names = package_files(inside, desc)
    missing = sorted(f"data/{n}" for n in _described(desc) if f"data/{n}" not in names)
    if missing:
        raise WheelError(f"{desc_path}: describes {missing[0]}, which is not "
                         f"{'tracked by git' if tracked is not None else 'in the folder'}")
    with tempfile.TemporaryDirectory(prefix="summit-wheel-") as tmp:
        stage = Path(tmp) / "src"
        for name in _project_files(root):
            target = stage / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / name, target)
        for name in names:
            target = stage / _SRC / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_edition_payload(name, (src / name).read_bytes(), edition, outputs))
        out = Path(tmp) / "dist"
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
        proc = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
                              cwd=stage, capture_output=True, text=True, env=env)
        wheels = sorted(out.glob(f"{PACKAGE}-*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise WheelError(f"could not build the {PACKAGE} wheel with hatchling "
                             f"(pip install hatchling, or pip install '.[wheel]'): {last}")
        final = dest / wheels[0].name
        tmp_final = dest / f".{wheels[0].name}.{os.getpid()}.partial"
        shutil.copyfile(wheels[0], tmp_final)
        os.replace(tmp_final, final)
    return final


def _described(desc: dict) -> list[str]:
    names = []
    for res in desc.get("resources", []):
        p = res.get("path") if isinstance(res, dict) else None
        names += [p] if isinstance(p, str) else [x for x in (p or []) if isinstance(x, str)]
    return names


# ------------------------------------------------------------------ from the installed package

def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def _from_installed(dest: Path, edition: str, outputs: bool = True) -> Path:
    """The installed package's files (as its RECORD lists them) zipped again into a wheel."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(PACKAGE)
    except PackageNotFoundError:
        raise WheelError(f"{PACKAGE} is neither installed nor run from a checkout: "
                         "use `make bundle` in a clone of the project") from None
    files = dist.files or []
    base = Path(dist.locate_file(""))
    pkg_names: list[str] = []
    meta: dict[str, bytes] = {}
    info_dir = ""
    for f in files:
        parts = PurePosixPath(str(f)).parts
        if parts and parts[0] == PACKAGE and len(parts) > 1:
            pkg_names.append(PurePosixPath(*parts[1:]).as_posix())
        elif parts and parts[0].endswith(".dist-info") and len(parts) > 1:
            info_dir = parts[0]
            rel = PurePosixPath(*parts[1:]).as_posix()
            if rel not in _INSTALLER_FILES and "__pycache__" not in parts:
                meta[rel] = (base / str(f)).read_bytes()
    pkg = package_dir()
    if not pkg_names or not info_dir or "WHEEL" not in meta or "METADATA" not in meta:
        raise WheelError(f"the installed {PACKAGE} lists none of its files (no RECORD): "
                         "use `make bundle` in a clone of the project")
    desc_path = pkg / "data" / "datapackage.json"
    desc = _descriptor(desc_path.read_bytes() if desc_path.is_file() else None, str(desc_path))
    entries: dict[str, bytes] = {}
    for name in package_files(pkg_names, desc):
        path = pkg / name
        if not path.is_file():
            raise WheelError(f"{path}: listed in the installed package's RECORD but missing; reinstall {PACKAGE}")
        entries[f"{PACKAGE}/{name}"] = _edition_payload(name, path.read_bytes(), edition, outputs)
    for rel, payload in meta.items():
        entries[f"{info_dir}/{rel}"] = payload
    name_version = info_dir.removesuffix(".dist-info")
    for src, target in SHARED_DATA.items():  # JupyterLab's settings override, as hatchling places it
        if f"{PACKAGE}/{src}" in entries:
            entries[f"{name_version}.data/data/{target}"] = entries[f"{PACKAGE}/{src}"]
    tag = next((line.split(":", 1)[1].strip() for line in meta["WHEEL"].decode("utf-8").splitlines()
                if line.startswith("Tag:")), "py3-none-any")
    name_version = info_dir.removesuffix(".dist-info")
    final = dest / f"{name_version}-{tag}.whl"
    record = f"{info_dir}/RECORD"
    lines = [f"{n},{_record_hash(b)},{len(b)}" for n, b in sorted(entries.items())] + [f"{record},,"]
    entries[record] = ("\n".join(lines) + "\n").encode("utf-8")
    stamp = time.gmtime(max(EPOCH, 315532800))[:6]
    tmp = dest / f".{final.name}.{os.getpid()}.partial"
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            # Package files first, the metadata last (RECORD at the very end), as wheel builders do.
            for n in sorted(entries, key=lambda n: (n.startswith(info_dir), n == record, n)):
                info = zipfile.ZipInfo(n, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, entries[n])
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final
