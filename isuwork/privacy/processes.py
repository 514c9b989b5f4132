"""Functions run in a separate Python process, for work that splits into independent parts
(screening and protecting many kommuner at once).

A job is a fresh interpreter (``python -m isuwork.privacy.processes``) that reads its arguments from a
temporary pickle file (written by this process, in a folder only this user can read) and writes
the result back the same way. Unlike :mod:`multiprocessing`, it never imports the caller's
script again (a script without ``if __name__ == "__main__"`` would run twice) and never forks a
process that may hold threads (a notebook kernel does), so it behaves the same in notebooks,
scripts and the command line.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from isuwork.exceptions import ParameterError

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def worker_count(workers: int | None, size: int, threshold: int) -> int:
    """How many processes to use: ``workers`` when given (a positive integer), else every core
    available when ``size`` reaches ``threshold``, else one.

    Raises
    ------
    ParameterError
        ``workers`` is not a positive integer.
    """
    if workers is not None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ParameterError(f"workers ska vara ett positivt heltal, inte {workers!r}.")
        return workers
    if size < threshold:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def part_of(sizes: np.ndarray, parts: int, *, head_start: float = 0) -> np.ndarray:
    """For items of the given ``sizes`` taken in order, the part (0 … ``parts``−1) each goes to,
    cut where the running size passes each part's share: the first part ``head_start`` larger
    than the others (a worker process takes a while to start), which are of about equal size.
    ``parts`` is at least 2."""
    total = sizes.sum()
    first = min((total + (parts - 1) * head_start) / parts, total)
    done = np.cumsum(sizes) - sizes
    rest = np.maximum(done - first, 0) * (parts - 1) / max(total - first, 1)
    return np.where(done < first, 0, 1 + np.minimum(rest.astype(np.int64), parts - 2))


class JobError(RuntimeError):
    """A job's process failed; the message holds the end of its error output."""


class Job:
    """``function(**arguments)`` started in another process; :meth:`result` waits for it.

    Parameters
    ----------
    function
        ``"module:name"`` of an importable function.
    arguments
        Its keyword arguments (anything that pickles: arrays, data frames …).
    """

    def __init__(self, function: str, /, **arguments: Any):
        self._dir = tempfile.TemporaryDirectory(prefix="isuwork-")
        folder = Path(self._dir.name)
        with open(folder / "in.pickle", "wb") as file:
            pickle.dump(arguments, file, protocol=pickle.HIGHEST_PROTOCOL)
        # the child finds isuwork where this process found it, installed or not
        path = os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "isuwork.privacy.processes", function, str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )

    def result(self) -> Any:
        """Wait for the process and return what the function returned.

        Raises
        ------
        JobError
            The process ended with an error.
        """
        try:
            _, errors = self._process.communicate()
            if self._process.returncode != 0:
                tail = errors.decode(errors="replace").strip().splitlines()[-5:]
                raise JobError("\n".join(tail) or f"exit code {self._process.returncode}")
            with open(Path(self._dir.name) / "out.pickle", "rb") as file:
                return pickle.load(file)
        finally:
            self._dir.cleanup()


def run_parts(function: Callable[..., Any], parts: list[dict[str, Any]]) -> list[Any]:
    """``function(**part)`` for every part at once: the first in this process, the others each
    in a :class:`Job`; a part whose process fails is run here instead, with a warning (slower,
    same result). ``function`` must be importable by its module and name."""
    name = f"{function.__module__}:{function.__qualname__}"
    # every job's arguments are written before the first part runs (it may change its arrays)
    jobs = [Job(name, **part) for part in parts[1:]]
    results = [function(**parts[0])]
    for part, job in zip(parts[1:], jobs, strict=True):
        try:
            results.append(job.result())
        except JobError as error:
            warnings.warn(
                f"En del av beräkningen kunde inte köras i en egen process ({error}); den körs "
                "i stället här, vilket tar längre tid men ger samma resultat.",
                RuntimeWarning,
                stacklevel=3,
            )
            results.append(function(**part))
    return results


def _run(function: str, folder: Path) -> None:
    module, name = function.split(":")
    call = getattr(importlib.import_module(module), name)
    with open(folder / "in.pickle", "rb") as file:
        arguments = pickle.load(file)
    result = call(**arguments)
    with open(folder / "out.pickle", "wb") as file:
        pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    _run(sys.argv[1], Path(sys.argv[2]))
