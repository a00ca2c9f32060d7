"""The ``summit-lessons`` command line."""
from __future__ import annotations

import argparse
import shutil
import sys
from importlib import resources
from pathlib import Path

__all__ = ["main", "notebooks_dir"]


def notebooks_dir() -> Path:
    """The lesson notebooks shipped inside the package."""
    return Path(str(resources.files("summit_lessons") / "notebooks"))


def _validate(args: argparse.Namespace) -> int:
    from .data import table_names, validate

    problems = validate(args.dir)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found in {args.dir or 'the packaged data'}",
              file=sys.stderr)
        return 1
    print(f"ok: {len(table_names(args.dir))} tables in {args.dir or 'the packaged data'} are valid")
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    dest = Path(args.dest)
    src = notebooks_dir()
    names = sorted(p.name for p in src.glob("*.ipynb"))
    if not names:
        print(f"error: no notebooks found in {src}", file=sys.stderr)
        return 1
    clashes = [n for n in names if (dest / n).exists()]
    if clashes and not args.force:
        print(f"error: {dest / clashes[0]} already exists (use --force to overwrite)", file=sys.stderr)
        return 1
    dest.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copyfile(src / n, dest / n)
    print(f"copied {len(names)} notebooks to {dest}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="summit-lessons", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a data folder and print every problem")
    p.add_argument("dir", nargs="?", default=None, help="data folder (default: the packaged data)")
    p.set_defaults(func=_validate)

    p = sub.add_parser("notebooks", help="copy the lesson notebooks to a folder")
    p.add_argument("dest", help="folder to copy the notebooks into")
    p.add_argument("--force", action="store_true", help="overwrite notebooks already there")
    p.set_defaults(func=_notebooks)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
