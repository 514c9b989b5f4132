"""No hidden count can be worked out from a kommun's screening list, criteria checks or report.

The attacker (``tests/disclosure_attack.py``) reads only what is published: the list as
``isuwork screen --format json`` writes it, a check as ``isuwork criteria --format json``
writes it, a report's list and checks together (the same group seen twice), and what any
reader knows (the catalogue's age-band schemes and outcome kinds, which
lagrum a verksamhet decides under). It is written apart from the protection in
``isuwork.privacy`` and shares no code with it. The figures before and after are in
``benchmarks/README.md`` (``benchmarks/disclosure.py``).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from disclosure_attack import (
    attack,
    criteria_truth,
    read,
    read_criteria,
    read_report,
    report_truth,
    true_counts,
)

from isuwork.analysis import screening
from isuwork.analysis.criteria import check_criteria
from isuwork.analysis.screening import screen
from isuwork.data.prepare import load
from isuwork.domain.catalog import load_catalog
from isuwork.present import tables
from isuwork.present.criteria_counts import with_screening
from isuwork.present.criteria_report import to_dict
from isuwork.present.screening_text import describe_screening
from isuwork.privacy import publication
from isuwork.workbook.observations import check_observations, observations_from_screening
from isuwork.workbook.results import STEP1_EXTRA
from isuwork.workbook.session import screening_list

MIN_N = 5
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv"


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load(SAMPLE).data


def published(data: pd.DataFrame) -> list[dict]:
    """The list as the command line writes it, read back as a reader would."""
    result = describe_screening(screen(data, min_n=MIN_N))
    return json.loads(json.dumps(tables.to_records(result), ensure_ascii=False))


def findings(data: pd.DataFrame) -> list:
    pub = read(published(data), sexes=load_catalog().sexes)
    assert pub.hidden, "nothing hidden: the attack would prove nothing"
    return attack(pub, true_counts(data, pub.hidden), min_n=MIN_N)


def small_kommun(sample: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """300–600 rows drawn from one of the sample's kommuner (in turn, by seed)."""
    rng = np.random.default_rng(seed)
    kommuner = sorted(sample["kommun"].unique())
    rows = sample[sample["kommun"] == kommuner[seed % len(kommuner)]]
    return rows.sample(int(rng.integers(300, 601)), random_state=int(rng.integers(2**31)))


def exposed(found: list) -> list:
    return [f for f in found if f.recovered or f.bounded_small(MIN_N)]


@pytest.mark.parametrize("kommun", ["Exempelby", "Granåker", "Sjövik", "Tallmora"])
def test_no_hidden_count_of_a_sample_kommun_can_be_worked_out(sample, kommun):
    found = findings(sample[sample["kommun"] == kommun])
    assert all(f.low <= f.truth <= f.high for f in found)
    assert exposed(found) == []


def test_the_attacker_finds_what_nesting_would_give_away(sample, monkeypatch):
    """Without the age bands' nesting in their verksamhet, the hidden 85–89 band of Granåker
    follows from the verksamhet's row and the other bands (the audit's example): the attacker
    finds it, so its silence above means something."""
    no_nesting = screening._nested_levels(sample.iloc[0:0], [], [])
    monkeypatch.setattr(screening, "_nested_levels", lambda *args: no_nesting)
    found = exposed(findings(sample[sample["kommun"] == "Granåker"]))
    assert found and all(f.low == f.truth == f.high for f in found if f.recovered)
    assert any(f.key[3] == "aldersgrupp" for f in found)


# -- the criteria check ---------------------------------------------------------------------------
#: Checks a workshop runs in step 2: shares and means, with set-aside steps and strata.
CHECKS = [
    ("beviljad", {"ansokt_insats": "trygghetslarm"}),
    ("beviljad", {"verksamhet": "lss"}),
    ("hemtjanst_tim_man", {"verksamhet": "aldreomsorg"}),
    ("deltog_utredningssamtal", {}),
]


def criteria_findings(data: pd.DataFrame, outcome: str, filters: dict) -> list:
    result = check_criteria(data, outcome=outcome, filters=filters or None, min_n=MIN_N)
    published = json.loads(json.dumps(to_dict(result), ensure_ascii=False))
    pub = read_criteria(published)
    return attack(pub, criteria_truth(result), min_n=MIN_N)


@pytest.mark.parametrize("kommun", ["Exempelby", "Granåker", "Sjövik", "Tallmora"])
def test_no_hidden_count_of_a_criteria_check_can_be_worked_out(sample, kommun):
    rows = sample[sample["kommun"] == kommun]
    for outcome, filters in CHECKS:
        found = criteria_findings(rows, outcome, filters)
        assert all(f.low <= f.truth <= f.high for f in found)
        assert exposed(found) == [], (outcome, filters)


@pytest.mark.slow
@pytest.mark.parametrize("draw", range(20))
def test_no_hidden_count_of_a_small_kommuns_check_can_be_worked_out(sample, draw):
    subset = small_kommun(sample, seed=4000 + draw)
    outcome, filters = CHECKS[draw % len(CHECKS)]
    assert exposed(criteria_findings(subset, outcome, filters)) == [], (outcome, filters)


def test_the_attacker_finds_what_primary_suppression_alone_leaves(sample, monkeypatch):
    """With only the primary rules (no secondary suppression), a small stratum's count follows
    from the group's total and the other strata: the attacker finds it."""
    monkeypatch.setattr(publication, "hide_recoverable", lambda *args, **kwargs: None)
    found = exposed(criteria_findings(sample[sample["kommun"] == "Sjövik"], *CHECKS[0]))
    assert found and all(f.low <= f.truth <= f.high for f in found)


# -- the whole report: the screening list and the checks beside it -------------------------------
#: A report's step 2 checks the screening's clearest differences or the group's own
#: observations; these are observations a group might write, of the kinds the list also shows.
WRITTEN = [
    {"utfall": outcome, "grupp": "kon", "filter": {b: [lvl] for b, lvl in filters.items()}}
    for outcome, filters in CHECKS
]


def report_findings(data: pd.DataFrame, *, linked: bool = True) -> list:
    """Attack what one kommun's report publishes as counts: the screening list of its first
    page and the criteria checks of steps 2 and 3, as the notebooks make them."""
    screening = screening_list(data, min_n=MIN_N, extra=["aldersgrupp", *STEP1_EXTRA])
    observations = observations_from_screening(screening, top=3) + WRITTEN
    results = [
        r for r in check_observations(data, observations, min_n=MIN_N) if not isinstance(r, str)
    ]
    shown = [with_screening(r, screening) if linked else r for r in results]
    checks = [json.loads(json.dumps(to_dict(r), ensure_ascii=False)) for r in shown]
    rows = json.loads(json.dumps(tables.to_records(screening), ensure_ascii=False))
    pub = read_report(rows, checks, sexes=load_catalog().sexes)
    return attack(pub, report_truth(data, pub, results), min_n=MIN_N)


@pytest.mark.parametrize("kommun", ["Exempelby", "Granåker", "Sjövik", "Tallmora"])
def test_no_hidden_count_of_a_sample_kommuns_report_can_be_worked_out(sample, kommun):
    found = report_findings(sample[sample["kommun"] == kommun])
    assert all(f.low <= f.truth <= f.high for f in found)
    assert exposed(found) == []


def _exposed_in_small_report(sample: pd.DataFrame, seed: int) -> list:
    return exposed(report_findings(small_kommun(sample, seed=seed)))


@pytest.mark.slow
def test_no_hidden_count_of_a_small_kommuns_report_can_be_worked_out(sample):
    """Small kommuner have many small counts: 20 draws of 300–600 rows from one sample kommun,
    attacked on every core at once (each draw is independent). The command line's own list is
    attacked on the four kommuner above; here it is the report's list (the command line's
    background variables and more) with the checks beside it."""
    seeds = [6000 + draw for draw in range(20)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        found = dict(
            zip(seeds, pool.map(_exposed_in_small_report, [sample] * 20, seeds), strict=True)
        )
    assert {seed: f for seed, f in found.items() if f} == {}


def test_the_attacker_finds_what_a_check_alone_would_give_away(sample):
    """Protected on its own, Tallmora's check of hemtjänst for those born outside Europe hides
    each sex's cases, which the screening list shows: with them the one case set aside in a
    step follows by subtraction. The attacker finds it, so its silence above means something."""
    found = exposed(report_findings(sample[sample["kommun"] == "Tallmora"], linked=False))
    assert found and all(f.low == f.truth == f.high for f in found if f.recovered)
    assert any(f.key[0] == "check" and f.truth < MIN_N for f in found)
