"""A report run: every page of every kommun, on warm kernels, resumable, one failure at a time.

The run prepares the export once (:func:`isuwork.data.store.prepare_once`), checks the kommun
names against it before any kernel starts, and skips every page whose inputs have not changed
since the last run (:mod:`isuwork.render.manifest`). The remaining pages are shared among worker
processes, each of which keeps one warm kernel (:mod:`isuwork.render.kernel`) and writes its
pages atomically. A page that fails is listed with a Swedish message; the others go on.
"""

from __future__ import annotations

import ast
import contextlib
import multiprocessing.util
import os
import signal
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from papermill import inspect_notebook
from tqdm.auto import tqdm

from isuwork import __version__
from isuwork.data.io import write_text
from isuwork.data.store import Store, is_store, open_store, prepare_once
from isuwork.domain.formatting import format_number
from isuwork.domain.vocabulary import DEFAULT_MIN_N
from isuwork.exceptions import IsuworkError, ParameterError
from isuwork.render.bundle import bundle_paths, write_bundle
from isuwork.render.jobs import DEFAULT_NOTEBOOKS, RenderJob, plan_jobs
from isuwork.render.kernel import WarmKernel, failure_message
from isuwork.render.manifest import Manifest
from isuwork.render.page import html_page, notebook_body, title_of, write_index
from isuwork.workbook.results import prepare_screening_lists


@dataclass
class RenderSummary:
    """What a rendering run produced: pages, failures with Swedish messages, time taken."""

    out_dir: Path
    pages: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    reused: int = 0
    index: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every page was made."""
        return not self.failures

    def to_text(self) -> str:
        """A Swedish summary for the command line."""
        made = len(self.pages) - self.reused
        pages = "rapportsida" if made == 1 else "rapportsidor"
        lines = [f"{made} {pages} skrevs till {self.out_dir} på {self.seconds:.0f} s."]
        if self.reused:
            done = "sida var redan gjord" if self.reused == 1 else "sidor var redan gjorda"
            lines.append(
                f"{self.reused} {done} med samma data och inställningar och gjordes inte om."
            )
        if self.index:
            lines.append(f"Startsida: {self.index}")
        if self.failures:
            many = "sida" if len(self.failures) == 1 else "sidor"
            lines.append(f"{len(self.failures)} {many} kunde inte skapas:")
            lines.extend(f"  - {msg}" for msg in self.failures)
        return "\n".join(lines)


def render_reports(
    kommuner: Sequence[str] | None,
    *,
    out_dir: str | os.PathLike[str] = "reports",
    notebooks: Sequence[str | Path] = DEFAULT_NOTEBOOKS,
    parameters: Mapping[str, Any] | None = None,
    workers: int = 2,
    timeout: int = 900,
    progress: bool = True,
    notebook_dir: Path | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    force: bool = False,
    pdf: bool = True,
) -> RenderSummary:
    """Execute the workbook for each kommun and write HTML reports plus an index page.

    Parameters
    ----------
    kommuner
        The kommuner to make reports for, matched against the data regardless of case; ``None``
        or empty means every kommun in the data.
    out_dir
        Folder for the reports: ``<out_dir>/<kommun>/<notebook>.html``, each kommun's PDF and
        Excel workbook beside them, ``index.html`` and ``manifest.json``.
    notebooks
        Notebook file names (in ``notebook_dir``, by default the workbook that comes with
        isuwork) or paths, in report order.
    parameters
        Notebook parameters for every run (``data``, ``mapping``, ``min_n``, ``journal_dir`` …).
        An export given as ``data`` is prepared once into a store and every page reads its
        kommun from there.
    workers
        Worker processes, each with one warm kernel.
    timeout
        Longest time in seconds one cell may run.
    progress
        Show a progress bar over the pages, with the kommun and the time left.
    notebook_dir
        Where notebook names are looked up.
    cache_dir
        Where prepared stores are kept (default: ``.isuwork`` next to the export).
    force
        Make every page again, even those whose inputs have not changed.
    pdf
        Write each kommun's PDF of its pages beside its Excel workbook of their tables
        (:mod:`isuwork.render.bundle`); the PDF takes about as long as two pages.

    Returns
    -------
    RenderSummary
        Pages and failures; a failed page does not stop the others.

    Raises
    ------
    ParameterError
        Before anything is written: a kommun that is not in the data (with the nearest names),
        a missing file or notebook, fewer than one worker.
    """
    if workers < 1:
        raise ParameterError(f"workers måste vara minst 1, men var {workers}.")
    start = time.perf_counter()
    out = Path(out_dir)
    params = dict(parameters or {})
    if cache_dir is not None and Path(cache_dir).resolve().is_relative_to(out.resolve()):
        raise ParameterError(
            f"Den förberedda datan ({cache_dir}) får inte ligga i rapportmappen {out}: den "
            "innehåller uppgifter på individnivå, och rapportmappen är till för att delas. "
            "Välj en annan mapp."
        )
    store = _prepared_store(params, cache_dir=cache_dir)
    if store is not None:
        params["data"], params["mapping"] = str(store.path.resolve()), ""
        kommuner = [store.resolve(k) for k in kommuner] if kommuner else list(store.kommuner)
    jobs = plan_jobs(
        list(kommuner or []),
        out_dir=out,
        notebooks=notebooks,
        parameters=params,
        notebook_dir=notebook_dir,
    )
    manifest = Manifest.open(out)
    keys = {id(job): job.key() for job in jobs}
    todo = [job for job in jobs if force or not manifest.is_current(job, keys[id(job)])]
    summary = RenderSummary(out_dir=out, reused=len(jobs) - len(todo))
    settings = _settings(params, store)
    groups = _groups(jobs, todo, keys, manifest, pdf=pdf, force=force)
    if store is not None and todo:
        try:
            _prepare_screening(store, todo, params, progress=progress)
        except IsuworkError as err:
            # only a head start: each page makes its own list, and a kommun whose rows
            # cannot be read fails alone
            tqdm.write(
                f"Steg 1:s listor kunde inte göras i förväg ({err}); sidorna gör dem själva.",
                file=sys.stderr,
            )
    failed: dict[Path, str] = {}
    bar = tqdm(
        total=len(jobs), initial=summary.reused, desc="Rapporter", unit="sida", disable=not progress
    )
    try:
        for group, outcomes, bundle in _execute(
            groups, workers=workers, timeout=timeout, settings=settings
        ):
            for job, (error, seconds) in zip(group.todo, outcomes, strict=True):
                manifest.record(job, keys[id(job)], error=error, seconds=seconds)
                if error is not None:
                    failed[job.html_path] = error
                bar.set_postfix_str(job.kommun, refresh=False)
                bar.update(1)
            if bundle == BUNDLE_MADE:
                manifest.record_bundle(group.kommun, group.bundle_key, error=None)
            elif bundle != BUNDLE_SKIPPED:
                manifest.record_bundle(group.kommun, group.bundle_key, error=bundle)
            elif group.bundle_key is not None:
                # a page of it failed: an older PDF or workbook would no longer match the pages
                manifest.forget_bundle(group.kommun)
                for path in bundle_paths(group.kommun, group.jobs[0].html_path.parent):
                    path.unlink(missing_ok=True)
    finally:
        bar.close()
        # after Ctrl-C, pages not (re)made are marked as such, not linked as if they were
        unmade = {
            job.html_path: f"{_label(job)}: inte gjord, körningen avbröts."
            for job in jobs
            if job.html_path not in failed and not manifest.is_current(job, keys[id(job)])
        }
        folders = _folders(jobs)
        made_bundles = {
            kommun: _bundle_files(kommun, folder, pdf=pdf)
            for kommun, folder in folders.items()
            if manifest.bundle_ok(kommun, _bundle_key(jobs, kommun, keys, pdf=pdf))
            and all(path.is_file() for path in _bundle_files(kommun, folder, pdf=pdf))
        }
        bundle_failures = {
            kommun: message
            for kommun, message in manifest.bundle_failures().items()
            if kommun in folders
        }
        summary.index = write_index(
            jobs,
            out_dir=out,
            failures={**failed, **unmade},
            settings=settings,
            bundles=made_bundles,
            bundle_failures=bundle_failures,
        )
    summary.pages = sorted(job.html_path for job in jobs if job.html_path not in failed)
    summary.failures = [failed[job.html_path] for job in jobs if job.html_path in failed]
    summary.failures += list(bundle_failures.values())
    summary.seconds = time.perf_counter() - start
    return summary


def _prepared_store(params: dict[str, Any], *, cache_dir: Any) -> Store | None:
    data = params.get("data")
    if not data:
        return None
    if is_store(data):
        return open_store(data)
    return prepare_once(data, mapping=params.get("mapping") or None, cache_dir=cache_dir)


def _prepare_screening(
    store: Store, todo: Sequence[RenderJob], params: Mapping[str, Any], *, progress: bool
) -> None:
    """Make step 1's screening lists of the kommuner to render in one pass, before the pages.

    The notebooks' own defaults fill in what the run does not set (``jamforelse`` …). Pages that
    take no ``jamforelse`` (the course notebooks) get none made for them.
    """
    defaults: dict[str, Any] = {}
    for notebook in dict.fromkeys(job.notebook for job in todo):
        for name, spec in inspect_notebook(str(notebook)).items():
            with contextlib.suppress(ValueError, SyntaxError):
                defaults.setdefault(name, ast.literal_eval(spec["default"]))
    effective = {**defaults, **params}
    if "jamforelse" not in effective:
        return
    prepare_screening_lists(
        store.path,
        sorted({job.kommun for job in todo}),
        min_n=int(effective.get("min_n", DEFAULT_MIN_N)),
        by=str(effective["jamforelse"]),
        verksamhet=str(effective.get("verksamhet") or ""),
        progress=progress,
    )


def _settings(params: Mapping[str, Any], store: Store | None) -> dict[str, str]:
    shown = {}
    if store is not None:
        shown["Data"] = f"{store.source} ({format_number(len(store.kommuner))} kommuner)"
    if "min_n" in params:
        shown["Minsta antal som visas"] = str(params["min_n"])
    if params.get("verksamhet"):
        shown["Verksamhet"] = str(params["verksamhet"])
    shown["isuwork"] = __version__
    shown["Gjord"] = time.strftime("%Y-%m-%d %H:%M")
    return shown


@dataclass
class _Group:
    """A kommun's share of the run: its pages to make, and whether its files are to be made."""

    kommun: str
    jobs: list[RenderJob]
    todo: list[RenderJob]
    bundle_key: str | None
    pdf: bool = True


def _folders(jobs: Sequence[RenderJob]) -> dict[str, Path]:
    return {job.kommun: job.html_path.parent for job in jobs}


def _bundle_key(
    jobs: Sequence[RenderJob], kommun: str, keys: Mapping[int, str], *, pdf: bool
) -> str:
    # the workbook and the PDF depend on nothing but the kommun's pages
    pages = "-".join(keys[id(job)] for job in jobs if job.kommun == kommun)
    return f"{pages}+pdf" if pdf else pages


def _bundle_files(kommun: str, folder: Path, *, pdf: bool) -> list[Path]:
    xlsx, document = bundle_paths(kommun, folder)
    return [xlsx, document] if pdf else [xlsx]


def _groups(
    jobs: Sequence[RenderJob],
    todo: Sequence[RenderJob],
    keys: Mapping[int, str],
    manifest: Manifest,
    *,
    pdf: bool,
    force: bool,
) -> list[_Group]:
    """The kommuner with something to do: pages to make, or a workbook and PDF out of date."""
    groups = []
    for kommun, folder in _folders(jobs).items():
        own = [job for job in jobs if job.kommun == kommun]
        own_todo = [job for job in todo if job.kommun == kommun]
        key = _bundle_key(jobs, kommun, keys, pdf=pdf)
        files = all(path.is_file() for path in _bundle_files(kommun, folder, pdf=pdf))
        stale = force or bool(own_todo) or not files or not manifest.bundle_ok(kommun, key)
        if own_todo or stale:
            groups.append(_Group(kommun, own, own_todo, key if stale else None, pdf))
    return groups


#: What became of a kommun's workbook and PDF: made, not made because a page failed, or why not.
BUNDLE_MADE, BUNDLE_SKIPPED = "made", "skipped"


def _execute(
    groups: Sequence[_Group], *, workers: int, timeout: int, settings: Mapping[str, str]
) -> Iterator[tuple[_Group, list[tuple[str | None, float]], str]]:
    """Run each kommun's pages on worker processes; yield its outcomes as it finishes.

    A kommun's pages go to one worker, in order, so that the later pages find what the first
    computed (the screening list, the criteria checks) in the prepared store, and its workbook
    and PDF are made there from the pages. A worker process that dies takes its kommun with
    it: the kommun is tried once more in a new pool, and its pages fail with a message if that
    happens again.
    """
    pending = list(groups)
    tries: dict[str, int] = {}
    while pending:
        with ProcessPoolExecutor(
            max_workers=min(workers, len(pending)), initializer=_init_worker
        ) as pool:
            futures: dict[Future[Any], _Group] = {
                pool.submit(_work, group, timeout, settings): group for group in pending
            }
            pending = []
            try:
                while futures:
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for future in done:
                        group = futures.pop(future)
                        try:
                            outcomes, bundle = future.result()
                        except BrokenProcessPool:
                            tries[group.kommun] = tries.get(group.kommun, 0) + 1
                            if tries[group.kommun] < 2:
                                pending.append(group)
                                continue
                            outcomes = [
                                (f"{_label(j)} avbröts: arbetsprocessen dog.", 0.0)
                                for j in group.todo
                            ]
                            bundle = BUNDLE_SKIPPED
                        yield group, outcomes, bundle
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise


_KERNEL: WarmKernel | None = None


def _init_worker() -> None:
    # Ctrl-C is the parent's to handle: it stops handing out pages and cancels the rest.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _KERNEL
    _KERNEL = WarmKernel()
    multiprocessing.util.Finalize(_KERNEL, _KERNEL.shutdown, exitpriority=10)


def _work(
    group: _Group, timeout: int, settings: Mapping[str, str]
) -> tuple[list[tuple[str | None, float]], str]:
    outcomes: list[tuple[str | None, float]] = []
    for job in group.todo:
        start = time.perf_counter()
        try:
            render_one(job, kernel=_KERNEL, timeout=timeout)
        except Exception as err:
            outcomes.append((failure_message(_label(job), err), time.perf_counter() - start))
        else:
            outcomes.append((None, time.perf_counter() - start))
    if group.bundle_key is None or any(error is not None for error, _ in outcomes):
        return outcomes, BUNDLE_SKIPPED
    try:
        write_bundle(group.kommun, group.jobs, settings=settings, pdf=group.pdf)
    except Exception as err:
        return outcomes, f"{group.kommun}: Excel-filen eller PDF:en kunde inte skapas: {err}"
    return outcomes, BUNDLE_MADE


def _label(job: RenderJob) -> str:
    return f"{job.kommun}: {job.notebook.name}"


def render_one(job: RenderJob, *, kernel: WarmKernel | None = None, timeout: int = 900) -> Path:
    """Execute one notebook and write its HTML page (no code, offline) and executed copy.

    Both files are written atomically: an interrupted run leaves the old page or none.
    """
    own = kernel is None
    kernel = WarmKernel() if kernel is None else kernel
    try:
        nb = kernel.run(job.notebook, job.parameters, timeout=timeout)
    finally:
        if own:
            kernel.shutdown()
    write_text(nbformat.writes(nb), job.ipynb_path)
    title = f"{job.kommun} – {title_of(job.notebook)}"
    nav = '<a href="../index.html">Alla rapporter</a>'
    return write_text(html_page(title=title, nav=nav, body=notebook_body(nb)), job.html_path)
