"""Mapping files: from a case system's headers and codes to isuwork's names.

Every case system (Lifecare/Procapita, Treserva, Combine, Viva …) and often every kommun names
its export columns and codes differently: ``Kön`` with ``K``/``M`` or ``2``/``1``, dates as
``DD/MM/YYYY``. A mapping file (YAML, see CONTRIBUTING.md) says once how one export translates, so
a renamed column is one line in a file rather than a hunt through notebooks.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from isuwork.domain.catalog import load_catalog
from isuwork.exceptions import MappingError

_KEYS = {"system", "sheet", "header_row", "columns", "values", "dates", "drop"}
_PLAIN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file (see CONTRIBUTING.md for the format)."""

    system: str = ""
    sheet: str | None = None
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    source: str = ""


def load_mapping(path: str | os.PathLike[str]) -> Mapping:
    """Read and check a mapping file; :class:`MappingError` in Swedish when it is malformed."""
    file = Path(path)
    if not file.is_file():
        raise MappingError(f"Mappningsfilen {file} finns inte. Kontrollera sökvägen.")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise MappingError(
            f"Mappningsfilen {file.name} är inte giltig YAML ({type(err).__name__}). "
            "Kontrollera indrag och kolon; jämför med data/sample/mapping_exempel.yaml."
        ) from None
    return mapping_from_dict(raw or {}, source=file.name)


def mapping_from_dict(raw: Any, *, source: str = "mappning") -> Mapping:
    """Build a :class:`Mapping` from already-parsed YAML, checking every part."""
    if not isinstance(raw, MappingABC):
        raise MappingError(
            f"{source}: mappningen ska vara en uppsättning nycklar (system, columns …)."
        )
    unknown = set(raw) - _KEYS
    if unknown:
        raise MappingError(
            f"{source}: okända nycklar {', '.join(sorted(map(str, unknown)))}. "
            f"Tillåtna nycklar är {', '.join(sorted(_KEYS))}."
        )
    columns = {str(k).strip(): str(v).strip() for k, v in (raw.get("columns") or {}).items()}
    catalog = load_catalog()
    bad = [t for t in columns.values() if t not in catalog and not _PLAIN_NAME.match(t)]
    if bad:
        raise MappingError(
            f"{source}: under columns står målnamn som varken finns i katalogen eller är enkla "
            f"namn (små bokstäver a–z, siffror, understreck): {', '.join(bad)}."
        )
    targets = list(columns.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise MappingError(
            f"{source}: flera exportkolumner mappas till samma namn: {', '.join(twice)}."
        )
    values: dict[str, dict[str, str]] = {}
    for column, table in (raw.get("values") or {}).items():
        if not isinstance(table, MappingABC):
            raise MappingError(
                f"{source}: values för {column} ska vara par av exportvärde: kod, "
                "till exempel {K: kvinna, M: man}."
            )
        values[str(column)] = {str(k).strip(): str(v).strip() for k, v in table.items()}
    header_row = raw.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise MappingError(f"{source}: header_row ska vara ett radnummer (1 eller större).")
    return Mapping(
        system=str(raw.get("system") or ""),
        sheet=raw.get("sheet"),
        header_row=header_row,
        columns=columns,
        values=values,
        dates={str(k): str(v) for k, v in (raw.get("dates") or {}).items()},
        drop=tuple(str(d).strip() for d in (raw.get("drop") or ())),
        source=source,
    )


def coerce_mapping(mapping: Any) -> Mapping | None:
    """Accept a Mapping, a path to a mapping file, a parsed dict, or None/empty."""
    if mapping is None or mapping == "":
        return None
    if isinstance(mapping, Mapping):
        return mapping
    if isinstance(mapping, str | os.PathLike):
        return load_mapping(mapping)
    return mapping_from_dict(mapping)


def apply_mapping(
    raw: pd.DataFrame, mapping: Mapping, *, source: str = "exporten"
) -> tuple[pd.DataFrame, list[str]]:
    """Rename headers, drop listed columns and recode values as the mapping says.

    Headers are matched ignoring case and surrounding spaces. Values are matched exactly first,
    then ignoring case. Unmapped values are left as they are (preparation reports unknown codes).

    Returns
    -------
    tuple
        The mapped frame and the warnings for the person who owns the file (Swedish).
    """
    lookup = {str(c).strip().lower(): c for c in raw.columns}
    warnings: list[str] = []
    rename = {}
    missing = []
    for header, target in mapping.columns.items():
        actual = lookup.get(header.lower())
        if actual is None:
            missing.append(header)
        else:
            rename[actual] = target
    if mapping.columns and len(missing) == len(mapping.columns):
        raise MappingError(
            f"Mappningen {mapping.source or ''} passar inte {source}: ingen av dess "
            f"kolumnrubriker finns i filen. Filens rubriker är: "
            f"{', '.join(str(c) for c in raw.columns if c != 'radnr')}."
        )
    if missing:
        warnings.append(f"Mappningen nämner kolumner som saknas i {source}: {', '.join(missing)}.")
    drop = [lookup[d.lower()] for d in mapping.drop if d.lower() in lookup]
    out = raw.drop(columns=drop).rename(columns=rename)
    clash = out.columns[out.columns.duplicated()].tolist()
    if clash:
        raise MappingError(
            f"Efter mappningen finns kolumnen {', '.join(clash)} två gånger i {source}. "
            "Ta bort den ena under drop: eller ändra columns:."
        )
    for column, table in mapping.values.items():
        if column not in out:
            continue
        exact = out[column].map(table)
        lower = {k.lower(): v for k, v in table.items()}
        folded = out[column].str.lower().map(lower)
        out[column] = exact.fillna(folded).fillna(out[column]).astype("string")
    return out, warnings
