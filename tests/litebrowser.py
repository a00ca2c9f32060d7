"""Driving the JupyterLite site in Debian's headless Chromium: used by tests/test_lite.py and
benchmarks/run.py (so both measure the same thing).

Every request to anything but the served site is aborted and recorded; Chromium also gets a dead
proxy and a host resolver that knows no name, so requests from web workers cannot reach out.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         # Belt and braces beside page routing: workers' requests go to a dead proxy and resolve nothing.
         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` with its own serve.py on 127.0.0.1; yields the base URL."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(site / "serve.py"), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if "serving the lessons" not in line:
            raise RuntimeError(f"serve.py did not start: {line!r}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Visit:
    """A fresh browser context on the site, recording blocked requests and errors."""

    def __init__(self, browser: Any, base: str, viewport: dict[str, int] | None = None):
        self.base = base
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.ctx = browser.new_context(viewport=viewport or {"width": 1280, "height": 1000})
        self.ctx.route("**/*", self._route)
        self.ctx.on("request", self._request)  # includes service-worker and web-worker fetches we can see
        self.page = self.ctx.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _ours(self, url: str) -> bool:
        return url.startswith(self.base + "/") or url.startswith(("data:", "blob:"))

    def _route(self, route: Any) -> None:
        if self._ours(route.request.url):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _request(self, request: Any) -> None:
        if not self._ours(request.url) and request.url not in self.blocked:
            self.blocked.append(request.url)

    def close(self) -> None:
        self.ctx.close()


def open_lesson(v: Visit, name: str, timeout: float = 360) -> None:
    """Open a lesson in JupyterLab (inside the site) and wait until its kernel is idle."""
    page = v.page
    page.goto(f"{v.base}/lab/index.html?path={name}.ipynb", wait_until="domcontentloaded")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext", timeout=180_000)
    page.wait_for_function("(() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;"
                           " return s.session && s.session.kernel && s.session.kernel.status === 'idle'; })()",
                           timeout=timeout * 1000, polling=250)


RUN_STATE = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const cells = nb.content.model.sharedModel.cells.filter(c => c.cell_type === 'code');
  const errors = [];
  let pending = 0;
  for (const c of cells) {
    if (c.execution_count === null) pending++;
    for (const o of c.outputs) if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
  }
  return {pending, errors, status: nb.sessionContext.session.kernel.status, count: cells.length};
}"""


def run_all(v: Visit, timeout: float = 360) -> dict[str, Any]:
    """Clear the stored outputs, Run All, wait until every code cell ran; return the run state."""
    page = v.page
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function(f"(() => {{ const s = ({RUN_STATE})(); return s.pending === s.count; }})()",
                           timeout=20_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.monotonic() + timeout
    state = page.evaluate(RUN_STATE)
    while time.monotonic() < deadline:
        state = page.evaluate(RUN_STATE)
        if state["errors"] or (state["pending"] == 0 and state["status"] == "idle"):
            break
        time.sleep(0.5)
    return state




def first_cell_seconds(v: Visit, name: str) -> float:
    """Seconds from opening a lesson to its first code cell (the imports) having run."""
    page = v.page
    start = time.perf_counter()
    open_lesson(v, name)
    page.evaluate("""() => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      nb.model.sharedModel.cells.forEach(c => { if (c.cell_type === 'code') c.execution_count = null; });
      nb.activeCellIndex = nb.model.sharedModel.cells.findIndex(c => c.cell_type === 'code');
      return window.jupyterapp.commands.execute('notebook:run-cell');
    }""")
    page.wait_for_function("""() => {
      const w = window.jupyterapp.shell.currentWidget;
      const c = w.content.model.sharedModel.cells.find(c => c.cell_type === 'code');
      return c.execution_count !== null && w.sessionContext.session.kernel.status === 'idle';
    }""", timeout=120_000, polling=100)
    return time.perf_counter() - start


CHANGE_PHASE = """async ([explorer, index]) => {
  // The phase checkboxes (the first four of the explorer): one click toggles one phase.
  const box = explorer.querySelectorAll('.sl-choices input[type=checkbox]')[index];
  const figure = () => { const s = explorer.querySelector('svg'); return s ? s.outerHTML : ''; };
  const before = figure();
  const t0 = performance.now();
  box.click();
  while (figure() === before) {
    await new Promise(r => requestAnimationFrame(r));
    if (performance.now() - t0 > 20000) throw new Error('the explorer did not redraw');
  }
  return performance.now() - t0;
}"""


def widget_response_ms(v: Visit, changes: int = 15) -> list[float]:
    """Run lesson 02 and time phase-filter changes in its timeline explorer, to the redrawn figure (ms)."""
    state = run_all(v)
    if state["errors"] or state["pending"]:
        raise RuntimeError(f"lesson 02 did not run: {state}")
    explorer = v.page.locator(".sl-timeline-explorer").first
    explorer.wait_for(state="attached", timeout=30_000)
    explorer.evaluate("e => e.scrollIntoView({block: 'start'})")
    handle = explorer.element_handle()
    times = []
    for i in range(changes + 1):
        ms = v.page.evaluate(CHANGE_PHASE, [handle, i % 4])
        if i:  # the first change warms up the code path
            times.append(ms)
    return times
