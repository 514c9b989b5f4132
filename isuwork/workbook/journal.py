"""The reflection journal: what a kommun's working group saw, thought, concluded and decided.

Steps 2–4 of the SKR analysis support (2024) are written work, not computation: for each
observation (iakttagelse) under study the group reflects from three sources of knowledge (2.1 the
individual and client group, 2.2 the organisation and profession, 2.3 the surrounding society)
and checks itself for gender bias; then it draws conclusions (step 3) and proposes actions judged
by effort, effect and who decides (step 4). The journal keeps all of it per kommun in one
human-readable YAML file that several notebooks may edit at the same time.

File and merge rules
--------------------
- The file is ``<journal_dir>/<slug>.yaml`` (UTF-8, fixed key order, long texts as YAML blocks).
  ``<slug>`` is the kommun name in lower case with å/ä/ö folded to a/o and other characters
  replaced by ``-`` (``"Upplands Väsby"`` → ``upplands-vasby``).
- Every change is saved at once. A save takes a file lock (``.<slug>.yaml.lock``), re-reads the
  file, applies only the change just made (a new entry is appended; an edit overwrites only the
  fields it names), copies the file as it was to ``<slug>.yaml.bak`` and writes the new version
  atomically. Entries that other notebooks or processes added in the meantime are therefore kept,
  and two notebooks that edit different fields of the same entry both keep their edit; when they
  edit the same field, the later save wins.
- Deleting an entry marks it ``borttagen: true`` (a tombstone) instead of dropping it, so that a
  notebook with an older copy cannot bring it back by accident and a person can undo the deletion
  by editing the file. Removed entries are left out of every view.
- A file that cannot be read raises :class:`~isuwork.exceptions.JournalError`; the previous
  version is restored with :func:`restore_backup`.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import filelock
import pandas as pd
import yaml

from isuwork.data.io import write_bytes, write_excel, write_text
from isuwork.exceptions import JournalError, ParameterError

Section = Literal["observationer", "slutsatser", "atgarder"]

#: Version of the file layout, written into every journal.
FORMAT_VERSION = 1
#: Seconds to wait for another notebook's save before giving up.
LOCK_TIMEOUT = 30.0

#: The three sources of knowledge of step 2 plus the gender-bias check: key -> Swedish label.
REFLECTION_FIELDS: dict[str, str] = {
    "individ_grupp": "2.1 Individ och grupp",
    "verksamhet_profession": "2.2 Verksamhet och profession",
    "omvarld": "2.3 Omvärlden och samhället",
    "konsbias": "Könsbias",
}
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
#: Verdict codes of the criteria check (design.md), with Swedish labels.
VERDICT_LABELS: dict[str, str] = {
    "insufficient_data": "För lite data för en bedömning",
    "risk_unmotivated": "Risk för omotiverad skillnad",
    "explained": "Skillnaden förklaras av kriterierna",
    "no_difference": "Ingen tydlig skillnad",
}
#: Columns of :meth:`Journal.actions_table` (apis.md).
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
EXPORT_SUFFIXES: tuple[str, ...] = (".xlsx", ".md")

_EMPTY = "_(ej ifyllt)_"
_FILE_HEADER = (
    "# Reflektionsjournal från isuwork: iakttagelser, reflektioner, slutsatser och åtgärder\n"
    "# (steg 1–4 i SKR:s analysstöd 2024). Filen sparas automatiskt vid varje ändring och\n"
    "# den förra versionen ligger bredvid som {backup}. Borttagna poster har borttagen: true.\n"
)
_ADMIN_KEYS = ("borttagen", "skapad", "andrad")


# --------------------------------------------------------------------------------------------
# Field specifications
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """One field of a journal entry: how it is validated and shown."""

    name: str
    label: str
    kind: Literal["text", "name", "choice", "date", "ref", "filter", "reflection"]
    required: bool = False
    choices: Mapping[str, str] | None = None


@dataclass(frozen=True)
class _Spec:
    """One section of the journal (observations, conclusions, actions)."""

    section: Section
    prefix: str
    noun: str  # Swedish, definite form ("iakttagelsen")
    noun_plain: str  # Swedish, indefinite form ("en iakttagelse")
    fields: tuple[_Field, ...]

    def field(self, name: str) -> _Field:
        for spec in self.fields:
            if spec.name == name:
                return spec
        allowed = ", ".join(f.name for f in self.fields)
        raise ParameterError(
            f"Okänt fält {name!r} för {self.noun_plain} i journalen. Tillåtna fält: {allowed}."
        )


_OBSERVATION = _Spec(
    section="observationer",
    prefix="obs",
    noun="iakttagelsen",
    noun_plain="en iakttagelse",
    fields=(
        _Field("titel", "Rubrik", "text", required=True),
        _Field("beskrivning", "Beskrivning", "text"),
        _Field("utfall", "Utfall", "name"),
        _Field("grupp", "Grupp", "name"),
        _Field("filter", "Urval", "filter"),
        _Field("bedomning", "Bedömning enligt kriterierna", "choice", choices=VERDICT_LABELS),
        _Field("reflektion", "Reflektion", "reflection"),
    ),
)
_CONCLUSION = _Spec(
    section="slutsatser",
    prefix="slut",
    noun="slutsatsen",
    noun_plain="en slutsats",
    fields=(
        _Field("text", "Slutsats", "text"),
        _Field("observation", "Iakttagelse", "ref"),
        _Field("behov_av_mer_kunskap", "Behöver vi veta mer?", "choice", choices=ANSWERS),
        _Field(
            "risk_att_upprathalla_ojamstalldhet",
            "Risk att ojämställdhet eller ojämlikhet upprätthålls?",
            "choice",
            choices=ANSWERS,
        ),
    ),
)
_ACTION = _Spec(
    section="atgarder",
    prefix="atg",
    noun="åtgärden",
    noun_plain="en åtgärd",
    fields=(
        _Field("beskrivning", "Beskrivning av åtgärden", "text", required=True),
        _Field("ansvarig", "Ansvarig", "text"),
        _Field("insats", "Insats (lätt eller svår att genomföra)", "choice", choices=EFFORT),
        _Field("effekt", "Effekt (liten eller stor)", "choice", choices=EFFECT),
        _Field("beslutas_av", "Beslutas av", "choice", choices=DECIDED_BY),
        _Field("uppfoljning", "Uppföljningsdatum", "date"),
        _Field("observation", "Iakttagelse", "ref"),
    ),
)
_SPECS: dict[str, _Spec] = {s.section: s for s in (_OBSERVATION, _CONCLUSION, _ACTION)}


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _choice_list(choices: Mapping[str, str]) -> str:
    return ", ".join(f"{code} ({label})" for code, label in choices.items())


def _clean(spec: _Field, value: Any) -> Any:
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
    return _clean_reflection(value)


def _clean_date(spec: _Field, value: Any) -> str | None:
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


def _clean_reflection(value: Any, *, partial: bool = False) -> dict[str, str]:
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


def slugify(kommun: str) -> str:
    """File-name stem of a kommun's journal: ``"Upplands Väsby"`` → ``"upplands-vasby"``.

    Parameters
    ----------
    kommun
        The kommun's name as people write it.
    """
    if not isinstance(kommun, str) or not kommun.strip():
        raise ParameterError(
            f"Kommunens namn ska vara en text som inte är tom, men fick {kommun!r}. Ange till "
            "exempel kommun='Exempelkommun'."
        )
    folded = unicodedata.normalize("NFKD", kommun.casefold())
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")
    if not slug:
        raise ParameterError(
            f"Kommunens namn {kommun!r} innehåller inga bokstäver eller siffror som kan bli ett "
            "filnamn. Ange kommunens namn med bokstäver."
        )
    return slug


def journal_path(kommun: str, *, journal_dir: str | os.PathLike[str]) -> Path:
    """Path of a kommun's journal file (it need not exist yet)."""
    return Path(journal_dir) / f"{slugify(kommun)}.yaml"


def _now() -> str:
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------------------------
# Reading and writing the file
# --------------------------------------------------------------------------------------------


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe YAML dumper that writes multi-line text as literal blocks, readable by people."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _restore_hint(kommun: str, path: Path) -> str:
    backup = path.with_name(path.name + ".bak")
    if backup.exists():
        return (
            f"Den förra versionen finns i {backup.name}. Återställ den med "
            f"isuwork.workbook.journal.restore_backup({kommun!r}, journal_dir={str(path.parent)!r}) "
            "(eller Journal.restore_backup med samma argument); den trasiga filen sparas då "
            f"som {path.name}.fore-aterstallning. Du kan också rätta filen för hand."
        )
    return (
        f"Det finns ingen säkerhetskopia ({backup.name}) att återställa. Rätta filen för hand, "
        "eller flytta den åt sidan så att en ny, tom journal skapas."
    )


def _corrupt(path: Path, kommun: str, problem: str) -> JournalError:
    return JournalError(
        f"Journalfilen {path} kan inte läsas: {problem} {_restore_hint(kommun, path)}"
    )


def _new_document(kommun: str) -> dict[str, Any]:
    return {
        "kommun": kommun,
        "version": FORMAT_VERSION,
        "andrad": None,
        "observationer": [],
        "slutsatser": [],
        "atgarder": [],
    }


def _parse(raw: bytes, *, path: Path, kommun: str) -> dict[str, Any]:
    """Parse and validate the bytes of a journal file into a normalised document."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _corrupt(path, kommun, f"filen är inte UTF-8-text (byte {err.start}).") from err
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        line = f" (rad {where.line + 1})" if where is not None else ""
        raise _corrupt(path, kommun, f"filen är ingen giltig YAML{line}.") from err
    if not isinstance(data, dict) or not isinstance(data.get("kommun"), str):
        raise _corrupt(path, kommun, "filen saknar fältet kommun eller har fel uppbyggnad.")
    if data["kommun"].casefold() != kommun.casefold():
        raise JournalError(
            f"Journalfilen {path} hör till kommunen {data['kommun']!r}, inte {kommun!r}. Skriv "
            f"kommunens namn som i filen, eller välj en annan journal_dir."
        )
    doc = _new_document(data["kommun"])
    doc["version"] = data.get("version", FORMAT_VERSION)
    andrad = data.get("andrad")
    doc["andrad"] = None if andrad is None else str(andrad)
    for name, spec in _SPECS.items():
        entries = data.get(name) or []
        if not isinstance(entries, list):
            raise _corrupt(path, kommun, f"avsnittet {name} ska vara en lista.")
        seen: set[str] = set()
        for number, entry in enumerate(entries, start=1):
            cleaned = _parse_entry(entry, spec=spec, path=path, kommun=kommun, number=number)
            if cleaned["id"] in seen:
                raise _corrupt(
                    path, kommun, f"id {cleaned['id']!r} förekommer två gånger under {name}."
                )
            seen.add(cleaned["id"])
            doc[name].append(cleaned)
    extra = {k: v for k, v in data.items() if k not in doc}
    doc.update(extra)  # keys a person added by hand are kept
    return doc


def _parse_entry(
    entry: Any, *, spec: _Spec, path: Path, kommun: str, number: int
) -> dict[str, Any]:
    where = f"post {number} under {spec.section}"
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
        raise _corrupt(path, kommun, f"{where} saknar ett id eller är ingen tabell.")
    out: dict[str, Any] = {"id": entry["id"]}
    try:
        for field in spec.fields:
            out[field.name] = _clean(field, entry.get(field.name))
    except ParameterError as err:
        raise _corrupt(path, kommun, f"{where} (id {entry['id']}): {err.message}") from err
    out["borttagen"] = bool(entry.get("borttagen", False))
    for key in ("skapad", "andrad"):
        out[key] = None if entry.get(key) is None else str(entry[key])
    out.update({k: v for k, v in entry.items() if k not in out})
    return out


def _dump(doc: Mapping[str, Any], *, path: Path) -> str:
    header = _FILE_HEADER.format(backup=path.name + ".bak")
    body = yaml.dump(
        dict(doc),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )
    return header + body


# --------------------------------------------------------------------------------------------
# The journal
# --------------------------------------------------------------------------------------------


class Journal:
    """A kommun's reflection journal, bound to its YAML file.

    Every method that changes something saves at once (see the module docstring for the merge
    rules). The read-only properties show the state after the last save or :meth:`reload`.

    Parameters
    ----------
    kommun
        The kommun's name; also the name of the file (see :func:`slugify`).
    journal_dir
        Folder of the journal files; created on the first save.
    lock_timeout
        Seconds to wait for another notebook's save.
    """

    def __init__(
        self,
        kommun: str,
        *,
        journal_dir: str | os.PathLike[str],
        lock_timeout: float = LOCK_TIMEOUT,
    ) -> None:
        self.path = journal_path(kommun, journal_dir=journal_dir)
        self.backup_path = self.path.with_name(self.path.name + ".bak")
        self.lock_path = self.path.with_name(f".{self.path.name}.lock")
        self._kommun = kommun
        self._lock_timeout = lock_timeout
        self._thread_lock = threading.RLock()
        self._raw: bytes | None = None
        self._doc = _new_document(kommun)
        self.reload()

    # ---- reading ---------------------------------------------------------------------------

    @property
    def kommun(self) -> str:
        """The kommun's name as written in the file."""
        return self._doc["kommun"]

    @property
    def modified(self) -> str | None:
        """Time of the last save (ISO 8601), or None when nothing has been saved."""
        return self._doc.get("andrad")

    @property
    def observations(self) -> list[dict[str, Any]]:
        """Observations (copies), in the order they were added; removed ones left out."""
        return self._live("observationer")

    @property
    def conclusions(self) -> list[dict[str, Any]]:
        """Conclusions of step 3 (copies), removed ones left out."""
        return self._live("slutsatser")

    @property
    def actions(self) -> list[dict[str, Any]]:
        """Actions of step 4 (copies), removed ones left out."""
        return self._live("atgarder")

    def observation(self, entry_id: str) -> dict[str, Any]:
        """One observation (a copy); ParameterError when the id is unknown or removed."""
        return copy.deepcopy(self._find_live(_OBSERVATION, entry_id))

    def conclusion(self, entry_id: str) -> dict[str, Any]:
        """One conclusion (a copy); ParameterError when the id is unknown or removed."""
        return copy.deepcopy(self._find_live(_CONCLUSION, entry_id))

    def action(self, entry_id: str) -> dict[str, Any]:
        """One action (a copy); ParameterError when the id is unknown or removed."""
        return copy.deepcopy(self._find_live(_ACTION, entry_id))

    def conclusions_for(self, observation_id: str | None) -> list[dict[str, Any]]:
        """Conclusions about one observation (``None``: the general ones)."""
        return [c for c in self.conclusions if c["observation"] == observation_id]

    def to_dict(self) -> dict[str, Any]:
        """The whole journal as plain data (a copy), removed entries included."""
        return copy.deepcopy(self._doc)

    def reload(self) -> None:
        """Read the file again, to see what other notebooks have saved.

        Raises
        ------
        JournalError
            When the file cannot be read; the message says how to restore the backup.
        """
        with self._thread_lock:
            raw = self._read_raw()
            if raw is None:
                self._doc = _new_document(self._kommun)
            elif raw != self._raw:
                self._doc = _parse(raw, path=self.path, kommun=self._kommun)
            self._raw = raw

    # ---- observations ----------------------------------------------------------------------

    def add_observation(
        self,
        titel: str,
        *,
        beskrivning: str = "",
        utfall: str | None = None,
        grupp: str | None = None,
        filter: Mapping[str, object] | None = None,
        bedomning: str | None = None,
        reflektion: Mapping[str, str] | None = None,
    ) -> str:
        """Add an observation (step 1) to study further and return its id.

        Parameters
        ----------
        titel
            A short heading, e.g. ``"Fler kvinnor än män beviljas LSS-insatser"``.
        beskrivning
            What the data shows, in a few sentences.
        utfall, grupp, filter
            Optional: the outcome, grouping column and selection the observation is about.
        bedomning
            Optional verdict code of the criteria check (:data:`VERDICT_LABELS`).
        reflektion
            Optional texts of step 2, keys as in :data:`REFLECTION_FIELDS`.
        """
        values = {
            "titel": titel,
            "beskrivning": beskrivning,
            "utfall": utfall,
            "grupp": grupp,
            "filter": filter,
            "bedomning": bedomning,
            "reflektion": reflektion,
        }
        return self._add(_OBSERVATION, values)

    def update_observation(self, entry_id: str, **fields: Any) -> bool:
        """Change fields of an observation; only the fields given are saved.

        ``reflektion`` may name only some of its parts. Returns True when something changed.
        """
        return self._update(_OBSERVATION, entry_id, fields)

    def set_reflection(
        self,
        observation_id: str,
        *,
        individ_grupp: str | None = None,
        verksamhet_profession: str | None = None,
        omvarld: str | None = None,
        konsbias: str | None = None,
    ) -> bool:
        """Save reflections of step 2 on one observation; parts left as None are not touched.

        Returns True when something changed.
        """
        given = {
            "individ_grupp": individ_grupp,
            "verksamhet_profession": verksamhet_profession,
            "omvarld": omvarld,
            "konsbias": konsbias,
        }
        parts = {k: v for k, v in given.items() if v is not None}
        return self._update(_OBSERVATION, observation_id, {"reflektion": parts})

    def remove_observation(self, entry_id: str) -> None:
        """Mark an observation as removed (``borttagen: true``)."""
        self._remove(_OBSERVATION, entry_id)

    # ---- conclusions -----------------------------------------------------------------------

    def add_conclusion(
        self,
        text: str = "",
        *,
        observation: str | None = None,
        behov_av_mer_kunskap: str | None = None,
        risk_att_upprathalla_ojamstalldhet: str | None = None,
    ) -> str:
        """Add a conclusion (step 3) and return its id.

        Parameters
        ----------
        text
            Thoughts, hypotheses and knowledge about causes; what the group concludes.
        observation
            Id of the observation it is about; None for a general conclusion.
        behov_av_mer_kunskap, risk_att_upprathalla_ojamstalldhet
            ``"ja"``, ``"nej"`` or ``"vet_ej"`` (:data:`ANSWERS`), or None.
        """
        values = {
            "text": text,
            "observation": observation,
            "behov_av_mer_kunskap": behov_av_mer_kunskap,
            "risk_att_upprathalla_ojamstalldhet": risk_att_upprathalla_ojamstalldhet,
        }
        return self._add(_CONCLUSION, values)

    def update_conclusion(self, entry_id: str, **fields: Any) -> bool:
        """Change fields of a conclusion; returns True when something changed."""
        return self._update(_CONCLUSION, entry_id, fields)

    def remove_conclusion(self, entry_id: str) -> None:
        """Mark a conclusion as removed."""
        self._remove(_CONCLUSION, entry_id)

    # ---- actions ---------------------------------------------------------------------------

    def add_action(
        self,
        beskrivning: str,
        *,
        ansvarig: str = "",
        insats: str | None = None,
        effekt: str | None = None,
        beslutas_av: str | None = None,
        uppfoljning: dt.date | str | None = None,
        observation: str | None = None,
    ) -> str:
        """Add a proposed action (step 4) and return its id.

        Parameters
        ----------
        beskrivning
            What will be done.
        ansvarig
            Who is responsible (a role, not necessarily a name).
        insats
            Effort: ``"latt"`` or ``"svar"``.
        effekt
            Expected effect: ``"liten"`` or ``"stor"``.
        beslutas_av
            ``"verksamheten"`` (decided internally) or ``"politiken"`` (by the politicians).
        uppfoljning
            Follow-up date (``datetime.date`` or ``"ÅÅÅÅ-MM-DD"``).
        observation
            Id of the observation it answers; None when it concerns the whole analysis.
        """
        values = {
            "beskrivning": beskrivning,
            "ansvarig": ansvarig,
            "insats": insats,
            "effekt": effekt,
            "beslutas_av": beslutas_av,
            "uppfoljning": uppfoljning,
            "observation": observation,
        }
        return self._add(_ACTION, values)

    def update_action(self, entry_id: str, **fields: Any) -> bool:
        """Change fields of an action; returns True when something changed."""
        return self._update(_ACTION, entry_id, fields)

    def remove_action(self, entry_id: str) -> None:
        """Mark an action as removed."""
        self._remove(_ACTION, entry_id)

    # ---- views -----------------------------------------------------------------------------

    def actions_table(self) -> pd.DataFrame:
        """The action plan as a table: one row per action, index ``id``.

        Columns ``beskrivning``, ``ansvarig`` (string), ``insats`` (latt|svar), ``effekt``
        (liten|stor), ``beslutas_av`` (verksamheten|politiken) as categoricals with the codes,
        ``uppfoljning`` (datetime64, NaT when not set). This is the input of
        ``plots.action_matrix``.
        """
        rows = self.actions
        frame = pd.DataFrame(
            {name: [row[name] for row in rows] for name in ACTION_COLUMNS},
            index=pd.Index([row["id"] for row in rows], name="id", dtype="string"),
        )
        for name in ("beskrivning", "ansvarig"):
            frame[name] = frame[name].astype("string")
        for name, choices in (("insats", EFFORT), ("effekt", EFFECT), ("beslutas_av", DECIDED_BY)):
            frame[name] = pd.Categorical(frame[name], categories=list(choices))
        frame["uppfoljning"] = pd.to_datetime(frame["uppfoljning"], format="ISO8601").astype(
            "datetime64[ns]"
        )
        return frame

    def actions_display(self) -> pd.DataFrame:
        """The action plan for people: Swedish headers and labels, observation titles."""
        rows = []
        for row in self.actions:
            rows.append(
                {
                    "beskrivning": row["beskrivning"],
                    "ansvarig": row["ansvarig"],
                    "insats": EFFORT.get(row["insats"], ""),
                    "effekt": EFFECT.get(row["effekt"], ""),
                    "beslutas_av": DECIDED_BY.get(row["beslutas_av"], ""),
                    "uppfoljning": row["uppfoljning"] or "",
                    "observation": self._observation_title(row["observation"]),
                }
            )
        frame = pd.DataFrame(rows, columns=list(ACTION_HEADERS), dtype="object")
        return frame.rename(columns=ACTION_HEADERS)

    def export_actions(self, path: str | os.PathLike[str]) -> Path:
        """Write the action plan to ``.xlsx`` (Excel) or ``.md`` (Markdown), chosen by suffix.

        Returns the path written.
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in EXPORT_SUFFIXES:
            raise ParameterError(
                f"Åtgärdsplanen kan inte sparas som {target.name!r}: filändelsen ska vara en av "
                f"{', '.join(EXPORT_SUFFIXES)} (Excel eller Markdown)."
            )
        if suffix == ".xlsx":
            title = [f"Åtgärdsplan för {self.kommun}", self._modified_line()]
            return write_excel(
                {"Åtgärdsplan": self.actions_display()},
                target,
                title_rows={"Åtgärdsplan": title},
            )
        text = f"# Åtgärdsplan för {self.kommun}\n\n{self._modified_line()}\n\n"
        text += self.actions_markdown() + "\n"
        return write_text(text, target)

    def to_markdown(self, *, heading_level: int = 1) -> str:
        """The whole journal as Markdown with Swedish headings, for reports and batch runs.

        Sections: Iakttagelser (steg 1), Reflektioner (steg 2: 2.1, 2.2, 2.3 and könsbias per
        observation), Slutsatser (steg 3) and Åtgärder (steg 4, a table).

        Parameters
        ----------
        heading_level
            Level of the top heading (1 = ``#``); the sections are one level below.
        """
        h1, h2, h3 = _headings(heading_level, 3)
        observations = self.observations
        lines = [f"{h1} Reflektionsjournal för {self.kommun}", "", self._modified_line(), ""]
        lines += [f"{h2} Iakttagelser (steg 1)", ""]
        if not observations:
            lines += ["Inga iakttagelser har skrivits in ännu.", ""]
        for number, obs in enumerate(observations, start=1):
            lines += [f"{h3} {number}. {obs['titel']}", "", *_observation_lines(obs)]
        lines += [f"{h2} Reflektioner (steg 2)", ""]
        if not observations:
            lines += ["Inga reflektioner ännu.", ""]
        for number, obs in enumerate(observations, start=1):
            lines += [f"{h3} {number}. {obs['titel']}", "", *_reflection_lines(obs)]
        lines += [f"{h2} Slutsatser (steg 3)", ""]
        conclusions = self.conclusions
        if not conclusions:
            lines += ["Inga slutsatser har skrivits in ännu.", ""]
        for number, item in enumerate(conclusions, start=1):
            about = self._observation_title(item["observation"])
            lines += [f"{h3} Slutsats {number}: {about}", "", *_conclusion_lines(item)]
        lines += [f"{h2} Åtgärder (steg 4)", "", self.actions_markdown(), ""]
        return "\n".join(lines).rstrip() + "\n"

    def observation_markdown(self, observation_id: str, *, heading_level: int = 3) -> str:
        """One observation with its reflections, conclusions and actions, as Markdown.

        Parameters
        ----------
        observation_id
            The observation's id.
        heading_level
            Level of the observation's heading; its parts are one level below.
        """
        h1, h2 = _headings(heading_level, 2)
        obs = self._find_live(_OBSERVATION, observation_id)
        lines = [f"{h1} {obs['titel']}", "", *_observation_lines(obs)]
        lines += [f"{h2} Reflektioner (steg 2)", "", *_reflection_lines(obs)]
        lines += [f"{h2} Slutsatser (steg 3)", ""]
        conclusions = self.conclusions_for(observation_id)
        if not conclusions:
            lines += ["Inga slutsatser har skrivits in ännu.", ""]
        for item in conclusions:
            lines += _conclusion_lines(item)
        lines += [f"{h2} Åtgärder (steg 4)", ""]
        lines += [self.actions_markdown(observation_id=observation_id), ""]
        return "\n".join(lines).rstrip() + "\n"

    def actions_markdown(self, *, observation_id: str | None = None) -> str:
        """The action plan as a Markdown table with Swedish headers and labels.

        Parameters
        ----------
        observation_id
            Only the actions that answer this observation; None gives all actions.
        """
        table = self.actions_display()
        if observation_id is not None:
            ids = [a["observation"] for a in self.actions]
            table = table[[ref == observation_id for ref in ids]]
        if table.empty:
            return "Inga åtgärder har skrivits in ännu."
        header = "| " + " | ".join(table.columns) + " |"
        rule = "| " + " | ".join("---" for _ in table.columns) + " |"
        body = [
            "| " + " | ".join(_table_cell(value) for value in row) + " |"
            for row in table.itertuples(index=False)
        ]
        return "\n".join([header, rule, *body])

    # ---- backup ----------------------------------------------------------------------------

    @classmethod
    def restore_backup(
        cls, kommun: str, *, journal_dir: str | os.PathLike[str], lock_timeout: float = LOCK_TIMEOUT
    ) -> Journal:
        """Put the previous version (``<slug>.yaml.bak``) back in place and open it.

        The replaced file is kept as ``<slug>.yaml.fore-aterstallning`` so that nothing is lost.

        Raises
        ------
        JournalError
            When there is no backup or the backup cannot be read either.
        """
        path = journal_path(kommun, journal_dir=journal_dir)
        backup = path.with_name(path.name + ".bak")
        lock = filelock.FileLock(path.with_name(f".{path.name}.lock"), timeout=lock_timeout)
        with _locked(lock, path):
            if not backup.exists():
                raise JournalError(
                    f"Det finns ingen säkerhetskopia {backup} att återställa för {kommun}. "
                    "En säkerhetskopia skapas först när journalen har sparats två gånger."
                )
            raw = backup.read_bytes()
            try:
                _parse(raw, path=backup, kommun=kommun)
            except JournalError as err:
                raise JournalError(
                    f"Säkerhetskopian {backup} kan inte heller läsas, så den återställs inte. "
                    f"Rätta filerna för hand. ({err.message})"
                ) from err
            if path.exists():
                write_bytes(path.read_bytes(), path.with_name(path.name + ".fore-aterstallning"))
            write_bytes(raw, path)
        return cls(kommun, journal_dir=journal_dir, lock_timeout=lock_timeout)

    # ---- internals -------------------------------------------------------------------------

    def _live(self, section: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(e) for e in self._doc[section] if not e["borttagen"]]

    def _find_live(self, spec: _Spec, entry_id: str) -> dict[str, Any]:
        entry = _find(self._doc, spec.section, entry_id)
        if entry is None or entry["borttagen"]:
            raise self._unknown(spec, entry_id, removed=entry is not None)
        return entry

    def _unknown(self, spec: _Spec, entry_id: str, *, removed: bool = False) -> ParameterError:
        if removed:
            return ParameterError(
                f"{spec.noun.capitalize()} {entry_id!r} har tagits bort ur journalen för "
                f"{self.kommun} ({self.path})."
            )
        known = [e["id"] for e in self._doc[spec.section] if not e["borttagen"]]
        shown = ", ".join(known[:5]) + (f" och {len(known) - 5} till" if len(known) > 5 else "")
        return ParameterError(
            f"Det finns ingen post med id {entry_id!r} bland {spec.section} i journalen för "
            f"{self.kommun} ({self.path}). Kända id: {shown or 'inga'}."
        )

    def _read_raw(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise JournalError(
                f"Journalfilen {self.path} kan inte öppnas: {err.strerror}. Kontrollera att "
                "mappen finns och att du har behörighet att läsa den."
            ) from err

    def _check_ref(self, doc: Mapping[str, Any], spec: _Spec, values: Mapping[str, Any]) -> None:
        ref = values.get("observation")
        if ref is None or spec is _OBSERVATION:
            return
        target = _find(doc, "observationer", ref)
        if target is None or target["borttagen"]:
            raise ParameterError(
                f"Iakttagelsen {ref!r} som {spec.noun} hänvisar till finns inte i journalen för "
                f"{self.kommun}. Välj ett id bland journalens iakttagelser eller None."
            )

    def _add(self, spec: _Spec, values: Mapping[str, Any]) -> str:
        cleaned = {f.name: _clean(f, values.get(f.name)) for f in spec.fields}

        def apply(doc: dict[str, Any]) -> str:
            self._check_ref(doc, spec, cleaned)
            existing = {e["id"] for e in doc[spec.section]}
            entry_id = f"{spec.prefix}-{uuid.uuid4().hex[:12]}"
            while entry_id in existing:  # practically never
                entry_id = f"{spec.prefix}-{uuid.uuid4().hex[:12]}"
            now = _now()
            entry = {"id": entry_id, **copy.deepcopy(cleaned)}
            entry.update({"borttagen": False, "skapad": now, "andrad": now})
            doc[spec.section].append(entry)
            return entry_id

        return self._mutate(apply)

    def _update(self, spec: _Spec, entry_id: str, fields: Mapping[str, Any]) -> bool:
        cleaned: dict[str, Any] = {}
        for name, value in fields.items():
            field = spec.field(name)
            if field.kind == "reflection":
                cleaned[name] = _clean_reflection(value, partial=True)
            else:
                cleaned[name] = _clean(field, value)
        local = _find(self._doc, spec.section, entry_id)
        if local is None:
            raise self._unknown(spec, entry_id)

        def apply(doc: dict[str, Any]) -> bool:
            self._check_ref(doc, spec, cleaned)
            entry = _find(doc, spec.section, entry_id)
            if entry is None:
                # Gone from the file (e.g. an older version was restored): keep our copy.
                entry = copy.deepcopy(local)
                doc[spec.section].append(entry)
            if entry["borttagen"]:
                raise JournalError(
                    f"{spec.noun.capitalize()} {entry_id!r} har tagits bort (kanske i en annan "
                    f"anteckningsbok), så ändringen sparades inte. Läs in journalen på nytt "
                    f"med reload()."
                )
            changed = False
            for name, value in cleaned.items():
                if name == "reflektion":
                    merged = {**entry["reflektion"], **value}
                    changed |= merged != entry["reflektion"]
                    entry["reflektion"] = merged
                else:
                    changed |= entry.get(name) != value
                    entry[name] = copy.deepcopy(value)
            if changed:
                entry["andrad"] = _now()
            return changed

        return self._mutate(apply)

    def _remove(self, spec: _Spec, entry_id: str) -> None:
        local = _find(self._doc, spec.section, entry_id)
        if local is None:
            raise self._unknown(spec, entry_id)

        def apply(doc: dict[str, Any]) -> bool:
            entry = _find(doc, spec.section, entry_id)
            if entry is None:
                entry = copy.deepcopy(local)
                doc[spec.section].append(entry)
            if entry["borttagen"]:
                return False
            entry["borttagen"] = True
            entry["andrad"] = _now()
            return True

        self._mutate(apply)

    def _mutate(self, apply: Callable[[dict[str, Any]], Any]) -> Any:
        """Lock, re-read, apply one change, back up the old file, write atomically.

        ``apply`` changes the freshly read document in place and returns its result; a result of
        ``False`` means nothing changed and nothing is written.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise JournalError(
                f"Mappen för journalen, {self.path.parent}, kan inte skapas: {err.strerror}. "
                "Välj en annan journal_dir eller kontrollera behörigheten."
            ) from err
        lock = filelock.FileLock(self.lock_path, timeout=self._lock_timeout)
        with self._thread_lock, _locked(lock, self.path):
            raw = self._read_raw()
            if raw is None:
                doc = _new_document(self._kommun)
            elif raw == self._raw:
                doc = copy.deepcopy(self._doc)
            else:
                doc = _parse(raw, path=self.path, kommun=self._kommun)
            result = apply(doc)
            if result is False:
                self._doc, self._raw = doc, raw
                return result
            doc["andrad"] = _now()
            text = _dump(doc, path=self.path)
            try:
                if raw is not None:
                    write_bytes(raw, self.backup_path)
                write_text(text, self.path)
            except OSError as err:
                raise JournalError(
                    f"Ändringen kunde inte sparas i journalfilen {self.path}: {err}. Filen är "
                    "oförändrad. Kontrollera att det finns plats på disken och att du får skriva "
                    "i mappen, och försök igen."
                ) from err
            self._doc, self._raw = doc, text.encode("utf-8")
            return result

    def _modified_line(self) -> str:
        if not self.modified:
            return "Journalen har inte sparats ännu."
        try:
            stamp = dt.datetime.fromisoformat(self.modified)
        except ValueError:  # edited by hand into another form
            return f"Senast ändrad {self.modified}."
        return f"Senast ändrad {stamp:%Y-%m-%d %H:%M}."

    def _observation_title(self, observation_id: str | None) -> str:
        if observation_id is None:
            return "Hela analysen"
        entry = _find(self._doc, "observationer", observation_id)
        if entry is None:
            return f"Okänd iakttagelse ({observation_id})"
        suffix = " (borttagen)" if entry["borttagen"] else ""
        return entry["titel"] + suffix


def _find(doc: Mapping[str, Any], section: str, entry_id: str) -> dict[str, Any] | None:
    for entry in doc[section]:
        if entry["id"] == entry_id:
            return entry
    return None


def _observation_facts(obs: Mapping[str, Any]) -> list[str]:
    facts = []
    if obs["utfall"]:
        facts.append(f"Utfall: {obs['utfall']}")
    if obs["grupp"]:
        facts.append(f"Grupp: {obs['grupp']}")
    if obs["filter"]:
        parts = []
        for key, value in obs["filter"].items():
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{key} = {shown}")
        facts.append("Urval: " + "; ".join(parts))
    if obs["bedomning"]:
        facts.append(f"Bedömning enligt kriterierna: {VERDICT_LABELS[obs['bedomning']]}")
    return facts


def _headings(level: int, count: int) -> tuple[str, ...]:
    if not isinstance(level, int) or not 1 <= level <= 6 - count + 1:
        raise ParameterError(
            f"heading_level ska vara ett heltal från 1 till {6 - count + 1}, men fick {level!r}."
        )
    return tuple("#" * (level + i) for i in range(count))


def _observation_lines(obs: Mapping[str, Any]) -> list[str]:
    lines = [_paragraph(obs["beskrivning"]), ""]
    facts = _observation_facts(obs)
    if facts:
        lines += [*(f"- {fact}" for fact in facts), ""]
    return lines


def _reflection_lines(obs: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for key, label in REFLECTION_FIELDS.items():
        lines += [f"**{label}**", "", _paragraph(obs["reflektion"].get(key)), ""]
    return lines


def _conclusion_lines(item: Mapping[str, Any]) -> list[str]:
    lines = [_paragraph(item["text"]), ""]
    for name in ("behov_av_mer_kunskap", "risk_att_upprathalla_ojamstalldhet"):
        label = _CONCLUSION.field(name).label
        lines.append(f"- {label} {ANSWERS.get(item[name], 'Inte besvarat')}")
    return [*lines, ""]


def _paragraph(text: str | None) -> str:
    """A person's text as Markdown: line breaks kept, a leading ``#`` not read as a heading."""
    if not text or not text.strip():
        return _EMPTY
    lines = [re.sub(r"^(\s*)#", r"\1\\#", line) for line in text.strip("\n").splitlines()]
    return "  \n".join(lines)


def _table_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


@contextmanager
def _locked(lock: filelock.BaseFileLock, path: Path) -> Iterator[None]:
    """Hold a file lock, turning a timeout into a Swedish JournalError."""
    try:
        lock.acquire()
    except filelock.Timeout as err:
        raise JournalError(
            f"Journalfilen {path} är låst av en annan anteckningsbok eller process som sparar "
            f"just nu (låsfil {lock.lock_file}). Vänta en stund och försök igen. Om ingen annan "
            "arbetar med journalen kan låsfilen tas bort."
        ) from err
    try:
        yield
    finally:
        lock.release()


def open_journal(
    kommun: str, *, journal_dir: str | os.PathLike[str], lock_timeout: float = LOCK_TIMEOUT
) -> Journal:
    """Open (or start) a kommun's reflection journal in ``journal_dir``.

    Parameters
    ----------
    kommun
        The kommun's name; the file is ``<journal_dir>/<slug>.yaml`` (see :func:`slugify`).
    journal_dir
        Folder of the journal files; created on the first save.
    lock_timeout
        Seconds to wait for another notebook's save.

    Raises
    ------
    JournalError
        When the file exists but cannot be read (the message says how to restore the backup).

    Examples
    --------
    >>> journal = open_journal("Exempelkommun", journal_dir="journal")  # doctest: +SKIP
    >>> obs = journal.add_observation("Fler kvinnor än män beviljas insatser")  # doctest: +SKIP
    >>> journal.set_reflection(obs, omvarld="Liknande mönster i andra kommuner.")  # doctest: +SKIP
    """
    return Journal(kommun, journal_dir=journal_dir, lock_timeout=lock_timeout)


def restore_backup(
    kommun: str, *, journal_dir: str | os.PathLike[str], lock_timeout: float = LOCK_TIMEOUT
) -> Journal:
    """Put the previous version of a kommun's journal back in place and open it.

    See :meth:`Journal.restore_backup`.
    """
    return Journal.restore_backup(kommun, journal_dir=journal_dir, lock_timeout=lock_timeout)
