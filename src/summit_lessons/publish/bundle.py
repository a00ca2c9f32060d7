"""One zip for an offline classroom: the handouts, the teacher's key, the lesson notebooks, the
data, the licences and the package wheel (teacher edition, the default); or, for students, the
student handouts, notebooks and wheel with the student JupyterLite site and no key.

The zip is reproducible: entries in sorted order with a fixed timestamp, and a wheel that
hatchling builds reproducibly, so two bundles of the same inputs are byte-identical. It is
written beside its target and renamed into place.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..locations import data_dir, notebooks_dir, package_dir
from .handouts import BuildError, build
from .editions import _edition_bytes
from .wheel import WheelError, build_wheel

if TYPE_CHECKING:
    from .litesite import SiteReport

__all__ = ["bundle", "readme_text", "licence_bytes"]

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
_LICENCES = ("LICENSE", "LICENSE-CONTENT")


def readme_text(wheel: str, accurate_as_of: str, *, pdfs: bool = False, edition: str = "teacher",
                site: bool = False) -> str:
    """The bundle's README: what is in it, what works offline, and how to install the wheel."""
    from .credits import credits_text

    if edition == "student":
        pdf_line = ("handouts/*.pdf        The same pages as PDFs (student.pdf holds every lesson).\n") if pdfs else ""
        contents = f"""handouts/index.html   Start here: the lesson map, linking every handout.
handouts/student/     Each lesson as a worksheet (lines to write on when printed).
{pdf_line}notebooks/            The lesson notebooks for Jupyter, with a "Your answer" cell under every exercise.
{"site/                 The lessons in the browser (JupyterLite): read site/README.txt to serve it." + chr(10) if site else ""}data/                 The curated tables (CSV, UTF-8) and datapackage.json, which describes
                      every column. Every row names its source in data/sources.csv.
{wheel}
                      The Python package (lessons in this edition, data, widgets, command line).
LICENSE, LICENSE-CONTENT  The code licence (MIT) and the content licence (CC BY-SA 4.0).

This is the STUDENT edition: it holds no solutions, no instructor notes, no model answers and
no teacher's key, in the handouts, the notebooks, the package or the site. The self-check
quizzes and answer checks keep their answers and feedback (they need them to say whether an
answer is right), so a student who reads the package's files can find those. Teachers: the
teacher's bundle (summit-lessons bundle) holds the solutions and the key; keep it off the class drive."""
    else:
        pdf_line = ("handouts/*.pdf        The same pages as PDFs (student.pdf and teacher.pdf hold every lesson;\n"
                    "                      key/index.pdf the whole key).\n") if pdfs else ""
        contents = f"""handouts/index.html   Start here: the lesson map, linking every handout.
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

This is the TEACHER edition: its handouts, notebooks and package hold the solutions and the
key. For students, make the student bundle (summit-lessons bundle --edition student)."""
    start_line = ("`summit-lessons start` copies the lessons into a folder named summit-lessons and opens\n"
                  "them in JupyterLab.") if edition == "student" else (
                  "`summit-lessons start` copies the lessons (the student edition) into a folder named\n"
                  "summit-lessons and opens them in JupyterLab; `summit-lessons start --edition teacher`\n"
                  "copies every cell.")
    title = f"The Anchorage summit lessons: offline bundle ({edition} edition)"
    site_line = ("\nOr serve the site/ folder (see site/README.txt) and run every lesson in a web browser,\n"
                 "with nothing installed.\n") if site else ""
    return f"""{title}
{"=" * len(title)}

{contents}

Without internet and without installing anything: open handouts/index.html in a web browser,
or print the handouts. They need no connection.
{site_line}
To run the notebooks with their interactive widgets on a computer with Python 3.11 or later,
install the package from this bundle, with JupyterLab, and start it:

    pip install "{wheel}[lab]"
    summit-lessons start

{start_line}

pip installs summit_lessons from the file above, but the packages it needs (pandas, matplotlib,
ipywidgets, nbclient, nbconvert, ipykernel, JupyterLab) come from the internet unless they are
already installed. Without a connection, fetch them beforehand on a connected machine with
`pip download "{wheel}[lab]" -d wheels` and then install offline with
`pip install --no-index --find-links wheels "{wheel}[lab]"`.

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
           notebooks: list[str | os.PathLike[str]] | None = None, pdf: bool = False,
           edition: str = "teacher", site_dir: str | os.PathLike[str] | None = "build/site",
           notes: list[str] | None = None) -> Path:
    """Build (or refresh from the cache) the handouts, then zip them with notebooks, data,
    licences and the package wheel.

    ``edition="teacher"`` (the default): both handout editions, the key, every cell, the full wheel.
    ``edition="student"``: student handouts, student notebooks and the student wheel, no key, and
    the student JupyterLite site built in ``site_dir`` (``None`` leaves the site out).

    ``out`` is replaced only when it is a bundle written before (else :class:`~.outputs.OutputError`),
    and so is ``handouts_dir``; ``notes`` receives the handout build's lines about an earlier build's PDFs.
    """
    from .credits import latest_date
    from .editions import EDITIONS
    from ..lessons import lesson_metas

    if edition not in EDITIONS:
        raise BuildError(f"unknown edition {edition!r}: use student or teacher")
    out = Path(out)
    if out.is_dir():
        raise BuildError(f"cannot write the bundle to {out}: it is a folder; give a file name such as "
                         f"{out / 'summit_lessons-offline.zip'}")
    from .outputs import check_replaceable_file

    out = check_replaceable_file(out, "bundle", lambda z: "summit_lessons/README.txt" in z.namelist() and all(
        n.startswith("summit_lessons/") for n in z.namelist()))
    data_files = described_data_files(data_dir())  # before the build: a broken descriptor stops it early
    paths = [Path(p) for p in notebooks] if notebooks is not None else sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    editions = ("student", "teacher") if edition == "teacher" else ("student",)
    report = build(handouts_dir, editions=editions, cache_dir=cache_dir, notebooks=paths, progress=None, pdf=pdf)
    if notes is not None:
        notes.extend(report.notes)
    if report.pdf_error:  # a bundle asked for with PDFs is not made without them
        raise BuildError(report.pdf_error)
    entries: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="summit-wheel-") as tmp:
        try:
            wheel = build_wheel(Path(tmp), edition)
        except WheelError as exc:
            raise BuildError(str(exc)) from None
        entries[wheel.name] = wheel.read_bytes()
    site = _student_site(site_dir) if edition == "student" and site_dir is not None else None
    accurate = latest_date(m["accurate_as_of"] for m in lesson_metas(paths))
    entries["README.txt"] = readme_text(wheel.name, accurate, pdfs=pdf, edition=edition,
                                        site=site is not None).encode("utf-8")
    for name in _LICENCES:
        entries[name] = licence_bytes(name)
    # Only the handouts this build wrote (the report's list), not whatever else sits in the folder.
    for f in sorted(report.files):
        entries["handouts/" + f.relative_to(report.out).as_posix()] = f.read_bytes()
    for f in paths:
        entries[f"notebooks/{f.name}"] = f.read_bytes() if edition == "teacher" else _edition_bytes(f, edition)
    for name, f in data_files.items():
        entries[f"data/{name}"] = f.read_bytes()
    if site is not None:
        for f in site.files:
            entries["site/" + f.relative_to(site.out).as_posix()] = f.read_bytes()
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


def _student_site(site_dir: str | os.PathLike[str]) -> SiteReport:
    """The student JupyterLite site in ``site_dir`` (rebuilt only when its inputs changed)."""
    from .litesite import SiteError, build_site

    try:
        return build_site(site_dir, "student")
    except SiteError as exc:
        raise BuildError(f"the student bundle's site: {exc} (or leave the site out with --no-site)") from None


def licence_bytes(name: str) -> bytes:
    """A licence file: from the checkout, or from the installed package's metadata (``licenses/``)."""
    from importlib.metadata import PackageNotFoundError, distribution

    root = package_dir().parents[1]
    if (root / "pyproject.toml").is_file() and (root / name).is_file():
        return (root / name).read_bytes()
    try:
        dist = distribution("summit_lessons")
    except PackageNotFoundError:
        dist = None
    for f in (dist.files or []) if dist is not None else []:
        if f.name == name and ".dist-info" in str(f):
            return Path(dist.locate_file(f)).read_bytes()
    raise BuildError(f"{name} not found next to the package or in its installed metadata: reinstall summit_lessons")


def described_data_files(folder: Path) -> dict[str, Path]:
    """The data files that go to learners: datapackage.json and the tables it describes, nothing else.

    Anything else in the data folder (a teacher's ``grades_private.csv``, notes, backups) stays out.
    """
    from ..loader import descriptor

    desc = descriptor(folder)
    own = folder / "datapackage.json"
    files = {"datapackage.json": own if own.is_file() else _packaged_descriptor()}
    for r in desc["resources"]:
        files[r["path"]] = folder / r["path"]
    return files


def _packaged_descriptor() -> Path:
    from ..locations import package_dir

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
