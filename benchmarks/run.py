"""`make bench`: measure the package's work against its floors, as ratios taken in one run.

The machine is shared and noisy, so every figure is the median of several runs (min and max
shown), and every target is a ratio against a floor measured in the same run.

    python benchmarks/run.py [--runs N] [--out build/bench.json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from hubload import TARGET_30_S, TARGET_CPU_S, hub_load
from hubload import rows as hub_rows
from summit_lessons.publish.execute import execute_notebook
from summit_lessons.lessons import notebook_paths

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLI = str(BIN / "summit-lessons")


def measure(fn: Callable[[], object], runs: int) -> dict[str, float]:
    """Median, min and max wall time of ``runs`` calls (seconds)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": runs}


def _run(cmd: list[str], **kw) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


# ------------------------------------------------------------------ 1. floors, measured as the lessons run

#: Modules whose import is a real cost; a lesson's floor imports those the lesson itself imports.
HEAVY = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "ipywidgets", "summit_lessons.loader",
         "summit_lessons.timeline", "summit_lessons.plots", "summit_lessons.widgets", "summit_lessons.quizzes",
         "summit_lessons.grading", "summit_lessons.lessons", "summit_lessons.publish.editions")

_REPORT_MODULES = "import sys, json\nprint(json.dumps([m for m in {mods!r} if m in sys.modules]))"


def _notebook(cells: list[str], path: Path) -> Path:
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def lesson_floors(lessons: list[Path], folder: Path) -> dict[str, dict[str, Path]]:
    """For each lesson, the notebooks that bound it from below, run by the same runner:

    * ``empty``: no cells (kernel start and shutdown only);
    * ``floor``: the lesson's own set-up cell plus an import of every heavy module the lesson
      ends up importing (found by running the lesson once with a cell that lists them).

    A lesson runs everything its floor runs and more, so lesson time / floor >= 1 up to noise,
    and lesson - floor is the lesson's own work (loading tables, drawing, building widgets).
    """
    out: dict[str, dict[str, Path]] = {}
    empty = _notebook([], folder / "empty.ipynb")
    for p in lessons:
        nb = nbformat.read(p, as_version=4)
        setup = next(c.source for c in nb.cells if c.cell_type == "code")
        probe = nbformat.read(p, as_version=4)
        probe.cells.append(new_code_cell(_REPORT_MODULES.format(mods=HEAVY)))
        # In the scratch folder, never beside the lessons (other tools list that folder); the
        # lessons read their data through the package, so the working folder does not matter.
        probe_path = folder / f"probe-{p.stem}.ipynb"
        nbformat.write(probe, probe_path)
        ran = execute_notebook(probe_path)
        used = json.loads(ran.cells[-1].outputs[0]["text"])
        floor = _notebook([setup, "\n".join(f"import {m}" for m in used)], folder / f"floor-{p.stem}.ipynb")
        out[p.stem] = {"empty": empty, "floor": floor, "lesson": p, "modules": used}
    return out


def interleaved_lessons(floors: dict[str, dict[str, Path]], runs: int) -> dict[str, dict[str, list[float]]]:
    """Time empty, floor and lesson of every lesson in turn, ``runs`` rounds (noise hits all alike)."""
    times: dict[str, dict[str, list[float]]] = {k: {"empty": [], "floor": [], "lesson": []} for k in floors}
    execute_notebook(next(iter(floors.values()))["empty"])  # untimed: the runner's own first imports
    for _ in range(runs):
        for stem, nbs in floors.items():
            for kind in ("empty", "floor", "lesson"):
                t = time.perf_counter()
                execute_notebook(nbs[kind])
                times[stem][kind].append(time.perf_counter() - t)
    return times


def _stats(ts: list[float]) -> dict[str, float]:
    return {"median": statistics.median(ts), "min": min(ts), "max": max(ts), "runs": len(ts)}


# ------------------------------------------------------------------ 2. lessons

def execute_all_parallel(paths: list[Path], workers: int = 2) -> None:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(execute_notebook, paths))


# ------------------------------------------------------------------ 3. handouts

def handouts_cold(out: Path, cache: Path) -> None:
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    _run([CLI, "handouts", "--out", str(out), "--cache", str(cache)])


def handouts_warm(out: Path, cache: Path) -> None:
    _run([CLI, "handouts", "--out", str(out), "--cache", str(cache)])


def naive_baseline(paths: list[Path], out: Path) -> None:
    """What a teacher would do without the package: nbconvert once per notebook per edition."""
    for p in paths:
        for edition in ("student", "teacher"):
            _run([str(BIN / "jupyter"), "nbconvert", "--execute", "--to", "html", "--output-dir", str(out / edition),
                  str(p)], cwd=p.parent)


# ------------------------------------------------------------------ 4. import and load

def fresh_import(code: str) -> None:
    _run([sys.executable, "-c", code])


def interleaved(base: str, ours: str, runs: int) -> tuple[dict[str, float], dict[str, float], float]:
    """Time two fresh-process imports alternately, so machine noise hits both alike.

    Returns both timings and the median of the per-pair ratios ours / base.
    """
    a_times, b_times = [], []
    for _ in range(runs):
        for code, times in ((base, a_times), (ours, b_times)):
            t = time.perf_counter()
            fresh_import(code)
            times.append(time.perf_counter() - t)

    def stats(ts: list[float]) -> dict[str, float]:
        return {"median": statistics.median(ts), "min": min(ts), "max": max(ts), "runs": len(ts)}

    return stats(a_times), stats(b_times), statistics.median(b / a for a, b in zip(a_times, b_times))


# ------------------------------------------------------------------ 5. widget

def widget_update_times(n: int = 60) -> dict[str, float]:
    from summit_lessons.widgets import TimelineExplorer

    ex = TimelineExplorer()
    options = [(), ("summit-day",), ("background", "pre-summit"), ("aftermath",)]
    times = []
    for i in range(n):
        t = time.perf_counter()
        ex.phase.value = options[i % len(options)]
        times.append(time.perf_counter() - t)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": n}


# ------------------------------------------------------------------ 6. set-up from a fresh clone

def fresh_clone_setup(tmp: Path, installer: str = "uv") -> dict[str, float]:
    """``git clone`` this repository, then time ``make setup`` and ``make handouts`` in it.

    The handout cache is empty (a new ``XDG_CACHE_HOME``); uv's and pip's download caches are
    this machine's own (warm after the first install here), as on a teacher's second machine.
    """
    clone = tmp / f"clone-{installer}"
    shutil.rmtree(clone, ignore_errors=True)
    _run(["git", "clone", "--quiet", str(ROOT), str(clone)])
    home_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MAKEFLAGS", "MAKELEVEL")}
    env.update(XDG_CACHE_HOME=str(tmp / f"xdg-{installer}"), UV_CACHE_DIR=os.environ.get("UV_CACHE_DIR") or
               str(home_cache / "uv"), PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR") or str(home_cache / "pip"),
               PATH=os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != BIN))
    times = {}
    for target in ("setup", "handouts"):
        t = time.perf_counter()
        _run(["make", "-C", str(clone), f"INSTALLER={installer}", target], env=env)
        times[target] = time.perf_counter() - t
    shutil.rmtree(clone, ignore_errors=True)
    return times


# ------------------------------------------------------------------ 7. JupyterLite site

def bench_lite(row: Callable[..., None], rows: list, results: dict, tmp: Path, runs: int) -> None:
    """Site build (cold, nothing changed), sizes, time to first executed cell (cold and warm browser
    cache) of lesson 02 and of every other lesson, the explorer's response in Chromium, and a traced
    cold and warm start split into its parts (benchmarks/litetrace.py); skipped without .venv-lite
    or chromium. Beside each wall time: the CPU seconds Chromium used, steadier on a shared machine."""
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from litebrowser import CHROMIUM, Visit, chromium, first_cell_seconds, serve, widget_response_ms
    from litetrace import chromium_cpu_seconds, cpu_between, report, trace_cold_and_warm

    from summit_lessons.lessons import notebook_paths
    from summit_lessons.publish.litesite import sizes

    if not (ROOT / ".venv-lite" / "bin" / "jupyter").exists() or not Path(CHROMIUM).exists():
        print("      skipped: run `make lite-tools` and `make browser` first", flush=True)
        return
    site = tmp / "site"
    cold = measure(lambda: _run([CLI, "site", "--out", str(site), "--force"]), runs)
    row("site build, cold (downloads cached)", cold)
    warm = measure(lambda: _run([CLI, "site", "--out", str(site)]), max(runs, 5))
    row("site build, nothing changed", warm, "<= 1 s", warm["median"] <= 1.0)
    parts = sizes(site)
    results["site sizes"] = {**parts, "target": "<= 60 MB", "ok": parts["total"] <= 60_000_000}
    for name, size in parts.items():
        rows.append((f"site size: {name}", f"{size / 1e6:8.2f} MB", "<= 60 MB" if name == "total" else "",
                     ("ok" if size <= 60_000_000 else "MISSED") if name == "total" else ""))
    others = [p.stem for p in notebook_paths() if p.stem != "02_summit_day"]

    def timed(v: Visit, lesson: str) -> tuple[float, float]:
        cpu = chromium_cpu_seconds()
        seconds = first_cell_seconds(v, lesson)
        return seconds, cpu_between(cpu, chromium_cpu_seconds())

    load = [os.getloadavg()[0]]
    with serve(site) as base, chromium() as browser:
        colds, warms, cold_cpu, warm_cpu, clicks = [], [], [], [], []
        other: dict[str, list[float]] = {k: [] for k in others}
        for _ in range(runs):
            v = Visit(browser, base)  # a new context: an empty browser cache
            s, c = timed(v, "02_summit_day")
            colds.append(s), cold_cpu.append(c)
            s, c = timed(v, "02_summit_day")  # same context: cached files
            warms.append(s), warm_cpu.append(c)
            clicks += widget_response_ms(v, changes=15)  # in lesson 02, still open
            for lesson in others:  # warm too, so each compares with lesson 02's warm start
                other[lesson].append(first_cell_seconds(v, lesson))
            v.close()
            load.append(os.getloadavg()[0])
            if v.blocked:
                raise RuntimeError(f"the site tried to reach {v.blocked}")

    def stats(ts: list[float]) -> dict[str, float]:
        return {"median": statistics.median(ts), "min": min(ts), "max": max(ts), "runs": len(ts)}

    c, w, k = stats(colds), stats(warms), stats([x / 1000 for x in clicks])
    row("site: first executed cell, cold browser cache", c, "<= 8 s", c["median"] <= 8)
    row("  Chromium CPU seconds to that point, cold", stats(cold_cpu))
    row("site: first executed cell, warm browser cache", w, "<= 5 s", w["median"] <= 5)
    row("  Chromium CPU seconds to that point, warm", stats(warm_cpu))
    for lesson, ts in other.items():
        m = stats(ts)
        row(f"site: {lesson} first cell, warm", m, f"within 1 s of 02 ({w['median']:.2f} s)",
            abs(m["median"] - w["median"]) <= 1.0)
    row("site: explorer filter change to updated view", k, "<= 50 ms", k["median"] <= 0.050, unit="ms")
    rows.append(("  load average (1 min) during these runs", f"{min(load):.2f} to {max(load):.2f}", "", ""))
    results["site load average"] = {"min": min(load), "max": max(load)}

    print("[lite] tracing one cold and one warm start of lesson 02", flush=True)
    trace = trace_cold_and_warm(site)
    for kind in ("cold", "warm"):
        print("\n".join(report(f"02_summit_day, {kind} browser cache (traced)", trace[kind])), flush=True)
    results["site start trace"] = {kind: {k: v for k, v in trace[kind].items() if k != "files"} for kind in ("cold", "warm")}
    results["site start trace"]["load"] = list(trace["load"])


# ------------------------------------------------------------------ report

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (default 3)")
    ap.add_argument("--out", default=str(ROOT / "build" / "bench.json"))
    ap.add_argument("--floors-only", action="store_true", help="only the floors and the lessons (steps 1-2)")
    ap.add_argument("--only", choices=["setup", "hub"], default=None,
                    help="run only the set-up or the JupyterHub load measurements")
    ap.add_argument("--students", default="10,20,30", help="class sizes for the hub load test (default 10,20,30)")
    ap.add_argument("--no-lite", action="store_true", help="skip the JupyterLite site figures")
    ap.add_argument("--only-lite", action="store_true", help="only the JupyterLite site figures")
    args = ap.parse_args(argv)
    if args.only:
        return _setup_and_hub(args, only=args.only)
    runs = args.runs
    lessons = notebook_paths()
    n = len(lessons)
    results: dict[str, dict] = {}
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, m: dict[str, float], target: str = "", ok: bool | None = None, unit: str = "s") -> None:
        scale = 1000 if unit == "ms" else 1
        fig = f"{m['median'] * scale:8.3f} {unit} (min {m['min'] * scale:.3f}, max {m['max'] * scale:.3f})"
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        rows.append((name, fig, target, verdict))
        results[name] = {**m, "target": target, "ok": ok}

    if args.only_lite:  # the site's figures alone: the others take several minutes
        with tempfile.TemporaryDirectory() as tmp_name:
            bench_lite(row, rows, results, Path(tmp_name), runs)
        _write_report(rows, results, args.out)
        return 0

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print(f"[1/6] floors: each lesson beside an empty notebook and its own set-up + imports, {runs} rounds",
              flush=True)
        floors = lesson_floors(lessons, tmp)
        per = interleaved_lessons(floors, runs)
        breakdown = {}
        for stem, t in per.items():
            lesson_m, floor_m, empty_m = (statistics.median(t[k]) for k in ("lesson", "floor", "empty"))
            ratios = [a / b for a, b in zip(t["lesson"], t["floor"])]
            breakdown[stem] = {"lesson": lesson_m, "kernel start": empty_m, "imports": floor_m - empty_m,
                               "own work": lesson_m - floor_m, "lesson / floor (median of rounds)": statistics.median(ratios),
                               "imported": floors[stem]["modules"]}
            row(f"{stem}: lesson", _stats(t["lesson"]), f"floor {floor_m:.2f} s, ratio {statistics.median(ratios):.2f}")
        results["breakdown"] = breakdown
        for stem, b in breakdown.items():
            rows.append((f"  {stem} split", f"kernel {b['kernel start']:.2f} + imports {b['imports']:.2f} "
                         f"+ own work {b['own work']:.2f} s", "", ""))

        print(f"[2/6] lessons: all {n} serially (sum of the rounds above) and with 2 workers", flush=True)
        serial_runs = [sum(per[s]["lesson"][i] for s in per) for i in range(runs)]
        floor_runs = [sum(per[s]["floor"][i] for s in per) for i in range(runs)]
        serial = _stats(serial_runs)
        ratio = statistics.median(a / b for a, b in zip(serial_runs, floor_runs))
        row("lessons serial", serial, f"<= 1.5 x sum of floors (ratio {ratio:.2f})", ratio <= 1.5)
        par = measure(lambda: execute_all_parallel(lessons), runs)
        row("lessons, 2 workers", par, f"{par['median'] / serial['median']:.2f} x serial")

        if args.floors_only:
            return _report(rows, results, args.out)
        print("[3/6] handouts: cold build, naive nbconvert baseline, warm rebuild, one notebook touched", flush=True)
        out, cache = tmp / "handouts", tmp / "cache"
        cold = measure(lambda: handouts_cold(out, cache), runs)
        base = measure(lambda: naive_baseline(lessons, tmp / "naive"), max(1, runs - 1))
        row("naive nbconvert baseline (12 runs)", base)
        row("handouts cold (both editions)", cold, f"<= 0.6 x baseline = {0.6 * base['median']:.2f} s",
            cold["median"] <= 0.6 * base["median"])
        warm = measure(lambda: handouts_warm(out, cache), max(runs, 5))
        row("handouts warm (nothing changed)", warm, "<= 0.5 s", warm["median"] <= 0.5)
        _touch_one_and_build(lessons, tmp, out, cache)  # the first call builds the copied lessons once
        touched = measure(lambda: _touch_one_and_build(lessons, tmp, out, cache), runs)
        # "About one notebook's cost": executing the changed notebook from a fresh process, as the
        # command must, measured now; the rebuild may add half again for the export of both editions.
        one = measure(lambda: fresh_import("from summit_lessons.publish.execute import execute_notebook; "
                                           f"execute_notebook({str(lessons[-1])!r})"), runs)
        row(f"execute {lessons[-1].stem} alone (fresh process)", one)
        row("handouts, one notebook changed", touched, f"<= 1.5 x that notebook = {1.5 * one['median']:.2f} s",
            touched["median"] <= 1.5 * one["median"])

        print("[4/6] import summit_lessons and load every table, in a fresh process", flush=True)
        pandas_only, ours, ratio = interleaved("import pandas", "import summit_lessons as s; s.load_all()",
                                               max(runs * 3, 11))
        row("import pandas (fresh process)", pandas_only)
        row("import summit_lessons + load all", ours, f"<= 1.2 x pandas (pairwise median {ratio:.2f} x)",
            ratio <= 1.2)

        print("[5/6] timeline explorer: filter change to updated view", flush=True)
        w = widget_update_times()
        row("widget update (median of 60)", w, "<= 15 ms", w["median"] <= 0.015, unit="ms")

        print("[6/6] sizes", flush=True)
        bundle = tmp / "bundle.zip"
        _run([CLI, "bundle", "--out", str(bundle), "--handouts", str(out), "--cache", str(cache)])
        sizes = {str(p.relative_to(out)): p.stat().st_size for p in sorted(out.rglob("*.html"))}
        biggest = max(sizes.values())
        results["sizes"] = {"handouts": sizes, "bundle": bundle.stat().st_size, "target": "each handout <= 1 MB",
                            "ok": biggest <= 1_000_000}
        rows.append(("largest handout", f"{biggest / 1000:8.1f} kB", "<= 1000 kB", "ok" if biggest <= 1_000_000 else "MISSED"))
        rows.append(("offline bundle", f"{bundle.stat().st_size / 1000:8.1f} kB", "", ""))

        if not args.no_lite:
            print("[lite] JupyterLite site: build, sizes, first cell and widget response in Chromium", flush=True)
            bench_lite(row, rows, results, tmp, runs)

    extra_rows, extra = _setup_and_hub_rows(args, runs)
    rows += extra_rows
    results.update(extra)
    return _report(rows, results, args.out)


def _write_report(rows: list, results: dict, out: str) -> None:
    _report(rows, results, out)


def _report(rows: list[tuple[str, str, str, str]], results: dict[str, dict], out: str) -> int:
    """Print the table of figures and write them as JSON."""
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':{width}}  {'median (min, max)':42}  {'target':36}  result")
    for name, fig, target, verdict in rows:
        print(f"{name:{width}}  {fig:42}  {target:36}  {verdict}")
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out_path}")
    missed = [k for k, v in results.items() if v.get("ok") is False]
    if missed:
        print("targets missed: " + ", ".join(missed))


def _setup_and_hub_rows(args: argparse.Namespace, runs: int, only: str | None = None
                        ) -> tuple[list[tuple[str, str, str, str]], dict[str, dict]]:
    """Set-up from a fresh clone (uv, and plain pip once) and the JupyterHub class load test."""
    rows: list[tuple[str, str, str, str]] = []
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if only in (None, "setup"):
            print("[7] fresh clone: make setup + make handouts (uv; handout cache empty, download caches warm)",
                  flush=True)
            uv = [fresh_clone_setup(tmp, "uv") for _ in range(max(1, runs - 1))]
            total = [r["setup"] + r["handouts"] for r in uv]
            stat = {"median": statistics.median(total), "min": min(total), "max": max(total), "runs": len(total)}
            setup_only = statistics.median(r["setup"] for r in uv)
            results["fresh clone make handouts (uv)"] = {**stat, "setup_median": setup_only, "target": "<= 20 s",
                                                         "ok": stat["median"] <= 20}
            rows.append(("fresh clone: make handouts, set-up included (uv)",
                         f"{stat['median']:8.3f} s (min {stat['min']:.3f}, max {stat['max']:.3f})", "<= 20 s",
                         "ok" if stat["median"] <= 20 else "MISSED"))
            rows.append(("  of which set-up (venv, uv, package)", f"{setup_only:8.3f} s", "", ""))
            pip = fresh_clone_setup(tmp, "pip")
            results["fresh clone make setup (plain pip)"] = {"median": pip["setup"], "min": pip["setup"],
                                                             "max": pip["setup"], "runs": 1, "target": "", "ok": None}
            rows.append(("  set-up with INSTALLER=pip instead", f"{pip['setup']:8.3f} s", "", ""))
        if only in (None, "hub"):
            for n in [int(x) for x in args.students.split(",") if x.strip()]:
                print(f"[8] JupyterHub: {n} students start a server and run lesson 02 at the same moment", flush=True)
                r = hub_load(n)
                results[f"hub load {n} students"] = {**r, "target": f"no failures; <= {TARGET_CPU_S} CPU-s per student"
                                                     + (f"; all done <= {TARGET_30_S:.0f} s" if n == 30 else "")}
                rows.extend(hub_rows(r))
    return rows, results


def _setup_and_hub(args: argparse.Namespace, only: str) -> int:
    rows, results = _setup_and_hub_rows(args, args.runs, only)
    width = max(len(r[0]) for r in rows)
    for name, fig, target, verdict in rows:
        print(f"{name:{width}}  {fig:42}  {target:14}  {verdict}")
    out_path = Path(args.out).with_name(f"bench-{only}.json")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out_path}")
    return 0


def _touch_one_and_build(lessons: list[Path], tmp: Path, out: Path, cache: Path) -> None:
    """Copy the lessons, change one notebook's text, rebuild: only that one should execute."""
    folder = tmp / "touched"
    if not folder.exists():
        shutil.copytree(lessons[0].parent, folder)
        _run([CLI, "handouts", "--out", str(out), "--notebooks", str(folder), "--cache", str(cache)])
    nb_path = folder / lessons[-1].name
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[-1].source += " "
    nbformat.write(nb, nb_path)
    _run([CLI, "handouts", "--out", str(out), "--notebooks", str(folder), "--cache", str(cache)])


if __name__ == "__main__":
    raise SystemExit(main())
