"""The variable catalogue: consistent with itself, with the schema, and read-only in use."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from isuwork.domain.catalog import Catalog, load_catalog
from isuwork.domain.shipped import sample_dir
from isuwork.domain.vocabulary import CRITERIA_KINDS, SEX, YES
from isuwork.exceptions import CatalogError, ParameterError

CAT = load_catalog()


def test_every_variable_has_a_type_role_and_label():
    for var in CAT.variables.values():
        assert var.label and var.role in CAT.roles
        if var.type == "code" and var.name != "aldersgrupp":
            assert var.codes, var.name  # a code variable lists its codes
        if var.min is not None and var.max is not None:
            assert var.min <= var.max, var.name


def test_the_compared_groups_come_from_the_catalogue():
    assert CAT.sexes == ("kvinna", "man")
    assert [CAT.plural_label(SEX, s) for s in CAT.sexes] == ["Kvinnor", "Män"]
    assert CAT.plural_label("fodelseland", "sverige") == "Sverige"  # no plural: the label


def test_criteria_name_known_variables_and_valid_values():
    for kind in CRITERIA_KINDS:
        for criterion in CAT.criteria(kind):
            assert set(criterion.variables) <= set(CAT.variables)
            for column, values in criterion.values.items():
                var = CAT.variable(column)
                allowed = {YES, "nej"} if var.type == "yesno" else set(var.codes)
                assert set(values) <= allowed, (criterion.code, column)


@pytest.mark.parametrize("scheme", ["aldreomsorg", "lss", "barn_unga", "default"])
def test_age_bands_cover_every_age_once(scheme):
    bands = CAT.age_groups(scheme)
    assert bands[0].low == 0 and bands[-1].high is None
    for before, after in zip(bands, bands[1:], strict=False):
        assert after.low == before.high + 1
    assert {b.code for b in bands} <= set(CAT.age_group_codes)


def test_age_bands_are_grouped_by_the_verksamheter_whose_scheme_has_them():
    codes = ["90+", "0-6", "65-74", "18-29", "7-12", "0-64", "65+", "Totalt"]
    sections = CAT.age_band_sections(codes, ["socialpsykiatri", "lss", "aldreomsorg"])
    assert sections == [
        ("Äldreomsorg", ["0-64", "65-74", "90+"]),
        ("LSS", ["0-6", "7-12", "65+"]),
        ("Socialpsykiatri", ["18-29"]),
        ("Övriga", ["Totalt"]),
    ]
    # a band in the schemes of several verksamheter names them all
    assert ("LSS, Barn och unga", ["0-6", "7-12"]) in CAT.age_band_sections(codes)


def test_codes_labels_and_dtypes():
    assert CAT.age_group_label("65-74") == "65–74 år" and CAT.age_group_label("90+") == "90+ år"
    assert CAT.code_label("verksamhet", "lss") == "LSS"
    assert CAT.code_label("beviljad", True) == "Ja"
    assert CAT.code_label("okand_kolumn", "x") == "x"
    dtype = CAT.dtype("verksamhet")
    assert isinstance(dtype, pd.CategoricalDtype) and list(dtype.categories)[0] == "aldreomsorg"
    assert CAT.dtype("beviljad") == "boolean" and CAT.dtype("utanfor_schemat") == "string"
    assert list(CAT.dtype("aldersgrupp").categories) == CAT.age_group_codes


def test_outcomes_and_screening_background_are_in_the_sample():
    header = (sample_dir() / "isu_exempel.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    columns = set(header.split(";"))
    derived = {v.name for v in CAT.variables.values() if v.derived}
    # the case review's items are in the review book (data/sample/aktgranskning/), not in an
    # ISU export
    isu_outcomes = [v.name for v in CAT.outcomes if v.role != "granskning"]
    for name in isu_outcomes + CAT.screening_background:
        assert name in columns or name in derived, name


def test_unknown_variable_is_a_swedish_parameter_error():
    with pytest.raises(ParameterError, match="finns inte i katalogen"):
        CAT.variable("finns_inte")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["variables"]["kon"].update(type="kön"), "okänd typ"),
        (lambda raw: raw["variables"]["kon"].update(role="grupp"), "okänd roll"),
        (lambda raw: raw["variables"]["kon"]["codes"].update(annan="Annan"), "två koder"),
        (lambda raw: raw["criteria"]["insats"][0]["variables"].append("saknas"), "okända"),
        (lambda raw: raw["screening_background"].append("saknas"), "screening_background"),
    ],
)
def test_an_inconsistent_catalogue_is_refused(change, message):
    from importlib import resources

    text = resources.files("isuwork.domain").joinpath("catalog.yaml").read_text(encoding="utf-8")
    raw = copy.deepcopy(yaml.safe_load(text))
    change(raw)
    with pytest.raises(CatalogError, match=message):
        Catalog(raw)
