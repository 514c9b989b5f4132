"""Step 4's action plan: the effort–effect matrix and the plan's export, kept up to date.

In a live session the matrix is drawn from the journal and drawn again each time the form
beside it saves an action (the same journal object tells it, :meth:`Journal.on_change`); a
button reads the journal again for actions saved in another notebook, and a second button saves
the plan as Excel and Markdown in the journal's folder and says which files were written. In a
rendered report the matrix is drawn once and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

from isuwork.present import plots
from isuwork.workbook.form_controls import show_in
from isuwork.workbook.journal import Journal


def plan_files(journal: Journal) -> tuple[Path, Path]:
    """Where the plan is saved: ``handlingsplan_<journal>.xlsx`` and ``.md`` beside the journal."""
    base = journal.path.parent / f"handlingsplan_{journal.path.stem}"
    return base.with_suffix(".xlsx"), base.with_suffix(".md")


def export_plan(journal: Journal) -> list[Path]:
    """Save the action plan as it is in the journal now (read again first); the files."""
    journal.reload()
    return [journal.export_actions(path) for path in plan_files(journal)]


class ActionPlan(widgets.VBox):
    """The matrix, drawn again on every saved change, with *Läs in journalen på nytt* and
    *Spara handlingsplanen*.

    Attributes: ``chart`` (Output with the matrix), ``refresh_button``, ``export_button`` and
    ``status`` (HTML: which files were written).
    """

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.chart = widgets.Output()
        self.refresh_button = widgets.Button(
            description="Läs in journalen på nytt",
            icon="refresh",
            layout=widgets.Layout(width="auto"),
        )
        self.export_button = widgets.Button(
            description="Spara handlingsplanen (Excel och Markdown)",
            icon="download",
            layout=widgets.Layout(width="auto"),
        )
        self.status = widgets.HTML("")
        self.refresh_button.on_click(lambda _: self.refresh(reload=True))
        self.export_button.on_click(lambda _: self.export())
        super().__init__(
            [self.chart, widgets.HBox([self.refresh_button, self.export_button]), self.status]
        )
        journal.on_change(self.refresh)
        self.refresh(reload=True)

    def refresh(self, *, reload: bool = False) -> None:
        """Draw the matrix from the journal (read from its file again with ``reload``)."""
        if reload:
            self.journal.reload()
        show_in(self.chart, plots.action_matrix(self.journal.actions_table()).figure)

    def export(self) -> list[Path]:
        """Save the plan, redraw the matrix and say where the files are."""
        written = export_plan(self.journal)
        self.refresh()  # export_plan read the journal again
        count = len(self.journal.actions)
        names = " och ".join(path.name for path in written)
        self.status.value = (
            f"Sparade {names} i journalmappen ({count} åtgärd{'er' if count != 1 else ''})."
        )
        return written


def show_action_plan(journal: Journal, *, interactive: bool) -> None:
    """Show step 4's matrix: live with its buttons, or drawn once in a rendered report."""
    if interactive:
        display(ActionPlan(journal))
        return
    journal.reload()
    ax = plots.action_matrix(journal.actions_table())
    display(ax.figure)
    plt.close(ax.figure)
