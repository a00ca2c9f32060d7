"""The Table Schema validator: every cell of every table against ``datapackage.json``.

The Data Package descriptor is the single source of truth for every column's type and
constraints; this module only knows how to *apply* a Table Schema (plus three small
``summit:`` extensions for partial dates, time zones and ``;``-separated lists). Each problem is
one :class:`~summit_lessons.datapackage.Problem`: file, line, column, value and rule.
"""
from __future__ import annotations

import csv
import json
import math
import os
import re
from dataclasses import dataclass
from datetime import date as _date, datetime as _datetime, timezone as _utc_tz
from pathlib import Path, PurePosixPath
from typing import Any, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .locations import data_dir
from .ordering import order_problems
from .datapackage import (_CONTROL, DataError, Problem, _packaged_descriptor_path, _read_rows,
                          _require_folder, _resource, _Rows, descriptor)


_DATE_FORMATS = {"year": r"^[0-9]{4}$", "month": r"^[0-9]{4}-[0-9]{2}$", "day": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}

__all__ = ["validate", "iter_problems_text", "Reference", "reference"]


# ---------------------------------------------------------------------------- checking cells

#: Zone names whose meaning depends on the computer (its own clock setting, or tzdata build files).
_HOST_ZONES = {"localtime", "posixrules", "Factory"}


def _valid_zone(name: str) -> bool:
    if name in _HOST_ZONES or name.startswith(("posix/", "right/")):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError, OSError):
        return False
    return True


def _check_wall_time(day: str, hhmm: str, zone: str) -> str | None:
    """A rule broken by a local clock time that did not exist, or happened twice, that day."""
    try:
        naive = _datetime.strptime(f"{day} {hhmm}", "%Y-%m-%d %H:%M")
        tz = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError, OSError):
        return None  # reported by the date, time or zone checks
    early, late = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() == late.utcoffset():
        return None
    # In a gap the clock time round-trips through UTC to another wall time; in an overlap it is valid twice.
    back = early.astimezone(_utc_tz.utc).astimezone(tz).replace(tzinfo=None)
    if back != naive:
        return f"did not exist in {zone} on {day}: the clocks skipped it (daylight saving); give the time after the change"
    return f"happened twice in {zone} on {day} (clocks went back): it is ambiguous; give the time in UTC or another zone"


#: ASCII numbers only: Python's float() also takes "nan", "inf", "1_0" and fullwidth digits,
#: which would pass here and break a chart later.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")


def _check_url(value: str) -> str | None:
    """A rule broken by a URL: parsed, http(s) only, a real host, only characters a URL may hold."""
    if not _URL_CHARS.match(value) or re.search(r"%(?![0-9A-Fa-f]{2})", value):
        return "is not a well-formed http(s) URL: it holds characters a URL cannot (encode them as %XX)"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return "is not a well-formed http(s) URL"
    del port
    if parts.scheme not in ("http", "https") or not parts.hostname or not _HOST.match(parts.hostname):
        return "is not a well-formed http(s) URL (https://host/path)"
    return None


def _check_partial_date(value: str, precision: str | None) -> str | None:
    """Return a rule broken by a YYYY / YYYY-MM / YYYY-MM-DD value, or None."""
    if precision and precision in _DATE_FORMATS and not re.match(_DATE_FORMATS[precision], value):
        return f"does not match its date_precision \"{precision}\" (expected {_shape(precision)})"
    if not re.fullmatch(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", value):
        return "is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"
    parts = [int(p) for p in value.split("-")]
    try:
        _date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return "is not a real calendar date"
    return None


def _shape(precision: str) -> str:
    return {"year": "YYYY", "month": "YYYY-MM", "day": "YYYY-MM-DD"}[precision]


#: The largest integer a table may hold: pandas' Int64 holds 2**63 - 1, and a float (a chart's
#: axis, a mean) keeps every integer up to 2**53 exactly.
INTEGER_LIMIT = 2 ** 53


def _number(value: str, integer: bool) -> float | int | None:
    if not (_INTEGER if integer else _NUMBER).fullmatch(value):
        return None
    if integer and len(value.lstrip("+-0")) > 16:  # before int(): 5,000 digits is a ValueError there
        return None
    num = int(value) if integer else float(value)
    return num if integer or math.isfinite(num) else None  # 1e999 is inf


def _check_rows(rows: _Rows, resource: dict[str, Any]) -> list[Problem]:
    fname = rows.file
    fields = resource["schema"]["fields"]
    names = [f["name"] for f in fields]
    problems: list[Problem] = []
    for name in names:
        if name not in rows.header:
            problems.append(Problem(fname, 1, name, None, "is missing from the header row"))
    for col in rows.header:
        if col not in names:
            problems.append(Problem(fname, 1, col, None, "is not described in datapackage.json"))
    if len(set(rows.header)) != len(rows.header):
        dup = next(c for c in rows.header if rows.header.count(c) > 1)
        problems.append(Problem(fname, 1, dup, None, "appears twice in the header row"))
    if problems:
        return problems

    if not rows.rows:
        return [Problem(fname, 0, None, None, "has a header but no rows: the lessons need at least one")]
    seen: dict[str, dict[str, int]] = {f["name"]: {} for f in fields if f.get("constraints", {}).get("unique")}
    by_name = {f["name"]: f for f in fields}
    for line, row in rows.rows:
        problems.extend(_check_row_logic(fname, line, row, fields, by_name))
        for f in fields:
            name, value = f["name"], row[f["name"]]
            c = f.get("constraints", {})
            if _CONTROL.search(value):
                code = f"U+{ord(_CONTROL.search(value).group()):04X}"
                problems.append(Problem(fname, line, name, value.encode("unicode_escape").decode("ascii"),
                                        f"holds a control character ({code}): remove it"))
                continue
            if value == "":
                if c.get("required"):
                    problems.append(Problem(fname, line, name, value, "is empty, but the column is required"))
                continue
            if value != value.strip():
                problems.append(Problem(fname, line, name, value, "has spaces at the start or end"))
                continue
            ftype = f.get("type", "string")
            if ftype in ("number", "integer"):
                num = _number(value, ftype == "integer")
                if num is None and ftype == "integer" and _INTEGER.fullmatch(value):
                    problems.append(Problem(fname, line, name, value[:40] + ("…" if len(value) > 40 else ""),
                                            f"is too large: an integer here is at most {INTEGER_LIMIT:,}"))
                    continue
                if num is None:
                    problems.append(Problem(fname, line, name, value, f"is not a{'n integer' if ftype == 'integer' else ' number'}"))
                    continue
                if ftype == "integer" and abs(num) > INTEGER_LIMIT:
                    problems.append(Problem(fname, line, name, value,
                                            f"is too large: an integer here is at most {INTEGER_LIMIT:,}"))
                    continue
                if "minimum" in c and num < c["minimum"]:
                    problems.append(Problem(fname, line, name, value, f"is below the minimum {c['minimum']}"))
                if "maximum" in c and num > c["maximum"]:
                    problems.append(Problem(fname, line, name, value, f"is above the maximum {c['maximum']}"))
            elif ftype == "boolean":
                allowed = f.get("trueValues", ["true"]) + f.get("falseValues", ["false"])
                if value not in allowed:
                    problems.append(Problem(fname, line, name, value, f"is not a boolean (use {' or '.join(allowed)})"))
            if "enum" in c and value not in c["enum"]:
                problems.append(Problem(fname, line, name, value, f"is not one of the allowed values: {', '.join(c['enum'])}"))
            # re.ASCII: \d in a pattern means 0-9 only, as every later parser of the value expects
            # (an Arabic-Indic or fullwidth digit would pass and fail in pandas).
            if "pattern" in c and not re.fullmatch(c["pattern"], value, re.ASCII):
                problems.append(Problem(fname, line, name, value, _pattern_rule(f)))
            elif "summit:date" in f:
                rule = _check_partial_date(value, row.get(f["summit:date"]) if f["summit:date"] in row else None)
                if rule:
                    problems.append(Problem(fname, line, name, value, rule))
            if f.get("format") == "uri" and (rule := _check_url(value)):
                problems.append(Problem(fname, line, name, value, rule))
            if f.get("summit:timezone") and not _valid_zone(value):
                problems.append(Problem(fname, line, name, value,
                                        "depends on the computer's own settings: name an IANA zone (e.g. America/Anchorage)"
                                        if value in _HOST_ZONES or value.startswith(("posix/", "right/"))
                                        else "is not an IANA time zone (e.g. America/Anchorage)"))
            if "summit:time" in f:
                tz_col = f["summit:time"]["timezone"]
                if row.get(tz_col, "") == "":
                    problems.append(Problem(fname, line, tz_col, "",
                                            f'is empty, but a time zone is required when "{name}" is set ("{value}")'))
            if name in seen:
                if value in seen[name]:
                    problems.append(Problem(fname, line, name, value,
                                            f"is a duplicate: it must be unique (first used on line {seen[name][value]})"))
                else:
                    seen[name][value] = line
            if f.get("summit:list"):
                items = value.split(f["summit:list"])
                if any(i == "" or i != i.strip() for i in items):
                    problems.append(Problem(fname, line, name, value,
                                            f"is not a clean \"{f['summit:list']}\"-separated list (empty item or stray space)"))
    for f in fields:  # an explicit order column must agree with the dates and times given
        if "summit:order" in f and not problems:
            problems += [Problem(fname, ln, f["name"], v, rule)
                         for ln, v, rule in order_problems(rows.rows, f["name"], f["summit:order"])]
    return problems


def _check_row_logic(fname: str, line: int, row: dict[str, str], fields: list[dict[str, Any]],
                     by_name: dict[str, dict[str, Any]]) -> list[Problem]:
    """Rules between the cells of one row: a time needs a day and must exist on the clock; an
    end date (``summit:not_before``) is not before its start."""
    problems: list[Problem] = []
    for f in fields:
        name, value = f["name"], row[f["name"]]
        if value == "":
            continue
        if "summit:time" in f and re.fullmatch(r"[0-9]{2}:[0-9]{2}", value):
            date_col, tz_col = f["summit:time"]["date"], f["summit:time"]["timezone"]
            day = row.get(date_col, "")
            precision_col = by_name.get(date_col, {}).get("summit:date")
            precision = row.get(precision_col, "day") if precision_col in row else "day"
            if precision != "day" or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day):
                problems.append(Problem(fname, line, name, value,
                                        f'is set, but "{date_col}" gives only the {precision or "date"} '
                                        f'("{day}"): a time needs a full date (or leave the time empty)'))
            elif row.get(tz_col) and _valid_zone(row[tz_col]) and (rule := _check_wall_time(day, value, row[tz_col])):
                problems.append(Problem(fname, line, name, value, rule))
        start_col = f.get("summit:not_before")
        if start_col and row.get(start_col):
            start = row[start_col]
            same_shape = re.fullmatch(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", value) and len(value) == len(start)
            if same_shape and value < start:
                problems.append(Problem(fname, line, name, value, f'is before "{start_col}" ({start})'))
    return problems


def _pattern_rule(field: dict[str, Any]) -> str:
    if "summit:date" in field:
        return "is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"
    if "summit:time" in field:
        return "is not a 24-hour time of the form HH:MM"
    return f"does not match the pattern {field['constraints']['pattern']}"


def _references(resource: dict[str, Any], desc: dict[str, Any]) -> list[tuple[str, str, str, str | None]]:
    """(column, other table, other column, list separator or None) for every reference of a table."""
    refs = []
    for fk in resource["schema"].get("foreignKeys", []):
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        others = fk["reference"]["fields"]
        others = others if isinstance(others, list) else [others]
        for a, b in zip(fields, others):
            refs.append((a, fk["reference"]["resource"] or resource["name"], b, None))
    for f in resource["schema"]["fields"]:
        if "summit:references" in f:
            ref = f["summit:references"]
            refs.append((f["name"], ref["resource"], ref["field"], f["summit:list"]))
    return refs


def _check_references(rows: _Rows, resource: dict[str, Any], desc: dict[str, Any], folder: Path,
                      keys: dict[tuple[str, str], set[str]]) -> list[Problem]:
    problems: list[Problem] = []
    for column, other, other_col, sep in _references(resource, desc):
        key = (other, other_col)
        if key not in keys:
            if other == resource["name"]:
                keys[key] = {r[other_col] for _, r in rows.rows}
            else:
                other_rows = _read_rows(folder, _resource(desc, other))
                keys[key] = {r.get(other_col, "") for _, r in other_rows.rows}
        known = keys[key]
        for line, row in rows.rows:
            value = row[column]
            if value == "":
                continue
            for item in (value.split(sep) if sep else [value]):
                if item not in known:
                    problems.append(Problem(rows.file, line, column, item,
                                            f"is not a known {other_col} in {other}.csv"))
    return problems


def validate(path: str | os.PathLike[str] | None = None) -> list[Problem]:
    """Every problem in a data folder (an empty list when it is clean)."""
    folder = data_dir(path)
    try:
        _require_folder(folder)
        desc = descriptor(folder)
    except DataError as exc:
        return exc.problems
    problems: list[Problem] = []
    keys: dict[tuple[str, str], set[str]] = {}
    for resource in desc["resources"]:
        try:
            rows = _read_rows(folder, resource)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        found = _check_rows(rows, resource)
        if not found:
            try:
                found = _check_references(rows, resource, desc, folder, keys)
            except DataError as exc:  # a referenced table is itself unreadable: reported on its own
                found = [p for p in exc.problems if p not in problems]
        problems.extend(found)
    return problems + _undescribed_files(folder, desc) + _lessons_needs(folder, desc, problems)


def _lessons_needs(folder: Path, desc: dict[str, Any], found: list[Problem]) -> list[Problem]:
    """What the lessons and the builds need beyond the schema: every packaged table and column
    still described, and the reference article's row in ``sources.csv`` (the credits name it)."""
    packaged = json.loads(_packaged_descriptor_path().read_text(encoding="utf-8"))
    mine = {r["name"]: {f["name"] for f in r["schema"]["fields"]} for r in desc["resources"]}
    problems = []
    for r in packaged["resources"]:
        if r["name"] not in mine:
            problems.append(Problem("datapackage.json", 0, None, r["name"],
                                    "is not described, but the lessons load this table: put its resource back"))
            continue
        for f in r["schema"]["fields"]:
            if f["name"] not in mine[r["name"]]:
                problems.append(Problem("datapackage.json", 0, None, f'{r["name"]}.{f["name"]}',
                                        "is not described, but the lessons use this column: put it back"))
    if not any(p.file == "sources.csv" for p in found) and "sources" in mine:
        try:
            reference(folder)
        except LookupError:
            problems.append(Problem("sources.csv", 0, None, None,
                                    'has no row with origin "seed" and kind "encyclopedia": the reference article '
                                    "every handout credits (keep that row's kind)"))
        except (OSError, KeyError, UnicodeDecodeError, csv.Error):
            pass  # reported by the table checks
    return problems


def _undescribed_files(folder: Path, desc: dict[str, Any]) -> list[Problem]:
    """A CSV the descriptor does not list is never loaded (nor bundled): say so, so nobody
    wonders why their table does not appear."""
    described = {PurePosixPath(r["path"]).as_posix() for r in desc["resources"]}
    return [Problem(p.name, 0, None, None,
                    "is not described in datapackage.json: it is not loaded, and the bundle leaves it out "
                    "(add a resource for it, or move it out of the data folder)")
            for p in sorted(folder.glob("*.csv")) if p.name not in described]


def iter_problems_text(problems: Iterable[Problem]) -> str:
    """Problems as lines of text, for the command line."""
    return "\n".join(str(p) for p in problems)


# ---------------------------------------------------------------------------- the reference row

@dataclass(frozen=True)
class Reference:
    """The reference article as ``sources.csv`` names it."""

    title: str
    publisher: str
    author: str
    url: str


def reference(data: str | os.PathLike[str] | None = None) -> Reference:
    """The reference article: the seed row of kind ``encyclopedia`` in ``sources.csv``.

    Read with the csv module (not pandas) so that a handout rebuild stays light.
    """
    path = data_dir(data) / "sources.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("origin") == "seed" and row.get("kind") == "encyclopedia":
                return Reference(row["title"], row["publisher"], row["author"], row["url"])
    raise LookupError(f"{path}: no row with origin 'seed' and kind 'encyclopedia' (the reference article)")
