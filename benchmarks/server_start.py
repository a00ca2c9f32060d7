"""CPU cost of starting one single-user server, project env against the student env.

Each run starts the real ``jupyterhub-singleuser`` of an environment (fresh HOME and runtime
folder) against a minimal stand-in for the hub's API (it answers the version check the server
makes at start; nothing else of the hub is needed to serve), waits until ``{prefix}api``
answers, and reads the server's CPU time (user + system, its waited children included, such as
jupyter_lsp's ``npm prefix --global``) from psutil. Runs alternate between the environments.

    python benchmarks/server_start.py [--runs 5] [ENV_BIN ...]

(default: .venv/bin and build/student-env/bin, made by ``make student-env``)
"""
from __future__ import annotations

import argparse
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
HUB_VERSION = "6.1.1"


class _HubAPI(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = json.dumps({"version": HUB_VERSION}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-JupyterHub-Version", HUB_VERSION)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_once(bin_dir: Path, hub_port: int, timeout: float = 120, extra: list[str] | None = None) -> dict[str, float]:
    """Start one server from ``bin_dir``; CPU seconds and wall seconds until it serves."""
    port = _free_port()
    prefix = "/user/bench/"
    with tempfile.TemporaryDirectory(prefix="server-start-") as home:
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": home, "JUPYTER_RUNTIME_DIR": f"{home}/runtime",
               "JUPYTERHUB_API_TOKEN": "bench", "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub_port}/hub/api",
               "JUPYTERHUB_CLIENT_ID": "jupyterhub-user-bench", "JUPYTERHUB_USER": "bench",
               "JUPYTERHUB_SERVICE_PREFIX": prefix, "JUPYTERHUB_BASE_URL": "/",
               "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}{prefix}",
               "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback", "JUPYTERHUB_HOST": ""}
        args = [str(bin_dir / "jupyterhub-singleuser"), "--no-browser", *(extra or [])]
        if os.geteuid() == 0:
            args.append("--allow-root")
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ps = psutil.Process(proc.pid)
        try:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{args[0]} exited with {proc.returncode} before serving")
                if time.perf_counter() - t0 > timeout:
                    raise RuntimeError(f"{args[0]} did not serve within {timeout} s")
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{prefix}api", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.05)
            wall = time.perf_counter() - t0
            cpu = ps.cpu_times()
            return {"cpu": cpu.user + cpu.system + cpu.children_user + cpu.children_system, "wall": wall}
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--with-extensions", action="store_true",
                    help="also the last env with the extensions it disables switched back on (their share)")
    ap.add_argument("envs", nargs="*", default=[str(ROOT / ".venv" / "bin"), str(ROOT / "build" / "student-env" / "bin")])
    args = ap.parse_args(argv)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HubAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hub_port = server.server_address[1]
    from summit_lessons.classroom.hubenv import DISABLED_EXTENSIONS

    variants = {e: (e, []) for e in args.envs}
    if args.with_extensions:
        on = [f"--ServerApp.jpserver_extensions={name}=True" for name in DISABLED_EXTENSIONS]
        variants[f"{args.envs[-1]} (extensions on)"] = (args.envs[-1], [*on, "--ServerApp.terminals_enabled=True"])
    results: dict[str, list[dict[str, float]]] = {e: [] for e in variants}
    start_once(Path(args.envs[0]), hub_port)  # warm the file cache; not counted
    for _ in range(args.runs):
        for label, (e, extra) in variants.items():
            results[label].append(start_once(Path(e), hub_port, extra=extra))
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; {args.runs} runs each")
    for e, rs in results.items():
        cpu = [r["cpu"] for r in rs]
        wall = [r["wall"] for r in rs]
        print(f"{e}: server start CPU s median {statistics.median(cpu):.2f} (min {min(cpu):.2f}, max {max(cpu):.2f}); "
              f"wall s median {statistics.median(wall):.2f}")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
