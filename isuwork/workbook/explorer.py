"""The step-1 explorer: choose an outcome, a variable to combine with kön and a selection.

The chart and the protected table follow the choices. What a widget shows is stored only as
widget state and is blank in static HTML, so with ``interactive=False`` (batch runs) the
default view is shown as ordinary output instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from isuwork.analysis.compare import compare
from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import DEFAULT_MIN_N, SEX
from isuwork.exceptions import IsuworkError
from isuwork.present import plots, tables
from isuwork.privacy.protected import Protected

_ALL = ""


class Explorer(widgets.VBox):
    """Step-1 explorer: outcome, a second grouping and a filter; chart and table update.

    The current result is in :attr:`result` (protected; its table in :attr:`table`), so scripts
    and tests can drive the controls and read what a person would see.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        min_n: int = DEFAULT_MIN_N,
        outcome: str = "beviljad",
        by: str = "aldersgrupp",
    ) -> None:
        catalog = load_catalog()
        self.data = data
        self.min_n = min_n
        self.result: Protected | None = None
        outcomes = [v.name for v in catalog.outcomes if v.name in data.columns]
        background = [c for c in catalog.screening_background if c in data.columns]
        self.outcome = widgets.Dropdown(
            options=[(catalog.label(o), o) for o in outcomes],
            value=outcome if outcome in outcomes else (outcomes[0] if outcomes else None),
            description="Utfall",
            style={"description_width": "8rem"},
            layout=widgets.Layout(width="32rem"),
        )
        self.by = widgets.Dropdown(
            options=[("Bara kön", _ALL)] + [(catalog.label(c), c) for c in background],
            value=by if by in background else _ALL,
            description="Kön och",
            style={"description_width": "8rem"},
        )
        self.filter_column = widgets.Dropdown(
            options=[("Inget urval", _ALL)] + [(catalog.label(c), c) for c in background],
            value=_ALL,
            description="Urval",
            style={"description_width": "8rem"},
        )
        self.filter_value = widgets.Dropdown(options=[], description="Värde", disabled=True)
        self.message = widgets.HTML()
        self.output = widgets.Output()
        for control in (self.outcome, self.by, self.filter_value):
            control.observe(self._changed, names="value")
        self.filter_column.observe(self._filter_column_changed, names="value")
        super().__init__(
            [
                widgets.HBox([self.outcome, self.by]),
                widgets.HBox([self.filter_column, self.filter_value]),
                self.message,
                self.output,
            ]
        )
        self.refresh()

    @property
    def table(self) -> pd.DataFrame | None:
        """The protected table now shown (None when the choices gave an error)."""
        return None if self.result is None else self.result.table

    def _filter_column_changed(self, _change: Mapping[str, Any]) -> None:
        column = self.filter_column.value
        if column == _ALL:
            self.filter_value.options = []
            self.filter_value.disabled = True
        else:
            values = sorted(self.data[column].dropna().astype(str).unique())
            catalog = load_catalog()
            self.filter_value.options = [(catalog.code_label(column, v), v) for v in values]
            self.filter_value.disabled = False
        self.refresh()

    def _changed(self, _change: Mapping[str, Any]) -> None:
        self.refresh()

    @property
    def filters(self) -> dict[str, str]:
        """The selection now chosen (column to value), empty for none."""
        column, value = self.filter_column.value, self.filter_value.value
        return {column: value} if column != _ALL and value else {}

    def refresh(self) -> None:
        """Recompute the table for the current choices and redraw chart and table."""
        by = (SEX,) if self.by.value == _ALL else (SEX, self.by.value)
        self.output.clear_output(wait=True)
        try:
            self.result = compare(
                self.data,
                outcome=self.outcome.value,
                by=by,
                filters=self.filters,
                min_n=self.min_n,
            )
        except IsuworkError as err:
            self.result = None
            self.message.value = f"<b>{err.message}</b>"
            return
        self.message.value = ""
        with self.output:
            _show(self.result, verksamheter=self.data["verksamhet"].dropna().astype(str).unique())


def _show(result: Protected, *, verksamheter: Sequence[str] | None = None) -> None:
    """Display the chart and the table of a result as ordinary output."""
    ax = plots.bars(result, verksamheter=verksamheter)
    display(ax.figure)
    plt.close(ax.figure)
    display(tables.show(result))


#: What a rendered report says where the explorer would be.
BATCH_SENTENCE = (
    "Utforskaren, där man själv väljer utfall och grupper, finns när arbetsboken körs i "
    "Jupyter. Rapporten visar tabellerna ovan."
)


def explorer(
    data: pd.DataFrame,
    *,
    min_n: int = DEFAULT_MIN_N,
    interactive: bool = True,
    outcome: str = "beviljad",
    by: str = "aldersgrupp",
) -> None:
    """Show the step-1 explorer; in a rendered report (``interactive=False``) a sentence only.

    A report's tables are taken from its screening list and protected with it; a table made
    again here, protected on its own, could show a cell the list hides. The explorer is for a
    live session inside the kommun.

    Parameters
    ----------
    data
        The kommun's prepared data.
    min_n
        Smallest number of cases shown.
    interactive
        Whether a person is working in a live notebook (widgets) or a report is rendered.
    outcome, by
        The outcome and the variable combined with kön shown first.
    """
    if interactive:
        # shown here and not returned: a notebook shows a cell's last value again, and the
        # explorer appeared twice in JupyterLab
        display(Explorer(data, min_n=min_n, outcome=outcome, by=by))
    else:
        print(BATCH_SENTENCE)
