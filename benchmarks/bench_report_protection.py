"""What protecting a report's checks together with its screening list costs.

For each of the sample's kommuner, the checks a report shows (``report_parts`` of
``benchmarks/disclosure.py``: the screening list's three clearest differences and four checks a
group might write) have their counts protected twice: on their own, and with what the kommun's
screening list shows of the same groups (``with_screening``, as the notebooks do). The script
reports the time per check of each (median of ``--repeat`` rounds) and how many counts each
hides.

Run from the repository root::

    .venv/bin/python benchmarks/bench_report_protection.py --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from disclosure import report_parts

from isuwork.data.prepare import load
from isuwork.present.criteria_counts import protect_counts, with_screening

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data/sample/isu_exempel.csv"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = load(args.data).data
    alone, linked, hidden_alone, hidden_linked, linked_checks, checks = [], [], 0, 0, 0, 0
    for kommun in sorted(data["kommun"].unique()):
        rows = data[data["kommun"] == kommun]
        screening, results = report_parts(rows, min_n=5)
        for result in results:
            joined = with_screening(result, screening)
            checks += 1
            linked_checks += bool(joined.shown_elsewhere)
            for target, times in ((result, alone), (joined, linked)):
                rounds = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    protect_counts(target)
                    rounds.append(time.perf_counter() - start)
                times.append(statistics.median(rounds))
            hidden_alone += len(protect_counts(result).hidden)
            hidden_linked += len(protect_counts(joined).hidden)
    print(f"{checks} checks, {linked_checks} of them compare a row of the screening list")
    print(
        f"on their own: median {statistics.median(alone) * 1000:.1f} ms per check, "
        f"total {sum(alone):.2f} s; {hidden_alone} counts hidden"
    )
    print(
        f"with the list: median {statistics.median(linked) * 1000:.1f} ms per check, "
        f"total {sum(linked):.2f} s; {hidden_linked} counts hidden"
    )


if __name__ == "__main__":
    main()
