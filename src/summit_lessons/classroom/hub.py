"""JupyterHub's side of the lessons: each user's own copy, made by their own server as it starts.

The classroom hub (``deploy/jupyterhub/``) starts every single-user server as
``python -m summit_lessons.classroom.hub --edition student|teacher -- jupyterhub-singleuser``, already
running as the user's own account: this writes the edition into ``~/summit-lessons/`` with
:func:`summit_lessons.publish.editions.copy_edition` (a notebook the user changed is kept, an untouched
one brought up to date, a deleted one restored), then replaces itself with the server. The copy
never runs as root, so a link a learner plants in their folder can reach only what they could
reach anyway. A copy that fails (a full disk, a folder in the way) is reported in the server's
log and the server starts all the same.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable

__all__ = ["LESSONS_FOLDER", "TEACHERS_GROUP", "edition_for", "lesson_map_url", "copy_lessons", "main"]

#: The folder in each home that holds the lessons (the same name `summit-lessons start` uses).
LESSONS_FOLDER = "summit-lessons"
#: Members of this JupyterHub group get the teacher edition.
TEACHERS_GROUP = "teachers"


def edition_for(groups: Iterable[str]) -> str:
    """``teacher`` for members of the teachers group, else ``student``."""
    return "teacher" if TEACHERS_GROUP in set(groups) else "student"


def lesson_map_url() -> str:
    """The single-user server's first page: the lesson map in the user's copy."""
    return f"/lab/tree/{LESSONS_FOLDER}/00_start_here.ipynb"


def copy_lessons(home: str | os.PathLike[str], edition: str) -> str:
    """Copy ``edition`` into ``home``/summit-lessons as the current user; one line saying what happened."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # The hub never starts a server as root; refuse rather than write into a home as root.
        return "summit_lessons: not copying the lessons as root"
    from ..publish.editions import copy_edition

    dest = Path(home) / LESSONS_FOLDER
    try:
        report = copy_edition(dest, edition)
    except (OSError, ValueError) as err:
        return f"summit_lessons: the lessons could not be copied into {dest}: {err}"
    return (f"summit_lessons: {edition} edition in {dest} ({len(report.written)} written, "
            f"{len(report.unchanged)} unchanged, {len(report.kept)} kept)")


def main(argv: list[str] | None = None) -> None:
    """``python -m summit_lessons.classroom.hub --edition E -- CMD ...``: copy the lessons, then exec CMD."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 4 or args[0] != "--edition" or args[2] != "--":
        sys.exit("usage: python -m summit_lessons.classroom.hub --edition student|teacher -- COMMAND [ARGS...]")
    edition, cmd = args[1], args[3:]
    if edition not in ("student", "teacher"):
        sys.exit(f"unknown edition {edition!r}: use student or teacher")
    print(copy_lessons(os.environ.get("HOME") or os.path.expanduser("~"), edition), file=sys.stderr, flush=True)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
