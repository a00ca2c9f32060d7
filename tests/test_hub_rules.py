"""The hub's rules without a running hub: the sign-in name rule, the passwords, the throttle, and
the lessons' copy into a learner's folder (links planted there, damaged manifests)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("jupyterhub", reason="the hub extra is not installed (make installs it for make test)")

from summit_lessons.publish.editions import MANIFEST, copy_edition  # noqa: E402
from summit_lessons.classroom.hub import copy_lessons  # noqa: E402
from summit_lessons.classroom.hubauth import (NameRefused, SignInThrottle, account_name, check_passwords,  # noqa: E402
                                    normalize_name, user_prefix)

pytestmark = pytest.mark.hub


@pytest.mark.parametrize("typed, name", [
    ("alice", "alice"), ("Alice", "alice"), ("ａｌｉｃｅ", "alice"), ("  bob ", "bob"), ("ms-kuznetsova", "ms-kuznetsova"),
    ("a_b-c9", "a_b-c9"), ("x" * 23, "x" * 23), ("ＡＬＩＣＥ", "alice"),
])
def test_names_are_normalised_to_one_account(typed, name):
    assert normalize_name(typed) == name
    assert account_name(name, "jupyter-") == f"jupyter-{name}"
    assert len(account_name(name, "jupyter-")) <= 32  # a Linux user name's limit


@pytest.mark.parametrize("typed, says", [
    ("", "Type a user name"), ("x" * 24, "at most 23 characters (this one has 24)"),
    ("x" * 300, "this one has 300"), ("ali\nce", "control or invisible"), ("ali\x00ce", "control or invisible"),
    ("a\u200bb", "control or invisible"), ("алиса", "starts with a letter"), ("bob smith", "starts with a letter"),
    ("9lives", "starts with a letter"), ("../etc", "starts with a letter"), ("é", "starts with a letter"),
    ("_x", "starts with a letter"),
])
def test_names_that_cannot_be_accounts_are_refused_with_a_reason(typed, says):
    with pytest.raises(NameRefused, match=None) as refused:
        normalize_name(typed)
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)


def test_two_different_names_never_share_an_account():
    names = ["alice", "alice-", "alice_", "alicea", "ms-k", "msk", "ms_k"]
    assert len({account_name(n, "jupyter-") for n in names}) == len(names)


def test_the_prefix_comes_from_the_environment_and_is_checked(monkeypatch):
    monkeypatch.setenv("SUMMIT_HUB_USER_PREFIX", "sltest-")
    assert account_name("ana") == "sltest-ana"
    monkeypatch.setenv("SUMMIT_HUB_USER_PREFIX", "Bad Prefix")
    with pytest.raises(ValueError, match="SUMMIT_HUB_USER_PREFIX"):
        user_prefix()
    monkeypatch.delenv("SUMMIT_HUB_USER_PREFIX")
    assert user_prefix() == "jupyter-"


@pytest.mark.parametrize("student, teacher, says", [
    ("students1", "x", "SUMMIT_HUB_TEACHER_PASSWORD needs at least 8"),
    ("students1", " " * 10, "SUMMIT_HUB_TEACHER_PASSWORD needs at least 8"),
    ("short", "teachers-pass", "SUMMIT_HUB_PASSWORD needs at least 8"),
    ("same-password", "same-password", "must differ"),
])
def test_unusable_passwords_are_named_in_one_line(student, teacher, says):
    problem = check_passwords(student, teacher)
    assert problem is not None and says in problem and "\n" not in problem


def test_usable_passwords_pass():
    assert check_passwords("students-pw", "teachers-pw") is None


def test_the_throttle_counts_failures_in_a_window():
    throttle = SignInThrottle(limit=3, window=0.5)
    for _ in range(3):
        assert throttle.wait("name:carl") == 0
        throttle.failed("name:carl")
    assert 0 < throttle.wait("name:carl") <= 0.5
    assert throttle.wait("name:dana") == 0
    import time

    time.sleep(0.6)
    assert throttle.wait("name:carl") == 0


# ----------------------------------------------------------------------- the copy into a home
def _two_notebooks() -> list[Path]:
    from summit_lessons.lessons import notebook_paths

    return notebook_paths()[:2]


def test_a_planted_link_is_never_written_through(tmp_path):
    dest, victim = tmp_path / "summit-lessons", tmp_path / "victim.txt"
    dest.mkdir()
    victim.write_text("precious")
    first = _two_notebooks()[0].name
    # the temporary names the copy used to write through, and the lesson's own name
    for planted in (f".{first}.partial", f"{MANIFEST}.partial", first):
        (dest / planted).symlink_to(victim)
    report = copy_edition(dest, "student", notebooks=_two_notebooks())
    assert victim.read_text() == "precious"
    assert first in report.blocked and (dest / first).is_symlink()  # named as in the way, left alone
    assert not [p for p in dest.iterdir() if p.name.endswith(".partial") and not p.is_symlink()]


def test_a_link_at_the_manifest_is_replaced_not_followed(tmp_path):
    dest, victim = tmp_path / "summit-lessons", tmp_path / "victim.txt"
    dest.mkdir()
    victim.write_text("precious")
    (dest / MANIFEST).symlink_to(victim)
    copy_edition(dest, "student", notebooks=_two_notebooks())
    assert victim.read_text() == "precious"
    assert not (dest / MANIFEST).is_symlink()


@pytest.mark.parametrize("manifest", ["[]", '{"files": null}', "[1,2]", '{"files": [1]}', '{"files": {"a": 1}}',
                                      "not json", "[" * 100_000])
def test_a_corrupt_manifest_counts_as_none(tmp_path, manifest):
    dest = tmp_path / "summit-lessons"
    copy_edition(dest, "student", notebooks=_two_notebooks())
    (dest / MANIFEST).write_text(manifest)
    changed = dest / _two_notebooks()[0].name
    changed.write_text(changed.read_text().replace("summit", "Summit", 1))
    report = copy_edition(dest, "student", notebooks=_two_notebooks())
    assert report.kept == [changed.name]  # nothing the learner changed is overwritten
    assert json.loads((dest / MANIFEST).read_text())["files"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="checks the refusal as root")
def test_the_copy_never_runs_as_root(tmp_path):
    assert "not copying the lessons as root" in copy_lessons(tmp_path, "student")
    assert not (tmp_path / "summit-lessons").exists()


# ----------------------------------------------------------------------- the system accounts
root_only = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                               reason="makes system accounts (CI runs make test as root)")


@root_only
def test_an_account_is_unprivileged_with_a_private_home_and_is_removed_with_it(tmp_path):
    import grp
    import pwd

    from summit_lessons.classroom.hubaccounts import (AccountError, ensure_account, ensure_group, remove_accounts,
                                            set_teacher, teachers_group)

    prefix = "slacct-"
    remove_accounts(prefix)  # leftovers of a run that died
    base = tmp_path / "home"
    try:
        entry = ensure_account(prefix + "ana", base / (prefix + "ana"))
        assert entry.pw_uid >= 1000 and entry.pw_shell == "/bin/bash"
        home = Path(entry.pw_dir)
        assert home == base / (prefix + "ana") and (home.stat().st_mode & 0o777) == 0o700
        assert home.stat().st_uid == entry.pw_uid
        groups = {g.gr_name for g in grp.getgrall() if prefix + "ana" in g.gr_mem}
        assert not groups & {"sudo", "wheel", "adm", "root"}, groups
        assert ensure_account(prefix + "ana", home).pw_uid == entry.pw_uid  # the same account again
        ensure_group(teachers_group(prefix))
        set_teacher(prefix + "ana", teachers_group(prefix), True)
        assert prefix + "ana" in grp.getgrnam(teachers_group(prefix)).gr_mem
        set_teacher(prefix + "ana", teachers_group(prefix), False)
        assert prefix + "ana" not in grp.getgrnam(teachers_group(prefix)).gr_mem
        # an account that is not a hub account (another home) is never handed out
        with pytest.raises(AccountError, match="not a hub account"):
            ensure_account(prefix + "ana", base / "elsewhere")
        with pytest.raises(AccountError, match="not a hub account"):
            ensure_account("root", base / "root")
    finally:
        assert remove_accounts(prefix) == [prefix + "ana"]
    with pytest.raises(KeyError):
        pwd.getpwnam(prefix + "ana")
    assert not (base / (prefix + "ana")).exists()
    with pytest.raises(KeyError):
        grp.getgrnam(teachers_group(prefix))


def test_removing_accounts_in_bulk_is_for_test_prefixes_only():
    from summit_lessons.classroom.hubaccounts import AccountError, remove_accounts

    for prefix in ("", "jupyter-"):
        with pytest.raises(AccountError):
            remove_accounts(prefix)


@root_only
def test_a_state_folder_users_could_not_reach_is_refused_in_one_line(tmp_path):
    from summit_lessons.classroom.hubsetup import SetupError, prepare

    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    with pytest.raises(SetupError, match="closed to other accounts") as refused:
        prepare(closed / "state", 0)
    assert "\n" not in str(refused.value) and not (closed / "state").exists()
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    with pytest.raises(SetupError, match="not a link"):
        prepare(link, 0)


def test_a_server_port_is_outside_the_kernels_range_and_never_one_taken_or_listened_on(monkeypatch):
    """Servers took ports from the kernels' ephemeral range, where a kernel could take one between
    its choice and the server's bind: one 30-student run in two lost a student."""
    import random
    import socket

    from summit_lessons.classroom.hubspawner import SERVER_PORTS, free_server_port

    low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    assert SERVER_PORTS.stop <= low  # no kernel is given one of these by the system
    # The first choices fall on a port already handed out and on one another program listens on.
    listened = SERVER_PORTS.start + 7
    with socket.socket() as other:
        other.bind(("", listened))
        other.listen()
        choices = iter([SERVER_PORTS.start, listened, SERVER_PORTS.start + 9])
        monkeypatch.setattr(random, "choice", lambda seq: next(choices))
        assert free_server_port({SERVER_PORTS.start}) == SERVER_PORTS.start + 9
