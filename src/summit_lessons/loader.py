"""Load the curated tables: CSV text -> rows checked by :mod:`summit_lessons.schema` -> a typed
pandas DataFrame.

``load("events")`` is what a lesson calls. The descriptor and the CSV text are read by
:mod:`summit_lessons.datapackage`; validation lives in :mod:`summit_lessons.schema`.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from .locations import data_dir
from ._lazy import lazy
from .datapackage import DataError, Problem, _Rows, _read_rows, _require_folder, _resource, descriptor, table_names
from .schema import _check_references, _check_rows, iter_problems_text, validate


# Imported by the first call that needs a table, not by the lessons' set-up cell.
pd = lazy("pandas")

__all__ = ["DataError", "Problem", "data_dir", "descriptor", "table_names", "load", "load_all", "validate", "overview",
           "iter_problems_text"]


# ---------------------------------------------------------------------------- typing

def _to_frame(rows: _Rows, resource: dict[str, Any]) -> pd.DataFrame:
    """Typed columns built straight from the checked strings (one pass per column)."""
    fields = resource["schema"]["fields"]
    index = pd.Index([line for line, _ in rows.rows], name="line")
    columns: dict[str, Any] = {}
    for f in fields:
        name = f["name"]
        raw = [r[name] for _, r in rows.rows]
        required = f.get("constraints", {}).get("required")
        ftype = f.get("type", "string")
        if ftype == "number":
            columns[name] = pd.array([float(v) if v else None for v in raw], dtype="Float64")
        elif ftype == "integer":
            columns[name] = pd.array([int(v) if v else None for v in raw], dtype="Int64")
        elif ftype == "boolean":
            truth = {v: True for v in f.get("trueValues", ["true"])} | {v: False for v in f.get("falseValues", ["false"])}
            values = [truth.get(v) if v else None for v in raw]
            columns[name] = pd.array(values, dtype=bool if required else "boolean")
        elif f.get("summit:list"):
            sep = f["summit:list"]
            columns[name] = [v.split(sep) if v else [] for v in raw]
        elif "summit:date" in f:
            # Partial dates become the first day of their period; the precision column says how
            # much of that timestamp the source actually gives.
            columns[name] = pd.to_datetime([_pad_date(v) if v else None for v in raw], format="%Y-%m-%d")
        else:
            # Series(dtype="str"), not pd.array: pandas 2.2 (the browser's) keeps None as missing there.
            columns[name] = pd.Series([v if v or required else None for v in raw], dtype="str").array
    df = pd.DataFrame(columns, index=index)
    for f in fields:
        if "summit:time" in f:
            _add_timestamps(df, f["name"], f["summit:time"]["date"], f["summit:time"]["timezone"])
    return df


def _pad_date(value: str) -> str:
    return value + {4: "-01-01", 7: "-01", 10: ""}[len(value)]


def _add_timestamps(df: pd.DataFrame, time_col: str, date_col: str, tz_col: str) -> None:
    """Add ``timestamp`` (tz-aware, local) and ``timestamp_utc`` for rows with a time."""
    local: list[Any] = []
    utc: list[Any] = []
    for day, hhmm, tz in zip(df[date_col], df[time_col], df[tz_col]):
        if pd.isna(hhmm):
            local.append(pd.NaT)
            utc.append(pd.NaT)
            continue
        ts = pd.Timestamp(f"{day:%Y-%m-%d} {hhmm}").tz_localize(tz)
        local.append(ts)
        utc.append(ts.tz_convert("UTC"))
    zones = {tz for tz in df.loc[df[time_col].notna(), tz_col]}
    if len(zones) == 1:
        df["timestamp"] = pd.Series(local, index=df.index, dtype=f"datetime64[us, {zones.pop()}]")
    else:
        df["timestamp"] = pd.Series(local, index=df.index, dtype="object")
    df["timestamp_utc"] = pd.Series(utc, index=df.index, dtype="datetime64[us, UTC]")


# ---------------------------------------------------------------------------- public API

def _signature(folder: Path) -> tuple[Any, ...]:
    sig = []
    for p in sorted(folder.glob("*")):
        if p.suffix in (".csv", ".json"):
            st = p.stat()
            sig.append((p.name, st.st_mtime_ns, st.st_size))
    return tuple(sig)


@lru_cache(maxsize=64)
def _load_cached(name: str, folder: str, signature: tuple[Any, ...]) -> pd.DataFrame:
    del signature  # part of the cache key only: a changed file misses the cache
    path = Path(folder)
    desc = descriptor(path)
    resource = _resource(desc, name)
    rows = _read_rows(path, resource)
    problems = _check_rows(rows, resource)
    if not problems:
        problems = _check_references(rows, resource, desc, path, {})
    if problems:
        raise DataError(problems)
    return _to_frame(rows, resource)


def load(name: str, path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load one table (``"events"``, ``"people"``, …) as a typed, validated DataFrame.

    ``path`` (or the ``SUMMIT_LESSONS_DATA`` environment variable) points at another copy of
    the data folder. Raises :class:`DataError` naming file, line, column, value and rule.
    """
    folder = data_dir(path)
    _require_folder(folder)
    return _load_cached(name, str(folder.resolve()), _signature(folder)).copy()


def load_all(path: str | os.PathLike[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the package, by name."""
    return {name: load(name, path) for name in table_names(path)}


def overview(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per table: its title, number of rows, columns and what it holds."""
    desc = descriptor(path)
    rows = []
    for r in desc["resources"]:
        df = load(r["name"], path)
        rows.append({"table": r["name"], "title": r.get("title", ""), "rows": len(df),
                     "columns": len(r["schema"]["fields"]), "holds": r.get("description", "")})
    return pd.DataFrame(rows).set_index("table")
