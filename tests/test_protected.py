"""A protected result carries its threshold; outputs accept nothing else."""

from __future__ import annotations

import pandas as pd
import pytest

from isuwork.exceptions import PrivacyError
from isuwork.privacy.primary import footnote
from isuwork.privacy.protected import Protected, protect, require_protected
from isuwork.privacy.suppression import suppress

RAW = pd.DataFrame(
    {
        "kon": ["kvinna", "man"],
        "n": [40, 40],
        "antal": [3, 20],
        "varde": [3 / 40, 0.5],
        "skillnad": [-0.425, -0.425],
    }
)


def test_protect_is_suppress_with_its_threshold():
    result = protect(RAW, min_n=5)
    pd.testing.assert_frame_equal(result.table, suppress(RAW, min_n=5))
    assert result.min_n == 5 and result.footnotes == (footnote(5),)
    assert protect(RAW, min_n=3).footnotes == (footnote(3),)


def test_rows_and_columns_keep_the_terms():
    result = Protected(suppress(RAW, min_n=5), min_n=5, missing=("enhet",), kinds={"x": "share"})
    part = result.head(1)[["kon", "n"]]
    assert isinstance(part, Protected)
    assert (part.min_n, part.footnotes, part.missing, dict(part.kinds)) == (
        5,
        result.footnotes,
        ("enhet",),
        {"x": "share"},
    )
    # the hidden marks go along, so that hidden values still read ".." in the selection
    assert list(part.columns) == ["kon", "n", "dold"] and len(part) == 1
    with pytest.raises(TypeError):
        result["kon"]  # one column is result.table["kon"]


def test_bare_frames_and_broken_results_are_refused():
    with pytest.raises(PrivacyError, match="inte gått igenom skyddet"):
        require_protected(suppress(RAW, min_n=5))
    with pytest.raises(PrivacyError, match="under 5"):
        require_protected(Protected(RAW, min_n=5))  # antal 3 is shown
    assert require_protected(protect(RAW, min_n=5)).min_n == 5
