# JupyterHub for a class on one machine: `sudo make hub`, then open http://127.0.0.1:8000.
#
# Isolated as The Littlest JupyterHub does it: the hub runs as root; every hub user gets an
# unprivileged system account of their own (`jupyter-<name>`, no sudo, home mode 0700), made when
# their server first starts, and their server runs as that account (summit_lessons.classroom.hubspawner, built on
# JupyterHub's LocalProcessSpawner). Students' servers run an environment with the student edition
# only; teachers' servers run one with the teacher edition, which only the `jupyter-teachers`
# system group may open. The hub's own state (database, cookie secret, passwords, token, logs) is
# in STATE/hub/, readable by root alone. The layout: summit_lessons/classroom/hubsetup.py.
#
# Settings come from the environment so nothing secret is committed:
#   SUMMIT_HUB_PASSWORD          students' shared password (≥ 8 characters)
#   SUMMIT_HUB_TEACHER_PASSWORD  teachers' shared password (≥ 8 characters, not the students')
#   SUMMIT_HUB_ADMIN_TOKEN_FILE  optional: a file (mode 0600) holding an admin API token for scripts
#   SUMMIT_HUB_STATE             the hub's folder (default /srv/summit-lessons-hub)
#   SUMMIT_HUB_USER_PREFIX       the accounts' prefix (default jupyter-)
#   SUMMIT_HUB_IDLE_TIMEOUT      seconds before an idle server is stopped (default 3600; 0: never)
#   SUMMIT_HUB_BIND_URL          where the hub listens (default http://127.0.0.1:8000)
#   SUMMIT_HUB_SSL_CERT, SUMMIT_HUB_SSL_KEY   HTTPS with this certificate and key (README.md here)
#   SUMMIT_HUB_TRUSTED_PROXIES   a reverse proxy's address (127.0.0.1 behind nginx-site.conf)
#   SUMMIT_HUB_SPAWN_LIMIT, SUMMIT_HUB_SERVER_LIMIT   see "Limits" below
# Passwords not given are generated once, kept in STATE/hub/ and printed at start.
#
# A real authenticator: see README.md in this folder.
import os
import secrets
import sys
from pathlib import Path

from summit_lessons.classroom.hub import TEACHERS_GROUP, lesson_map_url
from summit_lessons.classroom.hubaccounts import ensure_group, teachers_group
from summit_lessons.classroom.hubauth import check_passwords, user_prefix
from summit_lessons.classroom.hubsetup import SetupError, close_checkout, hub_private_folders, prepare, reachable_by_others

c = get_config()  # noqa: F821 (provided by JupyterHub when it reads this file)

HERE = Path(__file__).resolve().parent


def _stop(message: str) -> None:
    """Refuse to start, in one line."""
    sys.exit(f"summit_lessons hub: {message}")


if os.environ.get("SUMMIT_HUB_ADMIN_TOKEN"):
    _stop("SUMMIT_HUB_ADMIN_TOKEN is no longer read: put the token in a file of mode 0600 and set "
          "SUMMIT_HUB_ADMIN_TOKEN_FILE to its path")
# Passwords given in the environment are checked before anything is touched.
if os.environ.get("SUMMIT_HUB_PASSWORD") or os.environ.get("SUMMIT_HUB_TEACHER_PASSWORD"):
    if not (os.environ.get("SUMMIT_HUB_PASSWORD") and os.environ.get("SUMMIT_HUB_TEACHER_PASSWORD")):
        _stop("set both SUMMIT_HUB_PASSWORD and SUMMIT_HUB_TEACHER_PASSWORD, or neither (then both are generated)")
    if (problem := check_passwords(os.environ["SUMMIT_HUB_PASSWORD"], os.environ["SUMMIT_HUB_TEACHER_PASSWORD"])):
        _stop(problem)

try:
    PREFIX = user_prefix()
    TEACHERS_GID = ensure_group(teachers_group(PREFIX)) if os.geteuid() == 0 else 0
    LAYOUT, LIBDIR = prepare(Path(os.environ.get("SUMMIT_HUB_STATE") or "/srv/summit-lessons-hub"), TEACHERS_GID)
except (SetupError, ValueError, OSError) as err:
    _stop(str(err))
PRIVATE = LAYOUT.private

# The hub's own venv and the checkout it runs from hold the teacher edition: no other account may
# open them. Only those two folders, and only when they are what they seem (a checkout with this
# package's pyproject.toml, a venv with its pyvenv.cfg): never a system folder such as /usr.
for folder in hub_private_folders():
    if close_checkout(folder):
        print(f"summit_lessons hub: closed {folder} to other accounts (chmod o-rwx): it holds the teacher "
              "edition", flush=True)
import summit_lessons  # noqa: E402

if reachable_by_others(Path(summit_lessons.__file__).resolve().parent / "notebooks"):
    _stop(f"other accounts can read the teacher notebooks in {Path(summit_lessons.__file__).parent}: "
          "run the hub from a folder only root can open")


def _secret(env: str, filename: str, nbytes: int) -> str:
    """The value of ``env``, else one generated once and kept in the hub's private folder."""
    if os.environ.get(env):
        return os.environ[env]
    path = PRIVATE / filename
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_urlsafe(nbytes) + "\n")
    return path.read_text(encoding="utf-8").strip()


# --- Network: only this machine unless told otherwise; HTTPS with the school's certificate.
c.JupyterHub.bind_url = os.environ.get("SUMMIT_HUB_BIND_URL", "http://127.0.0.1:8000")
if os.environ.get("SUMMIT_HUB_SSL_CERT") or os.environ.get("SUMMIT_HUB_SSL_KEY"):
    if not (os.environ.get("SUMMIT_HUB_SSL_CERT") and os.environ.get("SUMMIT_HUB_SSL_KEY")):
        _stop("set both SUMMIT_HUB_SSL_CERT and SUMMIT_HUB_SSL_KEY (the certificate and its key)")
    c.JupyterHub.ssl_cert = os.environ["SUMMIT_HUB_SSL_CERT"]
    c.JupyterHub.ssl_key = os.environ["SUMMIT_HUB_SSL_KEY"]
c.JupyterHub.hub_bind_url = "http://127.0.0.1:8081"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(PRIVATE / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{PRIVATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(PRIVATE / "jupyterhub_cookie_secret")

# --- Authentication (demo): one password for students, one for teachers. A name keeps the group
# of its first sign-in; failed sign-ins are throttled per name and per address (hubauth.py).
student_password = _secret("SUMMIT_HUB_PASSWORD", "student-password", 9)
teacher_password = _secret("SUMMIT_HUB_TEACHER_PASSWORD", "teacher-password", 12)
if (problem := check_passwords(student_password, teacher_password)):
    _stop(problem)
c.JupyterHub.authenticator_class = "summit_lessons.classroom.hubauth.SummitAuthenticator"
c.SummitAuthenticator.user_password = student_password
c.SummitAuthenticator.teacher_password = teacher_password
c.SummitAuthenticator.teachers_group = TEACHERS_GROUP
c.SummitAuthenticator.bindings_file = str(PRIVATE / "names.json")
# Behind a reverse proxy on this machine (nginx-site.conf), its address, so the throttle counts the
# real client's address rather than the proxy's.
c.SummitAuthenticator.trusted_proxies = [a.strip() for a in os.environ.get("SUMMIT_HUB_TRUSTED_PROXIES", "").split(",")
                                         if a.strip()]
c.Authenticator.manage_groups = True  # the password decides the group, at every sign-in
c.Authenticator.allow_all = True  # anyone with a password may pick a user name: a class demo
if not os.environ.get("SUMMIT_HUB_PASSWORD"):
    print(f"summit_lessons hub: students sign in with any name and the password {student_password}; "
          f"teachers with the password {teacher_password} (both kept in {PRIVATE})", flush=True)

# --- Services: the idle culler always; an admin token for scripts only when a token file is given.
services, roles = [], []
idle = int(os.environ.get("SUMMIT_HUB_IDLE_TIMEOUT", "3600"))
if idle > 0:
    services.append({"name": "idle-culler",
                     "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={idle}",
                                 f"--cull-every={max(10, min(300, idle // 4))}"]})
    roles.append({"name": "idle-culler", "services": ["idle-culler"],
                  "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]})
token_file = os.environ.get("SUMMIT_HUB_ADMIN_TOKEN_FILE")
if token_file:
    # Read from a file, never from the environment: nothing secret sits in a process's environ.
    mode = os.stat(token_file).st_mode
    if mode & 0o077:
        _stop(f"{token_file} is readable by others (mode {mode & 0o777:o}): chmod 600 it")
    services.append({"name": "summit-admin", "api_token": Path(token_file).read_text(encoding="utf-8").strip()})
    roles.append({"name": "summit-admin", "services": ["summit-admin"],
                  "scopes": ["admin:users", "admin:servers", "admin:server_state", "admin:groups",
                             "access:servers", "list:users", "read:users", "list:services", "read:services"]})
c.JupyterHub.services = services
c.JupyterHub.load_roles = roles

# --- One server per user, as the user's own account, in its own home; the lessons copied by the
# server itself as it starts (summit_lessons.classroom.hub).
c.JupyterHub.spawner_class = "summit_lessons.classroom.hubspawner.SummitSpawner"
c.SummitSpawner.prefix = PREFIX
c.SummitSpawner.home_base = str(LAYOUT.homes)
c.SummitSpawner.envs = {"student": str(LAYOUT.env("student")), "teacher": str(LAYOUT.env("teacher"))}
c.SummitSpawner.library_path = LIBDIR or ""
c.Spawner.default_url = lesson_map_url()

# --- Timeouts: a whole class starting at once. With JupyterHub's defaults (60 s / 30 s) 8 of 20
# simultaneous starts failed on a 2-core machine; at 120 s, 40 of 40 started.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# A link to a stopped server (/hub/user-redirect/lab/tree/...) starts it instead of an error page.
c.JupyterHub.implicit_spawn_seconds = 1

# --- Limits, set on purpose (see README.md here for the arithmetic behind them):
# starts in progress at once (more wait with "try again in a few seconds"), and servers running.
c.JupyterHub.concurrent_spawn_limit = int(os.environ.get("SUMMIT_HUB_SPAWN_LIMIT", "40"))
c.JupyterHub.active_server_limit = int(os.environ.get("SUMMIT_HUB_SERVER_LIMIT", "60"))
