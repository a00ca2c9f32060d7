"""Reading a notebook cell, as the edition, worksheet, plan and slide builders all need to.

A cell may be an nbformat node or the plain dict of a notebook's JSON, and its source a string or
a list of lines; these two functions take either."""
from __future__ import annotations

from typing import Any

__all__ = ["tags", "source"]


def tags(cell: Any) -> set[str]:
    """The cell's tags (``metadata.tags``), as a set."""
    return set(cell.get("metadata", {}).get("tags", []))


def source(cell: Any) -> str:
    """The cell's source as one string."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src
