"""summit_lessons: teaching notebooks and curated tables on the 2025 Russia–United States summit
in Anchorage, Alaska.

``load("events")`` returns a validated, typed table; see :mod:`summit_lessons.loader`.
Submodules are imported on first use (pandas by the tables, matplotlib by :mod:`plots`,
ipywidgets by :mod:`widgets`), so ``import summit_lessons`` and commands that need none of
them, such as a handout rebuild from the cache, start at once.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any


_FROM_DATA = ("DataError", "Problem", "data_dir", "load", "load_all", "overview", "table_names", "validate")
_SUBMODULES = ("loader", "schema", "datapackage", "timeline", "plots", "widgets", "quizzes", "grading", "lessons", "voice",
               "publish", "classroom", "cli")

__all__ = [*_FROM_DATA, "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .loader import DataError, Problem, data_dir, load, load_all, overview, table_names, validate  # noqa: F401


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version as _version

    try:
        return _version("summit_lessons")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the installed metadata only when asked: it costs a scan
        globals()["__version__"] = _package_version()
        return globals()["__version__"]
    if name in _FROM_DATA:
        return getattr(importlib.import_module(".loader", __name__), name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'summit_lessons' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, *_SUBMODULES])


def _fold_solutions_in_kernel() -> None:
    # In a Jupyter kernel (a lesson's set-up cell imports this package), a teacher-edition code
    # solution keeps its output folded when run: see summit_lessons.fold. Nothing happens elsewhere.
    import sys

    if "ipykernel" in sys.modules:
        from .fold import install

        install()


_fold_solutions_in_kernel()
