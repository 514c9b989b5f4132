"""Sections of a page that need data an export may lack.

Optional variables are often missing from real exports (no ``enhet``, no age, no year …). A
page should then say so in one sentence where the section would have been and go on, not stop.
:func:`section` does that for the analyses' own "uppgift saknas" error,
:class:`~isuwork.exceptions.MissingDataError`; any other error still stops the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from IPython.display import Markdown, display

from isuwork.exceptions import MissingDataError


@contextmanager
def section(title: str) -> Iterator[None]:
    """Run a section of a page; if the data lacks what it needs, show why in its place.

    Parameters
    ----------
    title
        The section's name in Swedish, as the reader would call it.

    Examples
    --------
    >>> with section("Jämförelse mellan enheter"):  # doctest: +SKIP
    ...     plots.life_areas(compare_units(session.data, indicator="antal_lo_utredda", unit="enhet"))
    """
    try:
        yield
    except MissingDataError as err:
        display(Markdown(f"*{title} visas inte. {err.message}*"))
