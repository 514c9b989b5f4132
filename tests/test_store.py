"""The prepared store: an export prepared once, read back one kommun at a time, exactly as loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from isuwork.data import store as store_module
from isuwork.data.prepare import load
from isuwork.data.store import is_store, load_prepared, prepare_once, read_store
from isuwork.exceptions import ParameterError
from isuwork.workbook.session import open_session

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "isu_exempel.csv"
EXPORT = ROOT / "data" / "sample" / "export_exempel.xlsx"
MAPPING = ROOT / "data" / "sample" / "mapping_exempel.yaml"


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    return prepare_once(SAMPLE, cache_dir=tmp_path_factory.mktemp("cache"))


def test_store_gives_back_exactly_what_load_gives(sample_store):
    loaded = load(SAMPLE)
    whole = read_store(sample_store.path)
    expected = loaded.data.sort_values("kommun", kind="stable", ignore_index=True)
    pd.testing.assert_frame_equal(whole.data, expected)
    assert whole.report.to_dict() == loaded.report.to_dict()
    for kommun in sample_store.kommuner:
        one = read_store(sample_store.path, kommun=kommun.upper())
        rows = loaded.data[loaded.data["kommun"] == kommun].reset_index(drop=True)
        pd.testing.assert_frame_equal(one.data, rows)


@pytest.mark.parametrize(
    ("export", "mapping"),
    [(EXPORT, MAPPING), (ROOT / "tests" / "data" / "bad" / "invalid_personnummer.csv", None)],
    ids=["mapped", "excluded-rows"],
)
def test_store_keeps_the_report(tmp_path, export, mapping):
    loaded = load(export, mapping=mapping)
    made = prepare_once(export, mapping=mapping, cache_dir=tmp_path)
    again = read_store(made.path)
    assert again.report.to_dict() == loaded.report.to_dict()
    assert again.report.to_text() == loaded.report.to_text()
    pd.testing.assert_frame_equal(again.report.excluded, loaded.report.excluded)
    pd.testing.assert_frame_equal(
        again.data, loaded.data.sort_values("kommun", kind="stable", ignore_index=True)
    )


def test_the_same_inputs_are_prepared_only_once(tmp_path, monkeypatch):
    first = prepare_once(SAMPLE, cache_dir=tmp_path)

    def no_second_preparation(*args, **kwargs):
        raise AssertionError("prepared again")

    monkeypatch.setattr(store_module, "load", no_second_preparation)
    assert prepare_once(SAMPLE, cache_dir=tmp_path) == first
    # another input, another store: an edited copy of the export is prepared anew
    copy = tmp_path / "kopia.csv"
    shutil.copy(SAMPLE, copy)
    with copy.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    monkeypatch.undo()
    other = prepare_once(copy, cache_dir=tmp_path)
    assert other.key != first.key and is_store(other.path) and is_store(first.path)


def test_half_written_store_is_no_store(tmp_path, sample_store):
    broken = tmp_path / sample_store.key
    shutil.copytree(sample_store.path, broken)
    (broken / store_module.MARKER).unlink()  # the marker is written last
    assert not is_store(broken)
    with pytest.raises(ParameterError, match="ingen förberedd datamapp"):
        read_store(broken)
    made = prepare_once(SAMPLE, cache_dir=tmp_path)  # finds no store, so prepares again
    assert is_store(made.path)


def test_unknown_kommun_suggests_the_nearest(sample_store):
    assert sample_store.resolve(" sjövik ") == "Sjövik"
    with pytest.raises(ParameterError, match=r"Menade du Granåker\?.*Exempelby, Granåker"):
        sample_store.resolve("Granaker")
    with pytest.raises(ParameterError, match="Kommunerna i filen är"):
        read_store(sample_store.path, kommun="Storstad")


def test_session_from_store_reads_its_kommun_and_the_whole_file_on_demand(sample_store):
    from_store = open_session(data=str(sample_store.path), kommun="sjövik")
    from_export = open_session(data=str(SAMPLE), kommun="sjövik")
    pd.testing.assert_frame_equal(from_store.data, from_export.data)
    assert from_store.summary == from_export.summary
    assert len(from_store.prepared.data) == len(from_export.prepared.data) == 12000
    assert load_prepared(sample_store.path, kommun="Sjövik").data["kommun"].unique().tolist() == [
        "Sjövik"
    ]


def test_session_remembers_results_in_the_store_only(sample_store):
    session = open_session(data=str(sample_store.path), kommun="Tallmora")
    first = session.screening_list(min_n=5, by="aldersgrupp")
    saved = list((sample_store.path / "results" / "tallmora").glob("screening-*.pickle"))
    assert len(saved) == 1
    again = open_session(data=str(sample_store.path), kommun="Tallmora").screening_list(min_n=5)
    pd.testing.assert_frame_equal(again.table, first.table)
    other = session.screening_list(min_n=10, by="aldersgrupp")  # other settings, other file
    assert len(list(saved[0].parent.glob("screening-*.pickle"))) == 2
    assert not other.table.equals(first.table)
    plain = open_session(data=str(SAMPLE), kommun="Tallmora")
    pd.testing.assert_frame_equal(plain.screening_list(min_n=5).table, first.table)
