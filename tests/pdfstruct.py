"""Read a tagged PDF back with pikepdf: its structure tree, outline and document settings.

Shared by the print tests and usable by hand: ``python tests/pdfstruct.py FILE.pdf`` prints a summary.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Structure:
    """What a reader of the PDF's tags gets: every element in reading order, with its alt text."""

    lang: str | None
    title: str | None
    display_doc_title: bool
    marked: bool
    elements: list[tuple[str, str | None]] = field(default_factory=list)  # (role, /Alt) in order
    tables: list[list[str]] = field(default_factory=list)  # the roles of each table's cells
    outline: list[tuple[int, str]] = field(default_factory=list)  # (depth, title)
    pages: int = 0

    @property
    def counts(self) -> Counter:
        return Counter(role for role, _ in self.elements)

    @property
    def headings(self) -> list[int]:
        return [int(r[1]) for r, _ in self.elements if len(r) == 2 and r[0] == "H" and r[1].isdigit()]

    @property
    def figures(self) -> list[str | None]:
        return [alt for role, alt in self.elements if role == "Figure"]

    def summary(self) -> str:
        c = self.counts
        heads = " ".join(f"H{i}={c[f'H{i}']}" for i in range(1, 7) if c[f"H{i}"])
        with_alt = sum(1 for a in self.figures if a)
        return (f"pages {self.pages}; tagged {self.marked}; /Lang {self.lang}; title {self.title!r} "
                f"(shown: {self.display_doc_title}); headings {heads}; figures {len(self.figures)} "
                f"({with_alt} with alt); tables {c['Table']} (TH {c['TH']}, TD {c['TD']}); "
                f"lists {c['L']} (LI {c['LI']}); links {c['Link']}; bookmarks {len(self.outline)}")


def read(path: str | Path) -> Structure:
    import pikepdf

    with pikepdf.open(path) as pdf:
        root = pdf.Root
        prefs = root.get("/ViewerPreferences")
        mark = root.get("/MarkInfo")
        s = Structure(lang=str(root.Lang) if "/Lang" in root else None,
                      title=str(pdf.docinfo.Title) if "/Title" in pdf.docinfo else None,
                      display_doc_title=bool(prefs is not None and prefs.get("/DisplayDocTitle", False)),
                      marked=bool(mark is not None and mark.get("/Marked", False)), pages=len(pdf.pages))
        role_map = {}
        tree = root.get("/StructTreeRoot")
        if tree is not None and "/RoleMap" in tree:
            role_map = {str(k)[1:]: str(v)[1:] for k, v in tree.RoleMap.items()}

        def walk(node: Any, table: list[str] | None) -> None:
            if isinstance(node, pikepdf.Array):
                for k in node:
                    walk(k, table)
                return
            if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
                return
            role = str(node.S)[1:]
            role = role_map.get(role, role)
            s.elements.append((role, str(node.Alt) if "/Alt" in node else None))
            if role == "Table":
                table = []
                s.tables.append(table)
            elif role in ("TH", "TD") and table is not None:
                table.append(role)
            if "/K" in node:
                walk(node.K, table)

        if tree is not None and "/K" in tree:
            walk(tree.K, None)
        with pdf.open_outline() as outline:
            def visit(items: Any, depth: int) -> None:
                for item in items:
                    s.outline.append((depth, item.title))
                    visit(item.children, depth + 1)
            visit(outline.root, 0)
        return s


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {read(name).summary()}")
