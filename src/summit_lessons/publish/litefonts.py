"""matplotlib's font cache for the JupyterLite site, built once by the site's own Pyodide in Node.

Pyodide 0.27.7's matplotlib 3.8.4 ships a ``matplotlib/fontlist.json`` written by a newer
matplotlib (cache version 390, where 3.8.4 expects 330), so every browser visit rebuilt the cache
on the first chart and printed "Matplotlib is building the font cache" into the lesson. The site
build runs the very same Pyodide and matplotlib in Node (``node`` from Debian or nodejs.org),
lets matplotlib scan its fonts once, and writes that cache into the site's copy of the wheel.

The official wheel is checked against Pyodide's lock before this change; the rewritten wheel
gets its own sha256 in the site's lock. Fonts are listed in file-name order, so two builds give
the same bytes.
"""
from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

__all__ = ["FontCacheError", "font_cache_json", "ship_font_cache"]

MEMBER = "matplotlib/fontlist.json"

_NODE_SCRIPT = r"""
const path = require("path");
const dir = path.resolve(process.argv[2]);
const { loadPyodide } = require(path.join(dir, "pyodide.js"));
(async () => {
  const quiet = () => {};
  const py = await loadPyodide({ indexURL: dir + path.sep, packages: ["matplotlib"],
                                 stdout: quiet, stderr: quiet });
  process.stdout.write(py.runPython(`
import json
import matplotlib.font_manager as fm
m = fm.FontManager()  # a fresh scan: the packaged file is the stale one
key = lambda f: (f.fname, f.name, f.style, f.variant, str(f.weight), f.stretch)
m.ttflist.sort(key=key)
m.afmlist.sort(key=key)
json.dumps(m, cls=fm._JSONEncoder, indent=2)
`));
})().catch((e) => { console.error(String(e).split("\n").slice(-2).join(" ")); process.exit(1); });
"""


class FontCacheError(Exception):
    """The font cache could not be built; the message is one line."""


def font_cache_json(pyodide_dir: Path, node: str | None = None, timeout: float = 600) -> bytes:
    """The font cache matplotlib in ``pyodide_dir`` (a complete Pyodide folder) writes for itself."""
    node = node or shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise FontCacheError("node not found: the site build runs Pyodide in Node to build matplotlib's "
                             "font cache (install Node.js 20 or later, e.g. Debian's nodejs)")
    script = pyodide_dir / ".fontcache.js"
    script.write_text(_NODE_SCRIPT, encoding="utf-8")
    try:
        proc = subprocess.run([node, str(script), str(pyodide_dir)], capture_output=True, timeout=timeout)
    finally:
        script.unlink(missing_ok=True)
    if proc.returncode != 0:
        last = (proc.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise FontCacheError(f"building matplotlib's font cache in Pyodide (Node) failed: {last}")
    data = json.loads(proc.stdout)
    if data.get("__class__") != "FontManager" or not data.get("ttflist"):
        raise FontCacheError("building matplotlib's font cache in Pyodide (Node) gave no fonts")
    return proc.stdout


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def ship_font_cache(wheel: Path, cache: bytes) -> None:
    """Rewrite ``wheel`` (matplotlib's) with ``cache`` as its fontlist.json and RECORD to match.

    Every other member keeps its bytes, date and attributes, in the same order.
    """
    tmp = wheel.with_name(wheel.name + ".part")
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(tmp, "w") as dst:
        infos = src.infolist()
        if MEMBER not in {i.filename for i in infos}:
            raise FontCacheError(f"{wheel.name} holds no {MEMBER}: is it Pyodide's matplotlib?")
        for info in infos:
            data = src.read(info)
            if info.filename == MEMBER:
                data = cache
            elif info.filename.endswith(".dist-info/RECORD"):
                lines = []
                for line in data.decode("utf-8").splitlines():
                    if line.startswith(MEMBER + ","):
                        line = f"{MEMBER},{_record_hash(cache)},{len(cache)}"
                    lines.append(line)
                data = ("\n".join(lines) + "\n").encode("utf-8")
            dst.writestr(info, data, compress_type=info.compress_type)
    tmp.replace(wheel)
