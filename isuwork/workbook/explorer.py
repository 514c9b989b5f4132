"""The step-1 explorer: choose an outcome, a variable to combine with kön and a selection.

The chart and the protected table follow the choices. With the group's journal, "Spara som
iakttagelse" stores what is shown as an observation (outcome, kön as the comparison, the
selection, and the protected figures in a sentence), which step 2 then checks against the
criteria. What a widget shows is stored only as widget state and is blank in static HTML, so
with ``interactive=False`` (batch runs) a sentence is shown instead.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import display

from isuwork.analysis.compare import compare
from isuwork.analysis.list_tables import list_row
from isuwork.analysis.screening import ALL
from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import DEFAULT_MIN_N, SEX
from isuwork.exceptions import IsuworkError, ParameterError
from isuwork.present import plots, tables
from isuwork.present.screening_text import sentences
from isuwork.privacy.protected import Protected
from isuwork.workbook.form_controls import show_in
from isuwork.workbook.journal import Journal

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
        journal: Journal | None = None,
        screening: Protected | None = None,
    ) -> None:
        catalog = load_catalog()
        self.data = data
        self.min_n = min_n
        self.journal = journal
        self.screening = screening
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
        self.title = widgets.Text(
            description="Rubrik",
            placeholder="till exempel: Färre män än kvinnor beviljas insatser inom LSS",
            style={"description_width": "8rem"},
            layout=widgets.Layout(width="40rem"),
        )
        self.save = widgets.Button(
            description="Spara som iakttagelse",
            icon="bookmark",
            tooltip="Spara det som visas i gruppens journal; steg 2 prövar det mot kriterierna",
            layout=widgets.Layout(width="auto"),
        )
        self.save.on_click(lambda _button: self.save_observation())
        self.saved = widgets.HTML()
        saving = [widgets.HBox([self.title, self.save]), self.saved] if journal else []
        super().__init__(
            [
                widgets.HBox([self.outcome, self.by]),
                widgets.HBox([self.filter_column, self.filter_value]),
                self.message,
                self.output,
                *saving,
            ]
        )
        self.refresh()

    def save_observation(self) -> str | None:
        """Store what is shown as an observation in the journal; return its id.

        The observation compares kön for the chosen outcome within the chosen selection; its
        description gives the protected figures of kvinnor and män in that selection. Nothing
        is stored (and the reason is shown) without a journal or when the choices gave no
        comparison.
        """
        if self.journal is None:
            return None
        filters = self.filters
        try:
            figures = observation_figures(
                self.data,
                outcome=self.outcome.value,
                filters=filters,
                min_n=self.min_n,
                screening=self.screening,
            )
        except IsuworkError as err:
            self.saved.value = f"<b>Inte sparad:</b> {html.escape(err.message)}"
            return None
        title = self.title.value.strip() or figures.split(":")[0]
        observation = self.journal.add_observation(
            title,
            beskrivning=figures,
            utfall=self.outcome.value,
            grupp=SEX,
            filter={column: [value] for column, value in filters.items()},
        )
        self.title.value = ""
        self.saved.value = (
            f"Sparad i journalen: <b>{html.escape(title)}</b>. {html.escape(figures)} "
            "Steg 2 prövar den mot kriterierna."
        )
        return observation

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
            show_in(self.output)
            return
        self.message.value = ""
        show_in(self.output, *_views(self.result, verksamheter=self.verksamheter))

    @property
    def verksamheter(self) -> list[str]:
        """The verksamheter in the data (whose age bands the chart groups)."""
        return sorted(self.data["verksamhet"].dropna().astype(str).unique())


def observation_figures(
    data: pd.DataFrame,
    *,
    outcome: str,
    filters: Mapping[str, str],
    min_n: int,
    screening: Protected | None = None,
) -> str:
    """One Swedish sentence with kvinnor's and män's protected values of ``outcome`` within
    the selection, as the screening list writes it; hidden values read as ``..``.

    An observation's text is shown in the kommun's report with the journal, so its figures are
    taken from the ``screening`` list published there when it has the row (then they are
    protected with everything else on the pages), and only otherwise computed here.
    """
    if screening is not None:
        listed = list_row(screening, outcome=outcome, filters=filters)
        if listed is not None and listed["mening"]:
            return str(listed["mening"])
    (column, level), *_ = [*filters.items(), (ALL, "")]
    result = compare(data, outcome=outcome, by=(SEX,), filters=filters or None, min_n=min_n)
    rows = result.table.set_index(SEX)
    if result.table["kategori"].notna().any():
        raise ParameterError(
            "Ett utfall med flera kategorier kan inte sparas som en iakttagelse att pröva mot "
            "kriterierna. Välj ett ja/nej-utfall eller ett tal."
        )
    row = {"utfall": outcome, "kategori": pd.NA, "bakgrund": column, "niva": level}
    for sex in load_catalog().sexes:
        row[f"varde_{sex}"] = rows["varde"].get(sex, float("nan"))
    row["skillnad"] = rows["skillnad"].dropna().iloc[0] if rows["skillnad"].notna().any() else None
    sentence = sentences(pd.DataFrame([row]), kinds=result.kinds)[0]
    return sentence or f"{load_catalog().label(outcome)}: skillnaden visas inte (för få fall)."


#: The columns of the explorer's table: the groups, then what a reader needs of each.
SHOWN_COLUMNS = ("n", "varde", "ci_lag", "ci_hog", "skillnad", "skillnad_ci_lag", "skillnad_ci_hog")


def _views(result: Protected, *, verksamheter: Sequence[str] | None = None) -> list[Any]:
    """The chart and the table of a result (its groups and numbers, not the method's names)."""
    table = result.table
    groups = [c for c in table.columns if c in load_catalog() and c not in SHOWN_COLUMNS]
    if "kategori" in table and table["kategori"].notna().any():
        groups.append("kategori")
    columns = [c for c in groups if c != "utfall"] + [c for c in SHOWN_COLUMNS if c in table]
    outcome = load_catalog().label(str(table["utfall"].iloc[0])) if len(table) else None
    return [
        plots.bars(result, verksamheter=verksamheter).figure,
        tables.show(result[columns], caption=outcome),
    ]


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
    journal: Journal | None = None,
    screening: Protected | None = None,
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
    journal, screening
        The group's journal: what is shown can then be saved as an observation, its figures
        as the kommun's ``screening`` list writes them (see :func:`observation_figures`).
    """
    if interactive:
        # shown here and not returned: a notebook shows a cell's last value again, and the
        # explorer appeared twice in JupyterLab
        display(
            Explorer(
                data, min_n=min_n, outcome=outcome, by=by, journal=journal, screening=screening
            )
        )
    else:
        print(BATCH_SENTENCE)
