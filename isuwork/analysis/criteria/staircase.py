"""The staircase: the difference again after each criterion, taken into account in turn.

Steps are cumulative and follow the catalogue's order. A ``stratify`` criterion (need) compares
the groups within need strata (:mod:`isuwork.analysis.criteria.need_strata`: every combination
of a few coarse variables, with a missing value as a stratum of its own, ``okänt``; or groups of
a prognostic score over the whole need profile), and asks whether the difference is the same in
every stratum (:mod:`isuwork.analysis.criteria.heterogeneity`). A ``set_aside`` criterion
removes the matching cases from every later step, and reports how many and what share of each
compared group it removed: such judgements are caseworkers' and may themselves differ by sex.
A criterion variable that is absent, or filled in for fewer than half of the cases in either
compared group, cannot be used ("uppgift saknas"); a criterion left with no usable variable is
``not_testable`` and explains nothing. The profile variables of the need step (the life areas)
are used when they are filled in well enough and are never called missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from isuwork.analysis import stats
from isuwork.analysis.criteria.estimate import (
    Cases,
    Estimate,
    estimate,
    odds_ratio,
    strata_table,
)
from isuwork.analysis.criteria.heterogeneity import MIN_STRATUM_N, Heterogeneity, heterogeneity
from isuwork.analysis.criteria.need_strata import NeedMethod, need_strata
from isuwork.analysis.criteria.specs import Spec
from isuwork.domain.selection import matches
from isuwork.domain.vocabulary import YES

Status = Literal["applied", "not_testable"]

#: A criterion variable is usable when, in each compared group, at least this share of the cases
#: it applies to has a value (for an "all" rule: among cases where the other conditions hold).
MIN_KNOWN_SHARE = 0.5
#: explained_share is left out (None) when the raw difference is smaller than this part of min_diff.
EXPLAINED_SHARE_GUARD = 0.5


@dataclass(frozen=True)
class Step:
    """One step of the staircase: one criterion applied on top of the ones before it.

    Attributes
    ----------
    criterion, label, rule
        Criterion code, Swedish label and rule (``stratify`` or ``set_aside``).
    status
        ``applied`` or ``not_testable`` (variables absent, too empty, or the criterion would
        condition on the outcome itself). A step that is not testable never explains anything.
    variables
        The variables the step used; ``missing`` those that were absent or too empty, ``thin``
        those of them that are in the data but filled in too rarely.
    uses_outcome
        The outcome's name when the criterion would condition on the outcome itself.
    estimate
        The difference remaining after this step (None when not testable).
    n
        Cases that contribute to the estimate (in strata where both groups are present).
    n_remaining
        Cases still in the comparison after every set-aside so far.
    n_set_aside
        Cases this step set aside.
    n_by_group
        Contributing cases per compared group.
    share_both_present
        ``n / n_remaining``: the share of cases in strata where both groups are present.
    explained_share
        ``(previous diff - this diff) / raw diff``; None when the raw difference is too small to
        divide by (below half of ``min_diff``) or the step is not testable.
    odds_ratio
        For share outcomes in stratified steps: the Mantel–Haenszel odds ratio of the *second*
        compared group relative to the first (the reference), with interval and p-value.
    strata
        The strata table (unprotected, internal): stratum values, per group ``n``, ``antal``
        and ``varde``, and ``ingar`` (both groups present).
    n_unknown_need
        Cases in the stratum of missing need values.
    need_method
        For the need step: ``exact`` (strata are the combinations of values) or ``prognostic``
        (groups of the need-predicted outcome).
    set_aside_by_group
        For a set-aside step: per compared group, ``(cases set aside, their share of the
        group's cases still compared before the step)``.
    set_aside_diff
        The difference between those shares (first minus second group), with Newcombe's
        interval and its test.
    heterogeneity
        For stratified steps: whether the difference varies between strata.
    n_dense
        For stratified steps: cases still compared in strata where each compared group has at
        least :data:`~isuwork.analysis.criteria.heterogeneity.MIN_STRATUM_N` cases.
    """

    criterion: str
    label: str
    rule: str
    status: Status
    variables: tuple[str, ...]
    missing: tuple[str, ...] = ()
    thin: tuple[str, ...] = ()
    uses_outcome: str | None = None
    estimate: Estimate | None = None
    n: int | None = None
    n_remaining: int | None = None
    n_set_aside: int = 0
    n_by_group: dict[str, int] = field(default_factory=dict)
    share_both_present: float | None = None
    explained_share: float | None = None
    odds_ratio: dict[str, Any] | None = None
    strata: pd.DataFrame | None = None
    n_unknown_need: int = 0
    need_method: NeedMethod | None = None
    set_aside_by_group: dict[str, tuple[int, float]] = field(default_factory=dict)
    set_aside_diff: Estimate | None = None
    heterogeneity: Heterogeneity | None = None
    n_dense: int | None = None

    @property
    def testable(self) -> bool:
        """True when the step could be applied."""
        return self.status == "applied"


def _usable(
    cases: Cases, spec: Spec, keep: np.ndarray
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Which of a criterion's variables can be used here, which are missing, which too empty."""
    frame = cases.frame
    absent = [v for v in spec.variables if v not in frame.columns]
    present = [v for v in spec.variables if v in frame.columns]
    hits = {v: matches(frame[v], spec.values[v], name=v) for v in present if v in spec.values}
    usable, thin = [], []
    for var in present:
        base = keep.copy()
        if spec.rule == "set_aside" and spec.when == "all":
            # a condition only matters where the others hold (velat_delta among those asked)
            for other, hit in hits.items():
                if other != var:
                    base &= hit
        known = frame[var].notna().to_numpy()
        has_any = bool((known & keep).any())
        # recorded well enough in *each* compared group: a criterion recorded for one group
        # only would set aside cases on one side and explain the difference away unfairly
        filled = min(_known_share(known, base & (cases.g == i)) for i in (0, 1))
        (usable if has_any and filled >= MIN_KNOWN_SHARE else thin).append(var)
    missing = tuple(v for v in spec.variables if v in absent or v in thin)
    if spec.rule == "set_aside" and spec.when == "all" and missing:
        usable = []
    for var in spec.profile:
        if var in frame.columns and var not in usable:
            known = frame[var].notna().to_numpy()
            if min(_known_share(known, keep & (cases.g == i)) for i in (0, 1)) >= MIN_KNOWN_SHARE:
                usable.append(var)
    return tuple(usable), missing, tuple(thin)


def _known_share(known: np.ndarray, base: np.ndarray) -> float:
    """Share of ``base`` cases with a known value (1 when ``base`` is empty: nothing to judge)."""
    total = int(base.sum())
    return float((known & base).sum()) / total if total else 1.0


def _set_aside_mask(frame: pd.DataFrame, spec: Spec, variables: Sequence[str]) -> np.ndarray:
    hits = [matches(frame[v], spec.values.get(v, (YES,)), name=v) for v in variables]
    combine = np.logical_and if spec.when == "all" else np.logical_or
    return combine.reduce(hits) if hits else np.zeros(len(frame), dtype=bool)


def run_steps(
    cases: Cases,
    specs: Sequence[Spec],
    *,
    raw: Estimate,
    alpha: float,
    min_diff: float,
    compare: tuple[str, str],
    group: str,
    outcome: str,
) -> list[Step]:
    """Apply the criteria in order and estimate the difference that remains after each.

    Parameters
    ----------
    cases
        The analysed cases.
    specs
        The criteria, in order (:func:`isuwork.analysis.criteria.specs.criteria_specs`).
    raw
        The raw difference, the base of each step's ``explained_share``.
    alpha
        1 − confidence level.
    min_diff
        The smallest clear difference (guards the division by a tiny raw difference).
    compare, group, outcome
        The compared levels, the grouping column and the outcome.
    """
    size = len(cases.y)
    keep = np.ones(size, dtype=bool)
    codes = np.zeros(size, dtype=np.int64)
    k = 1
    labels: pd.DataFrame | None = None
    unknown = np.zeros(size, dtype=bool)
    stratified = False
    need_method: NeedMethod | None = None
    bands = np.zeros(size, dtype=np.int64)
    band_names: list[str] = []
    previous = raw
    divisible = raw.defined and abs(raw.diff) >= EXPLAINED_SHARE_GUARD * min_diff and raw.diff != 0
    steps: list[Step] = []
    for spec in specs:
        if outcome in spec.profile:
            spec = replace(spec, profile=tuple(v for v in spec.profile if v != outcome))
        if outcome in spec.variables:
            steps.append(_not_testable(spec, spec.variables, (), uses_outcome=outcome))
            continue
        usable, missing, thin = _usable(cases, spec, keep)
        if not usable:
            steps.append(_not_testable(spec, missing or spec.variables, thin))
            continue
        n_set_aside = 0
        by_group: dict[str, tuple[int, float]] = {}
        aside_diff = None
        if spec.rule == "stratify":
            coarse = [v for v in usable if v not in spec.profile]
            need = need_strata(cases.frame, usable, cases.y, coarse=coarse)
            codes, labels, unknown, need_method = need.codes, need.labels, need.unknown, need.method
            bands, band_names = need.bands, need.band_names
            k = len(labels)
            stratified = True
        else:
            hit = _set_aside_mask(cases.frame, spec, usable) & keep
            n_set_aside = int(hit.sum())
            by_group, aside_diff = _set_aside_by_group(cases, hit, keep, compare, alpha)
            keep = keep & ~hit
        est, table = estimate(cases, codes, k, keep, alpha, stratified=stratified)
        in_both = table.both[codes] & keep
        n_used = int(in_both.sum())
        n_remaining = int(keep.sum())
        explained = None
        if divisible and est.defined and previous.defined:
            explained = (previous.diff - est.diff) / raw.diff
        steps.append(
            Step(
                criterion=spec.code,
                label=spec.label,
                rule=spec.rule,
                status="applied",
                variables=usable,
                missing=missing,
                thin=thin,
                estimate=est,
                n=n_used,
                n_remaining=n_remaining,
                n_set_aside=n_set_aside,
                n_by_group={
                    level: int((in_both & (cases.g == i)).sum()) for i, level in enumerate(compare)
                },
                share_both_present=n_used / n_remaining if n_remaining else None,
                explained_share=explained,
                odds_ratio=odds_ratio(table, compare) if stratified and cases.share else None,
                strata=(
                    strata_table(labels, table, group=group, compare=compare, share=cases.share)
                    if stratified and labels is not None
                    else None
                ),
                n_unknown_need=int((unknown & keep).sum()) if stratified else 0,
                need_method=need_method if spec.rule == "stratify" else None,
                set_aside_by_group=by_group,
                set_aside_diff=aside_diff,
                heterogeneity=(
                    heterogeneity(
                        cases,
                        codes,
                        k,
                        keep,
                        in_both,
                        bands,
                        band_names,
                        alpha=alpha,
                        min_diff=min_diff,
                    )
                    if stratified and labels is not None
                    else None
                ),
                n_dense=(
                    int(table.n[(table.n >= MIN_STRATUM_N).all(axis=1)].sum())
                    if stratified
                    else None
                ),
            )
        )
        if est.defined:
            previous = est
    return steps


def _set_aside_by_group(
    cases: Cases, hit: np.ndarray, keep: np.ndarray, compare: tuple[str, str], alpha: float
) -> tuple[dict[str, tuple[int, float]], Estimate]:
    """Cases set aside per compared group, their share, and the difference of the shares."""
    counts = [int((hit & (cases.g == i)).sum()) for i in (0, 1)]
    bases = [int((keep & (cases.g == i)).sum()) for i in (0, 1)]
    by_group = {
        level: (count, count / base if base else float("nan"))
        for level, count, base in zip(compare, counts, bases, strict=True)
    }
    row = stats.diff_proportions([counts[0]], [bases[0]], [counts[1]], [bases[1]], alpha=alpha)
    first = row.iloc[0]
    diff = Estimate(
        float(first["diff"]),
        float(first["ci_low"]),
        float(first["ci_high"]),
        float(first["p_value"]),
        str(first["test"]),
    )
    return by_group, diff


def _not_testable(
    spec: Spec, missing: tuple[str, ...], thin: tuple[str, ...], *, uses_outcome: str | None = None
) -> Step:
    return Step(
        criterion=spec.code,
        label=spec.label,
        rule=spec.rule,
        status="not_testable",
        variables=tuple(spec.variables),
        missing=tuple(missing),
        thin=thin,
        uses_outcome=uses_outcome,
    )
