"""isuwork: guided workbook for gender-equality-integrated analysis of ISU data.

ISU (individbaserad systematisk uppföljning) follows up social services' work with individual
clients and aggregates it to group level. isuwork loads a municipality's export, prepares it,
compares groups (kön and kön combined with other variables) with proper intervals, checks the
criteria for unmotivated differences, protects small numbers and draws the charts used in the
four analysis steps of the SKR support (2024).

The package is built in layers (see CONTRIBUTING.md): ``domain`` (the vocabulary, the
catalogue, selection), ``data`` (reading and preparing exports), ``privacy`` (small-number
protection), ``analysis`` (comparisons, screening, the criteria check), ``present`` (tables,
charts, Swedish texts), ``workbook`` (session, journal, widgets), and ``render`` and ``cli`` on
top. The names below are the public API; each is imported on first use, so ``import isuwork``
stays light.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from isuwork.exceptions import (
    DataError,
    IsuworkError,
    JournalError,
    MappingError,
    ParameterError,
    PrivacyError,
)

try:
    __version__ = version("isuwork")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

#: Public name → the module that defines it (imported when the name is first used).
_LAZY: dict[str, str] = {
    "Protected": "isuwork.privacy.protected",
    "check_criteria": "isuwork.analysis.criteria",
    "compare": "isuwork.analysis.compare",
    "compare_units": "isuwork.analysis.units",
    "data_quality": "isuwork.analysis.compare",
    "missing_overview": "isuwork.analysis.compare",
    "describe_screening": "isuwork.present.screening_text",
    "load": "isuwork.data.prepare",
    "load_catalog": "isuwork.domain.catalog",
    "open_journal": "isuwork.workbook.journal",
    "open_session": "isuwork.workbook.session",
    "prepare": "isuwork.data.prepare",
    "protect": "isuwork.privacy.protected",
    "read_export": "isuwork.data.io",
    "screen": "isuwork.analysis.screening",
    "select": "isuwork.domain.selection",
    "suppress": "isuwork.privacy.suppression",
    "trend": "isuwork.analysis.compare",
}

__all__ = [
    "DataError",
    "IsuworkError",
    "JournalError",
    "MappingError",
    "ParameterError",
    "PrivacyError",
    "__version__",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'isuwork' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
