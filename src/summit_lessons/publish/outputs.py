"""Output folders a build may replace, and only those.

Every command that writes a folder (handouts, site, the bundle's handouts, slides) replaces it
whole with a freshly built one. That is safe only when the folder holds what an earlier build of
the same kind wrote: ``--out docs`` pointing at a user's own files must never delete them. Each
build therefore leaves a small manifest (:data:`MANIFEST`) in its folder naming its kind and every
file it wrote, with a digest; a later build replaces the folder only when

* the folder does not exist yet, or is empty, or
* its manifest names the same kind and every file in it is one the manifest lists.

Anything else is an :class:`OutputError` (one line) before anything is touched. The same
manifest lets a build tell whether its outputs are still whole (:func:`changed_files`), and a
single file a command writes (a zip) is replaced only when it is one such a command wrote
(:func:`check_replaceable_file`).

Use::

    out = prepare_folder(args.out, "slides")      # the real folder to write (symlinks followed)
    ...build into a staging folder beside it...
    write_manifest(staging, "slides")             # last, so it lists every file
    swap_in(staging, out)
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterable

__all__ = ["MANIFEST", "OutputError", "prepare_folder", "check_replaceable", "write_manifest", "read_manifest",
           "changed_files", "check_replaceable_file", "swap_in", "file_digest"]

#: The manifest a build writes into its output folder.
MANIFEST = ".summit-lessons-output.json"


class OutputError(RuntimeError):
    """The output cannot be written safely; the message is one line naming the folder and why."""


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (site files reach 20 MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _listing(folder: Path) -> list[str]:
    """Every entry under ``folder`` (files, links and empty folders), relative, without the manifest."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder)
        for name in filenames:
            found.append((rel / name).as_posix())
        for name in list(dirnames):
            if os.path.islink(os.path.join(dirpath, name)):
                found.append((rel / name).as_posix())  # a link to a folder: never walked into
                dirnames.remove(name)
    return sorted(f for f in found if f != MANIFEST)


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of an output folder, or None when it has none or it is not one we wrote."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str) or not isinstance(data.get("files"), dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data["files"].items()):
        return None
    return data


def write_manifest(folder: str | os.PathLike[str], kind: str, **extra: Any) -> dict[str, Any]:
    """Record every file now in ``folder`` as the output of a ``kind`` build (call it last)."""
    folder = Path(folder)
    files = {rel: file_digest(folder / rel) for rel in _listing(folder) if (folder / rel).is_file()}
    data = {"kind": kind, "files": files, **extra}
    (folder / MANIFEST).write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return data


def changed_files(folder: str | os.PathLike[str], kind: str) -> list[str] | None:
    """Files of a ``kind`` output folder that are missing, edited or added since its build.

    None when the folder holds no manifest of that kind (so it is not known to be a build at all).
    """
    manifest = read_manifest(folder)
    if manifest is None or manifest["kind"] != kind:
        return None
    folder = Path(folder)
    present = set(_listing(folder))
    listed = manifest["files"]
    changed = sorted(present - set(listed))
    for rel, digest in listed.items():
        p = folder / rel
        if rel not in present or p.is_symlink() or not p.is_file() or file_digest(p) != digest:
            changed.append(rel)
    return sorted(set(changed))


def _refuse(out: Path, kind: str, why: str) -> OutputError:
    return OutputError(f"will not replace {out}: {why}; nothing was changed. Give --out a new or empty folder, "
                       f"or move those files away first")


def check_replaceable(out: Path, kind: str, *, legacy: Callable[[Path], bool] | None = None) -> None:
    """Raise :class:`OutputError` unless ``out`` is absent, empty, or an earlier ``kind`` build.

    ``legacy`` recognises a folder a version before the manifest wrote (it must be sure).
    """
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir():
        raise OutputError(f"cannot write the {kind} to {out}: it exists and is not a folder")
    try:
        present = _listing(out)
    except OSError as exc:
        raise OutputError(f"cannot read {out}: {exc.strerror or exc}") from None
    manifest = read_manifest(out)
    if manifest is None:
        if not present and not (out / MANIFEST).exists():
            return
        if legacy is not None and legacy(out):
            return
        first = present[0] if present else MANIFEST
        raise _refuse(out, kind, f"it holds files that no summit-lessons {kind} build wrote ({first}"
                                 f"{f' and {len(present) - 1} more' if len(present) > 1 else ''})")
    if manifest["kind"] != kind:
        raise _refuse(out, kind, f"it holds a {manifest['kind']} build, not {kind}")
    extra = [p for p in present if p not in manifest["files"]]
    if extra:
        raise _refuse(out, kind, f"{extra[0]}{f' and {len(extra) - 1} more' if len(extra) > 1 else ''} "
                                 f"in it {'was' if len(extra) == 1 else 'were'} not written by the build")


def prepare_folder(out: str | os.PathLike[str], kind: str, *,
                   legacy: Callable[[Path], bool] | None = None) -> Path:
    """The folder a ``kind`` build should replace for ``--out out``, checked; raises :class:`OutputError`.

    * a symlink is followed: the build replaces the folder it points to, and the link stays;
    * the file-system root, the current folder and any folder holding it are refused (a build
      replaces its folder whole, and these cannot be replaced, or hold far more than a build);
    * an existing folder must be empty or an earlier build of ``kind`` (:func:`check_replaceable`).
    """
    given = Path(out)
    real = Path(os.path.realpath(given))  # follows every link, also a dangling one's target path
    if real.parent == real:
        raise OutputError(f"cannot write the {kind} to {given}: it is the root of the file system; "
                          f"give a folder of its own, such as build/{kind}")
    cwd = Path(os.path.realpath(os.getcwd()))
    if real == cwd or real in cwd.parents:
        raise OutputError(f"cannot write the {kind} to {given}: it is the current folder"
                          f"{'' if real == cwd else ' (or holds it)'}; give a folder of its own, such as build/{kind}")
    home = os.path.realpath(os.path.expanduser("~"))
    if str(real) == home:
        raise OutputError(f"cannot write the {kind} to {given}: it is your home folder; "
                          f"give a folder of its own, such as build/{kind}")
    check_replaceable(real, kind, legacy=legacy)
    return real


def check_replaceable_file(path: str | os.PathLike[str], what: str, ours: Callable[[zipfile.ZipFile], bool]) -> Path:
    """The real path of a zip a command writes, checked: absent, or a zip ``ours`` recognises.

    Raises :class:`OutputError` (one line) for a folder or for any other file, which is never replaced.
    """
    given = Path(path)
    real = Path(os.path.realpath(given))
    if real.is_dir():
        raise OutputError(f"cannot write the {what} to {given}: it is a folder; give a file name such as "
                          f"{given / 'summit-lessons.zip'}")
    if not real.exists():
        return real
    try:
        with zipfile.ZipFile(real) as zf:
            mine = ours(zf)
    except (OSError, zipfile.BadZipFile, ValueError):
        mine = False
    if not mine:
        raise OutputError(f"will not replace {given}: it is not a {what} that summit-lessons wrote; "
                          f"nothing was changed. Give another file name, or move it away first")
    return real


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False when unsupported."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(staging: Path, out: Path) -> None:
    """Put the folder ``staging`` in place of ``out`` so that ``out`` is never missing; the old one is removed.

    Where the system can (Linux), the two folders are exchanged in one atomic step
    (``renameat2(RENAME_EXCHANGE)``). Elsewhere the old folder is renamed aside (``.NAME-old-PID-…``)
    and the new one in; if the process dies between the two renames, the builder's next run puts
    the old folder back before it does anything else.
    """
    if not out.exists():
        os.replace(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old build
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-{os.getpid()}-", dir=out.parent))
    os.rmdir(old)
    os.replace(out, old)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def remove_abandoned(parent: Path, prefix: str, alive: Callable[[int], bool] | None = None,
                     names: Iterable[Path] | None = None) -> list[Path]:
    """Remove ``prefix<pid>-…`` folders in ``parent`` whose build (that pid) is no longer running."""
    import re

    alive = alive or _pid_alive
    removed = []
    with contextlib.suppress(OSError):
        for p in (names if names is not None else parent.iterdir()):
            if not p.name.startswith(prefix):
                continue
            m = re.match(re.escape(prefix) + r"(\d+)-", p.name)
            if m is None or int(m.group(1)) == os.getpid() or alive(int(m.group(1))):
                continue  # another build (or this process's own), still running, owns it
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
