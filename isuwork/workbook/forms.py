"""Notebook forms bound to the reflection journal, and a plain-text view for batch runs.

The forms let a working group write steps 2–4 of the SKR analysis support (2024) straight into
the kommun's journal (:mod:`isuwork.workbook.journal`): reflections from the three sources of knowledge
and the gender-bias check, conclusions, and actions judged by effort, effect and who decides.
What a widget shows is stored only as widget state and is blank in static HTML, so a widget is
never the only carrier of anything a report needs: with ``interactive=False`` (batch runs under
papermill) every function here shows the journal's content as ordinary Markdown output instead.

Saving: every field saves on its own when it changes. Text areas use
``continuous_update=False``, so they send their value when the person leaves the field (or
presses the Spara button), not on every key stroke; that is the debounce. Only the field that
changed is written, so two notebooks editing different fields never overwrite each other.

The step-1 explorer (choosing outcome, groups and a selection to look at) is in
:mod:`isuwork.workbook.explorer`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
from IPython.display import Markdown, display

from isuwork.domain.vocabulary import VERDICT_LABELS
from isuwork.exceptions import IsuworkError
from isuwork.workbook.journal import (
    ANSWERS,
    DECIDED_BY,
    EFFECT,
    EFFORT,
    REFLECTION_FIELDS,
    Journal,
)

#: Short guiding questions for each part of step 2, after the SKR support (own wording).
REFLECTION_QUESTIONS: dict[str, str] = {
    "individ_grupp": (
        "Vad vet vi om brukarna i gruppen, deras behov, önskemål och livssituation, som kan "
        "förklara mönstret? Vad säger brukarna själva, i samtal eller enkäter? Om deras röst "
        "saknas: hur kan vi få höra den?"
    ),
    "verksamhet_profession": (
        "Hur påverkar våra rutiner, resurser, ledning och arbetssätt resultatet? Arbetar vi "
        "likadant för alla? Vilka förväntningar på kvinnor och män, flickor och pojkar finns "
        "bland oss som arbetar här?"
    ),
    "omvarld": (
        "Vilka förhållanden i samhället kan spela in, till exempel ekonomi, arbetsmarknad, "
        "boende, våld eller lagstiftning? Vad visar forskning och andra kommuners "
        "erfarenheter? Är det verkligen så speciellt här hos oss?"
    ),
    "konsbias": (
        "Kan föreställningar om hur kvinnor och män är eller bör vara ha styrt bedömningar "
        "eller insatser, eller vår egen tolkning av siffrorna? Utgår vi från en stereotyp, "
        "förstärker vi en skillnad, eller bortser vi från en?"
    ),
}
#: Guiding questions of step 3.
CONCLUSION_QUESTIONS: dict[str, str] = {
    "text": (
        "Vilka tankar, hypoteser och kunskaper om orsaker har kommit fram? Vad kan vi säga "
        "säkert, och vad är fortfarande antaganden? Har andra kommit fram till samma sak?"
    ),
    "behov_av_mer_kunskap": "Behöver vi veta mer innan vi går vidare: mer data, andra källor, annan kompetens?",
    "risk_att_upprathalla_ojamstalldhet": (
        "Kan skillnaden, eller likheten, bidra till att ojämställdhet eller ojämlikhet består?"
    ),
}
#: Guiding question of step 4.
ACTION_QUESTION = (
    "Svarar åtgärden mot de orsaker ni har hittat? Är den lätt eller svår att genomföra, och "
    "ger den liten eller stor effekt? Kan verksamheten besluta själv, eller behöver förslaget "
    "gå till de förtroendevalda?"
)

_NONE_LABEL = "– inte bestämt –"
# Dropdown value of "nothing chosen": ipywidgets reads value=None as "no option selected".
_NONE = ""
_WIDE = widgets.Layout(width="100%")


def _options(choices: Mapping[str, str], *, none_label: str = _NONE_LABEL) -> list[tuple]:
    return [(none_label, _NONE), *((label, code) for code, label in choices.items())]


def _to_widget(value: Any) -> Any:
    return _NONE if value is None else value


def _textarea(placeholder: str = "", rows: int = 4) -> widgets.Textarea:
    return widgets.Textarea(
        placeholder=placeholder, rows=rows, continuous_update=False, layout=_WIDE
    )


def _question(title: str, question: str) -> widgets.HTML:
    return widgets.HTML(f"<b>{title}</b><br><i>{question}</i>")


def _saved_text(changed: bool) -> str:
    stamp = dt.datetime.now().strftime("%H:%M")
    return f"Sparat {stamp}" if changed else f"Inga ändringar att spara ({stamp})"


def _observation_options(journal: Journal) -> list[tuple[str, str]]:
    return [(f"{i}. {o['titel']}", o["id"]) for i, o in enumerate(journal.observations, start=1)]


class _Binder:
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
            self.message.value = f"<span style='color:#b00020'>{_escape(err.message)}</span>"
            return False
        if changed is not None:
            self.status.value = _saved_text(changed)
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
        widget.observe(lambda change: self.run(lambda: save(change["new"])), names="value")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _details_html(obs: Mapping[str, Any] | None) -> str:
    """What the selected observation says (step 1), shown above the reflection fields."""
    if obs is None:
        return "<i>Journalen har inga iakttagelser ännu. Lägg till en nedan.</i>"
    text = _escape(obs["beskrivning"]).replace("\n", "<br>") or "<i>Ingen beskrivning.</i>"
    if obs["bedomning"]:
        text += f"<br><b>Bedömning enligt kriterierna:</b> {VERDICT_LABELS[obs['bedomning']]}"
    return f"<div style='margin:0.3em 0 0.6em 0'>{text}</div>"


# --------------------------------------------------------------------------------------------
# Step 2–3: reflections and conclusions on one observation
# --------------------------------------------------------------------------------------------


class JournalForm(widgets.VBox):
    """Form for steps 2 and 3 on one observation at a time; see :func:`journal_form`.

    Attributes (the controls, for scripts and tests): ``selector`` (which observation),
    ``new_title``, ``new_description``, ``add_button`` (add an observation), ``reflection``
    (one Textarea per key of :data:`~isuwork.workbook.journal.REFLECTION_FIELDS`), ``conclusion``
    (Textarea), ``more_knowledge`` and ``risk`` (Dropdowns), ``save_button``, ``reload_button``,
    ``status`` (Label, e.g. "Sparat 14:03") and ``message`` (HTML for errors).
    """

    def __init__(self, journal: Journal, *, observation_id: str | None = None) -> None:
        self.journal = journal
        self.fixed = observation_id is not None
        if observation_id is not None:
            journal.observation(observation_id)  # unknown id: ParameterError now, not later
        self.status = widgets.Label("")
        self.message = widgets.HTML("")
        self._bind = _Binder(self.status, self.message)
        self.selector = widgets.Dropdown(description="Iakttagelse", layout=_WIDE)
        self.details = widgets.HTML("")
        self.new_title = widgets.Text(placeholder="Kort rubrik för en ny iakttagelse", layout=_WIDE)
        self.new_description = _textarea("Vad visar data? Beskriv med några meningar.", rows=3)
        self.add_button = widgets.Button(description="Lägg till iakttagelse", icon="plus")
        self.reflection = {key: _textarea() for key in REFLECTION_FIELDS}
        self.conclusion = _textarea()
        self.more_knowledge = widgets.Dropdown(options=_options(ANSWERS), layout=_WIDE)
        self.risk = widgets.Dropdown(options=_options(ANSWERS), layout=_WIDE)
        self.save_button = widgets.Button(description="Spara", button_style="primary", icon="save")
        self.reload_button = widgets.Button(description="Läs in på nytt", icon="refresh")
        self._wire()
        super().__init__(children=self._layout(journal))
        self.refresh(select=observation_id)

    @property
    def observation_id(self) -> str | None:
        """The observation the form is showing (None when the journal has none)."""
        return self.selector.value

    def refresh(self, *, select: str | None = None) -> None:
        """Re-read the journal and show its current content (another notebook may have saved)."""
        self._bind.reload(self.journal)
        current = select or self.selector.value
        options = _observation_options(self.journal)
        if self.fixed:
            options = [opt for opt in options if opt[1] == current]
        ids = [value for _, value in options]
        self._bind.loading = True
        try:
            self.selector.options = options
            self.selector.value = current if current in ids else (ids[0] if ids else None)
        finally:
            self._bind.loading = False
        self._load()

    # ---- internals -------------------------------------------------------------------------

    def _layout(self, journal: Journal) -> list[widgets.Widget]:
        head = widgets.HTML(
            f"<h3>Steg 2 och 3: reflektioner och slutsatser, {_escape(journal.kommun)}</h3>"
        )
        new_box = widgets.VBox(
            [
                widgets.HTML("<b>Ny iakttagelse</b>"),
                self.new_title,
                self.new_description,
                self.add_button,
            ]
        )
        parts: list[widgets.Widget] = [head, self.selector, self.details]
        if not self.fixed:
            parts.append(
                widgets.Accordion(children=[new_box], titles=("Lägg till en iakttagelse",))
            )
        parts.append(widgets.HTML("<h4>Steg 2. Vi reflekterar</h4>"))
        for key, label in REFLECTION_FIELDS.items():
            parts += [_question(label, REFLECTION_QUESTIONS[key]), self.reflection[key]]
        parts += [
            widgets.HTML("<h4>Steg 3. Kan vi dra slutsatser?</h4>"),
            _question("Slutsatser", CONCLUSION_QUESTIONS["text"]),
            self.conclusion,
            _question("Behöver vi veta mer?", CONCLUSION_QUESTIONS["behov_av_mer_kunskap"]),
            self.more_knowledge,
            _question(
                "Risk att ojämställdhet består?",
                CONCLUSION_QUESTIONS["risk_att_upprathalla_ojamstalldhet"],
            ),
            self.risk,
            widgets.HBox([self.save_button, self.reload_button, self.status]),
            self.message,
        ]
        return parts

    def _wire(self) -> None:
        self.selector.observe(lambda _: None if self._bind.loading else self._load(), names="value")
        self.add_button.on_click(lambda _: self._bind.run(self._add_observation))
        self.save_button.on_click(lambda _: self._bind.run(self._save_all))
        self.reload_button.on_click(lambda _: self.refresh())
        for key, area in self.reflection.items():
            self._bind.on_change(area, lambda value, key=key: self._save_reflection({key: value}))
        self._bind.on_change(self.conclusion, lambda v: self._save_conclusion(text=v))
        self._bind.on_change(
            self.more_knowledge, lambda v: self._save_conclusion(behov_av_mer_kunskap=v)
        )
        self._bind.on_change(
            self.risk, lambda v: self._save_conclusion(risk_att_upprathalla_ojamstalldhet=v)
        )

    def _controls(self) -> list[widgets.Widget]:
        return [
            *self.reflection.values(),
            self.conclusion,
            self.more_knowledge,
            self.risk,
            self.save_button,
        ]

    def _load(self) -> None:
        """Fill the controls from the journal for the selected observation."""
        obs_id = self.selector.value
        self._bind.loading = True
        try:
            for control in self._controls():
                control.disabled = obs_id is None
            obs = self.journal.observation(obs_id) if obs_id else None
            self.details.value = _details_html(obs)
            for key, area in self.reflection.items():
                area.value = obs["reflektion"][key] if obs else ""
            found = self.journal.conclusions_for(obs_id) if obs_id else []
            first = found[0] if found else None
            self.conclusion.value = first["text"] if first else ""
            self.more_knowledge.value = _to_widget(first and first["behov_av_mer_kunskap"])
            self.risk.value = _to_widget(first and first["risk_att_upprathalla_ojamstalldhet"])
        finally:
            self._bind.loading = False

    def _save_reflection(self, parts: Mapping[str, str]) -> bool | None:
        if self.selector.value is None:
            return None
        return self.journal.set_reflection(self.selector.value, **parts)

    def _save_conclusion(self, **fields: Any) -> bool | None:
        obs_id = self.selector.value
        if obs_id is None:
            return None
        found = self.journal.conclusions_for(obs_id)
        if found:
            return self.journal.update_conclusion(found[0]["id"], **fields)
        if not any(v not in (None, "") for v in fields.values()):
            return False
        self.journal.add_conclusion(observation=obs_id, **fields)
        return True

    def _save_all(self) -> bool | None:
        if self.selector.value is None:
            return None
        texts = {key: area.value for key, area in self.reflection.items()}
        changed = bool(self._save_reflection(texts))
        changed |= bool(
            self._save_conclusion(
                text=self.conclusion.value,
                behov_av_mer_kunskap=self.more_knowledge.value,
                risk_att_upprathalla_ojamstalldhet=self.risk.value,
            )
        )
        return changed

    def _add_observation(self) -> bool:
        new_id = self.journal.add_observation(
            self.new_title.value, beskrivning=self.new_description.value
        )
        self._bind.loading = True
        try:
            self.new_title.value = ""
            self.new_description.value = ""
        finally:
            self._bind.loading = False
        self.refresh(select=new_id)
        return True


def journal_form(
    journal: Journal, *, observation_id: str | None = None, interactive: bool = True
) -> JournalForm | Markdown:
    """A form for steps 2 and 3 (reflections and conclusions), bound to ``journal``.

    Parameters
    ----------
    journal
        The kommun's journal (:func:`isuwork.workbook.journal.open_journal`).
    observation_id
        Show only this observation; None shows a selector and a box for adding observations.
    interactive
        False in batch runs: return the journal's content as Markdown instead of widgets.

    Returns
    -------
    JournalForm or IPython.display.Markdown
        The form (an ``ipywidgets.VBox``), or Markdown text when ``interactive`` is False.
    """
    if not interactive:
        return Markdown(_observation_markdown(journal, observation_id))
    return JournalForm(journal, observation_id=observation_id)


def _observation_markdown(journal: Journal, observation_id: str | None) -> str:
    journal.reload()
    if observation_id is None:
        return journal.to_markdown(heading_level=2)
    return journal.observation_markdown(observation_id, heading_level=3)


# --------------------------------------------------------------------------------------------
# Step 4: actions
# --------------------------------------------------------------------------------------------


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
        self._bind = _Binder(self.status, self.message)
        self.selector = widgets.Dropdown(description="Åtgärd", layout=_WIDE)
        self.description = _textarea("Vad ska göras?", rows=3)
        self.responsible = widgets.Text(
            placeholder="Vem ansvarar (en roll räcker)?", continuous_update=False, layout=_WIDE
        )
        self.effort = widgets.Dropdown(description="Insats", options=_options(EFFORT))
        self.effect = widgets.Dropdown(description="Effekt", options=_options(EFFECT))
        self.decided_by = widgets.Dropdown(description="Beslutas av", options=_options(DECIDED_BY))
        self.follow_up = widgets.DatePicker(description="Uppföljning")
        self.observation = widgets.Dropdown(description="Gäller", layout=_WIDE)
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
            observations = [("Hela analysen", _NONE), *_observation_options(self.journal)]
            self.observation.options = observations
            known = [value for _, value in observations]
            self.observation.value = observed if observed in known else _NONE
            self.selector.options = [("Ny åtgärd", _NONE), *actions]
            self.selector.value = current if current in ids else _NONE
        finally:
            self._bind.loading = False
        self._load()

    def _layout(self, journal: Journal) -> list[widgets.Widget]:
        return [
            widgets.HTML(f"<h3>Steg 4. Hur kan vi göra annorlunda? {_escape(journal.kommun)}</h3>"),
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
                    control.value = _to_widget(value)
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


# --------------------------------------------------------------------------------------------
# The whole journal
# --------------------------------------------------------------------------------------------


def show_journal(journal: Journal, *, interactive: bool) -> None:
    """Show the journal in a notebook cell.

    With ``interactive=True`` the forms for steps 2–3 and step 4 are displayed in tabs, with a
    third tab that shows the journal as text. With ``interactive=False`` (batch runs) the
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
        display(Markdown(journal.to_markdown(heading_level=2)))
        return
    overview = widgets.Output()
    refresh = widgets.Button(description="Visa aktuell journal", icon="refresh")

    def show_overview(_: object = None) -> None:
        journal.reload()
        overview.clear_output()
        with overview:
            display(Markdown(journal.to_markdown(heading_level=2)))

    refresh.on_click(show_overview)
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
