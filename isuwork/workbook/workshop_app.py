"""The workshop in a browser without code: the workspace's step notebooks served by Voilà.

``isuwork workshop [MAPP]`` starts Voilà on a local port in a workspace made by ``isuwork init``.
Its start page lists the steps; each opens as its own page, with the code cells left out and
the widgets live, running in the workspace so that the notebooks read its ``arbetsbok.yaml``
and save to its journal, as in JupyterLab.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from isuwork.exceptions import ParameterError
from isuwork.workbook.workspace import SETTINGS_FILE

#: Voilà's default port.
DEFAULT_PORT = 8866


def voila_command(folder: str | os.PathLike[str], *, port: int, browser: bool) -> list[str]:
    """The Voilà command line that serves a workspace on ``127.0.0.1:port``.

    Raises
    ------
    ParameterError
        When ``folder`` is not a workspace (it has no settings file).
    """
    workspace = Path(folder).resolve()
    if not (workspace / SETTINGS_FILE).is_file():
        raise ParameterError(
            f"{workspace} är ingen arbetsmapp (där finns ingen {SETTINGS_FILE}). Skapa en med "
            "isuwork init MAPP --data FIL --kommun KOMMUN och starta sedan isuwork workshop MAPP."
        )
    command = [
        sys.executable,
        "-m",
        "voila",
        str(workspace),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
    ]
    if not browser:
        command.append("--no-browser")
    return command


def serve(folder: str | os.PathLike[str], *, port: int = DEFAULT_PORT, browser: bool = True) -> int:
    """Serve a workspace with Voilà until Ctrl-C; the exit code of Voilà (0 when stopped)."""
    command = voila_command(folder, port=port, browser=browser)
    print(
        f"Workshopen körs på http://127.0.0.1:{port}/ (öppna steg 1 där). Stäng av med Ctrl-C.",
        flush=True,
    )
    process = subprocess.Popen(command, cwd=Path(folder).resolve())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
        print("Workshopen är avslutad. Journalen är sparad i arbetsmappen.")
        return 0
