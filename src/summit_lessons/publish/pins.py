"""What the JupyterLite site and the slides take from a registry (PyPI, npm), fetched into a cache and
checked against the sha256 pinned in ``deploy/jupyterlite/site-lock.json`` (or the slides' lock):
a file whose sha256 differs stops the build.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .outputs import file_digest as _sha256  # site files reach 20 MB: read in blocks


class SiteError(Exception):
    """A build that cannot go on; the message is one line naming the file and what is wrong."""


class SiteRefused(SiteError):
    """The output is a folder or file the build must not replace (one line; nothing was touched)."""


def _check(path: Path, expected: str, where: str) -> None:
    got = _sha256(path)
    if got != expected:
        raise SiteError(f"{path}: sha256 {got} does not match {expected} recorded in {where}; "
                        "delete the file to download it again, or check where it came from")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ------------------------------------------------------------------ downloads (cached)

def _fetch_pypi(entry: dict[str, str], cache: Path, tools_python: Path, where: str, log: list[str]) -> Path:
    """A pinned PyPI file in the cache, downloaded by pip (which checks the hash too) when absent."""
    dest = cache / entry["file"]
    if not dest.exists():
        req = cache / f".{entry['file']}.txt"
        req.write_text(f"{entry['pypi']} --hash=sha256:{entry['sha256']}\n", encoding="utf-8")
        proc = subprocess.run([str(tools_python), "-m", "pip", "download", "--quiet", "--no-deps",
                               "--only-binary=:all:", "--require-hashes", "--disable-pip-version-check",
                               "-d", str(cache), "-r", str(req)], capture_output=True, text=True)
        req.unlink()
        if proc.returncode != 0 or not dest.exists():
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise SiteError(f"cannot download {entry['pypi']} ({entry['file']}) from PyPI: {last}")
        log.append(entry["file"])
    _check(dest, entry["sha256"], where)
    return dest


def _fetch_npm(entry: dict[str, Any], cache: Path, where: str, log: list[str]) -> Path:
    dest = cache / entry["file"]
    if not dest.exists():
        npm = shutil.which("npm")
        if npm is not None:
            proc = subprocess.run([npm, "pack", entry["npm"], "--pack-destination", str(cache)],
                                  capture_output=True, text=True)
            why = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        else:  # no npm client: the registry's own tarball address
            import urllib.request

            part = dest.with_name(dest.name + ".part")
            try:
                with urllib.request.urlopen(entry["tarball"], timeout=120) as r, open(part, "wb") as fh:
                    shutil.copyfileobj(r, fh)
                part.replace(dest)
            except OSError as exc:
                part.unlink(missing_ok=True)
                why = str(exc)
        if not dest.exists():
            raise SiteError(f"cannot download {entry['npm']} from npm: {why}")
        log.append(entry["file"])
    _check(dest, entry["sha256"], where)
    return dest
