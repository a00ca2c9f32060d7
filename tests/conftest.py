"""Shared fixtures: a private, editable copy of the data folder."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from summit_lessons import data_dir

ROOT = Path(__file__).resolve().parents[1]


class DataCopy:
    """A copy of the packaged data folder that a test may break on purpose."""

    def __init__(self, folder: Path):
        self.folder = folder

    def rows(self, table: str) -> list[dict[str, str]]:
        with open(self.folder / f"{table}.csv", encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    def write(self, table: str, rows: list[dict[str, str]], header: list[str] | None = None) -> None:
        header = header or list(rows[0].keys())
        with open(self.folder / f"{table}.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)

    def set(self, table: str, index: int, column: str, value: str) -> int:
        """Set one cell (0-based data row); returns the file line of that row."""
        rows = self.rows(table)
        rows[index][column] = value
        self.write(table, rows)
        return index + 2  # header is line 1; curated rows hold no line breaks

    def find(self, table: str, **match: str) -> int:
        for i, row in enumerate(self.rows(table)):
            if all(row[k] == v for k, v in match.items()):
                return i
        raise LookupError(f"no row in {table} with {match}")


@pytest.fixture
def datacopy(tmp_path: Path) -> DataCopy:
    dest = tmp_path / "data"
    shutil.copytree(data_dir(), dest)
    return DataCopy(dest)


# The fixture notebooks are inputs of the handout tests (one fails on purpose), not lessons for nbval.
collect_ignore_glob = ["fixtures/*"]
