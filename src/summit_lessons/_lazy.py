"""Modules imported on first use, so a lesson's set-up cell does not pay for what it never calls.

In the browser (Pyodide) every import compiles its Python source anew on each visit: matplotlib
and ipywidgets together cost seconds that a lesson's first cell should not wait for.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name`` and imports it at the first attribute read."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy(name: str) -> Any:
    """A stand-in for ``import name`` that imports on first use (typed ``Any``, like a module)."""
    return LazyModule(name)
