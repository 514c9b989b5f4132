"""Benchmark: the criteria check on 1,000,000 prepared rows, one outcome at a time.

Run with ``.venv/bin/python benchmarks/bench_criteria.py`` (add ``--sample`` to build the rows
with ``isuwork.data.sample.generate_sample`` + ``isuwork.data.prepare.prepare`` instead of directly). The
frame is built once; each outcome's ``check_criteria`` call is timed separately (best of
``--repeat`` runs) together with its JSON form (``to_dict``), which suppresses the strata tables.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from isuwork.analysis.criteria import check_criteria
from isuwork.domain.catalog import load_catalog
from isuwork.present.criteria_report import to_dict


def direct_frame(rows: int, *, seed: int = 2024) -> pd.DataFrame:
    """A prepared frame with every criteria variable, built with numpy (dtypes from the catalogue)."""
    cat = load_catalog()
    rng = np.random.default_rng(seed)
    kon = rng.choice(["kvinna", "man"], rows, p=[0.6, 0.4])
    behov = rng.integers(0, 5, rows)
    p_grant = 0.2 + 0.15 * behov + np.where(kon == "kvinna", 0.05, 0.0)
    columns: dict[str, object] = {
        "utredning_id": np.char.add("u", np.arange(rows).astype(str)),
        "kommun": rng.choice([f"kommun{i:03d}" for i in range(290)], rows),
        "kon": kon,
        "behov_max": np.where(rng.random(rows) < 0.05, None, behov),
        "bedomt_behov": rng.random(rows) < 0.7,
        "risk_bedomning": rng.choice(["inte_kant", "lag", "forhojd", "hog"], rows),
        "tillgodoses_natverk": rng.random(rows) < 0.05,
        "tillgodoses_anhorig": rng.random(rows) < 0.08,
        "tillgodoses_annan_verksamhet": rng.random(rows) < 0.04,
        "onskar_insats": rng.choice(["ja", "nej", "vet_ej"], rows, p=[0.85, 0.1, 0.05]),
        "samtycke": rng.choice(["finns_barn_over_15", "saknas_ej_lvu"], rows, p=[0.95, 0.05]),
        "beviljad": rng.random(rows) < np.clip(p_grant, 0, 1),
        "hemtjanst_tim_man": np.round(rng.gamma(2.0, 15.0, rows) * (1 + behov / 4), 1),
        "tillfragad_delta": rng.random(rows) < 0.8,
        "velat_delta": rng.random(rows) < 0.9,
        "vardnadshavare_hindrat": rng.random(rows) < 0.02,
        "kommunikationsstod": rng.choice(["ja", "nej_behovdes", "nej_behovdes_ej"], rows),
        "tolk": rng.choice(["ja", "nej_behovdes", "nej_behovdes_ej"], rows, p=[0.1, 0.05, 0.85]),
        "deltog_utredningssamtal": rng.random(rows) < 0.75,
    }
    df = pd.DataFrame(columns)
    for name in df.columns:
        df[name] = df[name].astype(cat.dtype(name))
    return df


def sample_frame(kommuner: int, rows_per_kommun: int) -> pd.DataFrame:
    """The same size built by the sample generator and prepared as a user's file would be."""
    from isuwork.data.prepare import prepare
    from isuwork.data.sample import generate_sample

    raw = generate_sample(kommuner=kommuner, rows_per_kommun=rows_per_kommun)
    raw = raw.astype("string")
    raw.insert(0, "radnr", np.arange(2, len(raw) + 2))
    return prepare(raw, source="sample").data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", action="store_true", help="use generate_sample + prepare")
    args = parser.parse_args()

    start = time.perf_counter()
    df = sample_frame(290, -(-args.rows // 290)) if args.sample else direct_frame(args.rows)
    print(f"frame: {len(df):,} rows built in {time.perf_counter() - start:.1f} s")

    for outcome in ("beviljad", "hemtjanst_tim_man", "deltog_utredningssamtal"):
        if outcome not in df.columns:
            continue
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = check_criteria(df, outcome=outcome)
            to_dict(result)
            best = min(best, time.perf_counter() - start)
        print(
            f"{outcome}: {best:.2f} s (best of {args.repeat}); verdict {result.verdict}, "
            f"steps {[s.criterion + ':' + s.status for s in result.steps]}"
        )


if __name__ == "__main__":
    main()
