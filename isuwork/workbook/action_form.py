"""The form of step 4: actions, judged by effort, effect and who decides.

Each action answers an observation (or the whole analysis) and has a responsible person and a
follow-up date. With ``interactive=False`` (batch runs) :func:`action_form` shows the action
plan as a Markdown table instead, which static HTML keeps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets
from IPython.display import Markdown

from isuwork.workbook.form_controls import (
    NONE,
    WIDE,
    Binder,
    escape,
    observation_options,
    options,
    textarea,
    to_widget,
)
from isuwork.workbook.journal import DECIDED_BY, EFFECT, EFFORT, Journal

#: Guiding question of step 4.
ACTION_QUESTION = (
    "Svarar åtgärden mot de orsaker ni har hittat? Är den lätt eller svår att genomföra, och "
    "ger den liten eller stor effekt? Kan verksamheten besluta själv, eller behöver förslaget "
    "gå till de förtroendevalda?"
)


class ActionForm(widgets.VBox):
    """Form for the actions of step 4; see :func:`action_form`.

    Attributes: ``selector`` (``None`` = a new action, else an action id), ``description``
    (Textarea), ``responsible`` (Text), ``effort``, ``effect``, ``decided_by`` and
    ``observation`` (Dropdowns), ``follow_up`` (DatePicker), ``save_button`` (adds a new action
    or saves all fields of the selected one), ``remove_button``, ``reload_button``, ``status``
    and ``message``. Fields of an existing action also save on their own when they change.
    """

    _FIELDS = (
        "beskrivning",
        "ansvarig",
        "insats",
        "effekt",
        "beslutas_av",
        "uppfoljning",
        "observation",
    )

    def __init__(self, journal: Journal, *, observation_id: str | None = None) -> None:
        self.journal = journal
        self.default_observation = observation_id
        if observation_id is not None:
            journal.observation(observation_id)
        self.status = widgets.Label("")
        self.message = widgets.HTML("")
        self._bind = Binder(self.status, self.message)
        self.selector = widgets.Dropdown(description="Åtgärd", layout=WIDE)
        self.description = textarea("Vad ska göras?", rows=3)
        self.responsible = widgets.Text(
            placeholder="Vem ansvarar (en roll räcker)?", continuous_update=False, layout=WIDE
        )
        self.effort = widgets.Dropdown(description="Insats", options=options(EFFORT))
        self.effect = widgets.Dropdown(description="Effekt", options=options(EFFECT))
        self.decided_by = widgets.Dropdown(description="Beslutas av", options=options(DECIDED_BY))
        self.follow_up = widgets.DatePicker(description="Uppföljning")
        self.observation = widgets.Dropdown(description="Gäller", layout=WIDE)
        self.save_button = widgets.Button(description="Spara", button_style="primary", icon="save")
        self.remove_button = widgets.Button(
            description="Ta bort", button_style="danger", icon="trash"
        )
        self.reload_button = widgets.Button(description="Läs in på nytt", icon="refresh")
        for control in (self.effort, self.effect, self.decided_by, self.follow_up):
            control.style.description_width = "initial"
        self._wire()
        super().__init__(children=self._layout(journal))
        self.refresh()

    @property
    def action_id(self) -> str | None:
        """The action shown (None while a new one is being written)."""
        return self.selector.value or None

    def refresh(self, *, select: str | None = None) -> None:
        """Re-read the journal and show its current actions and observations."""
        self._bind.reload(self.journal)
        current = select or self.selector.value
        actions = [
            (f"{i}. {_short(a['beskrivning'])}", a["id"])
            for i, a in enumerate(self.journal.actions, start=1)
        ]
        ids = [value for _, value in actions]
        self._bind.loading = True
        try:
            observed = self.observation.value
            observations = [("Hela analysen", NONE), *observation_options(self.journal)]
            self.observation.options = observations
            known = [value for _, value in observations]
            self.observation.value = observed if observed in known else NONE
            self.selector.options = [("Ny åtgärd", NONE), *actions]
            self.selector.value = current if current in ids else NONE
        finally:
            self._bind.loading = False
        self._load()

    def _layout(self, journal: Journal) -> list[widgets.Widget]:
        return [
            widgets.HTML(f"<h3>Steg 4. Hur kan vi göra annorlunda? {escape(journal.kommun)}</h3>"),
            widgets.HTML(f"<i>{ACTION_QUESTION}</i>"),
            self.selector,
            widgets.HTML("<b>Åtgärd</b>"),
            self.description,
            widgets.HTML("<b>Ansvarig</b>"),
            self.responsible,
            widgets.HBox([self.effort, self.effect, self.decided_by]),
            widgets.HBox([self.follow_up]),
            self.observation,
            widgets.HBox([self.save_button, self.remove_button, self.reload_button, self.status]),
            self.message,
        ]

    def _controls(self) -> dict[str, widgets.Widget]:
        return dict(
            zip(
                self._FIELDS,
                (
                    self.description,
                    self.responsible,
                    self.effort,
                    self.effect,
                    self.decided_by,
                    self.follow_up,
                    self.observation,
                ),
                strict=True,
            )
        )

    def _wire(self) -> None:
        self.selector.observe(lambda _: None if self._bind.loading else self._load(), names="value")
        self.save_button.on_click(lambda _: self._bind.run(self._save_all))
        self.remove_button.on_click(lambda _: self._bind.run(self._remove))
        self.reload_button.on_click(lambda _: self.refresh())
        for name, control in self._controls().items():
            self._bind.on_change(control, lambda value, name=name: self._save_field(name, value))

    def _load(self) -> None:
        action = self.journal.action(self.action_id) if self.action_id else None
        self._bind.loading = True
        try:
            for name, control in self._controls().items():
                if action is None:
                    value = self.default_observation if name == "observation" else None
                else:
                    value = action[name]
                if name == "uppfoljning":
                    control.value = None if value is None else dt.date.fromisoformat(value)
                else:
                    control.value = to_widget(value)
            self.remove_button.disabled = action is None
            self.save_button.description = "Lägg till" if action is None else "Spara"
        finally:
            self._bind.loading = False

    def _values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self._controls().items()}

    def _save_field(self, name: str, value: Any) -> bool | None:
        if self.action_id is None:
            return None  # a new action is saved with the button, once it has a description
        return self.journal.update_action(self.action_id, **{name: value})

    def _save_all(self) -> bool:
        values = self._values()
        if self.action_id is not None:
            return self.journal.update_action(self.action_id, **values)
        new_id = self.journal.add_action(values.pop("beskrivning"), **values)
        self.refresh(select=new_id)
        return True

    def _remove(self) -> bool | None:
        if self.action_id is None:
            return None
        self.journal.remove_action(self.action_id)
        self.refresh()
        return True


def _short(text: str, width: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def action_form(
    journal: Journal, *, observation_id: str | None = None, interactive: bool = True
) -> ActionForm | Markdown:
    """A form for the actions of step 4, bound to ``journal``.

    Parameters
    ----------
    journal
        The kommun's journal.
    observation_id
        Observation that new actions answer by default (None: the whole analysis).
    interactive
        False in batch runs: return the action plan as a Markdown table instead of widgets.
    """
    if not interactive:
        journal.reload()
        return Markdown(f"### Åtgärder (steg 4)\n\n{journal.actions_markdown()}\n")
    return ActionForm(journal, observation_id=observation_id)
