"""The criteria check for a page: a verdict card, the staircase picture, details folded away.

What a reader sees first is a short card (the verdict in words, what qualifies it) and the
staircase chart (:mod:`isuwork.present.staircase`). The numbers step by step, the need groups,
the notes and the method follow in a folded section (``<details>``), in readable tables, never
as a block of monospace text. Every number comes from the check's protected JSON form
(:func:`isuwork.present.criteria_report.to_dict`); the steps table also travels as cells with
numbers (:data:`isuwork.present.tables.TABLE_MIME`) for the kommun's Excel workbook.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from isuwork.analysis.criteria import CriteriaResult
from isuwork.domain.catalog import Criterion
from isuwork.domain.formatting import SUPPRESSED, format_number, format_percent, format_pvalue
from isuwork.domain.vocabulary import FLAG_LABELS, VERDICT_LABELS
from isuwork.present.criteria_counts import protect_counts
from isuwork.present.criteria_message import (
    group_in_text,
    message_parts,
    stratum_text,
    variables_text,
)
from isuwork.present.criteria_report import method_text, to_dict
from isuwork.present.staircase import alt_text, png_data_uri, staircase
from isuwork.present.tables import (
    COUNT_FORMAT,
    DECIMAL_FORMAT,
    P_FORMAT,
    PERCENT_FORMAT,
    POINTS_FORMAT,
    TABLE_MIME,
)
from isuwork.privacy.primary import footnote
from isuwork.privacy.publication import Protection

#: The card's edge colour per verdict (Okabe–Ito); the verdict is also written out.
VERDICT_COLOURS = {
    "risk_unmotivated": "#D55E00",
    "uncertain": "#E69F00",
    "explained": "#0072B2",
    "no_difference": "#009E73",
    "insufficient_data": "#999999",
}

STEP_COLUMNS = (
    "Steg",
    "Skillnad",
    "KI, nedre",
    "KI, övre",
    "p-värde",
    "Fall som ingår",
    "Bortsorterade",
    "Förklarar av den råa skillnaden",
)


def _esc(text: Any) -> str:
    return html.escape(str(text))


def card_html(result: CriteriaResult, counts: Protection) -> str:
    """The verdict card: the verdict, what the check found, its flags, the reminder.

    ``counts`` is the protection of the check's counts (:func:`protect_counts`).
    """
    parts = message_parts(result, counts=counts)
    colour = VERDICT_COLOURS.get(result.verdict, "#999999")
    flags = "; ".join(FLAG_LABELS[f] for f in result.flags)
    return (
        f'<div class="bedomning" style="border-left: 6px solid {colour}; background: #f7f7f7; '
        f'padding: 0.5rem 1rem; margin: 0.5rem 0 1rem 0;">'
        f'<p style="font-size: 1.15em; margin: 0.3rem 0;"><strong>Bedömning: '
        f"{_esc(VERDICT_LABELS[result.verdict])}</strong></p>"
        f"<p>{_esc(' '.join(parts.core))}</p>"
        + (
            f"<p><strong>Flaggor:</strong> {_esc(flags)} (förklaras under "
            "<em>Att tänka på</em> nedan).</p>"
            if flags
            else ""
        )
        + f'<p style="font-size: 0.9em;">{_esc(parts.reminder)}</p></div>'
    )


def cautions_html(result: CriteriaResult, counts: Protection) -> str:
    """What qualifies the verdict: the flags in words, criteria not or only partly tested."""
    cautions = message_parts(result, counts=counts).cautions
    if not cautions:
        return ""
    items = "".join(f"<li>{_esc(c)}</li>" for c in cautions)
    return f"<p><strong>Att tänka på:</strong></p><ul>{items}</ul>"


def _diff_cell(value: float | None, outcome_type: str) -> list[Any]:
    if value is None:
        return [SUPPRESSED, None]
    if outcome_type == "share":
        return [value * 100, POINTS_FORMAT]
    return [value, DECIMAL_FORMAT]


def _count_cell(value: int | None) -> list[Any]:
    return [SUPPRESSED, None] if value is None else [value, COUNT_FORMAT]


def steps_payload(checked: Mapping[str, Any], *, caption: str) -> dict[str, Any]:
    """The staircase as table cells (``[number, format]`` or ``[text, None]``), for Excel."""
    kt = checked["outcome_type"]
    raw = checked["raw"]
    rows = [
        [
            ["Rå skillnad", None],
            _diff_cell(raw["diff"], kt),
            _diff_cell(raw["ci"][0], kt),
            _diff_cell(raw["ci"][1], kt),
            [SUPPRESSED, None] if raw["p"] is None else [raw["p"], P_FORMAT],
            _count_cell(
                None
                if any(g["n"] is None for g in checked["groups"].values())
                else sum(g["n"] for g in checked["groups"].values())
            ),
            ["", None],
            ["", None],
        ]
    ]
    for i, step in enumerate(checked["steps"], start=1):
        if step["status"] == "not_testable":
            rows.append(
                [[f"{i}. {step['label']}", None], ["kan inte prövas", None]] + [["", None]] * 6
            )
            continue
        share = step["explained_share"]
        rows.append(
            [
                [f"{i}. {step['label']}", None],
                _diff_cell(step["diff"], kt),
                _diff_cell(step["ci"][0], kt),
                _diff_cell(step["ci"][1], kt),
                ["", None] if step["p"] is None else [step["p"], P_FORMAT],
                _count_cell(step["n"]),
                _count_cell(step["n_set_aside"]) if step["set_aside"] else ["", None],
                ["", None] if share is None else [max(share, 0.0), PERCENT_FORMAT],
            ]
        )
    return {
        "caption": caption,
        "columns": list(STEP_COLUMNS),
        "rows": rows,
        "footnotes": footnote(checked["min_n"]),
    }


def _cell_text(cell: Sequence[Any]) -> str:
    value, fmt = cell
    if fmt is None:
        return str(value)
    if fmt == COUNT_FORMAT:
        return format_number(value)
    if fmt == P_FORMAT:
        return format_pvalue(value).removeprefix("p = ").removeprefix("p ")
    if fmt == PERCENT_FORMAT:
        return format_percent(value)
    return format_number(value, decimals=1)


def _table_html(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _strata_html(result: CriteriaResult, checked: Mapping[str, Any]) -> str:
    step = next((s for s in checked["steps"] if s["strata"] is not None), None)
    if step is None:
        return ""
    names = [group_in_text(result.group, g) for g in result.compare]
    rows = []
    for record in step["strata"]:
        row = [stratum_text(record["stratum"])]
        for level in result.compare:
            info = record["groups"].get(str(level), {"n": None, "value": None})
            row.append(SUPPRESSED if info["n"] is None else format_number(info["n"]))
            row.append(_value_text(info["value"], result.outcome_type))
        row.append("ja" if record["included"] else "nej (bara en grupp)")
        rows.append(row)
    columns = ["Behovsgrupp"]
    for name in names:
        columns += [f"Fall, {name}", f"Värde, {name}"]
    columns.append("Ingår")
    return (
        f"<p><strong>Behovsgrupperna</strong> (efter {_esc(variables_text(step['variables']))})"
        f"</p>{_table_html(columns, rows)}"
    )


def _value_text(value: float | None, outcome_type: str) -> str:
    if value is None:
        return SUPPRESSED
    return format_percent(value) if outcome_type == "share" else format_number(value, decimals=1)


def details_html(result: CriteriaResult, checked: Mapping[str, Any], payload: Mapping) -> str:
    """The folded section: the steps table, what each step used, need groups, notes, method."""
    steps = _table_html(
        payload["columns"], [[_cell_text(c) for c in row] for row in payload["rows"]]
    )
    used = "".join(
        f"<li>{_esc(step['label'])}: "
        + (_esc(variables_text(step["variables"])) if step["variables"] else "inga uppgifter")
        + (f" ({_esc(step['reason'])})" if step["reason"] else "")
        + "</li>"
        for step in checked["steps"]
    )
    notes = "".join(f"<li>{_esc(n)}</li>" for n in checked["notes"])
    return (
        "<details><summary>Siffrorna steg för steg, behovsgrupperna och metoden</summary>"
        f"{steps}<p><strong>Uppgifter som används i varje steg</strong></p><ul>{used}</ul>"
        f"{_strata_html(result, checked)}"
        + (f"<p><strong>Noter</strong></p><ul>{notes}</ul>" if notes else "")
        + f"<p>{_esc(method_text(result))}</p><p><small>{_esc(footnote(result.min_n))}</small>"
        "</p></details>"
    )


def questions_html(criteria: Sequence[Criterion]) -> str:
    """The appendix's questions, one per criterion, for the group's reflection."""
    items = "".join(f"<li>{_esc(c.label)}: <em>{_esc(c.question)}</em></li>" for c in criteria)
    return f"<p><strong>Frågorna i kriterierna:</strong></p><ul>{items}</ul>"


class CriteriaCard:
    """One checked observation as a notebook shows it: card, picture, questions, details."""

    def __init__(
        self,
        title: str,
        result: CriteriaResult,
        criteria: Sequence[Criterion],
        *,
        anchor: str | None = None,
    ):
        self.title = title
        self.anchor = anchor
        self.result = result
        self.counts = protect_counts(result)
        self.checked = to_dict(result, counts=self.counts)
        self.criteria = criteria
        self.payload = steps_payload(self.checked, caption=f"Kriterierna: {title}")

    def _repr_html_(self) -> str:
        ax = staircase(self.checked)
        image = (
            f'<img src="{png_data_uri(ax)}" alt="{_esc(alt_text(self.checked))}" '
            'style="max-width: 100%;">'
        )
        anchor = "" if self.anchor is None else f' id="{_esc(self.anchor)}"'
        return (
            f"<h3{anchor}>{_esc(self.title)}</h3>{card_html(self.result, self.counts)}{image}"
            f"{cautions_html(self.result, self.counts)}{questions_html(self.criteria)}"
            f"{details_html(self.result, self.checked, self.payload)}"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # the page shows the HTML; the steps table travels along for the kommun's workbook
        return {
            "text/html": self._repr_html_(),
            "text/plain": f"{self.title}: {VERDICT_LABELS[self.result.verdict]}",
            TABLE_MIME: self.payload,
        }
