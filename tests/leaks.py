"""Find solution text in what a student can reach: a folder, a zip, a wheel, a site, archives inside them.

The needles come from the teacher notebooks, independently of ``editions.make_edition`` (so a
regression there cannot hide itself): distinctive pieces of every ``solution`` and ``instructor``
cell, and of every teacher-only answer block (``<details class="sl-answer">``) in stored outputs.
A piece is distinctive when it appears nowhere in what students are meant to see: the lessons'
other cells and outputs, the quiz and answer-check data, the data tables, the package's code and
the public README.

Every file is read, archives (zip, wheel, tar, gzip) are opened and read in turn; a file is
searched as it is, and, when it is HTML or JSON, as the text a reader sees (tags removed,
entities and JSON escapes decoded), so a rendered handout or an escaped notebook is searched too.
"""
from __future__ import annotations

import bz2
import gzip
import html
import io
import json
import lzma
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "summit_lessons"
HIDDEN = {"solution", "instructor"}
# Its own regex, not editions.TEACHER_ONLY_HTML: the test must not share the code it checks.
ANSWER_BLOCK = re.compile(r'<details class="sl-answer">.*?</details>', re.S)
#: The marker of a teacher-only block, in HTML and in JSON-escaped HTML.
BLOCK_MARKERS = (b'class="sl-answer"', b'class=\\"sl-answer\\"', b"class=&quot;sl-answer&quot;")
MIN_LEN = 24
# Markdown and HTML punctuation that rendering removes or changes: pieces are cut there.
_MD_CUTS = re.compile(r"[*_`#\[\]()|<>\n\\]+")


def _reader_text(text: str) -> str:
    """What a reader sees of HTML: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "\n", text))


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def views(name: str, payload: bytes) -> list[str]:
    """The texts a file is searched as: raw, reader's text of HTML, decoded JSON strings."""
    text = payload.decode("utf-8", errors="ignore")
    out = [text]
    if "<" in text:
        out.append(_reader_text(text))
    if name.endswith((".json", ".ipynb")) or text.lstrip()[:1] in ("{", "["):
        try:
            strings = "\n".join(_json_strings(json.loads(text)))
        except ValueError:
            strings = ""
        if strings:
            out += [strings, _reader_text(strings)]
    return out


def _pieces(text: str, code: bool) -> list[str]:
    parts = text.split("\n") if code else _MD_CUTS.split(text)
    return [p.strip() for p in parts if len(p.strip()) >= MIN_LEN]


@dataclass
class Needles:
    """Distinctive pieces of every teacher-only text, by where they come from."""

    by_source: dict[str, list[str]] = field(default_factory=dict)

    @property
    def all(self) -> list[str]:
        return sorted({n for ns in self.by_source.values() for n in ns})


def _teacher_only(notebooks: list[Path]) -> tuple[dict[str, tuple[str, bool]], str]:
    """({label: (text, is_code)} of teacher-only texts, the student-visible lesson text)."""
    hidden: dict[str, tuple[str, bool]] = {}
    visible: list[str] = []
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            label = f"{path.name} cell {cell.get('id', i)}"
            if HIDDEN & set(cell.get("metadata", {}).get("tags", [])):
                hidden[label] = (src, cell["cell_type"] == "code")
                continue
            visible.append(src)
            for out in cell.get("outputs", []):
                for mime, data in out.get("data", {}).items():
                    data = "".join(data) if isinstance(data, list) else data
                    if not isinstance(data, str):
                        data = json.dumps(data, ensure_ascii=False)
                    for j, block in enumerate(ANSWER_BLOCK.findall(data)):
                        hidden.setdefault(f"{label} answer block {j}", (_reader_text(block), False))
                    visible.append(ANSWER_BLOCK.sub("", data))
                visible.append("".join(out.get("text", "")))
        visible.append(json.dumps(nb.get("metadata", {}), ensure_ascii=False))
    return hidden, "\n".join(visible)


def needles(notebooks: list[Path] | None = None) -> Needles:
    """Distinctive pieces of each teacher-only text of ``notebooks`` (default: the lessons)."""
    notebooks = notebooks or sorted((PACKAGE / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    hidden, visible = _teacher_only(notebooks)
    legit = [visible, _reader_text(visible)]
    for p in sorted(PACKAGE.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".json", ".csv", ".css", ".j2"):
            legit += views(p.name, p.read_bytes())
    # The public README (the wheel's METADATA carries it) may cite what an instructor note cites.
    legit.append((ROOT / "README.md").read_text(encoding="utf-8"))
    allowed = "\n".join(legit)
    found = Needles()
    for label, (text, code) in hidden.items():
        found.by_source[label] = [n for n in _pieces(text, code) if n not in allowed]
    return found


@dataclass
class Hit:
    where: str
    needle: str


def _members(name: str, payload: bytes) -> Iterator[tuple[str, bytes]]:
    """The files inside an archive (recursively), or nothing when ``payload`` is no archive."""
    if payload[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(payload)) as zf:
                for info in zf.infolist():
                    if not info.is_dir():
                        yield f"{name}!{info.filename}", zf.read(info)
            return
        except zipfile.BadZipFile:
            return
    for opener in (gzip.decompress, bz2.decompress, lzma.decompress):
        if (opener is gzip.decompress and payload[:2] == b"\x1f\x8b") or \
           (opener is bz2.decompress and payload[:3] == b"BZh") or \
           (opener is lzma.decompress and payload[:6] == b"\xfd7zXZ\x00"):
            inner = opener(payload)
            if _is_tar(inner):
                yield from _tar_members(name, inner)
            else:
                yield f"{name}!", inner
            return
    if _is_tar(payload):
        yield from _tar_members(name, payload)


def _is_tar(payload: bytes) -> bool:
    return len(payload) > 262 and payload[257:262] == b"ustar"


def _tar_members(name: str, payload: bytes) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(payload)) as tf:
        for m in tf.getmembers():
            if m.isfile():
                yield f"{name}!{m.name}", tf.extractfile(m).read()  # type: ignore[union-attr]


@dataclass
class Scan:
    """What :func:`scan` read and found."""

    files: int = 0
    archives: int = 0
    names: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)


def _scan_one(name: str, payload: bytes, needles_: list[str], scan: Scan) -> None:
    scan.files += 1
    scan.names.append(name)
    inner = list(_members(name, payload))
    if inner:
        scan.archives += 1
        for sub, data in inner:
            _scan_one(sub, data, needles_, scan)
        return
    # The code that writes the block names it (source and byte code); a page or notebook must not hold one.
    if not name.endswith((".py", ".pyc")) and any(m in payload for m in BLOCK_MARKERS):
        scan.hits.append(Hit(name, '<details class="sl-answer">'))
    texts = views(name, payload)
    for n in needles_:
        if any(n in t for t in texts):
            scan.hits.append(Hit(name, n))


def scan(target: Path, needles_: list[str]) -> Scan:
    """Read every file under ``target`` (a folder or one file), archives included, for ``needles_``."""
    result = Scan()
    files = [target] if target.is_file() else sorted(p for p in target.rglob("*") if p.is_file())
    for p in files:
        _scan_one(p.relative_to(target.parent if target.is_file() else target).as_posix(),
                  p.read_bytes(), needles_, result)
    return result
