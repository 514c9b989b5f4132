"""The journal file: one readable YAML file per kommun, with a lock, a backup and merging saves.

- The file is ``<journal_dir>/<slug>.yaml`` (UTF-8, fixed key order, long texts as YAML blocks);
  ``<slug>`` is :func:`isuwork.domain.vocabulary.kommun_slug` of the kommun's name
  (``"Upplands Väsby"`` → ``upplands-vasby``).
- A save takes a file lock (``.<slug>.yaml.lock``), re-reads the file, applies only the change
  just made, copies the file as it was to ``<slug>.yaml.bak`` and writes the new version
  atomically, so that what other notebooks saved in the meantime is kept.
- A file that cannot be read raises :class:`~isuwork.exceptions.JournalError` with a message
  that says how to put the previous version back (:meth:`JournalFile.restore_backup`).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import filelock
import yaml

from isuwork.data.io import write_bytes, write_text
from isuwork.domain.vocabulary import kommun_slug
from isuwork.exceptions import JournalError, ParameterError
from isuwork.workbook.journal.schema import SECTIONS, Section, clean

#: Version of the file layout, written into every journal.
FORMAT_VERSION = 1
#: Seconds to wait for another notebook's save before giving up.
LOCK_TIMEOUT = 30.0

_FILE_HEADER = (
    "# Reflektionsjournal från isuwork: iakttagelser, reflektioner, slutsatser och åtgärder\n"
    "# (steg 1–4 i SKR:s analysstöd 2024). Filen sparas automatiskt vid varje ändring och\n"
    "# den förra versionen ligger bredvid som {backup}. Borttagna poster har borttagen: true.\n"
)


def journal_path(kommun: str, *, journal_dir: str | os.PathLike[str]) -> Path:
    """Path of a kommun's journal file (it need not exist yet)."""
    return Path(journal_dir) / f"{kommun_slug(kommun)}.yaml"


def now() -> str:
    """The current local time as saved in the journal (ISO 8601, seconds)."""
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


def new_document(kommun: str) -> dict[str, Any]:
    """An empty journal for a kommun."""
    return {
        "kommun": kommun,
        "version": FORMAT_VERSION,
        "andrad": None,
        "observationer": [],
        "slutsatser": [],
        "atgarder": [],
    }


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe YAML dumper that writes multi-line text as literal blocks, readable by people."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class JournalFile:
    """A kommun's journal file, its lock and its backup.

    Parameters
    ----------
    kommun
        The kommun's name, as people write it.
    journal_dir
        Folder of the journal files; created on the first save.
    lock_timeout
        Seconds to wait for another notebook's save.
    """

    def __init__(
        self, kommun: str, *, journal_dir: str | os.PathLike[str], lock_timeout: float
    ) -> None:
        self.kommun = kommun
        self.path = journal_path(kommun, journal_dir=journal_dir)
        self.backup_path = self.path.with_name(self.path.name + ".bak")
        self.lock_path = self.path.with_name(f".{self.path.name}.lock")
        self.lock_timeout = lock_timeout

    def read(self) -> bytes | None:
        """The file's bytes, or None when there is no file yet."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise JournalError(
                f"Journalfilen {self.path} kan inte öppnas: {err.strerror}. Kontrollera att "
                "mappen finns och att du har behörighet att läsa den."
            ) from err

    def parse(self, raw: bytes, *, path: Path | None = None) -> dict[str, Any]:
        """Parse and validate the bytes of a journal file into a normalised document."""
        path = path or self.path
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise self._corrupt(f"filen är inte UTF-8-text (byte {err.start}).", path) from err
        try:
            data = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError as err:
            where = getattr(err, "problem_mark", None)
            line = f" (rad {where.line + 1})" if where is not None else ""
            raise self._corrupt(f"filen är ingen giltig YAML{line}.", path) from err
        if not isinstance(data, dict) or not isinstance(data.get("kommun"), str):
            raise self._corrupt("filen saknar fältet kommun eller har fel uppbyggnad.", path)
        if data["kommun"].casefold() != self.kommun.casefold():
            raise JournalError(
                f"Journalfilen {path} hör till kommunen {data['kommun']!r}, inte "
                f"{self.kommun!r}. Skriv kommunens namn som i filen, eller välj en annan "
                "journal_dir."
            )
        doc = new_document(data["kommun"])
        doc["version"] = data.get("version", FORMAT_VERSION)
        andrad = data.get("andrad")
        doc["andrad"] = None if andrad is None else str(andrad)
        for name, section in SECTIONS.items():
            entries = data.get(name) or []
            if not isinstance(entries, list):
                raise self._corrupt(f"avsnittet {name} ska vara en lista.", path)
            seen: set[str] = set()
            for number, entry in enumerate(entries, start=1):
                cleaned = self._parse_entry(entry, section=section, number=number, path=path)
                if cleaned["id"] in seen:
                    raise self._corrupt(
                        f"id {cleaned['id']!r} förekommer två gånger under {name}.", path
                    )
                seen.add(cleaned["id"])
                doc[name].append(cleaned)
        extra = {k: v for k, v in data.items() if k not in doc}
        doc.update(extra)  # keys a person added by hand are kept
        return doc

    def save(
        self,
        apply: Callable[[dict[str, Any]], Any],
        *,
        known: tuple[bytes | None, dict[str, Any]],
    ) -> tuple[Any, bytes | None, dict[str, Any]]:
        """Lock, re-read, apply one change, back up the old file, write atomically.

        Parameters
        ----------
        apply
            Changes the freshly read document in place and returns its result; ``False``
            means nothing changed and nothing is written.
        known
            The bytes and document the caller read last (a copy is reused when the file has
            not changed since).

        Returns
        -------
        tuple
            ``apply``'s result, and the file's bytes and document after the save.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise JournalError(
                f"Mappen för journalen, {self.path.parent}, kan inte skapas: {err.strerror}. "
                "Välj en annan journal_dir eller kontrollera behörigheten."
            ) from err
        with self.locked():
            raw = self.read()
            if raw is None:
                doc = new_document(self.kommun)
            elif raw == known[0]:
                doc = copy.deepcopy(known[1])
            else:
                doc = self.parse(raw)
            result = apply(doc)
            if result is False:
                return result, raw, doc
            doc["andrad"] = now()
            text = self._dump(doc)
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
            return result, text.encode("utf-8"), doc

    def restore_backup(self) -> None:
        """Put the previous version (``<slug>.yaml.bak``) back in place.

        The replaced file is kept as ``<slug>.yaml.fore-aterstallning`` so that nothing is lost.

        Raises
        ------
        JournalError
            When there is no backup or the backup cannot be read either.
        """
        with self.locked():
            if not self.backup_path.exists():
                raise JournalError(
                    f"Det finns ingen säkerhetskopia {self.backup_path} att återställa för "
                    f"{self.kommun}. En säkerhetskopia skapas först när journalen har sparats "
                    "två gånger."
                )
            raw = self.backup_path.read_bytes()
            try:
                self.parse(raw, path=self.backup_path)
            except JournalError as err:
                raise JournalError(
                    f"Säkerhetskopian {self.backup_path} kan inte heller läsas, så den "
                    f"återställs inte. Rätta filerna för hand. ({err.message})"
                ) from err
            if self.path.exists():
                kept = self.path.with_name(self.path.name + ".fore-aterstallning")
                write_bytes(self.path.read_bytes(), kept)
            write_bytes(raw, self.path)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the file lock, turning a timeout into a Swedish JournalError."""
        lock = filelock.FileLock(self.lock_path, timeout=self.lock_timeout)
        try:
            lock.acquire()
        except filelock.Timeout as err:
            raise JournalError(
                f"Journalfilen {self.path} är låst av en annan anteckningsbok eller process som "
                f"sparar just nu (låsfil {lock.lock_file}). Vänta en stund och försök igen. Om "
                "ingen annan arbetar med journalen kan låsfilen tas bort."
            ) from err
        try:
            yield
        finally:
            lock.release()

    def _parse_entry(
        self, entry: Any, *, section: Section, number: int, path: Path
    ) -> dict[str, Any]:
        where = f"post {number} under {section.section}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            raise self._corrupt(f"{where} saknar ett id eller är ingen tabell.", path)
        out: dict[str, Any] = {"id": entry["id"]}
        try:
            for field in section.fields:
                out[field.name] = clean(field, entry.get(field.name))
        except ParameterError as err:
            raise self._corrupt(f"{where} (id {entry['id']}): {err.message}", path) from err
        out["borttagen"] = bool(entry.get("borttagen", False))
        for key in ("skapad", "andrad"):
            out[key] = None if entry.get(key) is None else str(entry[key])
        out.update({k: v for k, v in entry.items() if k not in out})
        return out

    def _dump(self, doc: Mapping[str, Any]) -> str:
        header = _FILE_HEADER.format(backup=self.backup_path.name)
        body = yaml.dump(
            dict(doc),
            Dumper=_Dumper,
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
            width=100,
        )
        return header + body

    def _corrupt(self, problem: str, path: Path) -> JournalError:
        return JournalError(f"Journalfilen {path} kan inte läsas: {problem} {self._restore_hint()}")

    def _restore_hint(self) -> str:
        if self.backup_path.exists():
            return (
                f"Den förra versionen finns i {self.backup_path.name}. Återställ den med "
                f"isuwork.workbook.journal.restore_backup({self.kommun!r}, "
                f"journal_dir={str(self.path.parent)!r}) (eller Journal.restore_backup med samma "
                f"argument); den trasiga filen sparas då som {self.path.name}.fore-aterstallning. "
                "Du kan också rätta filen för hand."
            )
        return (
            f"Det finns ingen säkerhetskopia ({self.backup_path.name}) att återställa. Rätta "
            "filen för hand, eller flytta den åt sidan så att en ny, tom journal skapas."
        )
