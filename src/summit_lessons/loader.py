"""Load the curated tables and validate them against ``datapackage.json``.

The Data Package descriptor is the single source of truth for every column's type and
constraints; this module only knows how to *apply* a Table Schema (plus three small
``summit:`` extensions for partial dates, time zones and ``;``-separated lists).

Data flows one way: CSV text -> checked rows of strings -> typed pandas DataFrame.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from dataclasses import dataclass
from datetime import date as _date, datetime as _datetime, timezone as _utc_tz
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .locations import DATA_ENV, data_dir, package_dir
from .ordering import order_problems
from ._lazy import lazy

# Imported by the first call that needs a table, not by the lessons' set-up cell.
pd = lazy("pandas")

__all__ = ["DataError", "Problem", "data_dir", "descriptor", "table_names", "load", "load_all", "validate", "overview"]


_DATE_FORMATS = {"year": r"^[0-9]{4}$", "month": r"^[0-9]{4}-[0-9]{2}$", "day": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or line) of one file."""

    file: str
    line: int
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file  # line 0: the file as a whole
        if self.column is not None:
            where += f', column "{self.column}"'
        if self.value is None:
            return f"{where}: {self.rule}"
        return f'{where}: "{self.value}" {self.rule}'


class DataError(ValueError):
    """The data folder breaks a rule. ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"... and {len(self.problems) - 20} more problems")
        super().__init__("\n".join(lines))


# ---------------------------------------------------------------------------- locating data

def _packaged_descriptor_path() -> Path:
    return package_dir() / "data" / "datapackage.json"


def descriptor(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The Data Package descriptor for a data folder (the packaged one when the folder has none).

    Raises :class:`DataError` (one line) when the descriptor is not valid JSON or lacks what the
    loader needs (``resources``, each with ``name``, ``path`` and ``schema.fields``).
    """
    folder = data_dir(path)
    own = folder / "datapackage.json"
    chosen = own if own.is_file() else _packaged_descriptor_path()
    try:
        st = chosen.stat()
    except OSError as exc:
        raise DataError([Problem("datapackage.json", 0, None, str(chosen), f"cannot be read: {exc.strerror or exc}")]) from None
    return _read_descriptor(str(chosen), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=8)
def _read_descriptor(path: str, size: int, mtime_ns: int) -> dict[str, Any]:
    # Keyed on size and modification time (like the CSV cache), so an edited descriptor is
    # read again without restarting the kernel.
    del size, mtime_ns
    try:
        # utf-8-sig: a byte-order mark (which some editors add) is accepted, as for the CSVs.
        with open(path, encoding="utf-8-sig") as fh:
            desc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise DataError([Problem("datapackage.json", exc.lineno, None, None,
                                 f"is not valid JSON: {exc.msg} (column {exc.colno})")]) from None
    except RecursionError:
        raise DataError([Problem("datapackage.json", 0, None, None,
                                 "is nested too deeply to be a Data Package descriptor (lists or objects "
                                 "thousands of levels deep)")]) from None
    except UnicodeDecodeError as exc:
        raise DataError([Problem("datapackage.json", 0, None, None,
                                 f"is not valid UTF-8 (byte {exc.start}): save it as UTF-8")]) from None
    except OSError as exc:
        raise DataError([Problem("datapackage.json", 0, None, path, f"cannot be read: {exc.strerror or exc}")]) from None
    problems = _check_descriptor(desc)
    if problems:
        raise DataError(problems)
    return desc


def _check_descriptor(desc: Any) -> list[Problem]:
    """What the loader needs from a descriptor, checked before any of it is used."""
    def bad(where: str, value: str | None, rule: str) -> Problem:
        return Problem("datapackage.json", 0, None, value, f"{where} {rule}" if where else rule)

    if not isinstance(desc, dict):
        return [bad("", None, "is not a JSON object: a Data Package descriptor is one")]
    resources = desc.get("resources")
    if not isinstance(resources, list) or not resources:
        return [bad("", None, 'has no "resources" list: it must describe at least one table')]
    problems: list[Problem] = []
    fields_of: dict[str, set[str]] = {}
    for i, r in enumerate(resources):
        name = r.get("name") if isinstance(r, dict) else None
        label = f'resource "{name}"' if isinstance(name, str) else f"resource {i + 1}"
        if not isinstance(name, str) or not name:
            problems.append(bad(label, None, 'has no "name"'))
            continue
        rpath = r.get("path")
        if not isinstance(rpath, str) or not rpath:
            problems.append(bad(label, None, 'has no "path" (the CSV file it describes)'))
        elif _outside_folder(rpath):
            problems.append(bad(label, rpath, "path leaves the data folder: a table must be a file inside it"))
        schema = r.get("schema")
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(schema, dict):
            problems.append(bad(label, None, 'has no "schema"'))
            continue
        if not isinstance(fields, list) or not fields or not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields):
            problems.append(bad(label, None, 'has no "schema.fields" list of named fields'))
            continue
        fields_of[name] = {f["name"] for f in fields}
        for f in fields:
            problems += _check_field(name, f, {g["name"] for g in fields}, bad)
    if problems:
        return problems
    for r in resources:
        for fk in r["schema"].get("foreignKeys", []) or []:
            try:
                mine = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
                other = fk["reference"]["resource"] or r["name"]
                theirs = fk["reference"]["fields"]
                theirs = theirs if isinstance(theirs, list) else [theirs]
            except (KeyError, TypeError):
                problems.append(bad(f'resource "{r["name"]}"', None,
                                    'has a foreign key without "fields" and "reference" {"resource", "fields"}'))
                continue
            problems += _check_key_target(r["name"], mine, other, theirs, fields_of, bad)
        for f in r["schema"]["fields"]:
            ref = f.get("summit:references")
            if ref is not None:
                if not isinstance(ref, dict) or "resource" not in ref or "field" not in ref:
                    problems.append(bad(f'resource "{r["name"]}" field "{f["name"]}"', None,
                                        'has "summit:references" without "resource" and "field"'))
                else:
                    problems += _check_key_target(r["name"], [f["name"]], ref["resource"], [ref["field"]], fields_of, bad)
    return problems


def _check_field(table: str, f: dict[str, Any], names: set[str], bad: Any) -> list[Problem]:
    """A field's constraints, checked in the descriptor before a row is read: each one names the field."""
    where = f'resource "{table}" field "{f["name"]}"'
    ftype = f.get("type", "string")
    c = f.get("constraints", {})
    if not isinstance(c, dict):
        return [bad(where, None, '"constraints" is not an object')]
    problems = []
    for limit in ("minimum", "maximum"):
        if limit in c and (not isinstance(c[limit], (int, float)) or isinstance(c[limit], bool)
                           or ftype not in ("number", "integer") or not math.isfinite(c[limit])):
            problems.append(bad(where, None, f'"{limit}" {json.dumps(c[limit])[:40]} must be a number, on a number '
                                             f'or integer field (write 5, not "5")'))
    if "enum" in c and (not isinstance(c["enum"], list) or not c["enum"]
                        or not all(isinstance(v, str) for v in c["enum"])):
        problems.append(bad(where, None, f'"enum" {json.dumps(c["enum"])[:60]} must be a list of the allowed values '
                                         'written as text (e.g. ["yes", "no"])'))
    if "pattern" in c:
        if not isinstance(c["pattern"], str):
            problems.append(bad(where, None, f'"pattern" {json.dumps(c["pattern"])[:60]} must be text (a regular expression)'))
        else:
            try:
                re.compile(c["pattern"], re.ASCII)
            except re.error as exc:
                problems.append(bad(where, None, f'"pattern" {json.dumps(c["pattern"])[:60]} is not a valid regular '
                                                 f"expression: {exc}"))
    for key in ("unique", "required"):
        if key in c and not isinstance(c[key], bool):
            problems.append(bad(where, None, f'"{key}" {json.dumps(c[key])[:40]} must be true or false'))
    t = f.get("summit:time")
    if t is not None and (not isinstance(t, dict) or not isinstance(t.get("date"), str) or not isinstance(t.get("timezone"), str)
                          or t["date"] not in names or t["timezone"] not in names):
        problems.append(bad(where, None, '"summit:time" must name its "date" and "timezone" columns of the same table'))
    if "summit:date" in f and not isinstance(f["summit:date"], str):  # its precision column, or "partial"
        problems.append(bad(where, None, '"summit:date" must name its precision column'))
    if "summit:not_before" in f and (not isinstance(f["summit:not_before"], str) or f["summit:not_before"] not in names):
        problems.append(bad(where, None, '"summit:not_before" must name a column of the same table'))
    if "summit:list" in f and (not isinstance(f["summit:list"], str) or len(f["summit:list"]) != 1):
        problems.append(bad(where, None, '"summit:list" must be one separator character'))
    if ftype == "boolean":
        for key in ("trueValues", "falseValues"):
            if key in f and not (isinstance(f[key], list) and all(isinstance(v, str) for v in f[key])):
                problems.append(bad(where, None, f'"{key}" must be a list of text values'))
    return problems


def _check_key_target(name: str, mine: list[Any], other: Any, theirs: list[Any],
                      fields_of: dict[str, set[str]], bad: Any) -> list[Problem]:
    where = f'resource "{name}" foreign key'
    problems = [bad(where, str(c), f'names a column that "{name}" does not have') for c in mine if c not in fields_of[name]]
    if other not in fields_of:
        return problems + [bad(where, str(other), "refers to a table the descriptor does not describe")]
    return problems + [bad(where, f"{other}.{c}", f'refers to a column that "{other}" does not have')
                       for c in theirs if c not in fields_of[other]]


def _outside_folder(rpath: str) -> bool:
    """True when a resource path is absolute, a URL or climbs out of the data folder."""
    if "://" in rpath or rpath.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rpath):
        return True
    return ".." in PurePosixPath(rpath.replace("\\", "/")).parts


def table_names(path: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of every table the descriptor describes, in descriptor order."""
    return [r["name"] for r in descriptor(path)["resources"]]


def _resource(desc: dict[str, Any], name: str) -> dict[str, Any]:
    for r in desc["resources"]:
        if r["name"] == name:
            return r
    known = ", ".join(r["name"] for r in desc["resources"])
    raise DataError([Problem("datapackage.json", 1, None, name, f"is not a table of this package (tables: {known})")])


# ---------------------------------------------------------------------------- reading text

@dataclass(frozen=True)
class _Rows:
    file: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number where the record starts, cells)


def _read_rows(folder: Path, resource: dict[str, Any]) -> _Rows:
    """Read a CSV exactly: strict UTF-8, strict quoting, one record per row, line numbers kept.

    Parsed files are cached on (path, size, modification time): the tables that others refer to
    (sources, people, events) are read once, not once per referring table.
    """
    fname = resource["path"]
    path = folder / fname
    if _outside_folder(fname) or not _inside(path, folder):
        raise DataError([Problem(fname, 0, None, fname, "leaves the data folder: refused (a table must be a file inside it)")])
    if path.is_dir():
        raise DataError([Problem(fname, 0, None, str(path), "is a folder, not a CSV file")])
    if path.exists() and not path.is_file():  # a named pipe would hang the reader, a device worse
        raise DataError([Problem(fname, 0, None, str(path), "is not a regular file (a named pipe, socket or device): "
                                                           "refused; put the CSV file itself there")])
    if not path.is_file():
        raise DataError([Problem(fname, 0, None, str(path), "is missing: the file does not exist")])
    st = path.stat()
    return _parse_rows(str(path), fname, st.st_size, st.st_mtime_ns)


def _inside(path: Path, folder: Path) -> bool:
    # Resolved, so a symbolic link inside the folder cannot lead out of it either.
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


#: The csv module refuses fields over 128 KiB by default; a long note is not an error, so the
#: limit is raised while a table is parsed (and restored: other code may rely on it).
_FIELD_LIMIT = 16 * 1024 * 1024


def _stray_quote_column(record: str, header: list[str]) -> str | None:
    """The column of the first double quote inside an *unquoted* field of one raw record.

    The csv module reads ``a"b`` as the text ``a"b``; a quote there is nearly always a field
    someone forgot to quote, so it is reported instead of silently kept.
    """
    i, col, n = 0, 0, len(record)
    while i < n:
        if record[i] == '"':  # quoted field: skip to its closing quote ("" is an escaped quote)
            i += 1
            while i < n:
                if record[i] == '"':
                    if i + 1 < n and record[i + 1] == '"':
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            while i < n and record[i] not in ",\r\n":
                i += 1
        else:
            while i < n and record[i] not in ",\r\n":
                if record[i] == '"':
                    return header[col] if col < len(header) else None
                i += 1
        if i < n and record[i] == ",":
            col += 1
        i += 1
    return None


@lru_cache(maxsize=64)
def _parse_rows(path_text: str, fname: str, size: int, mtime_ns: int) -> _Rows:
    del size, mtime_ns  # cache key only
    raw = Path(path_text).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        end = raw.find(b"\n", exc.start)
        row_text = raw[start: end if end >= 0 else len(raw)]
        cells = next(csv.reader([row_text.decode("utf-8", errors="replace")]), [])
        header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8", errors="replace")]), [])
        column = next((header[i] if i < len(header) else None for i, c in enumerate(cells) if "\ufffd" in c), None)
        bad = raw[exc.start:exc.end].hex(" ")
        raise DataError([Problem(fname, line, column, None,
                                 f"bytes {bad} are not valid UTF-8 (save the file as UTF-8)")]) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    previous_limit = csv.field_size_limit(_FIELD_LIMIT)
    try:
        return _parse_text(text, fname)
    finally:
        csv.field_size_limit(previous_limit)


def _parse_text(text: str, fname: str) -> _Rows:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    try:
        header = next(reader)
    except StopIteration:
        raise DataError([Problem(fname, 1, None, None, "is empty: a header row is required")]) from None
    except csv.Error as exc:
        raise DataError([Problem(fname, 1, None, None, f"is not valid CSV: {exc}")]) from None
    for col in header:  # NUL and friends are invisible in an editor: name them, or "person_id is missing" puzzles
        if _CONTROL.search(col):
            code = f"U+{ord(_CONTROL.search(col).group()):04X}"
            raise DataError([Problem(fname, 1, None, col.encode("unicode_escape").decode("ascii"),
                                     f"(a column name in the header row) holds an invisible control character "
                                     f"({code}): remove it")])
    for sep, said in ((";", "';'"), ("\t", "tabs")):
        if len(header) == 1 and sep in header[0]:
            raise DataError([Problem(fname, 1, None, None, f"this file uses {said} between fields; "
                                                          "save it as CSV with commas")])
    lines: list[str] | None = None  # raw lines, split only when a cell holds a quote
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                problems.append(Problem(fname, start, None, None,
                                        f"has a cell longer than {_FIELD_LIMIT // (1024 * 1024)} MiB: "
                                        "split the text or keep it outside the table"))
            else:
                problems.append(Problem(fname, start, None, None,
                                        f"is not valid CSV ({exc}): check for an unbalanced double quote"))
            break
        if not cells or cells == [""]:
            start = reader.line_num + 1
            continue
        if len(cells) != len(header):
            problems.append(Problem(fname, start, None, None,
                                    f"has {len(cells)} fields but the header has {len(header)} "
                                    "(a comma inside an unquoted field, or an unbalanced quote?)"))
        else:
            if any('"' in c for c in cells):
                lines = lines if lines is not None else text.splitlines(keepends=True)
                column = _stray_quote_column("".join(lines[start - 1:reader.line_num]), header)
                if column is not None:
                    problems.append(Problem(fname, start, column, cells[header.index(column)],
                                            "has a double quote inside an unquoted field: "
                                            'quote the whole field and double the quote ("")'))
            rows.append((start, dict(zip(header, cells))))
        start = reader.line_num + 1
    if problems:
        raise DataError(problems)
    return _Rows(fname, header, rows)


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
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
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


def _require_folder(folder: Path) -> None:
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise DataError([Problem(str(folder), 0, None, None, f"{what}: give the data folder (with datapackage.json and the CSV files)")])


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
        from .publish.credits import reference

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


def overview(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per table: its title, number of rows, columns and what it holds."""
    desc = descriptor(path)
    rows = []
    for r in desc["resources"]:
        df = load(r["name"], path)
        rows.append({"table": r["name"], "title": r.get("title", ""), "rows": len(df),
                     "columns": len(r["schema"]["fields"]), "holds": r.get("description", "")})
    return pd.DataFrame(rows).set_index("table")
