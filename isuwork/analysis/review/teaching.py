"""The synthetic teaching set for case review (aktgranskning), after Botkyrka kommun's review.

Botkyrka kommun (2010) reviewed 100 home-care investigations, 50 of women and 50 of men, and
found sex patterns in who initiated the case, how hours changed after a new decision, which
interventions were granted, how long the investigations were under three headings and which
words described how the person felt. This module makes a fictitious kommun's version of that
review, for courses and tests: a case list of 400 investigations, the 100 drawn for review (50
women, 50 men, with :func:`~isuwork.analysis.review.sampling.draw_sample`), the review book as
the reviewers filled it in (blind), the key, one invented investigation text per reviewed case
and an answer key listing every planted pattern. Category and yes/no items are planted as exact
counts per sex (so that the equal items are exactly equal), hours, lengths and word counts at
random around planted means. Everything is synthetic: no personnummer, no names, pseudonymous
ids, texts assembled from sentences written for the purpose
(:mod:`~isuwork.analysis.review.teaching_texts`). The same seed writes the same bytes.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import yaml

from isuwork.analysis.review.sampling import CODE, Sample, draw_sample
from isuwork.analysis.review.teaching_texts import GRANTED_TEXT, THEMES, generate_review_texts
from isuwork.data.answer_key import DEFAULT_SEED
from isuwork.data.io import reproducible_xlsx, write_bytes, write_csv, write_text
from isuwork.data.review_book import REVIEW_SHEET, write_review_book, write_review_key
from isuwork.data.text_measures import measure_texts
from isuwork.domain.catalog import load_catalog
from isuwork.domain.shipped import sample_dir
from isuwork.domain.vocabulary import SEX

#: The folder (under the sample folder) and the files of the teaching set.
REVIEW_FOLDER = "aktgranskning"
CASES_NAME = "arenden.csv"
BOOK_NAME = "granskningsbok.xlsx"
KEY_NAME = "nyckel.xlsx"
TEXTS_FOLDER = "texter"
FACIT_REVIEW_NAME = "facit_aktgranskning.yaml"
#: The fictitious kommun, the size of its case list and of the review.
KOMMUN = "Exempelby"
LIST_SIZE = 400
REVIEWED = 100
#: The source every planted pattern follows.
SOURCE = "Botkyrka kommun 2010, aktgranskning av 100 utredningar"
#: How the coordinator draws the review: home care only, 50 per sex, background in proportion.
SAMPLE_FILTERS = {"insats": "hemtjanst"}
SAMPLE_STRATA = ("fodelseland",)

# --- planted values: counts of 50 per sex, each 0 or at least 5 (1–4 cases are hidden), the
# codes of initiativ at least 7 (so that hiding their small subgroups leaves the total shown) ---
_INITIATIVE = {
    "kvinna": {
        "egen": 14,
        "make_maka": 7,
        "dotter": 10,
        "annan_narstaende": 7,
        "vardplanering": 12,
    },
    "man": {"make_maka": 7, "annan_narstaende": 7, "vardplanering": 29, "annan": 7},
}
_YES = {  # item: (ja of 50 women, ja of 50 men)
    "insats_dusch": (34, 14),
    "insats_ledsagning": (5, 22),
    "insats_stadning": (40, 40),
    "insats_mat": (18, 18),
    "ansokte_om_minskning": (20, 5),
    "mal_angivna": (36, 36),
}
#: The largest assessed difficulty (0–4) by whether shower was granted: shower follows need
#: (in each level of need about as many women as men get it), escort does not. Counts of 50.
_NEED = {
    ("kvinna", True): {4: 12, 3: 20, 2: 1, 1: 1},
    ("kvinna", False): {4: 3, 3: 5, 2: 4, 1: 4},
    ("man", True): {4: 4, 3: 4, 2: 4, 1: 2},
    ("man", False): {4: 1, 3: 1, 2: 16, 1: 18},
}
#: Those who asked for less applied for less than they were granted; the others as here.
_COMPARED = {
    "kvinna": {"mindre": 24, "samma": 18, "mer": 8},
    "man": {"mindre": 8, "samma": 34, "mer": 8},
}
_GOALS = {1: 14, 2: 15, 3: 7}  # number of goals where goals are stated, the same for both
#: Hours per month before the decision: mean by (kön, born outside Europe); sd 10.
_HOURS_BEFORE = {("kvinna", False): 32, ("kvinna", True): 62, ("man", False): 34, ("man", True): 36}
#: Change in hours after the decision (mean, sd) unless the person asked for less.
_HOURS_CHANGE = {"kvinna": (3.0, 5.0), "man": (13.0, 6.0)}
#: Words under each heading: (mean, sd, low, high) per sex.
_LENGTHS = {
    "ansokan": {s: (38, 5, 32, 52) for s in ("kvinna", "man")},
    "bakgrund": {s: (30, 5, 24, 44) for s in ("kvinna", "man")},
    "social_situation": {"kvinna": (47, 9, 38, 72), "man": (84, 12, 62, 118)},
    "aktuellt_tillstand": {"kvinna": (62, 7, 50, 82), "man": (70, 7, 56, 90)},
    "halsotillstand": {"kvinna": (54, 7, 42, 72), "man": (61, 7, 48, 80)},
    "bedomning": {s: (60, 7, 48, 78) for s in ("kvinna", "man")},
}
#: Theme words per text: probabilities of 0, 1, 2 … per sex (ensamhet: the same numbers for both).
_THEME_P = {
    "otrygghet": {"kvinna": (0.04, 0.16, 0.3, 0.28, 0.15, 0.07), "man": (0.4, 0.4, 0.16, 0.04)},
    "trotthet": {"kvinna": (0.6, 0.32, 0.08), "man": (0.04, 0.2, 0.35, 0.28, 0.13)},
    "positiva": {"kvinna": (0.06, 0.24, 0.36, 0.24, 0.1), "man": (0.35, 0.45, 0.2)},
    "ensamhet": {"kvinna": (0.35, 0.4, 0.2, 0.05)},
}
_AGE_P = {"kvinna": (0.12, 0.16, 0.24, 0.26, 0.22), "man": (0.2, 0.22, 0.24, 0.2, 0.14)}
_AGE_BANDS = ("65-74", "75-79", "80-84", "85-89", "90+")
_ALONE_P = {"kvinna": 0.62, "man": 0.38}
_OTHER_INSATS = ("trygghetslarm", "dagverksamhet", "matdistribution", "korttid")
_ENHETER = ("Norra", "Södra", "Centrum")


def _multiset(rng: np.random.Generator, counts: dict[Any, int], n: int) -> np.ndarray:
    """``counts`` (scaled to ``n`` by largest remainders) as a shuffled array of ``n`` values."""
    values = list(counts)
    raw = np.array([counts[v] for v in values], dtype=float) * n / sum(counts.values())
    taken = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - taken), kind="stable")[: n - taken.sum()]:
        taken[k] += 1
    return rng.permutation(np.repeat(np.array(values, dtype=object), taken))


def generate_case_list(*, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The kommun's case list (400 elderly-care investigations) that the review is drawn from.

    350 are home care (200 women, 150 men, 14 % of each born outside Europe), 50 other elderly
    care. Ids (``A0001`` …) are given in a random order, so they say nothing about kön.
    """
    rng = np.random.default_rng(seed)
    groups = [("kvinna", True, 200, 28), ("man", True, 150, 21)]
    groups += [("kvinna", False, 30, 3), ("man", False, 20, 2)]
    frames = []
    for kon, home_care, size, foreign in groups:
        born = np.array(["utanfor_europa"] * foreign + ["sverige"] * (size - foreign), object)
        other = rng.choice(np.array(_OTHER_INSATS, dtype=object), size=size)
        frames.append(
            pd.DataFrame(
                {
                    "kon": kon,
                    "aldersgrupp": rng.choice(np.array(_AGE_BANDS), size=size, p=_AGE_P[kon]),
                    "fodelseland": rng.permutation(born),
                    "hushall": np.where(
                        rng.random(size) < _ALONE_P[kon], "ensamboende", "sammanboende"
                    ),
                    "insats": "hemtjanst" if home_care else other,
                }
            )
        )
    cases = pd.concat(frames, ignore_index=True)
    cases = cases.iloc[rng.permutation(len(cases))].reset_index(drop=True)
    size = len(cases)
    days = pd.to_timedelta(rng.integers(0, 365, size), unit="D")
    cases.insert(0, "utredning_id", [f"A{k:04d}" for k in range(1, size + 1)])
    cases.insert(1, "kommun", KOMMUN)
    cases.insert(2, "enhet", [f"{KOMMUN} {e}" for e in rng.choice(_ENHETER, size=size)])
    cases.insert(3, "verksamhet", "aldreomsorg")
    cases.insert(4, "lagrum", "sol")
    cases.insert(5, "arendetyp", np.where(rng.random(size) < 0.6, "omprovning", "ny"))
    cases.insert(6, "datum_beslut", (pd.Timestamp("2023-01-02") + days).strftime("%Y-%m-%d"))
    return cases.astype("string")


def draw_review(cases: pd.DataFrame, *, seed: int = DEFAULT_SEED) -> Sample:
    """Draw the 100 cases as a coordinator would: home care only, 50 per sex, country of birth
    in proportion within each (so 7 women and 7 men born outside Europe, as in Botkyrka's
    footnotes).

    Parameters
    ----------
    cases
        The case list (:func:`generate_case_list`, or ``arenden.csv`` read back and prepared:
        the same list and seed give the same sample).
    seed
        The seed of :func:`~isuwork.analysis.review.sampling.draw_sample`.
    """
    return draw_sample(
        cases, REVIEWED, seed=seed, per=(SEX,), strata=SAMPLE_STRATA, filters=SAMPLE_FILTERS
    )


def generate_review_cases(*, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The 100 reviewed cases with the review items filled in as a reviewer would, planted.

    Returns
    -------
    pandas.DataFrame
        One row per reviewed case, ordered by ``granskningskod``: the case list's columns, the
        review items as codes (yes/no as ``ja``/``nej``, hours as numbers) and what the texts
        are written to: ``ord_<heading>`` (words under each heading but Mål) and
        ``tema_<theme>`` (words of each theme).
    """
    return _plant(draw_review(generate_case_list(seed=seed), seed=seed).cases, seed=seed)


def _plant(cases: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 1)
    out = cases.copy()
    columns: dict[str, np.ndarray] = {}
    size = len(out)
    for name in [
        "initiativ",
        "behov_max",
        "ansokan_jamfort",
        *_YES,
        "antal_mal",
        "timmar_fore",
        "timmar_efter",
        "antal_insatser_fore",
        "antal_insatser_efter",
        *(f"ord_{h}" for h in _LENGTHS),
        *(f"tema_{t}" for t in THEMES),
    ]:
        columns[name] = np.empty(size, dtype=object)
    sexes = out[SEX].astype("string").to_numpy()
    for position, kon in enumerate(("kvinna", "man")):
        rows = np.flatnonzero(sexes == kon)
        n = len(rows)
        together = (out["hushall"].to_numpy()[rows] == "sammanboende").astype(bool)
        foreign = (out["fodelseland"].to_numpy()[rows] == "utanfor_europa").astype(bool)
        columns["initiativ"][rows] = _initiative(rng, _INITIATIVE[kon], together)
        flags = {}
        for item, yes in _YES.items():
            flags[item] = _multiset(rng, {True: yes[position], False: 50 - yes[position]}, n)
            flags[item] = flags[item].astype(bool)
            columns[item][rows] = np.where(flags[item], "ja", "nej")
        shower = flags["insats_dusch"]
        need = np.zeros(n, dtype=int)
        for granted in (True, False):
            where = shower == granted
            need[where] = _multiset(rng, _NEED[(kon, granted)], int(where.sum()))
        columns["behov_max"][rows] = need
        less = flags["ansokte_om_minskning"]
        compared = np.full(n, "mindre", dtype=object)
        counts = dict(_COMPARED[kon])
        counts["mindre"] = max(counts["mindre"] - int(less.sum()), 0)
        compared[~less] = _multiset(rng, counts, int((~less).sum()))
        columns["ansokan_jamfort"][rows] = compared
        goals = np.zeros(n, dtype=int)
        goals[flags["mal_angivna"]] = _multiset(rng, _GOALS, int(flags["mal_angivna"].sum()))
        columns["antal_mal"][rows] = goals
        before = np.array([_HOURS_BEFORE[(kon, bool(f))] for f in foreign], dtype=float)
        before = np.clip(rng.normal(before, 10.0), 6, 120)
        mean, sd = _HOURS_CHANGE[kon]
        change = np.where(less, -rng.uniform(2, 8, n), rng.normal(mean, sd, n))
        before = np.round(before * 2) / 2
        after = np.round(np.clip(before + change, 2, 160) * 2) / 2
        columns["timmar_fore"][rows], columns["timmar_efter"][rows] = before, after
        granted = sum(flags[i].astype(int) for i in GRANTED_TEXT)
        later = granted + _multiset(rng, {1: 20, 2: 20, 3: 10}, n).astype(int)
        step = np.select([after - before >= 15, after - before >= 6, after < before], [2, 1, -1], 0)
        columns["antal_insatser_efter"][rows] = later
        columns["antal_insatser_fore"][rows] = np.maximum(later - step, 1)
        for heading, by_sex in _LENGTHS.items():
            mean, sd, low, high = by_sex[kon]
            words = np.clip(np.round(rng.normal(mean, sd, n)), low, high).astype(int)
            columns[f"ord_{heading}"][rows] = words
        for theme in THEMES:
            if theme == "ensamhet":  # the same numbers for both sexes
                p = _THEME_P[theme]["kvinna"]
                counts = {k: round(50 * q) for k, q in enumerate(p)}
                columns[f"tema_{theme}"][rows] = _multiset(rng, counts, n)
            else:
                p = np.array(_THEME_P[theme][kon])
                columns[f"tema_{theme}"][rows] = rng.choice(len(p), size=n, p=p / p.sum())
    for name, values in columns.items():
        if name.startswith(("ord_", "tema_", "antal_", "behov_")):
            out[name] = pd.array(values.astype(int), dtype="Int64")
        elif name.startswith("timmar_"):
            out[name] = values.astype(float)
        else:
            out[name] = pd.array(values.astype(str), dtype="string")
    return out


def _initiative(
    rng: np.random.Generator, counts: dict[str, int], together: np.ndarray
) -> np.ndarray:
    """Who initiated each case; a spouse only where the person lives with one."""
    codes = _multiset(rng, counts, len(together))
    spouse = codes == "make_maka"
    homes = np.flatnonzero(together)
    if len(homes) < spouse.sum():
        return codes
    out = np.empty(len(codes), dtype=object)
    chosen = rng.choice(homes, size=int(spouse.sum()), replace=False)
    out[chosen] = "make_maka"
    rest = np.setdiff1d(np.arange(len(codes)), chosen)
    out[rest] = rng.permutation(codes[~spouse])
    return out


#: The answer key's patterns: id | utfall | niva | riktning | titel.
_PATTERNS = """
initiativ_egen | initiativ | egen | kvinnor_hogre | Kvinnor tar oftare själva initiativ till ärendet, ingen man gör det
initiativ_vardplanering | initiativ | vardplanering | man_hogre | Mäns ärenden väcks oftast vid en vårdplanering
initiativ_dotter | initiativ | dotter | kvinnor_hogre | Döttrar tar oftare initiativ för sin mamma än för sin pappa
initiativ_son | initiativ | son | ingen_skillnad | Söner tar aldrig initiativ till ärendet
initiativ_make_maka | initiativ | make_maka | ingen_skillnad | Make eller maka tar initiativ lika ofta
timmar_okar_for_man | timmar_forandring | | man_hogre | Mäns beviljade timmar ökar mer efter det nya beslutet
ansoker_om_minskning | ansokte_om_minskning | | kvinnor_hogre | Kvinnor ansöker oftare om minskade insatser
ansoker_om_mindre | ansokan_jamfort | mindre | kvinnor_hogre | Kvinnor ansöker oftare om mindre än det som beviljas
ledsagning | insats_ledsagning | | man_hogre | Män beviljas oftare ledsagning
dusch | insats_dusch | | kvinnor_hogre | Kvinnor beviljas oftare dusch
stadning | insats_stadning | | ingen_skillnad | Städning beviljas lika ofta
mat | insats_mat | | ingen_skillnad | Hjälp med måltider beviljas lika ofta
mal_angivna | mal_angivna | | ingen_skillnad | Mål för insatsen anges lika ofta
ord_social_situation | ord_social_situation | | man_hogre | Mäns utredningar är längre under Social situation
ord_aktuellt_tillstand | ord_aktuellt_tillstand | | man_hogre | Mäns utredningar är något längre under Aktuellt tillstånd
ord_halsotillstand | ord_halsotillstand | | man_hogre | Mäns utredningar är något längre under Hälsotillstånd
tema_otrygghet | tema_otrygghet | | kvinnor_hogre | Kvinnor beskrivs som osäkra, otrygga, oroliga och rädda
tema_trotthet | tema_trotthet | | man_hogre | Män beskrivs som trötta och orkeslösa
tema_ensamhet | tema_ensamhet | | ingen_skillnad | Ensamhet och isolering beskrivs lika ofta
tema_positiva | tema_positiva | | kvinnor_hogre | Kvinnor beskrivs oftare i positiva ord (nöjd, trygg, glad, stark)
"""


def review_answer_key(*, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The answer key (facit) of the teaching set: one entry per planted pattern.

    Each entry has ``id``, ``titel``, ``kalla``, ``utfall`` (the column of the read-back review),
    ``niva`` (the code, for a category outcome), ``riktning`` (``kvinnor_hogre``, ``man_hogre``
    or ``ingen_skillnad``: women's share or mean against men's) and ``planterat`` (what was
    planted per sex: a share of 50, or a mean). The last two (Botkyrka's footnote: women born
    abroad have more hours) compare within the background (``bakgrund``, ``niva_bakgrund``;
    women there also above women at ``jamfor_niva_bakgrund``); with 7 cases per sex they need
    not be significant. ``kriterier`` lists the criteria checks of two decisions with the
    verdicts the planted need allows (``forvantat_utfall``): shower follows the largest assessed
    difficulty (``behov_max``), escort does not.
    """
    patterns = []
    for line in _PATTERNS.strip().splitlines():
        id_, outcome, level, direction, title = (part.strip() for part in line.split("|"))
        entry: dict[str, Any] = {"id": id_, "titel": title, "kalla": SOURCE, "utfall": outcome}
        entry |= {"niva": level} if level else {}
        entry |= {"riktning": direction, "planterat": _planted(outcome, level)}
        patterns.append(entry)
    for outcome, when in (("timmar_fore", "före"), ("timmar_efter", "efter")):
        planted = {
            f"{s}_{land}": float(_HOURS_BEFORE[(s, land == "utanfor_europa")])
            for s in ("kvinna", "man")
            for land in ("sverige", "utanfor_europa")
        }
        patterns.append(
            {
                "id": f"utrikes_fodda_kvinnor_{outcome}",
                "titel": f"Kvinnor födda utanför Europa har fler timmar {when} beslutet",
                "kalla": SOURCE,
                "utfall": outcome,
                "riktning": "kvinnor_hogre",
                "bakgrund": "fodelseland",
                "niva_bakgrund": "utanfor_europa",
                "jamfor_niva_bakgrund": "sverige",
                "planterat": planted,
            }
        )
    checks = [
        {
            "id": "dusch_efter_behov",
            "titel": "Fler kvinnor får dusch, men de har också oftare stora svårigheter",
            "kalla": SOURCE,
            "utfall": "insats_dusch",
            "forvantat_utfall": ["uncertain", "explained"],
        },
        {
            "id": "ledsagning_trots_behov",
            "titel": "Fler män får ledsagning, också när behoven hålls lika",
            "kalla": SOURCE,
            "utfall": "insats_ledsagning",
            "forvantat_utfall": ["risk_unmotivated"],
        },
    ]
    return {
        "seed": seed,
        "kommun": KOMMUN,
        "beskrivning": (
            "Facit till övningsmaterialet för aktgranskning. Allt är påhittat: 400 ärenden i "
            f"{KOMMUN}, varav 100 granskade (50 kvinnor, 50 män; 7 av varje kön födda utanför "
            "Europa). Mönstren är planterade efter Botkyrkas aktgranskning. Riktningen jämför "
            "kvinnors andel eller medelvärde med mäns. Planterat är andelen av 50 eller det "
            "medelvärde som slumpen utgår från (timmar före beslutet för mönstren om bakgrund)."
        ),
        "patterns": patterns,
        "kriterier": checks,
    }


def load_review_answer_key(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read ``facit_aktgranskning.yaml`` (the one that comes with isuwork by default)."""
    file = Path(path) if path else sample_dir() / REVIEW_FOLDER / FACIT_REVIEW_NAME
    return yaml.safe_load(file.read_text(encoding="utf-8"))


def _planted(outcome: str, level: str) -> dict[str, float]:
    """What was planted for an outcome, per sex: a share of 50 or the mean drawn around."""
    out = {}
    for position, sex in enumerate(("kvinna", "man")):
        if outcome in ("initiativ", "ansokan_jamfort"):
            table = _INITIATIVE if outcome == "initiativ" else _COMPARED
            value = table[sex].get(level, 0) / 50
        elif outcome in _YES:
            value = _YES[outcome][position] / 50
        elif outcome == "timmar_forandring":  # those who asked for less lose 5 on average
            less = _YES["ansokte_om_minskning"][position] / 50
            value = (1 - less) * _HOURS_CHANGE[sex][0] - less * 5
        elif outcome.startswith("ord_"):
            value = _LENGTHS[outcome.removeprefix("ord_")][sex][0]
        else:
            by_sex = _THEME_P[outcome.removeprefix("tema_")]
            p = np.array(by_sex.get(sex, by_sex["kvinna"]))
            p = np.round(50 * p) if outcome == "tema_ensamhet" else p  # exact counts
            value = np.dot(np.arange(len(p)), p) / p.sum()
        out[sex] = round(float(value), 2)
    return out


def write_review_sample(out_dir: str | os.PathLike[str], *, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the teaching set into ``out_dir/aktgranskning/`` and return the files written.

    ``arenden.csv`` (the case list), ``granskningsbok.xlsx`` (the blind review book, filled in),
    ``nyckel.xlsx`` (the key), ``texter/<granskningskod>.txt`` (UTF-8) and
    ``facit_aktgranskning.yaml``. The same seed writes the same bytes.
    """
    folder = Path(out_dir) / REVIEW_FOLDER
    listing = generate_case_list(seed=seed)
    cases = _plant(draw_review(listing, seed=seed).cases, seed=seed)
    texts = generate_review_texts(cases, seed=seed)
    written = [write_csv(listing, folder / CASES_NAME)]
    written.append(_write_filled_book(cases, texts, folder / BOOK_NAME))
    key = write_review_key(cases, folder / KEY_NAME)
    written.append(write_bytes(reproducible_xlsx(key.read_bytes()), key))
    for code, text in texts.items():
        written.append(write_text(text, folder / TEXTS_FOLDER / f"{code}.txt"))
    facit = yaml.safe_dump(
        review_answer_key(seed=seed), allow_unicode=True, sort_keys=False, width=100
    )
    written.append(write_text(facit, folder / FACIT_REVIEW_NAME))
    return written


def _write_filled_book(cases: pd.DataFrame, texts: dict[str, str], path: Path) -> Path:
    """The blind review book, filled in as the reviewers would (words as counted in the texts);
    its lists and number checks kept."""
    write_review_book(cases, path, blind=True)
    catalog = load_catalog()
    counted = measure_texts(texts)
    book = openpyxl.load_workbook(path)
    sheet = book[REVIEW_SHEET]
    names = [cell.value for cell in sheet[2]]
    by_code = cases.set_index(CODE)
    for row in range(3, sheet.max_row + 1):
        code = sheet.cell(row=row, column=names.index(CODE) + 1).value
        for column, name in enumerate(names, start=1):
            if name in counted:
                value: Any = int(counted.at[code, name])
            elif name in catalog.review_items and name in by_code:
                value = _cell(catalog.variable(name).type, name, by_code.at[code, name])
            else:
                continue
            sheet.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return write_bytes(reproducible_xlsx(buffer.getvalue()), path)


def _cell(kind: str, name: str, value: Any) -> Any:
    """A value as a reviewer enters it: a list's label, Ja/Nej, a number."""
    if kind == "code":
        return load_catalog().code_label(name, value)
    if kind == "yesno":
        return "Ja" if value == "ja" else "Nej"
    number = float(value)
    return int(number) if number.is_integer() else number
