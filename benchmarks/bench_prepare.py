"""Benchmark: preparing 1,000,000 generated rows (290 kommuner) against a plain pandas.read_csv.

Run: ``.venv/bin/python benchmarks/bench_prepare.py [--rows-per-kommun 3449] [--repeat 2]``.
Writes the CSV to ``benchmarks/out/`` (git-ignored) and prints wall time, peak memory (max RSS
of a child process per step, so the steps do not share a high-water mark) and the ratio of
``isuwork.data.prepare.load`` to ``pandas.read_csv``, once per repetition. The file is
generated in a child process too: a child starts with its parent's high-water mark, so the
parent stays small.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"

GENERATE = r"""
import sys
from isuwork.data.io import write_csv
from isuwork.data.sample import generate_sample
frame = generate_sample(kommuner=int(sys.argv[2]), rows_per_kommun=int(sys.argv[3]))
write_csv(frame, sys.argv[1])
print(len(frame))
"""

STEP = r"""
import json, resource, sys, time
path, step = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if step == "read_csv":
    import pandas as pd
    rows = len(pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", low_memory=False))
else:
    from isuwork.data.prepare import load
    prepared = load(path)
    rows = prepared.report.rows_kept
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"step": step, "rows": rows, "seconds": seconds, "peak_mb": peak_mb}))
"""


def _run(code: str, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kommuner", type=int, default=290)
    parser.add_argument("--rows-per-kommun", type=int, default=3449)
    parser.add_argument("--repeat", type=int, default=1, help="how many times to time the pair")
    args = parser.parse_args()

    OUT.mkdir(exist_ok=True)
    path = OUT / f"isu_{args.kommuner}x{args.rows_per_kommun}.csv"
    if not path.exists():
        start = time.perf_counter()
        rows = int(_run(GENERATE, str(path), str(args.kommuner), str(args.rows_per_kommun)))
        print(f"generated {rows:,} rows in {time.perf_counter() - start:.1f} s -> {path}")
    print(f"file: {path.stat().st_size / 1e6:.0f} MB")
    print(f"{'run':<5}{'step':<14}{'rows':>12}{'seconds':>10}{'peak MB':>10}")
    for run in range(1, args.repeat + 1):
        results = [json.loads(_run(STEP, str(path), step)) for step in ("read_csv", "isuwork.load")]
        for r in results:
            print(
                f"{run:<5}{r['step']:<14}{r['rows']:>12,}{r['seconds']:>10.1f}{r['peak_mb']:>10.0f}"
            )
        ratio = results[1]["seconds"] / results[0]["seconds"]
        print(f"{run:<5}isuwork.load / read_csv: {ratio:.1f}x")


if __name__ == "__main__":
    main()
