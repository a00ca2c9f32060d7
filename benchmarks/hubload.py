"""A class on the classroom hub: ``n`` students each start a server and run lesson 02 at once.

Isolation is on, as a school runs it: every student is a system account of their own (prefix
``slbench-``, removed afterwards), and every server runs the student environment.

Each student's CPU time is split at three moments the student's own client sees:

- **server start**: from the start request until the hub reports the server ready (the lessons
  copied into the home, then the single-user server up);
- **kernel start**: a new kernel until it answers its first (empty) cell;
- **lesson**: every code cell of lesson 02, one after another over the kernel's websocket.

CPU is counted on the student's own process tree (the server and every process under it, the
kernel included, with their reaped children), so the hub's and the proxy's share is not in it.
"""
from __future__ import annotations

import contextlib
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

PHASES = ("server start", "kernel start", "lesson")
#: The issue's targets: per student (the three phases together), and a class of 30 all done.
TARGET_CPU_S = 2.5
TARGET_30_S = 45.0


class TreeCPU:
    """CPU seconds used by a process and everything under it.

    Each live process counts its own time and that of the children it has reaped, so a helper
    process that ran and ended under the server (such as a ``node`` call at start) is counted in
    its parent's figure, once."""

    def __init__(self, pid: int):
        self.pid = pid

    def total(self) -> float:
        import psutil

        root = psutil.Process(self.pid)
        total = 0.0
        for p in [root, *root.children(recursive=True)]:
            try:
                t = p.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total += t.user + t.system + t.children_user + t.children_system
        return total


def _student(client: Any, hub: Any, user: str, lesson: str, t0: float, pids: dict[str, int]) -> dict[str, float]:
    from summit_lessons.classroom.hubclient import HubError

    client.start_server(user, wait=300)
    pid = client.server_pid(user)
    if not pid:
        raise HubError(f"{user}: the hub reports no process id for the server")
    hub.remember(pid)
    pids[user] = pid  # for the memory sampler
    tree = TreeCPU(pid)
    marks = {"server start": tree.total()}
    cells = [c["source"] for c in client.contents(user, lesson)["content"]["cells"] if c["cell_type"] == "code"]

    def on_cell(i: int, _result: Any) -> None:
        if i == 0:  # the empty first cell: answered once the kernel is up
            marks["kernel start"] = tree.total()

    results = client.run_code(user, ["", *cells], folder=lesson.rsplit("/", 1)[0], timeout=300, on_cell=on_cell)
    failed = next((r.error for r in results if r.error), None)
    if failed or len(results) != len(cells) + 1:
        raise HubError(f"{user}: {failed or 'the lesson stopped early'}")
    end = tree.total()
    return {"server start": marks["server start"], "kernel start": marks["kernel start"] - marks["server start"],
            "lesson": end - marks["kernel start"], "done": time.perf_counter() - t0}


def hub_load(n: int) -> dict[str, Any]:
    """``n`` students at the same moment on a fresh hub; times, failures, memory and CPU per phase."""
    import psutil

    from summit_lessons.classroom.hub import LESSONS_FOLDER
    from summit_lessons.classroom.hubclient import throwaway_hub

    stack = contextlib.ExitStack()
    hub = stack.enter_context(throwaway_hub("slbench-", wait=300))
    client = hub.client
    users = [f"student{i:02d}" for i in range(n)]
    client.create_users(users)
    lesson = f"{LESSONS_FOLDER}/02_summit_day.ipynb"
    peaks: dict[str, float] = {}
    pids: dict[str, int] = {}
    done = threading.Event()

    def sample() -> None:
        # Peak memory (PSS: shared pages split between the processes that map them) of each student's tree.
        while not done.is_set():
            for user in users:
                server = pids.get(user)
                if server is None:
                    continue
                try:
                    procs = [psutil.Process(server), *psutil.Process(server).children(recursive=True)]
                    pss = sum(getattr(m, "pss", m.rss) for m in (p.memory_full_info() for p in procs))
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                peaks[user] = max(peaks.get(user, 0.0), pss)
            done.wait(0.5)

    def student(user: str) -> dict[str, float]:
        return _student(client, hub, user, lesson, t0, pids)

    load_before = psutil.getloadavg()[0]
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    results: list[dict[str, float]] = []
    failures: list[str] = []
    try:
        with ThreadPoolExecutor(max_workers=n) as pool:
            for fut in [pool.submit(student, u) for u in users]:
                try:
                    results.append(fut.result())
                except Exception as exc:  # noqa: BLE001 (a failed student is a result to report)
                    failures.append(str(exc)[:200])
        all_done = time.perf_counter() - t0
        fixed = {"hub": psutil.Process(hub.proc.pid).memory_info().rss,
                 "proxy": psutil.Process(hub.proxy_pid()).memory_info().rss if hub.proxy_pid() else 0}
    finally:
        done.set()
        sampler.join(timeout=5)
        stack.close()
    per_phase = {p: statistics.mean(r[p] for r in results) if results else float("nan") for p in PHASES}
    cpu = sum(per_phase.values())
    return {
        "students": n, "all_done": all_done, "failures": len(failures), "failure_messages": failures[:3],
        "slowest": max(r["done"] for r in results) if results else float("nan"),
        "median_student": statistics.median(r["done"] for r in results) if results else float("nan"),
        "cpu_s_per_student": cpu, "cpu_s_by_phase": per_phase,
        "cpu_target": TARGET_CPU_S, "cpu_ok": cpu <= TARGET_CPU_S,
        "ok": not failures and cpu <= TARGET_CPU_S and (n != 30 or all_done <= TARGET_30_S),
        "pss_per_student_mb": statistics.mean(peaks.values()) / 2**20 if peaks else 0.0,
        "hub_mb": fixed["hub"] / 2**20, "proxy_mb": fixed["proxy"] / 2**20,
        "load_before": load_before, "load_after": psutil.getloadavg()[0],
    }


def rows(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The report's lines for one class size."""
    n = r["students"]
    on_time = r["failures"] == 0 and (n != 30 or r["all_done"] <= TARGET_30_S)
    out = [(f"hub, {n} students at once: all done / slowest", f"{r['all_done']:8.1f} s / {r['slowest']:.1f} s",
            f"<= {TARGET_30_S:.0f} s" if n == 30 else "no failures",
            "ok" if on_time else f"MISSED ({r['failures']} failed)" if r["failures"] else "MISSED")]
    by = r["cpu_s_by_phase"]
    out.append(("  CPU per student: server + kernel + lesson",
                f"{r['cpu_s_per_student']:6.2f} CPU-s ({by['server start']:.2f} + {by['kernel start']:.2f} + "
                f"{by['lesson']:.2f})", f"<= {TARGET_CPU_S} CPU-s", "ok" if r["cpu_ok"] else "MISSED"))
    out.append(("  memory per student (peak PSS); hub + proxy",
                f"{r['pss_per_student_mb']:6.0f} MB; {r['hub_mb']:.0f} MB + {r['proxy_mb']:.0f} MB", "", ""))
    out.append(("  load average before / after", f"{r['load_before']:6.1f} / {r['load_after']:.1f}", "", ""))
    out.extend(("  a failure", msg, "", "") for msg in r["failure_messages"])  # what a failed student saw
    return out


if __name__ == "__main__":
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("students", nargs="*", type=int, default=[3], help="class sizes (default 3)")
    args = ap.parse_args()
    for n in args.students:
        r = hub_load(n)
        for name, fig, target, verdict in rows(r):
            print(f"{name:46}  {fig:44}  {target:14}  {verdict}", flush=True)
        print(json.dumps({k: v for k, v in r.items() if k != "failure_messages"}, default=str), flush=True)
