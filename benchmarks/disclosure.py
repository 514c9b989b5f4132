"""How much can a reader work out from a kommun's screening list and criteria checks?

For each of the sample's kommuner, and for ``--subsets`` random subsets of 300–600 rows of one
kommun (small kommuner, where small counts are many), the script publishes the screening list
as ``isuwork screen --format json`` does and four criteria checks as ``isuwork criteria --format
json`` does, attacks them with ``tests/disclosure_attack.py`` (integer programmes over every
relation a reader can know) and counts the hidden counts it pins exactly or bounds below the
threshold. It also reports the share of counts hidden and the time taken to screen and to
attack.

Run from the repository root::

    .venv/bin/python benchmarks/disclosure.py --subsets 20 --seed 2026 --json benchmarks/out/disclosure.json

The script uses only ``screen``, ``describe_screening`` and ``tables.to_records``, so the same
script measures older versions of isuwork (run it from a checkout of the older version with the
attacker copied beside it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from disclosure_attack import (  # noqa: E402
    attack,
    criteria_truth,
    read,
    read_criteria,
    true_counts,
)

from isuwork.analysis.criteria import check_criteria  # noqa: E402
from isuwork.analysis.screening import screen  # noqa: E402
from isuwork.data.prepare import load  # noqa: E402
from isuwork.domain.catalog import load_catalog  # noqa: E402
from isuwork.present import tables  # noqa: E402
from isuwork.present.criteria_report import to_dict  # noqa: E402
from isuwork.present.screening_text import describe_screening  # noqa: E402


def measure(data, *, min_n: int) -> dict:
    """Publish one kommun's list, attack it, and count."""
    start = time.perf_counter()
    rows = json.loads(json.dumps(tables.to_records(describe_screening(screen(data, min_n=min_n)))))
    screened = time.perf_counter() - start
    published = read(rows, sexes=load_catalog().sexes)
    start = time.perf_counter()
    findings = attack(published, true_counts(data, published.hidden), min_n=min_n)
    cells = len(published.shown) + len(published.hidden)
    return {
        "rows": len(data),
        "cells": cells,
        "hidden": len(published.hidden),
        "hidden_share": len(published.hidden) / cells if cells else 0.0,
        "recovered": int(sum(f.recovered for f in findings)),
        "recovered_small": int(sum(f.recovered and 0 < f.truth < min_n for f in findings)),
        "bounded_small": int(sum(not f.recovered and f.bounded_small(min_n) for f in findings)),
        "screen_s": round(screened, 2),
        "attack_s": round(time.perf_counter() - start, 2),
    }


#: The checks attacked (as in ``tests/test_disclosure.py``).
CHECKS = [
    ("beviljad", {"ansokt_insats": "trygghetslarm"}),
    ("beviljad", {"verksamhet": "lss"}),
    ("hemtjanst_tim_man", {"verksamhet": "aldreomsorg"}),
    ("deltog_utredningssamtal", {}),
]


def measure_criteria(data, *, min_n: int) -> dict:
    """Publish the checks of :data:`CHECKS` on these rows, attack them, and count."""
    totals = {"checks": 0, "cells": 0, "hidden": 0, "recovered": 0, "bounded_small": 0}
    for outcome, filters in CHECKS:
        result = check_criteria(data, outcome=outcome, filters=filters, min_n=min_n)
        published = read_criteria(json.loads(json.dumps(to_dict(result))))
        findings = attack(published, criteria_truth(result), min_n=min_n)
        totals["checks"] += 1
        totals["cells"] += len(published.shown) + len(published.hidden)
        totals["hidden"] += len(published.hidden)
        totals["recovered"] += int(sum(f.recovered for f in findings))
        totals["bounded_small"] += int(
            sum(not f.recovered and f.bounded_small(min_n) for f in findings)
        )
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data/sample/isu_exempel.csv"))
    parser.add_argument("--subsets", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--min-n", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument(
        "--parts", nargs="+", default=["screening", "criteria"], help="screening, criteria"
    )
    args = parser.parse_args()
    data = load(args.data).data
    kommuner = sorted(data["kommun"].dropna().unique())
    rng = np.random.default_rng(args.seed)
    cases = [(k, data[data["kommun"] == k]) for k in kommuner]
    for i in range(args.subsets):
        kommun = kommuner[i % len(kommuner)]
        size = int(rng.integers(300, 601))
        rows = data[data["kommun"] == kommun].sample(size, random_state=int(rng.integers(2**31)))
        cases.append((f"{kommun}-{size}-{i}", rows))
    parts = [p for p in ("screening", "criteria") if p in args.parts]
    measures = {"screening": measure, "criteria": measure_criteria}
    results = {}
    for name, rows in cases:
        results[name] = {part: measures[part](rows, min_n=args.min_n) for part in parts}
        print(name, results[name], flush=True)
    subsets = [n for n, _ in cases[len(kommuner) :]]
    for part in parts:
        for label, names in (("kommuner", kommuner), ("subsets", subsets)):
            keys = ("cells", "hidden", "recovered", "bounded_small")
            totals = {k: sum(results[n][part][k] for n in names) for k in keys}
            totals["hidden_share"] = totals["hidden"] / totals["cells"] if totals["cells"] else 0
            print(part, label, totals)
            results[f"total_{part}_{label}"] = totals
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
