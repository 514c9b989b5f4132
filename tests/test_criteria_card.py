"""The criteria check as a page shows it: the staircase chart, the verdict card, the details.

Frames are built cell by cell (as in ``test_criteria.py``), so the differences the chart must
draw are known by hand: shares in percentage points, means in the outcome's unit.
"""

from __future__ import annotations

import re

import pytest
from cells import build

from isuwork.analysis.criteria import check_criteria
from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import FLAG_LABELS, VERDICTS
from isuwork.present.criteria_card import STEP_COLUMNS, CriteriaCard
from isuwork.present.criteria_report import message, to_text
from isuwork.present.staircase import alt_text, staircase
from isuwork.present.tables import TABLE_MIME

W, M = "kvinna", "man"


def cells(high_w, high_m, low_w, low_m) -> list[dict]:
    """Two need strata (behov_max 3 and 1); each argument is (n, yes) or (n, values)."""
    out = []
    for kon, level, (n, spec) in ((W, 3, high_w), (M, 3, high_m), (W, 1, low_w), (M, 1, low_m)):
        out.append(
            {
                "kon": kon,
                "behov_max": level,
                "n": n,
                "yes" if isinstance(spec, int) else "values": spec,
            }
        )
    return out


# Raw 0.70 − 0.30 = +0.40; within need +0.20 (see test_criteria.REMAINS).
SHARES = cells((150, 120), (50, 30), (50, 20), (150, 30))
# Raw means 57.5 − 32.5 = +25; within need 0.
MEANS = cells((150, [60, 80]), (50, [60, 80]), (50, [10, 30]), (150, [10, 30]))


def _card(frame_cells, outcome="beviljad", **kwargs) -> CriteriaCard:
    result = check_criteria(build(frame_cells, outcome=outcome), outcome=outcome, **kwargs)
    return CriteriaCard("Iakttagelse", result, load_catalog().criteria(result.kind))


def _points(ax) -> list[float]:
    """The x of each drawn point (the markers), top row first."""
    points = [line for line in ax.get_lines() if line.get_marker() == "o"]
    return [float(line.get_xdata()[0]) for line in points]


def test_shares_are_drawn_in_percentage_points():
    card = _card(SHARES)
    ax = staircase(card.checked)
    points = _points(ax)
    assert points[0] == pytest.approx(40.0)  # the raw difference, 0,40 as 40 p.e.
    assert points[1] == pytest.approx(20.0)  # after need
    assert "procentenheter" in ax.get_xlabel()
    assert ax.get_yticklabels()[0].get_text() == "Rå skillnad"
    # the band of differences too small to be clear: ± the check's min_diff in p.e.
    band = ax.patches[0].get_x(), ax.patches[0].get_width()
    assert band[0] == pytest.approx(-card.result.min_diff * 100)


def test_means_are_drawn_in_their_unit():
    card = _card(MEANS, outcome="hemtjanst_tim_man")
    ax = staircase(card.checked)
    points = _points(ax)
    assert points[0] == pytest.approx(25.0)
    assert points[1] == pytest.approx(0.0, abs=1e-9)
    assert ax.get_xlabel().endswith("(timmar per månad)")


def test_an_untestable_step_is_written_not_drawn():
    card = _card(SHARES)  # no need-met-another-way or wish columns: those steps cannot be tested
    untestable = [s for s in card.result.steps if s.status == "not_testable"]
    assert untestable
    ax = staircase(card.checked)
    assert len(_points(ax)) == 1 + len(card.result.steps) - len(untestable)
    assert sum(t.get_text() == "kan inte prövas" for t in ax.texts) == len(untestable)


def test_hidden_raw_difference_is_not_drawn_nor_given_away_by_the_steps():
    # three women, all granted: their share (100 %) is hidden, and with one need stratum the
    # difference after need is the raw difference (70 p.e.) itself, so it is hidden too
    small = [
        {"kon": W, "behov_max": 3, "n": 3, "yes": 3},
        {"kon": M, "behov_max": 3, "n": 200, "yes": 60},
    ]
    card = _card(small)
    assert card.checked["raw"]["dold"]
    assert all(step["diff"] is None for step in card.checked["steps"])
    assert card.checked["remaining"]["diff"] is None
    ax = staircase(card.checked)
    assert _points(ax) == []
    assert "visas inte" in [t.get_text() for t in ax.texts]
    # a hidden step is not an untested one: the chart must not say it could not be tested
    tested = [s for s in card.result.steps if s.status != "not_testable"]
    assert [t.get_text() for t in ax.texts].count("visas inte") == 1 + len(tested)
    shown = alt_text(card.checked) + to_text(card.result) + message(card.result)
    assert "70,0" not in shown
    assert "Kvinnor: .. fall, .." in to_text(card.result)  # the group itself is hidden too


def test_card_page_has_the_verdict_the_picture_and_no_codes():
    card = _card(SHARES)
    bundle = card._repr_mimebundle_()
    page = bundle["text/html"]
    assert "Bedömning: Risk för omotiverad skillnad" in page
    assert '<img src="data:image/png;base64,' in page
    assert 'alt="Diagram: skillnaden i beviljad (helt eller delvis) mellan kvinnor och män' in page
    assert "<details>" in page and "<pre" not in page
    visible = re.sub(r"<img[^>]*>|<[^>]+>", " ", page)
    for code in (*VERDICTS, *FLAG_LABELS, "behov_max", "kon"):
        assert not re.search(rf"(?<![\w-]){code}(?![\w-])", visible), code


def test_steps_table_travels_as_numbers_for_the_workbook():
    card = _card(SHARES)
    table = card._repr_mimebundle_()[TABLE_MIME]
    assert table["columns"] == list(STEP_COLUMNS)
    raw, need = table["rows"][0], table["rows"][1]
    assert raw[1] == [pytest.approx(40.0), '0.0" p.e."']
    assert raw[5] == [400, "#,##0"]
    assert need[0][0] == "1. Skillnader i behov"
    assert need[1][0] == pytest.approx(card.result.steps[0].estimate.diff * 100)
    assert [row[1] for row in table["rows"][2:]] == [["kan inte prövas", None]] * 2
