"""The criteria check in words: the Swedish verdict sentence, its notes, and shared formats.

A :class:`~isuwork.analysis.criteria.CriteriaResult` becomes a careful Swedish sentence that
names what was taken into account and what could not be tested, qualifies the verdict by its
flags (differences that vary with need, set-aside shares that differ, thin strata) and ends with
the reminder for step 2. Its counts come from the protection of all the check's counts
(:mod:`isuwork.present.criteria_counts`); a hidden count, and a share resting on it, reads
"visas inte".
The readable summary and the JSON form are in :mod:`isuwork.present.criteria_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from isuwork.analysis.criteria import CriteriaResult, Estimate, Step
from isuwork.analysis.criteria.estimate import (
    STRATUM_SEPARATOR,
    UNKNOWN_STRATUM,
    OutcomeType,
    finite,
)
from isuwork.analysis.criteria.heterogeneity import MIN_STRATUM_N
from isuwork.analysis.criteria.staircase import MIN_KNOWN_SHARE
from isuwork.analysis.criteria.verdict import set_aside_differs
from isuwork.domain.catalog import load_catalog
from isuwork.domain.formatting import NBSP, format_number, format_percent, format_pvalue
from isuwork.present.criteria_counts import level_names, protect_counts, value_shown
from isuwork.privacy.publication import Protection

#: How a hidden count or share reads in a sentence (whatever the reason it is hidden).
HIDDEN = "visas inte"

_STEP2_REMINDER = (
    "Kom ihåg: även en skillnad som kan förklaras av kriterierna kan bidra till att "
    "ojämställdhet består. Resultatet är ett underlag för gruppens reflektion (steg 2) och "
    "slutsatser (steg 3)."
)


def reason(step: Step) -> str | None:
    """Why a step could not be tested, or only in part (None when it was fully tested)."""
    if step.uses_outcome is not None:
        return f"kriteriet bygger på utfallet {step.uses_outcome} självt och kan inte pröva det"
    if not step.missing:
        return None
    text = "uppgift saknas: " + variables_text(step.missing)
    if step.thin:
        share = format_percent(MIN_KNOWN_SHARE, decimals=0)
        which = "" if len(step.thin) == len(step.missing) else f"{variables_text(step.thin)}: "
        text += f" ({which}ifylld i färre än {share} av fallen i minst en av grupperna)"
    return text


def variables_text(variables: Sequence[str]) -> str:
    """Variables as they read in a sentence: their catalogue labels in lower case, joined."""
    catalog = load_catalog()
    return ", ".join(_lower_first(catalog.label(v)) for v in variables)


def _lower_first(text: str) -> str:
    # "Riskbedömning (BBIC)" → "riskbedömning (BBIC)"; an abbreviation such as "LSS" stays
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def group_label(group: str, level: str) -> str:
    """The Swedish label of a compared group (``kvinna`` → ``Kvinna``)."""
    return load_catalog().code_label(group, level)


def group_in_text(group: str, level: str) -> str:
    """A compared group as it reads inside a sentence: kön in the plural, lower case
    (``kvinna`` → ``kvinnor``), other groups by their label."""
    catalog = load_catalog()
    variable = catalog.variables.get(group)
    if variable is not None and level in variable.plural:
        return variable.plural[level].lower()
    return catalog.code_label(group, level)


def format_diff(value: float | None, outcome_type: OutcomeType) -> str:
    """A difference in words: percentage points for shares, the unit for means."""
    if value is None or not finite(value):
        return "–"
    if outcome_type == "share":
        return f"{format_number(value * 100, decimals=1)} procentenheter"
    return format_number(value, decimals=1)


def format_ci(est: Estimate, outcome_type: OutcomeType, alpha: float) -> str:
    """The interval as ``95 % KI låg till hög`` (``–`` when there is none)."""
    level = format_number((1 - alpha) * 100, decimals=0)
    if not (finite(est.ci_low) and finite(est.ci_high)):
        return f"{level}{NBSP}% KI –"
    scale = 100 if outcome_type == "share" else 1
    low = format_number(est.ci_low * scale, decimals=1)
    high = format_number(est.ci_high * scale, decimals=1)
    return f"{level}{NBSP}% KI {low} till {high}"


def format_estimate(est: Estimate, outcome_type: OutcomeType, alpha: float) -> str:
    """A difference with its interval in parentheses."""
    return f"{format_diff(est.diff, outcome_type)} ({format_ci(est, outcome_type, alpha)})"


def format_inline(est: Estimate, outcome_type: OutcomeType, alpha: float) -> str:
    """A difference with its interval for use inside a sentence's parentheses."""
    return f"{format_diff(est.diff, outcome_type)}; {format_ci(est, outcome_type, alpha)}"


def format_min_diff(result: CriteriaResult) -> str:
    """The smallest clear difference of the check, in words."""
    return format_diff(result.min_diff, result.outcome_type)


@dataclass(frozen=True)
class Message:
    """The verdict in words, in three parts a page can lay out apart.

    ``core`` says what the check found; ``cautions`` qualify it (flags, criteria that could not
    be tested or only in part); ``reminder`` is the closing reminder for step 2.
    """

    core: tuple[str, ...]
    cautions: tuple[str, ...]
    reminder: str = _STEP2_REMINDER

    def __str__(self) -> str:
        return " ".join((*self.core, *self.cautions, self.reminder))


def message(result: CriteriaResult, *, counts: Protection | None = None) -> str:
    """The Swedish verdict sentence: careful, names what is missing, ends with the reminder.

    ``counts`` is the protection of the result's counts (made here when not given).
    """
    return str(message_parts(result, counts=counts))


def message_parts(result: CriteriaResult, *, counts: Protection | None = None) -> Message:
    """The verdict sentence of :func:`message` in its parts (see :class:`Message`)."""
    counts = protect_counts(result) if counts is None else counts
    catalog = load_catalog()
    a, b = (group_in_text(result.group, level) for level in result.compare)
    what = catalog.label(result.outcome).lower()
    kind_type = result.outcome_type
    # the raw difference and one group's value would give the other's away
    shown = group_values_shown(result, counts)
    raw_text = format_inline(result.raw, kind_type, result.alpha) if shown else HIDDEN
    # a remaining difference rests on the same group values (with one stratum it is the raw)
    rem_text = format_inline(result.remaining, kind_type, result.alpha) if shown else HIDDEN
    applied = [s for s in result.steps if s.testable]
    applied_text = "; ".join(s.label.lower() for s in applied)
    parts: list[str] = []
    if result.verdict == "insufficient_data":
        sizes = ", ".join(
            f"{group_in_text(result.group, level)} {count_text(counts.count(('n', str(level))))}"
            for level in result.compare
        )
        rest = ", ".join(
            f"{group_in_text(result.group, level)} {count_text(counts.count(('last', str(level))))}"
            for level in result.remaining_by_group
        )
        parts.append(
            f"För lite data för en bedömning av {what} ({a} jämfört med {b}): antal fall "
            f"{sizes}; i den sista jämförelsen {rest}. Minst {result.min_group} fall per grupp "
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
            f"{format_min_diff(result)} när {'; '.join(by) or applied_text} tas med "
            f"({rem_text}); även med osäkerheten medräknad försvann minst hälften av den. "
            f"Enligt de uppgifter som finns kan skillnaden alltså ha en förklaring i "
            f"kriterierna. Det visar inte att den är motiverad i varje enskilt ärende, och en "
            f"förklarad skillnad kan ändå bidra till att ojämställdhet består, till exempel om "
            f"behov bedöms eller dokumenteras olika för {_plural(result, 0)} och "
            f"{_plural(result, 1)}."
        )
    elif result.verdict == "no_difference":
        parts.append(
            f"Data visar ingen skillnad av betydelse i {what} mellan {a} och {b}: både den råa "
            f"skillnaden ({raw_text}) och den kvarvarande ({rem_text}) ligger inom "
            f"±{format_diff(result.margin, kind_type)}. Mindre skillnader än så kan inte "
            f"uteslutas, och det visar inte att varje enskild person behandlas lika."
        )
    else:
        parts.extend(_uncertain_sentences(result, a, b, what, raw_text, rem_text))
    cautions = _flag_sentences(result, a, b, counts)
    for step in result.steps:
        if step.status == "not_testable":
            cautions.append(f"Kunde inte prövas: {step.label.lower()} – {reason(step)}.")
        elif step.missing:
            cautions.append(f"Prövades delvis: {step.label.lower()} – {reason(step)}.")
    return Message(tuple(parts), tuple(cautions))


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
    closer = (
        "genom att läsa akterna bakom skillnaden tillsammans och tala med handläggarna"
        if _from_review(result)
        else "genom aktgranskning"
    )
    parts.append(
        "Det är inte ett bevis: skillnaden kan bero på förhållanden som inte finns i data "
        f"och behöver granskas närmare, till exempel {closer}."
    )
    return parts


def _from_review(result: CriteriaResult) -> bool:
    """True when the outcome is an item of a case review (no review to suggest, then)."""
    catalog = load_catalog()
    return result.outcome in catalog and catalog.variable(result.outcome).role == "granskning"


def _uncertain_sentences(
    result: CriteriaResult, a: str, b: str, what: str, raw_text: str, rem_text: str
) -> list[str]:
    head = f"Kan inte avgöras med dessa data: {what}, {a} jämfört med {b}."
    margin = format_diff(result.margin, result.outcome_type)
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
        "Fler granskade ärenden kan ge ett säkrare svar."
        if _from_review(result)
        else "Fler fall (till exempel fler år) eller en aktgranskning kan ge ett säkrare svar.",
    ]


def _flag_sentences(result: CriteriaResult, a: str, b: str, counts: Protection) -> list[str]:
    """Sentences for the flags: varying differences, set-aside shares, thin strata."""
    parts = []
    het = result.heterogeneity
    if "heterogeneous" in result.flags and het is not None:
        shown = {
            s.stratum: counts.shows(*names.values())
            for s, names in zip(het.strata, level_names(result), strict=True)
        }
        named = [
            f"{stratum_text(s.stratum)}: {a if s.diff > 0 else b} högre"
            + (f" ({format_diff(s.diff, result.outcome_type)})" if shown[s.stratum] else "")
            for s in het.clear_strata
        ]
        parts.append(
            f"Skillnaden är inte densamma i alla behovsgrupper ({het_method(het.method)}, "
            f"{format_pvalue(het.p_value)})"
            + (
                f"; tydlig skillnad i {'; '.join(named)}."
                if named
                else ", men ingen enskild behovsgrupp visar en tydlig skillnad."
            )
        )
    for k, step in enumerate(result.steps):
        if (
            step.testable
            and "set_aside_differs" in result.flags
            and set_aside_differs(step, result.alpha)
        ):
            shares = ", ".join(
                f"{group_in_text(result.group, level)} "
                + share_text(share if counts.shows(("set_aside", k, str(level))) else None)
                for level, (_, share) in step.set_aside_by_group.items()
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


def share_text(share: float | None) -> str:
    """A set-aside share for a sentence, or ``visas inte`` when it is hidden."""
    return HIDDEN if share is None else format_percent(share)


def stratum_text(stratum: str) -> str:
    """A stratum name for a sentence, variables by their labels
    (``behov_max=2 · bedomt_behov=ja`` → ``Största bedömda svårighet (0–4): 2 · Bedömt behov av
    stöd: ja``, ``behovsgrupp=1 (lägst)`` → ``Behovsgrupp 1 (lägst)``).
    """
    catalog = load_catalog()
    parts = []
    for part in stratum.split(STRATUM_SEPARATOR):
        variable, sep, value = part.partition("=")
        if not sep:
            parts.append(part)
            continue
        if variable in catalog:
            parts.append(f"{catalog.label(variable)}: {catalog.code_label(variable, value)}")
        else:
            parts.append(f"{variable} {value}")
    return STRATUM_SEPARATOR.join(parts)


_HET_METHODS = {
    "breslow_day_tarone": "Breslow–Days test",
    "likelihood_ratio": "likelihoodkvottest för samspel mellan grupp och behovsnivå",
    "f_test": "F-test för samspel mellan grupp och behovsnivå",
    "cochran_q": "Cochrans Q",
}


def het_method(method: str) -> str:
    """The Swedish name of a homogeneity test."""
    return _HET_METHODS.get(method, method)


def notes(result: CriteriaResult, *, counts: Protection | None = None) -> list[str]:
    """Notes on the strata: cases without a need value, and strata with only one group."""
    counts = protect_counts(result) if counts is None else counts
    out: list[str] = []
    seen_unknown = False
    for k, step in enumerate(result.steps):
        if step.strata is None:
            continue
        if step.n_unknown_need and not seen_unknown:
            unknown = counts.count(("n_unknown_need", k))
            out.append(
                f"{'Några' if unknown is None else format_number(unknown)} fall saknar uppgift "
                f"om någon av {variables_text(step.variables)} och jämförs i en egen behovsgrupp "
                f"({UNKNOWN_STRATUM}){_how_many(unknown)}."
            )
            seen_unknown = True
        per_stratum = step.strata.drop_duplicates("stratum")
        lonely = per_stratum[~per_stratum["ingar"]]
        if len(lonely):
            alone = counts.count(("lonely", k))
            cases = "antalet fall visas inte" if alone is None else f"{format_number(alone)} fall"
            out.append(
                f"{step.label}: {len(lonely)} av {len(per_stratum)} grupper har bara den ena av "
                f"de jämförda grupperna ({cases}). De redovisas men kan inte ingå i jämförelsen."
            )
    return out


def _how_many(count: int | None) -> str:
    return "; antalet visas inte" if count is None else ""


def count_text(count: int | None) -> str:
    """A protected count for a sentence: ``visas inte`` when it is hidden."""
    return HIDDEN if count is None else format_number(count)


def group_values_shown(result: CriteriaResult, counts: Protection) -> bool:
    """Whether each compared group's share or mean may be shown."""
    return all(
        value_shown(result, counts, ("n", str(g)), ("antal", str(g))) for g in result.compare
    )


def capital(text: str) -> str:
    """The text with a capital first letter."""
    return text[:1].upper() + text[1:]
