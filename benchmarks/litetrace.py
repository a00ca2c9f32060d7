"""Where a lesson's first seconds go in the JupyterLite site: one traced start in Chromium, split.

A start is traced with Chromium's own tracing (CDP, through Playwright) and timed from inside
Python, then cut into the parts a person waits for:

* the JupyterLab page, up to the kernel's web worker asking for Pyodide;
* Pyodide's core files (fetch) and its boot;
* each package: fetch (network events of the trace) and install (unpack and loading its compiled
  libraries; the install time is when its ``*.dist-info`` was written, read back in Pyodide);
* WebAssembly compilation (trace events on the worker thread, and V8's background tier-up);
* the kernel's own start (ipykernel, comm, IPython, widgets), from the last package installed
  to "Idle";
* the first code cell, with its imports timed one by one (a meta-path hook installed after
  "Idle", before the cell), and the first chart cell the same way;
* the CPU seconds all Chromium processes used, steadier than wall time on a shared machine.

    python benchmarks/litetrace.py [--site build/site] [--lesson 02_summit_day] [--out build/lite-trace.json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from litebrowser import Visit, chromium, open_lesson, serve  # noqa: E402

CATEGORIES = ["devtools.timeline", "v8.wasm", "disabled-by-default-v8.wasm.detailed"]

#: Runs code in the lesson's kernel (outside the notebook) and returns what it printed.
EXEC = """async (code) => {
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const out = [];
  const f = k.requestExecute({code, store_history: false, silent: false});
  f.onIOPub = m => { if (m.content.text) out.push(m.content.text);
                     if (m.content.evalue) out.push('ERROR ' + m.content.ename + ': ' + m.content.evalue); };
  await f.done; return out.join('');
}"""

#: Times every module import (cumulative and own time), without changing what gets imported.
IMPORT_TIMER = r'''
import sys as _s, time as _t
class _SLTimer:
    records = []
    depth = 0
    def find_spec(self, name, path=None, target=None):
        for finder in _s.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        inner = spec.loader
        if inner is None or not hasattr(inner, "exec_module"):
            return spec
        timer = self
        class _Loader:
            def create_module(self, spec):
                return inner.create_module(spec)
            def exec_module(self, module):
                start = _t.perf_counter()
                timer.depth += 1
                try:
                    inner.exec_module(module)
                finally:
                    timer.depth -= 1
                    timer.records.append((name, timer.depth, _t.perf_counter() - start))
            def __getattr__(self, attr):
                return getattr(inner, attr)
        spec.loader = _Loader()
        return spec
_s.meta_path.insert(0, _SLTimer())
'''

IMPORT_REPORT = r'''
import json as _j, sys as _s
_timer = next(f for f in _s.meta_path if type(f).__name__ == "_SLTimer")
print(_j.dumps(_timer.records)); _timer.records.clear()
'''

INSTALLED = r'''
import json, os, glob
out = {}
for d in glob.glob("/lib/python3.12/site-packages/*.dist-info"):
    times = [os.stat(os.path.join(d, f)).st_mtime for f in os.listdir(d)]
    out[os.path.basename(d).split("-")[0]] = max(times)
print(json.dumps(out))
'''

#: Groups for the import split: the first prefix that matches names the group.
GROUPS = [("matplotlib.font_manager", "matplotlib's font cache (font_manager's own time)"),
          ("matplotlib", "matplotlib (and PIL, kiwisolver, …)"), ("PIL", "matplotlib (and PIL, kiwisolver, …)"),
          ("kiwisolver", "matplotlib (and PIL, kiwisolver, …)"), ("contourpy", "matplotlib (and PIL, kiwisolver, …)"),
          ("fontTools", "matplotlib (and PIL, kiwisolver, …)"), ("pyparsing", "matplotlib (and PIL, kiwisolver, …)"),
          ("cycler", "matplotlib (and PIL, kiwisolver, …)"), ("numpy", "numpy"), ("pandas", "pandas (and dateutil, pytz)"),
          ("dateutil", "pandas (and dateutil, pytz)"), ("pytz", "pandas (and dateutil, pytz)"),
          ("ipywidgets", "ipywidgets"), ("summit_lessons", "summit_lessons itself")]


def chromium_cpu_seconds() -> dict[int, float]:
    """User + system CPU seconds of each Chromium process started from this one, by pid (live ones).

    Subtract two readings with :func:`cpu_between`: a renderer that exits between them takes its
    seconds with it, so a plain difference of totals can go negative."""
    import psutil

    seen: dict[int, float] = {}
    for p in psutil.Process().children(recursive=True):
        try:
            if "chrom" in p.name():
                c = p.cpu_times()
                seen[p.pid] = c.user + c.system
        except psutil.Error:
            pass
    return seen


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the processes alive at ``after`` spent since ``before`` (new ones counted whole)."""
    return sum(max(0.0, t - before.get(pid, 0.0)) for pid, t in after.items())


def import_split(records: list[list[Any]]) -> dict[str, float]:
    """Own time (cumulative minus direct children's) per group, in seconds."""
    own: dict[str, float] = {}
    # records come in completion order: a module's children complete before it, one level deeper.
    pending: dict[int, float] = {}
    for name, depth, seconds in records:
        children = pending.pop(depth + 1, 0.0)
        pending[depth] = pending.get(depth, 0.0) + seconds
        group = next((g for prefix, g in GROUPS if name == prefix or name.startswith(prefix + ".")), "other modules")
        own[group] = own.get(group, 0.0) + seconds - children
    return dict(sorted(own.items(), key=lambda kv: -kv[1]))


def _run_cell(v: Visit, index: int) -> float:
    """Run code cell ``index`` of the open notebook as a person would (Shift+Enter); seconds to done."""
    start = time.perf_counter()
    v.page.evaluate("""(i) => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      const cells = nb.model.sharedModel.cells;
      const code = cells.map((c, n) => [c, n]).filter(([c]) => c.cell_type === 'code');
      code[i][0].execution_count = null;
      nb.activeCellIndex = code[i][1];
      return window.jupyterapp.commands.execute('notebook:run-cell');
    }""", index)
    v.page.wait_for_function("""(i) => {
      const w = window.jupyterapp.shell.currentWidget;
      const c = w.content.model.sharedModel.cells.filter(c => c.cell_type === 'code')[i];
      return c.execution_count !== null && w.sessionContext.session.kernel.status === 'idle';
    }""", arg=index, timeout=300_000, polling=50)
    return time.perf_counter() - start


def _code_cells(v: Visit) -> list[str]:
    return v.page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.model.sharedModel.cells
      .filter(c => c.cell_type === 'code').map(c => c.source)""")


def trace_start(browser: Any, base: str, lesson: str, v: Visit | None = None) -> dict[str, Any]:
    """Open ``lesson`` (in ``v``'s browser context if given, so its cache is warm), run its first
    code cell and its first chart cell, and return the split (seconds from the page request)."""
    v = v or Visit(browser, base)
    browser.start_tracing(page=v.page, categories=CATEGORIES)
    cpu0, wall0, t0 = chromium_cpu_seconds(), time.time(), time.perf_counter()
    open_lesson(v, lesson)
    idle = time.perf_counter() - t0
    v.page.evaluate(EXEC, IMPORT_TIMER)
    first_cell = _run_cell(v, 0)
    done = time.perf_counter() - t0
    cpu1 = chromium_cpu_seconds()
    first_imports = json.loads(v.page.evaluate(EXEC, IMPORT_REPORT))
    installed = json.loads(v.page.evaluate(EXEC, INSTALLED))
    cells = _code_cells(v)
    chart_index = next((i for i, c in enumerate(cells) if "plots." in c and i > 0), None)
    chart = chart_imports = None
    if chart_index is not None:
        for i in range(1, chart_index):  # the cells before it, so the chart has its inputs
            _run_cell(v, i)
        v.page.evaluate(EXEC, IMPORT_REPORT)  # drop what those cells imported
        chart = _run_cell(v, chart_index)
        chart_imports = json.loads(v.page.evaluate(EXEC, IMPORT_REPORT))
    trace = json.loads(browser.stop_tracing())["traceEvents"]
    out = _split_trace(trace, wall0, installed)
    out.update(idle=idle, first_cell=first_cell, first_cell_done=done, chromium_cpu_s=cpu_between(cpu0, cpu1),
               first_cell_imports=import_split(first_imports), chart_cell=chart,
               chart_cell_imports=import_split(chart_imports) if chart_imports is not None else None)
    out["kernel own start"] = idle - out["last package installed"]
    return out


def _split_trace(events: list[dict[str, Any]], wall0: float, installed: dict[str, float]) -> dict[str, Any]:
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["name"] == "thread_name"}
    sends = {e["args"]["data"]["requestId"]: e for e in events if e["name"] == "ResourceSendRequest"}
    finish = {e["args"]["data"]["requestId"]: e for e in events if e["name"] == "ResourceFinish"}
    lab = [e["ts"] for e in sends.values() if "/lab/index.html" in e["args"]["data"]["url"]]
    t0 = min(lab) if lab else min(e["ts"] for e in sends.values())
    files: dict[str, dict[str, float]] = {}
    for rid, e in sends.items():
        url = e["args"]["data"]["url"]
        if "/static/pyodide/" not in url:
            continue
        name = url.rsplit("/", 1)[-1].split("?")[0]
        f = finish.get(rid)
        start, end = (e["ts"] - t0) / 1e6, ((f["ts"] - t0) / 1e6 if f else float("nan"))
        size = f["args"]["data"].get("decodedBodyLength", 0) if f else 0
        old = files.get(name)
        if old is None or size > old["bytes"]:  # a file appears twice (service worker); keep the real fetch
            files[name] = {"start": start, "end": end, "bytes": size}
    core = [f for n, f in files.items() if not n.endswith((".whl", ".zip")) or n == "python_stdlib.zip"]
    wheels = {n: f for n, f in files.items() if n.endswith((".whl", ".zip")) and n != "python_stdlib.zip"}
    for n, f in wheels.items():
        key = n.split("-")[0]
        f["installed"] = installed.get(key, installed.get(key.replace("_", "-"), float("nan"))) - wall0
    worker = {k for k, name in threads.items() if name == "DedicatedWorker thread"}
    compile_fg = sum(e.get("dur", 0) for e in events if (e["pid"], e["tid"]) in worker and e["name"] in (
        "wasm.SyncCompile", "wasm.AsyncCompile", "wasm.CompileLazy", "wasm.FinishAsyncCompile")) / 1e6
    tier_up = sum(e.get("tdur", e.get("dur", 0)) for e in events
                  if e["name"] == "wasm.ExecuteCompilationUnits" and (e["pid"], e["tid"]) not in worker) / 1e6
    cache_hits = sum(1 for e in events if e["name"] in ("wasm.Deserialize", "CacheHit") and e.get("ph") == "X")
    boot_start = min((f["start"] for n, f in files.items() if n == "pyodide.js"), default=float("nan"))
    installs = [f["installed"] for f in wheels.values() if f["installed"] == f["installed"]]
    return {
        "JupyterLab page until the kernel asks for Pyodide": boot_start,
        "Pyodide core fetched": max((f["end"] for f in core), default=float("nan")) - boot_start,
        "packages fetched (all, in parallel)": (max(f["end"] for f in wheels.values()) - min(f["start"] for f in wheels.values())) if wheels else 0.0,
        "first package installed": min(installs, default=float("nan")),
        "last package installed": max(installs, default=float("nan")),
        "wasm compile on the kernel's thread": compile_fg,
        "wasm tier-up on background threads (CPU)": tier_up,
        "wasm code cache hits": cache_hits,
        "files": files,
    }


def report(name: str, r: dict[str, Any]) -> list[str]:
    """Lines of a plain-text table for one start."""
    lines = [f"{name}: first cell done {r['first_cell_done']:.2f} s after the page request "
             f"(Chromium CPU {r['chromium_cpu_s']:.1f} s)"]
    rows = [("JupyterLab page until the kernel asks for Pyodide", r["JupyterLab page until the kernel asks for Pyodide"]),
            ("Pyodide core fetched (js, wasm, stdlib, lock)", r["Pyodide core fetched"]),
            ("packages fetched, all in parallel", r["packages fetched (all, in parallel)"]),
            ("Pyodide boot + first package installed (at)", r["first package installed"]),
            ("last package installed (at)", r["last package installed"]),
            ("kernel's own start (ipykernel, comm, IPython) to Idle", r["kernel own start"]),
            ("Idle (at)", r["idle"]),
            ("first code cell (set-up)", r["first_cell"])]
    rows += [(f"  imports: {g}", s) for g, s in r["first_cell_imports"].items() if s >= 0.005]
    if r["chart_cell"] is not None:
        rows.append(("first chart cell", r["chart_cell"]))
        rows += [(f"  imports: {g}", s) for g, s in r["chart_cell_imports"].items() if s >= 0.005]
    rows += [("wasm compile on the kernel's thread", r["wasm compile on the kernel's thread"]),
             ("wasm tier-up, background threads (CPU s)", r["wasm tier-up on background threads (CPU)"])]
    lines += [f"  {label:58} {value:7.2f} s" for label, value in rows]
    lines.append(f"  {'wasm code cache hits (events)':58} {r['wasm code cache hits']:7d}")
    slow = sorted(((n, f) for n, f in r["files"].items() if n.endswith((".whl", ".zip"))),
                  key=lambda nf: -(nf[1].get("installed", 0) or 0))[:8]
    lines.append("  packages (fetch start → end, installed at; seconds from the page request):")
    lines += [f"    {n[:48]:48} {f['start']:5.2f} → {f['end']:5.2f}  {f.get('installed', float('nan')):5.2f}  "
              f"{f['bytes'] / 1e6:5.2f} MB" for n, f in slow]
    return lines


def trace_cold_and_warm(site: Path, lesson: str = "02_summit_day") -> dict[str, Any]:
    """One cold start (new browser context) and one warm start (same context, second visit)."""
    with serve(site) as base, chromium() as browser:
        v = Visit(browser, base)
        cold = trace_start(browser, base, lesson, v)
        warm = trace_start(browser, base, lesson, v)
        v.close()
        if v.blocked:
            raise RuntimeError(f"the site tried to reach {v.blocked}")
    return {"cold": cold, "warm": warm, "load": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", default=str(ROOT / "build" / "site"))
    ap.add_argument("--lesson", default="02_summit_day")
    ap.add_argument("--out", default=str(ROOT / "build" / "lite-trace.json"))
    args = ap.parse_args(argv)
    r = trace_cold_and_warm(Path(args.site), args.lesson)
    for kind in ("cold", "warm"):
        print("\n".join(report(f"{args.lesson}, {kind} browser cache", r[kind])))
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in r["load"]))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(r, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
