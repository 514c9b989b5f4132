"""Swedish number formatting for everything people read.

Swedish convention: decimal comma, a (non-breaking) space as thousands separator and a space
before the percent sign: ``44,5 %``, ``1 234``. Suppressed values are shown as ``..`` (the
convention of Kolada and Swedish official statistics).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real

import numpy as np
import pandas as pd

NBSP = "\u00a0"
SUPPRESSED = ".."
MISSING = "–"
#: Units after a formatted number: percent, and percentage points for differences of shares.
PERCENT = f"{NBSP}%"
POINTS = " procentenheter"
#: Python's number format to Swedish: thousands separator, decimal comma, typographic minus.
_SWEDISH = str.maketrans({",": NBSP, ".": ",", "-": "\u2212"})


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        # pd.NA raises on bool(); treat it as missing
        return True


def format_number(value: Real | None, *, decimals: int = 0) -> str:
    """Format a number the Swedish way: ``1234.5`` → ``'1 234,5'`` (non-breaking space).

    Examples
    --------
    >>> format_number(1234567)
    '1\\xa0234\\xa0567'
    >>> format_number(-0.25, decimals=2)
    '−0,25'
    """
    if _is_missing(value):
        return MISSING
    return f"{float(value):,.{decimals}f}".translate(_SWEDISH)


def format_numbers(
    values: Iterable[Real | None], *, decimals: int = 0, unit: str = ""
) -> list[str]:
    """:func:`format_number` over many values at once (for long tables and sentences), with
    ``unit`` (e.g. :data:`PERCENT`) after every value that is not missing.

    Examples
    --------
    >>> format_numbers([1234.5, float("nan"), -2], decimals=1)
    ['1\xa0234,5', '–', '−2,0']
    """
    spec = f",.{decimals}f"
    numbers = pd.to_numeric(pd.Series(values), errors="coerce")
    return [
        MISSING if v != v else format(v, spec).translate(_SWEDISH) + unit
        for v in numbers.to_numpy(dtype=float, na_value=np.nan).tolist()
    ]


def format_percent(share: Real | None, *, decimals: int = 1) -> str:
    """Format a share (0–1) as a Swedish percentage: ``0.445`` → ``'44,5 %'``.

    Examples
    --------
    >>> format_percent(0.445)
    '44,5\\xa0%'
    """
    if _is_missing(share):
        return MISSING
    return format_number(float(share) * 100, decimals=decimals) + PERCENT


def format_pvalue(p: Real | None) -> str:
    """Format a p-value: ``'p < 0,001'`` below a thousandth, otherwise three decimals."""
    if _is_missing(p):
        return MISSING
    if p < 0.001:
        return "p < 0,001"
    return f"p = {format_number(p, decimals=3)}"
