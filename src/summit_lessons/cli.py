"""summit-lessons: the Anchorage summit lessons from the command line.

New here? Run: summit-lessons start
It copies the lessons into a folder of your own (summit-lessons/) and opens
JupyterLab on the lesson map.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

__all__ = ["main", "notebooks_dir"]


from .locations import cache_dir, notebooks_dir


def _validate(args: argparse.Namespace) -> int:
    from .loader import table_names, validate
    from .locations import DATA_ENV, data_dir

    problems = validate(args.dir)
    # Name the folder actually checked: the argument, $SUMMIT_LESSONS_DATA, or the packaged copy.
    where = args.dir or os.environ.get(DATA_ENV) or "the packaged data"
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found in {where}", file=sys.stderr)
        return 1
    print(f"ok: {len(table_names(data_dir(args.dir)))} tables in {where} are valid")
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    from .publish.editions import copy_edition

    try:
        report = copy_edition(args.dest, args.edition)
    except OSError as exc:  # e.g. DEST is a file, or not writable: one line, nothing half-written
        print(f"error: cannot write the notebooks to {args.dest}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{args.edition} edition in {report.dest}: {len(report.written)} written, "
          f"{len(report.unchanged)} already up to date, {len(report.kept)} changed by you and kept")
    for name in report.kept:
        print(f"  kept your changed {name} (delete it to get a fresh copy)")
    if report.blocked:
        print(f"error: could not write {', '.join(report.blocked)} in {report.dest}: something that is not a "
              f"notebook file (a folder or a link) has that name; rename it and run this again", file=sys.stderr)
        return 1
    print(f"next: summit-lessons start {report.dest}{'' if args.edition == 'student' else ' --edition teacher'}"
          f"   (or: jupyter lab {report.dest}, then open 00_start_here.ipynb)")
    return 0


def _start(args: argparse.Namespace) -> int:
    from .classroom.lab import LabError, start

    try:
        # A teacher presenting gets the teacher edition (speaker notes, folded answers) unless told.
        edition = args.edition or ("teacher" if args.present else "student")
        return start(args.dir, edition, port=args.port, open_browser=not args.no_browser,
                     say=lambda line: print(line, flush=True), present=args.present)
    except LabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _handouts(args: argparse.Namespace) -> int:
    from .publish.handouts import EDITIONS, BuildError, build
    from .publish.outputs import OutputError

    editions = EDITIONS if args.edition == "both" else (args.edition,)
    had_handouts = False
    try:
        notebooks = None
        if args.notebooks:
            from .lessons import notebook_paths

            notebooks = notebook_paths(args.notebooks)
            if not notebooks:
                print(f"error: no lesson notebooks (NN_name.ipynb) in {args.notebooks}", file=sys.stderr)
                return 1
        # Known before the build starts: whether there are previous handouts for it to leave alone.
        had_handouts = (Path(args.out) / "index.html").is_file()
        pdf_missing = None
        if args.pdf:
            from .publish.pdf import pdf_unavailable

            pdf_missing = pdf_unavailable()  # said in one line after the HTML is built
        report = build(args.out, editions=editions, show_code=args.show_code, notebooks=notebooks,
                       cache_dir=None if args.no_cache else args.cache, jobs=args.jobs, timeout=args.timeout,
                       pdf=args.pdf and pdf_missing is None, paper=args.paper)
    except OutputError as exc:  # --out holds files no handouts build wrote: nothing touched
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (BuildError, OSError) as exc:
        text = str(exc) if isinstance(exc, BuildError) else f"{exc.strerror or exc} ({exc.filename})"
        kept = (f"the previous handouts in {args.out} are unchanged" if had_handouts
                else f"nothing was written to {args.out}")
        print(f"error: {text}; {kept}", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in report.files)
    pdfs = sum(f.suffix == ".pdf" for f in report.files)
    print(f"wrote {len(report.files) - pdfs} pages{f' and {pdfs} PDFs' if pdfs else ''} ({size / 1024:.0f} KiB) to {report.out} in {report.seconds:.1f} s "
          f"({len(report.executed)} executed, {len(report.cached)} from the cache); open {report.out / 'index.html'}")
    for note in report.notes:
        print(note)
    if pdf_missing or report.pdf_error:
        print(f"error: {pdf_missing or report.pdf_error}", file=sys.stderr)
        return 1
    return 0


def _bundle(args: argparse.Namespace) -> int:
    from .publish.bundle import bundle
    from .publish.handouts import BuildError
    from .loader import DataError
    from .publish.outputs import OutputError

    student = args.edition == "student"
    out = args.out or f"build/summit_lessons-offline{'-student' if student else ''}.zip"
    handouts = args.handouts or ("build/handouts-student" if student else "build/handouts")
    notes: list[str] = []
    try:
        if args.pdf:
            from .publish.pdf import pdf_unavailable

            why = pdf_unavailable()
            if why:
                print(f"error: {why}", file=sys.stderr)
                return 1
        path = bundle(out, handouts_dir=handouts, cache_dir=args.cache, pdf=args.pdf, edition=args.edition,
                      site_dir=None if args.no_site else args.site,
                      notes=notes)
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (BuildError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write the bundle {out}: {exc.strerror or exc}"
              + (f" ({exc.filename})" if exc.filename else ""), file=sys.stderr)
        return 1
    for note in notes:
        print(note)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


def _port(text: str) -> int:
    """A TCP port: 1 to 65535 (a larger number would wrap round, 0 or less means none)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: give a number from 1 to 65535")
    return value


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too short: give at least 1 second")
    return value


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Each command on one line of an 80-column terminal: name, then what it does."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=16, width=min(shutil.get_terminal_size().columns, 100) - 2)

    def _format_action(self, action: argparse.Action) -> str:
        # The COMMAND placeholder line above the list of commands says nothing: skip it.
        if isinstance(action, argparse._SubParsersAction):
            return "".join(self._format_action(a) for a in action._get_subactions())
        return super()._format_action(action)


def _site(args: argparse.Namespace) -> int:
    from .publish.litesite import SiteError, SiteRefused, build_site, write_zip, zip_target

    try:
        if args.zip:
            zip_target(args.zip)  # refused before the build, not after
        report = build_site(args.out, args.edition, cache=args.cache, tools=args.tools, force=args.force)
        zipped = write_zip(report.out, args.zip) if args.zip else None
    except SiteRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
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
    cache = str(cache_dir())
    parser = _Parser(prog="summit-lessons", description=__doc__,
                     formatter_class=_Formatter,
                     epilog="Run summit-lessons COMMAND --help for the options of a command.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", parser_class=_Parser)

    p = sub.add_parser("start", help="copy the lessons into a folder of yours and open JupyterLab",
                       description="Copy the lessons (student edition unless told) into DIR, never overwriting "
                                   "a notebook you changed, and start JupyterLab there on the lesson map.")
    p.add_argument("dir", nargs="?", default="summit-lessons", metavar="DIR",
                   help="your lessons folder (default: summit-lessons in the current folder)")
    p.add_argument("--edition", choices=["student", "teacher"], default=None,
                   help="student (default): no solutions or instructor notes; teacher: everything "
                        "(the default with --present)")
    p.add_argument("--present", metavar="LESSON", default=None,
                   help="open LESSON (e.g. 02 or 02_summit_day) straight into its live slides (RISE)")
    p.add_argument("--port", type=_port, default=None, help="port on 127.0.0.1 (default: the first free from 8888)")
    p.add_argument("--no-browser", action="store_true", help="print the address but do not open a browser")
    p.set_defaults(func=_start)

    p = sub.add_parser("notebooks", help="copy the lessons (student or teacher edition) into a folder")
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
    p.add_argument("--cache", default=cache, help=f"cache folder (default: {cache})")
    p.add_argument("--no-cache", action="store_true", help="execute every notebook, ignoring the cache")
    p.add_argument("--timeout", type=_seconds, default=180, metavar="SECONDS",
                   help="longest one notebook cell may run before the build stops (default: 180)")
    p.add_argument("--pdf", action="store_true",
                   help="also a PDF beside every page and one per edition, printed by Chromium (apt-get install chromium)")
    p.add_argument("--paper", choices=["a4", "letter"], default="a4", help="paper size of the PDFs (default: a4)")
    p.set_defaults(func=_handouts)

    p = sub.add_parser("bundle", help="one zip for an offline classroom: handouts, notebooks, data (teacher edition unless told)")
    p.add_argument("--edition", choices=["student", "teacher"], default="teacher",
                   help="teacher (default): both handout editions, the key and every cell; student: student "
                        "handouts, notebooks and package, no key, and the student JupyterLite site")
    p.add_argument("--out", default=None, help="zip file to write (default: build/summit_lessons-offline.zip, "
                                               "build/summit_lessons-offline-student.zip for --edition student)")
    p.add_argument("--handouts", default=None, help="where to build the handouts first "
                                                    "(default: build/handouts, build/handouts-student)")
    p.add_argument("--site", default="build/site", help="where the student bundle's site is built (default: build/site)")
    p.add_argument("--no-site", action="store_true", help="leave the JupyterLite site out of the student bundle "
                                                          "(building it needs a clone with make lite-tools)")
    p.add_argument("--cache", default=cache, help=f"handout cache folder (default: {cache})")
    p.add_argument("--pdf", action="store_true", help="include the PDFs of every handout (needs Chromium)")
    p.set_defaults(func=_bundle)

    p = sub.add_parser("validate", help="check a data folder and print every problem")
    p.add_argument("dir", nargs="?", default=None, help="data folder (default: the packaged data)")
    p.set_defaults(func=_validate)


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


def _resolve_data_env() -> None:
    """A relative $SUMMIT_LESSONS_DATA means relative to where the command was typed; the kernels
    that execute the lessons run in the notebooks' folder, so the path is made absolute once, here."""
    from .locations import DATA_ENV

    value = os.environ.get(DATA_ENV)
    if value and not os.path.isabs(value):
        os.environ[DATA_ENV] = os.path.abspath(os.path.expanduser(value))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _resolve_data_env()
    if args.command is None:  # a bare `summit-lessons`: the help, not an error
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
