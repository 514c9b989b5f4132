"""The screening list in words: one plain Swedish sentence per row.

A workshop reads the screening list (:func:`isuwork.analysis.screening.screen`) as a list of
observations ("Beviljad, LSS: kvinnor 61,0 %, män 48,1 % (skillnad 12,9 procentenheter)."). The
sentences are written from the protected list, so a hidden value never reaches a sentence: a
row with hidden values says only that too few people are behind it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from isuwork.analysis.screening import ALL
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import PERCENT, POINTS, format_numbers
from isuwork.domain.vocabulary import SEX
from isuwork.privacy.protected import Protected

#: The sentence of a row whose values are hidden.
HIDDEN_SENTENCE = "Värden visas inte: för få personer."
#: The sentence of a hidden row whose difference would be significant.
LARGE_HIDDEN_SENTENCE = "Stor skillnad, men värdena visas inte för att skydda små grupper."
#: The column that holds the sentences, placed after ``rang``.
SENTENCE_COLUMN = "mening"


def describe_screening(result: Protected) -> Protected:
    """The screening list with a sentence per row in the column ``mening`` (after ``rang``).

    Parameters
    ----------
    result
        A protected screening list; its ``kinds`` say which outcomes are shares.
    """
    table = result.checked().copy()
    hidden = table["dold"].to_numpy(dtype=bool)
    text = np.full(len(table), HIDDEN_SENTENCE, dtype=object)
    if "stor_dold_skillnad" in table:
        text[table["stor_dold_skillnad"].to_numpy(dtype=bool)] = LARGE_HIDDEN_SENTENCE
    text[~hidden] = sentences(table[~hidden], kinds=result.kinds)
    position = table.columns.get_loc("rang") + 1 if "rang" in table else len(table.columns)
    table.insert(position, SENTENCE_COLUMN, text)
    return result.with_table(table)


def sentences(table: pd.DataFrame, *, kinds: Any) -> list[str]:
    """One sentence per row of a (protected) screening list; empty where there is no difference.

    Labels are looked up once per distinct outcome and level, numbers formatted column-wise, so
    that a list of hundreds of thousands of rows is described in about a second.

    Parameters
    ----------
    table
        Rows of a screening list.
    kinds
        Outcome → ``share``/``mean``/``category``: shares are written in percent, differences
        of shares in percentage points, means as they are.
    """
    catalog = load_catalog()
    first, second = catalog.sexes
    names = [catalog.plural_label(SEX, s).lower() for s in (first, second)]

    def what(utfall: str, kategori: Any) -> str:
        label = catalog.label(utfall)
        return label if pd.isna(kategori) else f"{label} ({catalog.code_label(utfall, kategori)})"

    def where(bakgrund: str, niva: Any) -> str:
        return "" if bakgrund == ALL else f", {catalog.code_label(bakgrund, niva)}"

    def labels(cols: list[str], label: Any) -> list[str]:
        keys = pd.MultiIndex.from_frame(table[cols].astype(object))
        distinct = keys.unique()
        text = [label(*key) for key in distinct]
        return list(np.asarray(text, dtype=object)[distinct.get_indexer(keys)])

    means = [outcome for outcome, kind in kinds.items() if kind == "mean"]
    share = ~table["utfall"].isin(means).to_numpy(dtype=bool)

    def numbers(column: str, unit: str) -> np.ndarray:
        """Shares in percent (differences in points), means as they are; one decimal."""
        x = table[column].to_numpy(dtype=float)
        out = np.empty(len(x), dtype=object)
        out[share] = format_numbers(x[share] * 100, decimals=1, unit=unit)
        out[~share] = format_numbers(x[~share], decimals=1)
        return out

    values_1, values_2 = numbers(f"varde_{first}", PERCENT), numbers(f"varde_{second}", PERCENT)
    diff = numbers("skillnad", POINTS)
    present = table["skillnad"].notna().to_numpy()
    parts = zip(
        labels(["utfall", "kategori"], what),
        labels(["bakgrund", "niva"], where),
        values_1,
        values_2,
        diff,
        present,
        strict=True,
    )
    return [
        f"{w}{h}: {names[0]} {v1}, {names[1]} {v2} (skillnad {d})." if ok else ""
        for w, h, v1, v2, d, ok in parts
    ]
