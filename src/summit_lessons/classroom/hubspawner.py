"""The classroom hub's spawner: each user's server runs as that user's own system account.

:class:`SummitSpawner` is JupyterHub's ``LocalProcessSpawner`` (the hub runs as root and the
child drops to the user's uid, gid and groups before it starts) with three changes:

- the account is ``<prefix><name>`` (:func:`summit_lessons.classroom.hubauth.account_name`), made on the
  first start if the sign-in did not make it already, its home under ``home_base``;
- students run the student environment and teachers the teacher one (``envs``); members of the
  hub's ``teachers`` group are put in the ``<prefix>teachers`` system group, which alone may open
  the teacher environment;
- the server gets a clean environment (no variable of the hub's own: no token, no password),
  and copies its lessons itself, as the user, before JupyterLab starts
  (``python -m summit_lessons.classroom.hub``), so nothing runs as root inside a user's home.
"""
from __future__ import annotations

import asyncio
import random
import socket
from pathlib import Path
from typing import Any

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Dict, Unicode, default

from .hub import edition_for
from .hubaccounts import ensure_account, ensure_group, set_teacher, teachers_group
from .hubauth import account_name, user_prefix
from .hubenv import server_path

__all__ = ["SummitSpawner", "SERVER_PORTS", "free_server_port"]

#: The ports users' servers listen on: below Linux's range for ephemeral ports (32768–60999), from
#: which JupyterHub's own choice comes and where every kernel takes five. A port chosen there is
#: free when chosen but may be taken by a kernel before the server binds it (at 30 students at
#: once, one run in two lost a student that way).
SERVER_PORTS = range(20000, 30000)


def free_server_port(taken: set[int]) -> int:
    """A port of :data:`SERVER_PORTS` that is not in ``taken`` and that nothing listens on now."""
    for _ in range(500):
        port = random.choice(SERVER_PORTS)
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("", port))
            except OSError:
                continue  # another program's
        return port
    raise RuntimeError(f"no free port from {SERVER_PORTS.start} to {SERVER_PORTS.stop - 1} for a user's server")


class SummitSpawner(LocalProcessSpawner):
    """One system account per hub user; the student or teacher environment by group."""

    prefix = Unicode(config=True, help="Prefix of the system accounts (SUMMIT_HUB_USER_PREFIX, default jupyter-).")
    home_base = Unicode("/home", config=True, help="The folder that holds the users' homes.")
    envs = Dict(config=True, help="The Python environment (a venv folder) of each edition: student, teacher.")
    library_path = Unicode("", config=True, help="LD_LIBRARY_PATH for the servers (a copied interpreter's lib).")

    #: Ports handed to this hub's servers and not yet released (a class-wide set: one hub process).
    _ports_in_use: set[int] = set()
    _picked_port = 0

    @default("prefix")
    def _default_prefix(self) -> str:
        return user_prefix()

    @property
    def account(self) -> str:
        return account_name(self.user.name, self.prefix)

    @property
    def edition(self) -> str:
        return edition_for(g.name for g in self.user.groups)

    def _env_dir(self) -> Path:
        try:
            return Path(self.envs[self.edition])
        except KeyError:
            raise RuntimeError(f"SummitSpawner.envs has no {self.edition} environment") from None

    def make_preexec_fn(self, name: str) -> Any:
        return set_user_setuid(self.account)

    def user_env(self, env: dict[str, str]) -> dict[str, str]:
        import pwd

        entry = pwd.getpwnam(self.account)
        env.update(USER=self.account, LOGNAME=self.account, HOME=entry.pw_dir, SHELL=entry.pw_shell or "/bin/bash")
        return env

    def get_env(self) -> dict[str, str]:
        env = super().get_env()
        venv = self._env_dir()
        # Nothing from the hub's PATH or Python settings: the server sees its own environment only.
        for key in ("PYTHONPATH", "LD_LIBRARY_PATH", "CONDA_DEFAULT_ENV", "CONDA_ROOT", "PYTHONHOME"):
            env.pop(key, None)
        env["PATH"] = server_path(venv)  # its kernels get the system's folders back (hubenv.set_kernel_path)
        env["VIRTUAL_ENV"] = str(venv)
        if self.library_path:
            env["LD_LIBRARY_PATH"] = self.library_path
        return env

    async def start(self) -> Any:
        prefix = self.prefix
        home = Path(self.home_base) / self.account
        group = teachers_group(prefix)
        teacher = self.edition == "teacher"

        def prepare() -> None:
            ensure_group(group)
            ensure_account(self.account, home)
            set_teacher(self.account, group, teacher)

        await asyncio.to_thread(prepare)
        if self.port in (0, self._picked_port):  # not set by the hub's config: ours to choose, each start anew
            self.port = self._picked_port = free_server_port(SummitSpawner._ports_in_use)
            SummitSpawner._ports_in_use.add(self.port)
        venv = self._env_dir()
        # The server copies the lessons itself, as its user, then becomes jupyterhub-singleuser.
        self.cmd = [str(venv / "bin" / "python"), "-m", "summit_lessons.classroom.hub", "--edition", self.edition, "--",
                    str(venv / "bin" / "jupyterhub-singleuser")]
        try:
            return await super().start()
        except BaseException:
            self._release_port()
            raise

    async def stop(self, now: bool = False) -> None:
        try:
            await super().stop(now=now)
        finally:
            self._release_port()

    def _release_port(self) -> None:
        SummitSpawner._ports_in_use.discard(self._picked_port)
