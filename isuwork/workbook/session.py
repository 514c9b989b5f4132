"""The workbook session: the data one notebook of the workbook works on.

A notebook of the workbook analyses one kommun (optionally one verksamhet) of a prepared
export. :func:`open_session` loads and prepares the export and selects the kommun with the
same selection rules as every analysis (so ``exempelby`` finds ``Exempelby``), with a
Swedish message that lists what exists when the kommun or verksamhet is not in the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from isuwork.analysis.screening import screen
from isuwork.data.prepare import Prepared, load
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import format_number
from isuwork.domain.selection import matches
from isuwork.domain.vocabulary import DEFAULT_MIN_N
from isuwork.exceptions import ParameterError
from isuwork.present.screening_text import describe_screening
from isuwork.privacy.protected import Protected


@dataclass
class Session:
    """Data for one kommun, with the preparation report of the whole file."""

    kommun: str
    data: pd.DataFrame
    prepared: Prepared
    verksamhet: str

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
            f"{format_number(self.prepared.report.rows_kept)} i filen."
        )


def open_session(*, data: str, kommun: str, mapping: str = "", verksamhet: str = "") -> Session:
    """Load and prepare ``data``, keep one kommun (and one verksamhet when given).

    Raises
    ------
    ParameterError
        Naming the kommuner and verksamheter that exist when the requested ones are not in
        the data.
    """
    prepared = load(data, mapping=mapping or None)
    frame = prepared.data
    rows = matches(frame["kommun"], kommun, name="kommun")
    if not rows.any():
        kommuner = sorted(frame["kommun"].dropna().unique())
        raise ParameterError(
            f"Kommunen '{kommun}' finns inte i {prepared.report.source}. Kommunerna i filen är: "
            f"{', '.join(kommuner)}. Ändra parametern kommun."
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
    return Session(
        kommun=name, data=frame.reset_index(drop=True), prepared=prepared, verksamhet=verksamhet
    )


def screening_list(
    data: pd.DataFrame, *, min_n: int = DEFAULT_MIN_N, extra: Sequence[str] = ()
) -> Protected:
    """The screening list of step 1 with a Swedish sentence per row (column ``mening``).

    ``extra`` adds background variables to the catalogue's (those the data has): the page's
    own tables (an outcome by kön and age, by year) are then taken from the list with
    :func:`~isuwork.analysis.screening.comparison_from_list`, protected together with it.
    """
    background = [c for c in load_catalog().screening_background if c in data]
    background += [c for c in extra if c in data and c not in background]
    return describe_screening(screen(data, background=background or None, min_n=min_n))
