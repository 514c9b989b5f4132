"""Drawing the cases of a case review: reproducible, balanced by kön, stratified on request.

Botkyrka kommun reviewed 100 investigations, 50 of women and 50 of men. :func:`draw_sample`
does the same for any case list: the same number of cases for each level of the ``per``
columns (kön by default), and within each of those, cases spread over the levels of the
``strata`` columns in proportion to how many the list has (largest remainders; a level with
too few cases gives what it has and the others make up for it). The same list, size and seed
give the same sample whatever the order of the rows. Each sampled case gets a review code in a
random order, so that the code says nothing about kön or stratum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from isuwork.domain.catalog import load_catalog
from isuwork.domain.selection import Filters, require_columns, select
from isuwork.domain.vocabulary import SEX
from isuwork.exceptions import ParameterError

#: The review code's column and prefix (G001, G002 …).
CODE = "granskningskod"
PREFIX = "G"


@dataclass(frozen=True)
class Sample:
    """A drawn sample.

    Attributes
    ----------
    cases
        The sampled cases, ordered by review code, with ``granskningskod`` first.
    allocation
        Per cell of ``per`` and ``strata`` levels: ``i_listan`` (cases in the list) and
        ``valda`` (sampled). For the one who draws the sample, not for publication.
    warnings
        Swedish sentences: too few cases in a group, rows without kön left out, and so on.
    """

    cases: pd.DataFrame
    allocation: pd.DataFrame
    warnings: tuple[str, ...]


def draw_sample(
    cases: pd.DataFrame,
    n: int,
    *,
    seed: int,
    per: Sequence[str] = (SEX,),
    strata: Sequence[str] = (),
    filters: Filters | None = None,
) -> Sample:
    """Draw ``n`` cases for review, the same number for each level of ``per``.

    Parameters
    ----------
    cases
        The case list (a prepared frame with ``utredning_id``).
    n
        How many cases to review in all (for example 100).
    seed
        The seed: the same list, ``n`` and seed give the same sample.
    per
        Columns whose every combination of levels gets an equal share (kön by default; an
        empty sequence draws from the whole list).
    strata
        Columns to spread each share over in proportion to the list (for example
        ``["verksamhet"]``).
    filters
        Restrict the list first (column → value or values), for example the selection of an
        observation the criteria check could not settle.

    Raises
    ------
    ParameterError
        When ``n`` is not a positive whole number, a column is missing, or the selection leaves
        no case.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ParameterError(
            f"Antalet ärenden att granska ska vara ett positivt heltal, men är {n!r}."
        )
    columns = [*per, *strata]
    if len(set(columns)) != len(columns):
        raise ParameterError("Samma kolumn står både bland --per och --strata (eller två gånger).")
    require_columns(cases, ["utredning_id", *columns], what="urvalet")
    frame = select(cases, filters) if filters else cases
    warnings = []
    known = frame[columns].notna().all(axis=1) if columns else pd.Series(True, index=frame.index)
    if not known.all():
        left = int((~known).sum())
        names = ", ".join(columns)
        warnings.append(f"{left} ärenden saknar uppgift om {names} och kan inte väljas.")
        frame = frame[known]
    if frame.empty:
        raise ParameterError("Det finns inga ärenden att välja bland i urvalet.")
    frame = frame.sort_values("utredning_id", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    chosen: list[np.ndarray] = []
    rows = []
    groups = _groups(frame, per)
    shares = _equal(n, len(groups))
    for (level, index), share in zip(groups, shares, strict=True):
        cells = _groups(frame.loc[index], strata)
        sizes = np.array([len(i) for _, i in cells])
        if sizes.sum() < share:
            warnings.append(
                f"Gruppen {_level_text(per, level)} har bara {sizes.sum()} ärenden i listan; "
                f"alla är med i stället för {share}."
            )
        taken = _proportional(min(share, int(sizes.sum())), sizes)
        for (cell, cell_index), size, take in zip(cells, sizes, taken, strict=True):
            if take:
                chosen.append(rng.choice(cell_index, size=take, replace=False))
            rows.append(
                {
                    **dict(zip(per, level, strict=True)),
                    **dict(zip(strata, cell, strict=True)),
                    "i_listan": int(size),
                    "valda": int(take),
                }
            )
    picked = frame.loc[np.sort(np.concatenate(chosen))].reset_index(drop=True)
    order = rng.permutation(len(picked))
    width = max(3, len(str(len(picked))))
    codes = [f"{PREFIX}{k:0{width}d}" for k in range(1, len(picked) + 1)]
    picked.insert(0, CODE, pd.array(np.array(codes)[order], dtype="string"))  # random codes
    picked = picked.sort_values(CODE).reset_index(drop=True)
    return Sample(picked, pd.DataFrame(rows), tuple(warnings))


def _groups(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[tuple, np.ndarray]]:
    """The levels of ``columns`` present in ``frame`` (catalogue order), with their rows."""
    if not columns:
        return [((), frame.index.to_numpy())]
    grouped = frame.groupby(list(columns), observed=True, sort=True).indices
    catalog = load_catalog()
    out = []
    for level, positions in grouped.items():
        level = level if isinstance(level, tuple) else (level,)
        out.append((tuple(str(v) for v in level), frame.index.to_numpy()[positions]))

    def rank(item: tuple[tuple, np.ndarray]) -> tuple:
        keys = []
        for column, value in zip(columns, item[0], strict=True):
            codes = list(catalog.variable(column).codes) if column in catalog else []
            keys.append((codes.index(value), "") if value in codes else (len(codes), value))
        return tuple(keys)

    return sorted(out, key=rank)


def _equal(n: int, parts: int) -> list[int]:
    """``n`` split into ``parts`` shares as equal as can be (the first ones get the extra)."""
    base, extra = divmod(n, parts)
    return [base + (1 if k < extra else 0) for k in range(parts)]


def _proportional(total: int, sizes: np.ndarray) -> list[int]:
    """``total`` spread over cells in proportion to their sizes, none above its size.

    Largest remainders; what a full cell cannot take goes to the others, again in proportion.
    """
    take = np.zeros(len(sizes), dtype=int)
    left = total
    while left > 0:
        room = sizes - take
        open_cells = room > 0
        weights = np.where(open_cells, sizes, 0).astype(float)
        quota = left * weights / weights.sum()
        add = np.minimum(np.floor(quota).astype(int), room)
        remainder = left - int(add.sum())
        if remainder > 0:
            order = np.argsort(-(quota - np.floor(quota)), kind="stable")
            for k in order:
                if remainder == 0:
                    break
                if open_cells[k] and add[k] < room[k]:
                    add[k] += 1
                    remainder -= 1
        take += add
        left = total - int(take.sum())
    return take.tolist()


def _level_text(columns: Sequence[str], level: tuple) -> str:
    catalog = load_catalog()
    if not columns:
        return "alla"
    return ", ".join(catalog.code_label(c, v) for c, v in zip(columns, level, strict=True))
