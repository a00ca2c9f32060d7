"""The claims explorer: the opinion piece's statements, with verdicts revealed on request."""
from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from .._html import LIVE_NOTE, esc, table
from ..loader import load
from .tables import _LIVE_CSS, _Snapshot

__all__ = ["ClaimsExplorer"]

# ---------------------------------------------------------------------------- claims explorer

_VERDICT_SYMBOLS = {"corroborated": "✓", "partly-supported": "≈", "contradicted": "✗",
                    "unverified": "?", "opinion": "◆", "unrelated": "∅"}


def _quoted(words: str) -> str:
    """The opinion piece's words, marked as a quotation."""
    return f"“{words}”"


class ClaimsExplorer(_Snapshot, W.VBox):
    """The opinion piece's statements, each with its own words quoted: filter by type, paragraph or word, then
    reveal the verdicts.

    Verdicts start hidden (``show_verdicts=False``) so that a learner checks each statement
    against the reference article before reading the package's verdict. Choosing a verdict in
    the filter reveals them. The printed snapshot holds the verdicts in a teacher-only block.
    ``offer_verdicts=False`` leaves out the *Show verdicts* box and the verdict filter, for a lesson
    whose exercises ask for the verdicts: the teacher has them in the snapshot's teacher-only block.
    """

    def __init__(self, claims: pd.DataFrame | None = None, *, show_verdicts: bool = False,
                 offer_verdicts: bool = True, **kwargs: Any):
        self.claims = (load("claims") if claims is None else claims).reset_index(drop=True)
        verdicts = [v for v in _VERDICT_SYMBOLS if v in set(self.claims["verdict"])]
        types = sorted(set(self.claims["claim_type"]))
        paragraphs = sorted(set(int(p) for p in self.claims["paragraph"]))
        self.offer_verdicts = offer_verdicts
        self.show = W.Checkbox(value=show_verdicts and offer_verdicts, description="Show verdicts", indent=False)
        self.verdict = W.SelectMultiple(options=[(f"{_VERDICT_SYMBOLS[v]} {v}", v) for v in verdicts],
                                        rows=len(verdicts), description="Verdict")
        self.claim_type = W.SelectMultiple(options=types, rows=len(types), description="Type")
        self.paragraph = W.Dropdown(options=[("All", 0)] + [(f"Paragraph {p}", p) for p in paragraphs],
                                    value=0, description="Paragraph")
        self.search = W.Text(value="", description="Word", placeholder="e.g. Putin, victory, 2019")
        self.reset_button = W.Button(description="Reset filters")
        self.status = W.HTML()
        self.table = W.HTML()
        self.status.add_class("sl-status")
        self.table.add_class("sl-table-view")
        rows = list(self.claims.iterrows())
        self._rows = {True: [self._row(r, True) for _, r in rows], False: [self._row(r, False) for _, r in rows]}
        self._text = {True: [f"{r['claim']} {' '.join(r['quote'])} {r['explanation']} {' '.join(r['loaded_words'])}".lower()
                             for _, r in rows],
                      False: [f"{r['claim']} {' '.join(r['quote'])} {' '.join(r['loaded_words'])}".lower() for _, r in rows]}
        offered = [self.verdict] if offer_verdicts else []
        controls = W.HBox([*offered, self.claim_type,
                           W.VBox([*([self.show] if offer_verdicts else []), self.paragraph, self.search,
                                   self.reset_button])],
                          layout=W.Layout(flex_flow="row wrap", grid_gap="1em"))
        super().__init__([W.HTML(_LIVE_CSS), controls, self.status, self.table], **kwargs)
        self.add_class("sl-claims-explorer")
        self.add_class("sl-live")
        self.verdict.observe(self._verdict_chosen, names="value")
        for w in (self.show, self.claim_type, self.paragraph, self.search):
            w.observe(lambda _c: self.update(), names="value")
        self.reset_button.on_click(lambda _b: self.reset())
        self.update()

    @staticmethod
    def _row(r: pd.Series, verdicts: bool) -> str:
        loaded = ", ".join(_quoted(w) for w in r["loaded_words"]) or "—"
        words = "; ".join(_quoted(q) for q in r["quote"]) or "—"
        cells = (f"<tr><td>{int(r['paragraph'])}</td><td>{esc(words)}</td><th scope=\"row\">{esc(r['claim'])}</th>"
                 f"<td>{esc(r['claim_type'])}</td>")
        if verdicts:
            cells += (f"<td><span aria-hidden=\"true\">{_VERDICT_SYMBOLS[r['verdict']]}</span> {esc(r['verdict'])}</td>"
                      f"<td>{esc(r['explanation'])}</td>")
        return cells + f"<td>{esc(loaded)}</td></tr>"

    @staticmethod
    def _headers(verdicts: bool) -> list[str]:
        return (["Paragraph", "The opinion piece's words", "Statement (in our words)", "Type"]
                + (["Verdict", "Why"] if verdicts else []) + ["Loaded words (the piece's own)"])

    def _verdict_chosen(self, change: dict[str, Any]) -> None:
        if change["new"] and not self.show.value:
            self.show.value = True  # observers redraw
        else:
            self.update()

    def mask(self) -> np.ndarray:
        """True for each claim that matches every filter."""
        keep = np.ones(len(self.claims), dtype=bool)
        if self.verdict.value:
            keep &= self.claims["verdict"].isin(self.verdict.value).to_numpy()
        if self.claim_type.value:
            keep &= self.claims["claim_type"].isin(self.claim_type.value).to_numpy()
        if self.paragraph.value:
            keep &= (self.claims["paragraph"] == self.paragraph.value).to_numpy()
        word = self.search.value.strip().lower()
        if word:
            keep &= np.array([word in t for t in self._text[self.show.value]], dtype=bool)
        return keep

    def reset(self) -> None:
        """Clear every filter (whether verdicts are shown stays as it is)."""
        self.verdict.value, self.claim_type.value, self.paragraph.value, self.search.value = (), (), 0, ""
        self.update()

    def _table(self, keep: np.ndarray, verdicts: bool) -> str:
        n = int(keep.sum())
        caption = (f"{n} statements of the opinion piece and their verdicts against the reference article" if verdicts
                   else f"{n} statements of the opinion piece (verdicts hidden)")
        return table(caption, self._headers(verdicts), [self._rows[verdicts][i] for i in np.flatnonzero(keep)])

    def update(self) -> None:
        """Redraw the status line and the table."""
        keep = self.mask()
        n = int(keep.sum())
        if n == 0:
            self.status.value = ("<p role=\"status\"><strong>No statement matches</strong> these filters. "
                                 "Remove a filter or press <em>Reset filters</em>.</p>")
            self.table.value = ""
            return
        if self.show.value:
            counts = self.claims.loc[keep, "verdict"].value_counts()
            by = ", ".join(f"{counts[v]} {v}" for v in _VERDICT_SYMBOLS if v in counts)
            self.status.value = f"<p role=\"status\">Showing <strong>{n} of {len(keep)}</strong> statements: {esc(by)}.</p>"
        else:
            reveal = ("In the notebook, <em>Show verdicts</em> reveals them; on paper, your teacher has them."
                      if self.offer_verdicts else "Your teacher has them.")
            self.status.value = (f"<p role=\"status\">Showing <strong>{n} of {len(keep)}</strong> statements. Verdicts "
                                 f"are hidden: check a statement against the reference article first. {reveal}</p>")
        self.table.value = self._table(keep, self.show.value)

    def snapshot_html(self) -> str:
        every = np.ones(len(self.claims), dtype=bool)
        answers = ('<details class="sl-answer"><summary>Verdicts (teacher edition)</summary>'
                   f"{self._table(every, True)}</details>")
        return (f'<div class="sl-snapshot sl-claims-snapshot">{LIVE_NOTE}{self.status.value}{self.table.value}'
                f"{answers if not self.show.value else ''}</div>")

    def summary_text(self) -> str:
        return f"Claims explorer: {len(self.claims)} statements (run the notebook to use the filters)."


