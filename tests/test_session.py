"""The workbook session and the observations it hands from step 1 to steps 2 and 3."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest

from isuwork.data.prepare import load
from isuwork.domain.vocabulary import VERDICT_LABELS
from isuwork.exceptions import ParameterError
from isuwork.present.screening_text import LARGE_HIDDEN_SENTENCE
from isuwork.privacy.protected import Protected
from isuwork.workbook.journal import open_journal
from isuwork.workbook.observations import (
    check_observations,
    observations_for_step2,
    observations_from_screening,
    verdict_summary,
)
from isuwork.workbook.session import open_session, screening_list

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv"


@pytest.fixture(scope="module")
def everyone() -> pd.DataFrame:
    return load(SAMPLE).data


@pytest.fixture(scope="module")
def session():
    return open_session(data=str(SAMPLE), kommun="sjövik ")


def test_the_kommun_is_found_whatever_the_case(session, everyone):
    assert session.kommun == "Sjövik"  # as the data writes it
    assert len(session.data) == int((everyone["kommun"] == "Sjövik").sum())
    assert session.summary == "Sjövik: 3\u00a0000 utredningar av 12\u00a0000 i filen."


def test_one_verksamhet(everyone):
    lss = open_session(data=str(SAMPLE), kommun="Sjövik", verksamhet="LSS")
    expected = (everyone["kommun"] == "Sjövik") & (everyone["verksamhet"] == "lss")
    assert len(lss.data) == int(expected.sum()) > 0
    assert lss.summary.startswith("Sjövik, verksamhet LSS: ")


def test_unknown_kommun_or_verksamhet_lists_what_exists():
    with pytest.raises(ParameterError, match="Kommunerna i filen är: Exempelby, Granåker"):
        open_session(data=str(SAMPLE), kommun="Storstad")
    with pytest.raises(ParameterError, match="Verksamheter i datan: aldreomsorg, lss"):
        open_session(data=str(SAMPLE), kommun="Sjövik", verksamhet="missbruk")


def test_screening_list_is_protected_and_described(session):
    listed = screening_list(session.data, min_n=5)
    assert isinstance(listed, Protected) and listed.min_n == 5
    assert list(listed.columns[-3:]) == ["rang", "mening", "dold"]
    shown = listed.table[~listed.table["dold"]]
    assert shown["mening"].str.contains("kvinnor").any()
    hidden = listed.table[listed.table["dold"]]
    large = hidden["stor_dold_skillnad"].to_numpy(dtype=bool)
    assert (hidden.loc[large, "mening"] == LARGE_HIDDEN_SENTENCE).all()
    assert hidden.loc[~large, "mening"].str.contains("för få").all()


def test_observations_come_from_the_journal_before_the_screening(session, tmp_path):
    listed = screening_list(session.data, min_n=5)
    picked = observations_from_screening(listed, top=3)
    assert 1 <= len(picked) <= 3
    assert all(
        o["utfall"]
        in {
            "beviljad",
            "hemtjanst_tim_man",
            "antal_insatser_efter",
            "tillfragad_delta",
            "deltog_utredningssamtal",
            "delaktig_i_mal",
        }
        for o in picked
    )
    journal = open_journal("Sjövik", journal_dir=tmp_path)
    chosen, source = observations_for_step2(journal, listed, top=3)
    assert chosen == picked and "screeningen" in source
    journal.add_observation("Män tillfrågas mer sällan", utfall="tillfragad_delta")
    chosen, source = observations_for_step2(journal, listed, top=3)
    assert [o["titel"] for o in chosen] == ["Män tillfrågas mer sällan"]
    assert "journalen" in source
    summary = verdict_summary(chosen, check_observations(session.data, chosen, min_n=5))
    assert list(summary.columns) == [
        "Iakttagelse",
        "Bedömning",
        "Förklaras av",
        "Flaggor",
        "Kommentar",
    ]
    assert summary.iloc[0]["Bedömning"] in set(VERDICT_LABELS.values())


def test_a_section_whose_data_is_missing_says_so_and_others_go_on(session, monkeypatch):
    from isuwork.analysis.list_tables import comparison_from_list
    from isuwork.exceptions import MissingDataError
    from isuwork.workbook import sections
    from isuwork.workbook.sections import section

    shown = []
    monkeypatch.setattr(sections, "display", shown.append)

    listing = screening_list(
        session.data.drop(columns=["aldersgrupp"]), min_n=5, extra=["aldersgrupp"]
    )
    assert "aldersgrupp" in listing.missing
    with pytest.raises(MissingDataError, match="inga uppgifter om åldersgrupp"):
        comparison_from_list(listing, outcome="beviljad", by="aldersgrupp")
    with section("Diagrammet"):
        comparison_from_list(listing, outcome="beviljad", by="aldersgrupp")
    assert len(shown) == 1 and "Diagrammet visas inte. Uppgift saknas" in shown[0].data
    with pytest.raises(ParameterError, match="varken en kolumn"):  # a typo is no missing data
        screening_list(session.data, min_n=5, extra=["aldergrupp"])
    with pytest.raises(ValueError), section("Något annat"):  # other errors still stop the page
        raise ValueError("fel")


def test_key_findings_are_the_screening_lists_top_rows_with_their_verdicts():
    from isuwork.workbook.findings import LEAST, MOST, finding_rows, key_findings
    from isuwork.workbook.observations import observations_from_screening

    session = open_session(data=str(SAMPLE), kommun="Exempelby")
    screening = session.screening_list(min_n=5)
    chosen = observations_from_screening(screening, top=3)
    results = check_observations(session.data, chosen, min_n=5)
    rows = finding_rows(screening)
    table = screening.table
    sure = int((table["p_justerat"] < 0.05).sum())
    assert len(rows) == max(min(sure, MOST), LEAST)
    assert list(rows["mening"]) == list(table["mening"].head(len(rows)))
    page = key_findings(screening, chosen, results, links=True).data
    for mening in rows["mening"]:
        assert html.escape(mening) in page
    for number, result in enumerate(results, start=1):
        label = VERDICT_LABELS[result.verdict]
        assert f'href="02_vi_reflekterar.html#iakttagelse-{number}">{label}</a>' in page
    empty = key_findings(screening.head(0)).data
    assert "inga skillnader" in empty and "<ol>" not in empty


def test_step2_saves_its_verdicts_to_the_journal_only_in_a_live_session(session, tmp_path):
    """Step 3 builds on step 2's verdicts: they were never saved (bedomning null). A live
    session saves them for the journal's observations; a rendered report leaves the journal
    as it read it."""
    from isuwork.workbook.observations import show_criteria

    journal = open_journal("Sjövik", journal_dir=tmp_path)
    journal.add_observation("Män tillfrågas mer sällan", utfall="tillfragad_delta")
    listed = screening_list(session.data, min_n=5)
    chosen, _ = observations_for_step2(journal, listed, top=3)
    results = check_observations(session.data, chosen, min_n=5)
    show_criteria(chosen, results, journal=journal, save=False)
    assert open_journal("Sjövik", journal_dir=tmp_path).observations[0]["bedomning"] is None
    show_criteria(chosen, results, journal=journal, save=True)
    saved = open_journal("Sjövik", journal_dir=tmp_path).observations[0]
    assert saved["bedomning"] == results[0].verdict
