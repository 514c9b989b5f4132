"""What a journal holds: its sections, their fields, the codes of each choice, and validation.

A kommun's journal has three sections: observations of step 1 (with the reflections of step 2
from three sources of knowledge and the gender-bias check), conclusions of step 3 and actions
of step 4 (judged by effort, effect and who decides). Every value is checked against its field
before it is stored, so the file only ever holds what the forms and the views can show.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from isuwork.domain.vocabulary import VERDICT_LABELS
from isuwork.exceptions import ParameterError

SectionName = Literal["observationer", "slutsatser", "atgarder"]

#: The three sources of knowledge of step 2 plus the gender-bias check: key -> Swedish label.
REFLECTION_FIELDS: dict[str, str] = {
    "individ_grupp": "2.1 Individ och grupp",
    "verksamhet_profession": "2.2 Verksamhet och profession",
    "omvarld": "2.3 Omvärlden och samhället",
    "konsbias": "Könsbias",
}
#: The keys of an observation's ``bedomning_siffror``: the verdict's numbers as step 2 showed them.
VERDICT_FIGURES: tuple[str, ...] = ("skala", "konfidensgrad", "ra", "kvar", "provad")
#: Effort of an action (step 4).
EFFORT: dict[str, str] = {"latt": "Lätt", "svar": "Svår"}
#: Expected effect of an action (step 4).
EFFECT: dict[str, str] = {"liten": "Liten", "stor": "Stor"}
#: Who decides an action: the service itself or the elected politicians.
DECIDED_BY: dict[str, str] = {
    "verksamheten": "Verksamheten (internt)",
    "politiken": "Politiken (förtroendevalda)",
}
#: Answers to the yes/no questions of step 3.
ANSWERS: dict[str, str] = {"ja": "Ja", "nej": "Nej", "vet_ej": "Vet inte än"}
#: Columns of the action plan as a table (:func:`isuwork.workbook.journal.views.actions_table`).
ACTION_COLUMNS: tuple[str, ...] = (
    "beskrivning",
    "ansvarig",
    "insats",
    "effekt",
    "beslutas_av",
    "uppfoljning",
)
#: Swedish headers of the exported action plan.
ACTION_HEADERS: dict[str, str] = {
    "beskrivning": "Åtgärd",
    "ansvarig": "Ansvarig",
    "insats": "Insats",
    "effekt": "Effekt",
    "beslutas_av": "Beslutas av",
    "uppfoljning": "Uppföljning",
    "observation": "Iakttagelse",
}


@dataclass(frozen=True)
class Field:
    """One field of a journal entry: how it is validated and shown."""

    name: str
    label: str
    kind: Literal["text", "name", "choice", "date", "ref", "filter", "reflection", "figures"]
    required: bool = False
    choices: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Section:
    """One section of the journal (observations, conclusions, actions)."""

    section: SectionName
    prefix: str
    noun: str  # Swedish, definite form ("iakttagelsen")
    noun_plain: str  # Swedish, indefinite form ("en iakttagelse")
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        """One field by name; a Swedish ParameterError naming the allowed fields otherwise."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        allowed = ", ".join(f.name for f in self.fields)
        raise ParameterError(
            f"Okänt fält {name!r} för {self.noun_plain} i journalen. Tillåtna fält: {allowed}."
        )


OBSERVATION = Section(
    section="observationer",
    prefix="obs",
    noun="iakttagelsen",
    noun_plain="en iakttagelse",
    fields=(
        Field("titel", "Rubrik", "text", required=True),
        Field("beskrivning", "Beskrivning", "text"),
        Field("utfall", "Utfall", "name"),
        Field("grupp", "Grupp", "name"),
        Field("filter", "Urval", "filter"),
        Field("bedomning", "Bedömning enligt kriterierna", "choice", choices=VERDICT_LABELS),
        Field("bedomning_siffror", "Siffrorna bakom bedömningen", "figures"),
        Field("reflektion", "Reflektion", "reflection"),
    ),
)
CONCLUSION = Section(
    section="slutsatser",
    prefix="slut",
    noun="slutsatsen",
    noun_plain="en slutsats",
    fields=(
        Field("text", "Slutsats", "text"),
        Field("observation", "Iakttagelse", "ref"),
        Field("behov_av_mer_kunskap", "Behöver vi veta mer?", "choice", choices=ANSWERS),
        Field(
            "risk_att_upprathalla_ojamstalldhet",
            "Risk att ojämställdhet eller ojämlikhet upprätthålls?",
            "choice",
            choices=ANSWERS,
        ),
    ),
)
ACTION = Section(
    section="atgarder",
    prefix="atg",
    noun="åtgärden",
    noun_plain="en åtgärd",
    fields=(
        Field("beskrivning", "Beskrivning av åtgärden", "text", required=True),
        Field("ansvarig", "Ansvarig", "text"),
        Field("insats", "Insats (lätt eller svår att genomföra)", "choice", choices=EFFORT),
        Field("effekt", "Effekt (liten eller stor)", "choice", choices=EFFECT),
        Field("beslutas_av", "Beslutas av", "choice", choices=DECIDED_BY),
        Field("uppfoljning", "Uppföljningsdatum", "date"),
        Field("observation", "Iakttagelse", "ref"),
    ),
)
SECTIONS: dict[str, Section] = {s.section: s for s in (OBSERVATION, CONCLUSION, ACTION)}


def _choice_list(choices: Mapping[str, str]) -> str:
    return ", ".join(f"{code} ({label})" for code, label in choices.items())


def clean(spec: Field, value: Any) -> Any:
    """Validate one field value and return it in its stored form; ParameterError otherwise."""
    if spec.kind == "text":
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ParameterError(
                f"Fältet {spec.name} ({spec.label}) ska vara text, men fick "
                f"{type(value).__name__} {value!r}."
            )
        if spec.required and not value.strip():
            raise ParameterError(
                f"Fältet {spec.name} ({spec.label}) får inte vara tomt. Skriv några ord som "
                "beskriver posten."
            )
        return value
    if spec.kind in ("name", "ref"):
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ParameterError(
                f"Fältet {spec.name} ({spec.label}) ska vara ett namn eller id i text, men fick "
                f"{type(value).__name__} {value!r}."
            )
        return value
    if spec.kind == "choice":
        if value is None or value == "":
            return None
        assert spec.choices is not None
        if value not in spec.choices:
            raise ParameterError(
                f"Okänt värde {value!r} för fältet {spec.name} ({spec.label}). Tillåtna värden: "
                f"{_choice_list(spec.choices)}. Lämna fältet tomt (None) om det inte är bestämt."
            )
        return value
    if spec.kind == "date":
        return _clean_date(spec, value)
    if spec.kind == "filter":
        return _clean_filter(value)
    if spec.kind == "figures":
        return _clean_figures(value)
    return clean_reflection(value)


def _clean_date(spec: Field, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ParameterError(
        f"Fältet {spec.name} ({spec.label}) ska vara ett datum skrivet som ÅÅÅÅ-MM-DD, till "
        f"exempel 2025-03-31, men fick {value!r}."
    )


def _clean_filter(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    message = (
        f"Fältet filter (urval) ska vara en tabell från kolumnnamn till ett värde eller en lista "
        f"av värden, till exempel {{'verksamhet': 'lss'}}, men fick {value!r}."
    )
    if not isinstance(value, Mapping):
        raise ParameterError(message)
    scalars = (str, int, float, bool)
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise ParameterError(message)
        if isinstance(item, list | tuple):
            if not all(isinstance(v, scalars) for v in item):
                raise ParameterError(message)
            cleaned[key] = list(item)
        elif isinstance(item, scalars):
            cleaned[key] = item
        else:
            raise ParameterError(message)
    return cleaned or None


def _clean_figures(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    message = (
        "Fältet bedomning_siffror ska vara en tabell med nycklarna "
        f"{', '.join(VERDICT_FIGURES)}: skala ('share' eller 'mean'), konfidensgrad (till exempel "
        "0.95), ra och kvar (var och en [skillnad, lägre gräns, övre gräns], tomma där de "
        f"saknas) och provad (datum ÅÅÅÅ-MM-DD), men fick {value!r}."
    )
    if not isinstance(value, Mapping) or set(value) - set(VERDICT_FIGURES):
        raise ParameterError(message)
    if value.get("skala") not in ("share", "mean"):
        raise ParameterError(message)
    level = value.get("konfidensgrad")
    if not _is_number(level) or not 0 < level < 1:
        raise ParameterError(message)
    cleaned: dict[str, Any] = {"skala": value["skala"], "konfidensgrad": float(level)}
    for key in ("ra", "kvar"):
        triple = value.get(key)
        if not isinstance(triple, list | tuple) or len(triple) != 3:
            raise ParameterError(message)
        if not all(v is None or _is_number(v) for v in triple):
            raise ParameterError(message)
        cleaned[key] = [None if v is None else float(v) for v in triple]
    cleaned["provad"] = _clean_date(Field("provad", "Prövad", "date"), value.get("provad"))
    return cleaned


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def clean_reflection(value: Any, *, partial: bool = False) -> dict[str, str]:
    """Validate a reflection (all four parts, or with ``partial`` only those given)."""
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise ParameterError(
            f"Fältet reflektion ska vara en tabell med nycklarna {', '.join(REFLECTION_FIELDS)}, "
            f"men fick {value!r}."
        )
    unknown = [k for k in value if k not in REFLECTION_FIELDS]
    if unknown:
        raise ParameterError(
            f"Okänd del av reflektionen: {', '.join(map(repr, unknown))}. Tillåtna delar: "
            + ", ".join(f"{k} ({label})" for k, label in REFLECTION_FIELDS.items())
            + "."
        )
    cleaned: dict[str, str] = {}
    for key, label in REFLECTION_FIELDS.items():
        if key not in value and partial:
            continue
        text = value.get(key)
        text = "" if text is None else text
        if not isinstance(text, str):
            raise ParameterError(
                f"Reflektionen {key} ({label}) ska vara text, men fick {type(text).__name__}."
            )
        cleaned[key] = text
    return cleaned
