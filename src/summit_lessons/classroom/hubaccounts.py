"""System accounts for the classroom hub, as The Littlest JupyterHub makes them.

Each hub user gets an unprivileged account of their own (``<prefix><name>``, see
:mod:`summit_lessons.classroom.hubauth`), made when their server first starts (right after the first sign-in) with ``useradd``: its own group, no
password, no sudo, a home that only it can open (mode 0700). Teachers are also members of the
system group ``<prefix>teachers``, the only group that may open the teacher environment.
Needs root (the hub runs as root; its users' servers never do).
"""
from __future__ import annotations

import grp
import os
import pwd
import signal
import subprocess
import threading
import time
from pathlib import Path

__all__ = ["AccountError", "teachers_group", "ensure_group", "ensure_account", "set_teacher", "remove_account",
           "remove_accounts"]

# Accounts below this uid belong to the system: never hand one to a hub user.
FIRST_UID = 1000
_lock = threading.Lock()


class AccountError(RuntimeError):
    """A system account could not be made or used; the message says which and why."""


def teachers_group(prefix: str) -> str:
    """The system group of teachers for accounts of ``prefix`` (``jupyter-teachers``)."""
    return f"{prefix}teachers"


def _run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise AccountError(f"{' '.join(argv)}: {(proc.stderr or proc.stdout).strip()}")


def ensure_group(name: str) -> int:
    """The gid of system group ``name``, made now if missing."""
    with _lock:
        try:
            return grp.getgrnam(name).gr_gid
        except KeyError:
            _run(["groupadd", "--system", name])
            return grp.getgrnam(name).gr_gid


def ensure_account(account: str, home: str | os.PathLike[str]) -> pwd.struct_passwd:
    """System account ``account`` with its home at ``home`` (mode 0700), made now if missing.

    An existing account is used only if it is an ordinary one (uid ≥ 1000) whose home is ``home``:
    a hub name must never open a system or someone else's account.
    """
    home = Path(home)
    with _lock:
        try:
            entry = pwd.getpwnam(account)
        except KeyError:
            home.parent.mkdir(parents=True, exist_ok=True)
            _run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", "--user-group",
                  "--comment", "summit-lessons hub user", "--key", "HOME_MODE=0700", account])
            entry = pwd.getpwnam(account)
    if entry.pw_uid < FIRST_UID or Path(entry.pw_dir) != home:
        raise AccountError(f"system account {account} exists but is not a hub account "
                           f"(uid {entry.pw_uid}, home {entry.pw_dir})")
    if not home.is_dir():  # a home removed by hand comes back, empty
        home.mkdir(mode=0o700, parents=True)
        os.chown(home, entry.pw_uid, entry.pw_gid)
    os.chmod(home, 0o700)
    return entry


def set_teacher(account: str, group: str, teacher: bool) -> None:
    """Put ``account`` in system group ``group`` (or take it out) to match the hub's teachers group."""
    members = grp.getgrnam(group).gr_mem
    if teacher and account not in members:
        _run(["gpasswd", "--add", account, group])
    elif not teacher and account in members:
        _run(["gpasswd", "--delete", account, group])


def _end_processes(uid: int, timeout: float = 10) -> None:
    """End every process running as ``uid``, each by its pid (SIGTERM, then SIGKILL)."""
    import psutil

    procs = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and uid in p.info["uids"]]
    for p in procs:
        try:
            p.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
    _gone, alive = psutil.wait_procs(procs, timeout=timeout)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=5)


def remove_account(account: str) -> None:
    """Remove ``account``, its processes and its home (for tests and for a class that is over)."""
    try:
        entry = pwd.getpwnam(account)
    except KeyError:
        return
    if entry.pw_uid < FIRST_UID:
        raise AccountError(f"refusing to remove system account {account} (uid {entry.pw_uid})")
    _end_processes(entry.pw_uid)
    for attempt in range(3):
        proc = subprocess.run(["userdel", "--remove", account], capture_output=True, text=True)
        # 12: the home could not be removed (already gone); 6: the account is gone
        if proc.returncode in (0, 6, 12):
            break
        time.sleep(1)
    else:
        raise AccountError(f"userdel {account}: {proc.stderr.strip()}")
    if Path(entry.pw_dir).exists():
        import shutil

        shutil.rmtree(entry.pw_dir, ignore_errors=True)


def remove_accounts(prefix: str) -> list[str]:
    """Remove every account named ``<prefix>…`` with uid ≥ 1000, and the ``<prefix>teachers`` group."""
    if not prefix or prefix == "jupyter-":
        raise AccountError("remove_accounts is for test prefixes only")
    removed = []
    for entry in pwd.getpwall():
        if entry.pw_name.startswith(prefix) and entry.pw_uid >= FIRST_UID:
            remove_account(entry.pw_name)
            removed.append(entry.pw_name)
    try:
        grp.getgrnam(teachers_group(prefix))
        _run(["groupdel", teachers_group(prefix)])
    except KeyError:
        pass
    return removed
