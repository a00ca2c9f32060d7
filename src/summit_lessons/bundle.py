"""One zip for an offline classroom: the handouts, the lesson notebooks and the data.

The zip is reproducible: entries in sorted order with a fixed timestamp, so two bundles of the
same inputs are byte-identical. It is written beside its target and renamed into place.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

from .locations import data_dir, notebooks_dir
from .handouts import BuildError, build

__all__ = ["bundle", "README_TEXT"]

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry

README_TEXT = """The Anchorage summit lessons: offline bundle
=============================================

handouts/index.html   Start here: the lesson map, linking every handout.
handouts/student/     Student edition of each lesson (no solutions or instructor notes).
handouts/teacher/     Teacher edition (solutions and instructor notes in labelled boxes).
notebooks/            The lesson notebooks, for Jupyter (pip install summit_lessons, then
                      open them in JupyterLab to use the interactive widgets).
data/                 The curated tables (CSV, UTF-8) and datapackage.json, which describes
                      every column. Every row names its source in data/sources.csv.

Everything works without an internet connection. Code: MIT licence. Content (tables,
notebook text, handouts): CC BY-SA 4.0, because the facts come from a CC BY-SA source.
"""


def _add(zf: zipfile.ZipFile, name: str, payload: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, payload)


def bundle(out: str | os.PathLike[str] = "build/summit_lessons-offline.zip", *,
           handouts_dir: str | os.PathLike[str] = "build/handouts",
           cache_dir: str | os.PathLike[str] | None = ".handouts-cache",
           notebooks: list[str | os.PathLike[str]] | None = None) -> Path:
    """Build (or refresh from the cache) the handouts, then zip them with notebooks and data."""
    out = Path(out)
    if out.is_dir():
        raise BuildError(f"cannot write the bundle to {out}: it is a folder; give a file name such as "
                         f"{out / 'summit_lessons-offline.zip'}")
    data_files = described_data_files(data_dir())  # before the build: a broken descriptor stops it early
    paths = [Path(p) for p in notebooks] if notebooks is not None else sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    report = build(handouts_dir, cache_dir=cache_dir, notebooks=paths, progress=None)
    entries: dict[str, bytes] = {"README.txt": README_TEXT.encode("utf-8")}
    # Only the handouts this build wrote (the report's list), not whatever else sits in the folder.
    for f in sorted(report.files):
        entries["handouts/" + f.relative_to(report.out).as_posix()] = f.read_bytes()
    for f in paths:
        entries[f"notebooks/{f.name}"] = f.read_bytes()
    for name, f in data_files.items():
        entries[f"data/{name}"] = f.read_bytes()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            for name in sorted(entries):
                _add(zf, f"summit_lessons/{name}", entries[name])
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)  # never leave half a zip behind
        raise
    return out


def described_data_files(folder: Path) -> dict[str, Path]:
    """The data files that go to learners: datapackage.json and the tables it describes, nothing else.

    Anything else in the data folder (a teacher's ``grades_private.csv``, notes, backups) stays out.
    """
    from .loader import descriptor

    desc = descriptor(folder)
    own = folder / "datapackage.json"
    files = {"datapackage.json": own if own.is_file() else _packaged_descriptor()}
    for r in desc["resources"]:
        files[r["path"]] = folder / r["path"]
    return files


def _packaged_descriptor() -> Path:
    from .locations import package_dir

    return package_dir() / "data" / "datapackage.json"


def _remove_stale_partials(out: Path) -> None:
    """Half-written zips of bundles that were killed (their pid is no longer running)."""
    for f in out.parent.glob(f".{out.name}.*.partial"):
        try:
            pid = int(f.name[len(out.name) + 2:-len(".partial")])
            os.kill(pid, 0)
        except ProcessLookupError:
            f.unlink(missing_ok=True)
        except (ValueError, OSError):
            continue
