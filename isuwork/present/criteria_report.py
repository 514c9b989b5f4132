"""The criteria check for people and programs: a readable summary and a stable JSON form.

The numbers of a :class:`~isuwork.analysis.criteria.CriteriaResult` become a readable Swedish
summary of the staircase and a JSON form with stable keys; both carry the verdict sentence of
:mod:`isuwork.present.criteria_message` (re-exported here with ``notes`` and ``reason``). Every
count shown here is protected: counts that stand alone below the threshold are written "färre
än N", and the group and strata tables pass the small-number protection with their totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from isuwork.analysis.criteria import CriteriaResult, Estimate, Step
from isuwork.analysis.criteria.estimate import (
    OutcomeType,
    finite,
    number_or_none,
    stratified_method,
)
from isuwork.analysis.criteria.heterogeneity import MIN_STRATUM_N, StratumDiff
from isuwork.analysis.criteria.need_strata import SCORE_STRATUM
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import NBSP, format_number, format_percent, format_pvalue
from isuwork.domain.vocabulary import CRITERIA_KINDS, FLAG_LABELS, VERDICT_LABELS
from isuwork.present.criteria_message import (
    capital,
    count_text,
    format_diff,
    format_estimate,
    format_min_diff,
    group_label,
    het_method,
    message,
    notes,
    reason,
    share_text,
    stratum_text,
)
from isuwork.privacy.suppression import footnote, shown_count, suppress

__all__ = ["message", "notes", "reason", "to_dict", "to_text"]


def to_dict(result: CriteriaResult) -> dict[str, Any]:
    """The JSON form (stable keys; counts below ``min_n`` hidden as null with ``dold``)."""
    groups, raw_hidden = _protected_groups(result)
    raw = result.raw.to_dict()
    if raw_hidden:
        raw = {"diff": None, "ci": [None, None], "p": None}
    raw["dold"] = raw_hidden
    return {
        "outcome": result.outcome,
        "outcome_type": result.outcome_type,
        "group": result.group,
        "compare": list(result.compare),
        "kind": result.kind,
        "filters": result.filters,
        "groups": groups,
        "raw": raw,
        "steps": [_step_dict(result, step) for step in result.steps],
        "remaining": result.remaining.to_dict(),
        "verdict": result.verdict,
        "flags": list(result.flags),
        "heterogeneity": (None if result.heterogeneity is None else _heterogeneity_dict(result)),
        "explained_by": list(result.explained_by),
        "message": message(result),
        "min_diff": number_or_none(result.min_diff),
        "margin": number_or_none(result.margin),
        "min_group": result.min_group,
        "min_n": result.min_n,
        "method": {
            "raw": result.raw.method,
            "stratified": stratified_method(result.outcome_type),
        },
        "notes": notes(result),
    }


def _protected_groups(result: CriteriaResult) -> tuple[dict[str, dict[str, Any]], bool]:
    table = result.groups.copy()
    table["skillnad"] = result.raw.diff
    table["skillnad_ci_lag"] = result.raw.ci_low
    table["skillnad_ci_hog"] = result.raw.ci_high
    table["p_varde"] = result.raw.p_value
    shown = suppress(table, min_n=result.min_n, pair_col=result.group)
    out: dict[str, dict[str, Any]] = {}
    for _, row in shown.iterrows():
        out[str(row[result.group])] = {
            "n": _int_or_none(row["n"]),
            "value": number_or_none(row["varde"]),
            "dold": bool(row["dold"]),
        }
    raw_hidden = bool(shown["skillnad"].isna().any()) and result.raw.defined
    return out, raw_hidden


def _step_dict(result: CriteriaResult, step: Step) -> dict[str, Any]:
    est = step.estimate
    min_n = result.min_n
    return {
        "criterion": step.criterion,
        "label": step.label,
        "rule": step.rule,
        "status": step.status,
        "variables": list(step.variables),
        "missing": list(step.missing),
        "reason": reason(step),
        "diff": number_or_none(est.diff) if est else None,
        "ci": [number_or_none(est.ci_low), number_or_none(est.ci_high)] if est else [None, None],
        "p": number_or_none(est.p_value) if est else None,
        "method": est.method if est else None,
        "n": shown_count(step.n, min_n),
        "n_remaining": shown_count(step.n_remaining, min_n),
        "n_set_aside": shown_count(step.n_set_aside, min_n),
        "n_unknown_need": shown_count(step.n_unknown_need, min_n),
        "share_both_present": number_or_none(step.share_both_present),
        "explained_share": number_or_none(step.explained_share),
        "need_method": step.need_method,
        "set_aside": _set_aside_dict(step, min_n),
        "set_aside_p": _set_aside_p(step, min_n),
        "odds_ratio": step.odds_ratio,
        "strata": (
            None
            if step.strata is None
            else _strata_records(step.strata, group=result.group, min_n=min_n)
        ),
    }


def _set_aside_dict(step: Step, min_n: int) -> dict[str, dict[str, Any]] | None:
    """Per compared group: cases set aside and their share (both hidden when the count is)."""
    if step.rule != "set_aside" or not step.set_aside_by_group:
        return None
    out = {}
    for level, (count, share) in step.set_aside_by_group.items():
        shown = shown_count(count, min_n)
        out[level] = {
            "n": shown,
            "share": number_or_none(share) if shown is not None else None,
        }
    return out


def _set_aside_p(step: Step, min_n: int) -> float | None:
    """The test of the set-aside shares; None when a count is hidden (the p-value, the shown
    share and the group sizes together could give the hidden count away)."""
    test = step.set_aside_diff
    hidden = any(shown_count(n, min_n) is None for n, _ in step.set_aside_by_group.values())
    return None if test is None or hidden else number_or_none(test.p_value)


def _heterogeneity_dict(result: CriteriaResult) -> dict[str, Any]:
    """The homogeneity test for JSON; strata counts below ``min_n`` hidden."""
    data = result.heterogeneity.to_dict()
    for stratum in data["strata"]:
        stratum["n"] = {
            level: shown_count(n, result.min_n)
            for level, n in zip(result.compare, stratum["n"], strict=True)
        }
        if None in stratum["n"].values():
            # a level resting on too few cases shows no difference either
            stratum["diff"], stratum["ci"] = None, [None, None]
    return data


def _strata_records(strata: pd.DataFrame, *, group: str, min_n: int) -> list[dict[str, Any]]:
    """Strata for JSON, suppressed: counts below ``min_n`` (and what reveals them) hidden."""
    shown = _suppress_strata(strata, group=group, min_n=min_n)
    records = []
    for name, part in shown.groupby("stratum", sort=False):
        first = part.iloc[0]
        variables = [c for c in strata.columns if c not in _STRATA_FIXED and c != group]
        records.append(
            {
                "stratum": str(name),
                "values": {var: str(first[var]) for var in variables},
                "groups": {
                    str(row[group]): {
                        "n": _int_or_none(row["n"]),
                        "value": number_or_none(row["varde"]),
                    }
                    for _, row in part.iterrows()
                },
                "included": bool(first["ingar"]),
                "dold": bool(part["dold"].any()),
            }
        )
    return records


_STRATA_FIXED = ("stratum", "n", "antal", "varde", "ingar", "ci_lag", "ci_hog", "dold", "utfall")
_TOTAL = "Totalt"


def _suppress_strata(strata: pd.DataFrame, *, group: str, min_n: int) -> pd.DataFrame:
    """Run the strata through :func:`suppress` with per-group totals as the siblings' sum.

    The totals rows (not returned) let secondary suppression stop a hidden stratum from being
    recovered as the group total minus the strata shown.
    """
    table = strata[["stratum", group, "n", "antal", "varde"]].copy()
    table["ci_lag"] = np.nan
    table["ci_hog"] = np.nan
    totals = (
        table.groupby(group, sort=False)[["n", "antal"]]
        .sum(min_count=1)
        .reset_index()
        .assign(stratum=_TOTAL, varde=np.nan, ci_lag=np.nan, ci_hog=np.nan)
    )
    combined = pd.concat([table, totals[table.columns]], ignore_index=True)
    shown = suppress(
        combined, min_n=min_n, group_cols=["stratum"], pair_col=group, total_label=_TOTAL
    )
    shown = shown[shown["stratum"] != _TOTAL].reset_index(drop=True)
    out = strata.copy()
    out["n"] = shown["n"].to_numpy()
    out["antal"] = shown["antal"].to_numpy()
    out["varde"] = shown["varde"].to_numpy()
    out["dold"] = shown["dold"].to_numpy(dtype=bool)
    return out


# -- text ---------------------------------------------------------------------------------------
def to_text(result: CriteriaResult) -> str:
    """A readable Swedish summary: groups, the staircase, the verdict and the message."""
    catalog = load_catalog()
    kt = result.outcome_type
    data = to_dict(result)
    a, b = (group_label(result.group, level) for level in result.compare)
    lines = [
        f"Kriterier för omotiverade skillnader: {catalog.label(result.outcome)}",
        f"{CRITERIA_KINDS[result.kind]}. Jämförelse: {a} minus {b} ({catalog.label(result.group)}).",
    ]
    if result.filters:
        chosen = "; ".join(f"{col} = {', '.join(vals)}" for col, vals in result.filters.items())
        lines.append(f"Urval: {chosen}.")
    lines.append("")
    for level, info in data["groups"].items():
        value = _fmt_value(info["value"], kt)
        n = ".." if info["n"] is None else format_number(info["n"])
        lines.append(f"  {group_label(result.group, level)}: {n} fall, {value}")
    lines.append("")
    raw_line = ".. (dold)" if data["raw"]["dold"] else format_estimate(result.raw, kt, result.alpha)
    lines.append(f"Rå skillnad: {raw_line}, {format_pvalue(result.raw.p_value)}")
    for i, step in enumerate(result.steps, start=1):
        head = f"{i}. {step.label}"
        if step.status == "not_testable":
            lines.append(f"{head}: kan inte prövas ({reason(step)}).")
            continue
        lines.append(f"{head} [{', '.join(step.variables)}]")
        est = step.estimate or Estimate.missing()
        lines.append(
            f"   Kvarvarande skillnad: {format_estimate(est, kt, result.alpha)}, "
            f"{format_pvalue(est.p_value)}"
        )
        parts = [f"Fall som ingår: {count_text(step.n, result.min_n)}"]
        if step.n_set_aside:
            parts.append(f"bortsorterade i steget {count_text(step.n_set_aside, result.min_n)}")
        if step.share_both_present is not None:
            parts.append(f"{format_percent(step.share_both_present)} i grupper där båda finns")
        if step.explained_share is not None:
            parts.append(_explained_text(step.explained_share))
        lines.append("   " + "; ".join(parts) + ".")
        if step.set_aside_by_group:
            shares = ", ".join(
                f"{group_label(result.group, level)} {share_text(count, share, result.min_n)}"
                for level, (count, share) in step.set_aside_by_group.items()
            )
            p_value = _set_aside_p(step, result.min_n)
            p_text = "" if p_value is None else f", {format_pvalue(p_value)}"
            lines.append(f"   Andel bortsorterade per grupp: {shares}{p_text}.")
        if step.need_method == "prognostic":
            lines.append(
                f"   Behovsgrupper efter prognospoäng över hela behovsprofilen "
                f"({len(step.strata) // 2} grupper)."
            )
        if step.missing:
            lines.append(f"   Delvis prövat: {reason(step)}.")
        if step.odds_ratio is not None:
            orr = step.odds_ratio
            lines.append(
                f"   Oddskvot (Mantel–Haenszel) för {a} jämfört med {b}: "
                f"{format_number(orr['odds_ratio'], decimals=3)} ({_fmt_or_ci(orr, result.alpha)}), "
                f"{format_pvalue(orr['p'])}"
            )
    strata_step = next((s for s in result.steps if s.strata is not None), None)
    if strata_step is not None:
        lines.append("")
        lines.extend(_strata_lines(result, strata_step))
    if result.heterogeneity is not None:
        lines.append("")
        lines.extend(_heterogeneity_lines(result))
    lines.append("")
    lines.append(f"Bedömning: {VERDICT_LABELS[result.verdict]} ({result.verdict}).")
    if result.flags:
        lines.append(f"Flaggor: {'; '.join(FLAG_LABELS[f] for f in result.flags)}.")
    if result.explained_by:
        labels = [s.label for s in result.steps if s.criterion in result.explained_by]
        lines.append(f"Förklaras av: {'; '.join(labels)}.")
    lines.append(data["message"])
    if data["notes"]:
        lines.append("")
        lines.extend(f"Not: {note}" for note in data["notes"])
    lines.append("")
    lines.append(_method_text(result))
    lines.append(footnote(result.min_n))
    return "\n".join(lines)


def _fmt_value(value: float | None, outcome_type: OutcomeType) -> str:
    if value is None:
        return ".."
    if outcome_type == "share":
        return format_percent(value)
    return f"medelvärde {format_number(value, decimals=1)}"


def _fmt_or_ci(orr: Mapping[str, Any], alpha: float) -> str:
    level = format_number((1 - alpha) * 100, decimals=0)
    low, high = orr["ci"]
    return (
        f"{level}{NBSP}% KI {format_number(low, decimals=3)} till {format_number(high, decimals=3)}"
    )


def _strata_lines(result: CriteriaResult, step: Step) -> list[str]:
    shown = _suppress_strata(step.strata, group=result.group, min_n=result.min_n)
    a, b = (group_label(result.group, level) for level in result.compare)
    lines = [f"Behovsgrupper ({', '.join(step.variables)}): {a} | {b} | ingår"]
    for name, part in shown.groupby("stratum", sort=False):
        cells = []
        for level in result.compare:
            row = part[part[result.group] == level].iloc[0]
            n = ".." if pd.isna(row["n"]) else format_number(row["n"])
            value = ".." if pd.isna(row["varde"]) else _fmt_value(row["varde"], result.outcome_type)
            cells.append(f"{n} fall, {value}")
        included = "ja" if bool(part["ingar"].iloc[0]) else "nej (bara en grupp)"
        lines.append(f"  {name}: {cells[0]} | {cells[1]} | {included}")
    return lines


def _explained_text(share: float) -> str:
    if share <= 0:
        return "minskar inte den råa skillnaden"
    return f"förklarar {format_percent(share)} av den råa skillnaden"


def _heterogeneity_lines(result: CriteriaResult) -> list[str]:
    het = result.heterogeneity
    data = _heterogeneity_dict(result)
    # the strata's own intervals are Bonferroni-adjusted for the number of strata
    adjusted = result.alpha / max(len(het.strata), 1)
    if not np.isfinite(het.p_value):
        return [
            f"Är skillnaden densamma i alla behovsgrupper? Kan inte prövas: färre än två "
            f"behovsnivåer har minst {MIN_STRATUM_N} fall i varje grupp."
        ]
    lines = [
        f"Är skillnaden densamma i alla behovsgrupper? {capital(het_method(het.method))}, "
        f"{format_pvalue(het.p_value)} (behovsnivåer med minst {MIN_STRATUM_N} fall i varje "
        f"grupp)."
    ]
    for stratum, info in zip(het.strata, data["strata"], strict=True):
        counts = " | ".join(".." if n is None else format_number(n) for n in info["n"].values())
        clear = " – tydlig" if stratum.clear else ""
        est = (
            ".."
            if info["diff"] is None
            else format_estimate(_as_estimate(stratum), result.outcome_type, adjusted)
        )
        lines.append(f"  {stratum_text(stratum.stratum)}: {est} ({counts} fall){clear}")
    return lines


def _as_estimate(stratum: StratumDiff) -> Estimate:
    return Estimate(stratum.diff, stratum.ci_low, stratum.ci_high, float("nan"), "")


def _method_text(result: CriteriaResult) -> str:
    if result.outcome_type == "share":
        within = "Mantel–Haenszels riskskillnad"
        raw = "skillnad i andelar med Newcombes intervall"
    else:
        within = "viktad medelvärdesskillnad"
        raw = "Welchs t-test"
    text = (
        f"Metod: rå skillnad som {raw}; inom behovsgrupper {within} med vikterna "
        f"n1·n2/(n1+n2). Tydlig skillnad: intervallet omfattar inte 0 och skillnaden är minst "
        f"{format_min_diff(result)}. Ingen skillnad av betydelse: båda intervallen ligger inom "
        f"±{format_diff(result.margin, result.outcome_type)}. Förklarad: den kvarvarande "
        f"skillnaden är mindre än {format_min_diff(result)} och dess intervall visar att minst "
        f"hälften av den råa skillnaden försvann."
    )
    if any(s.need_method == "prognostic" for s in result.steps):
        text += (
            f" Behoven jämförs över hela behovsprofilen: fallen delas in i {SCORE_STRATUM}er "
            f"efter det utfall som behoven ensamma förutsäger (en prognospoäng skattad på båda "
            f"grupperna tillsammans, utan {load_catalog().label(result.group).lower()}). Antaganden: behoven "
            f"är bedömda på samma sätt i båda grupperna, och det som poängen inte fångar kan "
            f"den inte justera för."
        )
    return text


# -- small helpers ------------------------------------------------------------------------------
def _int_or_none(value: Any) -> int | None:
    return int(value) if finite(value) else None
