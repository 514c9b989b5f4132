"""Benchmark: preparing 1,000,000 generated rows (290 kommuner) against a plain pandas.read_csv.

Run: ``.venv/bin/python benchmarks/bench_prepare.py [--rows-per-kommun 3449]``. Writes the CSV to
``benchmarks/out/`` (git-ignored) and prints wall time and peak memory (max RSS of a child
process per step, so the steps do not share a high-water mark).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kommuner", type=int, default=290)
    parser.add_argument("--rows-per-kommun", type=int, default=3449)
    args = parser.parse_args()
    from isuwork.data.io import write_csv
    from isuwork.data.sample import generate_sample

    OUT.mkdir(exist_ok=True)
    path = OUT / f"isu_{args.kommuner}x{args.rows_per_kommun}.csv"
    if not path.exists():
        start = time.perf_counter()
        frame = generate_sample(kommuner=args.kommuner, rows_per_kommun=args.rows_per_kommun)
        write_csv(frame, path)
        print(f"generated {len(frame):,} rows in {time.perf_counter() - start:.1f} s -> {path}")
    results = []
    for step in ("read_csv", "isuwork.load"):
        out = subprocess.run(
            [sys.executable, "-c", STEP, str(path), step],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    size_mb = path.stat().st_size / 1e6
    print(f"file: {size_mb:.0f} MB")
    print(f"{'step':<14}{'rows':>12}{'seconds':>10}{'peak MB':>10}")
    for r in results:
        print(f"{r['step']:<14}{r['rows']:>12,}{r['seconds']:>10.1f}{r['peak_mb']:>10.0f}")
    print(f"isuwork.load / read_csv: {results[1]['seconds'] / results[0]['seconds']:.1f}x")


if __name__ == "__main__":
    main()
