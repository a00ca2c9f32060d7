"""Execute lesson notebooks reproducibly with nbclient.

One function runs one notebook; ``make execute`` uses it to refresh the stored outputs that
nbval compares, and the handout builder uses it for its single execution per notebook.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# nbformat's validator imports jsonschema, which imports rfc3987_syntax when it is installed (it is,
# via jupyter-events) and builds a grammar there for about 2 s. Notebook validation never uses its
# "iri" format, so mark the module absent before nbformat loads: every build starts 2 s sooner.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402

__all__ = ["ExecutionError", "execute_notebook", "clean_metadata", "main"]

#: Metadata keys a notebook may keep; anything else (personal or tool state) is dropped.
KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info", "summit_lessons", "widgets")
#: ``summit_lessons`` on a cell: e.g. ``answer_lines`` of an exercise for the printed worksheet.
KEEP_CELL_METADATA = ("tags", "alt", "jupyter", "summit_lessons")


class ExecutionError(RuntimeError):
    """A notebook cell raised: names the notebook, the cell and the error."""

    def __init__(self, notebook: str, cell_index: int, code_cell: int, error: str, source: str):
        self.notebook, self.cell_index, self.code_cell, self.error, self.source = notebook, cell_index, code_cell, error, source
        first = source.strip().splitlines()[0] if source.strip() else ""
        super().__init__(f"{notebook}: cell {cell_index + 1} (code cell {code_cell + 1}, starting {first!r}) failed: {error}")


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
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=store_widget_state,
        # The kernel's start-up warning about unencrypted local TCP is noise on every run.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    try:
        client.execute(env=_kernel_env())
    except CellExecutionError as exc:
        index, code_index = _failed_cell(nb)
        source = nb.cells[index].source if index >= 0 else ""
        error = f"{exc.ename}: {exc.evalue}" if getattr(exc, "ename", None) else str(exc).strip().splitlines()[-1]
        raise ExecutionError(path.name, index, code_index, error, source) from None
    return clean_metadata(nb)


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
    """``python -m summit_lessons.execute NOTEBOOK...``: execute and save in place, one per core at once.

    A notebook is written back only when it ran without error, so a failure leaves it as it was.
    """
    from concurrent.futures import ThreadPoolExecutor

    parser = argparse.ArgumentParser(description="Execute notebooks in place (refresh stored outputs).")
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once")
    args = parser.parse_args(argv)

    def run(name: str) -> str | None:
        try:
            nb = execute_notebook(name)
        except ExecutionError as exc:
            return f"error: {exc}"
        nbformat.write(nb, name)
        return None

    failed = 0
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
