"""Views of a journal for people: the whole journal or one observation as Markdown, and the
action plan as a table, as Markdown and as an Excel or Markdown file.

Every view reads a journal document (see :mod:`isuwork.workbook.journal.store`) and leaves out
removed entries. The Markdown is ordinary cell output, so batch-rendered reports keep it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from isuwork.data.io import write_excel, write_text
from isuwork.domain.formatting import NBSP, format_number
from isuwork.domain.vocabulary import VERDICT_LABELS
from isuwork.exceptions import ParameterError
from isuwork.workbook.journal.schema import (
    ACTION_COLUMNS,
    ACTION_HEADERS,
    ANSWERS,
    CONCLUSION,
    DECIDED_BY,
    EFFECT,
    EFFORT,
    REFLECTION_FIELDS,
)

#: File kinds the action plan can be exported to.
EXPORT_SUFFIXES: tuple[str, ...] = (".xlsx", ".md")

_EMPTY = "_(ej ifyllt)_"

Document = Mapping[str, Any]


def live(doc: Document, section: str) -> list[dict[str, Any]]:
    """The entries of a section that are not removed, in the order they were added."""
    return [e for e in doc[section] if not e["borttagen"]]


def find(doc: Document, section: str, entry_id: str) -> dict[str, Any] | None:
    """An entry by id (removed ones too), or None."""
    for entry in doc[section]:
        if entry["id"] == entry_id:
            return entry
    return None


def modified_line(doc: Document) -> str:
    """When the journal was last saved, as a Swedish sentence."""
    modified = doc.get("andrad")
    if not modified:
        return "Journalen har inte sparats ännu."
    try:
        stamp = dt.datetime.fromisoformat(modified)
    except ValueError:  # edited by hand into another form
        return f"Senast ändrad {modified}."
    return f"Senast ändrad {stamp:%Y-%m-%d %H:%M}."


def observation_title(doc: Document, observation_id: str | None) -> str:
    """The title of the observation an entry refers to (``Hela analysen`` for none)."""
    if observation_id is None:
        return "Hela analysen"
    entry = find(doc, "observationer", observation_id)
    if entry is None:
        return f"Okänd iakttagelse ({observation_id})"
    suffix = " (borttagen)" if entry["borttagen"] else ""
    return entry["titel"] + suffix


def actions_table(doc: Document) -> pd.DataFrame:
    """The action plan as a table: one row per action, index ``id``.

    Columns ``beskrivning``, ``ansvarig`` (string), ``insats`` (latt|svar), ``effekt``
    (liten|stor), ``beslutas_av`` (verksamheten|politiken) as categoricals with the codes,
    ``uppfoljning`` (datetime64, NaT when not set). This is the input of
    :func:`isuwork.present.plots.action_matrix`.
    """
    rows = live(doc, "atgarder")
    frame = pd.DataFrame(
        {name: [row[name] for row in rows] for name in ACTION_COLUMNS},
        index=pd.Index([row["id"] for row in rows], name="id", dtype="string"),
    )
    for name in ("beskrivning", "ansvarig"):
        frame[name] = frame[name].astype("string")
    for name, choices in (("insats", EFFORT), ("effekt", EFFECT), ("beslutas_av", DECIDED_BY)):
        frame[name] = pd.Categorical(frame[name], categories=list(choices))
    frame["uppfoljning"] = pd.to_datetime(frame["uppfoljning"], format="ISO8601").astype(
        "datetime64[ns]"
    )
    return frame


def actions_display(doc: Document) -> pd.DataFrame:
    """The action plan for people: Swedish headers and labels, observation titles."""
    rows = []
    for row in live(doc, "atgarder"):
        rows.append(
            {
                "beskrivning": row["beskrivning"],
                "ansvarig": row["ansvarig"],
                "insats": EFFORT.get(row["insats"], ""),
                "effekt": EFFECT.get(row["effekt"], ""),
                "beslutas_av": DECIDED_BY.get(row["beslutas_av"], ""),
                "uppfoljning": row["uppfoljning"] or "",
                "observation": observation_title(doc, row["observation"]),
            }
        )
    frame = pd.DataFrame(rows, columns=list(ACTION_HEADERS), dtype="object")
    return frame.rename(columns=ACTION_HEADERS)


def actions_markdown(doc: Document, *, observation_id: str | None = None) -> str:
    """The action plan as a Markdown table with Swedish headers and labels.

    Parameters
    ----------
    doc
        The journal document.
    observation_id
        Only the actions that answer this observation; None gives all actions.
    """
    table = actions_display(doc)
    if observation_id is not None:
        ids = [a["observation"] for a in live(doc, "atgarder")]
        table = table[[ref == observation_id for ref in ids]]
    if table.empty:
        return "Inga åtgärder har skrivits in ännu."
    header = "| " + " | ".join(table.columns) + " |"
    rule = "| " + " | ".join("---" for _ in table.columns) + " |"
    body = [
        "| " + " | ".join(_table_cell(value) for value in row) + " |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def export_actions(doc: Document, path: str | os.PathLike[str]) -> Path:
    """Write the action plan to ``.xlsx`` (Excel) or ``.md`` (Markdown), chosen by suffix.

    Returns the path written.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise ParameterError(
            f"Åtgärdsplanen kan inte sparas som {target.name!r}: filändelsen ska vara en av "
            f"{', '.join(EXPORT_SUFFIXES)} (Excel eller Markdown)."
        )
    kommun = doc["kommun"]
    if suffix == ".xlsx":
        title = [f"Åtgärdsplan för {kommun}", modified_line(doc)]
        return write_excel(
            {"Åtgärdsplan": actions_display(doc)},
            target,
            title_rows={"Åtgärdsplan": title},
        )
    text = f"# Åtgärdsplan för {kommun}\n\n{modified_line(doc)}\n\n"
    text += actions_markdown(doc) + "\n"
    return write_text(text, target)


def journal_markdown(doc: Document, *, heading_level: int = 1) -> str:
    """The whole journal as Markdown with Swedish headings, for reports and batch runs.

    Sections: Iakttagelser (steg 1), Reflektioner (steg 2: 2.1, 2.2, 2.3 and könsbias per
    observation), Slutsatser (steg 3) and Åtgärder (steg 4, a table).

    Parameters
    ----------
    doc
        The journal document.
    heading_level
        Level of the top heading (1 = ``#``); the sections are one level below.
    """
    h1, h2, h3 = _headings(heading_level, 3)
    observations = live(doc, "observationer")
    lines = [f"{h1} Reflektionsjournal för {doc['kommun']}", "", modified_line(doc), ""]
    lines += [f"{h2} Iakttagelser (steg 1)", ""]
    if not observations:
        lines += ["Inga iakttagelser har skrivits in ännu.", ""]
    for number, obs in enumerate(observations, start=1):
        lines += [f"{h3} {number}. {obs['titel']}", "", *_observation_lines(obs)]
    lines += [f"{h2} Reflektioner (steg 2)", ""]
    if not observations:
        lines += ["Inga reflektioner ännu.", ""]
    for number, obs in enumerate(observations, start=1):
        lines += [f"{h3} {number}. {obs['titel']}", "", *_reflection_lines(obs)]
    lines += [f"{h2} Slutsatser (steg 3)", ""]
    conclusions = live(doc, "slutsatser")
    if not conclusions:
        lines += ["Inga slutsatser har skrivits in ännu.", ""]
    for number, item in enumerate(conclusions, start=1):
        about = observation_title(doc, item["observation"])
        lines += [f"{h3} Slutsats {number}: {about}", "", *_conclusion_lines(item)]
    lines += [f"{h2} Åtgärder (steg 4)", "", actions_markdown(doc), ""]
    return "\n".join(lines).rstrip() + "\n"


def observation_markdown(
    doc: Document, observation: Mapping[str, Any], *, heading_level: int = 3
) -> str:
    """One observation with its reflections, conclusions and actions, as Markdown.

    Parameters
    ----------
    doc
        The journal document.
    observation
        The observation's entry.
    heading_level
        Level of the observation's heading; its parts are one level below.
    """
    h1, h2 = _headings(heading_level, 2)
    lines = [f"{h1} {observation['titel']}", "", *_observation_lines(observation)]
    lines += [f"{h2} Reflektioner (steg 2)", "", *_reflection_lines(observation)]
    lines += [f"{h2} Slutsatser (steg 3)", ""]
    conclusions = [c for c in live(doc, "slutsatser") if c["observation"] == observation["id"]]
    if not conclusions:
        lines += ["Inga slutsatser har skrivits in ännu.", ""]
    for item in conclusions:
        lines += _conclusion_lines(item)
    lines += [f"{h2} Åtgärder (steg 4)", ""]
    lines += [actions_markdown(doc, observation_id=observation["id"]), ""]
    return "\n".join(lines).rstrip() + "\n"


def _observation_facts(obs: Mapping[str, Any]) -> list[str]:
    facts = []
    if obs["utfall"]:
        facts.append(f"Utfall: {obs['utfall']}")
    if obs["grupp"]:
        facts.append(f"Grupp: {obs['grupp']}")
    if obs["filter"]:
        parts = []
        for key, value in obs["filter"].items():
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{key} = {shown}")
        facts.append("Urval: " + "; ".join(parts))
    if obs["bedomning"]:
        facts.append(f"Bedömning enligt kriterierna: {VERDICT_LABELS[obs['bedomning']]}")
    if obs.get("bedomning_siffror"):
        facts.append(verdict_figures_text(obs["bedomning_siffror"]))
    return facts


def verdict_figures_text(figures: Mapping[str, Any]) -> str:
    """The numbers behind a saved verdict in one Swedish sentence.

    For example "Rå skillnad 12,0 procentenheter (95 % KI 3,0 till 21,0); kvar efter
    kriterierna 8,0 procentenheter (95 % KI −1,0 till 17,0). Prövad 2026-12-01."; a difference
    the check's page hid (small groups) is said to be hidden, not shown.
    """
    scale = 100 if figures["skala"] == "share" else 1
    unit = " procentenheter" if figures["skala"] == "share" else ""
    level = format_number(figures["konfidensgrad"] * 100)

    def one(triple: list[float | None]) -> str:
        diff, low, high = triple
        if diff is None:
            return "dold eller inte beräknad"
        text = f"{format_number(diff * scale, decimals=1)}{unit}"
        if low is not None and high is not None:
            low_text = format_number(low * scale, decimals=1)
            high_text = format_number(high * scale, decimals=1)
            text += f" ({level}{NBSP}% KI {low_text} till {high_text})"
        return text

    text = f"Rå skillnad {one(figures['ra'])}; kvar efter kriterierna {one(figures['kvar'])}."
    if figures.get("provad"):
        text += f" Prövad {figures['provad']}."
    return text


def _headings(level: int, count: int) -> tuple[str, ...]:
    if not isinstance(level, int) or not 1 <= level <= 6 - count + 1:
        raise ParameterError(
            f"heading_level ska vara ett heltal från 1 till {6 - count + 1}, men fick {level!r}."
        )
    return tuple("#" * (level + i) for i in range(count))


def _observation_lines(obs: Mapping[str, Any]) -> list[str]:
    lines = [_paragraph(obs["beskrivning"]), ""]
    facts = _observation_facts(obs)
    if facts:
        lines += [*(f"- {fact}" for fact in facts), ""]
    return lines


def _reflection_lines(obs: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for key, label in REFLECTION_FIELDS.items():
        lines += [f"**{label}**", "", _paragraph(obs["reflektion"].get(key)), ""]
    return lines


def _conclusion_lines(item: Mapping[str, Any]) -> list[str]:
    lines = [_paragraph(item["text"]), ""]
    for name in ("behov_av_mer_kunskap", "risk_att_upprathalla_ojamstalldhet"):
        label = CONCLUSION.field(name).label
        lines.append(f"- {label} {ANSWERS.get(item[name], 'Inte besvarat')}")
    return [*lines, ""]


def _paragraph(text: str | None) -> str:
    """A person's text as Markdown: line breaks kept, a leading ``#`` not read as a heading."""
    if not text or not text.strip():
        return _EMPTY
    lines = [re.sub(r"^(\s*)#", r"\1\\#", line) for line in text.strip("\n").splitlines()]
    return "  \n".join(lines)


def _table_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")
