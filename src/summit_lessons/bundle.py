"""One zip for an offline classroom: the handouts, the teacher's key, the lesson notebooks, the
data, the licences and the package wheel.

The zip is reproducible: entries in sorted order with a fixed timestamp, and a wheel that
hatchling builds reproducibly, so two bundles of the same inputs are byte-identical. It is
written beside its target and renamed into place.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from .locations import data_dir, notebooks_dir, package_dir
from .handouts import BuildError, build
from .wheel import WheelError, build_wheel

__all__ = ["bundle", "readme_text"]

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
_LICENCES = ("LICENSE", "LICENSE-CONTENT")


def readme_text(wheel: str, accurate_as_of: str, *, pdfs: bool = False) -> str:
    """The bundle's README: what is in it, what works offline, and how to install the wheel."""
    from .credits import credits_text

    pdf_line = ("handouts/*.pdf        The same pages as PDFs (student.pdf and teacher.pdf hold every lesson;\n"
                "                      key/index.pdf the whole key).\n") if pdfs else ""
    return f"""The Anchorage summit lessons: offline bundle
=============================================

handouts/index.html   Start here: the lesson map, linking every handout.
handouts/student/     Student edition of each lesson (worksheets: no solutions or instructor notes,
                      lines to write on when printed).
handouts/teacher/     Teacher edition (solutions and instructor notes in labelled boxes).
handouts/key/         The teacher's key: timings, exercise solutions, self-check answers.
{pdf_line}notebooks/            The lesson notebooks (teacher edition: every cell), for Jupyter.
data/                 The curated tables (CSV, UTF-8) and datapackage.json, which describes
                      every column. Every row names its source in data/sources.csv.
{wheel}
                      The Python package itself (notebooks, data, widgets, command line).
LICENSE, LICENSE-CONTENT  The code licence (MIT) and the content licence (CC BY-SA 4.0).

Without internet and without installing anything: open handouts/index.html in a web browser,
or print the handouts. They need no connection.

To run the notebooks with their interactive widgets, install the package from this bundle:

    pip install {wheel}
    summit-lessons notebooks my-lessons      (the student edition; --edition teacher for all cells)
    jupyter lab my-lessons

pip installs summit_lessons from the file above, but the packages it needs (pandas, matplotlib,
ipywidgets, nbclient, nbconvert, ipykernel) and JupyterLab come from the internet unless they
are already installed. Without a connection, install the wheel where those are installed
already (a school's Jupyter server, for instance), or fetch them beforehand on a connected
machine with `pip download {wheel} jupyterlab -d wheels` and then install offline with
`pip install --no-index --find-links wheels {wheel} jupyterlab`.

Credits and licences
--------------------
{credits_text(accurate_as_of)}"""


def _add(zf: zipfile.ZipFile, name: str, payload: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, payload)


def bundle(out: str | os.PathLike[str] = "build/summit_lessons-offline.zip", *,
           handouts_dir: str | os.PathLike[str] = "build/handouts",
           cache_dir: str | os.PathLike[str] | None = ".handouts-cache",
           notebooks: list[str | os.PathLike[str]] | None = None, pdf: bool = False) -> Path:
    """Build (or refresh from the cache) the handouts, then zip them with notebooks, data,
    licences and the package wheel."""
    from .credits import latest_date
    from .lessons import lesson_metas

    out = Path(out)
    if out.is_dir():
        raise BuildError(f"cannot write the bundle to {out}: it is a folder; give a file name such as "
                         f"{out / 'summit_lessons-offline.zip'}")
    data_files = described_data_files(data_dir())  # before the build: a broken descriptor stops it early
    paths = [Path(p) for p in notebooks] if notebooks is not None else sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    report = build(handouts_dir, cache_dir=cache_dir, notebooks=paths, progress=None, pdf=pdf)
    root = package_dir().parents[1]
    with tempfile.TemporaryDirectory(prefix="summit-wheel-") as tmp:
        try:
            wheel = build_wheel(Path(tmp))
        except WheelError as exc:
            raise BuildError(str(exc)) from None
        entries: dict[str, bytes] = {wheel.name: wheel.read_bytes()}
    accurate = latest_date(m["accurate_as_of"] for m in lesson_metas(paths))
    entries["README.txt"] = readme_text(wheel.name, accurate, pdfs=pdf).encode("utf-8")
    for name in _LICENCES:
        entries[name] = (root / name).read_bytes()
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
