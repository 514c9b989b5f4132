"""The criteria check for people and programs: a readable summary and a stable JSON form.

The numbers of a :class:`~isuwork.analysis.criteria.CriteriaResult` become a readable Swedish
summary of the staircase and a JSON form with stable keys; both carry the verdict sentence of
:mod:`isuwork.present.criteria_message` (re-exported here with ``notes`` and ``reason``). Every
count shown here comes from one protection of all the check's counts together
(:mod:`isuwork.present.criteria_counts`); a hidden count reads "visas inte" in a sentence and
``..`` in a table, and a share or mean is shown only where its counts are.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

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
from isuwork.present.criteria_counts import (
    STEP_COUNTS,
    level_names,
    protect_counts,
    value_shown,
)
from isuwork.present.criteria_message import (
    capital,
    count_text,
    format_diff,
    format_estimate,
    format_min_diff,
    group_in_text,
    het_method,
    message,
    notes,
    reason,
    share_text,
    stratum_text,
    variables_text,
)
from isuwork.privacy.primary import footnote
from isuwork.privacy.publication import Protection

__all__ = ["message", "method_text", "notes", "reason", "to_dict", "to_text"]


def to_dict(result: CriteriaResult, *, counts: Protection | None = None) -> dict[str, Any]:
    """The JSON form (stable keys; hidden counts, and what rests on them, are null).

    ``counts`` is the protection of the result's counts (:func:`protect_counts`), made here
    when not given.
    """
    counts = protect_counts(result) if counts is None else counts
    groups, raw_hidden = _protected_groups(result, counts)
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
        "steps": [
            _step_dict(result, k, step, counts, hidden=raw_hidden)
            for k, step in enumerate(result.steps)
        ],
        "remaining": (
            {"diff": None, "ci": [None, None], "p": None}
            if raw_hidden
            else result.remaining.to_dict()
        ),
        "verdict": result.verdict,
        "flags": list(result.flags),
        "heterogeneity": (
            None if result.heterogeneity is None else _heterogeneity_dict(result, counts)
        ),
        "explained_by": list(result.explained_by),
        "message": message(result, counts=counts),
        "min_diff": number_or_none(result.min_diff),
        "margin": number_or_none(result.margin),
        "min_group": result.min_group,
        "min_n": result.min_n,
        "method": {
            "raw": result.raw.method,
            "stratified": stratified_method(result.outcome_type),
        },
        "notes": notes(result, counts=counts),
    }


def _protected_groups(
    result: CriteriaResult, counts: Protection
) -> tuple[dict[str, dict[str, Any]], bool]:
    out: dict[str, dict[str, Any]] = {}
    for _, row in result.groups.iterrows():
        g = str(row[result.group])
        value = _shown_value(result, counts, ("n", g), ("antal", g), row["varde"])
        out[g] = {"n": counts.count(("n", g)), "value": value, "dold": value is None}
    raw_hidden = any(info["dold"] for info in out.values()) and result.raw.defined
    return out, raw_hidden


def _shown_value(
    result: CriteriaResult, counts: Protection, n: Hashable, antal: Hashable, value: Any
) -> float | None:
    """A share or mean where it may be shown (see :func:`value_shown`), else None."""
    return number_or_none(value) if value_shown(result, counts, n, antal) else None


def _step_dict(
    result: CriteriaResult, k: int, step: Step, counts: Protection, *, hidden: bool
) -> dict[str, Any]:
    """A step for JSON; ``hidden`` drops its difference (it rests on a hidden group value:
    with one need stratum it is the raw difference itself)."""
    est = None if hidden else step.estimate
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
        **{name: counts.count((name, k)) for name in STEP_COUNTS},
        # n / n_remaining: either of them and the share would give the other away
        "share_both_present": (
            number_or_none(step.share_both_present)
            if counts.shows(("n", k), ("n_remaining", k))
            else None
        ),
        "explained_share": None if hidden else number_or_none(step.explained_share),
        "need_method": step.need_method,
        "set_aside": _set_aside_dict(step, k, counts),
        "set_aside_p": _set_aside_p(step, k, counts),
        "odds_ratio": None if hidden else step.odds_ratio,
        "strata": None if step.strata is None else _strata_records(result, k, counts),
    }


def _set_aside_dict(step: Step, k: int, counts: Protection) -> dict[str, dict[str, Any]] | None:
    """Per compared group: cases set aside and their share (both hidden when the count is)."""
    if step.rule != "set_aside" or not step.set_aside_by_group:
        return None
    out = {}
    for level, (_, share) in step.set_aside_by_group.items():
        shown = counts.count(("set_aside", k, str(level)))
        out[level] = {"n": shown, "share": number_or_none(share) if shown is not None else None}
    return out


def _set_aside_p(step: Step, k: int, counts: Protection) -> float | None:
    """The test of the set-aside shares; None when a count is hidden (the p-value, the shown
    share and the group sizes together could give the hidden count away)."""
    test = step.set_aside_diff
    names = [("set_aside", k, str(level)) for level in step.set_aside_by_group]
    return None if test is None or not counts.shows(*names) else number_or_none(test.p_value)


def _heterogeneity_dict(result: CriteriaResult, counts: Protection) -> dict[str, Any]:
    """The homogeneity test for JSON; hidden level counts, and their differences, null."""
    data = result.heterogeneity.to_dict()
    for stratum, level in zip(data["strata"], level_names(result), strict=True):
        stratum["n"] = {g: counts.count(name) for g, name in level.items()}
        if None in stratum["n"].values():
            # a level whose counts are hidden shows no difference either
            stratum["diff"], stratum["ci"] = None, [None, None]
    return data


def _strata_records(result: CriteriaResult, k: int, counts: Protection) -> list[dict[str, Any]]:
    """A step's strata for JSON, with the protected counts and what rests on them."""
    strata = result.steps[k].strata
    group = result.group
    variables = [c for c in strata.columns if c not in _STRATA_FIXED and c != group]
    records = []
    for name, part in strata.groupby("stratum", sort=False):
        first = part.iloc[0]
        groups = {}
        for _, row in part.iterrows():
            g = str(row[group])
            n_name, antal_name = ("stratum_n", k, str(name), g), ("stratum_antal", k, str(name), g)
            groups[g] = {
                "n": counts.count(n_name),
                "value": _shown_value(result, counts, n_name, antal_name, row["varde"]),
            }
        records.append(
            {
                "stratum": str(name),
                "values": {var: str(first[var]) for var in variables},
                "groups": groups,
                "included": bool(first["ingar"]),
                "dold": any(info["value"] is None for info in groups.values()),
            }
        )
    return records


_STRATA_FIXED = ("stratum", "n", "antal", "varde", "ingar", "ci_lag", "ci_hog", "dold", "utfall")


# -- text ---------------------------------------------------------------------------------------
def to_text(result: CriteriaResult) -> str:
    """A readable Swedish summary: groups, the staircase, the verdict and the message."""
    catalog = load_catalog()
    kt = result.outcome_type
    counts = protect_counts(result)
    data = to_dict(result, counts=counts)
    a, b = (group_in_text(result.group, level) for level in result.compare)
    lines = [
        f"Kriterier för omotiverade skillnader: {catalog.label(result.outcome)}",
        f"{CRITERIA_KINDS[result.kind]}. Jämförelse: {a} minus {b} ({catalog.label(result.group)}).",
    ]
    if result.filters:
        chosen = "; ".join(
            f"{catalog.label(col)}: {', '.join(catalog.code_label(col, v) for v in vals)}"
            for col, vals in result.filters.items()
        )
        lines.append(f"Urval: {chosen}.")
    lines.append("")
    for level, info in data["groups"].items():
        value = _fmt_value(info["value"], kt)
        n = ".." if info["n"] is None else format_number(info["n"])
        lines.append(f"  {capital(group_in_text(result.group, level))}: {n} fall, {value}")
    lines.append("")
    hidden = data["raw"]["dold"]
    raw_line = (
        ".. (dold)"
        if hidden
        else f"{format_estimate(result.raw, kt, result.alpha)}, {format_pvalue(result.raw.p_value)}"
    )
    lines.append(f"Rå skillnad: {raw_line}")
    for i, (step, shown) in enumerate(zip(result.steps, data["steps"], strict=True), start=1):
        head = f"{i}. {step.label}"
        if step.status == "not_testable":
            lines.append(f"{head}: kan inte prövas ({reason(step)}).")
            continue
        lines.append(f"{head} ({variables_text(step.variables)})")
        est = step.estimate or Estimate.missing()
        remaining = (
            ".. (dold)"
            if hidden
            else f"{format_estimate(est, kt, result.alpha)}, {format_pvalue(est.p_value)}"
        )
        lines.append(f"   Kvarvarande skillnad: {remaining}")
        parts = [f"Fall som ingår: {count_text(shown['n'])}"]
        if step.n_set_aside:
            parts.append(f"bortsorterade i steget: {count_text(shown['n_set_aside'])}")
        if shown["share_both_present"] is not None:
            parts.append(f"{format_percent(shown['share_both_present'])} i grupper där båda finns")
        if shown["explained_share"] is not None:
            parts.append(_explained_text(shown["explained_share"]))
        lines.append("   " + "; ".join(parts) + ".")
        if shown["set_aside"]:
            shares = ", ".join(
                f"{group_in_text(result.group, level)} {share_text(info['share'])}"
                for level, info in shown["set_aside"].items()
            )
            p_text = (
                "" if shown["set_aside_p"] is None else f", {format_pvalue(shown['set_aside_p'])}"
            )
            lines.append(f"   Andel bortsorterade per grupp: {shares}{p_text}.")
        if step.need_method == "prognostic":
            lines.append(
                f"   Behovsgrupper efter prognospoäng över hela behovsprofilen "
                f"({len(step.strata) // 2} grupper)."
            )
        if step.missing:
            lines.append(f"   Delvis prövat: {reason(step)}.")
        if shown["odds_ratio"] is not None:
            orr = shown["odds_ratio"]
            lines.append(
                f"   Oddskvot (Mantel–Haenszel) för {a} jämfört med {b}: "
                f"{format_number(orr['odds_ratio'], decimals=3)} ({_fmt_or_ci(orr, result.alpha)}), "
                f"{format_pvalue(orr['p'])}"
            )
    strata_step = next((s for s in data["steps"] if s["strata"] is not None), None)
    if strata_step is not None:
        lines.append("")
        lines.extend(_strata_lines(result, strata_step))
    if result.heterogeneity is not None:
        lines.append("")
        lines.extend(_heterogeneity_lines(result, data["heterogeneity"]))
    lines.append("")
    lines.append(f"Bedömning: {VERDICT_LABELS[result.verdict]}.")
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
    lines.append(method_text(result))
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


def _strata_lines(result: CriteriaResult, step: dict[str, Any]) -> list[str]:
    """The strata table of a step (its JSON form) as text lines."""
    a, b = (group_in_text(result.group, level) for level in result.compare)
    lines = [f"Behovsgrupper ({', '.join(step['variables'])}): {a} | {b} | ingår"]
    for record in step["strata"]:
        cells = []
        for level in result.compare:
            info = record["groups"].get(str(level), {"n": None, "value": None})
            n = ".." if info["n"] is None else format_number(info["n"])
            cells.append(f"{n} fall, {_fmt_value(info['value'], result.outcome_type)}")
        included = "ja" if record["included"] else "nej (bara en grupp)"
        lines.append(f"  {stratum_text(record['stratum'])}: {cells[0]} | {cells[1]} | {included}")
    return lines


def _explained_text(share: float) -> str:
    if share <= 0:
        return "minskar inte den råa skillnaden"
    return f"förklarar {format_percent(share)} av den råa skillnaden"


def _heterogeneity_lines(result: CriteriaResult, data: dict[str, Any]) -> list[str]:
    het = result.heterogeneity
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


def method_text(result: CriteriaResult) -> str:
    """How the check was made, in one Swedish paragraph."""
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
