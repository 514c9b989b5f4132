"""The vocabulary shared by every layer: yes/no, verdicts, kinds of criteria, kommun slugs."""

from __future__ import annotations

import pytest

from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import (
    CRITERIA_KINDS,
    NO_SPELLINGS,
    VERDICT_LABELS,
    VERDICTS,
    YES_SPELLINGS,
    kommun_slug,
    yes_no,
)
from isuwork.exceptions import ParameterError


@pytest.mark.parametrize("text", ["ja", "Ja", " J ", "1", "true", "SANT", "yes", "y", "x"])
def test_every_yes(text):
    assert yes_no(text) is True


@pytest.mark.parametrize("text", ["nej", "NEJ", "n", "0", "False", "falskt", "no"])
def test_every_no(text):
    assert yes_no(text) is False


@pytest.mark.parametrize("text", ["", "kanske", "vet_ej", "2"])
def test_neither(text):
    assert yes_no(text) is None


def test_spellings_do_not_overlap():
    assert not YES_SPELLINGS & NO_SPELLINGS


def test_verdicts_and_kinds():
    assert tuple(VERDICT_LABELS) == VERDICTS
    assert set(VERDICTS) >= {"risk_unmotivated", "explained", "no_difference"}
    assert all(label and label[0].isupper() for label in VERDICT_LABELS.values())
    catalog = load_catalog()
    for kind in CRITERIA_KINDS:
        assert catalog.criteria(kind)  # every kind has its table in the catalogue


def test_one_slug_for_report_folders_and_journals():
    assert kommun_slug("Upplands Väsby") == "upplands-vasby"
    assert kommun_slug("Malung-Sälen") == kommun_slug("malung sälen") == "malung-salen"
    with pytest.raises(ParameterError, match="Kommunens namn"):
        kommun_slug("!!!")
