"""Synthetic ISU data with planted, documented patterns, for workshops, courses and tests.

The generator makes investigations (utredningar) in fictitious kommuner for äldreomsorg, LSS and
socialpsykiatri, calibrated to published figures (about 59 % men among people with LSS
interventions, 60–70 % women among elderly-care users). Some sex differences are planted so that
they vanish when need, another way of meeting the need, or the client's wishes are taken into
account; others remain (among them the three findings of Vård- och omsorgsanalys 2022). The
answer key lists every planted pattern. No personnummer are generated: ids are pseudonyms.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from tqdm.auto import tqdm

from isuwork.data.answer_key import (
    DEFAULT_SEED,
    FACIT_NAME,
    KOMMUNER,
    LOW_CULTURE,
    answer_key,
)
from isuwork.data.io import write_csv, write_excel, write_text
from isuwork.domain.shipped import sample_dir

CSV_NAME = "isu_exempel.csv"
XLSX_NAME = "export_exempel.xlsx"
#: The mapping of the xlsx export's headers and codes: written by hand, shipped with the sample
#: and copied by :func:`write_sample`, so that a recreated sample folder is complete.
MAPPING_NAME = "mapping_exempel.yaml"

#: The share of life areas investigated in each fictitious kommun.
_AREA_RATE = {"Exempelby": 0.85, "Granåker": 0.8, LOW_CULTURE: 0.45, "Tallmora": 0.8}
_ENHETER = ("Norra", "Södra", "Centrum")
_OMRADEN = ("Centrum", "Ängen", "Hagen", "Backa", "Strand")

_AREAS = (
    "lo_d1",
    "lo_d2",
    "lo_d3",
    "lo_d4",
    "lo_d5",
    "lo_d6",
    "lo_d7",
    "lo_d8",
    "lo_d9",
    "lo_trygghet",
)
_ELDER_APPLY = {
    "hemtjanst": 0.40,
    "sarskilt_boende": 0.20,
    "trygghetslarm": 0.15,
    "dagverksamhet": 0.10,
    "korttid": 0.05,
    "matdistribution": 0.05,
    "ledsagning": 0.05,
}
_LSS_APPLY = {
    f"lss{i}": w for i, w in zip(range(1, 11), (4, 8, 12, 14, 6, 12, 6, 3, 15, 20), strict=True)
}
_PSYK_APPLY = {"boendestod": 0.5, "sysselsattning": 0.3, "kontaktperson_sol": 0.2}
#: P(granted | need level 0..4), the same for everyone unless a pattern says otherwise.
_BASE_GRANT = np.array([0.15, 0.45, 0.70, 0.85, 0.93])
_PSYK_GRANT = np.array([0.20, 0.40, 0.60, 0.75, 0.85])


def _choice(
    rng: np.random.Generator,
    options: dict[str, float] | Sequence[str],
    size: int,
    p: Sequence[float] | None = None,
) -> np.ndarray:
    if isinstance(options, dict):
        keys = list(options)
        weights = np.array(list(options.values()), dtype=float)
    else:
        keys = list(options)
        weights = np.ones(len(keys)) if p is None else np.asarray(p, dtype=float)
    return rng.choice(np.array(keys, dtype=object), size=size, p=weights / weights.sum())


def _need(rng: np.random.Generator, probs: Sequence[float], size: int) -> np.ndarray:
    return rng.choice(5, size=size, p=np.asarray(probs) / np.sum(probs))


def _kommun_names(kommuner: int | Sequence[str]) -> list[str]:
    if not isinstance(kommuner, int):
        return list(kommuner)
    if kommuner <= len(KOMMUNER):
        return list(KOMMUNER[:kommuner])
    return list(KOMMUNER) + [f"Testkommun {i:03d}" for i in range(len(KOMMUNER) + 1, kommuner + 1)]


def generate_sample(
    *,
    seed: int = DEFAULT_SEED,
    kommuner: int | Sequence[str] = 4,
    rows_per_kommun: int = 3000,
    years: Sequence[int] = (2023, 2024),
    progress: bool = False,
) -> pd.DataFrame:
    """Generate synthetic investigations with the planted patterns of :func:`answer_key`.

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed gives the same data.
    kommuner
        How many fictitious kommuner (or their names).
    rows_per_kommun
        Investigations per kommun.
    years
        Decision years (spread evenly).
    progress
        Show a progress bar over the generation steps.

    Returns
    -------
    DataFrame
        Values as they stand in a file: codes as text, yes/no as ``ja``/``nej``, ISO dates,
        empty cells as missing. Derived variables (``beviljad``, ``behov_max`` …) are left to
        :func:`isuwork.data.prepare.prepare`.
    """
    rng = np.random.default_rng(seed)
    names = _kommun_names(kommuner)
    size = len(names) * rows_per_kommun
    steps = tqdm(total=5, desc="Exempeldata", disable=not progress)
    df = _background(rng, names, rows_per_kommun, years)
    steps.update(1)
    need = _need_levels(rng, df)
    _life_areas(rng, df, need)
    steps.update(1)
    granted = _decisions(rng, df, need)
    steps.update(1)
    _participation(rng, df)
    steps.update(1)
    _results(rng, df, need, granted)
    steps.update(1)
    steps.close()
    df.insert(0, "utredning_id", [f"U{i:07d}" for i in range(1, size + 1)])
    return df.drop(columns=["_alder"]).astype("string")


def _background(
    rng: np.random.Generator, names: list[str], per: int, years: Sequence[int]
) -> pd.DataFrame:
    size = len(names) * per
    kommun = np.repeat(np.array(names, dtype=object), per)
    verksamhet = _choice(rng, {"aldreomsorg": 0.55, "lss": 0.25, "socialpsykiatri": 0.20}, size)
    women_share = np.select(
        [verksamhet == "aldreomsorg", verksamhet == "lss"], [0.65, 0.41], default=0.5
    )
    kon = np.where(rng.random(size) < women_share, "kvinna", "man").astype(object)
    age = np.empty(size)
    elder = verksamhet == "aldreomsorg"
    older = np.where(kon == "kvinna", 17.0, 13.0)
    age[elder] = 65 + rng.exponential(older[elder])
    young = elder & (rng.random(size) < 0.05)
    age[young] = rng.integers(50, 65, size=young.sum())
    lss = verksamhet == "lss"
    band = rng.choice(3, size=size, p=[0.28, 0.62, 0.10])
    age[lss] = np.select(
        [band == 0, band == 1],
        [rng.integers(3, 23, size), rng.integers(23, 65, size)],
        default=rng.integers(65, 85, size),
    )[lss]
    psyk = verksamhet == "socialpsykiatri"
    age[psyk] = rng.integers(18, 80, size=psyk.sum())
    age = np.clip(np.floor(age), 0, 105).astype(int)

    year = rng.choice(np.asarray(years), size=size)
    days = np.clip(rng.gamma(2.0, 14.0, size).round(), 1, 300).astype(int)
    # start early enough that the decision falls in the same year
    offset = (rng.random(size) * (365 - days)).astype(int)
    start = pd.to_datetime([f"{y}-01-01" for y in year]) + pd.to_timedelta(offset, unit="D")
    decided = start + pd.to_timedelta(days, unit="D")

    enhet_idx = rng.integers(0, len(_ENHETER), size)
    df = pd.DataFrame(
        {
            "person_id": [f"P{i:07d}" for i in rng.permutation(size) + 1],
            "kommun": kommun,
            "enhet": [f"{k} {_ENHETER[i]}" for k, i in zip(kommun, enhet_idx, strict=True)],
            "verksamhet": verksamhet,
            "lagrum": np.where(lss, "lss", "sol"),
            "arendetyp": _choice(rng, {"ny": 0.7, "omprovning": 0.3}, size),
            "datum_aktualisering": start.strftime("%Y-%m-%d"),
            "datum_beslut": decided.strftime("%Y-%m-%d"),
            "kon": kon,
            "alder": age,
            "_alder": age,
            "fodelseland": _choice(
                rng,
                {
                    "sverige": 0.78,
                    "norden": 0.04,
                    "europa": 0.08,
                    "utanfor_europa": 0.09,
                    "okant": 0.01,
                },
                size,
            ),
            "bostadsomrade": _choice(rng, _OMRADEN, size),
            "utbildning": _choice(
                rng,
                {"forgymnasial": 0.35, "gymnasial": 0.40, "eftergymnasial": 0.2, "okand": 0.05},
                size,
            ),
            "inkomstkvintil": _choice(
                rng,
                ["q1", "q2", "q3", "q4", "q5", "okand"],
                size,
                p=[0.26, 0.24, 0.2, 0.14, 0.11, 0.05],
            ),
            "hushall": np.where(
                rng.random(size) < np.where(kon == "kvinna", 0.65, 0.40),
                "ensamboende",
                "sammanboende",
            ),
        }
    )
    df.loc[age < 18, ["utbildning", "inkomstkvintil", "hushall"]] = None
    # Botkyrka: who initiated the case differs by sex (men almost never their own case)
    women_init = {
        "egen": 25,
        "make_maka": 10,
        "dotter": 30,
        "son": 10,
        "annan_narstaende": 5,
        "vardplanering": 15,
        "annan": 5,
    }
    men_init = {
        "egen": 2,
        "make_maka": 38,
        "dotter": 25,
        "son": 12,
        "annan_narstaende": 5,
        "vardplanering": 13,
        "annan": 5,
    }
    df["initiativ"] = np.where(
        kon == "kvinna", _choice(rng, women_init, size), _choice(rng, men_init, size)
    )
    df.loc[~elder, "initiativ"] = _choice(
        rng, {"egen": 50, "annan_narstaende": 30, "annan": 20}, size
    )[~elder]
    ident = np.full(size, None, dtype=object)
    asked = rng.random(size) < 0.03
    ident[asked] = kon[asked]
    other = asked & (rng.random(size) < 0.15)
    ident[other] = _choice(rng, ["annan", "vill_ej_uppge"], size)[other]
    df["konsidentitet"] = ident
    apply = np.empty(size, dtype=object)
    apply[elder] = _choice(rng, _ELDER_APPLY, size)[elder]
    apply[lss] = _choice(rng, _LSS_APPLY, size)[lss]
    apply[psyk] = _choice(rng, _PSYK_APPLY, size)[psyk]
    df["ansokt_insats"] = apply
    return df


def _need_levels(rng: np.random.Generator, df: pd.DataFrame) -> np.ndarray:
    """Assessed need 0–4 (behov_max); its distribution by sex is part of some patterns."""
    size = len(df)
    woman = (df["kon"] == "kvinna").to_numpy()
    apply = df["ansokt_insats"].to_numpy()
    verksamhet = df["verksamhet"].to_numpy()
    common = [0.08, 0.2, 0.32, 0.25, 0.15]
    need = _need(rng, common, size)
    # särskilt boende: women apply at higher need (they are older) -> explained by need
    sb = apply == "sarskilt_boende"
    need[sb & woman] = _need(rng, [0.01, 0.04, 0.15, 0.35, 0.45], size)[sb & woman]
    need[sb & ~woman] = _need(rng, [0.10, 0.25, 0.35, 0.20, 0.10], size)[sb & ~woman]
    # socialpsykiatri: men have higher need, so equal raw shares hide a gap at equal need
    psyk = verksamhet == "socialpsykiatri"
    need[psyk & woman] = _need(rng, [0.25, 0.30, 0.25, 0.15, 0.05], size)[psyk & woman]
    need[psyk & ~woman] = _need(rng, [0.08, 0.24, 0.30, 0.21, 0.17], size)[psyk & ~woman]
    return need


def _life_areas(rng: np.random.Generator, df: pd.DataFrame, need: np.ndarray) -> None:
    """Investigated life areas: one at the need level, others at or below it; how many areas
    are investigated depends on the kommun's investigation culture."""
    size = len(df)
    rate = df["kommun"].map(_AREA_RATE).fillna(0.8).to_numpy()
    investigated = rng.random((size, len(_AREAS))) < rate[:, None]
    top = rng.integers(0, len(_AREAS), size)
    investigated[np.arange(size), top] = True
    levels = np.minimum(need[:, None], rng.integers(0, 5, (size, len(_AREAS))))
    levels[np.arange(size), top] = need
    for j, name in enumerate(_AREAS):
        df[name] = np.where(investigated[:, j], levels[:, j].astype(object), None)
    df["bedomt_behov"] = np.where(rng.random(size) < np.where(need >= 1, 0.95, 0.2), "ja", "nej")


def _decisions(rng: np.random.Generator, df: pd.DataFrame, need: np.ndarray) -> np.ndarray:
    size = len(df)
    woman = (df["kon"] == "kvinna").to_numpy()
    apply = df["ansokt_insats"].to_numpy()
    verksamhet = df["verksamhet"].to_numpy()
    age = df["_alder"].to_numpy()
    p = _BASE_GRANT[need].copy()
    psyk = verksamhet == "socialpsykiatri"
    p[psyk] = _PSYK_GRANT[need][psyk] - np.where(woman, 0.0, 0.12)[psyk]
    lss_adult = (verksamhet == "lss") & (age >= 23)
    p[lss_adult & woman] = np.minimum(p[lss_adult & woman] + 0.15, 0.98)

    # another way of meeting the need: a spouse at home, mostly for men applying for hemtjänst
    hemtjanst = apply == "hemtjanst"
    anhorig_rate = np.where(hemtjanst, np.where(woman, 0.08, 0.35), 0.04)
    anhorig = rng.random(size) < anhorig_rate
    natverk = rng.random(size) < 0.03
    annan = rng.random(size) < 0.04
    another_way = anhorig | natverk | annan
    p[another_way] = 0.15
    df["tillgodoses_anhorig"] = np.where(anhorig, "ja", "nej")
    df["tillgodoses_natverk"] = np.where(natverk, "ja", "nej")
    df["tillgodoses_annan_verksamhet"] = np.where(annan, "ja", "nej")

    # the client's wishes: men decline a trygghetslarm more often
    larm = apply == "trygghetslarm"
    decline_rate = np.where(larm, np.where(woman, 0.05, 0.30), 0.03)
    declines = rng.random(size) < decline_rate
    unsure = ~declines & (rng.random(size) < 0.04)
    p[declines] = 0.05
    df["onskar_insats"] = np.where(declines, "nej", np.where(unsure, "vet_ej", "ja"))
    df["onskemal_tillvaratagna"] = _choice(rng, {"ja": 0.75, "nej": 0.1, "ej_aktuellt": 0.15}, size)
    child = age < 18
    consent = _choice(
        rng,
        {
            "finns_alla_vardnadshavare": 0.85,
            "finns_barn_over_15": 0.1,
            "saknas_en_vardnadshavare": 0.05,
        },
        size,
    )
    df["samtycke"] = np.where(child, consent, None)
    df["risk_bedomning"] = None

    granted = rng.random(size) < np.clip(p, 0.0, 1.0)
    partly = granted & (rng.random(size) < 0.2)
    df["beslut"] = np.where(granted, np.where(partly, "delvis_bifall", "bifall"), "avslag")
    df["insats"] = np.where(granted, apply, "ingen")
    hours = np.where(
        hemtjanst & granted,
        np.round(8 + 22 * need + rng.gamma(2.0, 6.0, size), 1),
        np.nan,
    )
    # Botkyrka: men's granted home care grows more after a new decision (omprövning)
    men_review = hemtjanst & granted & ~woman & (df["arendetyp"] == "omprovning").to_numpy()
    hours[men_review] = np.round(hours[men_review] * 1.35, 1)
    df["hemtjanst_tim_man"] = np.where(np.isnan(hours), None, hours.astype(object))
    before = rng.poisson(np.where(df["arendetyp"] == "omprovning", 1.5, 0.4))
    df["antal_insatser_fore"] = before
    df["antal_insatser_efter"] = before + granted.astype(int)
    return granted


def _participation(rng: np.random.Generator, df: pd.DataFrame) -> None:
    size = len(df)
    woman = (df["kon"] == "kvinna").to_numpy()
    verksamhet = df["verksamhet"].to_numpy()
    age = df["_alder"].to_numpy()
    foreign = (df["fodelseland"] == "utanfor_europa").to_numpy()
    asked = rng.random(size) < 0.9
    wanted = np.where(asked, rng.random(size) < 0.95, True)
    child = age < 18
    prevented = child & (rng.random(size) < 0.05)
    p = np.full(size, 0.85)
    # Vård- och omsorgsanalys 2022: men investigated under SoL (here äldreomsorg) take part less
    p[(verksamhet == "aldreomsorg") & ~woman] = 0.68
    # ... and children investigated under LSS take part less than adults
    lss = verksamhet == "lss"
    p[lss & child] = 0.45
    # communication support used (adaptation made), more often for men with LSS: limits remain
    comm = np.where(lss & ~child & ~woman, 0.45, 0.06)
    comm_used = rng.random(size) < comm
    comm_missed = ~comm_used & (rng.random(size) < 0.03)
    p[comm_used] = 0.40
    # interpreter: for people born outside Europe in socialpsykiatri it was often needed but
    # not used, which explains nothing away
    psyk = verksamhet == "socialpsykiatri"
    interp_used = foreign & (rng.random(size) < np.where(psyk, 0.30, 0.5))
    interp_missed = foreign & ~interp_used & (rng.random(size) < np.where(psyk, 0.45, 0.1))
    p[interp_used] = np.minimum(p[interp_used], 0.60)
    p[interp_missed] = 0.35
    p[~asked] = 0.25
    p[asked & ~wanted] = 0.02
    p[prevented] = 0.05
    took_part = rng.random(size) < p
    df["tillfragad_delta"] = np.where(asked, "ja", "nej")
    df["velat_delta"] = np.where(asked, np.where(wanted, "ja", "nej"), None)
    df["deltog_utredningssamtal"] = np.where(took_part, "ja", "nej")
    df["vardnadshavare_hindrat"] = np.where(child, np.where(prevented, "ja", "nej"), None)
    df["delaktig_i_mal"] = np.where(rng.random(size) < np.where(took_part, 0.7, 0.3), "ja", "nej")
    df["kommunikationsstod"] = np.where(
        comm_used, "ja", np.where(comm_missed, "nej_behovdes", "nej_behovdes_ej")
    )
    df["tolk"] = np.where(
        interp_used, "ja", np.where(interp_missed, "nej_behovdes", "nej_behovdes_ej")
    )


def _results(
    rng: np.random.Generator, df: pd.DataFrame, need: np.ndarray, granted: np.ndarray
) -> None:
    size = len(df)
    followed = granted & (rng.random(size) < 0.8)
    goal = _choice(rng, {"uppnatt": 0.45, "delvis": 0.35, "ej_uppnatt": 0.2}, size)
    df["mal_uppfyllelse"] = np.where(granted, np.where(followed, goal, "ej_uppfoljt"), None)
    change = np.clip(np.round(rng.normal(-0.4, 1.0, size)), -4, 4).astype(int)
    df["forandring_funktion"] = np.where(followed, change.astype(object), None)
    appealed = ~granted & (rng.random(size) < 0.08)
    df["overklagat"] = np.where(appealed, "ja", "nej")


def to_export_style(df: pd.DataFrame, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The same data as a case system would export it: other headers, codes and dates."""
    rng = np.random.default_rng(seed + 1)
    out = pd.DataFrame(
        {
            "Ärende-ID": df["utredning_id"],
            "Klient": df["person_id"],
            "Kommun": df["kommun"],
            "Distrikt": df["enhet"],
            "Verksamhet": df["verksamhet"].map(
                {"aldreomsorg": "ÄO", "lss": "LSS", "socialpsykiatri": "SOCPSYK"}
            ),
            "Ärendetyp": df["arendetyp"].map({"ny": "Ny", "omprovning": "Omprövning"}),
            "Kön": df["kon"].map({"kvinna": "K", "man": "M"}),
            "Ålder vid beslut": df["alder"],
            "Aktualiserad": pd.to_datetime(df["datum_aktualisering"]).dt.strftime("%d/%m/%Y"),
            "Beslutsdatum": pd.to_datetime(df["datum_beslut"]).dt.strftime("%d/%m/%Y"),
            "Beslut": df["beslut"].map(
                {"bifall": "Bifall", "delvis_bifall": "Delvis bifall", "avslag": "Avslag"}
            ),
            "Sökt insats": df["ansokt_insats"],
            "Tim/mån": df["hemtjanst_tim_man"],
            "Deltog i samtal": df["deltog_utredningssamtal"].map({"ja": "J", "nej": "N"}),
            "Tolk": df["tolk"].map({"ja": "J", "nej_behovdes": "N-B", "nej_behovdes_ej": "N-EB"}),
            "Handläggare": [f"Handläggare {i}" for i in rng.integers(1, 25, len(df))],
            "Anteckning": "Fritext tas bort vid förberedelsen",
        }
    )
    for area in _AREAS:
        out[f"IBIC {area[3:].upper()}"] = df[area]
    return out


def write_sample(
    out_dir: str | os.PathLike[str],
    *,
    seed: int = DEFAULT_SEED,
    progress: bool = False,
) -> list[Path]:
    """Write the sample CSV, the case-system style xlsx export, the answer key and the
    export's mapping (a copy of the shipped one)."""
    folder = Path(out_dir)
    df = generate_sample(seed=seed, progress=progress)
    csv = write_csv(df, folder / CSV_NAME)
    first = df[df["kommun"] == KOMMUNER[0]]
    xlsx = write_excel(
        {"Utredningar": to_export_style(first, seed=seed)},
        folder / XLSX_NAME,
        reproducible=True,
        title_rows={
            "Utredningar": [
                f"Export från Exempelsystem – {KOMMUNER[0]}",
                "Utredningar och beslut 2023–2024",
            ]
        },
    )
    key = yaml.safe_dump(answer_key(seed=seed), allow_unicode=True, sort_keys=False, width=100)
    facit = write_text(key, folder / FACIT_NAME)
    shipped, mapping = sample_dir() / MAPPING_NAME, folder / MAPPING_NAME
    if not mapping.exists() or not mapping.samefile(shipped):
        write_text(shipped.read_text(encoding="utf-8"), mapping)
    return [csv, xlsx, facit, mapping]


def sample_csv_path() -> Path:
    """Path of the sample CSV that comes with isuwork."""
    return sample_dir() / CSV_NAME
