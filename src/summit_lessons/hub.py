"""JupyterHub's side of the lessons: each user's own copy, made when their server starts.

``deploy/jupyterhub/jupyterhub_config.py`` sets :func:`copy_lessons_hook` as the spawner's
``pre_spawn_hook``. On a user's first start it writes the student edition into
``~/summit-lessons/`` (the teacher edition for members of the ``teachers`` group) with
:func:`summit_lessons.editions.copy_edition`; on later starts it brings untouched notebooks up
to date and never overwrites one the user changed.
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Iterable

__all__ = ["LESSONS_FOLDER", "TEACHERS_GROUP", "edition_for", "copy_lessons_hook", "lesson_map_url"]

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


def _home(spawner: Any) -> Path:
    # SimpleLocalProcessSpawner and the z2jh-style spawners with a home template expose home_dir;
    # LocalProcessSpawner runs as the system user, whose home the system knows.
    home = getattr(spawner, "home_dir", None)
    return Path(home) if home else Path(os.path.expanduser(f"~{spawner.user.name}"))


async def copy_lessons_hook(spawner: Any) -> None:
    """``Spawner.pre_spawn_hook``: the user's edition of the lessons, copied into their home."""
    from .editions import copy_edition

    edition = edition_for(g.name for g in spawner.user.groups)
    dest = _home(spawner) / LESSONS_FOLDER
    # In a thread: a class logging in at once must not stall the hub's event loop.
    report = await asyncio.to_thread(copy_edition, dest, edition)
    spawner.log.info("summit_lessons: %s edition for %s in %s (%d written, %d unchanged, %d kept)",
                     edition, spawner.user.name, dest, len(report.written), len(report.unchanged),
                     len(report.kept))
