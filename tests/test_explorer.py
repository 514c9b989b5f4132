"""The step-1 explorer: driving its controls changes the (suppressed) table it shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from isuwork.data.prepare import load
from isuwork.workbook.explorer import BATCH_SENTENCE, Explorer, explorer
from isuwork.workbook.journal import open_journal
from isuwork.workbook.observations import check_observations, observations_for_step2
from isuwork.workbook.results import STEP1_EXTRA
from isuwork.workbook.session import screening_list

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv"


@pytest.fixture(scope="module")
def exempelby():
    data = load(SAMPLE).data
    return data[data["kommun"] == "Exempelby"].reset_index(drop=True)


def test_controls_change_the_table(exempelby):
    view = Explorer(exempelby, min_n=5)
    first = view.table.copy()
    assert set(first["utfall"]) == {"beviljad"}
    assert "aldersgrupp" in first.columns

    view.outcome.value = "deltog_utredningssamtal"
    assert set(view.table["utfall"]) == {"deltog_utredningssamtal"}
    assert not view.table["varde"].equals(first["varde"])

    view.by.value = "verksamhet"
    assert "verksamhet" in view.table.columns and "aldersgrupp" not in view.table.columns

    view.filter_column.value = "verksamhet"
    assert view.filter_value.disabled is False
    view.filter_value.value = "lss"
    assert set(view.table["verksamhet"].dropna().astype(str)) == {"lss"}
    assert view.table["n"].sum() < first["n"].sum()


def test_batch_mode_shows_a_sentence_and_no_table_of_its_own(exempelby, capsys):
    """A report's tables come from its screening list; a table protected on its own here
    could show a cell the list hides."""
    assert explorer(exempelby, interactive=False) is None
    assert capsys.readouterr().out.strip() == BATCH_SENTENCE


def test_live_explorer_is_shown_once(exempelby, monkeypatch):
    """In JupyterLab the explorer appeared twice: shown by explorer() and again as the cell's
    value. It is shown once and not returned."""
    import isuwork.workbook.explorer as module

    shown: list[object] = []
    monkeypatch.setattr(module, "display", shown.append)
    assert explorer(exempelby, min_n=5) is None
    assert [type(item) for item in shown].count(Explorer) == 1  # its chart and table aside


def test_what_is_shown_is_saved_as_an_observation_that_step_2_checks(exempelby, tmp_path):
    """The hand-over through the widgets: outcome and selection chosen in the explorer, saved
    with a title, are what step 2 checks; the saved figures are the screening list's own
    sentence (protected with the report's pages, where the journal is shown)."""
    journal = open_journal("Exempelby", journal_dir=tmp_path)
    screening = screening_list(exempelby, min_n=5, extra=["aldersgrupp", *STEP1_EXTRA])
    view = Explorer(exempelby, min_n=5, journal=journal, screening=screening)
    view.outcome.value = "deltog_utredningssamtal"
    view.filter_column.value = "verksamhet"
    view.filter_value.value = "lss"
    view.title.value = "Män deltar mer sällan i utredningssamtal inom LSS"
    view.save.click()

    (saved,) = open_journal("Exempelby", journal_dir=tmp_path).observations
    assert saved["titel"] == "Män deltar mer sällan i utredningssamtal inom LSS"
    assert (saved["utfall"], saved["grupp"]) == ("deltog_utredningssamtal", "kon")
    assert saved["filter"] == {"verksamhet": ["lss"]}
    rows = screening.table
    row = rows[
        (rows["utfall"] == "deltog_utredningssamtal")
        & (rows["bakgrund"] == "verksamhet")
        & (rows["niva"] == "lss")
        & rows["kategori"].isna()
    ]
    assert saved["beskrivning"] == row["mening"].iloc[0]
    assert "Sparad i journalen" in view.saved.value and view.title.value == ""

    observations, source = observations_for_step2(journal, screening)
    assert "journalen" in source and [o["utfall"] for o in observations] == [saved["utfall"]]
    (result,) = check_observations(exempelby, observations, min_n=5)
    assert (result.outcome, result.filters) == ("deltog_utredningssamtal", {"verksamhet": ["lss"]})


def test_a_categorical_outcome_is_not_saved_and_says_why(exempelby, tmp_path):
    journal = open_journal("Exempelby", journal_dir=tmp_path)
    view = Explorer(exempelby, min_n=5, journal=journal)
    view.outcome.value = "initiativ"
    assert view.save_observation() is None
    assert "Inte sparad" in view.saved.value and "ja/nej-utfall" in view.saved.value
    assert journal.observations == []


def _widgets_in(box):
    for child in getattr(box, "children", ()):
        yield child
        yield from _widgets_in(child)


def test_without_a_journal_there_is_nothing_to_save(exempelby, tmp_path):
    with_journal = Explorer(exempelby, min_n=5, journal=open_journal("E", journal_dir=tmp_path))
    assert with_journal.save in list(_widgets_in(with_journal))
    view = Explorer(exempelby, min_n=5)
    assert view.save not in list(_widgets_in(view))
    assert view.save_observation() is None


def test_the_table_shows_groups_and_numbers_in_swedish_not_the_methods(exempelby):
    view = Explorer(exempelby, min_n=5)
    table = view.output.outputs[1]["data"]["text/html"]
    assert "wilson" not in table and "chi2" not in table and "Intervallmetod" not in table
    assert "Kön" in table and "Åldersgrupp" in table and "\u00a0%" in table  # shares in percent
    assert "<strong>Beviljad (helt eller delvis)</strong>" in table  # what the table is about
