"""Benchmark: where one kommun's report spends its CPU time, page by page.

Run: ``.venv/bin/python benchmarks/bench_kommun.py [--kommuner 6] [--start 40]``. Uses the
national CSV of ``bench_prepare.py`` (prepared into its store once; generated when missing).

One warm kernel renders the four pages of ``--kommuner`` kommuner one after another (after one
kommun more to warm it up, not counted), as a worker of ``isuwork render`` does, then each
kommun's Excel workbook and PDF. For each page it reports the CPU time of the kernel (the
notebook's cells) and of this process (sending the cells, writing the executed notebook and the
HTML page); for the workbook and the PDF the CPU time of this process. The medians over the
kommuner are printed. CPU time, not wall time: a whole run on two cores is about the sum of
these over its kommuner, halved, and the figures move less with the machine's load. What
earlier runs remembered in the store for these kommuner (screening lists, criteria checks) is
removed first, so the pages compute what they compute in a first run.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import tempfile
from pathlib import Path

import nbformat
import psutil
from bench_render import national_csv

from isuwork.data.store import prepare_once
from isuwork.domain.vocabulary import kommun_slug
from isuwork.render.bundle import bundle_paths, print_body, write_pdf, write_workbook
from isuwork.render.jobs import plan_jobs
from isuwork.render.kernel import WarmKernel
from isuwork.render.page import title_of
from isuwork.render.run import _prepare_screening, render_one


def _cpu(process: psutil.Process) -> float:
    """A process's CPU time, with that of the helper processes it has started and waited for."""
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def _children_cpu(process: psutil.Process) -> float:
    """The CPU time of the kernel (and anything else this process started that still runs)."""
    total = 0.0
    for child in process.children():
        with contextlib.suppress(psutil.Error):  # one that has just ended
            total += _cpu(child)
    return total


def main() -> None:
    """Render the kommuner's pages and print the median CPU time of each part."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kommuner", type=int, default=6)
    parser.add_argument("--start", type=int, default=40, help="the first kommun (by order)")
    args = parser.parse_args()
    csv = national_csv()
    store = prepare_once(csv, cache_dir=csv.parent / ".isuwork")
    kommuner = list(store.kommuner)[args.start : args.start + args.kommuner + 1]
    for kommun in kommuner:  # what an earlier run remembered would spare the pages work
        shutil.rmtree(store.path / "results" / kommun_slug(kommun), ignore_errors=True)
    out = Path(tempfile.mkdtemp(prefix="bench_kommun_"))
    params = {"data": str(store.path.resolve()), "min_n": 5, "journal_dir": str(out / "j")}
    jobs = plan_jobs(kommuner, out_dir=out / "rapporter", parameters=params)
    _prepare_screening(store, jobs, params, progress=False)
    me, kernel = psutil.Process(), WarmKernel()
    rows: list[dict[str, float]] = []
    try:
        for kommun in kommuner:
            own = [job for job in jobs if job.kommun == kommun]
            row: dict[str, float] = {}
            for job in own:
                kernel_before, here_before = _children_cpu(me), _cpu(me)
                render_one(job, kernel=kernel)
                row[f"{job.notebook.stem}, kärnan"] = _children_cpu(me) - kernel_before
                row[f"{job.notebook.stem}, arbetsprocessen"] = _cpu(me) - here_before
            pages = [(title_of(j.notebook), nbformat.read(j.ipynb_path, as_version=4)) for j in own]
            xlsx, pdf = bundle_paths(kommun, own[0].html_path.parent)
            before = _cpu(me)
            write_workbook(kommun, pages, xlsx)
            row["Excel"] = _cpu(me) - before
            before = _cpu(me)
            write_pdf(kommun, [(title, print_body(nb)) for title, nb in pages], pdf)
            row["PDF"] = _cpu(me) - before
            rows.append(row)
    finally:
        kernel.shutdown()
    counted = rows[1:]  # the first kommun warms the kernel up
    for part in counted[0]:
        print(f"{part:45s} {statistics.median(r[part] for r in counted):6.2f} s")
    totals = [sum(r.values()) for r in counted]
    print(f"{'en kommun, allt':45s} {statistics.median(totals):6.2f} s (median av {len(totals)})")


if __name__ == "__main__":
    main()
