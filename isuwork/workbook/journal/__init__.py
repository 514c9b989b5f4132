"""The reflection journal of steps 2–4, one readable file per kommun.

:mod:`~isuwork.workbook.journal.schema` says what an entry holds, :mod:`~.store` reads and
writes the file (lock, backup, merging saves), :mod:`~.model` is the :class:`Journal` that the
forms and notebooks use, and :mod:`~.views` shows it as Markdown, tables and files.
"""

from isuwork.workbook.journal.model import Journal, open_journal, restore_backup
from isuwork.workbook.journal.schema import (
    ACTION_COLUMNS,
    ANSWERS,
    DECIDED_BY,
    EFFECT,
    EFFORT,
    REFLECTION_FIELDS,
)
from isuwork.workbook.journal.store import LOCK_TIMEOUT, journal_path

__all__ = [
    "ACTION_COLUMNS",
    "ANSWERS",
    "DECIDED_BY",
    "EFFECT",
    "EFFORT",
    "LOCK_TIMEOUT",
    "REFLECTION_FIELDS",
    "Journal",
    "journal_path",
    "open_journal",
    "restore_backup",
]
