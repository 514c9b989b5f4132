"""What a report run is made of: one job per kommun and notebook, with its parameters."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isuwork.domain.shipped import code_fingerprint
from isuwork.domain.shipped import notebook_dir as shipped_notebooks
from isuwork.domain.vocabulary import kommun_slug
from isuwork.exceptions import ParameterError

DEFAULT_NOTEBOOKS: tuple[str, ...] = (
    "01_vad_ser_vi.ipynb",
    "02_vi_reflekterar.ipynb",
    "03_slutsatser.ipynb",
    "04_gora_annorlunda.ipynb",
)


@dataclass
class RenderJob:
    """One notebook for one kommun."""

    kommun: str
    notebook: Path
    html_path: Path
    ipynb_path: Path
    parameters: dict[str, Any]

    def key(self) -> str:
        """A hash of everything the page depends on.

        The notebook's text, the parameters (the prepared data's folder is named by a hash of
        the export), the kommun's journal file when there is one, and isuwork's code. A
        page whose key has not changed since it was made need not be made again.
        """
        digest = hashlib.sha256()
        digest.update(self.notebook.read_bytes())
        digest.update(json.dumps(self.parameters, sort_keys=True, default=str).encode())
        digest.update(code_fingerprint().encode())
        journal = self.journal_file()
        if journal is not None and journal.is_file():
            digest.update(journal.read_bytes())
        return digest.hexdigest()[:20]

    def journal_file(self) -> Path | None:
        """The kommun's journal file, when the run has a journal folder."""
        folder = self.parameters.get("journal_dir")
        return Path(folder) / f"{kommun_slug(self.kommun)}.yaml" if folder else None


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


def reports_parameters(
    *,
    data: str | os.PathLike[str],
    mapping: str | os.PathLike[str] | None = None,
    min_n: int = 5,
    journal_dir: str | os.PathLike[str] = "journal",
) -> dict[str, Any]:
    """Notebook parameters for a batch run, with paths made absolute.

    Notebooks run with their own folder as working directory, so paths given relative to where
    the command was started must be resolved first. ``data`` may be an export or a prepared
    store's folder (see :func:`isuwork.data.store.prepare_once`).
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
