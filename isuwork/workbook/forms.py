"""The journal in a notebook: the forms of steps 2–4 in tabs, or the journal as text.

The forms let a working group write steps 2–4 of the SKR analysis support (2024) straight into
the kommun's journal (:mod:`isuwork.workbook.journal`): reflections and conclusions
(:mod:`isuwork.workbook.reflection_form`) and actions (:mod:`isuwork.workbook.action_form`).
What a widget shows is stored only as widget state and is blank in static HTML, so a widget is
never the only carrier of anything a report needs: with ``interactive=False`` (batch runs under
papermill) the journal's content is shown as ordinary Markdown output instead.
"""

from __future__ import annotations

import ipywidgets as widgets
from IPython.display import Markdown, display

from isuwork.workbook.action_form import ActionForm
from isuwork.workbook.form_controls import show_in
from isuwork.workbook.journal import Journal
from isuwork.workbook.reflection_form import JournalForm

#: What a rendered page says when the group has written nothing yet.
EMPTY_JOURNAL = (
    "## Gruppens reflektionsjournal\n\nJournalen för {kommun} är tom: gruppen har ännu inte "
    "skrivit in några iakttagelser, reflektioner, slutsatser eller åtgärder."
)


def show_journal(journal: Journal, *, interactive: bool) -> None:
    """Show the journal in a notebook cell.

    With ``interactive=True`` the forms for steps 2–3 and step 4 are displayed in tabs, with a
    third tab that shows the journal as text, written again after every change the forms save. With ``interactive=False`` (batch runs) the
    journal's content is displayed as ordinary Markdown output, which static HTML keeps.

    Parameters
    ----------
    journal
        The kommun's journal.
    interactive
        Whether a person is working in a live notebook (a notebook parameter, e.g.
        ``interaktiv: bool = True``; never guessed).
    """
    journal.reload()
    if not interactive:
        if journal.observations or journal.conclusions or journal.actions:
            display(Markdown(journal.to_markdown(heading_level=2)))
        else:
            # one sentence instead of five empty sections at the end of every page
            display(Markdown(EMPTY_JOURNAL.format(kommun=journal.kommun)))
        return
    overview = widgets.Output()
    refresh = widgets.Button(description="Visa aktuell journal", icon="refresh")

    def show_overview(_: object = None) -> None:
        journal.reload()
        show_in(overview, Markdown(journal.to_markdown(heading_level=2)))

    refresh.on_click(show_overview)
    journal.on_change(show_overview)
    tabs = widgets.Tab(
        children=[
            JournalForm(journal),
            ActionForm(journal),
            widgets.VBox([refresh, overview]),
        ],
        titles=("Steg 2–3: reflektioner och slutsatser", "Steg 4: åtgärder", "Journalen som text"),
    )
    display(tabs)
    show_overview()
