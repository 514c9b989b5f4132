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

Modules: :mod:`~isuwork.analysis.criteria.specs` (the criteria from the catalogue and a call's
overrides), :mod:`~isuwork.analysis.criteria.estimate` (differences, raw and within strata),
:mod:`~isuwork.analysis.criteria.staircase` (the steps), :mod:`~isuwork.analysis.criteria.verdict`,
:mod:`~isuwork.analysis.criteria.result` and :mod:`~isuwork.analysis.criteria.check` (the whole
check). Its Swedish sentence, text and JSON are in :mod:`isuwork.present.criteria_report`.
"""

from isuwork.analysis.criteria.check import check_criteria
from isuwork.analysis.criteria.estimate import Estimate
from isuwork.analysis.criteria.result import CriteriaResult
from isuwork.analysis.criteria.specs import resolve_kind
from isuwork.analysis.criteria.staircase import Step

__all__ = ["CriteriaResult", "Estimate", "Step", "check_criteria", "resolve_kind"]
