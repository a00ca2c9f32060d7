"""The JupyterLite site: the student lessons running in any browser, offline, through Pyodide.

``build_site(out)`` writes a static folder that any web server can serve (a USB stick with
``python serve.py``, a school intranet, a static host). Every file it takes from a registry is
pinned with its sha256 in ``deploy/jupyterlite/site-lock.json`` and checked before use:

- Pyodide's core and its official ``pyodide-lock.json`` from npm (``pyodide@0.27.7``);
- Pyodide's compiled builds (numpy, pandas, matplotlib, …), each accepted only when its sha256
  equals the one in that official lock; ship only the packages the lessons and the kernel need;
- pure-Python wheels from PyPI (ipywidgets, comm, …), the kernel's own wheels (piplite,
  ipykernel, pyodide_kernel) and this package's own wheel, added to the lock so that
  ``loadPyodide`` fetches them all in parallel while the interpreter boots;
- matplotlib's font cache, built by this Pyodide in Node at build time (:mod:`litefonts`);
- the lessons' reveal.js decks in ``slides/`` (:func:`sitepages.write_slides`), reveal.js from the
  npm tarball the handouts' decks use.

The notebooks are the student (or teacher) edition made by :func:`editions.make_edition`.
``jupyter lite build`` runs from a separate tool environment (``.venv-lite``, made by
``make site`` from the hash-pinned ``deploy/jupyterlite/build-tools.txt``), because its pins
differ from the desktop ones. Downloads are cached, so a second build downloads nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..locations import package_dir
from .pins import SiteError, SiteRefused, _check, _fetch_npm, _fetch_pypi, _norm, _sha256
from .sitepages import SERVE_PY, _date_lessons, landing_page, write_slides
from .sitereadme import site_readme

__all__ = ["SiteError", "SiteReport", "build_site", "write_zip", "source_root", "LITE_DIR"]

#: Where the pinned files of the site live, relative to the source checkout.
LITE_DIR = Path("deploy") / "jupyterlite"
#: A fixed time for every file the build writes, so two builds give the same bytes (1 Jan 2025).
EPOCH = 1735689600
#: The Pyodide environment the wheels are added for (Pyodide 0.27.7: Python 3.12, emscripten).
PYODIDE_MARKERS = {"sys_platform": "emscripten", "platform_system": "Emscripten", "os_name": "posix",
                   "platform_machine": "wasm32", "python_version": "3.12", "python_full_version": "3.12.7",
                   "implementation_name": "cpython", "platform_python_implementation": "CPython",
                   "extra": ""}


@dataclass
class SiteReport:
    """What a build wrote."""

    out: Path
    files: list[Path] = field(default_factory=list)
    size: int = 0
    seconds: float = 0.0
    downloaded: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    unchanged: bool = False


def source_root() -> Path:
    """The source checkout holding ``deploy/jupyterlite`` (the site is built from a checkout)."""
    root = package_dir().parents[1]
    if not (root / LITE_DIR / "site-lock.json").is_file():
        raise SiteError(f"{root / LITE_DIR / 'site-lock.json'} not found: build the site from a source "
                        "checkout of summit_lessons (git clone, then make site)")
    return root


# ------------------------------------------------------------------ wheels and the lock

def _wheel_meta(path: Path) -> tuple[str, str, list[str], list[str]]:
    """Name, version, top-level imports and requirements (unevaluated) of a wheel."""
    from email.parser import Parser

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(z.read(meta_name).decode("utf-8"))
        tops = sorted({n.split("/")[0].removesuffix(".py") for n in names
                       if not n.split("/")[0].endswith((".dist-info", ".data")) and (n.endswith(".py") or "/" in n)})
    return meta["Name"], meta["Version"], tops, meta.get_all("Requires-Dist") or []


def _lock_entry(path: Path, known: dict[str, str]) -> dict[str, Any]:
    """A pyodide-lock.json entry for a pure-Python wheel; ``known`` maps normalised to lock names."""
    from packaging.requirements import Requirement

    name, version, tops, reqs = _wheel_meta(path)
    depends = []
    for text in reqs:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate(PYODIDE_MARKERS):
            continue
        dep = known.get(_norm(req.name))
        if dep is None:
            raise SiteError(f"{path.name}: requirement {req.name!r} is in no wheel of the site "
                            f"(add it to {LITE_DIR / 'site-lock.json'})")
        depends.append(dep)
    return {"name": _norm(name), "version": version, "file_name": path.name, "install_dir": "site",
            "sha256": _sha256(path), "package_type": "package", "imports": tops,
            "depends": sorted(set(depends)), "unvendored_tests": False, "shared_library": False}


def _closure(packages: dict[str, Any], roots: Iterable[str]) -> list[str]:
    by_norm = {_norm(k): k for k in packages}
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        key = by_norm.get(_norm(stack.pop()))
        if key is None or key in seen:
            continue
        seen.add(key)
        stack.extend(packages[key]["depends"])
    return sorted(seen)


def _package_wheel(dest: Path, edition: str) -> Path:
    """This package's wheel in the site's edition (the student site's holds no solution text).

    Without the notebooks' stored outputs: the site's own lesson files carry them, and in the
    browser the package reads only the lessons' metadata.
    """
    from .wheel import WheelError, build_wheel

    try:
        return build_wheel(dest, edition, outputs=False)
    except WheelError as exc:
        raise SiteError(str(exc)) from None


def _without_data(wheel: Path, folder: Path) -> Path:
    """A copy of ``wheel`` without its ``*.data/`` files (and their RECORD lines), same bytes each build."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            top = info.filename.split("/")[0]
            if top.endswith(".data"):
                continue
            data = src.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                data = b"".join(line for line in data.splitlines(keepends=True)
                                if not line.split(b"/")[0].endswith(b".data"))
            dst.writestr(info, data, compress_type=info.compress_type)
    return out


def _trim_app(site: Path) -> None:
    """Drop the icon-font formats no current browser asks for (each has a .woff2 beside it),
    and the app icon's sizes no tab shows.

    JupyterLab's stylesheet lists woff2 first; every browser that runs Pyodide reads woff2.
    """
    for font in sorted((site / "build").glob("*.woff2")):
        for ext in (".svg", ".eot", ".ttf", ".woff"):
            font.with_suffix(ext).unlink(missing_ok=True)
    # The app's 320 kB icon holds ten sizes up to 256 px; JupyterLab's own 32 kB one (same logo,
    # the sizes a tab shows) serves as well.
    small = site / "static" / "favicons" / "favicon.ico"
    if small.is_file() and (site / "lab" / "favicon.ico").is_file():
        shutil.copyfile(small, site / "lab" / "favicon.ico")


def _pyodide_folder(spec: dict[str, Any], cache: Path, tools: Path, stage: Path, root: Path,
                    log: list[str], edition: str = "student") -> list[str]:
    """Write ``stage`` = the trimmed Pyodide (core, verified builds, added wheels, merged lock)."""
    where = str(LITE_DIR / "site-lock.json")
    tgz = _fetch_npm(spec["pyodide"], cache, where, log)
    builds = _fetch_pypi(spec["pyodide_builds"], cache, tools / "bin" / "python", where, log)
    stage.mkdir(parents=True)
    with tarfile.open(tgz) as tar:
        official = json.load(tar.extractfile("package/pyodide-lock.json"))  # type: ignore[arg-type]
        for name in spec["pyodide"]["core"]:
            (stage / name).write_bytes(tar.extractfile(f"package/{name}").read())  # type: ignore[union-attr]
    packages: dict[str, Any] = dict(official["packages"])
    # Left out though a package depends on them: the lock's "_leave_out" says why for each.
    gone = {_norm(n) for n in spec.get("leave_out", [])}
    packages = {k: {**v, "depends": [d for d in v["depends"] if _norm(d) not in gone]}
                for k, v in packages.items() if _norm(k) not in gone}

    # Pure wheels from PyPI, from the kernel, and this package: added to (or replacing in) the lock.
    extra: list[Path] = []
    for w in spec["wheels"]:
        wheel = _fetch_pypi(w, cache, tools / "bin" / "python", where, log)
        if w.get("strip_data"):  # browser assets the site serves anyway: no use to Python
            wheel = _without_data(wheel, stage.parent / "stripped")
        extra.append(wheel)
    kernel_pypi = next((tools / "share" / "jupyter" / "labextensions").glob(
        "@jupyterlite/pyodide-kernel-extension/static/pypi"))
    kernel_index = json.loads((kernel_pypi / "all.json").read_text(encoding="utf-8"))
    digests = {f["filename"]: f["digests"]["sha256"]
               for p in kernel_index.values() for rel in p["releases"].values() for f in rel}
    for name in spec["kernel_wheels"]["files"]:
        _check(kernel_pypi / name, digests[name], str(kernel_pypi / "all.json"))
        extra.append(kernel_pypi / name)
    extra.append(_package_wheel(stage.parent / "wheel", edition))
    known = {_norm(k): k for k in packages}
    for w in extra:
        known[_norm(_wheel_meta(w)[0])] = _norm(_wheel_meta(w)[0])
    for w in extra:
        entry = _lock_entry(w, known)
        for k in [k for k in packages if _norm(k) == entry["name"]]:
            del packages[k]  # e.g. Pyodide's older tzdata: the desktop's pin replaces it
        packages[entry["name"]] = entry
        shutil.copyfile(w, stage / w.name)

    keep = _closure(packages, [*spec["preload"], *spec["kernel_packages"]])
    added = {_norm(w.name.split("-")[0]) for w in extra}
    prefix = spec["pyodide_builds"]["folder"]
    with zipfile.ZipFile(builds) as z:
        members = set(z.namelist())
        for key in keep:
            entry = packages[key]
            if entry["name"] in added:
                continue
            member = prefix + entry["file_name"]
            if member not in members:
                raise SiteError(f"{builds.name} holds no {entry['file_name']} (Pyodide package {key}); "
                                f"keep a verified copy of it in {cache} or pin another source in {where}")
            (stage / entry["file_name"]).write_bytes(z.read(member))
            _check(stage / entry["file_name"], entry["sha256"], "Pyodide's official pyodide-lock.json")
    # pyodide 0.27 checks info.version against its own: keep the official info block.
    lock = {"info": official["info"], "packages": {k: packages[k] for k in keep}}
    (stage / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True), encoding="utf-8")
    if "matplotlib" in lock["packages"]:
        _fix_font_cache(stage, lock, cache, log)
    return keep


def _fix_font_cache(stage: Path, lock: dict[str, Any], cache: Path, log: list[str]) -> None:
    """Ship matplotlib's font cache, built by this Pyodide in Node (see :mod:`litefonts`).

    The cache is kept in the download cache under the official wheel's sha256, so a rebuild
    does not start Node again.
    """
    from .litefonts import FontCacheError, font_cache_json, ship_font_cache

    entry = lock["packages"]["matplotlib"]
    kept = cache / f"fontlist-{entry['sha256'][:16]}.json"
    if not kept.is_file():
        try:
            kept.write_bytes(font_cache_json(stage))
        except FontCacheError as exc:
            raise SiteError(str(exc)) from None
        log.append(kept.name)
    wheel = stage / entry["file_name"]
    ship_font_cache(wheel, kept.read_bytes())
    entry["sha256"] = _sha256(wheel)
    (stage / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True), encoding="utf-8")


# ------------------------------------------------------------------ notebooks and pages

def _write_notebooks(dest: Path, edition: str) -> list[dict[str, Any]]:
    import nbformat

    from .editions import make_edition
    from ..lessons import lesson_metas, notebook_paths

    dest.mkdir(parents=True)
    paths = notebook_paths()
    for path in paths:
        nb = make_edition(nbformat.read(path, as_version=4), edition)
        nbformat.write(nb, dest / path.name)
    return lesson_metas(paths)


# ------------------------------------------------------------------ the build

def default_tools() -> Path:
    """The tool environment holding ``jupyter lite`` (``$SUMMIT_LESSONS_LITE_TOOLS`` or ``.venv-lite``)."""
    env = os.environ.get("SUMMIT_LESSONS_LITE_TOOLS")
    return Path(env) if env else source_root() / ".venv-lite"


def default_cache() -> Path:
    """Where downloads are kept between builds (``$SUMMIT_LESSONS_LITE_CACHE`` or build/lite-cache)."""
    env = os.environ.get("SUMMIT_LESSONS_LITE_CACHE")
    return Path(env) if env else source_root() / "build" / "lite-cache"


def _files(folder: Path) -> list[Path]:
    from .outputs import MANIFEST

    return sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() not in (KEY_FILE, MANIFEST))


def _earlier_site(folder: Path) -> bool:
    """A site a version before the output manifest built: its build key, landing page and serve.py."""
    return all((folder / name).is_file() for name in (KEY_FILE, "index.html", "serve.py"))


#: A file in the built site naming everything it was built from; same key, nothing to rebuild.
KEY_FILE = ".summit-lessons-site"


def build_key(root: Path, edition: str, tools: Path) -> str:
    """A digest of everything a site is built from: pins, config, the package (code, data, lessons), tools."""
    h = hashlib.sha256(f"{edition}\n{tools.resolve()}\n".encode())
    for folder in (root / LITE_DIR, package_dir()):
        for p in sorted(folder.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(f"{p.relative_to(folder).as_posix()}\n".encode())
                h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def build_site(out: str | os.PathLike[str] = "build/site", edition: str = "student", *,
               cache: str | os.PathLike[str] | None = None, tools: str | os.PathLike[str] | None = None,
               force: bool = False) -> SiteReport:
    """Build the JupyterLite site into ``out``; the previous site stays until the new one is complete.

    When ``out`` was built from the same inputs (see :func:`build_key`) nothing is rebuilt unless ``force``.
    """
    from .editions import EDITIONS

    if edition not in EDITIONS:
        raise SiteError(f"unknown edition {edition!r}: use student or teacher")
    start = time.perf_counter()
    from .outputs import OutputError, changed_files, prepare_folder, remove_abandoned, swap_in, write_manifest

    try:
        out = prepare_folder(out, "site", legacy=_earlier_site)
    except OutputError as exc:
        raise SiteRefused(str(exc)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(out.parent, ".site-")  # staging folders of builds killed (kill -9) on the way
    root = source_root()
    spec = json.loads((root / LITE_DIR / "site-lock.json").read_text(encoding="utf-8"))
    tools_dir = Path(tools) if tools else default_tools()
    jupyter = tools_dir / "bin" / "jupyter"
    if not jupyter.exists():
        raise SiteError(f"{jupyter} not found: make the tool environment with `make lite-tools` "
                        f"(pip install --require-hashes -r {LITE_DIR / 'build-tools.txt'})")
    cache_dir = (Path(cache) if cache else default_cache()).resolve()
    cache_dir.mkdir(parents=True, exist_ok=True)
    report = SiteReport(out=out)
    key = build_key(root, edition, tools_dir)
    if (not force and (out / KEY_FILE).is_file() and (out / KEY_FILE).read_text(encoding="utf-8") == key
            and changed_files(out, "site") == []):  # the inputs and every output file as built
        report.unchanged = True  # the same inputs give the same files: keep them
        report.files = _files(out)
        report.size = sum(p.stat().st_size for p in report.files)
        report.packages = sorted(json.loads((out / "static" / "pyodide" / "pyodide-lock.json")
                                            .read_text(encoding="utf-8"))["packages"])
        report.seconds = time.perf_counter() - start
        return report

    # The pid in the name lets a later build remove the folder if this one is killed.
    with tempfile.TemporaryDirectory(prefix=f".site-{os.getpid()}-", dir=out.parent) as tmp:
        work = Path(tmp)
        lite = work / "lite"
        lite.mkdir()
        config = json.loads((root / LITE_DIR / "jupyter-lite.json").read_text(encoding="utf-8"))
        kernel = config["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
        if kernel["loadPyodideOptions"]["packages"] != spec["preload"]:
            # The kernel installs whatever it does not find preloaded one package at a time.
            raise SiteError(f"{LITE_DIR / 'jupyter-lite.json'}: loadPyodideOptions.packages must equal "
                            f"\"preload\" in {LITE_DIR / 'site-lock.json'} ({spec['preload']})")
        shutil.copyfile(root / LITE_DIR / "jupyter-lite.json", lite / "jupyter-lite.json")
        shutil.copyfile(root / LITE_DIR / "overrides.json", lite / "overrides.json")
        report.packages = _pyodide_folder(spec, cache_dir, tools_dir, lite / "static" / "pyodide", root,
                                          report.downloaded, edition)
        metas = _write_notebooks(work / "files", edition)
        built = work / "site"
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
        proc = subprocess.run([str(jupyter), "lite", "build", "--lite-dir", str(lite), "--output-dir", str(built),
                               "--contents", str(work / "files"), "--apps", "lab",
                               "--no-sourcemaps", "--no-unused-shared-packages",
                               "--settings-overrides", str(lite / "overrides.json")],
                              cwd=work, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
            if os.environ.get("SUMMIT_LESSONS_LITE_DEBUG"):
                print(proc.stdout, proc.stderr, file=sys.stderr)
            raise SiteError(f"jupyter lite build failed: {lines[-1] if lines else 'no output'}")
        for stray in (".jupyterlite.doit.db",):
            (built / stray).unlink(missing_ok=True)
        _trim_app(built)
        write_slides(built, edition, cache_dir, report.downloaded)
        (built / "index.html").write_text(landing_page(metas, edition), encoding="utf-8")
        _date_lessons(built / "api" / "contents" / "all.json", metas)
        (built / "serve.py").write_text(SERVE_PY, encoding="utf-8")
        # How to serve it and what a school needs: in the folder, so its zip and the bundle carry it.
        size = sum(p.stat().st_size for p in built.rglob("*") if p.is_file())
        (built / "README.txt").write_text(site_readme(edition, size / 1e6), encoding="utf-8")
        (built / KEY_FILE).write_text(key, encoding="utf-8")
        write_manifest(built, "site")
        for p in [built, *built.rglob("*")]:
            os.utime(p, (EPOCH, EPOCH), follow_symlinks=False)
        # Swap in the new site only now: a failed build leaves the previous one whole.
        swap_in(built, out)
    report.files = _files(out)
    report.size = sum(p.stat().st_size for p in report.files)
    report.seconds = time.perf_counter() - start
    return report


def zip_target(dest: str | os.PathLike[str]) -> Path:
    """The real path for ``--zip dest``; :class:`SiteRefused` unless absent or a site zip written before."""
    from .outputs import OutputError, check_replaceable_file

    try:  # only a zip of a site is ever replaced, never another file of that name
        return check_replaceable_file(dest, "site zip", lambda z: bool(z.namelist()) and all(
            n.startswith("summit-lessons-site/") for n in z.namelist()))
    except OutputError as exc:
        raise SiteRefused(str(exc)) from None


def write_zip(site: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """The site as one zip (files in a ``summit-lessons-site/`` folder, fixed dates, same bytes each time)."""
    site = Path(site)
    dest = zip_target(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for p in _files(site):
                info = zipfile.ZipInfo(f"summit-lessons-site/{p.relative_to(site).as_posix()}", (2025, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, p.read_bytes())
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)  # never leave a partial zip behind (a full disk, Ctrl+C)
        raise
    return dest


def sizes(site: str | os.PathLike[str]) -> dict[str, int]:
    """Bytes per part of a built site: Pyodide core, Python packages, JupyterLite app, lessons, slides, total."""
    site = Path(site)
    parts = {"pyodide core": 0, "python packages": 0, "jupyterlite app": 0, "lessons": 0, "slides": 0}
    for p in _files(site):
        rel = p.relative_to(site).as_posix()
        if rel.startswith("static/pyodide/"):
            key = "python packages" if p.suffix in (".whl", ".zip") and p.name != "python_stdlib.zip" else "pyodide core"
        elif rel.startswith("slides/"):
            key = "slides"
        elif rel.startswith("files/") or rel.endswith(".ipynb") or rel.startswith("api/"):
            key = "lessons"
        else:
            key = "jupyterlite app"
        parts[key] += p.stat().st_size
    parts["total"] = sum(parts.values())
    return parts
