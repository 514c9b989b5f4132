"""The criteria check: select the cases, estimate the raw difference, climb the staircase, judge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from isuwork.analysis.criteria.estimate import (
    Cases,
    default_margin,
    default_min_diff,
    estimate,
    group_table,
)
from isuwork.analysis.criteria.result import CriteriaResult
from isuwork.analysis.criteria.specs import (
    Kind,
    check_compare,
    check_numbers,
    criteria_specs,
    resolve_kind,
)
from isuwork.analysis.criteria.staircase import run_steps
from isuwork.analysis.criteria.verdict import explained_by, final_heterogeneity, flags, verdict
from isuwork.analysis.outcomes import outcome_kind, outcome_values
from isuwork.domain.catalog import load_catalog
from isuwork.domain.selection import Filters, as_list, matches, require_columns, selection_mask
from isuwork.domain.vocabulary import DEFAULT_MIN_N, SEX
from isuwork.exceptions import ParameterError


def check_criteria(
    df: pd.DataFrame,
    *,
    outcome: str,
    group: str = SEX,
    compare: Sequence[str] | None = None,
    kind: Kind | None = None,
    criteria: Mapping[str, Sequence[str] | Mapping[str, Sequence[str]]] | None = None,
    filters: Filters | None = None,
    alpha: float = 0.05,
    min_diff: float | None = None,
    margin: float | None = None,
    min_group: int = 20,
    min_n: int = DEFAULT_MIN_N,
) -> CriteriaResult:
    """Check a difference between two groups against the criteria for unmotivated differences.

    Parameters
    ----------
    df
        A prepared frame (:func:`isuwork.data.prepare.prepare`): one row per utredning.
    outcome
        The outcome column: yes/no (compared as shares) or numeric (compared as means, e.g.
        ``hemtjanst_tim_man``).
    group
        The column that defines the groups (default ``kon``).
    compare
        The two levels of ``group`` to compare; differences are first minus second. Default for
        ``kon``: the catalogue's two sexes (``kvinna``, ``man``).
    kind
        ``'insats'`` (Tabell 1) or ``'delaktighet'`` (Tabell 2). By default the outcome's role
        in the catalogue decides.
    criteria
        Overrides of the catalogue's variables per criterion code, e.g.
        ``{"behov": ["dept"], "annat_satt": ["hjalp_anhorig"]}``. For a ``stratify`` criterion
        the columns form the strata. For a ``set_aside`` criterion each column is a condition
        (any one sets a case aside): a column the catalogue knows for that criterion keeps the
        catalogue's values (``onskar_insats`` → ``nej``); any other column sets aside cases where
        it is yes (``ja``/True). Give a mapping ``{column: [values]}`` to name the values that
        set a case aside, e.g. ``{"installning": {"vill_ha": ["nej"]}}``.
    filters
        Restrict the cases first: column → value or list of values
        (see :mod:`isuwork.domain.selection`).
    alpha
        1 − confidence level of the intervals.
    min_diff
        Smallest difference that counts as clear: by default 0.03 (3 percentage points) for
        shares and 10 % of the overall mean for numeric outcomes.
    margin
        Largest difference the data must rule out before the verdict is ``no_difference``: by
        default 0.10 (10 percentage points) for shares and a quarter of the overall mean for
        numeric outcomes.
    min_group
        Fewest cases per compared group, both overall and in what remains at the last step.
    min_n
        Privacy threshold for the counts shown of the result.

    Returns
    -------
    CriteriaResult
        The staircase, the ``verdict``, its ``flags`` and ``explained_by``; see
        :mod:`isuwork.analysis.criteria.verdict` for the rules. ``explained_by`` (only for
        ``explained``) lists, in order, each testable criterion whose step removed at least a
        third of the raw difference (``explained_share >= 1/3``). The Swedish sentence and the
        JSON form are written by :mod:`isuwork.present.criteria_report`.

    Examples
    --------
    >>> result = check_criteria(data, outcome="beviljad", filters={"verksamhet": "lss"})  # doctest: +SKIP
    >>> result.verdict, result.explained_by  # doctest: +SKIP
    ('explained', ('behov',))
    """
    check_numbers(alpha=alpha, min_diff=min_diff, min_group=min_group, min_n=min_n, margin=margin)
    require_columns(df, [outcome, group], what="analysen")
    if compare is None:
        compare = load_catalog().sexes if group == SEX else ()
    pair = check_compare(compare)
    kind_v = resolve_kind(outcome, kind)
    specs = criteria_specs(kind_v, criteria, df=df, group=group)
    chosen = {str(col): [str(v) for v in as_list(vals)] for col, vals in (filters or {}).items()}
    cases = _cases(df, outcome=outcome, group=group, compare=pair, filters=chosen)
    groups = group_table(cases, group=group, compare=pair, outcome=outcome)
    everyone = np.ones(len(cases.y), dtype=bool)
    no_strata = np.zeros(len(cases.y), dtype=np.int64)
    raw, _ = estimate(cases, no_strata, 1, everyone, alpha, stratified=False)
    min_diff_v = default_min_diff(cases) if min_diff is None else float(min_diff)
    margin_v = default_margin(cases) if margin is None else float(margin)

    steps = run_steps(
        cases,
        specs,
        raw=raw,
        alpha=alpha,
        min_diff=min_diff_v,
        compare=pair,
        group=group,
        outcome=outcome,
    )
    last = next((s for s in reversed(steps) if s.testable), None)
    if last is not None and last.estimate is not None:
        remaining, remaining_by_group = last.estimate, last.n_by_group
    else:
        remaining = raw
        remaining_by_group = dict(zip(pair, groups["n"].tolist(), strict=True))

    varies = final_heterogeneity(steps)
    code = verdict(
        groups,
        remaining_by_group,
        raw,
        remaining,
        varies,
        min_diff=min_diff_v,
        margin=margin_v,
        min_group=min_group,
    )
    return CriteriaResult(
        outcome=outcome,
        group=group,
        compare=pair,
        kind=kind_v,
        outcome_type=cases.outcome_type,
        groups=groups,
        raw=raw,
        steps=tuple(steps),
        remaining=remaining,
        remaining_by_group=remaining_by_group,
        verdict=code,
        flags=flags(steps, varies, alpha=alpha),
        heterogeneity=varies,
        explained_by=explained_by(steps) if code == "explained" else (),
        min_diff=min_diff_v,
        margin=margin_v,
        min_group=min_group,
        min_n=min_n,
        alpha=alpha,
        filters=chosen,
    )


def _cases(
    df: pd.DataFrame,
    *,
    outcome: str,
    group: str,
    compare: tuple[str, str],
    filters: dict[str, list[str]],
) -> Cases:
    """The compared groups' cases with a known outcome, after the selection."""
    mask = selection_mask(df, filters)
    first = matches(df[group], [compare[0]], name=group)
    second = matches(df[group], [compare[1]], name=group)
    column = df[outcome]
    kind = outcome_kind(column)
    if kind == "category":
        if isinstance(column.dtype, pd.CategoricalDtype):
            raise ParameterError(
                f"Utfallet '{outcome}' har kategorier. Kriteriekontrollen jämför andelar "
                "(ja/nej) eller medelvärden; välj ett ja/nej-utfall eller ett numeriskt utfall."
            )
        raise ParameterError(
            f"Utfallet '{outcome}' är varken ja/nej eller numeriskt. Välj ett ja/nej-utfall "
            "(jämförs som andelar) eller ett numeriskt utfall (jämförs som medelvärden)."
        )
    y_all = outcome_values(column, kind).to_numpy(dtype=float)
    keep = mask & (first | second) & ~np.isnan(y_all)
    return Cases(
        frame=df.loc[keep].reset_index(drop=True),
        y=y_all[keep],
        g=np.where(first[keep], 0, 1).astype(np.int64),
        outcome_type=kind,
    )
