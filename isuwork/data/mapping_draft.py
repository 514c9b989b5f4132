"""A first mapping file from an export's headers, for a person to check and complete.

Each header is paired with the catalogue variable whose name or Swedish label it resembles most
(``Kön`` → ``kon``, ``Beslutsdatum`` → ``datum_beslut``), ignoring case, accents and punctuation.
Failing that, a header that starts with a whole name or label (``Ålder vid beslut`` →
``alder``) is paired with it. A header with no match is written as a comment to fill in. For a coded variable, the
draft lists the catalogue's codes beside it, so the values block can be written; the export's own
values are never copied into the draft (a rare value can point to a person).
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import yaml

from isuwork.data.io import write_text
from isuwork.domain.catalog import load_catalog
from isuwork.exceptions import ParameterError

#: How alike a header and a name or label must be to be paired (difflib's ratio).
CUTOFF = 0.8
#: A name or label this long or longer at the start of a header pairs it when nothing is alike.
MIN_PREFIX = 5


def _plain(text: str) -> str:
    """Lower case, without accents, spaces or punctuation: ``Ålder vid beslut`` → ``aldervidbeslut``."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in decomposed if c.isascii()))


def suggest(header: str, *, taken: set[str] = frozenset(), prefix: bool = False) -> str | None:
    """The catalogue variable a header most likely means, or None when none is close enough.

    ``taken`` are variables already paired with another header; each is used once. With
    ``prefix``, a header that starts with a whole name or label (at least :data:`MIN_PREFIX`
    letters) is paired with the longest such one instead (``Ålder vid beslut`` → ``alder``).
    """
    catalog = load_catalog()
    candidates: dict[str, str] = {}
    for name, variable in catalog.variables.items():
        if name in taken or variable.role == "granskning":
            continue  # the case review's items are written in its review book, not exported
        candidates.setdefault(_plain(name), name)
        candidates.setdefault(_plain(variable.label), name)
    plain = _plain(header)
    if not plain:
        return None
    if prefix:
        starts = [c for c in candidates if len(c) >= MIN_PREFIX and plain.startswith(c)]
        return candidates[max(starts, key=len)] if starts else None
    found = difflib.get_close_matches(plain, list(candidates), n=1, cutoff=CUTOFF)
    return candidates[found[0]] if found else None


def pair_headers(headers: Sequence[str]) -> dict[str, str | None]:
    """Each header's variable (None when unpaired): alike names first, then prefixes."""
    taken: set[str] = set()
    pairs: dict[str, str | None] = {}
    for header in headers:
        pairs[header] = suggest(header, taken=taken)
        taken.update(v for v in pairs.values() if v)
    for header in headers:
        if pairs[header] is None:
            pairs[header] = suggest(header, taken=taken, prefix=True)
            taken.update(v for v in pairs.values() if v)
    return pairs


def draft_mapping(headers: Sequence[str], *, source: str, sheet: str | None = None) -> str:
    """The text of a mapping file for an export with these headers (YAML with comments).

    Parameters
    ----------
    headers
        The export's column headers, in order.
    source
        The export's file name, named in the draft's first comment.
    sheet
        The Excel sheet the headers were read from, if any.
    """
    catalog = load_catalog()
    pairs = pair_headers(headers)
    lines = [
        f"# Utkast till mappningsfil för {source}, skapat av isuwork {date.today().isoformat()}.",
        "# Vänster: rubriken i exporten. Höger: isuworks namn (se katalogen).",
        "# Kontrollera varje rad. Rader som börjar med # kunde isuwork inte para ihop: skriv in",
        "# rätt namn och ta bort #, eller låt raden vara (kolumnen behålls då under sitt namn).",
        "system: ''",
    ]
    if sheet:
        lines.append(f"sheet: {_quoted(sheet)}")
    lines.append("columns:")
    coded: list[tuple[str, str]] = []
    for header, name in pairs.items():
        if name is None:
            lines.append(f"  # {_quoted(header)}: ?")
            continue
        lines.append(f"  {_quoted(header)}: {name}  # {catalog.label(name)}")
        if catalog.variable(name).codes:
            coded.append((header, name))
    if coded:
        lines.append("# Koderna: ersätt {} med exportens värden och isuworks koder, en per rad,")
        lines.append("# till exempel K: kvinna. Låt {} stå om exporten redan har isuworks koder.")
        lines.append("values:")
        for header, name in coded:
            codes = ", ".join(catalog.variable(name).codes)
            lines.append(f"  {_quoted(header)}:  # isuworks koder: {codes}")
            lines.append("    {}")
    lines += [
        "# Datum skrivna på annat sätt än ÅÅÅÅ-MM-DD: ta bort # och ange formatet per kolumn,",
        '# till exempel "%d/%m/%Y" för 31/12/2024.',
        "# dates:",
        '#   datum_beslut: "%d/%m/%Y"',
        "# Kolumner som inte ska läsas in alls (namn, anteckningar och annan fritext):",
        "# drop: [Handläggare, Anteckning]",
    ]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """A YAML key or value written safely (quoted when plain writing would change it)."""
    dumped = yaml.safe_dump(str(text), allow_unicode=True, default_flow_style=True, width=1000)
    return dumped.strip().removesuffix("...").strip()


def write_draft(
    headers: Sequence[str],
    path: str | os.PathLike[str],
    *,
    source: str,
    sheet: str | None = None,
) -> Path:
    """Write :func:`draft_mapping` to ``path`` (never over an existing file)."""
    target = Path(path)
    if target.exists():
        raise ParameterError(
            f"Filen {target} finns redan och skrivs inte över. Välj ett annat namn med --out."
        )
    return write_text(draft_mapping(headers, source=source, sheet=sheet), target)
