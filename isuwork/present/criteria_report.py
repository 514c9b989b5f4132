"""The criteria check for people and programs: the Swedish verdict sentence, text and JSON.

The numbers of a :class:`~isuwork.analysis.criteria.CriteriaResult` become a careful Swedish
sentence that names what was taken into account and what could not be tested, a readable
summary of the staircase, and a stable JSON form. Every count shown here is protected: counts
that stand alone below the threshold are written "färre än N", and the group and strata tables
pass the small-number protection with their totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from isuwork.analysis.criteria import CriteriaResult, Estimate, Step
from isuwork.analysis.criteria.estimate import (
    UNKNOWN_STRATUM,
    OutcomeType,
    finite,
    number_or_none,
    stratified_method,
)
from isuwork.analysis.criteria.heterogeneity import MIN_STRATUM_N, StratumDiff
from isuwork.analysis.criteria.need_strata import SCORE_STRATUM
from isuwork.analysis.criteria.staircase import MIN_KNOWN_SHARE
from isuwork.analysis.criteria.verdict import SET_ASIDE_MIN_DIFF
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import NBSP, format_number, format_percent, format_pvalue
from isuwork.domain.vocabulary import CRITERIA_KINDS, FLAG_LABELS, VERDICT_LABELS
from isuwork.privacy.suppression import footnote, shown_count, suppress

_STEP2_REMINDER = (
    "Kom ihåg: även en skillnad som kan förklaras av kriterierna kan bidra till att "
    "ojämställdhet består. Ta med resultatet till steg 2, Vi reflekterar."
)


def reason(step: Step) -> str | None:
    """Why a step could not be tested, or only in part (None when it was fully tested)."""
    if step.uses_outcome is not None:
        return f"kriteriet bygger på utfallet {step.uses_outcome} självt och kan inte pröva det"
    if not step.missing:
        return None
    text = "uppgift saknas: " + ", ".join(step.missing)
    if step.thin:
        share = format_percent(MIN_KNOWN_SHARE, decimals=0)
        which = "" if len(step.thin) == len(step.missing) else f"{', '.join(step.thin)}: "
        text += f" ({which}ifylld i färre än {share} av fallen i minst en av grupperna)"
    return text


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
        "set_aside_p": (
            number_or_none(step.set_aside_diff.p_value) if step.set_aside_diff else None
        ),
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


def _heterogeneity_dict(result: CriteriaResult) -> dict[str, Any]:
    """The homogeneity test for JSON; strata counts below ``min_n`` hidden."""
    data = result.heterogeneity.to_dict()
    for stratum in data["strata"]:
        stratum["n"] = {
            level: shown_count(n, result.min_n)
            for level, n in zip(result.compare, stratum["n"], strict=True)
        }
    return data


def _group_label(group: str, level: str) -> str:
    return load_catalog().code_label(group, level)


def _fmt_diff(value: float | None, outcome_type: OutcomeType) -> str:
    if value is None or not finite(value):
        return "–"
    if outcome_type == "share":
        return f"{format_number(value * 100, decimals=1)} procentenheter"
    return format_number(value, decimals=1)


def _fmt_ci(est: Estimate, outcome_type: OutcomeType, alpha: float) -> str:
    level = format_number((1 - alpha) * 100, decimals=0)
    if not (finite(est.ci_low) and finite(est.ci_high)):
        return f"{level}{NBSP}% KI –"
    scale = 100 if outcome_type == "share" else 1
    low = format_number(est.ci_low * scale, decimals=1)
    high = format_number(est.ci_high * scale, decimals=1)
    return f"{level}{NBSP}% KI {low} till {high}"


def _fmt_estimate(est: Estimate, outcome_type: OutcomeType, alpha: float) -> str:
    return f"{_fmt_diff(est.diff, outcome_type)} ({_fmt_ci(est, outcome_type, alpha)})"


def _fmt_inline(est: Estimate, outcome_type: OutcomeType, alpha: float) -> str:
    """A difference with its interval for use inside a sentence's parentheses."""
    return f"{_fmt_diff(est.diff, outcome_type)}; {_fmt_ci(est, outcome_type, alpha)}"


def _fmt_min_diff(result: CriteriaResult) -> str:
    return _fmt_diff(result.min_diff, result.outcome_type)


def message(result: CriteriaResult) -> str:
    """The Swedish verdict sentence: careful, names what is missing, ends with the reminder."""
    catalog = load_catalog()
    a, b = (_group_label(result.group, level) for level in result.compare)
    what = catalog.label(result.outcome).lower()
    kind_type = result.outcome_type
    raw_text = _fmt_inline(result.raw, kind_type, result.alpha)
    rem_text = _fmt_inline(result.remaining, kind_type, result.alpha)
    applied = [s for s in result.steps if s.testable]
    applied_text = "; ".join(s.label.lower() for s in applied)
    parts: list[str] = []
    if result.verdict == "insufficient_data":
        counts = ", ".join(
            f"{_group_label(result.group, level)} {_count_text(n, result.min_n)}"
            for level, n in zip(result.compare, result.groups["n"], strict=True)
        )
        rest = ", ".join(
            f"{_group_label(result.group, level)} {_count_text(n, result.min_n)}"
            for level, n in result.remaining_by_group.items()
        )
        parts.append(
            f"För lite data för en bedömning av {what} ({a} jämfört med {b}): antal fall "
            f"{counts}; i den sista jämförelsen {rest}. Minst {result.min_group} fall per grupp "
            f"behövs, både totalt och bland de fall som återstår efter kriterierna (i grupper "
            f"där båda finns). Resultatet kan varken visa eller utesluta en risk för en "
            f"omotiverad skillnad."
        )
    elif result.verdict == "risk_unmotivated":
        parts.extend(_risk_sentences(result, a, b, what, raw_text, rem_text, applied_text))
    elif result.verdict == "explained":
        by = [s.label.lower() for s in result.steps if s.criterion in result.explained_by]
        parts.append(
            f"Den råa skillnaden i {what} mellan {a} och {b} ({raw_text}) blir mindre än "
            f"{_fmt_min_diff(result)} när {'; '.join(by) or applied_text} tas med "
            f"({rem_text}), och förändringen är större än osäkerheten. Enligt de uppgifter som "
            f"finns kan skillnaden alltså ha en förklaring i kriterierna. Det visar inte att den "
            f"är motiverad i varje enskilt ärende, och en förklarad skillnad kan ändå bidra till "
            f"att ojämställdhet består, till exempel om behov bedöms eller dokumenteras olika "
            f"för {_plural(result, 0)} och {_plural(result, 1)}."
        )
    elif result.verdict == "no_difference":
        parts.append(
            f"Data visar ingen skillnad av betydelse i {what} mellan {a} och {b}: både den råa "
            f"skillnaden ({raw_text}) och den kvarvarande ({rem_text}) ligger inom "
            f"±{_fmt_diff(result.margin, kind_type)}. Mindre skillnader än så kan inte "
            f"uteslutas, och det visar inte att varje enskild person behandlas lika."
        )
    else:
        parts.extend(_uncertain_sentences(result, a, b, what, raw_text, rem_text))
    parts.extend(_flag_sentences(result, a, b))
    for step in result.steps:
        if step.status == "not_testable":
            parts.append(f"Kunde inte prövas: {step.label.lower()} – {reason(step)}.")
        elif step.missing:
            parts.append(f"Prövades delvis: {step.label.lower()} – {reason(step)}.")
    parts.append(_STEP2_REMINDER)
    return " ".join(parts)


def _plural(result: CriteriaResult, index: int) -> str:
    """The plural label of a compared group in lower case (``kvinnor``)."""
    return load_catalog().plural_label(result.group, result.compare[index]).lower()


def _risk_sentences(
    result: CriteriaResult, a: str, b: str, what: str, raw_text: str, rem_text: str, applied: str
) -> list[str]:
    parts = []
    if result.remaining.is_clear(result.min_diff):
        if applied:
            parts.append(
                f"Det finns en risk för en omotiverad skillnad i {what} mellan {a} och {b}: "
                f"skillnaden ({a} minus {b}) kvarstår även med hänsyn till: {applied}. "
                f"Kvarvarande skillnad: {rem_text}."
            )
        else:
            parts.append(
                f"Det finns en risk för en omotiverad skillnad i {what} mellan {a} och {b}: "
                f"den råa skillnaden ({a} minus {b}) är tydlig ({raw_text}). Inget av "
                f"kriterierna kunde prövas, så detta är bara den råa skillnaden."
            )
        if applied and not result.raw.is_clear(result.min_diff):
            parts.append(
                f"Den råa skillnaden ({raw_text}) var inte tydlig: skillnaden syns först när "
                f"kriterierna tas med, till exempel när grupperna har olika fördelning av behov."
            )
        elif applied and np.sign(result.raw.diff) != np.sign(result.remaining.diff):
            parts.append(
                f"Skillnaden byter riktning jämfört med den råa skillnaden ({raw_text}); "
                f"den råa jämförelsen ger en missvisande bild (Simpsons paradox)."
            )
    else:
        parts.append(
            f"Det finns en risk för en omotiverad skillnad i {what} mellan {a} och {b} i en "
            f"del av behovsgrupperna, fast den sammanvägda skillnaden ({rem_text}) inte är "
            f"tydlig: skillnader åt olika håll, eller bara i några grupper, kan ta ut varandra "
            f"i ett sammanvägt mått."
        )
    parts.append(
        "Det är inte ett bevis: skillnaden kan bero på förhållanden som inte finns i data "
        "och behöver granskas närmare, till exempel genom aktgranskning."
    )
    return parts


def _uncertain_sentences(
    result: CriteriaResult, a: str, b: str, what: str, raw_text: str, rem_text: str
) -> list[str]:
    head = f"Kan inte avgöras med dessa data: {what}, {a} jämfört med {b}."
    margin = _fmt_diff(result.margin, result.outcome_type)
    if result.heterogeneity is not None and result.heterogeneity.doubtful:
        body = (
            f"Skillnaden kan variera mellan behovsgrupper (rå skillnad {raw_text}, "
            f"kvarvarande {rem_text}), men inte så tydligt att en enskild grupp visar en "
            f"tydlig skillnad."
        )
    elif result.raw.is_clear(result.min_diff):
        body = (
            f"Den råa skillnaden är tydlig ({raw_text}). Med hänsyn till kriterierna är den "
            f"kvarvarande skillnaden {rem_text}: den är inte tydlig, men det går inte heller "
            f"att visa att kriterierna förklarar den, eftersom osäkerheten är för stor. En "
            f"skillnad som bara blivit osäker när färre fall jämförs räknas inte som förklarad."
        )
    else:
        body = (
            f"Varken den råa skillnaden ({raw_text}) eller den kvarvarande ({rem_text}) är "
            f"tydlig, men intervallen är för breda för att utesluta en skillnad på {margin} "
            f"eller mer."
        )
    return [
        head,
        body,
        "Fler fall (till exempel fler år) eller en aktgranskning kan ge ett säkrare svar.",
    ]


def _flag_sentences(result: CriteriaResult, a: str, b: str) -> list[str]:
    """Sentences for the flags: varying differences, set-aside shares, thin strata."""
    parts = []
    het = result.heterogeneity
    if "heterogeneous" in result.flags and het is not None:
        named = [
            f"{_stratum_text(s.stratum)}: {a if s.diff > 0 else b} högre "
            f"({_fmt_diff(s.diff, result.outcome_type)})"
            for s in het.clear_strata
        ]
        parts.append(
            f"Skillnaden är inte densamma i alla behovsgrupper ({_het_method(het.method)}, "
            f"{format_pvalue(het.p_value)})"
            + (
                f"; tydlig skillnad i {'; '.join(named)}."
                if named
                else ", men ingen enskild behovsgrupp visar en tydlig skillnad."
            )
        )
    for step in result.steps:
        if step.testable and "set_aside_differs" in result.flags and _differs(result, step):
            shares = ", ".join(
                f"{_group_label(result.group, level)} {_share_text(count, share, result.min_n)}"
                for level, (count, share) in step.set_aside_by_group.items()
            )
            parts.append(
                f"Steget {step.label.lower()} sorterade bort olika stora andelar av grupperna "
                f"({shares}). Sådana bedömningar görs av handläggare och kan i sig bära en "
                f"skillnad mellan könen; granska dem innan skillnaden ses som förklarad."
            )
    if "sparse_strata" in result.flags:
        parts.append(
            f"Många behovsgrupper är små (färre än {MIN_STRATUM_N} fall i någon av grupperna), "
            f"så jämförelsen inom behovsgrupper vilar på få fall."
        )
    if "raw_only" in result.flags and result.verdict != "risk_unmotivated":
        parts.append("Inget av kriterierna kunde prövas; bedömningen bygger bara på rådata.")
    return parts


def _differs(result: CriteriaResult, step: Step) -> bool:
    est = step.set_aside_diff
    return bool(
        est is not None
        and est.defined
        and est.p_value < result.alpha
        and abs(est.diff) >= SET_ASIDE_MIN_DIFF
    )


def _share_text(count: int, share: float, min_n: int) -> str:
    if shown_count(count, min_n) is None:
        return f"färre än {min_n} fall"
    return format_percent(share)


def _stratum_text(stratum: str) -> str:
    return stratum.replace("=", " ")


def _het_method(method: str) -> str:
    return "Breslow–Days test" if method == "breslow_day_tarone" else "Cochrans Q"


def notes(result: CriteriaResult) -> list[str]:
    """Notes on the strata: cases without a need value, and strata with only one group."""
    min_n = result.min_n
    out: list[str] = []
    seen_unknown = False
    for step in result.steps:
        if step.strata is None:
            continue
        if step.n_unknown_need and not seen_unknown:
            out.append(
                f"{_count_text(step.n_unknown_need, min_n)} fall saknar uppgift om någon av "
                f"{', '.join(step.variables)} och jämförs i en egen behovsgrupp ({UNKNOWN_STRATUM})."
            )
            seen_unknown = True
        per_stratum = step.strata.drop_duplicates("stratum")
        lonely = per_stratum[~per_stratum["ingar"]]
        if len(lonely):
            out.append(
                f"{step.label}: {len(lonely)} av {len(per_stratum)} grupper har bara den ena av "
                f"de jämförda grupperna ({_count_text(step.n_remaining - step.n, min_n)} fall). De "
                f"redovisas men kan inte ingå i jämförelsen."
            )
    return out


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
    a, b = (_group_label(result.group, level) for level in result.compare)
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
        lines.append(f"  {_group_label(result.group, level)}: {n} fall, {value}")
    lines.append("")
    raw_line = ".. (dold)" if data["raw"]["dold"] else _fmt_estimate(result.raw, kt, result.alpha)
    lines.append(f"Rå skillnad: {raw_line}, {format_pvalue(result.raw.p_value)}")
    for i, step in enumerate(result.steps, start=1):
        head = f"{i}. {step.label}"
        if step.status == "not_testable":
            lines.append(f"{head}: kan inte prövas ({reason(step)}).")
            continue
        lines.append(f"{head} [{', '.join(step.variables)}]")
        est = step.estimate or Estimate.missing()
        lines.append(
            f"   Kvarvarande skillnad: {_fmt_estimate(est, kt, result.alpha)}, "
            f"{format_pvalue(est.p_value)}"
        )
        parts = [f"Fall som ingår: {_count_text(step.n, result.min_n)}"]
        if step.n_set_aside:
            parts.append(f"bortsorterade i steget {_count_text(step.n_set_aside, result.min_n)}")
        if step.share_both_present is not None:
            parts.append(f"{format_percent(step.share_both_present)} i grupper där båda finns")
        if step.explained_share is not None:
            parts.append(_explained_text(step.explained_share))
        lines.append("   " + "; ".join(parts) + ".")
        if step.set_aside_by_group:
            shares = ", ".join(
                f"{_group_label(result.group, level)} {_share_text(count, share, result.min_n)}"
                for level, (count, share) in step.set_aside_by_group.items()
            )
            test = step.set_aside_diff
            p_text = f", {format_pvalue(test.p_value)}" if test is not None else ""
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
    a, b = (_group_label(result.group, level) for level in result.compare)
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
    lines = [
        f"Är skillnaden densamma i alla behovsgrupper? {_het_method(het.method)}, "
        f"{format_pvalue(het.p_value)} (grupper med minst {MIN_STRATUM_N} fall i varje grupp)."
    ]
    for stratum, info in zip(het.strata, data["strata"], strict=True):
        counts = " | ".join(".." if n is None else format_number(n) for n in info["n"].values())
        clear = " – tydlig" if stratum.clear else ""
        est = _fmt_estimate(_as_estimate(stratum), result.outcome_type, adjusted)
        lines.append(f"  {_stratum_text(stratum.stratum)}: {est} ({counts} fall){clear}")
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
        f"{_fmt_min_diff(result)}. Ingen skillnad av betydelse: båda intervallen ligger inom "
        f"±{_fmt_diff(result.margin, result.outcome_type)}. Förklarad: den kvarvarande "
        f"skillnaden är mindre än {_fmt_min_diff(result)} och dess intervall utesluter den råa "
        f"skillnaden."
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
def _count_text(value: Any, min_n: int) -> str:
    """A count for a sentence: ``'färre än 5'`` when it is too small to show."""
    shown = shown_count(value, min_n)
    if shown is None:
        return f"färre än {min_n}" if finite(value) else "–"
    return format_number(shown)


def _int_or_none(value: Any) -> int | None:
    return int(value) if finite(value) else None
