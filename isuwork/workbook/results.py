"""Results remembered in a prepared store, so that a kommun's pages compute them once.

A report run makes four pages per kommun; three of them need the kommun's screening list and
two the criteria checks of its observations. From a prepared store
(:mod:`isuwork.data.store`) they are kept in the store's ``results`` folder, one file per
kommun and result, named by a hash of the kommun, the verksamhet and the arguments. The store
itself is named by the data and isuwork's code, so nothing is reused across data, settings or
versions. :func:`prepare_screening_lists` makes the screening lists of many kommuner in one
pass before their pages run (:func:`~isuwork.analysis.screening.screen_each`, the same lists
as one call per kommun, in a fraction of the time).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from isuwork.analysis.screening import screen_each
from isuwork.data.io import write_bytes
from isuwork.data.store import read_store
from isuwork.domain.catalog import load_catalog
from isuwork.domain.selection import matches, require_columns
from isuwork.domain.vocabulary import DEFAULT_MIN_N, kommun_slug
from isuwork.present.screening_text import describe_screening

T = TypeVar("T")

#: Background variables the step-1 page adds to the catalogue's: the year, for its trend.
STEP1_EXTRA = ("ar",)


def result_path(
    store: str | os.PathLike[str],
    *,
    kommun: str,
    verksamhet: str,
    name: str,
    arguments: dict[str, Any],
) -> Path:
    """The file a result is remembered in."""
    what = {"kommun": kommun, "verksamhet": verksamhet, **arguments}
    text = json.dumps(what, sort_keys=True, default=str, ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    return Path(store) / "results" / kommun_slug(kommun) / f"{name}-{digest}.pickle"


def remember(path: Path, compute: Callable[[], T]) -> T:
    """The result kept in ``path``, or ``compute()`` kept there for next time."""
    if path.is_file():
        with path.open("rb") as handle:
            return pickle.load(handle)  # written below by isuwork itself, never by users
    result = compute()
    write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), path)
    return result


def screening_arguments(min_n: int, by: str) -> dict[str, Any]:
    """How a step-1 screening list is named among the results."""
    return {"min_n": int(min_n), "by": by}


def screening_background(columns: Sequence[str], extra: Sequence[str]) -> list[str]:
    """The background variables of a screening list: the catalogue's that the data has, then
    ``extra``. An extra variable the data lacks stays in, so that the list names it as missing
    (a section that needs it then says so); a name that is not a variable at all is an error.
    """
    catalog = load_catalog()
    require_columns(
        pd.DataFrame(columns=list(columns)),
        [c for c in extra if c not in catalog],
        what="screeningen",
    )
    background = [c for c in catalog.screening_background if c in columns]
    return background + [c for c in dict.fromkeys(extra) if c not in background]


def prepare_screening_lists(
    store: str | os.PathLike[str],
    kommuner: Sequence[str],
    *,
    min_n: int = DEFAULT_MIN_N,
    by: str = "aldersgrupp",
    verksamhet: str = "",
    progress: bool = False,
) -> int:
    """Make the step-1 screening lists of ``kommuner`` in one pass and keep them in the store.

    Kommuner whose list is already kept are left alone; ``progress`` shows a bar over the
    outcomes. Returns how many lists were made.
    """

    def path(kommun: str) -> Path:
        return result_path(
            store,
            kommun=kommun,
            verksamhet=verksamhet,
            name="screening",
            arguments=screening_arguments(min_n, by),
        )

    todo = [k for k in kommuner if not path(k).is_file()]
    if not todo:
        return 0
    data = read_store(store).data
    data = data[data["kommun"].isin(todo)]
    if verksamhet and "verksamhet" in data:
        data = data[matches(data["verksamhet"], verksamhet, name="verksamhet")]
    if data.empty:
        return 0
    background = screening_background(list(data.columns), [by, *STEP1_EXTRA])
    lists = screen_each(
        data, per="kommun", background=background or None, min_n=min_n, progress=progress
    )
    for kommun, listing in lists.items():
        text = pickle.dumps(describe_screening(listing), pickle.HIGHEST_PROTOCOL)
        write_bytes(text, path(kommun))
    return len(lists)
