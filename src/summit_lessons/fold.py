"""Keep a code solution's answer folded when a teacher runs it (Run → Run All Cells included).

The teacher edition collapses a code solution (``outputs_hidden``), but JupyterLab shows a cell's
outputs again whenever the cell runs, so *Run All* would put the answer on the projector. The
teacher edition therefore marks each code solution with ``metadata.summit_lessons.fold`` (the
label of its fold); JupyterLab sends a cell's metadata with the execute request, and this IPython
hook, installed when a lesson's set-up cell imports ``summit_lessons``, catches what such a cell
displays and shows it inside a closed ``<details>`` instead: one click on the label opens it.

Cells without the mark (every student cell, and every cell run by nbclient/nbval, which send no
cell metadata) are untouched.
"""
from __future__ import annotations

import base64
import html
import sys
from typing import Any

__all__ = ["install", "fold_html", "FOLD_CLASS"]

FOLD_CLASS = "sl-fold"
_state: dict[str, Any] = {}


def _fold_label(shell: Any) -> str | None:
    """The fold label of the cell being run, from its execute request's metadata (None: not folded)."""
    kernel = getattr(shell, "kernel", None)
    try:
        parent = kernel.get_parent("shell") if kernel is not None else None
    except Exception:  # an older kernel without get_parent: nothing is folded
        return None
    meta = (parent or {}).get("metadata") or {}
    label = (meta.get("summit_lessons") or {}).get("fold") if isinstance(meta, dict) else None
    return label if isinstance(label, str) and label else None


def _output_html(data: dict[str, Any], metadata: dict[str, Any]) -> str:
    if "text/html" in data:
        return str(data["text/html"])
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            raw = data[mime]
            b64 = raw if isinstance(raw, str) else base64.b64encode(raw).decode("ascii")
            alt = (metadata.get(mime) or {}).get("alt", "") if isinstance(metadata, dict) else ""
            return f'<img src="data:{mime};base64,{b64.strip()}" alt="{html.escape(alt, quote=True)}">'
    if "text/plain" in data:
        return f"<pre>{html.escape(str(data['text/plain']))}</pre>"
    return ""


def fold_html(label: str, parts: list[str]) -> str:
    """Closed ``<details>`` holding ``parts`` (HTML), its summary the ``label``."""
    body = "\n".join(p for p in parts if p)
    return (f'<details class="{FOLD_CLASS}"><summary>{html.escape(label)}</summary>\n'
            f'<div class="sl-fold-body">\n{body}\n</div></details>')


def _pre_run_cell(info: Any = None) -> None:
    from IPython.utils.capture import capture_output
    from IPython.core.displayhook import CapturingDisplayHook

    shell = _state["shell"]
    label = _fold_label(shell)
    if label is None:
        return
    cap = capture_output(stdout=True, stderr=False, display=True)
    result = cap.__enter__()
    # run_cell installs the shell's own display hook for the cell's last expression (its trap):
    # point that trap at the capture too, so the cell's value is caught like any display.
    trap = shell.display_trap
    _state["run"] = (label, cap, result, trap.hook)
    trap.hook = CapturingDisplayHook(shell=shell, outputs=result._outputs)


def _post_run_cell(result_info: Any = None) -> None:
    run = _state.pop("run", None)
    if run is None:
        return
    label, cap, captured, hook = run
    shell = _state["shell"]
    shell.display_trap.hook = hook
    cap.__exit__(None, None, None)
    parts = []
    if captured.stdout:
        parts.append(f"<pre>{html.escape(captured.stdout)}</pre>")
    parts += [_output_html(o.data or {}, o.metadata or {}) for o in captured.outputs]
    if not any(parts):
        return
    from IPython.display import HTML, display

    display(HTML(fold_html(label, parts)))


def install() -> bool:
    """Register the hook in the running IPython kernel (once); False outside a kernel."""
    ip_mod = sys.modules.get("IPython")
    if ip_mod is None:
        return False
    shell = ip_mod.get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None or _state.get("shell") is shell:
        return False
    _state["shell"] = shell
    shell.events.register("pre_run_cell", _pre_run_cell)
    shell.events.register("post_run_cell", _post_run_cell)
    return True
