"""One zip for an offline classroom: the handouts, the lesson notebooks and the data.

The zip is reproducible: entries in sorted order with a fixed timestamp, so two bundles of the
same inputs are byte-identical. It is written beside its target and renamed into place.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

from .locations import data_dir, notebooks_dir
from .handouts import build

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
    paths = [Path(p) for p in notebooks] if notebooks is not None else sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    report = build(handouts_dir, cache_dir=cache_dir, notebooks=paths, progress=None)
    entries: dict[str, bytes] = {"README.txt": README_TEXT.encode("utf-8")}
    for f in sorted(report.out.rglob("*")):
        if f.is_file():
            entries["handouts/" + f.relative_to(report.out).as_posix()] = f.read_bytes()
    for f in paths:
        entries[f"notebooks/{f.name}"] = f.read_bytes()
    for f in sorted(data_dir().glob("*")):
        if f.suffix in (".csv", ".json"):
            entries[f"data/{f.name}"] = f.read_bytes()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name in sorted(entries):
            _add(zf, f"summit_lessons/{name}", entries[name])
    os.replace(tmp, out)
    return out
