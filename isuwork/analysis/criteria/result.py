"""The result of the criteria check: the staircase, the verdict and what they rest on.

A :class:`CriteriaResult` holds numbers and codes only. Its Swedish sentence, readable text and
JSON form are written by :mod:`isuwork.present.criteria_report`; ``groups`` and the steps'
``strata`` hold unprotected figures for use inside isuwork only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from isuwork.analysis.criteria.estimate import Estimate, OutcomeType
from isuwork.analysis.criteria.heterogeneity import Heterogeneity
from isuwork.analysis.criteria.specs import Kind
from isuwork.analysis.criteria.staircase import Step
from isuwork.analysis.criteria.verdict import Flag, Verdict
from isuwork.privacy.primary import shown_count


@dataclass(frozen=True)
class CriteriaResult:
    """The outcome of :func:`~isuwork.analysis.criteria.check_criteria`.

    Attributes
    ----------
    outcome, group, compare, kind, outcome_type
        What was compared: the outcome, the grouping column and its two levels (differences are
        first minus second), Tabell 1 or 2, and whether shares or means were compared.
    groups
        Per compared group: ``n``, ``antal``, ``varde``, ``ci_lag``, ``ci_hog`` (unprotected).
    raw, steps, remaining
        The raw difference, the staircase, and the difference after the last testable step.
    remaining_by_group
        Cases per compared group that contribute to the remaining difference.
    verdict, explained_by
        The verdict code and, for ``explained``, the criteria that explained the difference.
    flags
        Codes that qualify the verdict (``heterogeneous``, ``set_aside_differs``, ``raw_only``,
        ``sparse_strata``; see :func:`isuwork.analysis.criteria.verdict.flags`).
    heterogeneity
        The homogeneity test over the need strata of the last stratified step (None without).
    min_diff, margin, min_group, min_n, alpha, filters
        The terms of the check.
    shown_elsewhere
        Counts of the compared groups that the same publication also gives elsewhere (a
        kommun's screening list on the report's first page): ``("n", g)`` and ``("antal", g)``,
        True where it shows them and False where it hides them. Their protection takes these
        as given (see :func:`isuwork.present.criteria_counts.protect_counts`).
    """

    outcome: str
    group: str
    compare: tuple[str, str]
    kind: Kind
    outcome_type: OutcomeType
    groups: pd.DataFrame
    raw: Estimate
    steps: tuple[Step, ...]
    remaining: Estimate
    remaining_by_group: dict[str, int]
    verdict: Verdict
    explained_by: tuple[str, ...]
    min_diff: float
    margin: float
    min_group: int
    min_n: int
    alpha: float
    filters: dict[str, list[str]] = field(default_factory=dict)
    flags: tuple[Flag, ...] = ()
    heterogeneity: Heterogeneity | None = None
    shown_elsewhere: dict[tuple[str, str], bool] = field(default_factory=dict)

    def staircase(self) -> pd.DataFrame:
        """The staircase as a tidy table: the raw difference, then one row per criterion.

        Columns: ``steg`` (``ra`` or the criterion code), ``kriterium`` (Swedish label),
        ``status``, ``variabler``, ``saknas``, ``skillnad``, ``ci_lag``, ``ci_hog``,
        ``p_varde``, ``n``, ``n_kvar``, ``n_bortsorterade``, ``andel_bada_grupper``,
        ``forklarad_andel``, ``metod``. Differences are first minus second compared group;
        shares are fractions; counts below ``min_n`` are hidden.
        """
        total = int(self.groups["n"].sum())
        rows = [
            {
                "steg": "ra",
                "kriterium": "Rå skillnad",
                "status": "applied",
                "variabler": "",
                "saknas": "",
                "skillnad": self.raw.diff,
                "ci_lag": self.raw.ci_low,
                "ci_hog": self.raw.ci_high,
                "p_varde": self.raw.p_value,
                "n": total,
                "n_kvar": total,
                "n_bortsorterade": 0,
                "andel_bada_grupper": 1.0 if (self.groups["n"] > 0).all() else 0.0,
                "forklarad_andel": np.nan,
                "metod": self.raw.method,
            }
        ]
        for step in self.steps:
            est = step.estimate or Estimate.missing()
            rows.append(
                {
                    "steg": step.criterion,
                    "kriterium": step.label,
                    "status": step.status,
                    "variabler": ", ".join(step.variables),
                    "saknas": ", ".join(step.missing),
                    "skillnad": est.diff,
                    "ci_lag": est.ci_low,
                    "ci_hog": est.ci_high,
                    "p_varde": est.p_value,
                    "n": step.n,
                    "n_kvar": step.n_remaining,
                    "n_bortsorterade": step.n_set_aside,
                    "andel_bada_grupper": step.share_both_present,
                    "forklarad_andel": step.explained_share,
                    "metod": est.method,
                }
            )
        table = pd.DataFrame(rows)
        for col in ("n", "n_kvar", "n_bortsorterade"):
            shown = [shown_count(v, self.min_n) for v in table[col]]
            table[col] = pd.array(shown, dtype="Int64")
        for col in ("skillnad", "ci_lag", "ci_hog", "p_varde"):
            table[col] = table[col].astype("float64")
        for col in ("andel_bada_grupper", "forklarad_andel"):
            table[col] = pd.to_numeric(table[col]).astype("float64")
        return table
