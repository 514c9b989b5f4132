"""Mapping files: parsing and checking them, and applying them to an export's headers and codes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from isuwork.data.mapping import Mapping, apply_mapping, coerce_mapping, load_mapping
from isuwork.exceptions import MappingError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "radnr": [2, 3, 4],
            " Kön ": ["K", "m", "2"],
            "Ärende-ID": ["A", "B", "C"],
            "Handläggare": ["x", "y", "z"],
        }
    ).astype({" Kön ": "string", "Ärende-ID": "string", "Handläggare": "string"})


def test_the_sample_mapping_file_is_read():
    mapping = load_mapping(SAMPLE / "mapping_exempel.yaml")
    assert mapping.system and mapping.source == "mapping_exempel.yaml"
    assert mapping.columns["Kön"] == "kon"
    assert mapping.values["kon"]["K"] == "kvinna"
    assert "Handläggare" in mapping.drop


def test_headers_and_codes_are_matched_regardless_of_case_and_spaces():
    mapping = coerce_mapping(
        {
            "columns": {"kön": "kon", "ÄRENDE-ID": "utredning_id", "Enhet": "enhet"},
            "values": {"kon": {"K": "kvinna", "M": "man", "2": "kvinna"}},
            "drop": ["handläggare"],
        }
    )
    out, warnings = apply_mapping(_raw(), mapping, source="export.csv")
    assert list(out.columns) == ["radnr", "kon", "utredning_id"]
    assert out["kon"].tolist() == ["kvinna", "man", "kvinna"]  # exact first, then any case
    assert warnings == ["Mappningen nämner kolumner som saknas i export.csv: Enhet."]


def test_unmapped_values_are_left_for_preparation_to_report():
    mapping = coerce_mapping({"columns": {"Kön": "kon"}, "values": {"kon": {"K": "kvinna"}}})
    out, _ = apply_mapping(_raw(), mapping)
    assert out["kon"].tolist() == ["kvinna", "m", "2"]


def test_a_mapping_that_fits_no_header_is_an_error():
    mapping = coerce_mapping({"columns": {"Kommunnamn": "kommun"}})
    with pytest.raises(MappingError, match="ingen av dess kolumnrubriker finns"):
        apply_mapping(_raw(), mapping, source="export.csv")


def test_two_columns_under_one_name_is_an_error():
    mapping = coerce_mapping({"columns": {"Handläggare": "kon"}})
    raw = _raw().rename(columns={" Kön ": "kon"})
    with pytest.raises(MappingError, match="två gånger"):
        apply_mapping(raw, mapping)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["kon"], "uppsättning nycklar"),
        ({"kolumner": {}}, "okända nycklar kolumner"),
        ({"columns": {"Kön": "Kön med mellanslag"}}, "enkla namn"),
        ({"columns": {"A": "kon", "B": "kon"}}, "samma namn: kon"),
        ({"values": {"kon": ["K", "M"]}}, "par av exportvärde"),
        ({"header_row": 0}, "header_row"),
    ],
)
def test_malformed_mappings_are_explained(raw, message):
    with pytest.raises(MappingError, match=message):
        coerce_mapping(raw)


def test_broken_yaml_and_missing_files(tmp_path):
    with pytest.raises(MappingError, match="finns inte"):
        load_mapping(tmp_path / "saknas.yaml")
    bad = tmp_path / "trasig.yaml"
    bad.write_text("columns:\n  Kön: kon\n   Ålder: alder\n", encoding="utf-8")
    with pytest.raises(MappingError, match="inte giltig YAML"):
        load_mapping(bad)


def test_coerce_accepts_every_form():
    assert coerce_mapping(None) is None and coerce_mapping("") is None
    parsed = coerce_mapping({"system": "X"})
    assert isinstance(parsed, Mapping) and coerce_mapping(parsed) is parsed
    from_file = coerce_mapping(SAMPLE / "mapping_exempel.yaml")
    assert from_file == load_mapping(SAMPLE / "mapping_exempel.yaml")


def test_a_drafted_mapping_pairs_headers_as_the_hand_written_one_does(tmp_path, capsys):
    """`isuwork mapping` on the sample's case-system export: every pair it proposes is the one
    the hand-written mapping_exempel.yaml makes, the draft loads as a mapping, it holds none of
    the export's values, and an existing file is never overwritten."""
    from isuwork.cli.main import main
    from isuwork.data.io import read_export
    from isuwork.data.mapping import load_mapping

    export = SAMPLE / "export_exempel.xlsx"
    written = load_mapping(SAMPLE / "mapping_exempel.yaml")
    target = tmp_path / "utkast.yaml"
    assert main(["mapping", str(export), "--out", str(target)]) == 0
    draft = load_mapping(target)
    assert draft.sheet == written.sheet == "Utredningar"
    assert draft.columns  # some pairs are found …
    for header, name in draft.columns.items():  # … and each agrees with the hand-written file
        assert written.columns[header] == name, header
    assert {"Kön", "Beslutsdatum", "Ålder vid beslut"} <= set(draft.columns)
    text = target.read_text(encoding="utf-8")
    assert "# Ärende-ID: ?" in text  # unpaired headers are left for a person to fill in
    raw = read_export(export).data
    values = {v for c in ("Klient", "Handläggare", "Anteckning") for v in raw[c].dropna().unique()}
    assert not [v for v in values if re.search(rf"(?<!\w){re.escape(str(v))}(?!\w)", text)]
    assert main(["mapping", str(export), "--out", str(target)]) == 1
    assert "finns redan och skrivs inte över" in capsys.readouterr().err


def test_a_drafted_mapping_edited_by_hand_is_accepted_by_validate(tmp_path, capsys):
    """The draft is a start: a person fills in the headers it could not pair and the codes, as
    the hand-written mapping_exempel.yaml does, and `isuwork validate` then accepts it."""
    import yaml

    from isuwork.cli.main import main

    export = SAMPLE / "export_exempel.xlsx"
    draft_path = tmp_path / "utkast.yaml"
    assert main(["mapping", str(export), "--out", str(draft_path)]) == 0
    draft = yaml.safe_load(draft_path.read_text(encoding="utf-8"))
    by_hand = yaml.safe_load((SAMPLE / "mapping_exempel.yaml").read_text(encoding="utf-8"))
    unpaired = set(by_hand["columns"]) - set(draft["columns"])
    assert unpaired  # there is something left to fill in
    draft["columns"] |= {header: by_hand["columns"][header] for header in unpaired}
    # the codes, and the date formats and free text that the draft's comments ask about
    for section in ("values", "dates", "drop"):
        draft[section] = by_hand[section]
    assert "# dates:" in draft_path.read_text(encoding="utf-8")
    assert "# drop:" in draft_path.read_text(encoding="utf-8")
    edited = tmp_path / "mappning.yaml"
    edited.write_text(yaml.safe_dump(draft, allow_unicode=True), encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(export), "--mapping", str(edited)]) == 0
    assert "Rader som används" in capsys.readouterr().out
