"""Frames built cell by cell with exact counts, shared by the criteria tests."""

from __future__ import annotations

import pandas as pd

from isuwork.domain.catalog import load_catalog


def build(cells: list[dict], *, outcome: str = "beviljad") -> pd.DataFrame:
    """A prepared frame from cells: ``n`` cases, ``yes`` of them with outcome True (shares) or
    ``values`` cycled over the cases (means), plus the cell's other columns as given."""
    catalog = load_catalog()
    rows: list[dict] = []
    for cell in cells:
        cell = dict(cell)
        n = cell.pop("n")
        if "yes" in cell:
            yes = cell.pop("yes")
            outs: list = [True] * yes + [False] * (n - yes)
        else:
            values = cell.pop("values")
            outs = [values[i % len(values)] for i in range(n)]
        rows.extend({**cell, outcome: value} for value in outs)
    df = pd.DataFrame(rows)
    df.insert(0, "utredning_id", [f"u{i:06d}" for i in range(len(df))])
    df.insert(1, "kommun", "Provby")
    for col in df.columns:
        df[col] = df[col].astype(catalog.dtype(col))
    return df
