"""A protected result: a table that has passed the small-number protection, with its terms.

Every table isuwork hands to a person (on screen, in a chart, a file or a report) is first
protected by :func:`~isuwork.privacy.suppression.suppress`. :class:`Protected` carries the
protected table together with the threshold it was protected at and the footnotes a reader
needs, so that a chart or a table never has to guess the threshold. The output functions in
:mod:`isuwork.present` accept only a :class:`Protected` and refuse a bare frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from isuwork.domain.vocabulary import DEFAULT_MIN_N, OutcomeKind
from isuwork.exceptions import PrivacyError
from isuwork.privacy.primary import footnote
from isuwork.privacy.suppression import check_table, suppress


@dataclass(frozen=True)
class Protected:
    """A result table after small-number protection.

    Attributes
    ----------
    table
        The protected table (hidden values missing, a boolean column ``dold``).
    min_n
        The threshold it was protected at: no shown value rests on fewer cases.
    footnotes
        What a reader must be told under the table (Swedish); the threshold's footnote first.
    missing
        Variables that were asked for but are not in the data ("uppgift saknas").
    kinds
        Each outcome in the table (``utfall``) and how it is summarised: ``share`` (values and
        differences are shares, 0–1), ``mean`` or ``category`` (shares of each category).
    context
        Columns kept for reading the others but not shown: a selection of columns without
        ``utfall`` keeps it here, so that shares are still told from means.
    """

    table: pd.DataFrame
    min_n: int
    footnotes: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    kinds: Mapping[str, OutcomeKind] = field(default_factory=dict)
    context: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.footnotes:
            object.__setattr__(self, "footnotes", (footnote(self.min_n),))

    def __len__(self) -> int:
        return len(self.table)

    @property
    def empty(self) -> bool:
        """True when the table has no rows."""
        return self.table.empty

    @property
    def columns(self) -> pd.Index:
        """The table's columns."""
        return self.table.columns

    def head(self, n: int = 5) -> Protected:
        """The first ``n`` rows, still protected."""
        return replace(self, table=self.table.head(n))

    def __getitem__(self, columns: Sequence[str]) -> Protected:
        """Some columns of the table, still protected: ``result[["mening", "skillnad"]]``."""
        if isinstance(columns, str):
            raise TypeError("Ange en lista av kolumner; en enskild kolumn finns i result.table.")
        chosen = list(columns)
        context = tuple(c for c in ("utfall", "dold") if c in self.table and c not in chosen)
        shown_context = tuple(c for c in context if c != "dold")
        return replace(self, table=self.table[chosen + list(context)], context=shown_context)

    def with_kinds(self, kinds: Mapping[str, OutcomeKind]) -> Protected:
        """The same result, told how each outcome is summarised (see ``kinds``)."""
        return replace(self, kinds={**self.kinds, **kinds})

    def with_table(self, table: pd.DataFrame) -> Protected:
        """The same terms for a table derived from this one (rows or columns added)."""
        return replace(self, table=table)

    def checked(self) -> pd.DataFrame:
        """The table after one more check of the primary rules (raises :class:`PrivacyError`)."""
        check_table(self.table, min_n=self.min_n)
        return self.table


def protect(table: pd.DataFrame, *, min_n: int = DEFAULT_MIN_N, **options: Any) -> Protected:
    """Suppress small numbers in ``table`` and return it as a :class:`Protected`.

    ``options`` are passed to :func:`~isuwork.privacy.suppression.suppress` (grouping columns,
    the compared pair, totals …).
    """
    return Protected(suppress(table, min_n=min_n, **options), min_n=min_n)


def require_protected(result: object) -> Protected:
    """``result`` when it is a :class:`Protected` that passes the primary rules.

    Raises
    ------
    PrivacyError
        For anything else (a bare frame carries no threshold to check it against), or when a
        shown number breaks the rules.
    """
    if not isinstance(result, Protected):
        raise PrivacyError(
            f"Tabellen ({type(result).__name__}) har inte gått igenom skyddet för små tal, så "
            "det går inte att veta vilken gräns som gäller för den. Använd resultatet från "
            "isuworks funktioner (compare, screen, compare_units …), eller skydda tabellen med "
            "isuwork.privacy.protected.protect(tabell, min_n=...)."
        )
    result.checked()
    return result
