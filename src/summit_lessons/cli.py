"""The ``summit-lessons`` command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main", "notebooks_dir"]


from .locations import notebooks_dir


def _validate(args: argparse.Namespace) -> int:
    from .loader import table_names, validate

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
    from .editions import copy_edition

    report = copy_edition(args.dest, args.edition)
    print(f"{args.edition} edition in {report.dest}: {len(report.written)} written, "
          f"{len(report.unchanged)} already up to date, {len(report.kept)} changed by you and kept")
    for name in report.kept:
        print(f"  kept your changed {name} (delete it to get a fresh copy)")
    print(f"next: jupyter lab {report.dest}   (open 00_start_here.ipynb first)")
    return 0


def _handouts(args: argparse.Namespace) -> int:
    from .handouts import EDITIONS, BuildError, build

    editions = EDITIONS if args.edition == "both" else (args.edition,)
    try:
        notebooks = None
        if args.notebooks:
            from .lessons import notebook_paths

            notebooks = notebook_paths(args.notebooks)
            if not notebooks:
                print(f"error: no lesson notebooks (NN_name.ipynb) in {args.notebooks}", file=sys.stderr)
                return 1
        report = build(args.out, editions=editions, show_code=args.show_code, notebooks=notebooks,
                       cache_dir=None if args.no_cache else args.cache, jobs=args.jobs)
    except BuildError as exc:
        print(f"error: {exc}; the previous handouts in {args.out} are unchanged", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in report.files)
    print(f"wrote {len(report.files)} pages ({size / 1024:.0f} KiB) to {report.out} in {report.seconds:.1f} s "
          f"({len(report.executed)} executed, {len(report.cached)} from the cache); open {report.out / 'index.html'}")
    return 0


def _bundle(args: argparse.Namespace) -> int:
    from .bundle import bundle
    from .handouts import BuildError

    try:
        path = bundle(args.out, handouts_dir=args.handouts, cache_dir=args.cache)
    except (BuildError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


def _site(args: argparse.Namespace) -> int:
    from .litesite import SiteError, build_site, write_zip

    try:
        report = build_site(args.out, args.edition, cache=args.cache, tools=args.tools, force=args.force)
        zipped = write_zip(report.out, args.zip) if args.zip else None
    except (SiteError, OSError) as exc:
        print(f"error: {exc}; the previous site in {args.out} is unchanged", file=sys.stderr)
        return 1
    if report.unchanged:
        print(f"the {args.edition} site in {report.out} is up to date ({len(report.files)} files, "
              f"{report.size / 1e6:.1f} MB); --force rebuilds it")
    else:
        print(f"wrote the {args.edition} site to {report.out}: {len(report.files)} files, {report.size / 1e6:.1f} MB, "
              f"{len(report.packages)} Python packages, in {report.seconds:.1f} s "
              f"({len(report.downloaded)} files downloaded, the rest from the cache)")
    if zipped:
        print(f"wrote {zipped} ({zipped.stat().st_size / 1e6:.1f} MB)")
    print(f"serve it: python {report.out / 'serve.py'}   then open http://localhost:8000/")
    return 0


class _Parser(argparse.ArgumentParser):
    """Bad arguments get one line: what is wrong and how to get help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="summit-lessons", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check a data folder and print every problem")
    p.add_argument("dir", nargs="?", default=None, help="data folder (default: the packaged data)")
    p.set_defaults(func=_validate)

    p = sub.add_parser("notebooks", help="copy the lesson notebooks (student or teacher edition) to a folder")
    p.add_argument("dest", help="folder to copy the notebooks into")
    p.add_argument("--edition", choices=["student", "teacher"], default="student",
                   help="student (default): no solutions or instructor notes; teacher: everything")
    p.set_defaults(func=_notebooks)

    p = sub.add_parser("handouts", help="build the student and teacher HTML handouts and their index")
    p.add_argument("--out", default="build/handouts", help="output folder (default: build/handouts)")
    p.add_argument("--edition", choices=["student", "teacher", "both"], default="both",
                   help="which edition to build (default: both)")
    p.add_argument("--show-code", action="store_true", help="show code cells in the student edition too")
    p.add_argument("--jobs", type=int, default=None, help="notebooks executed at once (default: one per core)")
    p.add_argument("--notebooks", default=None, help="folder of lesson notebooks (default: the packaged lessons)")
    p.add_argument("--cache", default=".handouts-cache", help="cache folder (default: .handouts-cache)")
    p.add_argument("--no-cache", action="store_true", help="execute every notebook, ignoring the cache")
    p.set_defaults(func=_handouts)

    p = sub.add_parser("bundle", help="one zip for an offline classroom: handouts, notebooks and data")
    p.add_argument("--out", default="build/summit_lessons-offline.zip", help="zip file to write")
    p.add_argument("--handouts", default="build/handouts", help="where to build the handouts first")
    p.add_argument("--cache", default=".handouts-cache", help="handout cache folder")
    p.set_defaults(func=_bundle)

    p = sub.add_parser("site", help="the lessons as a JupyterLite site that runs in any browser, offline")
    p.add_argument("--out", default="build/site", help="output folder (default: build/site)")
    p.add_argument("--edition", choices=["student", "teacher"], default="student",
                   help="student (default): no solutions or instructor notes; teacher: everything")
    p.add_argument("--zip", default=None, metavar="FILE", help="also write the site as one zip, e.g. build/summit_lessons-site.zip")
    p.add_argument("--cache", default=None, help="download cache (default: build/lite-cache)")
    p.add_argument("--tools", default=None, help="environment with jupyterlite (default: .venv-lite)")
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    p.set_defaults(func=_site)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
