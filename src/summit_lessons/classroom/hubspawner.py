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
from pathlib import Path
from typing import Any

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Dict, Unicode, default

from .hub import edition_for
from .hubaccounts import ensure_account, ensure_group, set_teacher, teachers_group
from .hubauth import account_name, user_prefix

__all__ = ["SummitSpawner"]


class SummitSpawner(LocalProcessSpawner):
    """One system account per hub user; the student or teacher environment by group."""

    prefix = Unicode(config=True, help="Prefix of the system accounts (SUMMIT_HUB_USER_PREFIX, default jupyter-).")
    home_base = Unicode("/home", config=True, help="The folder that holds the users' homes.")
    envs = Dict(config=True, help="The Python environment (a venv folder) of each edition: student, teacher.")
    library_path = Unicode("", config=True, help="LD_LIBRARY_PATH for the servers (a copied interpreter's lib).")

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
        env["PATH"] = f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin"
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
        venv = self._env_dir()
        # The server copies the lessons itself, as its user, then becomes jupyterhub-singleuser.
        self.cmd = [str(venv / "bin" / "python"), "-m", "summit_lessons.classroom.hub", "--edition", self.edition, "--",
                    str(venv / "bin" / "jupyterhub-singleuser")]
        return await super().start()
