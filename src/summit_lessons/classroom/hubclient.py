"""Drive a JupyterHub classroom from a script: start the hub of ``deploy/jupyterhub/``, create
users, start their servers and run a lesson in each through the Jupyter server's kernel API
(the websocket a browser uses), then stop everything that was started, by process id.

Used by ``tests/test_hub.py`` and the load benchmark; a school can use it to check its own hub
before a class (``HubClient(url, admin_token)``). Needs the ``hub`` extra (requests and
websocket-client come with JupyterHub and Jupyter Server).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

__all__ = ["CONFIG", "HubError", "HubProcess", "HubClient", "CellResult", "free_ports", "throwaway_hub"]

#: The classroom configuration `make hub` runs.
CONFIG = Path(__file__).resolve().parents[3] / "deploy" / "jupyterhub" / "jupyterhub_config.py"


class HubError(RuntimeError):
    """The hub or a user's server did not do what was asked in time."""


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports nothing listens on at 127.0.0.1 (bound briefly, then released)."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def _identity(pid: int | None) -> tuple[int, float] | None:
    """``pid`` with its start time: pids are reused (here within minutes), the pair is not."""
    import psutil

    if not pid:
        return None
    try:
        return pid, psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return None


def _running(ident: tuple[int, float]) -> bool:
    """True while the very process recorded in ``ident`` runs (not a zombie, not a newcomer)."""
    import psutil

    pid, created = ident
    try:
        proc = psutil.Process(pid)
        return proc.create_time() == created and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _stop(ident: tuple[int, float], timeout: float) -> bool:
    """SIGTERM the recorded process, SIGKILL after ``timeout`` s; True if it was still running."""
    if not _running(ident):
        return False
    pid = ident[0]
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _running(ident) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _running(ident):
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return True


@dataclass
class CellResult:
    """What one code cell printed and displayed when run through the kernel websocket."""

    source: str
    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


class HubClient:
    """The hub's REST API and the users' Jupyter servers, with an admin API token."""

    def __init__(self, url: str, token: str, timeout: float = 120, verify: str | bool = True):
        # 120 s per request: a hub whose machine is saturated by a class starting at once answers
        # slowly (its event loop stalls for seconds) but does answer.
        import requests

        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"
        # HTTPS with a certificate of the school's own (or a test's): the CA file to trust.
        self.session.verify = verify
        self.verify = verify

    def api(self, method: str, path: str, **kw: Any) -> Any:
        """Call ``/hub/api/<path>``; the decoded JSON answer (None when empty)."""
        # verify per request: requests lets REQUESTS_CA_BUNDLE override a session's own setting
        r = self.session.request(method, f"{self.url}/hub/api/{path.lstrip('/')}", timeout=self.timeout,
                                 verify=self.verify, **kw)
        if r.status_code >= 400:
            raise HubError(f"{method} /hub/api/{path}: {r.status_code} {r.text[:200]}")
        return r.json() if r.content else None

    def create_users(self, names: list[str]) -> None:
        self.api("POST", "users", json={"usernames": names})

    def add_to_group(self, group: str, names: list[str]) -> None:
        if not any(g["name"] == group for g in self.api("GET", "groups")):
            self.api("POST", f"groups/{group}")
        self.api("POST", f"groups/{group}/users", json={"users": names})

    def start_server(self, name: str, wait: float = 180) -> float:
        """Start ``name``'s server and wait until it is ready; the seconds it took."""
        t0 = time.monotonic()
        self.api("POST", f"users/{name}/server")
        while True:
            server = self.api("GET", f"users/{name}").get("servers", {}).get("")
            if server and server.get("ready"):
                return time.monotonic() - t0
            # Under load a new spawn can take a while to show as pending; gone after a minute is a failure.
            if server is None and time.monotonic() - t0 > 60:
                raise HubError(f"{name}: the server stopped while starting (see the hub's log)")
            if time.monotonic() - t0 > wait:
                raise HubError(f"{name}: the server was not ready within {wait:.0f} s")
            time.sleep(0.5)

    def server_pid(self, name: str) -> int | None:
        """The process id of ``name``'s single-user server (local spawners keep it in their state)."""
        server = self.api("GET", f"users/{name}", params={"include_stopped_servers": "0"}).get("servers", {}).get("")
        return (server or {}).get("state", {}).get("pid")

    def stop_server(self, name: str) -> None:
        self.api("DELETE", f"users/{name}/server")

    def _server(self, name: str, method: str, path: str, **kw: Any) -> Any:
        r = self.session.request(method, f"{self.url}/user/{name}/api/{path.lstrip('/')}", timeout=self.timeout,
                                 verify=self.verify, **kw)
        if r.status_code >= 400:
            raise HubError(f"{name}: {method} /api/{path}: {r.status_code} {r.text[:200]}")
        return r.json() if r.content else None

    def contents(self, name: str, path: str) -> dict[str, Any]:
        """A file or folder model from ``name``'s server (a notebook with its cells)."""
        return self._server(name, "GET", f"contents/{path}")

    def run_notebook(self, name: str, path: str, timeout: float = 180) -> list[CellResult]:
        """Run every code cell of ``name``'s copy of ``path`` in a new kernel on their server."""
        cells = [c["source"] for c in self.contents(name, path)["content"]["cells"] if c["cell_type"] == "code"]
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        return self.run_code(name, cells, folder=folder, timeout=timeout)

    def run_code(self, name: str, cells: list[str], *, folder: str = "", timeout: float = 180,
                 on_cell: Callable[[int, CellResult], None] | None = None) -> list[CellResult]:
        """Run ``cells`` one after another in a new kernel on ``name``'s server (as a browser
        would, over the kernel websocket); stop at the first error. ``on_cell(i, result)`` is
        called as each cell finishes (a benchmark measures between cells)."""
        import websocket

        kernel = self._server(name, "POST", "kernels", json={"name": "python3", "path": folder})
        ws_url = self.url.replace("http", "ws", 1) + f"/user/{name}/api/kernels/{kernel['id']}/channels"
        sslopt = {"ca_certs": self.verify} if isinstance(self.verify, str) else {}
        ws = websocket.create_connection(ws_url, header=[f"Authorization: token {self.token}"], timeout=timeout,
                                         sslopt=sslopt)
        session = uuid.uuid4().hex
        results = []
        try:
            for code in cells:
                results.append(_execute(ws, session, name, code, timeout))
                if on_cell is not None:
                    on_cell(len(results) - 1, results[-1])
                if results[-1].error:
                    break
        finally:
            ws.close()
            self._server(name, "DELETE", f"kernels/{kernel['id']}")
        return results


def _execute(ws: Any, session: str, user: str, code: str, timeout: float) -> CellResult:
    """Send one execute_request over the kernel websocket and gather its outputs until idle."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": user, "session": session, "msg_type": "execute_request",
                   "version": "5.3", "date": _dt.datetime.now(_dt.timezone.utc).isoformat()},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    result = CellResult(source=code)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = ws.recv()
        if isinstance(raw, bytes):  # binary frames carry widget buffers: not outputs
            continue
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id or msg.get("channel") != "iopub":
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            result.outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
        elif kind in ("display_data", "execute_result"):
            result.outputs.append({"output_type": kind, "data": content["data"]})
        elif kind == "error":
            result.error = f"{content['ename']}: {content['evalue']}"
        elif kind == "status" and content["execution_state"] == "idle":
            return result
    raise HubError(f"{user}: a cell did not finish within {timeout:.0f} s")


class HubProcess:
    """The classroom hub of ``deploy/jupyterhub/`` on 127.0.0.1, with its own state folder and ports.

    ``stop()`` ends the hub by its process id; JupyterHub then stops the proxy and every user's
    server, and whatever is still running after that (by the process ids recorded while they
    ran) is ended too, so nothing is left behind.
    """

    def __init__(self, state: str | os.PathLike[str], *, config: Path = CONFIG, log: str | None = None,
                 env: dict[str, str] | None = None, ssl: tuple[str, str] | None = None):
        """``state``: the hub's folder (every folder above it must be passable by other accounts,
        since the users' homes and environments are inside); ``env``: more settings, such as
        ``SUMMIT_HUB_USER_PREFIX``; ``ssl``: (certificate, key) to serve HTTPS, the certificate
        also being the one the client trusts."""
        self.state = Path(state)
        self.config = config
        self.token = secrets.token_hex(24)
        self.password = secrets.token_urlsafe(12)
        self.teacher_password = self.password + "-teach"
        self.port, self.hub_port, self.api_port = free_ports(3)
        self.ssl = ssl
        self.url = f"{'https' if ssl else 'http'}://127.0.0.1:{self.port}"
        self.extra_env = dict(env or {})
        self.log_path = Path(log) if log else self.state / "hub" / "hub.log"
        self.proc: subprocess.Popen | None = None
        self.client: HubClient | None = None
        # The processes started for this hub (servers, proxy), each as (pid, start time).
        self.started: set[tuple[int, float]] = set()

    def start(self, wait: float = 90) -> HubClient:
        private = self.state / "hub"
        private.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(private, 0o700)
        token_file = private / "admin-token"
        token_file.unlink(missing_ok=True)
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.token + "\n")
        bin_dir = Path(sys.executable).parent
        env = {k: v for k, v in os.environ.items() if k != "SUMMIT_HUB_ADMIN_TOKEN"}
        env.update({"SUMMIT_HUB_STATE": str(self.state), "SUMMIT_HUB_ADMIN_TOKEN_FILE": str(token_file),
                    "SUMMIT_HUB_PASSWORD": self.password, "SUMMIT_HUB_TEACHER_PASSWORD": self.teacher_password,
                    "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", **self.extra_env})
        if self.ssl:
            env["SUMMIT_HUB_SSL_CERT"], env["SUMMIT_HUB_SSL_KEY"] = self.ssl
        argv = [str(bin_dir / "jupyterhub"), "-f", str(self.config),
                f"--JupyterHub.bind_url={self.url}",
                f"--JupyterHub.hub_bind_url=http://127.0.0.1:{self.hub_port}",
                f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{self.api_port}"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, cwd=private, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        client = HubClient(self.url, self.token, verify=self.ssl[0] if self.ssl else True)
        deadline = time.monotonic() + wait
        while True:
            if self.proc.poll() is not None:
                raise HubError(f"the hub exited with code {self.proc.returncode}; see {self.log_path}")
            try:
                client.api("GET", "")
                proxy = _identity(self.proxy_pid())
                if proxy:
                    self.started.add(proxy)
                self.client = client
                return client
            except Exception:  # noqa: BLE001 (not up yet: connection refused, 503 from the proxy)
                if time.monotonic() > deadline:
                    raise HubError(f"the hub did not answer within {wait:.0f} s; see {self.log_path}") from None
                time.sleep(0.5)

    def remember(self, pid: int | None) -> None:
        """Record a process the hub started (a user's server), to be sure it ends with the hub."""
        ident = _identity(pid)
        if ident:
            self.started.add(ident)

    def running(self) -> list[int]:
        """The pids of the hub and of the recorded processes that still run."""
        hub = _identity(self.proc.pid) if self.proc is not None and self.proc.poll() is None else None
        return sorted(pid for pid, created in self.started | ({hub} if hub else set()) if _running((pid, created)))

    def proxy_pid(self) -> int | None:
        try:
            return int((self.state / "hub" / "jupyterhub-proxy.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self, timeout: float = 60) -> list[int]:
        """Stop the hub, then anything it started that still runs; the pids that had to be ended."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # JupyterHub stops its servers and proxy on SIGTERM
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return sorted(ident[0] for ident in self.started if _stop(ident, 10))


@contextmanager
def throwaway_hub(prefix: str, *, ssl: tuple[str, str] | None = None, wait: float = 300,
                  env: dict[str, str] | None = None) -> Iterator[HubProcess]:
    """A classroom hub for a test or a benchmark, gone without a trace afterwards.

    Its system accounts carry ``prefix`` (a test-only one such as ``sltest-``); accounts and state
    folders of that prefix left by an earlier run that died are removed first, and everything this
    one made (its processes, accounts with their homes, the teachers group, its state folder) is
    removed when the block ends, failed or not. Needs root, as the hub does.
    """
    import shutil
    import tempfile

    from .hubaccounts import remove_accounts

    tag = f"summit-hub-{prefix.rstrip('-_')}-"
    tmp = Path(tempfile.gettempdir())

    def clean() -> None:
        import psutil

        leftovers = [str(p) for p in tmp.glob(f"{tag}*")]
        # A run killed outright leaves its hub, proxy and culler running in its state folder.
        for proc in psutil.process_iter(["pid", "cwd"]):
            if proc.info["cwd"] and any(proc.info["cwd"].startswith(d + os.sep) for d in leftovers):
                ident = _identity(proc.pid)
                if ident:
                    _stop(ident, 10)
        remove_accounts(prefix)
        for old in leftovers:
            shutil.rmtree(old, ignore_errors=True)

    clean()
    # In the system's temporary folder, which every account may pass through (the homes and the
    # servers' environments are inside); the folder itself is 0711, set by the hub.
    state = Path(tempfile.mkdtemp(prefix=tag, dir=tmp))
    os.chmod(state, 0o711)
    hub = HubProcess(state, ssl=ssl, env={"SUMMIT_HUB_USER_PREFIX": prefix, **(env or {})})
    try:
        hub.start(wait=wait)
        yield hub
    except BaseException:
        # The state folder goes with the accounts: keep the end of the hub's log on stderr.
        if hub.log_path.exists():
            tail = hub.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-80:]
            print("\n".join(["--- end of the hub's log ---", *tail]), file=sys.stderr)
        raise
    finally:
        try:
            hub.stop()
        finally:
            clean()
