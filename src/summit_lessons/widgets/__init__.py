"""Interactive views for the lessons: the timeline explorer, the claims explorer, quizzes, answer checks, tables.

Every widget works the same with and without a kernel: it writes by setting ``HTML.value``
(never by printing inside ``with out:``), so plain pytest can drive it and nbval sees stable
outputs. Each widget also carries a static HTML snapshot of its starting state in its display
bundle (``text/html``): JupyterLab shows the live widget, while a handout or a code host, which
cannot run Python, shows the snapshot with a line saying the live version is in the notebook.

All data text passes through :func:`summit_lessons._html.esc` before it reaches a page.

Each name is imported from its module on first use: a table needs pandas only, so a lesson's
set-up cell (``from summit_lessons import widgets``) does not import ipywidgets before the first
interactive view (in the browser that import costs a noticeable part of a second).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Where each public name lives (module of this package).
_WHERE = {"AnswerCheck": "check", "CheckSet": "check", "ClaimsExplorer": "claims_explorer", "Quiz": "quiz",
          "QuizSet": "quiz", "Table": "tables", "event_table": "tables", "html_table": "tables",
          "LOCAL": "timeline_explorer", "PHASES": "timeline_explorer", "TimelineExplorer": "timeline_explorer",
          "timeline_svg": "timeline_explorer"}

__all__ = ["TimelineExplorer", "ClaimsExplorer", "Quiz", "QuizSet", "html_table", "event_table", "Table", "PHASES",
           "timeline_svg", "LOCAL", "AnswerCheck", "CheckSet"]

if TYPE_CHECKING:  # pragma: no cover
    from .check import AnswerCheck, CheckSet  # noqa: F401
    from .claims_explorer import ClaimsExplorer  # noqa: F401
    from .quiz import Quiz, QuizSet  # noqa: F401
    from .tables import Table, event_table, html_table  # noqa: F401
    from .timeline_explorer import LOCAL, PHASES, TimelineExplorer, timeline_svg  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later reads skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
