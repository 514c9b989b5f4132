"""The ``isuwork criteria`` command, checked against a published reference.

Berkeley 1973 graduate admissions (Bickel, Hammel and O'Connell 1975; the six largest
departments, as in R's ``UCBAdmissions``): men were admitted far more often overall, but not
within departments. Pooled over departments the Mantel–Haenszel odds ratio of admission for men
relative to women is 0.905 (95 % CI 0.772–1.060; Agresti, *Categorical Data Analysis*), the
Cochran–Mantel–Haenszel test gives p = 0.217 without and 0.232 with continuity correction, and
the Breslow–Day test of equal odds ratios gives 18.83 on 5 degrees of freedom, p = 0.002: the
departments differ, department A admitting women clearly more often (89 of 108 against 512 of
825 men). Pooling hides that, so the check calls it a risk rather than explained.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable

from isuwork.cli.main import main

BERKELEY = Path(__file__).resolve().parent / "data" / "berkeley_1973.csv"


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    """Admitted and rejected per department and sex (columns dept, kon, antagna, avvisade)."""
    return pd.read_csv(BERKELEY)


@pytest.fixture(scope="module")
def berkeley_file(counts, tmp_path_factory) -> Path:
    """One row per applicant, in isuwork's schema: admitted = beviljad, department = dept."""
    rows = []
    for rec in counts.itertuples(index=False):
        rows += [(rec.dept, rec.kon, "ja")] * int(rec.antagna)
        rows += [(rec.dept, rec.kon, "nej")] * int(rec.avvisade)
    df = pd.DataFrame(rows, columns=["dept", "kon", "beviljad"])
    df.insert(0, "utredning_id", [f"b{i:05d}" for i in range(len(df))])
    df.insert(1, "kommun", "Berkeley")
    path = tmp_path_factory.mktemp("berkeley") / "berkeley.csv"
    df.to_csv(path, index=False, sep=";", encoding="utf-8-sig")
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["criteria", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_berkeley_counts_are_the_published_ones(counts):
    totals = counts.groupby("kon")[["antagna", "avvisade"]].sum()
    assert totals.loc["man"].tolist() == [1198, 1493]
    assert totals.loc["kvinna"].tolist() == [557, 1278]
    assert sorted(counts["dept"].unique()) == ["A", "B", "C", "D", "E", "F"]


def test_berkeley_json(capsys, berkeley_file, counts):
    code, out, err = run(
        capsys, berkeley_file, "--outcome", "beviljad", "--need", "dept", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "insats" and data["compare"] == ["kvinna", "man"]

    # raw: women 557/1835 vs men 1198/2691, about -14 points, clearly not zero
    assert data["groups"]["kvinna"]["n"] == 1835 and data["groups"]["man"]["n"] == 2691
    assert data["raw"]["diff"] == pytest.approx(557 / 1835 - 1198 / 2691)
    assert data["raw"]["ci"][1] < -0.10

    need = data["steps"][0]
    assert need["criterion"] == "behov" and need["variables"] == ["dept"]
    assert need["n"] == 4526 and need["share_both_present"] == pytest.approx(1.0)
    # department-adjusted (Mantel–Haenszel risk difference), recomputed from the counts
    c = counts.assign(n=counts["antagna"] + counts["avvisade"]).pivot(index="dept", columns="kon")
    n1, n2 = c[("n", "kvinna")], c[("n", "man")]
    p1, p2 = c[("antagna", "kvinna")] / n1, c[("antagna", "man")] / n2
    w = n1 * n2 / (n1 + n2)
    assert need["diff"] == pytest.approx(float((w * (p1 - p2)).sum() / w.sum()))
    assert need["ci"][0] < 0 < need["ci"][1]
    assert abs(need["diff"]) < 0.03

    # the pooled odds ratio is women relative to men (as the difference, women minus men);
    # its inverse is the published one, men relative to women
    orr = need["odds_ratio"]
    assert (orr["group"], orr["reference"]) == ("kvinna", "man")
    assert round(1 / orr["odds_ratio"], 3) == 0.905
    assert [round(1 / x, 3) for x in reversed(orr["ci"])] == [0.772, 1.060]
    tables = np.stack(
        [
            [
                [c[("antagna", "kvinna")][d], c[("avvisade", "kvinna")][d]],
                [c[("antagna", "man")][d], c[("avvisade", "man")][d]],
            ]
            for d in c.index
        ],
        axis=-1,
    ).astype(float)
    ref = StratifiedTable(tables)
    assert orr["odds_ratio"] == pytest.approx(ref.oddsratio_pooled)
    assert orr["ci"] == pytest.approx(list(ref.oddsratio_pooled_confint()))

    # the departments differ (Breslow–Day p = 0.002), and department A clearly favours women:
    # pooling would hide it, so this is a risk, not an explanation
    het = data["heterogeneity"]
    assert het["method"] == "breslow_day_tarone"
    assert round(het["p"], 3) == 0.002
    assert data["verdict"] == "risk_unmotivated"
    assert data["flags"] == ["heterogeneous"]
    clear = [s for s in het["strata"] if s["clear"]]
    assert [s["stratum"] for s in clear] == ["dept=A"]
    assert clear[0]["diff"] == pytest.approx(89 / 108 - 512 / 825)
    assert clear[0]["n"] == {"kvinna": 108, "man": 825}
    assert data["explained_by"] == []
    assert [s["status"] for s in data["steps"][1:]] == ["not_testable", "not_testable"]
    strata = need["strata"]
    assert [s["values"]["dept"] for s in strata] == ["A", "B", "C", "D", "E", "F"]
    assert strata[0]["groups"]["kvinna"] == {"n": 108, "value": pytest.approx(89 / 108)}


def test_berkeley_text(capsys, berkeley_file):
    code, out, err = run(capsys, berkeley_file, "--outcome", "beviljad", "--need", "dept")
    assert code == 0, err
    assert "Oddskvot (Mantel–Haenszel) för kvinnor jämfört med män: 1,105" in out
    assert "Rå skillnad: \u221214,2 procentenheter" in out
    assert "Bedömning: Risk för omotiverad skillnad." in out
    assert "Breslow–Days test, p = 0,002" in out
    assert "tydlig skillnad i dept A: kvinnor högre (20,3 procentenheter)" in out
    assert "Skillnader i behov (dept)" in out
    assert "underlag för gruppens reflektion" in out


def test_compare_and_filter_options(capsys, berkeley_file):
    code, out, _ = run(
        capsys,
        berkeley_file,
        "--outcome",
        "beviljad",
        "--need",
        "dept",
        "--compare",
        "man",
        "kvinna",
        "--filter",
        "dept=A",
        "--filter",
        "dept=B",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["filters"] == {"dept": ["A", "B"]}
    assert data["groups"]["man"]["n"] == 512 + 313 + 353 + 207
    assert data["raw"]["diff"] == pytest.approx((512 + 353) / 1385 - (89 + 17) / 133)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--outcome", "finns_inte"], "finns_inte"),
        (["--outcome", "beviljad", "--filter", "dept"], "KOLUMN=VÄRDE"),
        (["--outcome", "beviljad", "--need", "saknas"], "saknas"),
        (["--outcome", "beviljad", "--kind", "delaktighet", "--alternative", "x"], "--alternative"),
    ],
)
def test_user_errors_exit_1_with_swedish_message(capsys, berkeley_file, args, text):
    code, out, err = run(capsys, berkeley_file, *args)
    assert code == 1
    assert err.startswith("Fel: ") and text in err
    assert "Traceback" not in err and out == ""


def test_bad_usage_exits_2(capsys, berkeley_file):
    with pytest.raises(SystemExit) as exc:
        main(["criteria", str(berkeley_file), "--outcome", "beviljad", "--format", "xml"])
    assert exc.value.code == 2
    assert "fel i kommandoraden" in capsys.readouterr().err


SAMPLE_CSV = Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv"


def test_sample_file_through_the_command(capsys):
    # the planted LSS pattern: adult women granted more often at the same need
    code, out, err = run(
        capsys,
        SAMPLE_CSV,
        "--outcome",
        "beviljad",
        "--filter",
        "verksamhet=lss",
        "--filter",
        "aldersgrupp=23-64",
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["verdict"] == "risk_unmotivated"
    assert data["filters"] == {"verksamhet": ["lss"], "aldersgrupp": ["23-64"]}
    assert data["steps"][0]["status"] == "applied"
    assert "Det finns en risk för en omotiverad skillnad" in data["message"]
