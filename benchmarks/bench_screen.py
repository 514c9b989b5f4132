"""Benchmark: screening 1,000,000 rows over 290 kommuner, one pass against per-kommun loops.

Run: ``.venv/bin/python benchmarks/bench_screen.py [--loop-kommuner 5]``. Uses the CSV written by
``bench_prepare.py`` when present (else generates it). Each step runs in its own process and
reports wall time and peak memory: max RSS of the step's process, and for the one-pass steps,
which split the kommuner over every core (``screen(workers=None)``), the proportional set size
of the step's process and its worker processes together, sampled from /proc. The steps read
the prepared frame from a Parquet file written once (``prepare.load`` on the CSV, measured by
``bench_prepare.py``), so the peak is the frame plus the step's own work. Four steps:

``one_pass_exact``
    ``screen(data, per="kommun")``: every outcome x background variable x kommun at once, with
    the default, complete check of the small-number protection (fast rules, then linear
    programmes per group of linked hidden cells).
``one_pass``
    ``screen(data, per="kommun", exact=False)``: the same, protected by the fast rules only
    (local rule and bound propagation).
``pandas_loop``
    The straightforward way an analyst would write it: for each kommun, outcome and background
    variable a pandas ``groupby`` by level and kön, then per level the same statistics with
    scipy and statsmodels one comparison at a time (Wilson intervals, Newcombe difference
    interval, chi-square or Fisher for shares; Welch for means), Benjamini-Hochberg at the end.
``screen_loop``
    ``screen(...)`` (complete check) called on each kommun's rows in turn: one list per kommun.

The pandas loop computes the statistics only; it hides nothing.

The loops are timed on ``--loop-kommuner`` kommuner and extrapolated linearly to all 290; the
output says so.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).parent / "out"

PREPARE = r"""
import sys
from isuwork.data.prepare import load
load(sys.argv[1]).data.to_parquet(sys.argv[2])
"""

STEP = r"""
import json, os, resource, sys, time
import numpy as np
import pandas as pd
from scipy import stats as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from isuwork.domain.catalog import load_catalog
from isuwork.analysis.outcomes import outcome_kind
from isuwork.analysis.screening import screen
from isuwork.present.screening_text import describe_screening
import threading
from pathlib import Path


def tree_pss_mb():
    # memory of this process and its child processes (the workers of screen), as
    # proportional set size from /proc: pages shared between them counted once
    me = Path(f"/proc/{os.getpid()}")
    pids = [os.getpid()] + [
        int(p) for task in (me / "task").iterdir() for p in (task / "children").read_text().split()
    ]
    kb = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue  # ended meanwhile
        kb += next(int(l.split()[1]) for l in rollup.splitlines() if l.startswith("Pss:"))
    return kb / 1024


class Sampler(threading.Thread):
    # the largest tree_pss_mb() seen, sampled every 0.2 s

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.running = 0.0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, tree_pss_mb())
            time.sleep(0.2)


def share_row(a_w, n_w, a_m, n_m):
    lo_w, hi_w = proportion_confint(a_w, n_w, method="wilson")
    lo_m, hi_m = proportion_confint(a_m, n_m, method="wilson")
    lo, hi = confint_proportions_2indep(a_w, n_w, a_m, n_m, method="newcomb")
    table = np.array([[a_w, n_w - a_w], [a_m, n_m - a_m]])
    if (st.contingency.expected_freq(table) < 5).any():
        p = st.fisher_exact(table).pvalue
    else:
        p = st.chi2_contingency(table, correction=False).pvalue
    return a_w / n_w - a_m / n_m, lo, hi, p


def pandas_loop(data, kommuner):
    cat = load_catalog()
    outcomes = [v.name for v in cat.outcomes if v.name in data]
    background = [b for b in cat.screening_background if b in data]
    rows = []
    for kommun in kommuner:
        sub = data[data["kommun"] == kommun]
        for outcome in outcomes:
            kind = outcome_kind(sub[outcome])
            y = sub[outcome]
            if kind == "category":
                y = y.astype("string")
            elif kind == "share":
                y = y.astype("Float64").astype(float)
            else:
                y = pd.to_numeric(y, errors="coerce").astype(float)
            frame = sub.assign(_y=y).dropna(subset=["_y"])
            for bakgrund in ["alla", *background]:
                keys = ["kon"] if bakgrund == "alla" else [bakgrund, "kon"]
                for level, part in frame.groupby(keys[:-1] or (lambda i: "alla"), observed=True):
                    women = part[part["kon"] == "kvinna"]["_y"]
                    men = part[part["kon"] == "man"]["_y"]
                    if women.empty or men.empty:
                        continue
                    if kind == "mean":
                        if len(women) < 2 or len(men) < 2:
                            continue
                        t = st.ttest_ind(women, men, equal_var=False)
                        ci = t.confidence_interval()
                        rows.append((women.mean() - men.mean(), ci.low, ci.high, t.pvalue))
                        continue
                    if kind == "share":
                        cats = {None: (women.sum(), men.sum())}
                    else:
                        w, m = women.value_counts(), men.value_counts()
                        cats = {c: (w.get(c, 0), m.get(c, 0)) for c in w.index.union(m.index)}
                    for a_w, a_m in cats.values():
                        rows.append(share_row(a_w, len(women), a_m, len(men)))
    p = np.array([r[3] for r in rows], dtype=float)
    ok = np.isfinite(p)
    p[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return len(rows)


path, step, loop_n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = pd.read_parquet(path)
base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kommuner = sorted(data["kommun"].unique())
sampler = Sampler()
sampler.start()
start = time.perf_counter()
if step.startswith("one_pass"):
    # the list with its sentences, as the command line and the notebooks show it
    table = describe_screening(screen(data, per="kommun", exact=step == "one_pass_exact")).table
    rows, units = len(table), table["kommun"].nunique()
    hidden = int(table["dold"].sum())
elif step == "pandas_loop":
    rows, units = pandas_loop(data, kommuner[:loop_n]), loop_n
else:
    rows = sum(
        len(describe_screening(screen(data[data["kommun"] == k], exact=True)))
        for k in kommuner[:loop_n]
    )
    units = loop_n
seconds = time.perf_counter() - start
sampler.running = False
sampler.join()
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"step": step, "seconds": seconds, "rows": rows, "units": units,
                  "peak_mb": peak_mb, "all_mb": sampler.peak, "after_load_mb": base_mb,
                  "n": len(data), "cores": len(os.sched_getaffinity(0)),
                  "hidden": hidden if step.startswith("one_pass") else None}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loop-kommuner", type=int, default=5)
    args = parser.parse_args()
    csv = OUT / "isu_290x3449.csv"
    if not csv.exists():
        from isuwork.data.io import write_csv
        from isuwork.data.sample import generate_sample

        OUT.mkdir(exist_ok=True)
        write_csv(generate_sample(kommuner=290, rows_per_kommun=3449), csv)
    # prepared once (bench_prepare.py measures that); each step reads the prepared frame, so
    # its peak memory is the frame plus the step's own work, not the CSV parser's
    path = OUT / "isu_290x3449_prepared.parquet"
    if not path.exists() or path.stat().st_mtime < csv.stat().st_mtime:
        subprocess.run(
            [sys.executable, "-c", PREPARE, str(csv), str(path)], check=True, capture_output=True
        )
    results = {}
    for step in ("one_pass_exact", "one_pass", "pandas_loop", "screen_loop"):
        out = subprocess.run(
            [sys.executable, "-c", STEP, str(path), step, str(args.loop_kommuner)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[step] = json.loads(out.stdout.strip().splitlines()[-1])
    one = results["one_pass_exact"]
    print(f"rows screened: {one['n']:,} in {one['units']} kommuner")
    for step, what in (("one_pass_exact", "complete check"), ("one_pass", "exact=False")):
        run = results[step]
        print(
            f"one pass (screen per='kommun', {what}): {run['seconds']:.1f} s, "
            f"{run['rows']:,} result rows, {run['hidden']:,} hidden, peak {run['peak_mb']:.0f} MB "
            f"(the prepared frame read from Parquet: {run['after_load_mb']:.0f} MB)"
        )
        print(
            f"    with {run['cores']} cores ({run['cores'] - 1} worker process(es) beside this one, "
            f"screening and protecting their share of the kommuner): all processes together at "
            f"most {run['all_mb']:.0f} MB "
            "(proportional set size, sampled every 0.2 s)"
        )
    for step in ("pandas_loop", "screen_loop"):
        loop = results[step]
        per_unit = loop["seconds"] / loop["units"]
        full = per_unit * one["units"]
        print(
            f"{step}: {loop['seconds']:.1f} s for {loop['units']} kommuner "
            f"({per_unit:.2f} s each, {loop['rows']:,} comparisons) -> about {full:.0f} s for "
            f"all {one['units']} (extrapolated), peak {loop['peak_mb']:.0f} MB; "
            f"one pass is about {full / one['seconds']:.0f}x faster"
        )


if __name__ == "__main__":
    main()
