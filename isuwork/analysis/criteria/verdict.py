"""The verdict of the criteria check, from the raw difference and the one that remains.

A verdict is one of the codes in :data:`isuwork.domain.vocabulary.VERDICT_LABELS`. It can
show a *risk* of an unmotivated difference, never prove one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd

from isuwork.analysis.criteria.estimate import Estimate
from isuwork.analysis.criteria.staircase import Step

Verdict = Literal["insufficient_data", "risk_unmotivated", "explained", "no_difference"]

#: A step "removed a substantial part" of the raw difference when it explains at least this share.
SUBSTANTIAL_SHARE = 1 / 3


def verdict(
    groups: pd.DataFrame,
    remaining_by_group: Mapping[str, int],
    raw: Estimate,
    remaining: Estimate,
    *,
    min_diff: float,
    min_group: int,
) -> Verdict:
    """The verdict code.

    ``insufficient_data`` when a compared group has fewer than ``min_group`` cases, overall or
    among the cases that contribute to the last testable step (or no difference could be
    estimated); ``risk_unmotivated`` when the remaining difference is clear (interval excludes
    0 and at least ``min_diff``); ``explained`` when the raw difference is clear and the
    remaining one is not; ``no_difference`` when neither is.
    """
    if (groups["n"] < min_group).any() or min(remaining_by_group.values()) < min_group:
        return "insufficient_data"
    if not raw.defined or not remaining.defined:
        return "insufficient_data"
    if remaining.is_clear(min_diff):
        return "risk_unmotivated"
    if raw.is_clear(min_diff):
        return "explained"
    return "no_difference"


def explained_by(steps: Sequence[Step], raw: Estimate, min_diff: float) -> tuple[str, ...]:
    """Criteria that turned a clear difference unclear, or removed at least a third of it."""
    out = []
    previous = raw
    for step in steps:
        if not step.testable or step.estimate is None or not step.estimate.defined:
            continue
        crossed = previous.is_clear(min_diff) and not step.estimate.is_clear(min_diff)
        substantial = step.explained_share is not None and step.explained_share >= SUBSTANTIAL_SHARE
        if crossed or substantial:
            out.append(step.criterion)
        previous = step.estimate
    return tuple(out)
