"""The case review in a notebook: open the filled book, list what differs, save observations.

``05_aktgranskning.ipynb`` reads the review book with its key and its texts
(:func:`open_review`), lists every reviewed item by kön (:func:`review_list`, the step-1
screening with a sentence per row), and lets the group save the differences it wants to work on
as observations in the journal (:class:`ReviewObservations`), so that the four steps can go on
from a review. :func:`review_answer_key_table` sets the teaching set's answer key beside what the
review shows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, Markdown, display

from isuwork.analysis.criteria import CriteriaResult, check_criteria
from isuwork.analysis.review import review_screening
from isuwork.analysis.screening import ALL
from isuwork.data.review_book import read_review_book
from isuwork.data.text_measures import load_word_list, measure_text_folder
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import format_number
from isuwork.domain.vocabulary import DEFAULT_MIN_N, SEX, VERDICT_LABELS
from isuwork.exceptions import IsuworkError
from isuwork.present.screening_text import describe_screening
from isuwork.privacy.protected import Protected
from isuwork.workbook.form_controls import show_in
from isuwork.workbook.journal import Journal
from isuwork.workbook.observations import text_table

#: What an observation saved from the review says first, so that step 2 knows where it is from.
FROM_REVIEW = "Från aktgranskningen"
#: The reviewed decisions that the criteria of Tabell 1 (decisions on interventions) apply to.
REVIEW_DECISIONS = ("insats_dusch", "insats_ledsagning", "insats_stadning", "insats_mat")
#: The adjusted p-value below which a difference counts as clear.
CLEAR = 0.05


@dataclass(frozen=True)
class Review:
    """A filled review book as read for the notebook.

    Attributes
    ----------
    data
        One row per reviewed case with kön and background from the key and the text measures.
    warnings
        What reading found (Swedish sentences).
    texts
        How many cases had a text that was measured.
    """

    data: pd.DataFrame
    warnings: tuple[str, ...]
    texts: int

    @property
    def summary(self) -> str:
        """The review in one Swedish paragraph: cases, kön, texts and what to know."""
        catalog = load_catalog()
        parts = [f"Granskningen har {format_number(len(self.data))} granskade ärenden"]
        if SEX in self.data:
            counts = self.data[SEX].astype("string").value_counts().sort_index()
            parts.append(
                " och ".join(
                    f"{format_number(int(n))} {catalog.plural_label(SEX, k).lower()}"
                    for k, n in counts.items()
                )
            )
        text = ": ".join(parts) + "."
        if self.texts:
            text += f" Utredningstexter mättes för {format_number(self.texts)} av dem."
        return " ".join([text, *self.warnings])


def open_review(
    book: str | os.PathLike[str],
    *,
    key: str | os.PathLike[str] = "",
    texts: str | os.PathLike[str] = "",
    word_list: str | os.PathLike[str] = "",
) -> Review:
    """Read a filled review book, with its key and the measures of its texts when given.

    Empty strings (a notebook's parameters left empty) mean "not given".
    """
    measures = None
    if texts:
        measures = measure_text_folder(texts, load_word_list(word_list) if word_list else None)
    read = read_review_book(book, key=key or None, measures=measures)
    return Review(read.data, read.warnings, 0 if measures is None else len(measures))


def review_list(review: Review, *, min_n: int = DEFAULT_MIN_N) -> Protected:
    """Every reviewed item by kön, overall and within background, with a sentence per row."""
    return describe_screening(review_screening(review.data, min_n=min_n))


def review_rows(listed: Protected, *, text: bool | None = None, within: bool = False) -> Protected:
    """A part of the review list, in the list's order.

    ``within=False`` keeps the rows of all reviewed cases, ``True`` those within a background
    level; ``text=True`` keeps the text measures (words per heading and theme), ``False`` the
    reviewers' items, ``None`` both.
    """
    table = listed.table
    overall = (table["bakgrund"].astype("string") == ALL).fillna(False).to_numpy()
    keep = ~overall if within else overall
    if text is not None:
        measured = table["utfall"].astype("string").str.startswith(("ord_", "tema_"))
        keep &= measured.fillna(False).to_numpy() == text
    return listed.with_table(table[keep].reset_index(drop=True))


def clear_differences(listed: Protected, *, top: int = 5) -> list[dict[str, Any]]:
    """The clearest differences of the list as observations for the journal, one per item.

    Each is ``{"titel", "beskrivning", "utfall", "grupp", "filter"}``; rows whose values are
    hidden, or whose adjusted p-value is not below 0.05, are left out.
    """
    rows = listed.table.dropna(subset=["skillnad"])
    rows = rows[rows["p_justerat"] < CLEAR]
    # one row per item (and category): all cases where that is clear, else the clearest group
    overall_first = (rows["bakgrund"].astype("string") != ALL).to_numpy().argsort(kind="stable")
    rows = rows.iloc[overall_first].drop_duplicates(subset=["utfall", "kategori"]).head(top)
    chosen = []
    for _, row in rows.iterrows():
        bakgrund = row.get("bakgrund")
        filters = {} if bakgrund in (None, ALL) or pd.isna(bakgrund) else {bakgrund: [row["niva"]]}
        sentence = str(row.get("mening") or "")
        chosen.append(
            {
                "titel": sentence[:120],
                "beskrivning": f"{FROM_REVIEW}: {sentence}",
                "utfall": str(row["utfall"]),
                "grupp": SEX,
                "filter": {str(k): [str(v) for v in vs] for k, vs in filters.items()},
            }
        )
    return chosen


class ReviewObservations(widgets.VBox):
    """The clearest differences with a box each and *Spara markerade som iakttagelser*.

    Attributes: ``boxes`` (one Checkbox per difference), ``save_button`` and ``status``.
    """

    def __init__(self, journal: Journal, observations: list[dict[str, Any]]) -> None:
        self.journal = journal
        self.observations = observations
        self.boxes = [
            widgets.Checkbox(
                description=o["titel"], value=False, indent=False, layout={"width": "auto"}
            )
            for o in observations
        ]
        self.save_button = widgets.Button(
            description="Spara markerade som iakttagelser",
            icon="save",
            layout=widgets.Layout(width="auto"),
        )
        self.status = widgets.Output()
        self.save_button.on_click(lambda _: self.save())
        super().__init__([*self.boxes, self.save_button, self.status])

    def save(self) -> list[str]:
        """Save the marked differences to the journal; the new observations' ids."""
        saved = [
            self.journal.add_observation(
                o["titel"],
                beskrivning=o["beskrivning"],
                utfall=o["utfall"],
                grupp=o["grupp"],
                filter=o["filter"] or None,
            )
            for o, box in zip(self.observations, self.boxes, strict=True)
            if box.value
        ]
        for box in self.boxes:
            box.value = False
        count = len(saved)
        show_in(
            self.status,
            Markdown(
                f"Sparade {count} iakttagelse{'r' if count != 1 else ''} i journalen. De finns i "
                "steg 2 och 3, där gruppen reflekterar över dem."
                if count
                else "Markera minst en skillnad först."
            ),
        )
        return saved


def show_review_observations(
    journal: Journal, listed: Protected, *, interactive: bool, top: int = 5
) -> None:
    """The clearest differences: to mark and save in a live session, as a list in a report."""
    chosen = clear_differences(listed, top=top)
    if not chosen:
        display(Markdown("Granskningen visar inga tydliga skillnader mellan kvinnor och män."))
        return
    if interactive:
        display(ReviewObservations(journal, chosen))
        return
    display(Markdown("\n".join(f"- {o['titel']}" for o in chosen)))


def review_answer_key_table(
    listed: Protected,
    key: Mapping[str, Any],
    checks: tuple[list[dict[str, Any]], list[CriteriaResult | str]] | None = None,
) -> pd.DataFrame:
    """The teaching set's planted patterns beside what the review list shows.

    With ``checks`` (:func:`review_checks`), also the criteria checks the key expects.

    One row per pattern: its title, the direction the key expects (women higher, men higher,
    no difference) and what the list shows, and whether they agree. A pattern within a
    background level (seven cases of each sex born outside Europe) is judged by its direction
    only, as so few cases rarely make a difference clear; a category no case has counts as no
    difference.
    """
    table = listed.table
    rows = []
    for pattern in key["patterns"]:
        match = table["utfall"] == pattern["utfall"]
        match &= table["kategori"].astype("string").fillna("") == (pattern.get("niva") or "")
        bakgrund = pattern.get("bakgrund") or ALL
        match &= table["bakgrund"].astype("string") == bakgrund
        if bakgrund != ALL:
            match &= table["niva"].astype("string") == str(pattern.get("niva_bakgrund"))
        direction, shown = _shown_direction(table[match], direction_only=bakgrund != ALL)
        rows.append(
            {
                "Mönster": pattern["titel"],
                "Facit": _EXPECTED[pattern["riktning"]],
                "Granskningen visar": shown,
                "Stämmer": "ja" if direction == pattern["riktning"] else "nej",
            }
        )
    verdicts = {
        obs["utfall"]: result
        for obs, result in zip(*(checks or ([], [])), strict=True)
        if not isinstance(result, str)
    }
    for check in key.get("kriterier") or []:
        expected = check["forvantat_utfall"]
        result = verdicts.get(check["utfall"])
        rows.append(
            {
                "Mönster": check["titel"],
                "Facit": " eller ".join(VERDICT_LABELS[v].lower() for v in expected),
                "Granskningen visar": (
                    "inte prövad" if result is None else VERDICT_LABELS[result.verdict]
                ),
                "Stämmer": "ja" if result is not None and result.verdict in expected else "nej",
            }
        )
    return pd.DataFrame(rows)


def review_checks(
    review: Review, *, min_n: int = DEFAULT_MIN_N
) -> tuple[list[dict[str, Any]], list[CriteriaResult | str]]:
    """The criteria of Tabell 1 on the reviewed decisions (:data:`REVIEW_DECISIONS`).

    Each decision the book has is checked by kön with what the book and the key hold: the
    largest assessed difficulty as need, and whatever the key brings of need met another way
    and of the client's wishes. Returns the decisions as observations (``titel``, ``utfall``)
    and each check's result, or its Swedish reason where it could not be run.
    """
    catalog = load_catalog()
    observations = [
        {"titel": catalog.label(name), "utfall": name, "grupp": SEX, "filter": {}}
        for name in REVIEW_DECISIONS
        if name in review.data and review.data[name].notna().any()
    ]
    results: list[CriteriaResult | str] = []
    for obs in observations:
        try:
            results.append(
                check_criteria(review.data, outcome=obs["utfall"], kind="insats", min_n=min_n)
            )
        except IsuworkError as err:
            results.append(err.message)
    return observations, results


def show_review_answer_key(
    listed: Protected,
    key: Mapping[str, Any],
    checks: tuple[list[dict[str, Any]], list[CriteriaResult | str]] | None = None,
) -> HTML:
    """:func:`review_answer_key_table` as a page shows it: whole sentences, no index."""
    return text_table(review_answer_key_table(listed, key, checks))


_EXPECTED = {
    "kvinnor_hogre": "kvinnor högre",
    "man_hogre": "män högre",
    "ingen_skillnad": "ingen tydlig skillnad",
}


def _shown_direction(found: pd.DataFrame, *, direction_only: bool) -> tuple[str, str]:
    if found.empty:
        return "ingen_skillnad", "förekommer inte i granskningen"
    row = found.iloc[0]
    if pd.isna(row["skillnad"]):
        return "dold", "visas inte (för få ärenden)"
    sentence = str(row.get("mening") or "")
    direction = "kvinnor_hogre" if row["skillnad"] > 0 else "man_hogre"
    if row["p_justerat"] < CLEAR:
        return direction, sentence
    if direction_only:
        return direction, f"{sentence} Osäkert: för få ärenden för en tydlig skillnad."
    return "ingen_skillnad", f"ingen tydlig skillnad. {sentence}"
