"""Observations move from step 1 to the criteria of step 2 and the summary of step 3.

The group's observations are those it wrote in the journal (with an outcome, a grouping and a
selection), or, before it has written any, the clearest differences of the screening list.
Each is checked against the criteria for unmotivated differences; the answers are shown beside
the appendix's questions (step 2) and summarised one row per observation (step 3).
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pandas as pd
from IPython.display import HTML, display

from isuwork.analysis.criteria import CriteriaResult, check_criteria
from isuwork.analysis.screening import ALL
from isuwork.domain.catalog import load_catalog
from isuwork.domain.vocabulary import (
    CRITERIA_KINDS,
    DEFAULT_MIN_N,
    FLAG_LABELS,
    SEX,
    VERDICT_LABELS,
)
from isuwork.exceptions import IsuworkError
from isuwork.present.criteria_card import CriteriaCard
from isuwork.present.criteria_report import message, to_dict
from isuwork.privacy.protected import Protected
from isuwork.workbook.journal import Journal

#: Why an observation from a case review is not checked against the ISU data of step 2.
FROM_REVIEW_TEXT = (
    "iakttagelsen kommer från aktgranskningen, och dess uppgift finns inte i ISU-datan som "
    "kriterierna prövas på här. Granskningens siffror står i anteckningsboken 05 "
    "(aktgranskning); reflektera över iakttagelsen i journalen som över de andra."
)


def observations_from_screening(screening: Protected, *, top: int = 3) -> list[dict[str, Any]]:
    """The strongest clear sex differences of a screening list, as observations for step 2.

    Only outcomes the criteria apply to (decisions on interventions and participation) are
    taken; each becomes ``{"titel", "beskrivning", "utfall", "grupp", "filter"}``.
    """
    catalog = load_catalog()
    chosen: list[dict[str, Any]] = []
    if screening.empty:
        return chosen
    rows = screening.table.dropna(subset=["skillnad"])
    if "p_justerat" in rows:
        rows = rows[rows["p_justerat"] < 0.05]
    for _, row in rows.iterrows():
        outcome = str(row["utfall"])
        if outcome not in catalog or catalog.variable(outcome).role not in CRITERIA_KINDS:
            continue
        if catalog.variable(outcome).type not in ("yesno", "int", "number"):
            continue
        bakgrund = row.get("bakgrund")
        filters = (
            {}
            if bakgrund in (None, ALL) or pd.isna(bakgrund)
            else {str(bakgrund): [str(row["niva"])]}
        )
        chosen.append(
            {
                "titel": str(row.get("mening") or catalog.label(outcome))[:120],
                "beskrivning": str(row.get("mening") or ""),
                "utfall": outcome,
                "grupp": SEX,
                "filter": filters,
            }
        )
        if len(chosen) >= top:
            break
    return chosen


def observations_for_step2(
    journal: Journal, screening: Protected, *, top: int = 3
) -> tuple[list[dict[str, Any]], str]:
    """Observations to check: the journal's (with an outcome) or else the screening's top ones.

    Returns the observations and a Swedish sentence saying where they came from.
    """
    marked = [
        {
            "titel": o.get("titel", ""),
            "beskrivning": o.get("beskrivning", ""),
            "utfall": o["utfall"],
            "grupp": o.get("grupp") or SEX,
            "filter": o.get("filter") or {},
            "id": o.get("id"),
        }
        for o in journal.observations
        if o.get("utfall")
    ]
    if marked:
        return marked, f"Iakttagelserna kommer från journalen ({len(marked)} st)."
    chosen = observations_from_screening(screening, top=top)
    return chosen, (
        "Journalen har ännu inga iakttagelser med ett utfall, så här prövas de "
        f"{len(chosen)} tydligaste skillnaderna från screeningen i steg 1."
    )


def check_observations(
    data: pd.DataFrame, observations: list[dict[str, Any]], *, min_n: int = DEFAULT_MIN_N
) -> list[CriteriaResult | str]:
    """Run the criteria check for each observation; a failing one gives its Swedish message."""
    results: list[CriteriaResult | str] = []
    catalog = load_catalog()
    for obs in observations:
        outcome = obs["utfall"]
        in_review = outcome in catalog and catalog.variable(outcome).role == "granskning"
        if in_review and outcome not in data:
            results.append(FROM_REVIEW_TEXT)
            continue
        try:
            results.append(
                check_criteria(
                    data,
                    outcome=obs["utfall"],
                    group=obs.get("grupp") or SEX,
                    filters=obs.get("filter") or None,
                    min_n=min_n,
                )
            )
        except IsuworkError as err:
            results.append(err.message)
    return results


def observation_anchor(number: int) -> str:
    """The id of the ``number``-th (from 1) checked observation on the step-2 page."""
    return f"iakttagelse-{number}"


def criteria_cards(
    observations: list[dict[str, Any]], results: list[CriteriaResult | str]
) -> list[CriteriaCard | HTML]:
    """Per observation its verdict card, staircase picture, questions and folded details.

    ``results`` are the observations' checks, from :func:`check_observations`; one that could
    not be run says why in one sentence.
    """
    catalog = load_catalog()
    cards: list[CriteriaCard | HTML] = []
    for number, (obs, result) in enumerate(zip(observations, results, strict=True), start=1):
        title = obs.get("titel") or catalog.label(obs["utfall"])
        anchor = observation_anchor(number)
        if isinstance(result, str):
            cards.append(
                HTML(
                    f'<h3 id="{anchor}">{html.escape(title)}</h3>'
                    f"<p>Kunde inte prövas: {html.escape(result)}</p>"
                )
            )
        else:
            cards.append(CriteriaCard(title, result, catalog.criteria(result.kind), anchor=anchor))
    return cards


def record_verdicts(
    journal: Journal, observations: list[dict[str, Any]], results: list[CriteriaResult | str]
) -> int:
    """Save each verdict to its observation in the journal, so step 3 can build on it.

    Only observations from the journal (with an ``id``) are updated; the screening's are not
    the group's. Returns how many observations changed.
    """
    changed = 0
    for obs, result in zip(observations, results, strict=True):
        if obs.get("id") and not isinstance(result, str):
            changed += journal.update_observation(
                obs["id"], bedomning=result.verdict, bedomning_siffror=verdict_figures(result)
            )
    return changed


def verdict_figures(result: CriteriaResult) -> dict[str, Any]:
    """The numbers a verdict rests on, as the check's page shows them, for the journal.

    The raw difference and the one left after the criteria, each as ``[difference, lower,
    upper]``; where the page hides them (a compared group too small to show), they are None
    here too, so the journal never holds more than the page.
    """
    shown = to_dict(result)
    return {
        "skala": result.outcome_type,
        "konfidensgrad": 1 - result.alpha,
        "ra": [shown["raw"]["diff"], *shown["raw"]["ci"]],
        "kvar": [shown["remaining"]["diff"], *shown["remaining"]["ci"]],
        "provad": dt.date.today().isoformat(),
    }


def show_criteria(
    observations: list[dict[str, Any]],
    results: list[CriteriaResult | str],
    *,
    journal: Journal | None = None,
    save: bool = False,
) -> None:
    """Show :func:`criteria_cards` one after the other (or one sentence when there are none).

    With ``save`` (a live session; never a rendered report, whose journal must stay as it
    was read), the verdicts are saved to ``journal`` first (:func:`record_verdicts`).
    """
    if save and journal is not None:
        record_verdicts(journal, observations, results)
    cards = criteria_cards(observations, results)
    for card in cards or [HTML("<p>Inga iakttagelser att pröva.</p>")]:
        display(card)


def verdict_summary(
    observations: list[dict[str, Any]], results: list[CriteriaResult | str]
) -> pd.DataFrame:
    """One row per observation: the verdict, what explained the difference, its flags (Swedish).

    ``results`` are the observations' checks, from :func:`check_observations`.
    """
    rows = []
    for obs, result in zip(observations, results, strict=True):
        if isinstance(result, str):
            rows.append(
                {
                    "Iakttagelse": obs.get("titel"),
                    "Bedömning": "Kunde inte prövas",
                    "Förklaras av": "",
                    "Flaggor": "",
                    "Kommentar": result,
                }
            )
            continue
        rows.append(
            {
                "Iakttagelse": obs.get("titel"),
                "Bedömning": VERDICT_LABELS.get(result.verdict, result.verdict),
                "Förklaras av": _criteria_text(result.explained_by),
                "Flaggor": "; ".join(FLAG_LABELS[flag] for flag in result.flags),
                "Kommentar": message(result).split(". ")[0] + ".",
            }
        )
    columns = ["Iakttagelse", "Bedömning", "Förklaras av", "Flaggor", "Kommentar"]
    return pd.DataFrame(rows, columns=columns)


def show_verdicts(observations: list[dict[str, Any]], results: list[CriteriaResult | str]) -> HTML:
    """:func:`verdict_summary` as a page shows it: no index, text left-aligned and whole."""
    return text_table(verdict_summary(observations, results))


def text_table(table: pd.DataFrame) -> HTML:
    """A table of sentences as a page shows it: no index, each cell left-aligned and whole."""
    body = table.to_html(index=False, border=0, classes="lista", escape=True)
    return HTML(body.replace("<td>", '<td style="text-align: left;">'))


def _criteria_text(codes: Any) -> str:
    """Criteria by their Swedish labels (``behov`` → ``Skillnader i behov``)."""
    catalog = load_catalog()
    labels = {c.code: c.label for kind in CRITERIA_KINDS for c in catalog.criteria(kind)}
    return "; ".join(labels.get(code, code) for code in codes)


def answer_key_table(
    data: pd.DataFrame, key: dict[str, Any], *, min_n: int = DEFAULT_MIN_N
) -> pd.DataFrame:
    """The course answer key beside what the criteria check says on ``data``.

    One row per planted pattern: title, source, the verdict the answer key expects and the one
    the check gives (patterns that are descriptive only have no verdict).
    """
    rows = []
    checkable = [p for p in key["patterns"] if p.get("forvantat_utfall") and p.get("jamfor")]
    observations = [
        {
            "titel": p["titel"],
            "utfall": p["utfall"],
            "grupp": p["grupp"],
            "filter": p.get("filter") or {},
        }
        for p in checkable
    ]
    results = dict(
        zip(
            [p["id"] for p in checkable],
            check_observations(data, observations, min_n=min_n),
            strict=True,
        )
    )
    for pattern in key["patterns"]:
        result = results.get(pattern["id"])
        expected = pattern.get("forvantat_utfall")
        got = (
            ""
            if result is None
            else (
                "Kunde inte prövas"
                if isinstance(result, str)
                else VERDICT_LABELS.get(result.verdict, result.verdict)
            )
        )
        rows.append(
            {
                "Mönster": pattern["titel"],
                "Källa": pattern.get("kalla", ""),
                "Facit": VERDICT_LABELS.get(expected, "beskrivande mönster")
                if expected
                else "beskrivande mönster",
                "Förklaras enligt facit av": _criteria_text(pattern.get("forklaras_av") or []),
                "Kriterieprövningen säger": got,
                "Förklaras enligt prövningen av": ""
                if result is None or isinstance(result, str)
                else _criteria_text(result.explained_by),
            }
        )
    return pd.DataFrame(rows)
