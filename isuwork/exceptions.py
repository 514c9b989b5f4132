"""Errors that isuwork raises on purpose.

Every error a user can cause (a bad file, a wrong mapping, an unknown parameter) is an
:class:`IsuworkError` whose message is a complete Swedish paragraph: what went wrong, where, and
how to fix it. The CLI prints the message without a traceback and exits with code 1; notebooks
show it as is. Anything else that escapes is a bug in isuwork.
"""

from __future__ import annotations


class IsuworkError(Exception):
    """Base class: a user-facing error with a Swedish message.

    Parameters
    ----------
    message
        The Swedish text shown to the user, in full sentences.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DataError(IsuworkError):
    """The data itself is unusable: unreadable file, missing column, invalid values."""


class MissingDataError(DataError):
    """The data lacks a variable that one analysis needs ("uppgift saknas").

    Other analyses of the same data can go on: a report page shows the message in place of the
    section that needed the variable (:func:`isuwork.workbook.sections.section`).
    """


class MappingError(IsuworkError):
    """A mapping file is malformed or does not fit the export it is applied to."""


class ParameterError(IsuworkError):
    """A function or command was called with a value outside what it allows."""


class CatalogError(IsuworkError):
    """The variable catalogue (``catalog.yaml``) is inconsistent; a bug in isuwork or a local edit."""


class JournalError(IsuworkError):
    """The reflection journal cannot be read or written."""


class PrivacyError(IsuworkError):
    """A table about to be shown would reveal numbers below the suppression threshold."""
