"""The data package: its descriptor (``datapackage.json``) and the CSV text of each table.

Reads and checks the descriptor itself, and reads a table's CSV into rows of strings with their
line numbers; :mod:`summit_lessons.schema` checks those rows against the Table Schema and
:mod:`summit_lessons.loader` types them.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from .locations import data_dir, package_dir

__all__ = ["DataError", "Problem", "data_dir", "descriptor", "table_names"]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def _require_folder(folder: Path) -> None:
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise DataError([Problem(str(folder), 0, None, None, f"{what}: give the data folder (with datapackage.json and the CSV files)")])

