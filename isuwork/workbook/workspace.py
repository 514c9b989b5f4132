"""A workshop's own folder: the notebooks, one settings file, the journal, reports, private data.

``isuwork init MAPP --data FIL --kommun K`` makes::

    MAPP/arbetsbok.yaml      the export, its mapping, the kommun, the threshold
    MAPP/00_kom_igang.ipynb  the workbook's notebooks, their parameters left empty
    MAPP/ovningar/           the exercises (they use the sample data, as shipped)
    MAPP/journal/            the group's reflection journal
    MAPP/reports/            pages to share
    MAPP/data/               the prepared export: person-level, private, never shared

A notebook whose parameters are left empty takes them from the ``arbetsbok.yaml`` of its own
folder or a folder above it (:func:`from_workbook`), so the group names its export and kommun
once instead of in every notebook. The prepared data goes to ``data/``, never to ``reports/``.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from isuwork.data.store import prepare_once
from isuwork.domain.shipped import notebook_dir, sample_dir
from isuwork.domain.vocabulary import DEFAULT_MIN_N
from isuwork.exceptions import ParameterError
from isuwork.privacy.primary import check_min_n

#: The settings file of a workspace.
SETTINGS_FILE = "arbetsbok.yaml"
#: The folders of a workspace, and what each is for (written into the settings file).
FOLDERS = {
    "journal": "gruppens reflektionsjournal",
    "reports": "rapporter att dela",
    "data": "den förberedda exporten: uppgifter om enskilda, delas aldrig",
}
#: Parameters a workspace notebook leaves empty (an empty string, or 0 for the threshold).
EMPTY = {"data": "", "mapping": "", "kommun": "", "journal_dir": "", "min_n": 0, "spara_som": ""}
#: How the shipped exercises name the sample data's folder (relative to themselves).
SAMPLE_FROM_EXERCISES = "../../data/sample/"
#: How the shipped step notebooks name it.
SAMPLE_FROM_STEPS = "../data/sample/"
#: Folders above a notebook searched for the settings file.
SEARCH_DEPTH = 3


@dataclass(frozen=True)
class Workbook:
    """A workspace's settings, with paths made absolute."""

    folder: Path
    data: Path
    mapping: Path | None
    kommun: str
    min_n: int

    @property
    def journal_dir(self) -> Path:
        """Where the group's journal is kept."""
        return self.folder / "journal"

    @property
    def private_dir(self) -> Path:
        """Where prepared, person-level data is kept."""
        return self.folder / "data"

    def prepared(self) -> Path:
        """The prepared export in the workspace's private folder (prepared now if needed)."""
        return prepare_once(self.data, mapping=self.mapping, cache_dir=self.private_dir).path


def create_workspace(
    folder: str | os.PathLike[str],
    *,
    data: str | os.PathLike[str],
    kommun: str,
    mapping: str | os.PathLike[str] | None = None,
    min_n: int = DEFAULT_MIN_N,
) -> Workbook:
    """Make a workspace for one kommun (see the module's description).

    The export is prepared once into ``data/`` and the kommun looked up in it before anything
    else is written: a kommun that is not in the data gives a Swedish error naming the nearest
    ones, and leaves no folder behind.

    Raises
    ------
    ParameterError
        When the folder already holds a workspace, a file is missing, the threshold is not a
        whole number of at least 1, or the kommun is not in the data.
    """
    check_min_n(min_n)
    target = Path(folder)
    if (target / SETTINGS_FILE).exists():
        raise ParameterError(
            f"{target} är redan en arbetsmapp (där finns {SETTINGS_FILE}). Välj en ny mapp, "
            f"eller ändra {SETTINGS_FILE} där."
        )
    source = Path(data).resolve()
    key = Path(mapping).resolve() if mapping else None
    made = not target.exists()
    try:
        store = prepare_once(source, mapping=key, cache_dir=target / "data")
        workbook = Workbook(target.resolve(), source, key, store.resolve(kommun), min_n)
        _write(workbook)
    except BaseException:
        if made:
            shutil.rmtree(target, ignore_errors=True)
        raise
    return workbook


def _write(workbook: Workbook) -> None:
    folder = workbook.folder
    for name in FOLDERS:
        (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / "data" / ".gitignore").write_text("*\n", encoding="utf-8")
    settings = {
        "data": str(workbook.data),
        "mapping": str(workbook.mapping or ""),
        "kommun": workbook.kommun,
        "min_n": workbook.min_n,
        "mappar": FOLDERS,
    }
    header = (
        "# Arbetsbokens inställningar. Anteckningsböckerna i mappen läser dem när deras "
        "parametrar är tomma.\n"
    )
    text = header + yaml.safe_dump(settings, allow_unicode=True, sort_keys=False)
    (folder / SETTINGS_FILE).write_text(text, encoding="utf-8")
    shipped = notebook_dir()
    sample = sample_dir().as_posix()
    for path in sorted(shipped.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        _empty_parameters(nb)
        for cell in nb.cells:  # the case review's teaching set, wherever the workspace lies
            cell.source = cell.source.replace(SAMPLE_FROM_STEPS, f"{sample}/")
        nbformat.write(nb, folder / path.name)
    # the exercises use the sample data wherever the workspace lies
    (folder / "ovningar").mkdir(exist_ok=True)
    for path in sorted((shipped / "ovningar").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            cell.source = cell.source.replace(SAMPLE_FROM_EXERCISES, f"{sample}/")
        nbformat.write(nb, folder / "ovningar" / path.name)


def _empty_parameters(nb: nbformat.NotebookNode) -> None:
    """Leave a notebook's workspace parameters empty, so that it reads the settings file."""
    for cell in nb.cells:
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        lines = []
        for line in cell.source.splitlines():
            name = line.split(":", 1)[0].strip()
            if name in EMPTY and "=" in line:
                annotation = line.split("=", 1)[0].rstrip()
                note = line.split("#", 1)[1].strip() if "#" in line else ""
                lines.append(
                    f"{annotation} = {json.dumps(EMPTY[name])}  # tom: från {SETTINGS_FILE}"
                    + (f"; {note}" if note else "")
                )
            else:
                lines.append(line)
        cell.source = "\n".join(lines)


def find_workbook(start: str | os.PathLike[str] | None = None) -> Workbook | None:
    """The workspace whose settings file is in ``start`` (default: the current folder) or in
    one of the folders above it; None when there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in [here, *here.parents][: SEARCH_DEPTH + 1]:
        path = folder / SETTINGS_FILE
        if path.is_file():
            return read_workbook(path)
    return None


def read_workbook(path: str | os.PathLike[str]) -> Workbook:
    """Read a workspace's settings file; relative paths are taken from its folder."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ParameterError(f"{path} går inte att läsa som YAML: {err}") from None
    missing = [k for k in ("data", "kommun") if not raw.get(k)]
    if missing:
        raise ParameterError(f"{path} saknar {' och '.join(missing)}. Fyll i och försök igen.")
    folder = path.parent.resolve()
    min_n = raw.get("min_n", DEFAULT_MIN_N)
    check_min_n(min_n)
    return Workbook(
        folder,
        (folder / str(raw["data"])).resolve(),
        (folder / str(raw["mapping"])).resolve() if raw.get("mapping") else None,
        str(raw["kommun"]),
        int(min_n),
    )


def from_workbook(
    kommun: str, data: str, mapping: str, min_n: int, journal_dir: str
) -> tuple[str, str, str, int, str]:
    """A step notebook's parameters, the empty ones taken from the workspace's settings.

    Parameters given are kept. When the data is taken from the workspace, it is the prepared
    export in the workspace's private ``data/`` folder (prepared now if the export or isuwork
    has changed since).

    Raises
    ------
    ParameterError
        When a parameter is empty and no settings file is found.
    """
    if data and kommun and min_n and journal_dir:
        return kommun, data, mapping, min_n, journal_dir
    workbook = _required()
    if not data:
        data, mapping = str(workbook.prepared()), ""
    return (
        kommun or workbook.kommun,
        data,
        mapping,
        min_n or workbook.min_n,
        journal_dir or str(workbook.journal_dir),
    )


def journal_from_workbook(kommun: str, min_n: int, journal_dir: str) -> tuple[str, int, str]:
    """The case review's parameters for the journal, the empty ones from the workspace.

    Raises
    ------
    ParameterError
        When a parameter is empty and no settings file is found.
    """
    if kommun and min_n and journal_dir:
        return kommun, min_n, journal_dir
    workbook = _required()
    return (
        kommun or workbook.kommun,
        min_n or workbook.min_n,
        journal_dir or str(workbook.journal_dir),
    )


def export_from_workbook(data: str, mapping: str, spara_som: str) -> tuple[str, str, str]:
    """Step 0's parameters: the export, its mapping and where to save the prepared file, the
    empty ones from the workspace (the prepared file then goes to its private ``data/``)."""
    if data and spara_som:
        return data, mapping, spara_som
    workbook = _required()
    if not data:
        data, mapping = str(workbook.data), str(workbook.mapping or "")
    return data, mapping, spara_som or str(workbook.private_dir / "forberedd_data.parquet")


def _required() -> Workbook:
    workbook = find_workbook()
    if workbook is None:
        raise ParameterError(
            f"Parametrarna är tomma och det finns ingen {SETTINGS_FILE} i den här mappen eller "
            "ovanför. Skapa en arbetsmapp med isuwork init MAPP --data FIL --kommun KOMMUN, "
            "eller fyll i parametrarna överst i anteckningsboken."
        )
    return workbook
