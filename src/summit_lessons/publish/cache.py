"""The handouts' cache (``.handouts-cache/``): each lesson's pages keyed on the notebook's bytes and
everything else a page depends on (the data, the package's code and version, the template), so a
rebuild with nothing changed copies files only.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable

from .page import _PKG

# ---------------------------------------------------------------------------- cache keys

def _digest_files(paths: Iterable[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(root)).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _environment_key(data: Path) -> str:
    """What every handout depends on besides its notebook: data, package code, template, version."""
    from .. import __version__

    code = [p for p in _PKG.rglob("*") if p.is_file() and p.suffix in (".py", ".json", ".j2", ".css")
            and "notebooks" not in p.parts and "data" not in p.relative_to(_PKG).parts[:1] and "__pycache__" not in p.parts]
    # is_file(): a named pipe in the folder would block read_bytes forever (validate names it)
    data_files = [p for p in data.glob("*") if p.suffix in (".csv", ".json") and p.is_file()]
    return hashlib.sha256("|".join([__version__, _digest_files(code, _PKG), _digest_files(data_files, data)]).encode()).hexdigest()


def cache_key(notebook: Path, env_key: str) -> str:
    """The cache key of one notebook's execution: its bytes plus the environment key."""
    return hashlib.sha256(notebook.read_bytes() + env_key.encode()).hexdigest()[:24]


def _os_error(what: str, exc: OSError) -> str:
    """One line for any OSError: what failed, the system's words, and the file when it is known."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    hints = {errno.ENOSPC: " (the disk is full)", errno.EROFS: " (the file system is read-only)",
             errno.EBUSY: " (a mount point or a file in use)", errno.EDQUOT: " (over the disk quota)"}
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) not in what else ""
    return f"{what}: {reason}{hints.get(exc.errno or 0, '')}{where}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest_path(entry: Path) -> Path:
    return entry.with_name(entry.name + ".sha256")


def _read_cached(entry: Path | None) -> bytes | None:
    """A cached page, only when it matches the digest stored beside it (a truncated entry is a miss)."""
    if entry is None:
        return None
    try:
        data = entry.read_bytes()
        expected = _digest_path(entry).read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None
    return data if _sha(data) == expected else None


def _write_cache(cache: Path, pages: dict[tuple[Path, str], str], name: Callable[[Path, str], Path | None]) -> str | None:
    """Store freshly exported pages in the cache; a one-line reason when it cannot, else None.

    Each page goes to a private ``.partial`` file first (pid in its name, so concurrent builds
    never share one) and is renamed into place: a reader sees a whole page or none.
    """
    try:
        cache.mkdir(parents=True, exist_ok=True)
        _clean_partials(cache)
        for (p, e), html_text in pages.items():
            target = name(p, e)
            if target is None:
                continue
            payload = html_text.encode("utf-8")
            for final, data in ((target, payload), (_digest_path(target), _sha(payload).encode())):
                fd, tmp = tempfile.mkstemp(prefix=f".{os.getpid()}-", suffix=".partial", dir=cache)
                try:
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(data)
                    os.replace(tmp, final)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
                    raise
    except OSError as exc:
        return _os_error(f"cannot write the cache {cache}", exc)
    return None


def _clean_partials(cache: Path) -> None:
    """Remove ``.partial`` files of builds that are no longer running (a kill -9 leaves them)."""
    for f in cache.glob("*.partial"):
        m = re.match(r"\.(\d+)-", f.name)
        if m and int(m.group(1)) != os.getpid() and _pid_alive(int(m.group(1))):
            continue
        if not m and time.time() - f.stat().st_mtime < 3600:
            continue
        with contextlib.suppress(OSError):
            f.unlink()


def _prune(cache: Path, keep: set[str], stems: set[str]) -> None:
    # Drop stale entries of these notebooks so the cache does not grow with every edit.
    for f in cache.glob("*.html"):
        stem_key = f.name.rsplit("-", 2)[0]
        stem = stem_key.rsplit("-", 1)[0]
        if stem in stems and stem_key not in keep:
            f.unlink(missing_ok=True)
            _digest_path(f).unlink(missing_ok=True)
