"""Interactive views for the lessons: the timeline explorer, the claims explorer, quizzes, answer checks, tables.

Every widget works the same with and without a kernel: it writes by setting ``HTML.value``
(never by printing inside ``with out:``), so plain pytest can drive it and nbval sees stable
outputs. Each widget also carries a static HTML snapshot of its starting state in its display
bundle (``text/html``): JupyterLab shows the live widget, while a handout or a code host, which
cannot run Python, shows the snapshot with a line saying the live version is in the notebook.

All data text passes through :func:`summit_lessons._html.esc` before it reaches a page.
"""
from __future__ import annotations

from .check import AnswerCheck, CheckSet
from .claims_explorer import ClaimsExplorer
from .quiz import Quiz, QuizSet
from .tables import Table, event_table, html_table
from .timeline_explorer import LOCAL, PHASES, TimelineExplorer, timeline_svg

__all__ = ["TimelineExplorer", "ClaimsExplorer", "Quiz", "QuizSet", "html_table", "event_table", "Table", "PHASES",
           "timeline_svg", "LOCAL", "AnswerCheck", "CheckSet"]
