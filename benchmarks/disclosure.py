"""How much can a reader work out from a kommun's screening list and criteria checks?

For each of the sample's kommuner, and for ``--subsets`` random subsets of 300–600 rows of one
kommun (small kommuner, where small counts are many), the script publishes the screening list
as ``isuwork screen --format json`` does and four criteria checks as ``isuwork criteria --format
json`` does, and (part ``report``) what a rendered report publishes as counts: its screening
list with the checks of steps 2 and 3 beside it, the same group seen in both. It attacks them with ``tests/disclosure_attack.py`` (integer programmes over every
relation a reader can know) and counts the hidden counts it pins exactly or bounds below the
threshold. It also reports the share of counts hidden and the time taken to screen and to
attack.

Run from the repository root::

    .venv/bin/python benchmarks/disclosure.py --subsets 20 --seed 2026 --json benchmarks/out/disclosure.json

The script uses only public functions that older versions of isuwork have too, so the same
script measures them (run it from a checkout of the older version with the attacker copied
beside it); where an older version does not yet protect a report's parts together
(``with_screening``), each check is published as it was protected on its own.
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
    read_report,
    report_truth,
    true_counts,
)

from isuwork.analysis.criteria import check_criteria  # noqa: E402
from isuwork.analysis.screening import screen  # noqa: E402
from isuwork.data.prepare import load  # noqa: E402
from isuwork.domain.catalog import load_catalog  # noqa: E402
from isuwork.present import tables  # noqa: E402
from isuwork.present.criteria_report import to_dict  # noqa: E402
from isuwork.present.screening_text import describe_screening  # noqa: E402
from isuwork.workbook.observations import (  # noqa: E402
    check_observations,
    observations_from_screening,
)
from isuwork.workbook.results import STEP1_EXTRA  # noqa: E402
from isuwork.workbook.session import screening_list  # noqa: E402

try:
    from isuwork.present.criteria_counts import with_screening
except ImportError:  # an older version: each check protected on its own

    def with_screening(result, screening):
        return result


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


def report_parts(data, *, min_n: int) -> tuple:
    """A report's screening list of these rows and its checks (unprotected results): those of
    the list's three clearest differences and of :data:`CHECKS`, as a group might write them."""
    screening = screening_list(data, min_n=min_n, extra=["aldersgrupp", *STEP1_EXTRA])
    written = [
        {"utfall": u, "grupp": "kon", "filter": {b: [v] for b, v in f.items()}} for u, f in CHECKS
    ]
    observations = observations_from_screening(screening, top=3) + written
    results = [
        r for r in check_observations(data, observations, min_n=min_n) if not isinstance(r, str)
    ]
    return screening, results


def measure_report(data, *, min_n: int) -> dict:
    """Publish what a report of these rows shows as counts (its screening list and the checks
    of :func:`report_parts`), attack it all at once, and count."""
    start = time.perf_counter()
    screening, results = report_parts(data, min_n=min_n)
    checks = [json.loads(json.dumps(to_dict(with_screening(r, screening)))) for r in results]
    rows = json.loads(json.dumps(tables.to_records(screening)))
    published = read_report(rows, checks, sexes=load_catalog().sexes)
    built = time.perf_counter() - start
    start = time.perf_counter()
    findings = attack(published, report_truth(data, published, results), min_n=min_n)
    names = [*published.shown, *published.hidden]
    in_checks = [n for n in names if n[0] == "check"]
    return {
        "rows": len(data),
        "checks": len(checks),
        "cells": len(names),
        "hidden": len(published.hidden),
        "check_cells": len(in_checks),
        "check_hidden": sum(n in published.hidden for n in in_checks),
        "recovered": int(sum(f.recovered for f in findings)),
        "recovered_small": int(sum(f.recovered and 0 < f.truth < min_n for f in findings)),
        "bounded_small": int(sum(not f.recovered and f.bounded_small(min_n) for f in findings)),
        "build_s": round(built, 2),
        "attack_s": round(time.perf_counter() - start, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data/sample/isu_exempel.csv"))
    parser.add_argument("--subsets", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--min-n", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["screening", "criteria", "report"],
        help="screening, criteria, report",
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
    parts = [p for p in ("screening", "criteria", "report") if p in args.parts]
    measures = {"screening": measure, "criteria": measure_criteria, "report": measure_report}
    results = {}
    for name, rows in cases:
        results[name] = {part: measures[part](rows, min_n=args.min_n) for part in parts}
        print(name, results[name], flush=True)
    subsets = [n for n, _ in cases[len(kommuner) :]]
    for part in parts:
        for label, names in (("kommuner", kommuner), ("subsets", subsets)):
            keys = ["cells", "hidden", "recovered", "bounded_small"]
            if part == "report":
                keys += ["check_cells", "check_hidden", "recovered_small"]
            totals = {k: sum(results[n][part][k] for n in names) for k in keys}
            totals["hidden_share"] = totals["hidden"] / totals["cells"] if totals["cells"] else 0
            print(part, label, totals)
            results[f"total_{part}_{label}"] = totals
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
