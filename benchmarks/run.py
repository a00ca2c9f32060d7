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

from summit_lessons.execute import execute_notebook
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


# ------------------------------------------------------------------ 1. floor

def floor_notebook(folder: Path) -> Path:
    nb = new_notebook(cells=[new_code_cell(
        "import pandas, matplotlib.pyplot as plt, ipywidgets\nplt.plot([1, 2, 3])\nplt.show()")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "floor.ipynb"
    nbformat.write(nb, path)
    return path


# ------------------------------------------------------------------ 2. lessons

def execute_all_serial(paths: list[Path]) -> None:
    for p in paths:
        execute_notebook(p)


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


# ------------------------------------------------------------------ 7. JupyterLite site

def bench_lite(row: Callable[..., None], rows: list, results: dict, tmp: Path, runs: int) -> None:
    """Site build (cold, nothing changed), sizes, time to first executed cell (cold and warm
    browser cache) and the explorer's response in Chromium; skipped without .venv-lite or chromium."""
    sys.path.insert(0, str(ROOT / "tests"))
    from litebrowser import CHROMIUM, Visit, chromium, first_cell_seconds, serve, widget_response_ms

    from summit_lessons.litesite import sizes

    if not (ROOT / ".venv-lite" / "bin" / "jupyter").exists() or not Path(CHROMIUM).exists():
        print("      skipped: run `make lite-tools` and `make browser` first", flush=True)
        return
    site = tmp / "site"
    cold = measure(lambda: _run([CLI, "site", "--out", str(site), "--force"]), runs)
    row("site build, cold (downloads cached)", cold)
    warm = measure(lambda: _run([CLI, "site", "--out", str(site)]), max(runs, 5))
    row("site build, nothing changed", warm, "<= 1 s", warm["median"] <= 1.0)
    parts = sizes(site)
    results["site sizes"] = {**parts, "target": "<= 70 MB", "ok": parts["total"] <= 70_000_000}
    for name, size in parts.items():
        rows.append((f"site size: {name}", f"{size / 1e6:8.1f} MB", "<= 70 MB" if name == "total" else "",
                     ("ok" if size <= 70_000_000 else "MISSED") if name == "total" else ""))
    with serve(site) as base, chromium() as browser:
        colds, warms, clicks = [], [], []
        for _ in range(runs):
            v = Visit(browser, base)  # a new context: an empty browser cache
            colds.append(first_cell_seconds(v, "02_summit_day"))
            warms.append(first_cell_seconds(v, "02_summit_day"))  # same context: cached files
            clicks += widget_response_ms(v, changes=15)
            v.close()
            if v.blocked:
                raise RuntimeError(f"the site tried to reach {v.blocked}")

    def stats(ts: list[float]) -> dict[str, float]:
        return {"median": statistics.median(ts), "min": min(ts), "max": max(ts), "runs": len(ts)}

    c, w, k = stats(colds), stats(warms), stats([x / 1000 for x in clicks])
    row("site: first executed cell, cold browser cache", c, "<= 30 s", c["median"] <= 30)
    row("site: first executed cell, warm browser cache", w, "<= 8 s", w["median"] <= 8)
    row("site: explorer filter change to updated view", k, "<= 150 ms", k["median"] <= 0.150, unit="ms")


# ------------------------------------------------------------------ report

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (default 3)")
    ap.add_argument("--out", default=str(ROOT / "build" / "bench.json"))
    ap.add_argument("--no-lite", action="store_true", help="skip the JupyterLite site figures")
    ap.add_argument("--only-lite", action="store_true", help="only the JupyterLite site figures")
    args = ap.parse_args(argv)
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
        print(f"[1/6] floor: one-cell notebook (pandas + matplotlib + ipywidgets + one plot), {runs} runs", flush=True)
        floor = measure(lambda: execute_notebook(floor_notebook(tmp)), runs)
        row("floor: one-cell notebook", floor)

        print(f"[2/6] lessons: {n} notebooks, serial and with 2 workers", flush=True)
        serial = measure(lambda: execute_all_serial(lessons), runs)
        limit = 1.5 * n * floor["median"]
        row("lessons serial", serial, f"<= 1.5 x {n} x floor = {limit:.2f} s", serial["median"] <= limit)
        par = measure(lambda: execute_all_parallel(lessons), runs)
        row("lessons, 2 workers", par, f"{par['median'] / serial['median']:.2f} x serial")

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
        one = measure(lambda: fresh_import("from summit_lessons.execute import execute_notebook; "
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

        print("[lite] JupyterLite site: build, sizes, first cell and widget response in Chromium", flush=True)
        if not args.no_lite:
            bench_lite(row, rows, results, tmp, runs)

    _write_report(rows, results, args.out)
    return 0


def _write_report(rows: list, results: dict, out: str) -> None:
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
