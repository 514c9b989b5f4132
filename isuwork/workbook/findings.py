"""The report's opening: its most important findings, in plain Swedish, before any detail.

The findings are the first rows of step 1's screening list, in its order: first the
differences that hold after the Benjamini–Hochberg adjustment, the largest first. Each says
what differs and by how much (the list's own sentence, protected as the list is), how sure it
is, and what the criteria check of step 2 says about it where the criteria apply. Each links
to the section where it is shown in full.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd
from IPython.display import HTML

from isuwork.analysis.criteria import CriteriaResult
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import format_number
from isuwork.domain.vocabulary import CRITERIA_KINDS, VERDICT_LABELS
from isuwork.privacy.protected import Protected
from isuwork.workbook.observations import observation_anchor

#: How many findings the opening lists at most, and at least when the list has them.
MOST, LEAST = 5, 3
SURE = 0.05

#: Where a finding is shown in full: the screening section of step 1, the checks of step 2.
SCREENING_ANCHOR = "screening"
STEP2_PAGE = "02_vi_reflekterar.html"


def finding_rows(screening: Protected) -> pd.DataFrame:
    """The rows of the list the opening names: up to five that hold after the adjustment, or
    the first three of the list when fewer hold."""
    table = screening.table
    if table.empty:
        return table
    sure = int((table["p_justerat"] < SURE).sum()) if "p_justerat" in table else 0
    return table.head(max(min(sure, MOST), min(LEAST, len(table))))


def _sureness(row: pd.Series) -> str:
    p = row.get("p_justerat")
    if p is None or pd.isna(p):
        return "Hur säker skillnaden är kan inte visas."
    shown = "under 0,001" if p < 0.001 else format_number(p, decimals=3)
    if p < SURE:
        return (
            "Skillnaden håller även med hänsyn till att många jämförelser görs samtidigt "
            f"(justerat p-värde {shown})."
        )
    return (
        "Osäker: med så många jämförelser kan skillnaden bero på slumpen (justerat p-värde "
        f"{shown}); en fråga att hålla i minnet snarare än en iakttagelse."
    )


def _verdict_label(number: int, result: CriteriaResult | str, *, links: bool) -> str:
    if isinstance(result, str):
        return f"kunde inte prövas ({html.escape(result)})"
    label = html.escape(VERDICT_LABELS[result.verdict])
    if links:
        label = f'<a href="{STEP2_PAGE}#{observation_anchor(number)}">{label}</a>'
    return f"<strong>{label}</strong>"


def _verdict(
    row: pd.Series,
    checked: dict[tuple[str, str], tuple[int, CriteriaResult | str]],
    *,
    links: bool,
) -> str:
    catalog = load_catalog()
    outcome = str(row["utfall"])
    if outcome not in catalog or catalog.variable(outcome).role not in CRITERIA_KINDS:
        return "Ett beskrivande utfall: kriterierna gäller beslut om insatser och delaktighet."
    found = checked.get((outcome, str(row.get("mening") or "")))
    if found is None:
        return "Inte prövad mot kriterierna; gruppen kan välja den i steg 2."
    return f"Kriterieprövningen i steg 2: {_verdict_label(*found, links=links)}."


def key_findings(
    screening: Protected,
    observations: Sequence[dict[str, Any]] = (),
    results: Sequence[CriteriaResult | str] = (),
    *,
    links: bool = False,
) -> HTML:
    """The opening of a report: its three to five most important findings.

    Parameters
    ----------
    screening
        Step 1's protected screening list.
    observations, results
        The observations step 2 checks and their checks; a finding among them gets its verdict.
    links
        Link each verdict to its card on the step-2 page (rendered reports, where the pages
        sit side by side).

    Returns
    -------
    HTML
        A numbered list, or one sentence when the list is empty.
    """
    rows = finding_rows(screening)
    if rows.empty:
        return HTML(
            "<p>Screeningen hittade inga skillnader som kan visas: för få personer eller för "
            "få uppgifter.</p>"
        )
    checked = {
        (str(obs["utfall"]), str(obs.get("beskrivning") or "")): (number, result)
        for number, (obs, result) in enumerate(zip(observations, results, strict=True), start=1)
    }
    items = []
    for _, row in rows.iterrows():
        what = html.escape(str(row.get("mening") or ""))
        items.append(
            f"<li><strong>{what}</strong> {_sureness(row)} "
            f"{_verdict(row, checked, links=links)}</li>"
        )
    tested = "".join(
        f"<li>{html.escape(str(obs.get('titel') or obs['utfall']).rstrip('.'))}: "
        f"{_verdict_label(number, result, links=links)}</li>"
        for number, (obs, result) in enumerate(zip(observations, results, strict=True), start=1)
    )
    return HTML(
        f"<ol>{''.join(items)}</ol>"
        + (
            f"<p>Prövat mot kriterierna för omotiverade skillnader (steg 2):</p><ul>{tested}</ul>"
            if tested
            else ""
        )
        + f'<p>Alla skillnader finns i <a href="#{SCREENING_ANCHOR}">screeningen</a> längre '
        "ned.</p>"
    )
