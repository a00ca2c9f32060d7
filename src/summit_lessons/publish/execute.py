"""Execute lesson notebooks reproducibly with nbclient.

One function runs one notebook; ``make execute`` uses it to refresh the stored outputs that
nbval compares, and the handout builder uses it for its single execution per notebook.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

# nbformat's validator imports jsonschema, which imports rfc3987_syntax when it is installed (it is,
# via jupyter-events) and builds a grammar there for about 2 s. Notebook validation never uses its
# "iri" format, so mark the module absent before nbformat loads: every build starts 2 s sooner.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402

__all__ = ["ExecutionError", "NotebookError", "execute_notebook", "read_notebook", "clean_metadata", "preload", "main"]

#: Metadata keys a notebook may keep; anything else (personal or tool state) is dropped.
KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info", "summit_lessons", "widgets")
#: ``summit_lessons`` on a cell: e.g. ``answer_lines`` of an exercise for the printed worksheet.
KEEP_CELL_METADATA = ("tags", "alt", "jupyter", "summit_lessons", "slideshow")


class ExecutionError(RuntimeError):
    """A notebook cell raised: names the notebook, the cell and the error."""

    def __init__(self, notebook: str, cell_index: int, code_cell: int, error: str, source: str):
        self.notebook, self.cell_index, self.code_cell, self.error, self.source = notebook, cell_index, code_cell, error, source
        first = source.strip().splitlines()[0] if source.strip() else ""
        super().__init__(f"{notebook}: cell {cell_index + 1} (code cell {code_cell + 1}, starting {first!r}) failed: {error}")


_PRELOAD_LOCK = threading.Lock()
_preloaded = False


def preload() -> None:
    """Import, in the calling thread, every module a kernel start imports lazily.

    Call it before starting worker threads. Two threads importing ``jupyter_client`` at once (or
    one importing nbconvert, which imports nbclient, while another starts a kernel) can see a
    partially initialised module: ``ImportError: cannot import name 'AsyncKernelManager' from
    partially initialized module 'jupyter_client.manager'``. After this call the workers only
    find modules that are already complete.
    """
    global _preloaded
    with _PRELOAD_LOCK:
        if _preloaded:
            return
        import nbclient  # noqa: F401
        import nbclient.client  # noqa: F401
        import nbclient.exceptions  # noqa: F401
        import nbclient.output_widget  # noqa: F401
        import jupyter_client.manager  # noqa: F401
        from jupyter_client import AsyncKernelManager, KernelManager  # noqa: F401  # nbclient's lazy default
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
        from jupyter_client.provisioning import KernelProvisionerFactory

        try:  # the python3 spec comes from ipykernel, imported on first lookup
            spec = KernelSpecManager().get_kernel_spec("python3")
            KernelProvisionerFactory.instance().is_provisioner_available(spec)  # loads the provisioner entry points
        except NoSuchKernel:
            pass  # reported by the kernel start itself, with its own message
        _preloaded = True


class NotebookError(ExecutionError):
    """The notebook itself cannot be run (not JSON, not a valid notebook, no kernel): names the file."""

    def __init__(self, notebook: str, message: str):
        self.notebook, self.cell_index, self.code_cell, self.error, self.source = notebook, -1, -1, message, ""
        RuntimeError.__init__(self, f"{notebook}: {message}")


def read_notebook(path: str | os.PathLike[str]) -> nbformat.NotebookNode:
    """Read and validate a notebook; any fault is one :class:`NotebookError` line naming the file."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise NotebookError(path.name, "is not a notebook: not UTF-8 text") from None
    import json

    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(path.name, f"is not a notebook: broken JSON at line {exc.lineno}, column {exc.colno} "
                                       f"({exc.msg})") from None
    try:
        from nbformat.reader import reads as read_any_version

        # Not nbformat.reads: it logs a validation failure as a long multi-line error and goes on.
        nb = nbformat.convert(read_any_version(text), 4)
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise NotebookError(path.name, f"is not a valid notebook (nbformat 4): {_schema_problem(exc)}") from None
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise NotebookError(path.name, f"is not a valid notebook: {type(exc).__name__}: {exc}") from None
    return nb


def _schema_problem(exc: Any) -> str:
    """A schema failure in words: the cell it is in, not the whole offending JSON."""
    where = list(exc.absolute_path)
    if len(where) >= 2 and where[0] == "cells" and isinstance(where[1], int):
        rest = "/".join(str(p) for p in where[2:])
        kind = exc.instance.get("cell_type") if isinstance(exc.instance, dict) else None
        what = f'its "{rest}" is wrong' if rest else (f"unknown cell_type {kind!r}" if kind else "it is not a notebook cell")
        return f"cell {where[1] + 1}: {what}"
    message = exc.message if len(exc.message) <= 120 else exc.message[:117] + "..."
    return f"{message} (at {'/'.join(str(p) for p in where) or 'the top level'})"


def _cell_words(nb: nbformat.NotebookNode, index: int) -> str:
    if not 0 <= index < len(nb.cells):
        return "before its first cell"
    code = sum(1 for c in nb.cells[:index] if c.cell_type == "code")
    lines = nb.cells[index].source.strip().splitlines()
    return f"cell {index + 1} (code cell {code + 1}, starting {(lines[0] if lines else '')!r})"


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    # The "python3" kernelspec runs plain `python`: make that this interpreter, so the kernel
    # sees the same packages as the caller even when the virtual env is not activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # Stable, quiet kernels: no SVG dates or hash salts, no colour codes in tracebacks.
    env.setdefault("PYTHONHASHSEED", "0")
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.pop("JUPYTER_PLATFORM_DIRS", None)
    return env


def clean_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop execution timings and any metadata outside the keep-lists (in place; returned)."""
    nb.metadata = nbformat.from_dict({k: v for k, v in nb.metadata.items() if k in KEEP_NOTEBOOK_METADATA})
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA})
    return nb


def execute_notebook(path: str | os.PathLike[str], *, timeout: int = 120,
                     store_widget_state: bool = True) -> nbformat.NotebookNode:
    """Run every cell of a notebook in a fresh kernel (cwd = the notebook's folder); return it.

    Cells tagged ``raises-exception`` may raise; any other error raises :class:`ExecutionError`.
    """
    preload()  # a no-op once done; makes a direct call from a thread safe too
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    nb = read_notebook(path)
    running = {"index": -1}  # the cell being run, for a timeout or a dead kernel

    def note_cell(cell: Any = None, cell_index: int = -1, **_kw: Any) -> None:
        running["index"] = cell_index

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=store_widget_state,
        on_cell_execute=note_cell,
        # The kernel's start-up warning about unencrypted local TCP is noise on every run.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    # The kernel process's own stderr (its log, and a traceback when it is stopped mid-cell after
    # a timeout) goes to a file, not the terminal: the caller's one line says what happened, and
    # the file's last line is added when the kernel itself failed.
    kernel_log = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
    try:
        client.execute(env=_kernel_env(), stderr=kernel_log)
    except CellTimeoutError:
        raise NotebookError(path.name, f"{_cell_words(nb, running['index'])} did not finish within {timeout} s "
                                       "(a longer limit: --timeout SECONDS)") from None
    except CellExecutionError as exc:
        index, code_index = _failed_cell(nb)
        source = nb.cells[index].source if index >= 0 else ""
        error = f"{exc.ename}: {exc.evalue}" if getattr(exc, "ename", None) else str(exc).strip().splitlines()[-1]
        raise ExecutionError(path.name, index, code_index, error, source) from None
    except DeadKernelError:
        raise NotebookError(path.name, f"the kernel died while running {_cell_words(nb, running['index'])} "
                                       "(the Python process exited or was killed, e.g. out of memory)") from None
    except NoSuchKernel as exc:
        raise NotebookError(path.name, f"no Jupyter kernel named {exc.args[0] if exc.args else 'python3'!r} "
                                       "is installed (pip install ipykernel)") from None
    except RuntimeError as exc:  # e.g. "Kernel didn't respond in 60 seconds"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        said = _last_line(kernel_log)
        raise NotebookError(path.name, f"the kernel failed: {first}" + (f" (kernel said: {said})" if said else "")) from None
    finally:
        kernel_log.close()
    return clean_metadata(nb)


def _last_line(log: Any) -> str:
    try:
        log.seek(0)
        lines = [line.strip() for line in log.read().splitlines() if line.strip()]
    except (OSError, ValueError):
        return ""
    return lines[-1][:200] if lines else ""


def _failed_cell(nb: nbformat.NotebookNode) -> tuple[int, int]:
    code = -1
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])) and \
                "raises-exception" not in cell.metadata.get("tags", []):
            return i, code
    return -1, -1


def main(argv: list[str] | None = None) -> int:
    """``python -m summit_lessons.publish.execute NOTEBOOK...``: execute and save in place, one per core at once.

    A notebook is written back only when it ran without error, so a failure leaves it as it was.
    """
    from concurrent.futures import ThreadPoolExecutor

    parser = argparse.ArgumentParser(description="Execute notebooks in place (refresh stored outputs).")
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once")
    parser.add_argument("--timeout", type=int, default=120, help="longest one cell may run, in seconds (default 120)")
    args = parser.parse_args(argv)

    def run(name: str) -> str | None:
        try:
            nb = execute_notebook(name, timeout=args.timeout)
        except ExecutionError as exc:
            return f"error: {exc}"
        except OSError as exc:
            return f"error: {name}: {exc.strerror or exc}"
        # Written beside and renamed over, so an interrupted write never leaves half a notebook.
        tmp = Path(name).with_name(f".{Path(name).name}.{os.getpid()}.partial")
        try:
            nbformat.write(nb, tmp)
            os.replace(tmp, name)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            return f"error: cannot write {name}: {exc.strerror or exc}"
        return None

    failed = 0
    preload()  # before the workers start: see preload()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, error in zip(args.notebooks, pool.map(run, args.notebooks)):
            if error:
                failed += 1
                print(error, file=sys.stderr)
            else:
                print(f"executed {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
