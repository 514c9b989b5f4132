"""Command-line options turned into the arguments of the library's functions.

``--filter KOLUMN=VÄRDE`` becomes a selection (:mod:`isuwork.domain.selection`), and
``--need``, ``--alternative`` and ``--attitude`` become overrides of the criteria
(:func:`isuwork.analysis.criteria.check_criteria`). Mistakes get a Swedish message that shows
how the option is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from isuwork.analysis.criteria import resolve_kind
from isuwork.domain.vocabulary import CRITERIA_KINDS
from isuwork.exceptions import ParameterError

#: Which criterion each command-line option replaces, per kind (Tabell 2 has no "another way").
OPTION_CRITERIA: dict[str, dict[str, str]] = {
    "insats": {"need": "behov", "alternative": "annat_satt", "attitude": "installning"},
    "delaktighet": {"need": "behov", "attitude": "vardnadshavare"},
}
_OPTION_NAMES = {"need": "--need", "alternative": "--alternative", "attitude": "--attitude"}


def parse_filters(items: Sequence[str]) -> dict[str, list[str]]:
    """Parse ``COL=VALUE`` strings into ``filters=``; a repeated column means any of its values.

    Examples
    --------
    >>> parse_filters(["verksamhet=lss", "aldersgrupp=23-64", "aldersgrupp=65+"])
    {'verksamhet': ['lss'], 'aldersgrupp': ['23-64', '65+']}
    """
    out: dict[str, list[str]] = {}
    for item in items:
        column, sep, value = str(item).partition("=")
        if not sep or not column.strip() or not value.strip():
            raise ParameterError(
                f"Urvalet '{item}' ska skrivas KOLUMN=VÄRDE, till exempel --filter verksamhet=lss."
            )
        out.setdefault(column.strip(), []).append(value.strip())
    return out


def option_overrides(
    outcome: str,
    *,
    kind: str | None = None,
    need: Sequence[str] = (),
    alternative: Sequence[str] = (),
    attitude: Sequence[str] = (),
) -> dict[str, Any]:
    """Turn ``--need``/``--alternative``/``--attitude`` values into a ``criteria=`` mapping.

    ``need`` holds column names. ``alternative`` and ``attitude`` hold ``COL`` or
    ``COL=VALUE[,VALUE…]``: without values a column sets a case aside where it is yes (or where
    the catalogue's values for that criterion say so); with values, where it has one of them.
    ``attitude`` replaces ``installning`` (Tabell 1) or ``vardnadshavare`` (Tabell 2).

    Examples
    --------
    >>> option_overrides("beviljad", need=["dept"], attitude=["vill_ha=nej"])
    {'behov': ['dept'], 'installning': {'vill_ha': ['nej']}}
    """
    kind_v = resolve_kind(outcome, kind)
    codes = OPTION_CRITERIA[kind_v]
    out: dict[str, Any] = {}
    for option, given in (("need", need), ("alternative", alternative), ("attitude", attitude)):
        if not given:
            continue
        if option not in codes:
            raise ParameterError(
                f"{_OPTION_NAMES[option]} kan inte användas för {CRITERIA_KINDS[kind_v]}: där "
                f"finns inget sådant kriterium. Tillåtna: "
                f"{', '.join(_OPTION_NAMES[o] for o in codes)}."
            )
        if option == "need":
            out[codes[option]] = [_plain_column(item, _OPTION_NAMES[option]) for item in given]
            continue
        spec: dict[str, list[str]] = {}
        for item in given:
            column, _, values = str(item).partition("=")
            column = _plain_column(column, _OPTION_NAMES[option])
            spec[column] = [v.strip() for v in values.split(",") if v.strip()]
        out[codes[option]] = spec
    return out


def _plain_column(text: str, option: str) -> str:
    column = str(text).strip()
    if not column or "=" in column:
        raise ParameterError(
            f"{option} ska följas av ett kolumnnamn (till exempel {option} dept); fick '{text}'."
        )
    return column
