"""The primary rules: what a single count, or a share of a group, may show by itself.

As in Swedish official statistics, a count of 1 … ``min_n``−1 cases is hidden (shown as ``..``,
as Kolada does). A share of 0 % or 100 % is hidden in a group of fewer than
``GROUP_FACTOR * min_n`` cases, because it says something about every member of the group
(group disclosure). What else must be hidden so that a hidden count cannot be worked out again
is secondary suppression (:mod:`isuwork.privacy.suppression`, :mod:`isuwork.privacy.secondary`).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from isuwork.domain.vocabulary import DEFAULT_MIN_N
from isuwork.exceptions import ParameterError
from isuwork.privacy.secondary import EPS

#: Shares of 0 % or 100 % are hidden in groups smaller than this many times ``min_n``.
GROUP_FACTOR = 2


def footnote(min_n: int = DEFAULT_MIN_N) -> str:
    """The footnote that explains hidden cells, with the threshold in use.

    Examples
    --------
    >>> footnote(5)
    'Värden som bygger på färre än 5 personer visas inte.'
    """
    check_min_n(min_n)
    return f"Värden som bygger på färre än {min_n} personer visas inte."


def check_min_n(min_n: object) -> None:
    """Raise :class:`ParameterError` unless ``min_n`` is a positive integer."""
    if isinstance(min_n, bool) or not isinstance(min_n, Integral) or min_n < 1:
        raise ParameterError(
            f"Gränsen för små tal (min_n) måste vara ett heltal, minst 1, men var {min_n!r}. "
            "Vanligt är 5."
        )


def all_or_none(
    count: np.ndarray, n: np.ndarray, min_n: int, *, categorical: np.ndarray | bool = False
) -> np.ndarray:
    """Shares of 0 % or 100 % in a group of fewer than ``GROUP_FACTOR * min_n`` cases.

    Such a share tells something about every member of a small group ("all six men who applied
    were refused"): group disclosure. A category's 0 % is no such statement about everyone (the
    others may still differ), so for categories only 100 % counts. ``min_n`` 1 asks for no
    protection at all, and gets none here either.
    """
    if min_n < 2:
        return np.zeros(np.shape(count), dtype=bool)
    count, n = np.asarray(count, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        group = np.isfinite(n) & (n > EPS) & (n < GROUP_FACTOR * min_n - EPS)
        everyone = np.abs(n - count) < EPS
        nobody = ~np.asarray(categorical, dtype=bool) & (np.abs(count) < EPS)
        return group & (everyone | nobody)


def shown_count(value: object, min_n: int) -> int | None:
    """A single count as it may be shown: None when it is 1 … ``min_n`` − 1, or missing.

    Only primary suppression: for a count that stands alone (a count inside a table is
    protected with the table by :func:`suppress`).
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not np.isfinite(number):
        return None
    count = int(number)
    return None if 1 <= count < min_n else count
