"""The workbook session: the data one notebook of the workbook works on.

A notebook of the workbook analyses one kommun (optionally one verksamhet) of a prepared
export. :func:`open_session` loads and prepares the export and selects the kommun with the
same selection rules as every analysis (so ``exempelby`` finds ``Exempelby``), with a
Swedish message that lists what exists when the kommun or verksamhet is not in the data.

From a prepared store (a report run), a session remembers what it computed for its kommun,
the screening list and the criteria checks (:mod:`isuwork.workbook.results`): the next page of
the same kommun reads them instead of computing them again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from isuwork.analysis.criteria import CriteriaResult
from isuwork.analysis.screening import screen
from isuwork.data.prepare import Prepared, PrepReport
from isuwork.data.store import is_store, load_prepared, unknown_kommun_message
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import format_number
from isuwork.domain.selection import matches
from isuwork.domain.vocabulary import DEFAULT_MIN_N
from isuwork.exceptions import ParameterError
from isuwork.present.criteria_counts import with_screening
from isuwork.present.screening_text import describe_screening
from isuwork.privacy.protected import Protected
from isuwork.workbook.observations import check_observations
from isuwork.workbook.results import (
    STEP1_EXTRA,
    remember,
    result_path,
    screening_arguments,
    screening_background,
)

T = TypeVar("T")


@dataclass
class Session:
    """Data for one kommun, with the preparation report of the whole file.

    ``prepared`` is the whole file (every kommun), read only when asked for: from a prepared
    store a page reads its own kommun's rows and nothing else.
    """

    kommun: str
    data: pd.DataFrame
    report: PrepReport
    verksamhet: str
    everything: Callable[[], Prepared] = field(repr=False)
    store: Path | None = None

    @cached_property
    def prepared(self) -> Prepared:
        """The whole prepared file, every kommun (for comparisons between kommuner)."""
        return self.everything()

    @property
    def verksamheter(self) -> list[str]:
        """The verksamheter in the kommun's data."""
        return sorted(self.data["verksamhet"].dropna().astype(str).unique())

    @property
    def summary(self) -> str:
        """One Swedish sentence on what is analysed."""
        scope = (
            f", verksamhet {load_catalog().code_label('verksamhet', self.verksamhet)}"
            if self.verksamhet
            else ""
        )
        return (
            f"{self.kommun}{scope}: {format_number(len(self.data))} utredningar av "
            f"{format_number(self.report.rows_kept)} i filen."
        )

    def screening_list(self, *, min_n: int = DEFAULT_MIN_N, by: str = "aldersgrupp") -> Protected:
        """Step 1's screening list: the catalogue's background variables, ``by`` and the year.

        The page's own tables (an outcome by kön and ``by``, by year) are taken from it with
        :func:`~isuwork.analysis.list_tables.comparison_from_list`. Computed once per store.
        """
        return self._remember(
            "screening",
            screening_arguments(min_n, by),
            lambda: screening_list(self.data, min_n=min_n, extra=[by, *STEP1_EXTRA]),
        )

    def check_observations(
        self,
        observations: list[dict[str, Any]],
        *,
        min_n: int = DEFAULT_MIN_N,
        screening: Protected | None = None,
    ) -> list[CriteriaResult | str]:
        """The criteria check of each observation (see
        :func:`~isuwork.workbook.observations.check_observations`), computed once per store.

        ``screening`` is the screening list published on the same pages: each check's counts
        are then protected together with what the list shows of the same groups (see
        :func:`~isuwork.present.criteria_counts.with_screening`).
        """
        results = self._remember(
            "criteria",
            {"observations": observations, "min_n": min_n},
            lambda: check_observations(self.data, observations, min_n=min_n),
        )
        if screening is None:
            return results
        return [
            with_screening(r, screening) if isinstance(r, CriteriaResult) else r for r in results
        ]

    def _remember(self, name: str, arguments: dict[str, Any], compute: Callable[[], T]) -> T:
        if self.store is None:
            return compute()
        path = result_path(
            self.store,
            kommun=self.kommun,
            verksamhet=self.verksamhet,
            name=name,
            arguments=arguments,
        )
        return remember(path, compute)


def open_session(*, data: str, kommun: str, mapping: str = "", verksamhet: str = "") -> Session:
    """Load and prepare ``data``, keep one kommun (and one verksamhet when given).

    ``data`` is an export (prepared here) or a prepared store's folder (see
    :func:`isuwork.data.store.prepare_once`), from which only the kommun's rows are read.

    Raises
    ------
    ParameterError
        Naming the kommuner and verksamheter that exist when the requested ones are not in
        the data.
    """
    prepared = load_prepared(data, mapping=mapping or None, kommun=kommun)
    frame = prepared.data
    rows = matches(frame["kommun"], kommun, name="kommun")
    if not rows.any():
        kommuner = sorted(str(k) for k in frame["kommun"].dropna().unique())
        raise ParameterError(
            unknown_kommun_message(kommun, kommuner, prepared.report.source)
            + " Ändra parametern kommun."
        )
    frame = frame[rows]
    name = str(frame["kommun"].iloc[0])
    if verksamhet:
        if "verksamhet" not in frame:
            raise ParameterError(
                f"Verksamheten '{verksamhet}' finns inte för {name}: uppgift om verksamhet "
                "saknas i filen. Lämna parametern tom för alla."
            )
        present = sorted(frame["verksamhet"].dropna().astype(str).unique())
        if verksamhet.strip().casefold() not in {p.casefold() for p in present}:
            raise ParameterError(
                f"Verksamheten '{verksamhet}' finns inte för {name}. Verksamheter i datan: "
                f"{', '.join(present) or 'uppgift saknas'}. Lämna parametern tom för alla."
            )
        frame = frame[matches(frame["verksamhet"], verksamhet, name="verksamhet")]
    store = Path(data) if is_store(data) else None
    return Session(
        kommun=name,
        data=frame.reset_index(drop=True),
        report=prepared.report,
        verksamhet=verksamhet,
        everything=(lambda: load_prepared(data)) if store else (lambda: prepared),
        store=store,
    )


def screening_list(
    data: pd.DataFrame, *, min_n: int = DEFAULT_MIN_N, extra: Sequence[str] = ()
) -> Protected:
    """The screening list of step 1 with a Swedish sentence per row (column ``mening``).

    ``extra`` adds background variables to the catalogue's (see
    :func:`~isuwork.workbook.results.screening_background`): the page's own tables (an outcome
    by kön and age, by year) are then taken from the list with
    :func:`~isuwork.analysis.list_tables.comparison_from_list`, protected together with it.
    """
    background = screening_background(list(data.columns), extra)
    return describe_screening(screen(data, background=background or None, min_n=min_n))
