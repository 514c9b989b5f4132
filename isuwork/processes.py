"""Functions of numpy arrays run in a separate Python process, for work that splits into
independent parts (the small-number protection of many kommuner at once).

A job is a fresh interpreter (``python -m isuwork.processes``) that reads its arrays from a
temporary ``.npz`` file and writes the result array back. Unlike :mod:`multiprocessing`, it
never imports the caller's script again (a script without ``if __name__ == "__main__"`` would
run twice) and never forks a process that may hold threads (a notebook kernel does), so it
behaves the same in notebooks, scripts and the command line.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


class JobError(RuntimeError):
    """A job's process failed; the message holds the end of its error output."""


class ArrayJob:
    """``function(**arrays, **options)`` started in another process; :meth:`result` waits.

    Parameters
    ----------
    function
        ``"module:name"`` of a function returning one numpy array.
    arrays
        Numpy arrays passed by name (written to a temporary file).
    options
        Other keyword arguments; they must be JSON values.
    """

    def __init__(self, function: str, arrays: dict[str, np.ndarray], **options: object):
        self._dir = tempfile.TemporaryDirectory(prefix="isuwork-")
        folder = Path(self._dir.name)
        np.savez(folder / "in.npz", **arrays)
        (folder / "options.json").write_text(json.dumps(options), encoding="utf-8")
        # the child finds isuwork where this process found it, installed or not
        path = os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "isuwork.processes", function, str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )

    def result(self) -> np.ndarray:
        """Wait for the process and return its array.

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
            return np.load(Path(self._dir.name) / "out.npy")
        finally:
            self._dir.cleanup()


def _run(function: str, folder: Path) -> None:
    module, name = function.split(":")
    call = getattr(importlib.import_module(module), name)
    with np.load(folder / "in.npz") as stored:
        arrays = {key: stored[key] for key in stored.files}
    options = json.loads((folder / "options.json").read_text(encoding="utf-8"))
    np.save(folder / "out.npy", call(**arrays, **options))


if __name__ == "__main__":
    _run(sys.argv[1], Path(sys.argv[2]))
