"""The step-1 explorer: driving its controls changes the (suppressed) table it shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from isuwork.data.prepare import load
from isuwork.workbook.explorer import BATCH_SENTENCE, Explorer, explorer

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
