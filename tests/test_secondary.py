"""Pieces of the exact protection check, against independent computations."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.linalg import null_space

from isuwork.privacy.secondary import Sums, _null_space, _split


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.int8, st.tuples(st.integers(1, 8), st.integers(1, 12)), elements=st.integers(-1, 1))
)
def test_null_space_spans_what_scipy_spans(a):
    a = a.astype(float)
    ours, theirs = _null_space(a), null_space(a)
    assert ours.shape == theirs.shape
    # same subspace: the same orthogonal projector
    np.testing.assert_allclose(ours @ ours.T, theirs @ theirs.T, atol=1e-9)
    np.testing.assert_allclose(a @ ours, 0, atol=1e-9)


def test_null_space_of_no_sums_is_everything():
    np.testing.assert_array_equal(_null_space(np.zeros((0, 3))), np.eye(3))


def test_around_keeps_the_sums_linked_through_any_cell():
    # sums: 0+1=2, 2+3=4 (linked through cell 2); 5+6=7 alone; 8+9=10 linked to nothing
    cells = np.array([0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    start = np.array([0, 3, 6, 9, 12])
    sums = Sums(cells, start, values=np.arange(11.0), min_n=5)
    near = sums.around(np.array([0]))
    assert near.count == 2
    np.testing.assert_array_equal(near.cells, [0, 1, 2, 2, 3, 4])
    assert sums.around(np.array([6, 9])).count == 2
    assert sums.around(np.empty(0, dtype=np.int64)).count == 0


def test_split_keeps_linked_sums_together_in_parts_of_about_equal_size():
    # four independent groups: two linked sums (6 entries), then three single sums of 3
    cells = np.array([0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
    start = np.array([0, 3, 6, 9, 12, 15])
    parts = _split(cells, start, 2)
    assert len(parts) == 2
    # no cell in two parts, every sum in exactly one, sums kept whole
    seen = [set(c.tolist()) for c, _ in parts]
    assert not seen[0] & seen[1]
    assert sorted(x for c, _ in parts for x in c.tolist()) == sorted(cells.tolist())
    assert all(np.all(np.diff(s) == 3) for _, s in parts)
    assert sorted(len(c) for c, _ in parts) == [6, 9]
    # cells 0 … 4 (linked through cell 2) stay together
    assert any({0, 1, 2, 3, 4} <= s for s in seen)
    assert _split(cells, start, 1)[0][0] is cells
    # more parts than groups: one part per group at most, none empty
    assert [len(s) - 1 for _, s in _split(cells, start, 10)] == [2, 1, 1, 1]
    # a head start for the first part (worker processes take a while to start)
    # (its share 10.5 entries: groups are added while the running size is below it)
    assert [len(c) for c, _ in _split(cells, start, 2, head_start=6)] == [12, 3]
