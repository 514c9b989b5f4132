"""The verdict of the criteria check, and the flags that qualify it.

A verdict is one of the codes in :data:`isuwork.domain.vocabulary.VERDICT_LABELS`. It can show a
*risk* of an unmotivated difference, never prove one; and no verdict may rest on data that got
thin. The rules, in order:

``insufficient_data``
    A compared group has fewer than ``min_group`` cases, overall or among the cases that
    contribute to the last testable step, or no difference could be estimated.
``risk_unmotivated``
    The remaining difference is clear (its interval excludes 0 and it is at least
    ``min_diff``), or the difference clearly varies between levels of need (the homogeneity
    test at ``alpha / 5``; flag ``heterogeneous``) and at least one level with enough cases
    shows a clear difference of its own.
``explained``
    The raw difference is clear, the remaining one is smaller than ``min_diff``, **and** the
    criteria moved it: the remaining interval lies beyond half the raw estimate (at least half
    of the raw difference removed, with the check's confidence). Losing precision (wider
    intervals after stratifying or setting cases aside) is never an explanation. A difference
    that varies between levels of need without any level showing a clear one does not stop
    this verdict; the flag ``heterogeneous`` and the message say so.
``no_difference``
    Neither difference is clear, there is no sign that the difference varies between levels of
    need (the homogeneity test at ``2 * alpha``, the level customary for tests of heterogeneity,
    which have little power), and both intervals lie within ``±margin``: the data rule out a
    difference of that size.
``uncertain``
    Anything else: neither a clear remaining difference nor a demonstrated explanation, nor
    enough precision to rule a difference out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from isuwork.analysis.criteria.estimate import Estimate, finite
from isuwork.analysis.criteria.heterogeneity import Heterogeneity
from isuwork.analysis.criteria.staircase import Step

Verdict = Literal[
    "insufficient_data", "risk_unmotivated", "explained", "no_difference", "uncertain"
]
Flag = Literal["heterogeneous", "set_aside_differs", "raw_only", "sparse_strata"]

#: A step is credited with explaining the difference when it removed at least this share of it.
SUBSTANTIAL_SHARE = 1 / 3
#: Set-aside shares "differ clearly" when their difference is at least this (and significant).
SET_ASIDE_MIN_DIFF = 0.05
#: ``sparse_strata`` when less than this share of the compared cases lies in strata where each
#: group has at least :data:`MIN_STRATUM_N` cases.
DENSE_SHARE = 0.8


def final_heterogeneity(steps: Sequence[Step]) -> Heterogeneity | None:
    """The homogeneity test of the last testable stratified step (None without one)."""
    tested = [s for s in steps if s.testable and s.heterogeneity is not None]
    return tested[-1].heterogeneity if tested else None


def verdict(
    groups: pd.DataFrame,
    remaining_by_group: Mapping[str, int],
    raw: Estimate,
    remaining: Estimate,
    heterogeneity: Heterogeneity | None,
    *,
    min_diff: float,
    margin: float,
    min_group: int,
) -> Verdict:
    """The verdict code (see the module's description for the rules)."""
    if (groups["n"] < min_group).any() or min(remaining_by_group.values()) < min_group:
        return "insufficient_data"
    if not raw.defined or not remaining.defined:
        return "insufficient_data"
    varies = heterogeneity is not None and heterogeneity.rejected
    if remaining.is_clear(min_diff) or (varies and heterogeneity.clear_strata):
        return "risk_unmotivated"
    if raw.is_clear(min_diff) and abs(remaining.diff) < min_diff and _moved(raw, remaining):
        return "explained"
    doubt = heterogeneity is not None and heterogeneity.doubtful
    if (
        not raw.is_clear(min_diff)
        and not doubt
        and _within(raw, margin)
        and _within(remaining, margin)
    ):
        return "no_difference"
    return "uncertain"


def _moved(raw: Estimate, remaining: Estimate) -> bool:
    """True when the remaining interval lies on the near side of half the raw estimate.

    That is, at least half of the raw difference was removed, with the check's confidence.
    (Merely excluding the raw estimate itself is not enough: when need explains part of a
    difference that persists, the remaining estimate falls below ``min_diff`` by chance too
    often; ``benchmarks/verdicts.py`` measured 8.6 % ``explained`` in ``persistent_300``.)
    """
    half = raw.diff / 2
    return bool(remaining.ci_high < half if raw.diff > 0 else remaining.ci_low > half)


def _within(est: Estimate, margin: float) -> bool:
    """True when the interval lies strictly inside ``±margin``."""
    if not (finite(est.ci_low) and finite(est.ci_high)):
        return False
    return bool(-margin < est.ci_low and est.ci_high < margin)


def flags(
    steps: Sequence[Step], heterogeneity: Heterogeneity | None, *, alpha: float
) -> tuple[Flag, ...]:
    """The flags that qualify a verdict.

    ``heterogeneous``: the difference clearly varies between need strata. ``set_aside_differs``:
    a set-aside step removed clearly different shares of the two groups (interval of the
    difference excludes 0 and it is at least :data:`SET_ASIDE_MIN_DIFF`): that judgement may
    itself carry a gender bias. ``raw_only``: no criterion could be tested. ``sparse_strata``:
    less than :data:`DENSE_SHARE` of the compared cases lies in strata where each group has at
    least :data:`MIN_STRATUM_N` cases.
    """
    out: list[Flag] = []
    if heterogeneity is not None and heterogeneity.rejected:
        out.append("heterogeneous")
    if any(set_aside_differs(s, alpha) for s in steps if s.testable):
        out.append("set_aside_differs")
    if not any(s.testable for s in steps):
        out.append("raw_only")
    last = next((s for s in reversed(steps) if s.testable and s.strata is not None), None)
    if last is not None and last.n_remaining and last.n_dense < DENSE_SHARE * last.n_remaining:
        out.append("sparse_strata")
    return tuple(out)


def set_aside_differs(step: Step, alpha: float) -> bool:
    """True when a set-aside step removed clearly different shares of the two groups."""
    est = step.set_aside_diff
    if est is None or not est.defined:
        return False
    return bool(est.p_value < alpha and abs(est.diff) >= SET_ASIDE_MIN_DIFF)


def explained_by(steps: Sequence[Step]) -> tuple[str, ...]:
    """Criteria whose step removed at least a third of the raw difference, in order.

    Only what a step actually removed counts; a difference that merely stopped being clear
    because fewer cases remained is not credited to anything.
    """
    return tuple(
        step.criterion
        for step in steps
        if step.testable
        and step.explained_share is not None
        and np.isfinite(step.explained_share)
        and step.explained_share >= SUBSTANTIAL_SHARE
    )
