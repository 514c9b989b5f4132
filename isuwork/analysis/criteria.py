"""The criteria for unmotivated differences (Tabell 1 and 2 of the SKR support) and their verdict.

A difference between two groups (usually women and men) in decisions on interventions or in
participation is *unmotivated* when it cannot be explained by real differences in need, by the
need being met another way, or by the client's (or guardian's) own wishes and consent
(Vård- och omsorgsanalys 2018, 2022). The check compares the groups step by step: the raw
difference, then the difference that remains as each criterion is taken into account in turn.
It can only show a *risk* of an unmotivated difference, never prove one; a motivated difference
may still sustain inequality and belongs in step 2 of the analysis.

Method
------
Steps are cumulative and follow the catalogue's order. A ``stratify`` criterion (``behov``)
compares the groups within strata formed by every combination of the need variables that are
usable; cases with a missing need value form a stratum of their own (``okänt``) rather than being
dropped, and their count is reported. Shares are compared with the Mantel–Haenszel risk
difference, means with the weighted mean difference, both with stratum weights
``n1 * n2 / (n1 + n2)`` (:mod:`isuwork.analysis.stats`); this is a Mantel–Haenszel-type weighted
difference, not direct standardisation. Strata where only one of the groups is present are
counted and listed but cannot contribute. A ``set_aside`` criterion removes the matching cases
from every later step. A criterion variable that is absent, or filled in for fewer than half of
the cases in either compared group, cannot be used ("uppgift saknas"); a criterion left with no
usable variable is ``not_testable`` and explains nothing. Participation outcomes (Tabell 2) are
held within need strata too (``delaktighet_need`` in the catalogue) when need variables are
present.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from isuwork.analysis import stats
from isuwork.domain.catalog import NO, YES, Criterion, load_catalog
from isuwork.domain.formatting import NBSP, format_number, format_percent, format_pvalue
from isuwork.exceptions import DataError, ParameterError
from isuwork.privacy import suppression as privacy

Verdict = Literal["insufficient_data", "risk_unmotivated", "explained", "no_difference"]
Kind = Literal["insats", "delaktighet"]
OutcomeType = Literal["share", "mean"]
Status = Literal["applied", "not_testable"]

VERDICTS: tuple[str, ...] = ("insufficient_data", "risk_unmotivated", "explained", "no_difference")
KINDS: tuple[str, ...] = ("insats", "delaktighet")

#: Default smallest difference that counts as clear, for shares (3 percentage points).
DEFAULT_MIN_DIFF_SHARE = 0.03
#: Default smallest difference for numeric outcomes, as a fraction of the overall mean.
DEFAULT_MIN_DIFF_MEAN_FRACTION = 0.10
#: A criterion variable is usable when, in each compared group, at least this share of the cases
#: it applies to has a value (for an "all" rule: among cases where the other conditions hold).
MIN_KNOWN_SHARE = 0.5
#: A step "removed a substantial part" of the raw difference when it explains at least this share.
SUBSTANTIAL_SHARE = 1 / 3
#: explained_share is left out (None) when the raw difference is smaller than this part of min_diff.
EXPLAINED_SHARE_GUARD = 0.5
#: Label of the stratum of cases whose need value is missing.
UNKNOWN_STRATUM = "okänt"

# Spellings of yes/no accepted in text columns outside the schema (as the mapping step does).
_YES_SPELLINGS = frozenset({YES, "j", "1", "true", "sant", "yes", "y"})
_NO_SPELLINGS = frozenset({NO, "n", "0", "false", "falskt", "no"})

_VERDICT_LABELS = {
    "insufficient_data": "För lite data för en bedömning",
    "risk_unmotivated": "Risk för omotiverad skillnad",
    "explained": "Skillnaden förklaras av kriterierna",
    "no_difference": "Ingen tydlig skillnad",
}
_KIND_LABELS = {
    "insats": "Tabell 1, beslut om insats",
    "delaktighet": "Tabell 2, delaktighet",
}
_STEP2_REMINDER = (
    "Kom ihåg: även en skillnad som kan förklaras av kriterierna kan bidra till att "
    "ojämställdhet består. Ta med resultatet till steg 2, Vi reflekterar."
)


# --------------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """A difference (first compared group minus second) with its interval and p-value."""

    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str

    @classmethod
    def missing(cls, method: str = "") -> Estimate:
        nan = float("nan")
        return cls(nan, nan, nan, nan, method)

    @property
    def defined(self) -> bool:
        return not math.isnan(self.diff)

    def is_clear(self, min_diff: float) -> bool:
        """True when the interval excludes 0 and the difference is at least ``min_diff``."""
        if not (self.defined and _finite(self.ci_low) and _finite(self.ci_high)):
            return False
        excludes_zero = self.ci_low > 0 or self.ci_high < 0
        return bool(excludes_zero and abs(self.diff) >= min_diff)

    def to_dict(self) -> dict[str, Any]:
        return {
            "diff": _num(self.diff),
            "ci": [_num(self.ci_low), _num(self.ci_high)],
            "p": _num(self.p_value),
        }


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
        The variables the step used; ``missing`` those that were absent or too empty.
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
        The strata table (unsuppressed, internal): stratum values, per group ``n_*``, ``antal_*``
        and ``varde_*``, and ``ingar`` (both groups present).
    """

    criterion: str
    label: str
    rule: str
    status: Status
    variables: tuple[str, ...]
    missing: tuple[str, ...] = ()
    reason: str | None = None
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

    @property
    def testable(self) -> bool:
        return self.status == "applied"


@dataclass(frozen=True)
class CriteriaResult:
    """The outcome of :func:`check_criteria`: the staircase, the verdict and a Swedish message.

    Use :meth:`to_dict` for JSON (suppressed for privacy), :meth:`staircase` for a tidy table and
    :meth:`to_text` for a readable Swedish summary. ``groups`` and the steps' ``strata`` hold
    unsuppressed figures for use inside the library only.
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
    verdict: Verdict
    explained_by: tuple[str, ...]
    message: str
    min_diff: float
    min_group: int
    min_n: int
    alpha: float
    filters: dict[str, list[str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    # -- tidy table ----------------------------------------------------------------------------
    def staircase(self) -> pd.DataFrame:
        """The staircase as a tidy table: the raw difference, then one row per criterion.

        Columns: ``steg`` (``ra`` or the criterion code), ``kriterium`` (Swedish label),
        ``status``, ``variabler``, ``saknas``, ``skillnad``, ``ci_lag``, ``ci_hog``,
        ``p_varde``, ``n``, ``n_kvar``, ``n_bortsorterade``, ``andel_bada_grupper``,
        ``forklarad_andel``, ``metod``. Differences are first minus second compared group;
        shares are fractions.
        """
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
                "n": int(self.groups["n"].sum()),
                "n_kvar": int(self.groups["n"].sum()),
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
            shown = [_shown_count(v, self.min_n) for v in table[col]]
            table[col] = pd.array(shown, dtype="Int64")
        for col in ("skillnad", "ci_lag", "ci_hog", "p_varde"):
            table[col] = table[col].astype("float64")
        for col in ("andel_bada_grupper", "forklarad_andel"):
            table[col] = pd.to_numeric(table[col]).astype("float64")
        return table

    # -- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON form (stable keys; counts below ``min_n`` hidden as null with ``dold``)."""
        groups, raw_hidden = self._suppressed_groups()
        raw = self.raw.to_dict()
        if raw_hidden:
            raw = {"diff": None, "ci": [None, None], "p": None}
        raw["dold"] = raw_hidden
        return {
            "outcome": self.outcome,
            "outcome_type": self.outcome_type,
            "group": self.group,
            "compare": list(self.compare),
            "kind": self.kind,
            "filters": self.filters,
            "groups": groups,
            "raw": raw,
            "steps": [self._step_dict(step) for step in self.steps],
            "remaining": self.remaining.to_dict(),
            "verdict": self.verdict,
            "explained_by": list(self.explained_by),
            "message": self.message,
            "min_diff": _num(self.min_diff),
            "min_group": self.min_group,
            "min_n": self.min_n,
            "method": {
                "raw": self.raw.method,
                "stratified": _stratified_method(self.outcome_type),
            },
            "notes": list(self.notes),
        }

    def _suppressed_groups(self) -> tuple[dict[str, dict[str, Any]], bool]:
        table = self.groups.copy()
        table["skillnad"] = self.raw.diff
        table["skillnad_ci_lag"] = self.raw.ci_low
        table["skillnad_ci_hog"] = self.raw.ci_high
        table["p_varde"] = self.raw.p_value
        shown = privacy.suppress(table, min_n=self.min_n, pair_col=self.group)
        out: dict[str, dict[str, Any]] = {}
        for _, row in shown.iterrows():
            out[str(row[self.group])] = {
                "n": _int_or_none(row["n"]),
                "value": _num(row["varde"]),
                "dold": bool(row["dold"]),
            }
        raw_hidden = bool(shown["skillnad"].isna().any()) and self.raw.defined
        return out, raw_hidden

    def _step_dict(self, step: Step) -> dict[str, Any]:
        est = step.estimate
        return {
            "criterion": step.criterion,
            "label": step.label,
            "rule": step.rule,
            "status": step.status,
            "variables": list(step.variables),
            "missing": list(step.missing),
            "reason": step.reason,
            "diff": _num(est.diff) if est else None,
            "ci": [_num(est.ci_low), _num(est.ci_high)] if est else [None, None],
            "p": _num(est.p_value) if est else None,
            "method": est.method if est else None,
            "n": _shown_count(step.n, self.min_n),
            "n_remaining": _shown_count(step.n_remaining, self.min_n),
            "n_set_aside": _shown_count(step.n_set_aside, self.min_n),
            "n_unknown_need": _shown_count(step.n_unknown_need, self.min_n),
            "share_both_present": _num(step.share_both_present),
            "explained_share": _num(step.explained_share),
            "odds_ratio": step.odds_ratio,
            "strata": self._strata_records(step),
        }

    def _strata_records(self, step: Step) -> list[dict[str, Any]] | None:
        if step.strata is None:
            return None
        return _strata_records(step.strata, group=self.group, min_n=self.min_n)

    # -- text ----------------------------------------------------------------------------------
    def to_text(self) -> str:
        """A readable Swedish summary: groups, the staircase, the verdict and the message."""
        return _render_text(self)


# --------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Spec:
    """A criterion as it will be applied: rule plus variables and their set-aside values."""

    code: str
    label: str
    rule: str
    variables: tuple[str, ...]
    when: str
    values: dict[str, tuple[str, ...]]


@dataclass
class _Data:
    """The analysed cases: the compared groups with a known outcome, as arrays."""

    frame: pd.DataFrame
    y: np.ndarray  # outcome as float (0/1 for shares)
    g: np.ndarray  # 0 = first compared group, 1 = second
    outcome_type: OutcomeType


def check_criteria(
    df: pd.DataFrame,
    *,
    outcome: str,
    group: str = "kon",
    compare: Sequence[str] = ("kvinna", "man"),
    kind: Kind | None = None,
    criteria: Mapping[str, Sequence[str] | Mapping[str, Sequence[str]]] | None = None,
    filters: Mapping[str, object] | None = None,
    alpha: float = 0.05,
    min_diff: float | None = None,
    min_group: int = 20,
    min_n: int = 5,
) -> CriteriaResult:
    """Check a difference between two groups against the criteria for unmotivated differences.

    Parameters
    ----------
    df
        A prepared frame (``isuwork.data.prepare``): one row per utredning.
    outcome
        The outcome column: yes/no (compared as shares) or numeric (compared as means, e.g.
        ``hemtjanst_tim_man``). Text columns holding only yes/no spellings count as yes/no.
    group
        The column that defines the groups (default ``kon``).
    compare
        The two levels of ``group`` to compare; differences are first minus second.
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
        Restrict the cases first: column → value or list of values (yes/no as ``ja``/``nej``).
    alpha
        1 − confidence level of the intervals.
    min_diff
        Smallest difference that counts as clear: by default 0.03 (3 percentage points) for
        shares and 10 % of the overall mean for numeric outcomes.
    min_group
        Fewest cases per compared group, both overall and in what remains at the last step.
    min_n
        Privacy threshold for the counts shown by :meth:`CriteriaResult.to_dict`.

    Returns
    -------
    CriteriaResult
        The staircase, the ``verdict`` and the Swedish ``message``. Verdicts:

        ``insufficient_data``
            a compared group has fewer than ``min_group`` cases, overall or among the cases that
            contribute to the last testable step (or no stratum holds both groups);
        ``risk_unmotivated``
            the difference remaining after every testable criterion is clear (interval
            excludes 0 and at least ``min_diff``), whether or not the raw difference was;
        ``explained``
            the raw difference is clear and the remaining one is not;
        ``no_difference``
            neither is clear.

        ``explained_by`` (only for ``explained``) lists, in order, each testable criterion whose
        step (a) turned a clear difference into one that is not clear, or (b) removed at least a
        third of the raw difference (``explained_share >= 1/3``).

    Examples
    --------
    >>> result = check_criteria(data, outcome="beviljad", filters={"verksamhet": "lss"})  # doctest: +SKIP
    >>> result.verdict, result.explained_by  # doctest: +SKIP
    ('explained', ('behov',))
    """
    compare_t = _check_compare(compare)
    _check_numbers(alpha=alpha, min_diff=min_diff, min_group=min_group, min_n=min_n)
    _require_columns(df, [outcome, group], what="analysen")
    kind_v = _resolve_kind(outcome, kind)
    specs = _criteria_specs(kind_v, criteria, df=df, group=group)
    filters_norm = _normalise_filters(filters)
    data = _analysed_cases(
        df, outcome=outcome, group=group, compare=compare_t, filters=filters_norm
    )
    groups = _group_table(data, group=group, compare=compare_t, outcome=outcome)
    everyone = np.ones(len(data.y), dtype=bool)
    no_strata = np.zeros(len(data.y), dtype=np.int64)
    raw, _ = _estimate(data, no_strata, 1, everyone, alpha, stratified=False)
    min_diff_v = _default_min_diff(data) if min_diff is None else float(min_diff)

    steps = _run_steps(
        data,
        specs,
        raw=raw,
        alpha=alpha,
        min_diff=min_diff_v,
        compare=compare_t,
        group=group,
        outcome=outcome,
    )
    last = next((s for s in reversed(steps) if s.testable), None)
    if last is not None and last.estimate is not None:
        remaining, remaining_by_group = last.estimate, last.n_by_group
    else:
        remaining = raw
        remaining_by_group = dict(zip(compare_t, groups["n"].tolist(), strict=True))

    verdict = _verdict(
        groups, remaining_by_group, raw, remaining, min_diff=min_diff_v, min_group=min_group
    )
    explained_by = _explained_by(steps, raw, min_diff_v) if verdict == "explained" else ()
    result = CriteriaResult(
        outcome=outcome,
        group=group,
        compare=compare_t,
        kind=kind_v,
        outcome_type=data.outcome_type,
        groups=groups,
        raw=raw,
        steps=tuple(steps),
        remaining=remaining,
        verdict=verdict,
        explained_by=explained_by,
        message="",
        min_diff=min_diff_v,
        min_group=min_group,
        min_n=min_n,
        alpha=alpha,
        filters=filters_norm,
        notes=tuple(_notes(steps, min_n=min_n)),
    )
    return replace(result, message=_message(result, remaining_by_group))


# -- command-line style options ---------------------------------------------------------------
#: Which criterion each command-line option replaces, per kind (Tabell 2 has no "another way").
OPTION_CRITERIA: dict[str, dict[str, str]] = {
    "insats": {"need": "behov", "alternative": "annat_satt", "attitude": "installning"},
    "delaktighet": {"need": "behov", "attitude": "vardnadshavare"},
}
_OPTION_NAMES = {"need": "--need", "alternative": "--alternative", "attitude": "--attitude"}


def resolve_kind(outcome: str, kind: str | None = None) -> Kind:
    """The criteria table for an outcome: ``kind`` when given, else the outcome's catalogue role.

    Raises
    ------
    ParameterError
        When ``kind`` is not ``'insats'``/``'delaktighet'``, or it is None and the outcome's
        role in the catalogue is neither.
    """
    return _resolve_kind(outcome, kind)


def option_overrides(
    outcome: str,
    *,
    kind: str | None = None,
    need: Sequence[str] = (),
    alternative: Sequence[str] = (),
    attitude: Sequence[str] = (),
) -> dict[str, Any]:
    """Turn ``--need``/``--alternative``/``--attitude`` values into a ``criteria=`` mapping.

    ``need`` holds column names. ``alternative`` and ``attitude`` hold ``COL`` or
    ``COL=VALUE[,VALUE…]``: without values a column sets a case aside where it is yes (or where
    the catalogue's values for that criterion say so); with values, where it has one of them.
    ``attitude`` replaces ``installning`` (Tabell 1) or ``vardnadshavare`` (Tabell 2).

    Examples
    --------
    >>> option_overrides("beviljad", need=["dept"], attitude=["vill_ha=nej"])
    {'behov': ['dept'], 'installning': {'vill_ha': ['nej']}}
    """
    kind_v = _resolve_kind(outcome, kind)
    codes = OPTION_CRITERIA[kind_v]
    out: dict[str, Any] = {}
    for option, given in (("need", need), ("alternative", alternative), ("attitude", attitude)):
        if not given:
            continue
        if option not in codes:
            raise ParameterError(
                f"{_OPTION_NAMES[option]} kan inte användas för {_KIND_LABELS[kind_v]}: där "
                f"finns inget sådant kriterium. Tillåtna: "
                f"{', '.join(_OPTION_NAMES[o] for o in codes)}."
            )
        if option == "need":
            out[codes[option]] = [_plain_column(item, _OPTION_NAMES[option]) for item in given]
            continue
        spec: dict[str, list[str]] = {}
        for item in given:
            column, _, values = str(item).partition("=")
            column = _plain_column(column, _OPTION_NAMES[option])
            spec[column] = [v.strip() for v in values.split(",") if v.strip()]
        out[codes[option]] = spec
    return out


def parse_filters(items: Sequence[str]) -> dict[str, list[str]]:
    """Parse ``COL=VALUE`` strings into ``filters=``; a repeated column means any of its values.

    Examples
    --------
    >>> parse_filters(["verksamhet=lss", "aldersgrupp=23-64", "aldersgrupp=65+"])
    {'verksamhet': ['lss'], 'aldersgrupp': ['23-64', '65+']}
    """
    out: dict[str, list[str]] = {}
    for item in items:
        column, sep, value = str(item).partition("=")
        if not sep or not column.strip() or not value.strip():
            raise ParameterError(
                f"Urvalet '{item}' ska skrivas KOLUMN=VÄRDE, till exempel --filter verksamhet=lss."
            )
        out.setdefault(column.strip(), []).append(value.strip())
    return out


def _plain_column(text: str, option: str) -> str:
    column = str(text).strip()
    if not column or "=" in column:
        raise ParameterError(
            f"{option} ska följas av ett kolumnnamn (till exempel {option} dept); fick '{text}'."
        )
    return column


# -- validation --------------------------------------------------------------------------------
def _check_compare(compare: Sequence[str]) -> tuple[str, str]:
    if isinstance(compare, str) or len(compare) != 2:
        raise ParameterError(
            f"compare ska vara två grupper att jämföra, till exempel ('kvinna', 'man'); "
            f"fick {compare!r}."
        )
    first, second = (str(v) for v in compare)
    if first == second:
        raise ParameterError(
            f"De två grupperna som jämförs måste vara olika; fick '{first}' två gånger."
        )
    return first, second


def _check_numbers(*, alpha: float, min_diff: float | None, min_group: int, min_n: int) -> None:
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha ska ligga mellan 0 och 1 (till exempel 0,05); fick {alpha}.")
    if min_diff is not None and (not _finite(min_diff) or min_diff < 0):
        raise ParameterError(
            f"min_diff ska vara ett tal som är 0 eller större (andel för ja/nej-utfall, "
            f"samma enhet som utfallet annars); fick {min_diff}."
        )
    if int(min_group) < 1:
        raise ParameterError(f"min_group ska vara minst 1; fick {min_group}.")
    if int(min_n) < 1:
        raise ParameterError(f"min_n ska vara minst 1; fick {min_n}.")


def _require_columns(df: pd.DataFrame, columns: Sequence[str], *, what: str) -> None:
    absent = [c for c in columns if c not in df.columns]
    if absent:
        raise DataError(
            f"Uppgift saknas: kolumnen {', '.join(absent)} finns inte i data, men behövs för "
            f"{what}. Kontrollera namnet eller mappningsfilen. Kolumner i data: "
            f"{', '.join(map(str, df.columns))}."
        )


def _resolve_kind(outcome: str, kind: str | None) -> Kind:
    if kind is not None:
        if kind not in KINDS:
            raise ParameterError(
                f"Okänd typ av kriterier '{kind}'. Tillåtna: 'insats' (Tabell 1, beslut om "
                f"insats) och 'delaktighet' (Tabell 2)."
            )
        return kind  # type: ignore[return-value]
    catalog = load_catalog()
    role = catalog.variables[outcome].role if outcome in catalog else None
    if role in KINDS:
        return role  # type: ignore[return-value]
    raise ParameterError(
        f"Kan inte avgöra vilka kriterier som gäller för utfallet '{outcome}' (roll: "
        f"{role or 'okänd'}). Ange kind='insats' (Tabell 1, beslut om insats) eller "
        f"kind='delaktighet' (Tabell 2), på kommandoraden --kind."
    )


def _need_criterion(kind: Kind) -> Criterion:
    """The need criterion: from Tabell 1, with the participation need variables for Tabell 2."""
    catalog = load_catalog()
    need = next(c for c in catalog.criteria("insats") if c.rule == "stratify")
    if kind == "delaktighet":
        need = replace(need, variables=catalog.participation_need)
    return need


def _criteria_specs(
    kind: Kind,
    overrides: Mapping[str, Any] | None,
    *,
    df: pd.DataFrame,
    group: str,
) -> list[_Spec]:
    catalog = load_catalog()
    base = catalog.criteria(kind)
    if kind == "delaktighet":
        base = [_need_criterion(kind), *base]
    overrides = dict(overrides or {})
    codes = [c.code for c in base]
    unknown = sorted(set(overrides) - set(codes))
    if unknown:
        raise ParameterError(
            f"Okänt kriterium {', '.join(unknown)} för {_KIND_LABELS[kind]}. Tillåtna: "
            f"{', '.join(codes)}."
        )
    specs = []
    for crit in base:
        spec = _Spec(
            code=crit.code,
            label=crit.label,
            rule=crit.rule,
            variables=crit.variables,
            when=crit.when,
            values=dict(crit.values),
        )
        if crit.code in overrides:
            spec = _override(spec, overrides[crit.code], df=df)
        if group in spec.variables:
            raise ParameterError(
                f"Kolumnen '{group}' definierar grupperna och kan inte samtidigt användas i "
                f"kriteriet {crit.code}."
            )
        specs.append(spec)
    return specs


def _override(spec: _Spec, given: Any, *, df: pd.DataFrame) -> _Spec:
    if isinstance(given, str):
        given = [given]
    if isinstance(given, Mapping):
        columns = [str(c) for c in given]
        explicit = {
            str(c): tuple(_norm_value(v) for v in _as_list(vals)) for c, vals in given.items()
        }
    else:
        columns = [str(c) for c in given]
        explicit = {}
    if not columns:
        raise ParameterError(f"Kriteriet {spec.code}: ange minst en kolumn.")
    absent = [c for c in columns if c not in df.columns]
    if absent:
        raise ParameterError(
            f"Kriteriet {spec.code}: kolumnen {', '.join(absent)} finns inte i data. "
            f"Kolumner i data: {', '.join(map(str, df.columns))}."
        )
    if spec.rule == "stratify":
        return replace(spec, variables=tuple(columns), values={})
    values = {}
    for col in columns:
        if col in explicit and explicit[col]:
            values[col] = explicit[col]
        elif col in spec.values:
            values[col] = spec.values[col]
        else:
            values[col] = (YES,)
    return replace(spec, variables=tuple(columns), values=values, when="any")


def _normalise_filters(filters: Mapping[str, object] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for col, vals in (filters or {}).items():
        out[str(col)] = [str(v) for v in _as_list(vals)]
    return out


def _as_list(vals: Any) -> list[Any]:
    if isinstance(vals, str | bytes) or not isinstance(
        vals, Sequence | set | frozenset | np.ndarray | pd.Index
    ):
        return [vals]
    return list(vals)


def _norm_value(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return YES if value else NO
    return str(value).strip().lower()


# -- preparing the cases ----------------------------------------------------------------------
def _analysed_cases(
    df: pd.DataFrame,
    *,
    outcome: str,
    group: str,
    compare: tuple[str, str],
    filters: dict[str, list[str]],
) -> _Data:
    mask = np.ones(len(df), dtype=bool)
    for col, values in filters.items():
        _require_columns(df, [col], what=f"urvalet {col}")
        mask &= _match(df[col], values)
    _check_levels(df[group], compare, group=group)
    group_text = _as_text(df[group])
    first = (group_text == _norm_value(compare[0])).to_numpy(dtype=bool, na_value=False)
    second = (group_text == _norm_value(compare[1])).to_numpy(dtype=bool, na_value=False)
    y_all, outcome_type = _outcome_values(df[outcome], outcome)
    known = ~np.isnan(y_all)
    keep = mask & (first | second) & known
    frame = df.loc[keep].reset_index(drop=True)
    return _Data(
        frame=frame,
        y=y_all[keep],
        g=np.where(first[keep], 0, 1).astype(np.int64),
        outcome_type=outcome_type,
    )


def _check_levels(series: pd.Series, compare: tuple[str, str], *, group: str) -> None:
    """A coded group column must know both compared codes (a typo is not an absent group)."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return
    codes = [_norm_value(c) for c in series.cat.categories]
    unknown = [level for level in compare if _norm_value(level) not in codes]
    if unknown:
        raise ParameterError(
            f"Gruppen {', '.join(repr(u) for u in unknown)} finns inte bland koderna för "
            f"{group}. Tillåtna koder: {', '.join(map(str, series.cat.categories))}."
        )


def _outcome_values(series: pd.Series, name: str) -> tuple[np.ndarray, OutcomeType]:
    """The outcome as float values (NaN when missing) and whether it is a share or a mean."""
    catalog = load_catalog()
    var = catalog.variables.get(name)
    if var is not None and var.type == "code" or isinstance(series.dtype, pd.CategoricalDtype):
        raise ParameterError(
            f"Utfallet '{name}' har kategorier. Kriteriekontrollen jämför andelar (ja/nej) "
            f"eller medelvärden; välj ett ja/nej-utfall eller ett numeriskt utfall."
        )
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan), "share"
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan), "mean"
    text = _yes_no_text(_as_text(series))
    known = text.dropna()
    if len(known) and known.isin({YES, NO}).all():
        values = (text == YES).to_numpy(dtype=bool, na_value=False).astype(float)
        return np.where(text.isna().to_numpy(), np.nan, values), "share"
    cleaned = known.str.replace(NBSP, "", regex=False).str.replace(" ", "", regex=False)
    numeric = pd.to_numeric(cleaned.str.replace(",", ".", regex=False), errors="coerce")
    if len(known) and numeric.notna().all():
        out = np.full(len(series), np.nan)
        out[np.flatnonzero(text.notna().to_numpy())] = numeric.to_numpy(dtype=float)
        return out, "mean"
    raise ParameterError(
        f"Utfallet '{name}' är varken ja/nej eller numeriskt. Välj ett ja/nej-utfall "
        f"(jämförs som andelar) eller ett numeriskt utfall (jämförs som medelvärden)."
    )


def _as_text(series: pd.Series) -> pd.Series:
    """Values as lower-case text for matching (yes/no as ``ja``/``nej``, missing as <NA>)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        values = series.astype("boolean")
        out = np.where(values.to_numpy(dtype=bool, na_value=False), YES, NO).astype(object)
        out[values.isna().to_numpy()] = None
        return pd.Series(out, index=series.index, dtype="string")
    if isinstance(series.dtype, pd.CategoricalDtype):
        # map the few categories, not the million values
        lookup = np.array(
            [str(c).strip().lower() for c in series.cat.categories] + [None], dtype=object
        )
        return pd.Series(lookup[series.cat.codes.to_numpy()], index=series.index, dtype="string")
    return series.astype("string").str.strip().str.lower()


def _yes_no_text(text: pd.Series) -> pd.Series:
    """Text that holds only yes/no spellings, rewritten as ``ja``/``nej`` (others untouched)."""
    known = text.dropna()
    if not len(known) or not known.isin(_YES_SPELLINGS | _NO_SPELLINGS).all():
        return text
    is_yes = text.isin(_YES_SPELLINGS).to_numpy(dtype=bool, na_value=False)
    out = pd.Series(np.where(is_yes, YES, NO), index=text.index, dtype="string")
    return out.mask(text.isna())


def _match(series: pd.Series, values: Sequence[str]) -> np.ndarray:
    """Boolean array: the value is one of ``values`` (missing never matches)."""
    wanted = {_norm_value(v) for v in values}
    if pd.api.types.is_bool_dtype(series.dtype):
        flags = series.astype("boolean")
        known = flags.notna().to_numpy()
        is_true = flags.to_numpy(dtype=bool, na_value=False)
        hit = np.zeros(len(series), dtype=bool)
        if wanted & _YES_SPELLINGS:
            hit |= known & is_true
        if wanted & _NO_SPELLINGS:
            hit |= known & ~is_true
        return hit
    if isinstance(series.dtype, pd.CategoricalDtype):
        # compare the few categories, then look the codes up
        cats = [str(c).strip().lower() for c in series.cat.categories]
        chosen = [i for i, c in enumerate(cats) if c in wanted]
        return np.isin(series.cat.codes.to_numpy(), chosen)
    if pd.api.types.is_numeric_dtype(series.dtype):
        nums = pd.to_numeric(pd.Series(sorted(wanted)).str.replace(",", "."), errors="coerce")
        return series.isin(nums.dropna().tolist()).to_numpy(dtype=bool, na_value=False)
    text = _as_text(series)
    if wanted & {YES, NO}:
        text = _yes_no_text(text)
    return text.isin(wanted).to_numpy(dtype=bool, na_value=False)


# -- the staircase ----------------------------------------------------------------------------
@dataclass
class _Cells:
    """Per stratum (rows) and compared group (columns 0, 1): counts, sums, means, SDs."""

    n: np.ndarray
    total: np.ndarray
    mean: np.ndarray
    sd: np.ndarray

    @property
    def both(self) -> np.ndarray:
        return (self.n[:, 0] > 0) & (self.n[:, 1] > 0)


def _cells(data: _Data, codes: np.ndarray, k: int, keep: np.ndarray) -> _Cells:
    idx = codes[keep] * 2 + data.g[keep]
    y = data.y[keep]
    n = np.bincount(idx, minlength=2 * k)
    total = np.bincount(idx, weights=y, minlength=2 * k)
    mean = np.divide(total, n, out=np.full(2 * k, np.nan), where=n > 0)
    # two passes for the variance: exact enough for hours per month on a million rows
    dev = y - mean[idx]
    ss = np.bincount(idx, weights=dev * dev, minlength=2 * k)
    var = np.divide(ss, n - 1, out=np.full(2 * k, np.nan), where=n > 1)
    return _Cells(
        n=n.reshape(k, 2),
        total=total.reshape(k, 2),
        mean=mean.reshape(k, 2),
        sd=np.sqrt(var).reshape(k, 2),
    )


def _stratified_method(outcome_type: OutcomeType) -> str:
    return "mantel_haenszel_rd" if outcome_type == "share" else "weighted_mean_diff"


def _estimate(
    data: _Data,
    codes: np.ndarray,
    k: int,
    keep: np.ndarray,
    alpha: float,
    *,
    stratified: bool,
) -> tuple[Estimate, _Cells]:
    """The difference (first minus second) on the kept cases, within strata when stratified."""
    cells = _cells(data, codes, k, keep)
    share = data.outcome_type == "share"
    if not cells.both.any():
        method = _stratified_method(data.outcome_type) if stratified else ""
        return Estimate.missing(method), cells
    if stratified:
        use = cells.both
        n1, n2 = cells.n[use, 0], cells.n[use, 1]
        if share:
            res = stats.stratified_diff_proportions(
                cells.total[use, 0].round(), n1, cells.total[use, 1].round(), n2, alpha=alpha
            )
        else:
            res = stats.stratified_diff_means(
                cells.mean[use, 0],
                cells.sd[use, 0],
                n1,
                cells.mean[use, 1],
                cells.sd[use, 1],
                n2,
                alpha=alpha,
            )
        est = Estimate(
            float(res.diff), float(res.ci_low), float(res.ci_high), float(res.p_value), res.method
        )
        return est, cells
    n1, n2 = cells.n[:, 0].sum(), cells.n[:, 1].sum()
    if share:
        table = stats.diff_proportions(
            np.array([cells.total[:, 0].sum().round()]),
            np.array([n1]),
            np.array([cells.total[:, 1].sum().round()]),
            np.array([n2]),
            alpha=alpha,
        )
    else:
        m1 = data.y[keep & (data.g == 0)]
        m2 = data.y[keep & (data.g == 1)]
        table = stats.diff_means(
            np.array([m1.mean()]),
            np.array([_sd(m1)]),
            np.array([n1]),
            np.array([m2.mean()]),
            np.array([_sd(m2)]),
            np.array([n2]),
            alpha=alpha,
        )
    row = table.iloc[0]
    est = Estimate(
        float(row["diff"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
        float(row["p_value"]),
        str(row["test"]),
    )
    return est, cells


def _sd(values: np.ndarray) -> float:
    return float(values.std(ddof=1)) if len(values) > 1 else float("nan")


def _odds_ratio(cells: _Cells, compare: tuple[str, str]) -> dict[str, Any] | None:
    """Mantel–Haenszel odds ratio of the second compared group relative to the first.

    None when no stratum holds both groups, or when the pooled ratio is 0, infinite or
    undefined (every stratum has an empty cell on one side), where no interval exists.
    """
    use = cells.both
    if not use.any():
        return None
    a2 = cells.total[use, 1].round()
    a1 = cells.total[use, 0].round()
    b2 = cells.n[use, 1] - a2
    b1 = cells.n[use, 0] - a1
    if not ((a2 * b1).sum() > 0 and (b2 * a1).sum() > 0):
        return None
    tables = np.stack(
        [np.column_stack([a2, b2]), np.column_stack([a1, b1])],
        axis=1,
    ).astype(float)
    res = stats.mantel_haenszel_odds_ratio(tables)
    return {
        "group": compare[1],
        "reference": compare[0],
        "odds_ratio": _num(res["odds_ratio"]),
        "ci": [_num(res["ci_low"]), _num(res["ci_high"])],
        "p": _num(res["p_value"]),
    }


def _strata(
    frame: pd.DataFrame, variables: Sequence[str]
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Stratum number per case, one row of values per stratum, and which cases lack a value.

    Strata are the combinations of the variables' values that occur, ordered by the values
    (categorical order where there is one); a missing value is a level of its own, shown as
    ``okänt``.
    """
    combined = np.zeros(len(frame), dtype=np.int64)
    unknown = np.zeros(len(frame), dtype=bool)
    for var in variables:
        codes, uniques = pd.factorize(frame[var], sort=True, use_na_sentinel=False)
        combined = combined * max(len(uniques), 1) + codes
        # keep the numbers small so that many variables cannot overflow
        _, combined = np.unique(combined, return_inverse=True)
        combined = combined.astype(np.int64)
        unknown |= frame[var].isna().to_numpy()
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    labels = pd.DataFrame(
        {var: [_value_label(v) for v in frame[var].take(first)] for var in variables}
    )
    return inverse.astype(np.int64), labels, unknown


def _value_label(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return UNKNOWN_STRATUM
    if isinstance(value, bool | np.bool_):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _strata_table(
    labels: pd.DataFrame, cells: _Cells, *, group: str, compare: tuple[str, str], share: bool
) -> pd.DataFrame:
    """Tidy strata table: one row per stratum and compared group."""
    names = [
        " · ".join(f"{var}={row[var]}" for var in labels.columns) for _, row in labels.iterrows()
    ]
    parts = []
    for i, level in enumerate(compare):
        part = labels.copy()
        part.insert(0, "stratum", names)
        part[group] = level
        part["n"] = cells.n[:, i].astype(np.int64)
        part["antal"] = cells.total[:, i].round() if share else np.nan
        part["varde"] = cells.mean[:, i]
        part["ingar"] = cells.both
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    order = np.argsort(np.tile(np.arange(len(labels)), 2), kind="stable")
    return table.iloc[order].reset_index(drop=True)


def _usable(
    data: _Data, spec: _Spec, keep: np.ndarray, outcome: str
) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """Which of a criterion's variables can be used here, which are missing, and why."""
    if outcome in spec.variables:
        return (), (), f"kriteriet bygger på utfallet {outcome} självt och kan inte pröva det"
    frame = data.frame
    absent = [v for v in spec.variables if v not in frame.columns]
    present = [v for v in spec.variables if v in frame.columns]
    matches = {v: _match(frame[v], spec.values[v]) for v in present if v in spec.values}
    usable, thin = [], []
    for var in present:
        base = keep.copy()
        if spec.rule == "set_aside" and spec.when == "all":
            # a condition only matters where the others hold (velat_delta among those asked)
            for other, hit in matches.items():
                if other != var:
                    base &= hit
        known = frame[var].notna().to_numpy()
        has_any = bool((known & keep).any())
        # recorded well enough in *each* compared group: a criterion recorded for one group
        # only would set aside cases on one side and explain the difference away unfairly
        filled = min(_known_share(known, base & (data.g == i)) for i in (0, 1))
        (usable if has_any and filled >= MIN_KNOWN_SHARE else thin).append(var)
    missing = tuple(v for v in spec.variables if v in absent or v in thin)
    if spec.rule == "set_aside" and spec.when == "all" and missing:
        usable = []
    reason = None
    if missing:
        reason = "uppgift saknas: " + ", ".join(missing)
        if thin:
            share = format_percent(MIN_KNOWN_SHARE, decimals=0)
            which = "" if len(thin) == len(missing) else f"{', '.join(thin)}: "
            reason += f" ({which}ifylld i färre än {share} av fallen i minst en av grupperna)"
    return tuple(usable), missing, reason


def _known_share(known: np.ndarray, base: np.ndarray) -> float:
    """Share of ``base`` cases with a known value (1 when ``base`` is empty: nothing to judge)."""
    total = int(base.sum())
    return float((known & base).sum()) / total if total else 1.0


def _set_aside_mask(frame: pd.DataFrame, spec: _Spec, variables: Sequence[str]) -> np.ndarray:
    hits = [_match(frame[v], spec.values.get(v, (YES,))) for v in variables]
    combine = np.logical_and if spec.when == "all" else np.logical_or
    return combine.reduce(hits) if hits else np.zeros(len(frame), dtype=bool)


def _run_steps(
    data: _Data,
    specs: Sequence[_Spec],
    *,
    raw: Estimate,
    alpha: float,
    min_diff: float,
    compare: tuple[str, str],
    group: str,
    outcome: str,
) -> list[Step]:
    size = len(data.y)
    keep = np.ones(size, dtype=bool)
    codes = np.zeros(size, dtype=np.int64)
    k = 1
    labels: pd.DataFrame | None = None
    unknown = np.zeros(size, dtype=bool)
    stratified = False
    previous = raw
    divisible = raw.defined and abs(raw.diff) >= EXPLAINED_SHARE_GUARD * min_diff and raw.diff != 0
    share = data.outcome_type == "share"
    steps: list[Step] = []
    for spec in specs:
        usable, missing, reason = _usable(data, spec, keep, outcome)
        if not usable:
            steps.append(
                Step(
                    criterion=spec.code,
                    label=spec.label,
                    rule=spec.rule,
                    status="not_testable",
                    variables=tuple(spec.variables),
                    missing=missing or tuple(spec.variables),
                    reason=reason,
                )
            )
            continue
        n_set_aside = 0
        if spec.rule == "stratify":
            codes, labels, unknown = _strata(data.frame, usable)
            k = len(labels)
            stratified = True
        else:
            hit = _set_aside_mask(data.frame, spec, usable) & keep
            n_set_aside = int(hit.sum())
            keep = keep & ~hit
        est, cells = _estimate(data, codes, k, keep, alpha, stratified=stratified)
        in_both = cells.both[codes] & keep
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
                reason=reason,
                estimate=est,
                n=n_used,
                n_remaining=n_remaining,
                n_set_aside=n_set_aside,
                n_by_group={
                    level: int((in_both & (data.g == i)).sum()) for i, level in enumerate(compare)
                },
                share_both_present=n_used / n_remaining if n_remaining else None,
                explained_share=explained,
                odds_ratio=_odds_ratio(cells, compare) if stratified and share else None,
                strata=(
                    _strata_table(labels, cells, group=group, compare=compare, share=share)
                    if stratified and labels is not None
                    else None
                ),
                n_unknown_need=int((unknown & keep).sum()) if stratified else 0,
            )
        )
        if est.defined:
            previous = est
    return steps


def _group_table(
    data: _Data, *, group: str, compare: tuple[str, str], outcome: str
) -> pd.DataFrame:
    """Per compared group: cases with a known outcome, count (shares), share or mean, interval."""
    rows = []
    for i, level in enumerate(compare):
        y = data.y[data.g == i]
        n = len(y)
        value = float(y.mean()) if n else float("nan")
        if data.outcome_type == "share":
            antal = float(y.sum())
            low, high = stats.wilson_interval(np.array([antal]), np.array([n]))
        else:
            antal = float("nan")
            low, high = stats.mean_interval(np.array([value]), np.array([_sd(y)]), np.array([n]))
        rows.append(
            {
                "utfall": outcome,
                group: level,
                "n": n,
                "antal": antal,
                "varde": value,
                "ci_lag": float(np.asarray(low)[0]),
                "ci_hog": float(np.asarray(high)[0]),
            }
        )
    table = pd.DataFrame(rows)
    table["n"] = table["n"].astype("int64")
    return table


def _default_min_diff(data: _Data) -> float:
    if data.outcome_type == "share":
        return DEFAULT_MIN_DIFF_SHARE
    if not len(data.y):
        return float("nan")
    return DEFAULT_MIN_DIFF_MEAN_FRACTION * abs(float(data.y.mean()))


# -- verdict --------------------------------------------------------------------------------------
def _verdict(
    groups: pd.DataFrame,
    remaining_by_group: Mapping[str, int],
    raw: Estimate,
    remaining: Estimate,
    *,
    min_diff: float,
    min_group: int,
) -> Verdict:
    if (groups["n"] < min_group).any() or min(remaining_by_group.values()) < min_group:
        return "insufficient_data"
    if not raw.defined or not remaining.defined:
        return "insufficient_data"
    if remaining.is_clear(min_diff):
        return "risk_unmotivated"
    if raw.is_clear(min_diff):
        return "explained"
    return "no_difference"


def _explained_by(steps: Sequence[Step], raw: Estimate, min_diff: float) -> tuple[str, ...]:
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


# -- words --------------------------------------------------------------------------------------
def _group_label(group: str, level: str) -> str:
    return load_catalog().code_label(group, level)


def _fmt_diff(value: float | None, outcome_type: OutcomeType) -> str:
    if value is None or not _finite(value):
        return "–"
    if outcome_type == "share":
        return f"{format_number(value * 100, decimals=1)} procentenheter"
    return format_number(value, decimals=1)


def _fmt_ci(est: Estimate, outcome_type: OutcomeType, alpha: float) -> str:
    level = format_number((1 - alpha) * 100, decimals=0)
    if not (_finite(est.ci_low) and _finite(est.ci_high)):
        return f"{level}{NBSP}% KI –"
    scale = 100 if outcome_type == "share" else 1
    low = format_number(est.ci_low * scale, decimals=1)
    high = format_number(est.ci_high * scale, decimals=1)
    return f"{level}{NBSP}% KI {low} till {high}"


def _fmt_estimate(est: Estimate, outcome_type: OutcomeType, alpha: float) -> str:
    return f"{_fmt_diff(est.diff, outcome_type)} ({_fmt_ci(est, outcome_type, alpha)})"


def _fmt_inline(est: Estimate, outcome_type: OutcomeType, alpha: float) -> str:
    """A difference with its interval for use inside a sentence's parentheses."""
    return f"{_fmt_diff(est.diff, outcome_type)}; {_fmt_ci(est, outcome_type, alpha)}"


def _fmt_min_diff(result: CriteriaResult) -> str:
    return _fmt_diff(result.min_diff, result.outcome_type)


def _message(result: CriteriaResult, remaining_by_group: Mapping[str, int]) -> str:
    """The Swedish verdict sentence: careful, names what is missing, ends with the reminder."""
    catalog = load_catalog()
    a, b = (_group_label(result.group, level) for level in result.compare)
    what = catalog.label(result.outcome).lower()
    kind_type = result.outcome_type
    raw_text = _fmt_inline(result.raw, kind_type, result.alpha)
    rem_text = _fmt_inline(result.remaining, kind_type, result.alpha)
    applied = [s for s in result.steps if s.testable]
    applied_text = "; ".join(s.label.lower() for s in applied)
    parts: list[str] = []
    if result.verdict == "insufficient_data":
        counts = ", ".join(
            f"{_group_label(result.group, level)} {_count_text(n, result.min_n)}"
            for level, n in zip(result.compare, result.groups["n"], strict=True)
        )
        rest = ", ".join(
            f"{_group_label(result.group, level)} {_count_text(n, result.min_n)}"
            for level, n in remaining_by_group.items()
        )
        parts.append(
            f"För lite data för en bedömning av {what} ({a} jämfört med {b}): antal fall "
            f"{counts}; i den sista jämförelsen {rest}. Minst {result.min_group} fall per grupp "
            f"behövs, både totalt och bland de fall som återstår efter kriterierna (i grupper "
            f"där båda finns). Resultatet kan varken visa eller utesluta en risk för en "
            f"omotiverad skillnad."
        )
    elif result.verdict == "risk_unmotivated":
        if applied:
            parts.append(
                f"Det finns en risk för en omotiverad skillnad i {what} mellan {a} och {b}: "
                f"skillnaden ({a} minus {b}) kvarstår även med hänsyn till: {applied_text}. "
                f"Kvarvarande skillnad: {rem_text}."
            )
        else:
            parts.append(
                f"Det finns en risk för en omotiverad skillnad i {what} mellan {a} och {b}: "
                f"den råa skillnaden ({a} minus {b}) är tydlig ({raw_text}). Inget av "
                f"kriterierna kunde prövas, så detta är bara den råa skillnaden."
            )
        if applied and not result.raw.is_clear(result.min_diff):
            parts.append(
                f"Den råa skillnaden ({raw_text}) var inte tydlig: skillnaden syns först när "
                f"kriterierna tas med, till exempel när grupperna har olika fördelning av behov."
            )
        elif applied and np.sign(result.raw.diff) != np.sign(result.remaining.diff):
            parts.append(
                f"Skillnaden byter riktning jämfört med den råa skillnaden ({raw_text}); "
                f"den råa jämförelsen ger en missvisande bild (Simpsons paradox)."
            )
        parts.append(
            "Det är inte ett bevis: skillnaden kan bero på förhållanden som inte finns i data "
            "och behöver granskas närmare, till exempel genom aktgranskning."
        )
    elif result.verdict == "explained":
        by = [s.label.lower() for s in result.steps if s.criterion in result.explained_by]
        parts.append(
            f"Den råa skillnaden i {what} mellan {a} och {b} ({raw_text}) kvarstår inte tydligt "
            f"när {'; '.join(by) or applied_text} tas med. Kvarvarande skillnad: {rem_text}. "
            f"Enligt de uppgifter som finns kan skillnaden alltså ha en förklaring i "
            f"kriterierna; det visar inte att den är motiverad i varje enskilt ärende."
        )
        if abs(result.remaining.diff) >= result.min_diff and np.sign(
            result.remaining.diff
        ) == np.sign(result.raw.diff):
            parts.append(
                f"Observera att den kvarvarande skillnaden fortfarande är minst "
                f"{_fmt_min_diff(result)} men osäker, eftersom färre fall återstår; med mer data "
                f"kan den visa sig vara tydlig."
            )
    else:
        parts.append(
            f"Varken den råa skillnaden i {what} mellan {a} och {b} ({raw_text}) eller den "
            f"kvarvarande ({rem_text}) är tydlig (ett intervall som inte omfattar 0 och minst "
            f"{_fmt_min_diff(result)}). Det visar inte att grupperna behandlas lika, bara att "
            f"data inte visar en tydlig skillnad."
        )
    for step in result.steps:
        if step.status == "not_testable":
            parts.append(f"Kunde inte prövas: {step.label.lower()} – {step.reason}.")
        elif step.missing:
            parts.append(f"Prövades delvis: {step.label.lower()} – {step.reason}.")
    parts.append(_STEP2_REMINDER)
    return " ".join(parts)


def _notes(steps: Sequence[Step], *, min_n: int) -> list[str]:
    notes: list[str] = []
    seen_unknown = False
    for step in steps:
        if step.strata is None:
            continue
        if step.n_unknown_need and not seen_unknown:
            notes.append(
                f"{_count_text(step.n_unknown_need, min_n)} fall saknar uppgift om någon av "
                f"{', '.join(step.variables)} och jämförs i en egen behovsgrupp ({UNKNOWN_STRATUM})."
            )
            seen_unknown = True
        per_stratum = step.strata.drop_duplicates("stratum")
        lonely = per_stratum[~per_stratum["ingar"]]
        if len(lonely):
            notes.append(
                f"{step.label}: {len(lonely)} av {len(per_stratum)} grupper har bara den ena av "
                f"de jämförda grupperna ({_count_text(step.n_remaining - step.n, min_n)} fall). De "
                f"redovisas men kan inte ingå i jämförelsen."
            )
    return notes


def _strata_records(strata: pd.DataFrame, *, group: str, min_n: int) -> list[dict[str, Any]]:
    """Strata for JSON, suppressed: counts below ``min_n`` (and what reveals them) hidden."""
    shown = _suppress_strata(strata, group=group, min_n=min_n)
    records = []
    for name, part in shown.groupby("stratum", sort=False):
        first = part.iloc[0]
        variables = [c for c in strata.columns if c not in _STRATA_FIXED and c != group]
        records.append(
            {
                "stratum": str(name),
                "values": {var: str(first[var]) for var in variables},
                "groups": {
                    str(row[group]): {
                        "n": _int_or_none(row["n"]),
                        "value": _num(row["varde"]),
                    }
                    for _, row in part.iterrows()
                },
                "included": bool(first["ingar"]),
                "dold": bool(part["dold"].any()),
            }
        )
    return records


_STRATA_FIXED = ("stratum", "n", "antal", "varde", "ingar", "ci_lag", "ci_hog", "dold", "utfall")
_TOTAL = "Totalt"


def _suppress_strata(strata: pd.DataFrame, *, group: str, min_n: int) -> pd.DataFrame:
    """Run the strata through :func:`privacy.suppress` with per-group totals as siblings' sum.

    The totals rows (not returned) let secondary suppression stop a hidden stratum from being
    recovered as the group total minus the strata shown.
    """
    table = strata[["stratum", group, "n", "antal", "varde"]].copy()
    table["ci_lag"] = np.nan
    table["ci_hog"] = np.nan
    totals = (
        table.groupby(group, sort=False)[["n", "antal"]]
        .sum(min_count=1)
        .reset_index()
        .assign(stratum=_TOTAL, varde=np.nan, ci_lag=np.nan, ci_hog=np.nan)
    )
    combined = pd.concat([table, totals[table.columns]], ignore_index=True)
    shown = privacy.suppress(
        combined, min_n=min_n, group_cols=["stratum"], pair_col=group, total_label=_TOTAL
    )
    shown = shown[shown["stratum"] != _TOTAL].reset_index(drop=True)
    out = strata.copy()
    out["n"] = shown["n"].to_numpy()
    out["antal"] = shown["antal"].to_numpy()
    out["varde"] = shown["varde"].to_numpy()
    out["dold"] = shown["dold"].to_numpy(dtype=bool)
    return out


# -- text ---------------------------------------------------------------------------------------
def _render_text(result: CriteriaResult) -> str:
    catalog = load_catalog()
    kt = result.outcome_type
    data = result.to_dict()
    a, b = (_group_label(result.group, level) for level in result.compare)
    lines = [
        f"Kriterier för omotiverade skillnader: {catalog.label(result.outcome)}",
        f"{_KIND_LABELS[result.kind]}. Jämförelse: {a} minus {b} ({catalog.label(result.group)}).",
    ]
    if result.filters:
        chosen = "; ".join(f"{col} = {', '.join(vals)}" for col, vals in result.filters.items())
        lines.append(f"Urval: {chosen}.")
    lines.append("")
    for level, info in data["groups"].items():
        value = _fmt_value(info["value"], kt)
        n = ".." if info["n"] is None else format_number(info["n"])
        lines.append(f"  {_group_label(result.group, level)}: {n} fall, {value}")
    lines.append("")
    raw_line = ".. (dold)" if data["raw"]["dold"] else _fmt_estimate(result.raw, kt, result.alpha)
    lines.append(f"Rå skillnad: {raw_line}, {format_pvalue(result.raw.p_value)}")
    for i, step in enumerate(result.steps, start=1):
        head = f"{i}. {step.label}"
        if step.status == "not_testable":
            lines.append(f"{head}: kan inte prövas ({step.reason}).")
            continue
        lines.append(f"{head} [{', '.join(step.variables)}]")
        est = step.estimate or Estimate.missing()
        lines.append(
            f"   Kvarvarande skillnad: {_fmt_estimate(est, kt, result.alpha)}, "
            f"{format_pvalue(est.p_value)}"
        )
        parts = [f"Fall som ingår: {_count_text(step.n, result.min_n)}"]
        if step.n_set_aside:
            parts.append(f"bortsorterade i steget {_count_text(step.n_set_aside, result.min_n)}")
        if step.share_both_present is not None:
            parts.append(f"{format_percent(step.share_both_present)} i grupper där båda finns")
        if step.explained_share is not None:
            parts.append(f"förklarar {format_percent(step.explained_share)} av den råa skillnaden")
        lines.append("   " + "; ".join(parts) + ".")
        if step.missing:
            lines.append(f"   Delvis prövat: {step.reason}.")
        if step.odds_ratio is not None:
            orr = step.odds_ratio
            lines.append(
                f"   Oddskvot (Mantel–Haenszel) för {b} jämfört med {a}: "
                f"{format_number(orr['odds_ratio'], decimals=3)} ({_fmt_or_ci(orr, result.alpha)}), "
                f"{format_pvalue(orr['p'])}"
            )
    strata_step = next((s for s in result.steps if s.strata is not None), None)
    if strata_step is not None:
        lines.append("")
        lines.extend(_strata_lines(result, strata_step))
    lines.append("")
    lines.append(f"Bedömning: {_VERDICT_LABELS[result.verdict]} ({result.verdict}).")
    if result.explained_by:
        labels = [s.label for s in result.steps if s.criterion in result.explained_by]
        lines.append(f"Förklaras av: {'; '.join(labels)}.")
    lines.append(result.message)
    if result.notes:
        lines.append("")
        lines.extend(f"Not: {note}" for note in result.notes)
    lines.append("")
    lines.append(_method_text(result))
    lines.append(privacy.footnote(result.min_n))
    return "\n".join(lines)


def _fmt_value(value: float | None, outcome_type: OutcomeType) -> str:
    if value is None:
        return ".."
    if outcome_type == "share":
        return format_percent(value)
    return f"medelvärde {format_number(value, decimals=1)}"


def _fmt_or_ci(orr: Mapping[str, Any], alpha: float) -> str:
    level = format_number((1 - alpha) * 100, decimals=0)
    low, high = orr["ci"]
    return (
        f"{level}{NBSP}% KI {format_number(low, decimals=3)} till {format_number(high, decimals=3)}"
    )


def _strata_lines(result: CriteriaResult, step: Step) -> list[str]:
    shown = _suppress_strata(step.strata, group=result.group, min_n=result.min_n)
    a, b = (_group_label(result.group, level) for level in result.compare)
    lines = [f"Behovsgrupper ({', '.join(step.variables)}): {a} | {b} | ingår"]
    for name, part in shown.groupby("stratum", sort=False):
        cells = []
        for level in result.compare:
            row = part[part[result.group] == level].iloc[0]
            n = ".." if pd.isna(row["n"]) else format_number(row["n"])
            value = ".." if pd.isna(row["varde"]) else _fmt_value(row["varde"], result.outcome_type)
            cells.append(f"{n} fall, {value}")
        included = "ja" if bool(part["ingar"].iloc[0]) else "nej (bara en grupp)"
        lines.append(f"  {name}: {cells[0]} | {cells[1]} | {included}")
    return lines


def _method_text(result: CriteriaResult) -> str:
    if result.outcome_type == "share":
        within = "Mantel–Haenszels riskskillnad"
        raw = "skillnad i andelar med Newcombes intervall"
    else:
        within = "viktad medelvärdesskillnad"
        raw = "Welchs t-test"
    return (
        f"Metod: rå skillnad som {raw}; inom behovsgrupper {within} med vikterna "
        f"n1·n2/(n1+n2). Tydlig skillnad: intervallet omfattar inte 0 och skillnaden är minst "
        f"{_fmt_min_diff(result)}."
    )


# -- small helpers ------------------------------------------------------------------------------
def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _num(value: Any) -> float | None:
    """A JSON-safe float (None for missing or infinite)."""
    return float(value) if _finite(value) else None


def _shown_count(value: Any, min_n: int) -> int | None:
    """A count as it may be shown: None when it is 1 … ``min_n`` − 1 (or missing)."""
    if not _finite(value):
        return None
    count = int(value)
    return None if 1 <= count < min_n else count


def _count_text(value: Any, min_n: int) -> str:
    """A count for a sentence: ``'färre än 5'`` when it is too small to show."""
    shown = _shown_count(value, min_n)
    if shown is None:
        return f"färre än {min_n}" if _finite(value) else "–"
    return format_number(shown)


def _int_or_none(value: Any) -> int | None:
    return int(value) if _finite(value) else None
