"""The words of the field that every layer shares, written once.

All analysis compares groups, and by default the two legal sexes in the column ``kon`` (their
codes and labels are in the catalogue). Yes/no answers arrive spelled in many ways (``ja``,
``J``, ``1``, ``x`` …) and mean the same everywhere. The criteria check ends in one of a few
verdicts, each with a Swedish label, and a kommun's files are named by one slug. Plain Python
only, so that the command line's help can read it without loading the statistics stack.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from isuwork.exceptions import ParameterError

#: The column of legal sex: the default grouping of every comparison (codes in the catalogue).
SEX = "kon"
#: The smallest number of people a published value may rest on (Swedish official statistics).
DEFAULT_MIN_N = 5

#: How an outcome is summarised: a share (yes/no), a mean (numbers) or shares of categories.
OutcomeKind = Literal["share", "mean", "category"]

#: Yes and no as written in files and codes.
YES = "ja"
NO = "nej"
#: Every spelling of yes and of no that isuwork accepts, in lower case.
YES_SPELLINGS = frozenset({YES, "j", "1", "true", "sant", "yes", "y", "x"})
NO_SPELLINGS = frozenset({NO, "n", "0", "false", "falskt", "no"})

#: Verdict codes of the criteria check with their Swedish labels, in order of concern.
VERDICT_LABELS: dict[str, str] = {
    "insufficient_data": "För lite data för en bedömning",
    "risk_unmotivated": "Risk för omotiverad skillnad",
    "explained": "Skillnaden kan förklaras av kriterierna",
    "no_difference": "Ingen skillnad av betydelse",
    "uncertain": "Kan inte avgöras med dessa data",
}
VERDICTS: tuple[str, ...] = tuple(VERDICT_LABELS)

#: Flags that qualify a verdict of the criteria check, with short Swedish labels.
FLAG_LABELS: dict[str, str] = {
    "heterogeneous": "skillnaden varierar med behovet",
    "set_aside_differs": "olika andelar sorterades bort",
    "raw_only": "bara den råa skillnaden",
    "sparse_strata": "små behovsgrupper",
}

#: The two tables of criteria in the SKR support's appendix, by the role of the outcome.
CRITERIA_KINDS: dict[str, str] = {
    "insats": "Tabell 1, beslut om insats",
    "delaktighet": "Tabell 2, delaktighet",
}


def yes_no(value: object) -> bool | None:
    """Read one yes/no answer: True, False, or None when it is neither.

    Examples
    --------
    >>> yes_no("J"), yes_no(" nej "), yes_no(True), yes_no("kanske")
    (True, False, True, None)
    """
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in YES_SPELLINGS:
        return True
    if text in NO_SPELLINGS:
        return False
    return None


def kommun_slug(name: str) -> str:
    """The file-name stem of a kommun: lower case ASCII words joined by ``-``.

    Used for a kommun's report folder and its journal file alike, so both are named the same.

    Raises
    ------
    ParameterError
        When the name is empty or holds no letter or digit.

    Examples
    --------
    >>> kommun_slug("Upplands Väsby"), kommun_slug("  Öby/Väst ")
    ('upplands-vasby', 'oby-vast')
    """
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(
            f"Kommunens namn ska vara en text som inte är tom, men fick {name!r}. Ange till "
            "exempel kommun='Exempelkommun'."
        )
    folded = unicodedata.normalize("NFKD", name.casefold())
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")
    if not slug:
        raise ParameterError(
            f"Kommunens namn {name!r} innehåller inga bokstäver eller siffror som kan bli ett "
            "filnamn. Ange kommunens namn med bokstäver."
        )
    return slug
