"""The prepared store: an export prepared once, read one kommun at a time.

Preparing a national export takes far longer than reading it, and a report run needs the same
prepared rows on every page of every kommun. :func:`prepare_once` therefore prepares the export
once into a folder (the *store*) named by a hash of everything the preparation depends on: the
export's bytes, the mapping's bytes, the catalogue and the isuwork version. A second run with
the same inputs finds the folder and prepares nothing.

The store holds ``data.parquet`` (rows sorted by kommun, one row group per slice of a few
thousand rows, each kommun in row groups of its own, so a kommun is read without the rest of the
country and a damaged slice harms one kommun only), ``excluded.parquet`` (the
rows left out and why) and ``store.json`` (the preparation report and the kommuner in the
data). :func:`read_store` gives back the same :class:`~isuwork.data.prepare.Prepared` as
:func:`~isuwork.data.prepare.load`, for one kommun or for all.

The store holds person-level data (no personnummer and no free text: preparation drops them).
Keep it where the export is kept, never next to the reports that are shared.

Ages are derived at preparation; for rows without a decision date they are counted up to the
day the store was made, which the report records (``prepared_on``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from isuwork.data.io import atomic_write, write_text
from isuwork.data.prepare import Prepared, PrepReport, load
from isuwork.domain.selection import matches
from isuwork.domain.shipped import code_fingerprint
from isuwork.exceptions import DataError, ParameterError

#: The file that marks a folder as a prepared store.
MARKER = "store.json"
#: Rows per Parquet row group: small enough that reading one kommun skips the others.
ROW_GROUP = 4096
_HASH_CHUNK = 1 << 22


@dataclass(frozen=True)
class Store:
    """A prepared export on disk.

    Attributes
    ----------
    path
        The store's folder.
    key
        The hash that names it (export, mapping, catalogue, isuwork version).
    kommuner
        The kommuner in the prepared data, sorted.
    source
        The export's file name, for messages.
    """

    path: Path
    key: str
    kommuner: tuple[str, ...]
    source: str

    def resolve(self, kommun: str) -> str:
        """The kommun's name as the data writes it (case and spaces as in the data).

        Raises
        ------
        ParameterError
            When no kommun matches; the message suggests the nearest names and lists all.
        """
        names = pd.Series(self.kommuner, dtype="string")
        hit = names[matches(names, kommun, name="kommun")]
        if len(hit):
            return str(hit.iloc[0])
        raise ParameterError(unknown_kommun_message(kommun, self.kommuner, self.source))


def unknown_kommun_message(kommun: str, kommuner: tuple[str, ...] | list[str], source: str) -> str:
    """A Swedish message for a kommun that is not in the data: nearest names, then all."""
    folded = {k.casefold(): k for k in kommuner}
    near = difflib.get_close_matches(kommun.strip().casefold(), list(folded), n=3, cutoff=0.6)
    hint = f" Menade du {' eller '.join(folded[n] for n in near)}?" if near else ""
    return (
        f"Kommunen '{kommun}' finns inte i {source}.{hint} Kommunerna i filen är: "
        f"{', '.join(kommuner) or 'inga'}."
    )


def store_key(path: str | os.PathLike[str], mapping: str | os.PathLike[str] | None = None) -> str:
    """The hash a store is named by: the export's and the mapping's bytes, and isuwork's code.

    Changing any of them (a new export, an edited mapping, another isuwork) gives a new store.
    """
    digest = hashlib.sha256()
    for part in (path, mapping):
        digest.update(b"\x00")
        if part:
            with open(part, "rb") as handle:
                while chunk := handle.read(_HASH_CHUNK):
                    digest.update(chunk)
    digest.update(code_fingerprint().encode())
    return digest.hexdigest()[:20]


def is_store(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a prepared store's folder."""
    return (Path(path) / MARKER).is_file()


def prepare_once(
    path: str | os.PathLike[str],
    *,
    mapping: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Store:
    """Prepare an export into a store, or find the store made from the same inputs.

    Parameters
    ----------
    path
        The export (CSV, XLSX or Parquet), as for :func:`~isuwork.data.prepare.load`.
    mapping
        Its mapping file, if any.
    cache_dir
        Folder for stores (default: ``.isuwork`` next to the export, where the person-level
        data already is; the user's cache folder when the export's folder is read-only).

    Returns
    -------
    Store
        The store; its folder is ``<cache_dir>/<key>``.
    """
    source = Path(path)
    if not source.is_file():
        raise ParameterError(f"Datafilen {path} finns inte. Kontrollera sökvägen.")
    if mapping and not Path(mapping).is_file():
        raise ParameterError(f"Mappningsfilen {mapping} finns inte. Kontrollera sökvägen.")
    key = store_key(source, mapping)
    target = (Path(cache_dir) if cache_dir else _default_cache(source)) / key
    if is_store(target):
        return open_store(target)
    prepared = load(source, mapping=mapping)
    return write_store(prepared, target, key=key)


def _default_cache(source: Path) -> Path:
    """``.isuwork`` next to the export, or the user's cache folder when that cannot be written."""
    beside = source.resolve().parent
    if os.access(beside, os.W_OK):
        return beside / ".isuwork"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "isuwork"


def write_store(prepared: Prepared, target: str | os.PathLike[str], *, key: str) -> Store:
    """Write a prepared export as a store (the marker last, so a half-written store is none)."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    data = prepared.data
    if "kommun" not in data:
        raise DataError(f"{prepared.report.source} saknar kolumnen kommun.")
    data = data.sort_values("kommun", kind="stable", ignore_index=True)
    table = pa.Table.from_pandas(data, preserve_index=False)
    # a kommun's rows start a new row group, so reading one kommun touches only its own
    codes = pd.factorize(data["kommun"])[0]
    starts = np.flatnonzero(np.diff(codes, prepend=-2))
    with (
        atomic_write(target / "data.parquet", mode="wb") as handle,
        pq.ParquetWriter(handle, table.schema) as writer,
    ):
        for start, stop in zip(starts, [*starts[1:], len(data)], strict=True):
            writer.write_table(table.slice(start, stop - start), row_group_size=ROW_GROUP)
        if not len(data):
            writer.write_table(table)
    with atomic_write(target / "excluded.parquet", mode="wb") as handle:
        prepared.report.excluded.to_parquet(handle, index=False)
    kommuner = sorted(str(k) for k in data["kommun"].dropna().unique())
    report = prepared.report
    meta = {
        "key": key,
        "source": report.source,
        "kommuner": kommuner,
        "prepared_on": dt.date.today().isoformat(),
        "report": {
            name: getattr(report, name)
            for name in (
                "rows_in",
                "rows_kept",
                "rows_excluded",
                "warnings",
                "derived",
                "missing_optional",
                "extra_columns",
                "dropped_identifiers",
            )
        },
    }
    write_text(json.dumps(meta, ensure_ascii=False, indent=1), target / MARKER)
    return Store(path=target, key=key, kommuner=tuple(kommuner), source=report.source)


def open_store(path: str | os.PathLike[str]) -> Store:
    """Open a store's folder (see :func:`prepare_once`)."""
    meta = _meta(path)
    return Store(Path(path), meta["key"], tuple(meta["kommuner"]), meta["source"])


def read_store(path: str | os.PathLike[str], *, kommun: str | None = None) -> Prepared:
    """Read a store: the whole prepared export, or one kommun's rows.

    Parameters
    ----------
    path
        The store's folder.
    kommun
        A kommun (matched as everywhere: case and surrounding spaces do not matter); ``None``
        reads every kommun.

    Returns
    -------
    Prepared
        The same frame and report :func:`~isuwork.data.prepare.load` gives for the export,
        restricted to the kommun's rows when one is asked for (the report is the whole file's).

    Raises
    ------
    DataError
        When the rows asked for cannot be read (a damaged file); other kommuner's rows may
        still be readable.
    """
    meta = _meta(path)
    folder = Path(path)
    filters: Any = None
    if kommun is not None:
        store = Store(folder, meta["key"], tuple(meta["kommuner"]), meta["source"])
        filters = [("kommun", "==", store.resolve(kommun))]
    try:
        data = pq.read_table(folder / "data.parquet", filters=filters).to_pandas()
    except (OSError, pa.ArrowException) as err:
        which = f"för {filters[0][2]} " if filters else ""
        raise DataError(
            f"Den förberedda datan {which}i {folder} går inte att läsa; filen verkar vara "
            f"skadad ({err}). Ta bort mappen, så förbereds exporten på nytt vid nästa körning."
        ) from err
    excluded = pd.read_parquet(folder / "excluded.parquet")
    report = PrepReport(source=meta["source"], excluded=excluded, **meta["report"])
    return Prepared(data=data, report=report)


def _meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    marker = Path(path) / MARKER
    if not marker.is_file():
        raise ParameterError(
            f"{path} är ingen förberedd datamapp (filen {MARKER} saknas). Ange exportfilen i "
            "stället, så förbereds den."
        )
    return json.loads(marker.read_text(encoding="utf-8"))


def load_prepared(
    path: str | os.PathLike[str],
    *,
    mapping: str | os.PathLike[str] | None = None,
    kommun: str | None = None,
) -> Prepared:
    """Prepared data from an export (prepared now) or from a store (read, one kommun if given).

    For an export, ``kommun`` is ignored: the whole file is prepared and returned; select the
    kommun afterwards. For a store, only the kommun's rows are read.
    """
    if is_store(path):
        return read_store(path, kommun=kommun)
    return load(path, mapping=mapping)
