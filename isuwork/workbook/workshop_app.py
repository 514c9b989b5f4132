"""The workshop in a browser without code: the workspace's step notebooks served by Voilà.

``isuwork workshop [MAPP]`` starts Voilà on a local port in a workspace made by ``isuwork init``.
Its start page lists the steps by their headings; each opens as its own page, with the code
cells left out and the widgets live, running in the workspace so that the notebooks read its
``arbetsbok.yaml`` and save to its journal, as in JupyterLab.

Every page a participant sees is in Swedish. Voilà is given its own template,
``isuwork_workshop`` (in ``jupyter_data/``, shipped with the package), which Voilà finds on
``JUPYTER_PATH``; it extends Voilà's "lab" template and replaces the start page, the loading
text, the error pages and the note on a failed cell. The start page lists only the steps: the
private ``data/`` folder, the journal, the reports and the exercises are hidden from Voilà's
listings. What the template needs from the workspace (the kommun, the steps' headings) goes to
Voilà in a config file, ``voila.json``, written for the time Voilà runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from isuwork.exceptions import ParameterError
from isuwork.workbook.workspace import FOLDERS, SETTINGS_FILE, read_workbook

#: Voilà's default port.
DEFAULT_PORT = 8866
#: The name of the workshop's Voilà template.
TEMPLATE = "isuwork_workshop"
#: A Jupyter data folder holding the template, put first on ``JUPYTER_PATH`` for Voilà. The
#: template lies under ``nbconvert/templates/``, where Voilà also looks for templates, and not
#: under ``voila/templates/``: the first ``voila/`` folder on the path becomes Voilà's data
#: folder, where it looks for its themes.
JUPYTER_DATA = Path(__file__).with_name("jupyter_data")
#: A step of the workshop: a notebook in the workspace's top folder named ``NN_…``.
STEP = re.compile(r"\d\d_.+\.ipynb")
#: What Voilà lists of a workspace: the steps, never the private data, the journal, the
#: reports or the exercises (which use the sample data and hold the teacher's key). The first
#: five are the default of Jupyter's contents manager, which this list replaces.
HIDDEN = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", *FOLDERS, "ovningar"]


def _workspace(folder: str | os.PathLike[str]) -> Path:
    workspace = Path(folder).resolve()
    if not (workspace / SETTINGS_FILE).is_file():
        raise ParameterError(
            f"{workspace} är ingen arbetsmapp (där finns ingen {SETTINGS_FILE}). Skapa en med "
            "isuwork init MAPP --data FIL --kommun KOMMUN och starta sedan isuwork workshop MAPP."
        )
    return workspace


def step_titles(folder: str | os.PathLike[str]) -> dict[str, str]:
    """The workspace's steps in order: file name to the notebook's first heading.

    A step without a heading (or that cannot be read) is titled by its file name.
    """
    titles = {}
    for path in sorted(Path(folder).glob("*.ipynb")):
        if not STEP.fullmatch(path.name):
            continue
        try:
            cells = nbformat.read(path, as_version=4).cells
        except (OSError, ValueError):
            cells = []
        headings = [
            cell.source.splitlines()[0][2:].strip()
            for cell in cells
            if cell.cell_type == "markdown" and cell.source.startswith("# ")
        ]
        titles[path.name] = headings[0] if headings else path.stem
    return titles


def voila_config(folder: str | os.PathLike[str]) -> dict:
    """Voilà's settings for a workshop in a workspace, as the contents of a ``voila.json``.

    Jupyter's contents manager hides ``HIDDEN`` from every listing; the template's start page
    gets the kommun and the steps as ``workshop`` (a Jinja variable, through the
    ``jinja_template_vars`` of ``Voila.tornado_settings``).

    Raises
    ------
    ParameterError
        When ``folder`` is not a workspace, or its settings file cannot be read.
    """
    workspace = _workspace(folder)
    kommun = read_workbook(workspace / SETTINGS_FILE).kommun
    workshop = {"kommun": kommun, "steg": step_titles(workspace)}
    return {
        "ContentsManager": {"hide_globs": HIDDEN},
        "Voila": {"tornado_settings": {"jinja_template_vars": {"workshop": workshop}}},
    }


def voila_environment() -> dict[str, str]:
    """The environment Voilà runs in: this one, with the workshop's template on the path."""
    paths = [str(JUPYTER_DATA), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    return {**os.environ, "JUPYTER_PATH": os.pathsep.join(paths)}


def voila_command(
    folder: str | os.PathLike[str],
    *,
    port: int,
    browser: bool,
    config_dir: str | os.PathLike[str] | None = None,
) -> list[str]:
    """The Voilà command line that serves a workspace on ``127.0.0.1:port``.

    It runs in ``voila_environment()``, where the template is found. ``config_dir`` is a folder
    holding ``voila.json`` (see ``voila_config``), read instead of any other Voilà config;
    without it the start page lists the top folder's notebooks by file name.

    Raises
    ------
    ParameterError
        When ``folder`` is not a workspace (it has no settings file).
    """
    workspace = _workspace(folder)
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
        f"--template={TEMPLATE}",
        # the start page from the template (tree.html), not Voilà's JupyterLab file browser
        "--VoilaConfiguration.classic_tree=True",
        "--VoilaExporter.language_code=sv",
    ]
    if config_dir is not None:
        command.append(f"--Voila.config_file_paths={Path(config_dir).resolve()}")
    if not browser:
        command.append("--no-browser")
    return command


def serve(folder: str | os.PathLike[str], *, port: int = DEFAULT_PORT, browser: bool = True) -> int:
    """Serve a workspace with Voilà until Ctrl-C; the exit code of Voilà (0 when stopped)."""
    workspace = _workspace(folder)
    config = voila_config(workspace)
    with tempfile.TemporaryDirectory(prefix="isuwork-workshop-") as config_dir:
        (Path(config_dir) / "voila.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
        command = voila_command(workspace, port=port, browser=browser, config_dir=config_dir)
        print(
            f"Workshopen körs på http://127.0.0.1:{port}/ (öppna steg 1 där). Stäng av med Ctrl-C.",
            flush=True,
        )
        process = subprocess.Popen(command, cwd=workspace, env=voila_environment())
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            process.wait()
            print("Workshopen är avslutad. Journalen är sparad i arbetsmappen.")
            return 0
