"""The form of steps 2 and 3: reflections and conclusions on one observation at a time.

For each observation the group reflects from three sources of knowledge (2.1 the individual
and client group, 2.2 the organisation and profession, 2.3 the surrounding society), checks
itself for gender bias, and draws its conclusions (step 3). Everything is saved in the kommun's
journal as it is written. With ``interactive=False`` (batch runs) :func:`journal_form` shows
the journal as Markdown instead, which static HTML keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
from IPython.display import Markdown

from isuwork.domain.vocabulary import VERDICT_LABELS
from isuwork.workbook.form_controls import (
    WIDE,
    Binder,
    escape,
    observation_options,
    options,
    question,
    textarea,
    to_widget,
)
from isuwork.workbook.journal import ANSWERS, REFLECTION_FIELDS, Journal
from isuwork.workbook.journal.views import verdict_figures_text

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


def _details_html(obs: Mapping[str, Any] | None) -> str:
    """What the selected observation says (step 1), shown above the reflection fields."""
    if obs is None:
        return "<i>Journalen har inga iakttagelser ännu. Lägg till en nedan.</i>"
    text = escape(obs["beskrivning"]).replace("\n", "<br>") or "<i>Ingen beskrivning.</i>"
    if obs["bedomning"]:
        text += f"<br><b>Bedömning enligt kriterierna:</b> {VERDICT_LABELS[obs['bedomning']]}"
    if obs.get("bedomning_siffror"):
        text += f"<br>{escape(verdict_figures_text(obs['bedomning_siffror']))}"
    return f"<div style='margin:0.3em 0 0.6em 0'>{text}</div>"


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
        self._bind = Binder(self.status, self.message)
        self.selector = widgets.Dropdown(description="Iakttagelse", layout=WIDE)
        self.details = widgets.HTML("")
        self.new_title = widgets.Text(placeholder="Kort rubrik för en ny iakttagelse", layout=WIDE)
        self.new_description = textarea("Vad visar data? Beskriv med några meningar.", rows=3)
        # wide enough for its words: the default width cut it to "Lägg till iaktta…"
        self.add_button = widgets.Button(
            description="Lägg till iakttagelse", icon="plus", layout=widgets.Layout(width="auto")
        )
        self.reflection = {key: textarea() for key in REFLECTION_FIELDS}
        self.conclusion = textarea()
        self.more_knowledge = widgets.Dropdown(options=options(ANSWERS), layout=WIDE)
        self.risk = widgets.Dropdown(options=options(ANSWERS), layout=WIDE)
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
        options = observation_options(self.journal)
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
            f"<h3>Gruppens journal: iakttagelser, reflektioner och slutsatser, "
            f"{escape(journal.kommun)}</h3>"
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
            parts += [question(label, REFLECTION_QUESTIONS[key]), self.reflection[key]]
        parts += [
            widgets.HTML("<h4>Steg 3. Kan vi dra slutsatser?</h4>"),
            question("Slutsatser", CONCLUSION_QUESTIONS["text"]),
            self.conclusion,
            question("Behöver vi veta mer?", CONCLUSION_QUESTIONS["behov_av_mer_kunskap"]),
            self.more_knowledge,
            question(
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
            self.more_knowledge.value = to_widget(first and first["behov_av_mer_kunskap"])
            self.risk.value = to_widget(first and first["risk_att_upprathalla_ojamstalldhet"])
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
