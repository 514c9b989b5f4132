"""Every count the criteria check publishes, protected as one publication.

The text and JSON of a check show many counts that a reader can set against each other: each
group's cases, the cases in each step (``n``, ``n_remaining``), those set aside in a step, in
total and per group, the cases in strata with only one group, in the stratum of unknown need,
in each stratum per group, and in each level of the homogeneity test. Their sums (a step's
cases are the previous step's less those set aside, the strata add up to the cases compared,
a level of need is a stratum seen again) are registered in one
:class:`~isuwork.privacy.publication.Publication`, so that a count hidden in one place cannot
be worked out from the others. A report also publishes the kommun's screening list, which gives
each compared group's cases for the same selection: :func:`with_screening` notes what the list
shows and hides of them, and the protection takes that as given. Names of the counts:

=====================================  =========================================================
``("n", g)``, ``("antal", g)``          a compared group's cases and cases with the outcome
``("rest", k, g)``                      group ``g``'s cases still compared after step ``k`` (never
                                        written, but the set-aside shares give it away)
``("set_aside", k, g)``                 cases of group ``g`` set aside in step ``k``
``(field, k)``                          a step's ``n``, ``n_remaining``, ``n_set_aside``,
                                        ``n_unknown_need``, ``lonely`` (in one-group strata)
``("stratum_n", k, s, g)``, ``…antal``  a stratum's cases of group ``g`` (and with the outcome)
``("level", l, g)``                     a level of the homogeneity test (the stratum's name
                                        when a level is a stratum of the last step)
=====================================  =========================================================
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

import numpy as np
import pandas as pd

from isuwork.analysis.criteria import CriteriaResult
from isuwork.analysis.criteria.estimate import UNKNOWN_STRATUM
from isuwork.analysis.list_tables import list_row
from isuwork.domain.vocabulary import SEX
from isuwork.privacy.protected import Protected
from isuwork.privacy.publication import Protection, Publication

STEP_COUNTS = ("n", "n_remaining", "n_set_aside", "n_unknown_need")


def protect_counts(result: CriteriaResult) -> Protection:
    """Register every count of ``result`` with its sums and protect them together."""
    pub = Publication(min_n=result.min_n)
    share = result.outcome_type == "share"
    groups = [str(g) for g in result.compare]
    for _, row in result.groups.iterrows():
        g = str(row[result.group])
        pub.add(("n", g), row["n"])
        if share:
            pub.add(("antal", g), row["antal"], share_of=("n", g))
    for name, shown in result.shown_elsewhere.items():
        pub.given(name, shown=shown)
    rest: dict[str, Hashable] = {g: ("n", g) for g in groups}
    strata_last = None
    for k, step in enumerate(result.steps):
        for name in STEP_COUNTS:
            pub.add((name, k), getattr(step, name))
        if step.set_aside_by_group:
            after = {}
            for g, (count, _) in step.set_aside_by_group.items():
                g = str(g)
                # shown as a share of the group's cases before the step, which it gives away
                if rest[g] not in pub or not pub.add(("set_aside", k, g), count, share_of=rest[g]):
                    continue
                after[g] = ("rest", k, g)
                pub.add(after[g], pub.value(rest[g]) - count)
                pub.add_sum([after[g], ("set_aside", k, g)], rest[g])
            pub.add_sum([("set_aside", k, g) for g in groups], ("n_set_aside", k))
            rest |= after
        pub.add_sum([rest[g] for g in groups], ("n_remaining", k))
        if pub.add(("lonely", k), _lonely(step)):
            pub.add_sum([("n", k), ("lonely", k)], ("n_remaining", k))
            if _lonely(step) == 0:  # no note is written then, which tells a reader it is 0
                pub.given(("lonely", k), shown=True)
        if step.strata is not None:
            _add_strata(pub, result, k, rest, before_set_aside=_no_set_aside_before(result, k))
            strata_last = k
    if result.heterogeneity is not None:
        _add_levels(pub, result, strata_last, rest)
    # the groups' cases in the last comparison (named when there are too few)
    last = [("last", str(g)) for g in result.remaining_by_group]
    for name, n in zip(last, result.remaining_by_group.values(), strict=True):
        pub.add(name, n)
    if result.steps:
        pub.add_sum(last, ("n", len(result.steps) - 1))
    return pub.protect()


def with_screening(result: CriteriaResult, screening: Protected) -> CriteriaResult:
    """``result`` with what the screening list published beside it shows of its groups.

    A check of kön within one level of one background variable (or within everything)
    compares the same cases as a row of the list: the row's ``n`` per sex and, for a share,
    the count behind each sex's value are the check's ``("n", g)`` and ``("antal", g)``.
    Other checks (several levels or variables, another grouping) are returned as they are.
    """
    if result.group != SEX:
        return result
    row = list_row(screening, outcome=result.outcome, filters=result.filters or {})
    if row is None:
        return result
    groups = result.groups.set_index(result.groups[result.group].astype(str))
    shown = {}
    for g in map(str, result.compare):
        n, value = row.get(f"n_{g}"), row.get(f"varde_{g}")
        if g not in groups.index or (not pd.isna(n) and n != groups.at[g, "n"]):
            return result  # not the same cases after all: nothing to take as given
        shown["n", g] = not pd.isna(n)
        if result.outcome_type == "share":
            shown["antal", g] = not pd.isna(value)
    return replace(result, shown_elsewhere=shown)


def value_shown(result: CriteriaResult, counts: Protection, n: Hashable, antal: Hashable) -> bool:
    """Whether a share or mean may be shown: its counts are, and it rests on ``min_n`` cases."""
    shown_n = counts.count(n)
    if shown_n is None or shown_n < result.min_n:
        return False
    return result.outcome_type != "share" or counts.count(antal) is not None


def level_names(result: CriteriaResult) -> list[dict[str, Hashable]]:
    """For each level of the homogeneity test, the name of each group's count."""
    k = max((i for i, s in enumerate(result.steps) if s.strata is not None), default=None)
    return [
        {str(g): _level_name(k, level.stratum, str(g)) for g in result.compare}
        for level in result.heterogeneity.strata
    ]


def _level_name(k: int | None, stratum: str, g: str) -> Hashable:
    return ("level", k, stratum, g)


def _lonely(step) -> float:
    """Cases in strata with only one of the groups (written in the notes)."""
    return step.n_remaining - step.n if step.strata is not None else np.nan


def _no_set_aside_before(result: CriteriaResult, k: int) -> bool:
    return not any(s.set_aside_by_group for s in result.steps[: k + 1])


def _add_strata(
    pub: Publication,
    result: CriteriaResult,
    k: int,
    rest: dict[str, Hashable],
    *,
    before_set_aside: bool,
) -> None:
    strata = result.steps[k].strata
    share = result.outcome_type == "share"
    by_group: dict[str, list[Hashable]] = {}
    counts: dict[str, list[Hashable]] = {}
    lonely, both, unknown = [], [], []
    for _, row in strata.iterrows():
        s, g = str(row["stratum"]), str(row[result.group])
        name = ("stratum_n", k, s, g)
        if not pub.add(name, row["n"]):
            continue
        by_group.setdefault(g, []).append(name)
        (both if bool(row["ingar"]) else lonely).append(name)
        if s == UNKNOWN_STRATUM:
            unknown.append(name)
        if share and pub.add(("stratum_antal", k, s, g), row["antal"], share_of=name):
            counts.setdefault(g, []).append(("stratum_antal", k, s, g))
    for g, members in by_group.items():
        pub.add_sum(members, rest[g])
        if before_set_aside:
            pub.add_sum(counts.get(g, []), ("antal", g))
    pub.add_sum(both, ("n", k))
    pub.add_sum(lonely, ("lonely", k))
    pub.add_sum(unknown, ("n_unknown_need", k))


def _add_levels(
    pub: Publication, result: CriteriaResult, k: int | None, rest: dict[str, Hashable]
) -> None:
    """The homogeneity test's levels: the same count as a stratum of the last step when one has
    the name and the value (exact strata), else counts of their own inside the cases compared."""
    members: dict[str, list[Hashable]] = {}
    for level, names in zip(result.heterogeneity.strata, level_names(result), strict=True):
        for g, n in zip(result.compare, level.n, strict=True):
            g = str(g)
            pub.add(names[g], n)
            same = ("stratum_n", k, level.stratum, g)
            if same in pub and pub.value(same) == n:
                pub.add_sum([names[g]], same)  # one member and no rest: the same count
            else:
                members.setdefault(g, []).append(names[g])
    for g, names in members.items():
        pub.add_sum(names, rest[g])
