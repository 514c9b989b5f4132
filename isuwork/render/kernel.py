"""A warm kernel: one Jupyter kernel that executes many notebooks, one after another.

Starting a kernel and importing pandas, statsmodels, matplotlib and isuwork takes seconds, far
more than one kommun's page once the data is prepared. A :class:`WarmKernel` starts its kernel
once and runs notebook after notebook in it with nbclient, after papermill has put each job's
parameters into the notebook. Before each notebook the kernel's namespace is wiped
(``%reset -f``, which also empties the output history), open figures are closed and the working
folder is set, so a page sees nothing of the previous one except modules already imported.

When a notebook fails in a way that may leave the kernel unusable (a timeout, a dead kernel,
anything but an ordinary error in a cell) the kernel is shut down and the next notebook gets a
new one.

Kernels talk over the IPC transport: with several workers, TCP kernels occasionally collide on
ports (papermill issue 511).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook
from traitlets import default

#: Charts reach the page only with the inline backend; a headless MPLBACKEND such as Agg
#: (common in test and CI set-ups) would be inherited by the kernel otherwise.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

#: The run's parallelism is its workers, one kernel each, as many as the cores; a kernel's
#: numerical libraries use one thread (unless the environment says otherwise), so that their
#: threads do not compete for the cores with the other workers' kernels.
ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}

_RESET = """\
%reset -f
import gc as _gc, os as _os, sys as _sys
import matplotlib.pyplot as _plt
_plt.close("all")
_plt.uninstall_repl_displayhook()
_os.chdir({cwd!r})
if "isuwork" in _sys.modules and not _gc.get_freeze_count():
    _gc.freeze()
del _gc, _os, _sys, _plt
"""
# ``%reset -f`` runs a full garbage collection, which walks every object of pandas, statsmodels
# and matplotlib: most of a second per page. Once the first page has imported them, and right
# after a reset (so no page's data is among them), the objects alive are frozen out of later
# collections (``gc.freeze``); a page's own objects are still collected as usual.
# pyplot's own hook after each cell draws every changed figure once more before the inline
# backend draws it again for the page: a wasted full draw of each chart, about a tenth of a
# kommun's time. The inline backend's hook alone puts the figures on the page.


class _IpcKernelManager(AsyncKernelManager):
    """An AsyncKernelManager that uses the IPC transport (no TCP ports to collide on)."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        # Without a connection file yet, jupyter_client names every socket "kernel-ipc" in the
        # working folder, so parallel kernels would share sockets; give each its own.
        return os.path.join(tempfile.gettempdir(), f"isuwork-kernel-{uuid.uuid4().hex[:16]}")


class WarmKernel:
    """A Python kernel kept alive across notebooks.

    Parameters
    ----------
    kernel_name
        The Jupyter kernel to start.
    """

    def __init__(self, kernel_name: str = "python3") -> None:
        self.kernel_name = kernel_name
        self._km: AsyncKernelManager | None = None
        self._kc: Any = None
        self.started = 0  # kernels started so far (a replaced kernel counts again)

    def run(
        self, notebook: Path, parameters: dict[str, Any], *, timeout: int = 900
    ) -> nbformat.NotebookNode:
        """Execute ``notebook`` with ``parameters`` and return the executed notebook.

        Raises
        ------
        CellExecutionError
            When a cell raises; the kernel stays usable.
        Exception
            Anything else (a timeout, a dead kernel); the kernel is shut down first, and the
            next call starts a new one.
        """
        nb = load_notebook_node(str(notebook))  # papermill's reader: every cell gets its tags
        nb = parameterize_notebook(nb, parameters, report_mode=False)
        cwd = str(notebook.parent)
        try:
            self._execute(_reset_notebook(cwd), cwd=cwd, timeout=60)
            return self._execute(nb, cwd=cwd, timeout=timeout)
        except CellExecutionError as err:
            err.cell = _failed_cell(nb)  # type: ignore[attr-defined]
            raise
        except BaseException:
            self.shutdown()
            raise

    def _execute(
        self, nb: nbformat.NotebookNode, *, cwd: str, timeout: int
    ) -> nbformat.NotebookNode:
        if self._km is None:
            self._km = _IpcKernelManager(kernel_name=self.kernel_name)
            self.started += 1
        client = NotebookClient(
            nb,
            km=self._km,
            timeout=timeout,
            kernel_name=self.kernel_name,
            resources={"metadata": {"path": cwd}},
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
        )
        client.kc = self._kc
        env = {**ONE_THREAD, **os.environ, "MPLBACKEND": INLINE_BACKEND}
        try:
            return client.execute(cwd=cwd, env=env)
        finally:
            self._kc = client.kc

    def shutdown(self) -> None:
        """Stop the kernel (if any); the next :meth:`run` starts a new one."""
        km, kc = self._km, self._kc
        self._km = self._kc = None
        if kc is not None:
            with contextlib.suppress(Exception):  # the channels may already be gone
                kc.stop_channels()
        if km is not None:
            with contextlib.suppress(Exception):  # a dead kernel cannot be shut down again
                run_sync(km.shutdown_kernel)(now=True)


def _reset_notebook(cwd: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(_RESET.format(cwd=cwd))]
    return nb


def _failed_cell(nb: nbformat.NotebookNode) -> int | None:
    """The execution count of the cell that raised, as shown beside it in Jupyter."""
    for cell in nb.cells:
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return cell.get("execution_count")
    return None


def failure_message(job_label: str, err: BaseException) -> str:
    """A one-line Swedish message for a notebook that failed."""
    if isinstance(err, CellExecutionError):
        where = f" i cell {err.cell}" if getattr(err, "cell", None) else ""
        return f"{job_label} stannade{where} med {err.ename}: {_first_line(err.evalue)}"
    if isinstance(err, CellTimeoutError):
        return f"{job_label} tog för lång tid (en cell överskred tidsgränsen) och avbröts."
    if isinstance(err, DeadKernelError):
        return f"{job_label} avbröts: kärnan som körde den dog. En ny kärna startades."
    return f"{job_label} kunde inte köras ({type(err).__name__}: {_first_line(str(err))})."


def _first_line(text: str) -> str:
    text = (text or "").strip()
    return text.splitlines()[0] if text else ""
