"""Where the package's files are: the data folder (packaged, or a teacher's own copy) and the notebooks.

Kept free of pandas so that commands which only need paths (a handout rebuild from the cache)
start without loading it.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_ENV", "cache_dir", "data_dir", "notebooks_dir", "package_dir"]

#: Environment variable a teacher can set to use their own copy of the data folder.
DATA_ENV = "SUMMIT_LESSONS_DATA"


def package_dir() -> Path:
    """The installed ``summit_lessons`` package folder."""
    # The package is always installed as files (the wheel is not zip-safe), so its own folder is
    # the package's: cheaper than importlib.resources, which costs 10 ms to import.
    return Path(__file__).resolve().parent


def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``path`` if given, else ``$SUMMIT_LESSONS_DATA``, else the packaged copy."""
    if path is not None:
        return Path(path)
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    return package_dir() / "data"


def notebooks_dir() -> Path:
    """The lesson notebooks shipped inside the package."""
    return package_dir() / "notebooks"


def cache_dir() -> Path:
    """The user's cache folder for the package (the handout cache), never the current folder.

    platformdirs when installed (it comes with Jupyter): ``~/.cache/summit_lessons`` on Linux
    (``$XDG_CACHE_HOME`` respected), ``~/Library/Caches/summit_lessons`` on macOS,
    ``%LOCALAPPDATA%\\summit_lessons\\Cache`` on Windows; else the XDG convention.
    """
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return Path(base) / "summit_lessons"
    return Path(user_cache_dir("summit_lessons", appauthor=False))
