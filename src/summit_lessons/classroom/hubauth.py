"""Who may sign in to the classroom hub, and under which system account.

The name rule (the one place it is written down):

1. the name typed on the login page is NFKC-normalised and lower-cased, so a full-width
   ``ａｌｉｃｅ`` or ``Alice`` is the same person as ``alice``;
2. it must then match ``^[a-z][a-z0-9_-]{0,22}$`` (a letter, then up to 22 letters, digits,
   ``_`` or ``-``); anything else (too long, spaces, control characters, other scripts) is
   refused on the login page with a sentence saying why;
3. the system account is ``<prefix><name>``: the prefix is ``jupyter-`` (The Littlest
   JupyterHub's) unless ``SUMMIT_HUB_USER_PREFIX`` says otherwise (tests use ``sltest-``).

Normalisation happens before the pattern is checked and the account adds a fixed prefix to a
valid name, so two different hub users never share an account, and every account name keeps to
the 32 characters of a Linux user name.

:class:`SummitAuthenticator` is the demo's shared-password sign-in with three brakes: a name
first used by a teacher needs the teacher password ever after (and a student's name stays a
student's), failed sign-ins are throttled per name and per address, and bad names are turned
away on the login page.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
import unicodedata
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from traitlets import Integer, List, Unicode

__all__ = ["NAME_PATTERN", "DEFAULT_PREFIX", "NameRefused", "normalize_name", "account_name", "user_prefix",
           "check_passwords", "SignInThrottle", "NameBindings", "SummitAuthenticator"]

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,22}")
DEFAULT_PREFIX = "jupyter-"
_PREFIX_PATTERN = re.compile(r"(?:[a-z_][a-z0-9_-]{0,8})?")  # empty: the account is the name (PAM)
MIN_PASSWORD = 8


class NameRefused(ValueError):
    """A sign-in name that cannot become a user; the message is written for the login page."""


def normalize_name(raw: str) -> str:
    """The hub name for ``raw`` (NFKC, lower case), or :class:`NameRefused` saying why not."""
    name = unicodedata.normalize("NFKC", raw).strip().lower()
    if not name:
        raise NameRefused("Type a user name.")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise NameRefused("A user name cannot hold control or invisible characters.")
    if len(name) > 23:
        raise NameRefused(f"A user name has at most 23 characters (this one has {len(name)}).")
    if not NAME_PATTERN.fullmatch(name):
        raise NameRefused("A user name starts with a letter a–z and holds only letters a–z, digits, "
                          "'-' and '_'.")
    return name


def user_prefix() -> str:
    """The account prefix from ``SUMMIT_HUB_USER_PREFIX`` (default ``jupyter-``), checked."""
    prefix = os.environ.get("SUMMIT_HUB_USER_PREFIX", DEFAULT_PREFIX)
    if not _PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(f"SUMMIT_HUB_USER_PREFIX={prefix!r}: use up to 9 characters a-z, 0-9, '-' or '_', "
                         "starting with a letter or '_'")
    return prefix


def account_name(name: str, prefix: str | None = None) -> str:
    """The system account of hub user ``name`` (already normalised): ``<prefix><name>``."""
    if not NAME_PATTERN.fullmatch(name):
        raise NameRefused(f"not a valid hub user name: {name!r}")
    return (user_prefix() if prefix is None else prefix) + name


def check_passwords(student: str, teacher: str) -> str | None:
    """The one-line reason the two shared passwords are unusable, or None when they are fine."""
    if len(student.strip()) < MIN_PASSWORD:
        return f"SUMMIT_HUB_PASSWORD needs at least {MIN_PASSWORD} characters other than spaces"
    if len(teacher.strip()) < MIN_PASSWORD:
        return f"SUMMIT_HUB_TEACHER_PASSWORD needs at least {MIN_PASSWORD} characters other than spaces"
    if secrets.compare_digest(student.encode(), teacher.encode()):
        return "SUMMIT_HUB_TEACHER_PASSWORD must differ from SUMMIT_HUB_PASSWORD (else no one is a teacher)"
    return None


class SignInThrottle:
    """Failed sign-ins counted per key over a sliding window; a key over its limit waits.

    Only failures count, so a class signing in at once from one school address is not slowed
    down by its own successful sign-ins.
    """

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def wait(self, key: str) -> float:
        """Seconds ``key`` must wait before its next attempt (0 when it may try now)."""
        now = time.monotonic()
        with self._lock:
            times = self._trim(key, now)
            if len(times) < self.limit:
                if not times:
                    self._failures.pop(key, None)
                return 0.0
            return max(0.0, self.window - (now - times[0]))

    def failed(self, key: str) -> None:
        with self._lock:
            self._trim(key, time.monotonic()).append(time.monotonic())


class NameBindings:
    """Which group ("teacher" or "student") each name signed in with first, kept in a JSON file
    in the hub's private state folder (written atomically, readable by the hub alone)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self._names = {k: v for k, v in data.items() if isinstance(k, str) and v in ("teacher", "student")} \
            if isinstance(data, dict) else {}

    def get(self, name: str) -> str | None:
        return self._names.get(name)

    def bind(self, name: str, role: str) -> None:
        with self._lock:
            if self._names.get(name) == role:
                return
            self._names[name] = role
            tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self._names, f, indent=1, sort_keys=True)
            os.replace(tmp, self.path)


def _shared_password_base() -> type:
    from jupyterhub.authenticators.shared import SharedPasswordAuthenticator

    return SharedPasswordAuthenticator


class SummitAuthenticator(_shared_password_base()):  # type: ignore[misc]
    """The shared-password demo sign-in, with the name rule, name binding and a throttle.

    Set ``user_password`` (students) and ``teacher_password`` (members of the ``teachers``
    group); ``bindings_file`` keeps who signed in first with each name.
    """

    teacher_password = Unicode("", config=True, help="The shared password that makes a user a teacher.")
    teachers_group = Unicode("teachers", config=True, help="The hub group of teachers.")
    bindings_file = Unicode("", config=True, help="JSON file: the group each name first signed in with.")
    failures_per_name = Integer(5, config=True, help="Failed sign-ins allowed per name per window.")
    failures_per_address = Integer(30, config=True, help="Failed sign-ins allowed per address per window "
                                   "(a whole class may share one school address).")
    throttle_window = Integer(300, config=True, help="The throttle's window, in seconds.")
    trusted_proxies = List(Unicode(), config=True, help="Addresses of reverse proxies in front of the hub "
                           "(e.g. nginx on 127.0.0.1), whose X-Forwarded-For entries name the real client.")

    def __init__(self, **kw: Any):
        super().__init__(**kw)
        self._by_name = SignInThrottle(self.failures_per_name, self.throttle_window)
        self._by_address = SignInThrottle(self.failures_per_address, self.throttle_window)
        self._bindings = NameBindings(self.bindings_file) if self.bindings_file else None

    def normalize_username(self, username: str) -> str:
        try:
            return normalize_name(username)
        except NameRefused:
            return username  # validate_username then refuses it; authenticate has said why

    def validate_username(self, username: str) -> bool:
        return bool(NAME_PATTERN.fullmatch(username))

    def _refuse(self, status: int, message: str) -> Exception:
        from tornado import web

        # log_message is %-formatted by tornado: pass the text as an argument
        err = web.HTTPError(status, "%s", message)
        err.jupyterhub_message = message
        return err

    async def authenticate(self, handler: Any, data: dict[str, str]) -> dict[str, Any] | None:
        try:
            name = normalize_name(data.get("username", ""))
        except NameRefused as refused:
            self.log.warning("Refused sign-in name %r: %s", data.get("username", "")[:40], refused)
            raise self._refuse(403, str(refused)) from None
        address = self._client_address(handler)
        waits = max(self._by_name.wait(f"name:{name}"), self._by_address.wait(f"addr:{address}"))
        if waits:
            self.log.warning("Sign-in for %r from %s throttled for %.0f s", name, address, waits)
            raise self._refuse(429, f"Too many failed sign-ins: wait {max(1, round(waits / 60))} "
                               "minute(s), then try again.")
        password = data.get("password", "")
        role = None
        if self.teacher_password and secrets.compare_digest(password.encode(), self.teacher_password.encode()):
            role = "teacher"
        elif self.user_password and secrets.compare_digest(password.encode(), self.user_password.encode()):
            role = "student"
        bound = self._bound_role(handler, name)
        if role is None or (bound is not None and bound != role):
            self._by_name.failed(f"name:{name}")
            self._by_address.failed(f"addr:{address}")
            if role is not None:  # the right password of the other group: the name is taken
                self.log.warning("Sign-in as %r with the %s password refused: the name is a %s's", name, role, bound)
            return None
        if self._bindings is not None:
            self._bindings.bind(name, role)
        return {"name": name, "admin": False, "groups": [self.teachers_group] if role == "teacher" else []}

    def _client_address(self, handler: Any) -> str:
        """The sign-in's address for the throttle: the last X-Forwarded-For entry, which the hub's own
        proxy appended, past any trusted reverse proxy. X-Real-Ip and the earlier entries are the
        client's to write, so they never count."""
        if handler is None:
            return "-"
        forwarded = [p.strip() for p in handler.request.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
        for address in reversed(forwarded):
            if address not in self.trusted_proxies:
                return address
        return forwarded[0] if forwarded else handler.request.connection.context.remote_ip

    def _bound_role(self, handler: Any, name: str) -> str | None:
        """The group ``name`` belongs to: from its first sign-in, else from the hub's own records."""
        bound = self._bindings.get(name) if self._bindings is not None else None
        if bound:
            return bound
        user = handler.find_user(name) if handler is not None else None
        if user is not None:
            return "teacher" if any(g.name == self.teachers_group for g in user.groups) else "student"
        return None
