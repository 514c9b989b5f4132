"""Rendering the workbook into one report per kommun.

A regional analyst runs the same parameterised notebooks once per kommun. Each run executes a
notebook with papermill in batch mode (``interaktiv=False``, so widgets fall back to ordinary
cell outputs), converts it to a self-contained HTML page without code or external assets, and
lists every page on an index page. Kernels talk over the IPC transport: with several workers,
TCP kernels occasionally collide on ports (papermill issue 511).
"""

from __future__ import annotations

import html
import os
import re
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from nbconvert import HTMLExporter
from papermill.exceptions import PapermillExecutionError
from tqdm.auto import tqdm
from traitlets import default

from isuwork.data.io import write_text
from isuwork.domain.shipped import notebook_dir as shipped_notebooks
from isuwork.domain.vocabulary import kommun_slug
from isuwork.exceptions import ParameterError, RenderError

DEFAULT_NOTEBOOKS: tuple[str, ...] = (
    "01_vad_ser_vi.ipynb",
    "02_vi_reflekterar.ipynb",
    "03_slutsatser.ipynb",
    "04_gora_annorlunda.ipynb",
)

_PAGE = """<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.5; }}
h1, h2, h3 {{ line-height: 1.25; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 0.92rem; }}
th, td {{ border: 1px solid #c8c8c8; padding: 0.25rem 0.5rem; text-align: right; }}
th {{ background: #f0f0f0; }}
td:first-child, th:first-child {{ text-align: left; }}
img {{ max-width: 100%; height: auto; }}
pre {{ white-space: pre-wrap; background: #f7f7f7; padding: 0.5rem; }}
.jp-InputPrompt, .jp-OutputPrompt, .prompt {{ display: none; }}
nav a {{ margin-right: 1rem; }}
footer {{ margin-top: 3rem; font-size: 0.85rem; color: #555; }}
</style>
</head>
<body>
<nav>{nav}</nav>
{body}
<footer>{footer}</footer>
</body>
</html>
"""

_FOOTER = (
    "Rapporten är framtagen med isuwork. Den kan visa en risk för omotiverade skillnader, men "
    "inte bevisa dem. Värden som bygger på för få personer visas inte."
)


@dataclass
class RenderJob:
    """One notebook for one kommun."""

    kommun: str
    notebook: Path
    html_path: Path
    ipynb_path: Path
    parameters: dict[str, Any]


@dataclass
class RenderSummary:
    """What a rendering run produced: pages made, failures with Swedish messages, time taken."""

    out_dir: Path
    pages: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    index: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every page was made."""
        return not self.failures

    def to_text(self) -> str:
        """A Swedish summary for the command line."""
        lines = [
            f"{len(self.pages)} rapportsidor skrevs till {self.out_dir} på {self.seconds:.0f} s."
        ]
        if self.index:
            lines.append(f"Startsida: {self.index}")
        if self.failures:
            lines.append(f"{len(self.failures)} körningar misslyckades:")
            lines.extend(f"  - {msg}" for msg in self.failures)
        return "\n".join(lines)


def plan_jobs(
    kommuner: Sequence[str],
    *,
    out_dir: Path,
    notebooks: Sequence[str | Path] = DEFAULT_NOTEBOOKS,
    parameters: Mapping[str, Any] | None = None,
    notebook_dir: Path | None = None,
) -> list[RenderJob]:
    """List the runs for every kommun × notebook, with the parameters each run gets.

    Every run gets ``kommun`` and ``interaktiv=False`` on top of ``parameters``. Notebook
    names are looked up in ``notebook_dir`` (default: the workbook that comes with isuwork).
    """
    if not kommuner:
        raise ParameterError("Ingen kommun att göra rapporter för. Ange minst en kommun.")
    notebook_dir = shipped_notebooks() if notebook_dir is None else Path(notebook_dir)
    paths = [Path(nb) if Path(nb).is_absolute() else notebook_dir / nb for nb in notebooks]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ParameterError(
            f"Anteckningsboken finns inte: {', '.join(missing)}. Kontrollera namnen; "
            f"arbetsbokens anteckningsböcker ligger i {notebook_dir}."
        )
    jobs = []
    for kommun in kommuner:
        folder = Path(out_dir) / kommun_slug(kommun)
        for path in paths:
            params = {**(parameters or {}), "kommun": kommun, "interaktiv": False}
            jobs.append(
                RenderJob(
                    kommun=kommun,
                    notebook=path,
                    html_path=folder / f"{path.stem}.html",
                    ipynb_path=folder / "ipynb" / path.name,
                    parameters=params,
                )
            )
    return jobs


def render_reports(
    kommuner: Sequence[str],
    *,
    out_dir: str | os.PathLike[str] = "reports",
    notebooks: Sequence[str | Path] = DEFAULT_NOTEBOOKS,
    parameters: Mapping[str, Any] | None = None,
    workers: int = 2,
    timeout: int = 900,
    progress: bool = True,
    notebook_dir: Path | None = None,
) -> RenderSummary:
    """Execute the workbook for each kommun and write HTML reports plus an index page.

    Parameters
    ----------
    kommuner
        The kommuner to make reports for (names as in the data's ``kommun`` column).
    out_dir
        Folder for the reports: ``<out_dir>/<kommun>/<notebook>.html`` and ``index.html``.
    notebooks
        Notebook file names (in ``notebook_dir``, by default the workbook that comes with
        isuwork) or paths, in report order.
    parameters
        Extra notebook parameters for every run (e.g. ``data``, ``min_n``, ``journal_dir``).
    workers
        Parallel runs (each starts its own kernel). One worker runs in this process.
    timeout
        Longest time in seconds one cell may run.
    progress
        Show a progress bar (tqdm) over the runs.

    Returns
    -------
    RenderSummary
        Pages written and failures; a failed run does not stop the others.
    """
    if workers < 1:
        raise ParameterError(f"workers måste vara minst 1, men var {workers}.")
    start = time.perf_counter()
    out = Path(out_dir)
    jobs = plan_jobs(
        kommuner, out_dir=out, notebooks=notebooks, parameters=parameters, notebook_dir=notebook_dir
    )
    summary = RenderSummary(out_dir=out)
    bar = _progress(len(jobs), enabled=progress)
    if workers == 1:
        for job in jobs:
            _collect(summary, job, _run_safely(job, timeout))
            bar.update(1)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_run_safely, job, timeout): job for job in jobs}
            for future in as_completed(futures):
                _collect(summary, futures[future], future.result())
                bar.update(1)
    bar.close()
    summary.pages.sort()
    summary.index = write_index(jobs, out_dir=out, done=set(summary.pages))
    summary.seconds = time.perf_counter() - start
    return summary


def _progress(total: int, *, enabled: bool) -> Any:
    return tqdm(total=total, desc="Rapporter", unit="sida", disable=not enabled)


def _collect(summary: RenderSummary, job: RenderJob, error: str | None) -> None:
    if error is None:
        summary.pages.append(job.html_path)
    else:
        summary.failures.append(error)


def _run_safely(job: RenderJob, timeout: int) -> str | None:
    """Run one job; return None on success or a Swedish one-line failure message."""
    try:
        render_one(job, timeout=timeout)
    except RenderError as err:
        return err.message
    return None


def render_one(job: RenderJob, *, timeout: int = 900) -> Path:
    """Execute one notebook with papermill and write its HTML page (no code, offline)."""
    job.ipynb_path.parent.mkdir(parents=True, exist_ok=True)
    # Kernels inherit the environment. A headless MPLBACKEND such as Agg (common in test and
    # CI set-ups) would stop charts from reaching the report, so the kernel gets the inline one.
    previous = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        nb = pm.execute_notebook(
            str(job.notebook),
            str(job.ipynb_path),
            parameters=job.parameters,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(job.notebook.parent),
            execution_timeout=timeout,
            kernel_manager_class=_ipc_kernel_manager(),
        )
    except PapermillExecutionError as err:
        raise RenderError(
            f"{job.kommun}: {job.notebook.name} stannade i cell {err.exec_count} "
            f"med {err.ename}: {_first_line(err.evalue)}"
        ) from None
    except Exception as err:  # kernel start-up failures and the like
        raise RenderError(
            f"{job.kommun}: {job.notebook.name} kunde inte köras ({type(err).__name__}: "
            f"{_first_line(str(err))})."
        ) from None
    finally:
        if previous is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = previous
    title = f"{job.kommun} – {_title_of(job.notebook)}"
    write_text(notebook_to_html(nb, title=title, nav=_nav_links(job)), job.html_path)
    return job.html_path


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _ipc_kernel_manager() -> type:
    """An AsyncKernelManager that uses the IPC transport (no TCP ports to collide on)."""

    class IpcKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            # Without a connection file yet, jupyter_client names every socket "kernel-ipc" in
            # the working folder, so parallel kernels would share sockets; give each its own.
            return os.path.join(tempfile.gettempdir(), f"isuwork-kernel-{uuid.uuid4().hex[:16]}")

    return IpcKernelManager


def notebook_to_html(nb: Any, *, title: str, nav: str = "") -> str:
    """Convert an executed notebook to one self-contained HTML page without code cells.

    nbconvert's ``basic`` template gives the cells' HTML without the page around it (the full
    templates load scripts from the internet); the page, its style and the footer are ours.
    Widget views are left out: their content lives only in a live session.
    """
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True)
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    body = re.sub(r"<script[^>]*>.*?</script>", "", body, flags=re.DOTALL)
    return _PAGE.format(title=html.escape(title), nav=nav, body=body, footer=html.escape(_FOOTER))


def _title_of(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def _nav_links(job: RenderJob) -> str:
    return '<a href="../index.html">Alla rapporter</a>'


def write_index(jobs: Sequence[RenderJob], *, out_dir: Path, done: set[Path]) -> Path:
    """Write ``index.html`` listing every kommun's pages (runs not in ``done`` marked failed)."""
    by_kommun: dict[str, list[RenderJob]] = {}
    for job in jobs:
        by_kommun.setdefault(job.kommun, []).append(job)
    parts = ["<h1>Rapporter: jämställdhetsintegrerad analys av ISU</h1>"]
    for kommun in sorted(by_kommun):
        parts.append(f"<h2>{html.escape(kommun)}</h2><ul>")
        for job in by_kommun[kommun]:
            rel = job.html_path.relative_to(out_dir).as_posix()
            label = html.escape(_title_of(job.notebook))
            if job.html_path not in done:
                parts.append(f"<li>{label} (kunde inte skapas)</li>")
            else:
                parts.append(f'<li><a href="{html.escape(rel)}">{label}</a></li>')
        parts.append("</ul>")
    page = _PAGE.format(
        title="Rapporter", nav="", body="\n".join(parts), footer=html.escape(_FOOTER)
    )
    return write_text(page, out_dir / "index.html")


def reports_parameters(
    *,
    data: str | os.PathLike[str],
    mapping: str | os.PathLike[str] | None = None,
    min_n: int = 5,
    journal_dir: str | os.PathLike[str] = "journal",
) -> dict[str, Any]:
    """Notebook parameters for a batch run, with paths made absolute.

    Notebooks run with their own folder as working directory, so paths given relative to where
    the command was started must be resolved first.
    """
    if not Path(data).exists():
        raise ParameterError(f"Datafilen {data} finns inte. Kontrollera sökvägen.")
    if mapping and not Path(mapping).exists():
        raise ParameterError(f"Mappningsfilen {mapping} finns inte. Kontrollera sökvägen.")
    return {
        "data": str(Path(data).resolve()),
        "mapping": str(Path(mapping).resolve()) if mapping else "",
        "min_n": int(min_n),
        "journal_dir": str(Path(journal_dir).resolve()),
    }
