"""Benchmark: a report per kommun from the national export, the plain way against ``render``.

Run: ``.venv/bin/python benchmarks/bench_render.py [--plain 2] [--kommuner 30] [--all]``. Uses
the CSV written by ``bench_prepare.py`` (1,000,210 rows, 290 kommuner; generated when missing).

``plain``
    The way reports were made before issue 12: papermill with a fresh kernel per notebook, each
    notebook loading and preparing the whole CSV itself, two pages at a time. Run for the first
    ``--plain`` kommuner (their four pages each).
``prepare``
    ``prepare_once``: the CSV prepared into a fresh store (what ``render`` does first).
``render``
    ``render_reports`` with two workers for the first ``--kommuner`` kommuner, reading that
    store: warm kernels, a kommun's pages on one worker.
``all`` (with ``--all``)
    ``render_reports`` for all 290 kommuner from the CSV, end to end, with a fresh store.

``render`` and ``all`` make each kommun's PDF and Excel workbook too, as ``isuwork render``
does (``--utan-pdf``: the workbook only). ``--kommuner 0 --plain 0 --all`` measures the
national run alone.

Each step reports seconds, seconds per page (wall time over pages made, two at a time) and the
peak memory of the whole process tree (this process, the workers and their kernels: the sum of
their proportional set sizes, sampled every 5 s). The pages the plain way and ``render`` made
for the same kommuner are compared: what the notebooks put on the page must be identical.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil

OUT = Path(__file__).parent / "out"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


class TreeMemory(threading.Thread):
    """The largest total PSS of this process and all its descendants, sampled every 5 s.

    PSS is read from ``/proc/<pid>/smaps_rollup``: the kernel walks each process's page
    tables for it, about 0.13 s of CPU for a render's process tree. Sampling every 0.5 s took
    a fifth of a core from the run it measured, every 2 s still about 3 % of the two cores. A
    render's memory is a plateau (warm kernels), so a sample every 5 s finds its peak.
    """

    def __init__(self, interval: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.peak_mb, self.running, self.interval = 0.0, True, interval

    def run(self) -> None:
        """Sample until stopped."""
        me = psutil.Process()
        while self.running:
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                total += _pss(proc.pid)
            self.peak_mb = max(self.peak_mb, total / 2**20)
            time.sleep(self.interval)

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self.running = False
        self.join()
        return self.peak_mb


def _pss(pid: int) -> int:
    """A process's proportional set size in bytes (0 when it has ended)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def plain_page(notebook: str, kommun: str, csv: str, journal: str, out: str) -> str:
    import papermill as pm

    from isuwork.domain.vocabulary import kommun_slug
    from isuwork.render.kernel import INLINE_BACKEND
    from isuwork.render.page import notebook_to_html

    os.environ["MPLBACKEND"] = INLINE_BACKEND
    target = Path(out) / kommun_slug(kommun)
    target.mkdir(parents=True, exist_ok=True)
    nb = pm.execute_notebook(
        str(NOTEBOOKS / notebook),
        str(target / notebook),
        parameters={
            "data": csv,
            "kommun": kommun,
            "interaktiv": False,
            "journal_dir": journal,
            "min_n": 5,
            "mapping": "",
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOKS),
    )
    page = target / notebook.replace(".ipynb", ".html")
    page.write_text(notebook_to_html(nb, title=kommun), encoding="utf-8")
    return str(page)


def body(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    return text.split("</nav>", 1)[1].split("<footer>", 1)[0].rstrip()


def step(name: str, pages: int, run) -> dict:
    memory = TreeMemory()
    memory.start()
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    peak = memory.stop()
    row = {
        "step": name,
        "pages": pages,
        "seconds": round(seconds, 1),
        "seconds_per_page": round(seconds / pages, 2),
        "peak_tree_mb": round(peak),
    }
    print(json.dumps(row), flush=True)
    return {**row, "result": result}


def national_csv() -> Path:
    """The national file of ``bench_prepare.py`` (1,000,210 rows, 290 kommuner), made if missing."""
    from isuwork.data.io import write_csv
    from isuwork.data.sample import generate_sample

    OUT.mkdir(exist_ok=True)
    csv = OUT / "isu_290x3449.csv"
    if not csv.exists():
        write_csv(generate_sample(kommuner=290, rows_per_kommun=3449), csv)
    return csv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plain", type=int, default=2, help="kommuner the plain way")
    parser.add_argument("--kommuner", type=int, default=30, help="kommuner with render")
    parser.add_argument("--all", action="store_true", help="also all kommuner end to end")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--utan-pdf", action="store_true", help="no PDF per kommun")
    args = parser.parse_args()
    from isuwork.domain.vocabulary import kommun_slug
    from isuwork.render import DEFAULT_NOTEBOOKS, render_reports

    csv = national_csv()
    work = Path(tempfile.mkdtemp(prefix="bench_render_"))
    journal = work / "journal"
    import pandas as pd

    kommuner = sorted(pd.read_csv(csv, sep=";", usecols=["kommun"])["kommun"].unique())
    results = []

    def plain() -> None:
        jobs = [(nb, k) for k in kommuner[: args.plain] for nb in DEFAULT_NOTEBOOKS]
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            futures = [
                pool.submit(plain_page, nb, k, str(csv), str(journal), str(work / "plain"))
                for nb, k in jobs
            ]
            for future in futures:
                future.result()

    if args.plain:
        results.append(step("plain", args.plain * len(DEFAULT_NOTEBOOKS), plain))

    from isuwork.data.store import prepare_once

    results.append(step("prepare", 1, lambda: prepare_once(csv, cache_dir=work / "cache-render")))

    def render(count: int, folder: str):
        def run():
            summary = render_reports(
                kommuner[:count],
                out_dir=work / folder,
                parameters={
                    "data": str(csv),
                    "mapping": "",
                    "min_n": 5,
                    "journal_dir": str(journal),
                },
                workers=args.workers,
                cache_dir=work / f"cache-{folder}",
                progress=True,
                pdf=not args.utan_pdf,
            )
            assert summary.ok, summary.failures
            return len(summary.pages)

        return run

    pages = args.kommuner * len(DEFAULT_NOTEBOOKS)
    if args.kommuner:
        results.append(step("render", pages, render(args.kommuner, "render")))
    if args.plain and args.kommuner:
        same = all(
            body(work / "plain" / kommun_slug(k) / nb.replace(".ipynb", ".html"))
            == body(work / "render" / kommun_slug(k) / nb.replace(".ipynb", ".html"))
            for k in kommuner[: args.plain]
            for nb in DEFAULT_NOTEBOOKS
        )
        ratio = results[0]["seconds_per_page"] / results[2]["seconds_per_page"]
        print(json.dumps({"plain_over_render": round(ratio, 1), "identical_pages": same}))
        results.append({"plain_over_render": round(ratio, 1), "identical_pages": same})
    if args.all:
        results.append(
            step("all", len(kommuner) * len(DEFAULT_NOTEBOOKS), render(len(kommuner), "all"))
        )
    for row in results:
        row.pop("result", None)
    (OUT / "render.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
