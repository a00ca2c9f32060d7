# JupyterHub for a class on one machine: `make hub`, then open http://127.0.0.1:8000.
#
# Everything a class needs and nothing more: JupyterHub 6 (PyPI, pinned in constraints.txt),
# configurable-http-proxy (npm, pinned by package-lock.json), one local process per user
# (SimpleLocalProcessSpawner: every user's server runs as this account, in its own home folder
# under state/home/), and the shared-password authenticator for a demo. On each server start,
# summit_lessons.hub.copy_lessons_hook writes the student edition into ~/summit-lessons/ (the
# teacher edition for the "teachers" group) and never overwrites a notebook the user changed.
#
# Settings come from the environment so nothing secret is committed:
#   SUMMIT_HUB_PASSWORD          students' shared password (≥ 8 characters)
#   SUMMIT_HUB_TEACHER_PASSWORD  teachers' shared password: logging in with it puts the user in
#                                the "teachers" group
#   SUMMIT_HUB_ADMIN_TOKEN       optional: an API token with admin rights, for scripts and tests
#   SUMMIT_HUB_STATE             where the database, the cookie secret and the homes go
#                                (default: state/ beside this file)
#   SUMMIT_HUB_SPAWN_LIMIT, SUMMIT_HUB_SERVER_LIMIT   see "Limits" below
# Passwords not given are generated once, kept in the state folder and printed at start.
#
# A real authenticator: see README.md in this folder.
import os
import secrets
import sys
from pathlib import Path

from summit_lessons.hub import TEACHERS_GROUP, copy_lessons_hook, lesson_map_url

c = get_config()  # noqa: F821 (provided by JupyterHub when it reads this file)

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ.get("SUMMIT_HUB_STATE") or HERE / "state").resolve()
STATE.mkdir(parents=True, exist_ok=True)
BIN = Path(sys.executable).parent  # the venv JupyterHub runs from also holds the lessons


def _secret(env: str, filename: str, nbytes: int) -> str:
    """The value of ``env``, else one generated once and kept in the state folder."""
    if os.environ.get(env):
        return os.environ[env]
    path = STATE / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(nbytes) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


# --- Network: only this machine. Behind a reverse proxy with TLS, change bind_url.
c.JupyterHub.bind_url = "http://127.0.0.1:8000"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:8081"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")

# --- Authentication (demo): one password for students, one for teachers.
c.JupyterHub.authenticator_class = "shared-password"
student_password = _secret("SUMMIT_HUB_PASSWORD", "student-password", 9)
teacher_password = _secret("SUMMIT_HUB_TEACHER_PASSWORD", "teacher-password", 12)
c.SharedPasswordAuthenticator.user_password = student_password
c.SharedPasswordAuthenticator.password_groups = {teacher_password: [TEACHERS_GROUP]}
c.Authenticator.manage_groups = True  # the password decides the group, at every login
c.Authenticator.allow_all = True  # anyone with a password may pick a user name: a class demo
if not os.environ.get("SUMMIT_HUB_PASSWORD"):
    print(f"summit_lessons hub: students log in with any name and the password {student_password}; "
          f"teachers with the password {teacher_password}", flush=True)

# --- Scripts and tests: an admin token, only when one is given.
if os.environ.get("SUMMIT_HUB_ADMIN_TOKEN"):
    c.JupyterHub.services = [{"name": "summit-admin", "api_token": os.environ["SUMMIT_HUB_ADMIN_TOKEN"]}]
    c.JupyterHub.load_roles = [{
        "name": "summit-admin",
        "scopes": ["admin:users", "admin:servers", "admin:server_state", "admin:groups", "access:servers",
                   "list:users", "read:users"],
        "services": ["summit-admin"],
    }]

# --- One server per user, as this account, in its own home; the lessons copied on start.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.pre_spawn_hook = copy_lessons_hook
c.Spawner.default_url = lesson_map_url()
# The single-user server refuses to run as root ("Running as root is not recommended").
c.Spawner.args = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
# One matplotlib font cache for all (every server runs as this account), instead of one built
# per home at each student's first plot: about a second of CPU per student at the start of class.
c.Spawner.environment = {"MPLCONFIGDIR": str(STATE / "matplotlib")}

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
# Servers idle for an hour are not culled here: add jupyterhub-idle-culler as a service for that.
