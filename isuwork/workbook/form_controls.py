"""The parts the workbook's forms share: dropdowns with "not decided", text areas that save when
left, a binder that saves each change and shows what happened in a status line, and an output
area whose content is replaced (:func:`show_in`).

Saving: every field saves on its own when it changes. Text areas use
``continuous_update=False``, so they send their value when the person leaves the field (or
presses the Spara button), not on every key stroke; that is the debounce. Only the field that
changed is written, so two notebooks editing different fields never overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from isuwork.exceptions import IsuworkError
from isuwork.workbook.journal import Journal

NONE_LABEL = "– inte bestämt –"
#: Dropdown value of "nothing chosen": ipywidgets reads value=None as "no option selected".
NONE = ""
WIDE = widgets.Layout(width="100%")


def options(choices: Mapping[str, str], *, none_label: str = NONE_LABEL) -> list[tuple]:
    """Dropdown options: "not decided" first, then each code with its label."""
    return [(none_label, NONE), *((label, code) for code, label in choices.items())]


def to_widget(value: Any) -> Any:
    """A stored value as a dropdown value (None is "not decided")."""
    return NONE if value is None else value


def textarea(placeholder: str = "", rows: int = 4) -> widgets.Textarea:
    """A full-width text area that sends its value when the person leaves it."""
    return widgets.Textarea(
        placeholder=placeholder, rows=rows, continuous_update=False, layout=WIDE
    )


def question(title: str, question: str) -> widgets.HTML:
    """A heading with its guiding question."""
    return widgets.HTML(f"<b>{title}</b><br><i>{question}</i>")


def saved_text(changed: bool) -> str:
    """The status after a save, with the time."""
    stamp = dt.datetime.now().strftime("%H:%M")
    return f"Sparat {stamp}" if changed else f"Inga ändringar att spara ({stamp})"


def observation_options(journal: Journal) -> list[tuple[str, str]]:
    """The journal's observations as dropdown options, numbered."""
    return [(f"{i}. {o['titel']}", o["id"]) for i, o in enumerate(journal.observations, start=1)]


class Binder:
    """Runs save callbacks, shows the result in a status label and mutes observers on load."""

    def __init__(self, status: widgets.Label, message: widgets.HTML) -> None:
        self.status = status
        self.message = message
        self.loading = False

    def run(self, save: Callable[[], bool | None]) -> bool:
        """Call ``save``; it returns True (saved), False (nothing changed) or None (not saved).

        Returns False when ``save`` raised a user error, which is shown instead of a traceback.
        """
        if self.loading:
            return True
        try:
            changed = save()
        except IsuworkError as err:
            self.status.value = "Kunde inte spara"
            self.message.value = f"<span style='color:#b00020'>{escape(err.message)}</span>"
            return False
        if changed is not None:
            self.status.value = saved_text(changed)
        self.message.value = ""
        return True

    def reload(self, journal: Journal) -> bool:
        """Re-read the journal; a broken file is reported in the form, not raised."""

        def read() -> None:
            journal.reload()

        if not self.run(read):
            self.status.value = "Kunde inte läsa journalen"
            return False
        self.status.value = ""
        return True

    def on_change(self, widget: widgets.Widget, save: Callable[[Any], bool | None]) -> None:
        """Save through ``save`` each time the widget's value changes."""
        widget.observe(lambda change: self.run(lambda: save(change["new"])), names="value")


def escape(text: str) -> str:
    """Text made safe for an HTML widget."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def show_in(output: widgets.Output, *objects: Any) -> None:
    """Replace what ``output`` shows with ``objects`` (figures are closed once shown).

    The objects are formatted here and set as the widget's outputs, instead of being captured
    with ``with output:``. Capturing routes the kernel's messages through the widget's message
    id, and Voilà's execution of a page (``isuwork workshop``) sometimes stopped for good after a
    cell that did so.
    """
    output.outputs = ()
    for obj in objects:
        output.append_display_data(obj)
        if isinstance(obj, Figure):
            plt.close(obj)
