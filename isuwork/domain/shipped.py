"""Files that come with isuwork: the workbook's notebooks and the synthetic sample data.

In the repository they lie at the top level (``notebooks/`` and ``data/sample/``), where users
and course material expect them. A built wheel carries copies inside the package
(``isuwork/shipped/``, see ``pyproject.toml``), so that an installed isuwork can run its demo
and render reports outside the repository. Both places are found through
:mod:`importlib.resources`, like the catalogue.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path

from isuwork.exceptions import DataError

#: Where each kind of file lies in the wheel (under ``isuwork/shipped/``) and in the repository.
_IN_WHEEL = {"notebooks": "notebooks", "sample": "sample"}
_IN_REPOSITORY = {"notebooks": ("notebooks",), "sample": ("data", "sample")}
_SWEDISH = {"notebooks": "anteckningsböcker", "sample": "exempeldata"}


def _folder(kind: str) -> Path:
    package = resources.files("isuwork")
    packaged = package / "shipped" / _IN_WHEEL[kind]
    if packaged.is_dir():
        return Path(str(packaged))
    repository = Path(str(package)).parent.joinpath(*_IN_REPOSITORY[kind])
    if repository.is_dir():
        return repository
    raise DataError(
        f"isuwork hittar inte sina {_SWEDISH[kind]} (varken i paketet eller i "
        f"{'/'.join(_IN_REPOSITORY[kind])} i källkoden). Installera om isuwork."
    )


def notebook_dir() -> Path:
    """The folder of the workbook's notebooks (``00_kom_igang.ipynb`` …, ``ovningar/``)."""
    return _folder("notebooks")


def sample_dir() -> Path:
    """The folder of the synthetic sample data (``isu_exempel.csv``, ``facit.yaml`` …)."""
    return _folder("sample")


@cache
def code_fingerprint() -> str:
    """A hash of isuwork's own code and catalogue (every ``.py`` and ``.yaml`` of the package).

    Prepared data and cached results are named by it with the inputs, so a change of isuwork,
    released or not, never reuses what an older version made.
    """
    package = Path(str(resources.files("isuwork")))
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml") and "shipped" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\x00")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
