"""isuwork: guided workbook for gender-equality-integrated analysis of ISU data.

ISU (individbaserad systematisk uppföljning) follows up social services' work with individual
clients and aggregates it to group level. isuwork loads a municipality's export, prepares it,
compares groups (kön and kön combined with other variables) with proper intervals, checks the
criteria for unmotivated differences, protects small numbers and draws the charts used in the
four analysis steps of the SKR support (2024).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from isuwork.catalog import load_catalog
from isuwork.exceptions import (
    DataError,
    IsuworkError,
    MappingError,
    ParameterError,
)

try:
    __version__ = version("isuwork")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "DataError",
    "IsuworkError",
    "MappingError",
    "ParameterError",
    "__version__",
    "load_catalog",
]
