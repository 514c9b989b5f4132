"""The answer key (facit) of the sample data: every planted pattern, its size and verdict.

Course teachers and tests compare what isuwork finds on the synthetic sample with what was
planted in it (:mod:`isuwork.data.sample`). Each pattern names its source (Vård- och
omsorgsanalys 2022, Botkyrka 2010), the outcome and groups it concerns, where the screening
must list it, and the verdict the criteria check should give.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from isuwork.domain.shipped import sample_dir

FACIT_NAME = "facit.yaml"
#: The seed of the shipped sample (the answer key's figures depend on it).
DEFAULT_SEED = 2024
#: Fictitious kommuner of the sample (none of Sweden's 290).
KOMMUNER: tuple[str, ...] = ("Exempelby", "Granåker", "Sjövik", "Tallmora")
#: The kommun that investigates about half of the life areas (its "investigation culture").
LOW_CULTURE = "Sjövik"


def _pattern(**fields: Any) -> dict[str, Any]:
    base = {"screening": None, "enhetsjamforelse": None, "forklaras_av": [], "filter": {}}
    return {**base, **fields}


def answer_key(*, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The answer key (facit): every planted pattern, its size and the expected verdict.

    ``forvantat_utfall`` is the verdict :func:`isuwork.analysis.criteria.check_criteria` should give on
    the whole sample (``null`` for descriptive patterns); ``screening`` says where
    :func:`isuwork.analysis.screening.screen` must list it (background, level and, for a categorical
    outcome, the category; ``null`` when it is no raw sex difference).
    """
    voa = "Vård- och omsorgsanalys 2022"
    botkyrka = "Botkyrka kommun 2010 (aktgranskning)"
    patterns = [
        _pattern(
            id="lss_vuxna_beviljas",
            titel="Vuxna kvinnor beviljas LSS-insatser oftare vid samma behov",
            beskrivning=(
                "Bland vuxna med LSS-ansökan har kvinnor 15 procentenheter högre sannolikhet "
                "att beviljas vid samma bedömda svårighet. Behovet är lika fördelat mellan "
                f"könen, så skillnaden finns kvar när behovet hålls lika. Efter {voa}."
            ),
            kalla=voa,
            utfall="beviljad",
            grupp="kon",
            jamfor=["kvinna", "man"],
            filter={"verksamhet": "lss", "aldersgrupp": ["23-64"]},
            storlek=0.15,
            forvantat_utfall="risk_unmotivated",
            screening={"bakgrund": "aldersgrupp", "niva": "23-64"},
        ),
        _pattern(
            id="man_sol_delaktighet",
            titel="Män i äldreomsorgen deltar mer sällan i utredningssamtal",
            beskrivning=(
                "Bland dem som tillfrågats och velat delta deltar män i äldreomsorgen (SoL) "
                "i 68 % av utredningarna mot 85 % för kvinnor. Varken önskemål, vårdnadshavare "
                f"eller kommunikationsstöd förklarar skillnaden. Efter {voa}."
            ),
            kalla=voa,
            utfall="deltog_utredningssamtal",
            grupp="kon",
            jamfor=["kvinna", "man"],
            filter={"verksamhet": "aldreomsorg"},
            storlek=0.17 * 0.9,
            forvantat_utfall="risk_unmotivated",
            screening={"bakgrund": "verksamhet", "niva": "aldreomsorg"},
        ),
        _pattern(
            id="barn_lss_delaktighet",
            titel="Barn med LSS-utredning deltar mer sällan än vuxna",
            beskrivning=(
                "Barn 7–12 år som utreds enligt LSS deltar i utredningssamtal i mindre "
                "utsträckning än vuxna 23–64 år; vårdnadshavares hinder förklarar bara en liten "
                f"del. Jämförelsen gäller ålder, inte kön. Efter {voa}."
            ),
            kalla=voa,
            utfall="deltog_utredningssamtal",
            grupp="aldersgrupp",
            jamfor=["7-12", "23-64"],
            filter={"verksamhet": "lss"},
            storlek=-0.3,
            forvantat_utfall="risk_unmotivated",
        ),
        _pattern(
            id="utredningskultur",
            titel="Kommunerna utreder olika många livsområden",
            beskrivning=(
                f"I {LOW_CULTURE} utreds i genomsnitt ungefär hälften av de tio livsområdena, "
                "i de andra kommunerna åtta av tio. Skillnaden hör till utredningskulturen, "
                f"inte till brukarna. Efter {voa}."
            ),
            kalla=voa,
            utfall="antal_lo_utredda",
            grupp="kommun",
            jamfor=None,
            storlek=-3.5,
            forvantat_utfall=None,
            enhetsjamforelse={
                "utfall": "antal_lo_utredda",
                "enhet": "kommun",
                "avvikande": [LOW_CULTURE],
            },
        ),
        _pattern(
            id="sarskilt_boende_behov",
            titel="Kvinnor beviljas särskilt boende oftare, men har större behov",
            beskrivning=(
                "Kvinnor som söker särskilt boende har oftare stora eller totala svårigheter. "
                "Vid samma bedömda svårighet beviljas kvinnor och män lika ofta: skillnaden "
                "förklaras av behovet (den kan ändå behöva diskuteras i steg 2)."
            ),
            kalla="planterat mönster",
            utfall="beviljad",
            grupp="kon",
            jamfor=["kvinna", "man"],
            filter={"verksamhet": "aldreomsorg", "ansokt_insats": "sarskilt_boende"},
            storlek=0.20,
            forvantat_utfall="explained",
            forklaras_av=["behov"],
            screening={"bakgrund": "ansokt_insats", "niva": "sarskilt_boende"},
        ),
        _pattern(
            id="hemtjanst_anhorig",
            titel="Män beviljas hemtjänst mer sällan när en anhörig kan hjälpa",
            beskrivning=(
                "35 % av männen som söker hemtjänst bedöms kunna få hjälp av en anhörig "
                "(oftast hustrun), mot 8 % av kvinnorna; då beviljas sällan hemtjänst. När dessa "
                "fall räknas bort försvinner skillnaden. Skillnaden är motiverad enligt "
                "kriterierna, men kan bidra till att obetalt omsorgsarbete faller på kvinnor."
            ),
            kalla=botkyrka,
            utfall="beviljad",
            grupp="kon",
            jamfor=["kvinna", "man"],
            filter={"verksamhet": "aldreomsorg", "ansokt_insats": "hemtjanst"},
            storlek=0.15,
            forvantat_utfall="explained",
            forklaras_av=["annat_satt"],
            screening={"bakgrund": "ansokt_insats", "niva": "hemtjanst"},
        ),
        _pattern(
            id="trygghetslarm_installning",
            titel="Män tackar oftare nej till trygghetslarm",
            beskrivning=(
                "30 % av männen som får trygghetslarm föreslaget vill inte ha det, mot 5 % av "
                "kvinnorna. När de som tackat nej räknas bort beviljas kvinnor och män lika ofta."
            ),
            kalla="planterat mönster",
            utfall="beviljad",
            grupp="kon",
            jamfor=["kvinna", "man"],
            filter={"verksamhet": "aldreomsorg", "ansokt_insats": "trygghetslarm"},
            storlek=0.2,
            forvantat_utfall="explained",
            forklaras_av=["installning"],
            screening={"bakgrund": "ansokt_insats", "niva": "trygghetslarm"},
        ),
        _pattern(
            id="lss_kommunikationsstod",
            titel="Män med LSS deltar mer sällan, men trots kommunikationsstöd",
            beskrivning=(
                "Vuxna män med LSS-utredning får oftare kommunikationsstöd och deltar då mer "
                "sällan i samtalen, trots anpassningen. När de fallen räknas bort deltar kvinnor "
                "och män lika ofta."
            ),
            kalla="planterat mönster",
            utfall="deltog_utredningssamtal",
            grupp="kon",
            jamfor=["kvinna", "man"],
            filter={"verksamhet": "lss", "aldersgrupp": ["23-64"]},
            storlek=0.17,
            forvantat_utfall="explained",
            forklaras_av=["funktionsnedsattning_sprak"],
            screening={"bakgrund": "aldersgrupp", "niva": "23-64"},
        ),
        _pattern(
            id="tolk_behovdes",
            titel="Personer födda utanför Europa deltar mer sällan: tolk behövdes men saknades",
            beskrivning=(
                "I socialpsykiatrin hade många födda utanför Europa behövt tolk utan att få det, "
                "och de deltar sällan i samtalen. En anpassning som inte gjordes förklarar "
                "ingenting, så skillnaden finns kvar."
            ),
            kalla="planterat mönster",
            utfall="deltog_utredningssamtal",
            grupp="fodelseland",
            jamfor=["utanfor_europa", "sverige"],
            filter={"verksamhet": "socialpsykiatri"},
            storlek=-0.25,
            forvantat_utfall="risk_unmotivated",
        ),
        _pattern(
            id="socialpsykiatri_dold",
            titel="Dold skillnad: män i socialpsykiatrin beviljas mindre vid samma behov",
            beskrivning=(
                "Andelen beviljade är nästan lika för kvinnor och män, men männen har större "
                "behov. Vid samma bedömda svårighet beviljas män 12 procentenheter mer sällan. "
                "Skillnaden syns först när behovet hålls lika."
            ),
            kalla="planterat mönster",
            utfall="beviljad",
            grupp="kon",
            jamfor=["kvinna", "man"],
            filter={"verksamhet": "socialpsykiatri"},
            storlek=0.0,
            forvantat_utfall="risk_unmotivated",
        ),
        _pattern(
            id="hemtjanst_timmar_omprovning",
            titel="Mäns hemtjänst ökar mer vid omprövning",
            beskrivning=(
                "Vid omprövning beviljas män 35 % fler hemtjänsttimmar än kvinnor med samma "
                f"bedömda behov. Efter {botkyrka}."
            ),
            kalla=botkyrka,
            utfall="hemtjanst_tim_man",
            grupp="kon",
            jamfor=["kvinna", "man"],
            filter={"verksamhet": "aldreomsorg", "arendetyp": "omprovning"},
            storlek=-0.35,
            forvantat_utfall="risk_unmotivated",
            screening={"bakgrund": "arendetyp", "niva": "omprovning"},
        ),
        _pattern(
            id="initiativ",
            titel="Vem tar initiativ till ärendet?",
            beskrivning=(
                "I äldreomsorgen tar män nästan aldrig själva initiativ till sitt ärende; oftare "
                f"gör hustrun eller en dotter det. Döttrar tar initiativ oftare än söner. Efter "
                f"{botkyrka}."
            ),
            kalla=botkyrka,
            utfall="initiativ",
            grupp="kon",
            jamfor=["kvinna", "man"],
            filter={"verksamhet": "aldreomsorg"},
            storlek=0.23,
            forvantat_utfall=None,
            screening={"bakgrund": "verksamhet", "niva": "aldreomsorg", "kategori": "egen"},
        ),
        _pattern(
            id="dagverksamhet_lika",
            titel="Dagverksamhet: ingen planterad skillnad",
            beskrivning=(
                "Kvinnor och män som söker dagverksamhet har samma behov och beviljas på samma "
                "villkor. Här finns ingen skillnad att hitta."
            ),
            kalla="planterat mönster",
            utfall="beviljad",
            grupp="kon",
            jamfor=["kvinna", "man"],
            filter={"verksamhet": "aldreomsorg", "ansokt_insats": "dagverksamhet"},
            storlek=0.0,
            forvantat_utfall="no_difference",
        ),
    ]
    return {
        "seed": seed,
        "kommuner": list(KOMMUNER),
        "beskrivning": (
            "Facit till exempeldatan i isuwork. All data är syntetisk; mönstren är planterade "
            "efter fynd i Vård- och omsorgsanalys (2022) och Botkyrkas aktgranskning (2010)."
        ),
        "patterns": patterns,
    }


def load_answer_key(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read ``facit.yaml`` (the one that comes with isuwork by default)."""
    file = Path(path) if path else sample_dir() / FACIT_NAME
    return yaml.safe_load(file.read_text(encoding="utf-8"))
