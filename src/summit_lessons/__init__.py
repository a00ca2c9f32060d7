"""summit_lessons: teaching notebooks and curated tables on the 2025 Russia–United States summit
in Anchorage, Alaska.

``load("events")`` returns a validated, typed table; see :mod:`summit_lessons.data`.
Plotting and widgets live in their own modules and import matplotlib / ipywidgets only
when used, so ``import summit_lessons`` stays cheap.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _version

from .data import DataError, Problem, data_dir, load, load_all, overview, table_names, validate

try:
    __version__ = _version("summit_lessons")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["DataError", "Problem", "data_dir", "load", "load_all", "overview", "table_names", "validate", "__version__"]
