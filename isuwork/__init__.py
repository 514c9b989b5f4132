"""isuwork: guided workbook for gender-equality-integrated analysis of ISU data.

ISU (individbaserad systematisk uppföljning) follows up social services' work with individual
clients and aggregates it to group level. isuwork loads a municipality's export, prepares it,
compares groups (kön and kön combined with other variables) with proper intervals, checks the
criteria for unmotivated differences, protects small numbers and draws the charts used in the
four analysis steps of the SKR support (2024).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from isuwork.analysis.compare import compare_units, data_quality, screen, trend
from isuwork.analysis.criteria import check_criteria
from isuwork.data.io import read_export
from isuwork.data.prepare import load
from isuwork.domain.catalog import load_catalog
from isuwork.exceptions import (
    DataError,
    IsuworkError,
    JournalError,
    MappingError,
    ParameterError,
    PrivacyError,
)
from isuwork.privacy.suppression import suppress
from isuwork.workbook.journal import open_journal

try:
    __version__ = version("isuwork")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

# The functions compare() and prepare() share their names with their modules, so they are not
# re-exported here (that would hide isuwork.analysis.compare and isuwork.data.prepare).
__all__ = [
    "DataError",
    "IsuworkError",
    "JournalError",
    "MappingError",
    "ParameterError",
    "PrivacyError",
    "__version__",
    "check_criteria",
    "compare_units",
    "data_quality",
    "load",
    "load_catalog",
    "open_journal",
    "read_export",
    "screen",
    "suppress",
    "trend",
]
