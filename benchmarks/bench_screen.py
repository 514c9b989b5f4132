"""Benchmark: screening 1,000,000 rows over 290 kommuner, one pass vs a per-kommun loop.

Run: ``.venv/bin/python benchmarks/bench_screen.py [--loop-kommuner 29]``. Uses the CSV written by
``bench_prepare.py`` when present (else generates it). Each step runs in its own process and
reports wall time and peak memory (max RSS). The loop calls ``screen`` on each kommun's rows in
turn (the straightforward way); to keep the run short it times ``--loop-kommuner`` of them and
extrapolates linearly to all 290, which the output says.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).parent / "out"

STEP = r"""
import json, resource, sys, time
from isuwork.prepare import load
from isuwork.compare import screen
path, step, loop_n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = load(path).data
base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
if step == "one_pass":
    table = screen(data, per="kommun")
    rows, units = len(table), table["kommun"].nunique()
else:
    kommuner = sorted(data["kommun"].unique())[:loop_n]
    rows = 0
    for kommun in kommuner:
        rows += len(screen(data[data["kommun"] == kommun]))
    units = len(kommuner)
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"step": step, "seconds": seconds, "rows": rows, "units": units,
                  "peak_mb": peak_mb, "after_load_mb": base_mb, "n": len(data)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loop-kommuner", type=int, default=29)
    args = parser.parse_args()
    path = OUT / "isu_290x3449.csv"
    if not path.exists():
        from isuwork.io import write_csv
        from isuwork.sample import generate_sample

        OUT.mkdir(exist_ok=True)
        write_csv(generate_sample(kommuner=290, rows_per_kommun=3449), path)
    results = []
    for step in ("one_pass", "loop"):
        out = subprocess.run(
            [sys.executable, "-c", STEP, str(path), step, str(args.loop_kommuner)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    one, loop = results
    per_unit = loop["seconds"] / loop["units"]
    full = per_unit * one["units"]
    print(f"rows screened: {one['n']:,} in {one['units']} kommuner")
    print(
        f"one pass (screen per='kommun'): {one['seconds']:.1f} s, {one['rows']:,} result rows, "
        f"peak {one['peak_mb']:.0f} MB (after loading {one['after_load_mb']:.0f} MB)"
    )
    print(
        f"per-kommun loop: {loop['seconds']:.1f} s for {loop['units']} kommuner "
        f"({per_unit:.2f} s each) -> about {full:.0f} s for all {one['units']} (extrapolated), "
        f"peak {loop['peak_mb']:.0f} MB"
    )
    print(f"speed-up: about {full / one['seconds']:.0f}x")


if __name__ == "__main__":
    main()
