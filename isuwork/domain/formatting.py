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
#: Numbers from this size up get a thousands separator (formatted one by one).
_NO_SEPARATOR = 1000


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

    The same text as :func:`format_number` for every value, made with numpy: a screening list
    over 290 kommuner has about a million numbers in its sentences. Values that Python would
    round differently from numpy (within a millionth of a tie, where Python rounds the exact
    binary value half to even), values with thousands separators and infinities are formatted
    one by one.

    Examples
    --------
    >>> format_numbers([1234.5, float("nan"), -2], decimals=1)
    ['1\xa0234,5', '–', '−2,0']
    """
    numbers = pd.to_numeric(pd.Series(values), errors="coerce")
    x = numbers.to_numpy(dtype=float, na_value=np.nan)
    out = np.full(len(x), MISSING, dtype=object)
    known = ~np.isnan(x)
    scale = 10**decimals
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = x * scale
        tie = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
        slow = known & (tie | ~(np.abs(np.rint(scaled)) < _NO_SEPARATOR * scale))
    fast = known & ~slow
    if fast.any():
        whole, part = np.divmod(np.abs(np.rint(scaled[fast])).astype(np.int64), scale)
        text = whole.astype(str)
        if decimals:
            text = np.char.add(np.char.add(text, ","), np.char.zfill(part.astype(str), decimals))
        text = np.where(np.signbit(x[fast]), np.char.add("\u2212", text), text)
        out[fast] = np.char.add(text, unit) if unit else text
    spec = f",.{decimals}f"
    out[slow] = [format(v, spec).translate(_SWEDISH) + unit for v in x[slow].tolist()]
    return out.tolist()


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
