"""Build the HTML handouts: a student and a teacher edition of every lesson, and an index.

Each notebook is executed once per build (nbclient, in parallel across the cores) and both
editions are exported from that one execution with nbconvert and the ``summit_handout``
template. Handouts are offline (no script, font or stylesheet from anywhere), keep figure alt
text, and are byte-identical from build to build.

A cache (``.handouts-cache/`` by default) keyed on the notebook's bytes, the data folder, the
package's code and version and the template makes a rebuild with nothing changed copy files
only; a change to one notebook re-executes only that one. The build writes into a temporary
folder and moves it into place at the end, so a failed build leaves the previous handouts.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..locations import data_dir
from .outputs import swap_in as _swap  # the one atomic folder swap (site and handouts alike)
from .cache import _digest_files, _environment_key, _os_error, _pid_alive, _prune, _read_cached, _write_cache, cache_key
from .render import EDITIONS, FORMS, BuildError, _exporter, edition_notebook, export, index_html

__all__ = ["EDITIONS", "BuildError", "BuildReport", "build", "cache_key", "edition_notebook"]


@dataclass
class BuildReport:
    """What one build did: where, which notebooks ran, which came from the cache, the files."""

    out: Path
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    #: One line each about outputs of an earlier build this one kept or removed (its PDFs).
    notes: list[str] = field(default_factory=list)
    #: Why the PDFs asked for were not printed (the HTML was written all the same), else None.
    pdf_error: str | None = None


# ---------------------------------------------------------------------------- the build

def _check_writable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise BuildError(f"cannot write handouts to {out}: it exists and is not a folder")
    try:
        parent = out.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=".handouts-probe-", dir=parent)
        os.rmdir(probe)
    except OSError as exc:
        raise BuildError(_os_error(f"cannot write handouts to {out}", exc)) from None


def _execute(path: Path, timeout: int) -> Any:
    from .execute import ExecutionError, execute_notebook

    try:
        return execute_notebook(path, timeout=timeout)
    except ExecutionError as exc:
        raise BuildError(str(exc)) from None
    except OSError as exc:
        raise BuildError(_os_error(f"{path.name}: cannot execute", exc)) from None


def _read_metas(paths: list[Path]) -> list[dict[str, Any]]:
    """Every lesson's metadata, each fault one line naming the notebook file."""
    from ..lessons import MetadataError, lesson_meta

    metas = []
    for p in paths:
        try:
            meta = lesson_meta(p)
        except json.JSONDecodeError as exc:
            raise BuildError(f"{p.name}: is not a notebook: broken JSON at line {exc.lineno}, "
                             f"column {exc.colno} ({exc.msg})") from None
        except UnicodeDecodeError:
            raise BuildError(f"{p.name}: is not a notebook: not UTF-8 text") from None
        except MetadataError as exc:
            raise BuildError(str(exc)) from None
        except KeyError as exc:
            raise BuildError(str(exc.args[0]) if exc.args else f"{p.name}: metadata is incomplete") from None
        except (AttributeError, TypeError):
            raise BuildError(f"{p.name}: is not a notebook: its JSON is not a notebook object") from None
        except OSError as exc:
            raise BuildError(_os_error(f"cannot read {p.name}", exc)) from None
        value = meta.get("accurate_as_of")
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) or not _real_date(value):
            raise BuildError(f'{p.name}: metadata "accurate_as_of" {value!r} is not a date of the form YYYY-MM-DD')
        metas.append({**meta, "file_stem": p.stem})
    return sorted(metas, key=lambda m: m["order"])


def _real_date(iso: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(iso)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------- output folder

@contextlib.contextmanager
def _output_lock(out: Path, say: Callable[[str], None], wait: float = 900.0) -> Any:
    """Hold an exclusive lock on the output folder (a lock file beside it) for one build.

    A second build into the same folder waits for the first one instead of racing it through
    the swap. ``fcntl.flock`` is released by the system when a process dies, even by kill -9, so
    a crashed build never leaves a stale lock.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no flock; builds into one folder are not serialised there
        yield
        return
    lock_path = out.parent / f".{out.name}.lock"
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise BuildError(_os_error(f"cannot write handouts to {out}", exc)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting: another build is writing to {out}")
            deadline = time.monotonic() + wait
            while True:
                time.sleep(0.2)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise BuildError(f"another build has been writing to {out} for {wait:.0f} s "
                                         f"(lock {lock_path}): try again when it has finished") from None
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays, so every build locks the same inode


def _leftover_pid(name: str, prefix: str) -> int | None:
    m = re.match(re.escape(prefix) + r"(\d+)-", name)
    return int(m.group(1)) if m else None


def _recover_and_clean(out: Path, say: Callable[[str], None]) -> None:
    """Tidy what an interrupted build left beside ``out`` (called with the output lock held).

    * ``out`` missing but an old copy set aside (a build killed mid-swap on a system without an
      atomic exchange): the old copy goes back, so the handouts are there again;
    * old copies and staging folders of builds that are no longer running are removed.
    """
    parent = out.parent
    if not parent.is_dir():
        return
    old_prefix, tmp_prefix = f".{out.name}-old-", ".handouts-tmp-"
    olds = sorted((p for p in parent.iterdir() if p.name.startswith(old_prefix)), key=lambda p: p.stat().st_mtime)
    if not out.exists() and olds:
        newest = olds.pop()
        with contextlib.suppress(OSError):
            os.replace(newest, out)
            say(f"recovered the previous handouts in {out} (an earlier build was interrupted)")
    for p in olds + [p for p in parent.iterdir() if p.name.startswith(tmp_prefix)]:
        prefix = old_prefix if p.name.startswith(old_prefix) else tmp_prefix
        pid = _leftover_pid(p.name, prefix)
        if pid is not None and pid != os.getpid() and _pid_alive(pid):
            continue  # another build, still running, owns it
        if pid is None and time.time() - p.stat().st_mtime < 3600:
            continue  # an older naming scheme: only removed once clearly abandoned
        shutil.rmtree(p, ignore_errors=True)


def build(out: str | os.PathLike[str] = "build/handouts", *, editions: Iterable[str] = EDITIONS,
          show_code: bool = False, notebooks: Iterable[str | os.PathLike[str]] | None = None,
          cache_dir: str | os.PathLike[str] | None = ".handouts-cache", jobs: int | None = None,
          timeout: int = 180, progress: Callable[[str], None] | None = print,
          pdf: bool = False, paper: str = "a4") -> BuildReport:
    """Build the handouts into ``out``; return what was done.

    ``notebooks`` defaults to the packaged lessons. ``cache_dir=None`` turns the cache off.
    ``timeout`` is the longest one cell may run (seconds). With the teacher edition comes the
    teacher's key (``key/``). ``pdf=True`` adds a PDF beside every page and one combined PDF per
    edition, printed by Chromium on ``paper`` (a4 or letter). Raises :class:`BuildError` (one line,
    and ``out`` left as it was) when a notebook fails or the folder cannot be written. Two builds
    into the same ``out`` take turns (a lock file beside it). ``out`` is replaced only when it is
    new, empty or an earlier handouts build (:mod:`summit_lessons.publish.outputs`); anything else raises
    :class:`~summit_lessons.publish.outputs.OutputError` before anything is written.
    """
    from ..lessons import notebook_paths

    started = time.perf_counter()
    say = progress or (lambda _m: None)
    editions = [e for e in EDITIONS if e in set(editions)]
    if not editions:
        raise BuildError("no edition chosen: use student, teacher or both")
    from .outputs import prepare_folder

    out = prepare_folder(out, "handouts", legacy=_earlier_handouts)  # OutputError: one line, nothing touched
    _check_writable(out)
    paths = [Path(p) for p in notebooks] if notebooks is not None else notebook_paths()
    if not paths:
        raise BuildError("no lesson notebooks found")
    metas = _read_metas(paths)
    students = [f"{m['file_stem']}.ipynb" for m in metas if m.get("edition") == "student"]
    if students and "teacher" in editions:  # their solutions and notes were removed: nothing to show
        say(f"warning: {', '.join(students[:3])}{' and more' if len(students) > 3 else ''} "
            f"{'is a student edition' if len(students) == 1 else 'are student editions'}, without solutions or "
            "instructor notes, so the teacher edition and the key have none for "
            f"{'it' if len(students) == 1 else 'them'}: build from the teacher edition (summit-lessons notebooks "
            "DIR --edition teacher) or the packaged lessons")

    with _output_lock(out, say):
        _recover_and_clean(out, say)
        try:
            report = _build_locked(out, paths, metas, editions, show_code, cache_dir, jobs, timeout, say,
                                       pdf=pdf, paper=paper)
        except OSError as exc:
            raise BuildError(_os_error(f"cannot write handouts to {out}", exc)) from None
    report.seconds = time.perf_counter() - started
    return report


def _build_locked(out: Path, paths: list[Path], metas: list[dict[str, Any]], editions: list[str], show_code: bool,
                  cache_dir: str | os.PathLike[str] | None, jobs: int | None, timeout: int,
                  say: Callable[[str], None], *, pdf: bool = False, paper: str = "a4") -> BuildReport:
    env_key = _environment_key(data_dir())
    cache = Path(cache_dir) if cache_dir is not None else None
    variant = f"{'code' if show_code else 'nocode'}"
    report = BuildReport(out=out)

    def cached_html(p: Path, key: str, edition: str) -> Path | None:
        return cache / f"{p.stem}-{key}-{edition}-{variant}.html" if cache else None

    keys = {p: cache_key(p, env_key) for p in paths}
    # The student edition comes with each lesson's worksheet, cached and exported like an edition.
    forms = [*editions, *(["worksheet"] if "student" in editions else [])]
    from_cache: dict[tuple[Path, str], bytes] = {}
    for p in paths:
        entries = {e: _read_cached(cached_html(p, keys[p], e)) for e in forms}
        if all(v is not None for v in entries.values()):
            from_cache.update({(p, e): v for e, v in entries.items() if v is not None})
    if "teacher" in editions:
        from .key import has_cached_key

        # The key shows solutions' outputs as this data gives them: without its cached key for
        # this data, a notebook runs again even when its pages are cached.
        from_cache = {k: v for k, v in from_cache.items() if has_cached_key(k[0], cache, env_key)}
    todo = [p for p in paths if (p, forms[0]) not in from_cache]
    pages: dict[tuple[Path, str], str] = {}
    executed: dict[Path, Any] = {}
    total = len(paths)
    for i, p in enumerate(paths, 1):
        if p not in todo:
            report.cached.append(p.stem)
            say(f"[{i}/{total}] {p.stem}: unchanged, taken from the cache")

    if todo:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        from .execute import preload

        preload()  # the workers' imports, done here once: two threads importing jupyter_client can clash

        def run(p: Path) -> tuple[Path, Any, float]:
            t0 = time.perf_counter()
            return p, _execute(p, timeout), time.perf_counter() - t0

        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run, p) for p in todo]
            exporter = _exporter()  # loads nbconvert while the kernels run
            try:
                for fut in futures:
                    p, nb, secs = fut.result()
                    executed[p] = nb
                    for e in forms:
                        pages[(p, e)] = export(nb, e, show_code, exporter)
                    report.executed.append(p.stem)
                    say(f"[{paths.index(p) + 1}/{total}] {p.stem}: executed in {secs:.1f} s, "
                        f"{' and '.join(editions)} edition{'s' if len(editions) > 1 else ''} written")
            except BaseException:
                for f in futures:
                    f.cancel()
                raise

    # The pid in the name tells a later build whether the folder's owner is still running.
    staging = Path(tempfile.mkdtemp(prefix=f".handouts-tmp-{os.getpid()}-", dir=out.resolve().parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; handouts are for sharing
        for e in forms:
            (staging / e).mkdir()
        for p in paths:
            for e in forms:
                target = staging / e / f"{p.stem}.html"
                try:
                    target.write_bytes(pages[(p, e)].encode("utf-8") if (p, e) in pages else from_cache[(p, e)])
                except OSError as exc:
                    exc.filename = exc.filename or str(target)  # a failed write() names no file: name the page
                    raise
        report.pdf_error = _write_extras(staging, paths, metas, editions, pdf=pdf, paper=paper, say=say, cache=cache,
                                         executed=executed, salt=env_key)
        report.files = sorted(f.relative_to(staging) for f in staging.rglob("*") if f.suffix in (".html", ".pdf"))
        pages_digest = _pages_digest(staging)
        if not pdf:
            report.notes.extend(_keep_earlier_pdfs(out, staging, pages_digest))
        from .outputs import write_manifest

        write_manifest(staging, "handouts", pages=pages_digest)
        _swap(staging, out)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError) and exc.filename and str(exc.filename).startswith(str(staging)):
            exc.filename = str(out) + str(exc.filename)[len(str(staging)):]  # name the output, not the staging copy
        raise
    # The handouts are in place: from here on nothing may fail the build. A cache that cannot
    # be written (read-only, full) costs the next build time, never this build's result.
    if cache is not None:
        written = {k: v for k, v in pages.items()}
        problem = _write_cache(cache, written, lambda p, e: cached_html(p, keys[p], e))
        if problem is None:
            with contextlib.suppress(OSError):
                _prune(cache, {f"{p.stem}-{keys[p]}" for p in paths}, {p.stem for p in paths})
        else:
            say(f"warning: {problem}; the handouts were written, but the next build will execute them again")
    report.files = [out / f for f in report.files]
    return report


_LEGACY_FILE = re.compile(r"(index\.html|(student|teacher)\.pdf|(student|teacher)/\d\d_[\w-]+\.(html|pdf)"
                          r"|key/(index|\d\d_[\w-]+)\.(html|pdf))")


def _earlier_handouts(folder: Path) -> bool:
    """A handouts folder a version before the output manifest wrote: its index and nothing but handouts."""
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()]
    return "index.html" in files and all(_LEGACY_FILE.fullmatch(f) for f in files)


def _pages_digest(folder: Path) -> str:
    """One digest of every page of a build: the PDFs of an earlier build are current while it is equal."""
    return _digest_files([p for p in folder.rglob("*.html") if p.is_file()], folder)


def _keep_earlier_pdfs(out: Path, staging: Path, pages_digest: str) -> list[str]:
    """Carry the PDFs of an earlier ``--pdf`` build into a build without ``--pdf``, or say they are gone.

    They are carried over only when the pages they were printed from are byte for byte the same
    (and each PDF is still what that build wrote); otherwise they would show outdated pages.
    """
    from .outputs import file_digest, read_manifest

    earlier = read_manifest(out)
    if earlier is None or earlier.get("kind") != "handouts":
        return []
    pdfs = {rel: d for rel, d in earlier["files"].items() if rel.endswith(".pdf")}
    if not pdfs:
        return []
    if earlier.get("pages") == pages_digest and all(
            (out / rel).is_file() and not (out / rel).is_symlink() and file_digest(out / rel) == d
            for rel, d in pdfs.items()):
        for rel in pdfs:
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / rel, staging / rel)
        return [f"kept the {len(pdfs)} PDFs of the earlier --pdf build in {out} (their pages are unchanged)"]
    return [f"removed the {len(pdfs)} PDFs of the earlier --pdf build in {out}, as their pages changed: "
            f"add --pdf (make pdf) to print them again"]


def _write_extras(staging: Path, paths: list[Path], metas: list[dict[str, Any]], editions: list[str], *,
                  pdf: bool, paper: str, say: Callable[[str], None], cache: Path | None = None,
                  executed: dict[Path, Any] | None = None, salt: str = "") -> str | None:
    """The index, the teacher's key (with the teacher edition) and, if asked, the PDFs.

    Returns why the PDFs could not be printed (the pages stand without them), else None.
    """
    key = "teacher" in editions
    if key:
        from .key import write_key
        from .plans import write_plans

        write_key(staging / "key", paths, cache=cache, executed=executed, salt=salt)
        write_plans(staging / "plan", paths)
    from .slides import DeckError, write_decks

    try:  # the offline slide decks, slides/<edition>/NN_name.html (summit_lessons.publish.slides)
        write_decks(staging / "slides", paths, editions)
    except DeckError as exc:
        raise BuildError(str(exc)) from None
    (staging / "index.html").write_text(index_html(metas, editions, key=key), encoding="utf-8")
    if pdf:
        from .combined import print_folder
        from .pdf import PdfError

        forms = [(f, FORMS[f]) for f in FORMS if (staging / f).is_dir()]
        try:
            print_folder(staging, metas, editions, paper=paper, progress=say, forms=forms)
        except Exception as exc:  # noqa: BLE001 - a Chromium that cannot start raises its driver's own errors
            for f in staging.rglob("*.pdf"):  # half a set of PDFs would pass for a whole one
                f.unlink()
            for f in staging.rglob(".print-*"):
                f.unlink()
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            why = text if isinstance(exc, PdfError) else f"Chromium could not print: {text}"
            return f"{why}; the HTML handouts were written without PDFs"
    return None


