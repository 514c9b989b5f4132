"""The reflection journal: what a kommun's working group saw, thought, concluded and decided.

Steps 2–4 of the SKR analysis support (2024) are written work, not computation: for each
observation (iakttagelse) under study the group reflects from three sources of knowledge (2.1 the
individual and client group, 2.2 the organisation and profession, 2.3 the surrounding society)
and checks itself for gender bias; then it draws conclusions (step 3) and proposes actions judged
by effort, effect and who decides (step 4). The journal keeps all of it per kommun in one
human-readable YAML file that several notebooks may edit at the same time.

Merge rules
-----------
- Every change is saved at once (:mod:`isuwork.workbook.journal.store`): a new entry is
  appended; an edit overwrites only the fields it names. Entries that other notebooks or
  processes added in the meantime are kept, and two notebooks that edit different fields of the
  same entry both keep their edit; when they edit the same field, the later save wins.
- Deleting an entry marks it ``borttagen: true`` (a tombstone) instead of dropping it, so that a
  notebook with an older copy cannot bring it back by accident and a person can undo the deletion
  by editing the file. Removed entries are left out of every view.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from isuwork.exceptions import JournalError, ParameterError
from isuwork.workbook.journal import views
from isuwork.workbook.journal.schema import (
    ACTION,
    CONCLUSION,
    OBSERVATION,
    Section,
    clean,
    clean_reflection,
)
from isuwork.workbook.journal.store import LOCK_TIMEOUT, JournalFile, new_document, now


class Journal:
    """A kommun's reflection journal, bound to its YAML file.

    Every method that changes something saves at once (see the module docstring for the merge
    rules). The read-only properties show the state after the last save or :meth:`reload`.

    Parameters
    ----------
    kommun
        The kommun's name; also the name of the file
        (see :func:`isuwork.domain.vocabulary.kommun_slug`).
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
        self._file = JournalFile(kommun, journal_dir=journal_dir, lock_timeout=lock_timeout)
        self.path = self._file.path
        self.backup_path = self._file.backup_path
        self.lock_path = self._file.lock_path
        self._thread_lock = threading.RLock()
        self._raw: bytes | None = None
        self._doc = new_document(kommun)
        self._listeners: list[Callable[[], None]] = []
        self.reload()

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every change this journal object saves.

        Views of the same journal (step 4's matrix beside its form) stay up to date with it.
        Changes saved by another notebook are seen after :meth:`reload`.
        """
        self._listeners.append(callback)

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
        return copy.deepcopy(self._find_live(OBSERVATION, entry_id))

    def conclusion(self, entry_id: str) -> dict[str, Any]:
        """One conclusion (a copy); ParameterError when the id is unknown or removed."""
        return copy.deepcopy(self._find_live(CONCLUSION, entry_id))

    def action(self, entry_id: str) -> dict[str, Any]:
        """One action (a copy); ParameterError when the id is unknown or removed."""
        return copy.deepcopy(self._find_live(ACTION, entry_id))

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
            raw = self._file.read()
            if raw is None:
                self._doc = new_document(self._file.kommun)
            elif raw != self._raw:
                self._doc = self._file.parse(raw)
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
        return self._add(OBSERVATION, values)

    def update_observation(self, entry_id: str, **fields: Any) -> bool:
        """Change fields of an observation; only the fields given are saved.

        ``reflektion`` may name only some of its parts. Returns True when something changed.
        """
        return self._update(OBSERVATION, entry_id, fields)

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
        return self._update(OBSERVATION, observation_id, {"reflektion": parts})

    def remove_observation(self, entry_id: str) -> None:
        """Mark an observation as removed (``borttagen: true``)."""
        self._remove(OBSERVATION, entry_id)

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
        return self._add(CONCLUSION, values)

    def update_conclusion(self, entry_id: str, **fields: Any) -> bool:
        """Change fields of a conclusion; returns True when something changed."""
        return self._update(CONCLUSION, entry_id, fields)

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
        return self._add(ACTION, values)

    def update_action(self, entry_id: str, **fields: Any) -> bool:
        """Change fields of an action; returns True when something changed."""
        return self._update(ACTION, entry_id, fields)

    def remove_action(self, entry_id: str) -> None:
        """Mark an action as removed."""
        self._remove(ACTION, entry_id)

    # ---- views -----------------------------------------------------------------------------

    def actions_table(self) -> pd.DataFrame:
        """The action plan as a table (see :func:`isuwork.workbook.journal.views.actions_table`)."""
        return views.actions_table(self._doc)

    def actions_display(self) -> pd.DataFrame:
        """The action plan for people: Swedish headers and labels, observation titles."""
        return views.actions_display(self._doc)

    def export_actions(self, path: str | os.PathLike[str]) -> Path:
        """Write the action plan to ``.xlsx`` (Excel) or ``.md`` (Markdown), chosen by suffix."""
        return views.export_actions(self._doc, path)

    def to_markdown(self, *, heading_level: int = 1) -> str:
        """The whole journal as Markdown (see :func:`isuwork.workbook.journal.views.journal_markdown`)."""
        return views.journal_markdown(self._doc, heading_level=heading_level)

    def observation_markdown(self, observation_id: str, *, heading_level: int = 3) -> str:
        """One observation with its reflections, conclusions and actions, as Markdown."""
        observation = self._find_live(OBSERVATION, observation_id)
        return views.observation_markdown(self._doc, observation, heading_level=heading_level)

    def actions_markdown(self, *, observation_id: str | None = None) -> str:
        """The action plan as a Markdown table (only one observation's actions when given)."""
        return views.actions_markdown(self._doc, observation_id=observation_id)

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
        JournalFile(kommun, journal_dir=journal_dir, lock_timeout=lock_timeout).restore_backup()
        return cls(kommun, journal_dir=journal_dir, lock_timeout=lock_timeout)

    # ---- internals -------------------------------------------------------------------------

    def _live(self, section: str) -> list[dict[str, Any]]:
        return copy.deepcopy(views.live(self._doc, section))

    def _find_live(self, spec: Section, entry_id: str) -> dict[str, Any]:
        entry = views.find(self._doc, spec.section, entry_id)
        if entry is None or entry["borttagen"]:
            raise self._unknown(spec, entry_id, removed=entry is not None)
        return entry

    def _unknown(self, spec: Section, entry_id: str, *, removed: bool = False) -> ParameterError:
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

    def _check_ref(self, doc: Mapping[str, Any], spec: Section, values: Mapping[str, Any]) -> None:
        ref = values.get("observation")
        if ref is None or spec is OBSERVATION:
            return
        target = views.find(doc, "observationer", ref)
        if target is None or target["borttagen"]:
            raise ParameterError(
                f"Iakttagelsen {ref!r} som {spec.noun} hänvisar till finns inte i journalen för "
                f"{self.kommun}. Välj ett id bland journalens iakttagelser eller None."
            )

    def _add(self, spec: Section, values: Mapping[str, Any]) -> str:
        cleaned = {f.name: clean(f, values.get(f.name)) for f in spec.fields}

        def apply(doc: dict[str, Any]) -> str:
            self._check_ref(doc, spec, cleaned)
            existing = {e["id"] for e in doc[spec.section]}
            entry_id = f"{spec.prefix}-{uuid.uuid4().hex[:12]}"
            while entry_id in existing:  # practically never
                entry_id = f"{spec.prefix}-{uuid.uuid4().hex[:12]}"
            stamp = now()
            entry = {"id": entry_id, **copy.deepcopy(cleaned)}
            entry.update({"borttagen": False, "skapad": stamp, "andrad": stamp})
            doc[spec.section].append(entry)
            return entry_id

        return self._mutate(apply)

    def _update(self, spec: Section, entry_id: str, fields: Mapping[str, Any]) -> bool:
        cleaned: dict[str, Any] = {}
        for name, value in fields.items():
            field = spec.field(name)
            if field.kind == "reflection":
                cleaned[name] = clean_reflection(value, partial=True)
            else:
                cleaned[name] = clean(field, value)
        local = views.find(self._doc, spec.section, entry_id)
        if local is None:
            raise self._unknown(spec, entry_id)

        def apply(doc: dict[str, Any]) -> bool:
            self._check_ref(doc, spec, cleaned)
            entry = views.find(doc, spec.section, entry_id)
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
                entry["andrad"] = now()
            return changed

        return self._mutate(apply)

    def _remove(self, spec: Section, entry_id: str) -> None:
        local = views.find(self._doc, spec.section, entry_id)
        if local is None:
            raise self._unknown(spec, entry_id)

        def apply(doc: dict[str, Any]) -> bool:
            entry = views.find(doc, spec.section, entry_id)
            if entry is None:
                entry = copy.deepcopy(local)
                doc[spec.section].append(entry)
            if entry["borttagen"]:
                return False
            entry["borttagen"] = True
            entry["andrad"] = now()
            return True

        self._mutate(apply)

    def _mutate(self, apply: Callable[[dict[str, Any]], Any]) -> Any:
        """Save one change through the file (see :meth:`JournalFile.save`) and keep the result."""
        with self._thread_lock:
            result, self._raw, self._doc = self._file.save(apply, known=(self._raw, self._doc))
        for callback in list(self._listeners):
            callback()
        return result


def open_journal(
    kommun: str, *, journal_dir: str | os.PathLike[str], lock_timeout: float = LOCK_TIMEOUT
) -> Journal:
    """Open (or start) a kommun's reflection journal in ``journal_dir``.

    Parameters
    ----------
    kommun
        The kommun's name; the file is ``<journal_dir>/<slug>.yaml`` (see :func:`isuwork.domain.vocabulary.kommun_slug`).
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
