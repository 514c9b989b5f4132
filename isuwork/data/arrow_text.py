"""Columns of text held by Arrow: trimming them, and checking each distinct value once.

A raw export is text, held by pandas in Arrow arrays (``string`` dtype with pyarrow storage).
Two things make preparing a million rows fast without changing a single result: white space is
trimmed only in columns where some value can begin or end with it (told from the first and last
byte of each value), and a column is checked through its distinct values (:class:`Coded`): a
code column of a million rows holds a handful of texts, a date column a few thousand, so each
check runs once per text and its outcome is spread back over the rows by their codes.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: What pandas stores text in (``string`` dtype with pyarrow storage).
TEXT_TYPE = pa.large_string()
#: The Arrow text :func:`stripped` made, by identity (Arrow arrays never change, so text found
#: here is stripped already).
_STRIPPED: weakref.WeakValueDictionary[int, pa.ChunkedArray] = weakref.WeakValueDictionary()
#: Bytes that can begin or end a white-space character (``str.isspace``, which is also Arrow's
#: ``utf8_trim_whitespace``): ASCII white space, lead bytes of U+0085, U+00A0, U+1680,
#: U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, and the last bytes of those.
_ASCII_SPACE = [*range(0x09, 0x0E), *range(0x1C, 0x21)]
_BEGIN_BYTES = [*_ASCII_SPACE, 0xC2, 0xE1, 0xE2, 0xE3]
_END_BYTES = [*_ASCII_SPACE, *range(0x80, 0x8B), 0x9F, 0xA0, 0xA8, 0xA9, 0xAF]
_MAY_BEGIN_SPACE = np.isin(np.arange(256), _BEGIN_BYTES).astype(np.uint8)
_MAY_END_SPACE = np.isin(np.arange(256), _END_BYTES).astype(np.uint8)


def text_series(values: pa.ChunkedArray | pa.Array) -> pd.Series:
    """Arrow text as a pandas ``string`` Series (pyarrow storage), without copying."""
    if values.type != TEXT_TYPE:
        values = values.cast(TEXT_TYPE)
    return pd.Series(pd.arrays.ArrowStringArray(values), copy=False)


def stripped(column: pd.Series) -> pd.Series:
    """``column.str.strip()`` with empty text as missing, as Arrow does it for ``string`` text.

    The same as ``s = column.str.strip(); s.mask(s == "")`` for a ``string`` column with pyarrow
    storage. A column none of whose values can begin or end with white space (told by their
    first and last bytes) is not trimmed, and one without empty text is not masked; Arrow text
    this function made (and so already stripped) is taken as it is.
    """
    values = column.array.__arrow_array__()
    if _STRIPPED.get(id(values)) is not values:
        values = pa.chunked_array([_stripped_chunk(c) for c in values.chunks], type=values.type)
        _STRIPPED[id(values)] = values
    return pd.Series(text_series(values).array, index=column.index, name=column.name, copy=False)


def _stripped_chunk(chunk: pa.Array) -> pa.Array:
    if chunk.type != TEXT_TYPE or chunk.offset or not len(chunk):
        return _trimmed(chunk)
    validity, offsets_buffer, data_buffer = chunk.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[: len(chunk) + 1]
    if data_buffer is None or offsets[-1] == offsets[0]:
        return _trimmed(chunk)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    # the first and last byte of every value (of a neighbour for empty text: a needless trim
    # at worst)
    first = np.take(data, offsets[:-1], mode="clip")
    last = np.take(data, offsets[1:] - 1, mode="clip")
    if np.take(_MAY_BEGIN_SPACE, first).any() or np.take(_MAY_END_SPACE, last).any():
        return _trimmed(chunk)
    filled = offsets[1:] != offsets[:-1]
    if filled.all():
        return chunk
    keep = filled
    if validity is not None:
        bits = np.frombuffer(validity, dtype=np.uint8)
        keep = keep & np.unpackbits(bits, count=len(chunk), bitorder="little").astype(bool)
    bitmap = pa.py_buffer(np.packbits(keep, bitorder="little").tobytes())
    return pa.Array.from_buffers(
        TEXT_TYPE,
        len(chunk),
        [bitmap, offsets_buffer, data_buffer],
        null_count=len(chunk) - int(keep.sum()),
    )


def _trimmed(chunk: pa.Array) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(chunk)
    if len(trimmed) and pc.min(pc.binary_length(trimmed)).as_py() == 0:
        trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)
    return trimmed


def all_missing(frame: pd.DataFrame) -> np.ndarray:
    """Rows of a frame of text where every value is missing (``isna().all(axis=1)``)."""
    if any(not frame.iloc[:, i].hasnans for i in range(frame.shape[1])):
        return np.zeros(len(frame), dtype=bool)
    return frame.isna().all(axis=1).to_numpy()


def is_arrow_text(column: pd.Series) -> bool:
    """Whether a column is pandas ``string`` text with pyarrow storage and ``<NA>`` as missing."""
    dtype = getattr(column, "dtype", None)  # (a frame, where two columns share a name)
    return (
        isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and dtype.na_value is pd.NA
    )


@dataclass(frozen=True)
class Coded:
    """A column of text as codes into its distinct values, so that a check runs once per value.

    ``values`` holds every distinct text once (and missing once, when a row lacks a value), in
    the order the rows first show them; row ``i`` holds ``values.iloc[codes[i]]``. ``text`` is
    the column itself.
    """

    text: pd.Series
    codes: np.ndarray
    values: pd.Series

    @classmethod
    def of(cls, text: pd.Series) -> Coded:
        """The distinct values of a column of text, as it is."""
        if len(text) and is_arrow_text(text):
            # what pandas.factorize does for Arrow text, keeping Arrow's 32-bit codes
            encoded = text.array.__arrow_array__().dictionary_encode(null_encoding="encode")
            combined = encoded.combine_chunks()
            codes = combined.indices.to_numpy(zero_copy_only=False)
            return cls(text, codes, text_series(combined.dictionary))
        codes, uniques = pd.factorize(text.array, use_na_sentinel=False)
        return cls(text, np.asarray(codes, dtype=np.intp), pd.Series(uniques, copy=False))

    @property
    def index(self) -> pd.Index:
        """The column's index."""
        return self.text.index

    @property
    def name(self) -> Hashable:
        """The column's name."""
        return self.text.name

    def rows(self, per_value: Any) -> np.ndarray:
        """A value per row from one per distinct value (an array as long as ``values``)."""
        return np.asarray(per_value)[self.codes]

    def notna(self) -> np.ndarray:
        """Rows that hold a value."""
        return self.rows(self.values.notna().to_numpy())

    def filled(self) -> int:
        """How many rows hold a value."""
        counts = np.bincount(self.codes, minlength=len(self.values))
        return int(counts[self.values.notna().to_numpy()].sum())

    def spread(
        self, per_value: pd.Series | pd.api.extensions.ExtensionArray, *, named: bool = True
    ) -> pd.Series:
        """A column over the rows from its values per distinct value (dtype kept), under the
        column's name (or none)."""
        values = per_value.array if isinstance(per_value, pd.Series) else per_value
        name = self.name if named else None
        return pd.Series(values.take(self.codes), index=self.index, name=name, copy=False)

    def examples(self, mask: np.ndarray, count: int) -> list[str]:
        """The first ``count`` distinct values on the rows of ``mask``, in row order."""
        first = pd.unique(self.codes[mask])
        shown = self.values.iloc[first].dropna()
        return [str(v) for v in shown.iloc[:count]]
