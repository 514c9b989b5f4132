"""Monte Carlo study of the criteria check's verdicts: how often is each verdict given?

A decision rule is judged by how often it is wrong. Each scenario draws ``--runs`` synthetic
data sets with a known truth and records the verdict of ``check_criteria`` on each:

==================  =====================================================================
scenario            truth
==================  =====================================================================
null_plain          no sex effect, need alike for both sexes, 300 cases per sex
null_confounded     no sex effect; women have more need, and need drives the decision
breadth_need        no sex effect; the decision follows breadth x severity of need, and men
                    have difficulties in more life areas (same highest severity)
sparse_null         as null_confounded with 30 cases per sex
sparse_null_means   hours per month (skewed) driven by need, no sex effect, 30 per sex
persistent_300      women +8 percentage points in every need level, 300 cases per sex
persistent_150      the same with 150 cases per sex
noise_setaside      persistent_300, and a set-aside variable (need met by relatives) that
                    removes 60 % of the cases at random
opposite            women +15 percentage points at low need, -15 at high need; 300 per sex
explained_large     no sex effect, women with much more need (twice the gap of
                    null_confounded), 1,000 per sex: how often can an explanation be shown?
==================  =====================================================================

Under the null scenarios ``risk_unmotivated`` is a false alarm; under ``persistent_*`` and
``noise_setaside`` ``explained`` is wrong; under ``opposite`` ``no_difference`` is wrong;
``explained_large`` shows how often a true explanation is recognised.

Run from the repository root::

    .venv/bin/python benchmarks/verdicts.py --runs 1000 --seed 2026 --json benchmarks/out/verdicts.json

The JSON is ``{"scenarios": {name: {"runs": N, "verdicts": {code: share}, "flags": {...}}}}``.
The script uses only the public ``check_criteria`` and the result's ``verdict`` (and ``flags``
when the result has them), so the same script measures older versions of isuwork.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from isuwork.analysis.criteria import check_criteria
from isuwork.domain.catalog import load_catalog

LIFE_AREAS = [f"lo_d{i}" for i in range(1, 10)] + ["lo_trygghet"]


def _frame(columns: dict[str, object]) -> pd.DataFrame:
    """A prepared-looking frame: every column in its catalogue dtype."""
    cat = load_catalog()
    df = pd.DataFrame(columns)
    for name in df.columns:
        df[name] = df[name].astype(cat.dtype(name))
    return df


def _sexes(per_sex: int) -> np.ndarray:
    return np.repeat(np.array(["kvinna", "man"]), per_sex)


def _profile(rng: np.random.Generator, latent: np.ndarray) -> dict[str, np.ndarray]:
    """Life-area scores 0-4 around a latent need, their maximum and the assessed need."""
    scores = {}
    for j, area in enumerate(LIFE_AREAS):
        raw = latent + rng.normal(0, 0.9, len(latent)) - 0.15 * j
        scores[area] = np.clip(np.round(raw), 0, 4).astype(int)
    top = np.max(np.column_stack(list(scores.values())), axis=1)
    return {**scores, "behov_max": top, "bedomt_behov": top >= 2}


def _draw(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    return rng.random(len(p)) < np.clip(p, 0.01, 0.99)


def confounded(
    rng: np.random.Generator, per_sex: int, *, effect: float = 0.0, need_gap: float = 0.5
) -> pd.DataFrame:
    """Need (latent, women higher by ``need_gap``) drives the decision; women ``+effect``."""
    kon = _sexes(per_sex)
    woman = kon == "kvinna"
    latent = rng.normal(1.6 + need_gap * woman, 0.9)
    profile = _profile(rng, latent)
    p = 0.10 + 0.17 * profile["behov_max"] + effect * woman
    return _frame({"kon": kon, **profile, "beviljad": _draw(rng, p)})


def null_plain(rng: np.random.Generator) -> pd.DataFrame:
    return confounded(rng, 300, need_gap=0.0)


def null_confounded(rng: np.random.Generator) -> pd.DataFrame:
    return confounded(rng, 300)


def sparse_null(rng: np.random.Generator) -> pd.DataFrame:
    return confounded(rng, 30)


def explained_large(rng: np.random.Generator) -> pd.DataFrame:
    return confounded(rng, 1000, need_gap=1.0)


def persistent_300(rng: np.random.Generator) -> pd.DataFrame:
    return confounded(rng, 300, effect=0.08)


def persistent_150(rng: np.random.Generator) -> pd.DataFrame:
    return confounded(rng, 150, effect=0.08)


def noise_setaside(rng: np.random.Generator) -> pd.DataFrame:
    df = confounded(rng, 300, effect=0.08)
    df["tillgodoses_anhorig"] = pd.array(rng.random(len(df)) < 0.6, dtype="boolean")
    return df


def opposite(rng: np.random.Generator) -> pd.DataFrame:
    """+15 pp for women at low need (highest score 0-2), -15 pp at high need (3-4)."""
    kon = _sexes(300)
    woman = kon == "kvinna"
    profile = _profile(rng, rng.normal(1.6, 0.9, len(kon)))
    high = profile["behov_max"] >= 3
    p = np.where(high, 0.6, 0.35) + np.where(high, -0.15, 0.15) * woman
    return _frame({"kon": kon, **profile, "beviljad": _draw(rng, p)})


def breadth_need(rng: np.random.Generator) -> pd.DataFrame:
    """Breadth (areas with a difficulty) x severity (highest score) decides; men broader."""
    per_sex = 300
    kon = _sexes(per_sex)
    man = kon == "man"
    size = len(kon)
    severity = rng.choice([1, 2, 3, 4], size, p=[0.2, 0.35, 0.3, 0.15])
    breadth = 1 + rng.binomial(len(LIFE_AREAS) - 1, np.where(man, 0.55, 0.25))
    scores = np.zeros((size, len(LIFE_AREAS)), dtype=int)
    for i in range(size):
        areas = rng.choice(len(LIFE_AREAS), breadth[i], replace=False)
        scores[i, areas] = rng.integers(1, severity[i] + 1, breadth[i])
        scores[i, areas[0]] = severity[i]
    profile = {area: scores[:, j] for j, area in enumerate(LIFE_AREAS)}
    top = scores.max(axis=1)
    p = 1 / (1 + np.exp(-(-3.2 + 0.16 * breadth * severity)))
    return _frame(
        {
            "kon": kon,
            **profile,
            "behov_max": top,
            "bedomt_behov": top >= 2,
            "beviljad": _draw(rng, p),
        }
    )


def sparse_null_means(rng: np.random.Generator) -> pd.DataFrame:
    """Hours per month, right-skewed, rising with need; women have more need; no sex effect."""
    kon = _sexes(30)
    woman = kon == "kvinna"
    profile = _profile(rng, rng.normal(1.6 + 0.5 * woman, 0.9))
    hours = rng.gamma(1.5, 8.0, len(kon)) * (1 + profile["behov_max"])
    return _frame({"kon": kon, **profile, "hemtjanst_tim_man": np.round(hours, 1)})


SCENARIOS: dict[str, tuple[Callable[[np.random.Generator], pd.DataFrame], str]] = {
    "null_plain": (null_plain, "beviljad"),
    "null_confounded": (null_confounded, "beviljad"),
    "breadth_need": (breadth_need, "beviljad"),
    "sparse_null": (sparse_null, "beviljad"),
    "sparse_null_means": (sparse_null_means, "hemtjanst_tim_man"),
    "persistent_300": (persistent_300, "beviljad"),
    "persistent_150": (persistent_150, "beviljad"),
    "noise_setaside": (noise_setaside, "beviljad"),
    "opposite": (opposite, "beviljad"),
    "explained_large": (explained_large, "beviljad"),
}


def run_scenario(name: str, runs: int, seed: int) -> dict[str, object]:
    """Verdict and flag shares of one scenario over ``runs`` data sets."""
    make, outcome = SCENARIOS[name]
    rng = np.random.default_rng([seed, sorted(SCENARIOS).index(name)])
    verdicts: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    for _ in range(runs):
        result = check_criteria(make(rng), outcome=outcome, kind="insats")
        verdicts[result.verdict] += 1
        for flag in getattr(result, "flags", ()):
            flags[flag] += 1
    return {
        "runs": runs,
        "verdicts": {code: count / runs for code, count in sorted(verdicts.items())},
        "flags": {code: count / runs for code, count in sorted(flags.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, default=None, help="write the shares here")
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        futures = {
            name: pool.submit(run_scenario, name, args.runs, args.seed) for name in args.scenarios
        }
        results = {name: future.result() for name, future in futures.items()}
    codes = sorted({code for r in results.values() for code in r["verdicts"]})
    print(f"{'scenario':20}" + "".join(f"{code:>19}" for code in codes))
    for name, res in results.items():
        shares = res["verdicts"]
        print(f"{name:20}" + "".join(f"{shares.get(c, 0) * 100:18.1f}%" for c in codes))
        if res["flags"]:
            print(" " * 20 + ", ".join(f"{f} {s * 100:.1f} %" for f, s in res["flags"].items()))
    print(f"{args.runs} runs per scenario, seed {args.seed}: {time.perf_counter() - start:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"scenarios": results}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
