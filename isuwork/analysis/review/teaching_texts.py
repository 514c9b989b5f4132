"""The invented investigation texts of the case-review teaching set.

One text per reviewed case of :mod:`isuwork.analysis.review.teaching`, keyed by review code, with
the headings an elderly-care investigation under SoL has (Ansökan, Bakgrund, Social situation,
Aktuellt tillstånd, Hälsotillstånd, Bedömning, Mål med insatsen) on lines of their own. Every
sentence comes from :data:`BANK`, written for this set (never taken from a real investigation):
sentences stating the case's facts, theme sentences with exactly one word of a theme of
``review_words.yaml`` each, and neutral fillers without any. A text has exactly as many theme
words as the case's ``tema_<theme>`` and, under each heading with an ``ord_<heading>``, exactly
that many words (filled up with a subset of the heading's fillers), as
:func:`isuwork.data.text_measures.measure_text` counts them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from isuwork.analysis.review.sampling import CODE
from isuwork.data.answer_key import DEFAULT_SEED
from isuwork.domain.vocabulary import SEX

#: Headings of the texts: code (as in ``ord_<code>``), line in the text.
HEADINGS: tuple[tuple[str, str], ...] = (
    ("ansokan", "Ansökan"),
    ("bakgrund", "Bakgrund"),
    ("social_situation", "Social situation"),
    ("aktuellt_tillstand", "Aktuellt tillstånd"),
    ("halsotillstand", "Hälsotillstånd"),
    ("bedomning", "Bedömning"),
    ("mal", "Mål med insatsen"),
)
#: The first line of every text (counted as ``ord_ovrigt``).
TITLE = "Utredning om bistånd enligt socialtjänstlagen"
#: The themes of ``review_words.yaml`` that the texts plant.
THEMES = ("otrygghet", "trotthet", "ensamhet", "positiva")
#: Granted interventions (yes/no items) as the decision names them, and further ones.
GRANTED_TEXT = {
    "insats_dusch": "hjälp med dusch",
    "insats_ledsagning": "ledsagning till apotek och läkare",
    "insats_stadning": "städning",
    "insats_mat": "hjälp med måltider",
}
_EXTRAS = ("inköp", "tvätt", "tillsyn", "trygghetslarm")
#: Where each theme's sentences go; when there is no room, one of the flexible headings.
_THEME_SECTIONS = {
    "otrygghet": ("aktuellt_tillstand", "bedomning"),
    "trotthet": ("halsotillstand", "aktuellt_tillstand"),
    "positiva": ("aktuellt_tillstand", "bedomning"),
    "ensamhet": ("social_situation",),
}
_FLEXIBLE = ("aktuellt_tillstand", "halsotillstand", "bedomning")
_MIN_FILL = 4  # the shortest filler sentence
_WORD = re.compile(r"[^\W_]+")

# --- the sentence bank: written for this set; {han} {Han} {hans} {honom} {partner} -------------
_BANK_TEXT = """
[ansokan]
Ansökan gäller hemtjänst i ordinärt boende.
{Han} vill bo kvar hemma så länge det går.
Ansökan togs emot av biståndsenheten under våren.
{Han} har godkänt att handläggaren talar med hemsjukvården.
Handläggaren har gjort ett hembesök för att utreda behovet.
Ansökan gäller från och med nästa månad.
{Han} har fått hjälp att fylla i blanketten.
Samtalet hölls i hemmet.
Ansökan kom in i april.
[bakgrund]
{Han} har haft hemtjänst i drygt två år.
Tidigare beslut gällde till och med utgången av förra månaden.
{Han} har också matlådor från kommunens kök sedan tidigare.
Hjälpen har fungerat väl enligt {honom}.
{Han} har tidigare haft korttidsvistelse efter en sjukhusvistelse.
Ingen ändring av insatserna har gjorts under det senaste året.
Utförare är kommunens egen hemtjänst.
Besöken sker på förmiddagen.
Hjälpen ges av samma personal varje vecka.
[social_situation]
{Han} har två barn som bor i en annan stad.
{Han} har kontakt med sina barnbarn per telefon.
{Han} har arbetat som lärare i många år.
Grannarna hjälper ibland till med att hämta posten.
{Han} tycker om att lösa korsord och lyssna på radio.
Tidigare var {han} aktiv i en förening i området.
{Han} går sällan ut på egen hand numera.
En vän hälsar på ungefär en gång i veckan.
{Han} vill gärna fortsätta att handla själv när vädret tillåter.
{Han} följer nyheterna och läser dagstidningen varje morgon.
Kontakten med syskonen har minskat de senaste åren.
{Han} brukade promenera i parken men gör det inte längre.
{Han} är intresserad av trädgård och har blommor på balkongen.
{Han} deltar ibland i träffar på mötesplatsen för äldre.
Ekonomin sköter {han} själv med viss hjälp från banken.
{Han} har bott i kommunen i mer än fyrtio år.
{Han} talar gärna om sin uppväxt och sitt tidigare arbete.
Telefonen är viktig för kontakten med omvärlden.
{Han} har en katt som betyder mycket.
Kyrkans besöksgrupp kommer förbi ibland.
Barnen ringer flera gånger i veckan.
{Han} har inga släktingar i närheten.
{Han} tittar gärna på sport.
Umgänget sker mest i hemmet.
{Han} spelar kort med en granne.
Det har blivit svårare att hålla kontakten med vännerna.
{Han} läser gärna böcker.
[aktuellt_tillstand]
{Han} klarar av att förflytta sig inomhus med rollator.
{Han} behöver hjälp med att ta på sig strumpor och skor.
Morgnarna är svårast enligt {honom} själv.
{Han} behöver påminnelse om att äta lunch.
Trappan till tvättstugan klarar {han} inte längre.
{Han} har svårt att bära tunga kassar.
{Han} kan själv värma färdiglagad mat i mikrovågsugnen.
Hygienen sköter {han} delvis själv vid handfatet.
{Han} har fallit två gånger i hemmet det senaste halvåret.
Städningen har blivit för tung för {honom}.
{Han} vill klara så mycket som möjligt på egen hand.
Vid besöket satt {han} i fåtöljen och tog emot.
{Han} sover dåligt och vaknar flera gånger per natt.
{Han} behöver stöd för att komma i och ur sängen.
Det tar lång tid för {honom} att klä sig på morgonen.
{Han} har svårt att hålla ordning på sina papper.
Tvätten klarar {han} inte själv längre.
{Han} använder rollator utomhus.
Balansen har blivit sämre.
{Han} behöver hjälp med kläderna.
[halsotillstand]
{Han} har högt blodtryck som behandlas med läkemedel.
{Han} har diabetes och tar insulin morgon och kväll.
Synen har försämrats och {han} har svårt att läsa.
{Han} har ont i höfterna när {han} går.
Hörseln är nedsatt och {han} använder hörapparat.
{Han} har haft en stroke för några år sedan.
Läkemedlen delas av apoteket i påsar.
{Han} har hjärtsvikt och blir andfådd vid ansträngning.
Minnet har blivit sämre enligt {honom} själv.
Distriktssköterskan besöker {honom} en gång i månaden.
{Han} har artros i händerna.
{Han} behandlas för kronisk lungsjukdom.
Aptiten är nedsatt och vikten har gått ned.
{Han} har nyligen vårdats på sjukhus efter en infektion.
{Han} har ont i ryggen och använder smärtstillande.
Fötterna svullnar under dagen.
[bedomning]
Behovet av stöd har ökat sedan förra beslutet.
Handläggaren har gjort ett hembesök och talat med {honom}.
Insatserna ska utföras med respekt för {hans} egna rutiner.
Behovet kan inte tillgodoses på annat sätt.
{Han} har fått information om hur beslutet kan överklagas.
Beslutet följs upp inom sex månader.
{Han} har själv fått säga till om hur hjälpen ska utföras.
Utredningen har kommunicerats med {honom} före beslutet.
Hemtjänsten ska samarbeta med hemsjukvården.
Genom insatserna bedöms {han} uppnå en skälig levnadsnivå.
{Han} har tagit del av utredningen och har inget att tillägga.
Det finns inget behov av särskilt boende i dagsläget.
Hjälpen ges på de tider som {han} själv har önskat.
Insatserna planeras tillsammans med utförarens kontaktperson.
Beslutet gäller tills vidare.
[mal]
Målet är att {han} ska kunna bo kvar i sin bostad.
Målet är att {han} ska kunna sköta sin personliga hygien med stöd.
Målet är att {han} ska få regelbundna och näringsrika måltider.
Målet är att {han} ska kunna komma ut regelbundet.
Målet är att {han} ska ha en ren bostad.
Målet är att {han} ska behålla sin förmåga att förflytta sig.
[otrygghet]
{Han} beskriver att {han} känner sig osäker när {han} ska duscha.
{Han} är orolig för att falla när {han} är hemma.
{Han} uppger att {han} är rädd att inte hinna fram till dörren.
Nätterna beskriver {han} som otrygga.
{Han} berättar om oro inför kvällarna.
{Han} känner ångest när hjälpen dröjer.
{Han} ger ett ängsligt intryck under hembesöket.
[trotthet]
{Han} säger att {han} är trött större delen av dagen.
{Han} beskriver sig som orkeslös efter sjukhusvistelsen.
Handläggaren uppfattar {honom} som kraftlös under samtalet.
{Han} känner sig utmattad efter morgonens bestyr.
Tröttheten gör det svårt för {honom} att laga mat.
[ensamhet]
{Han} känner sig ensam på dagarna.
{Han} lever isolerad sedan {han} slutade gå ut.
{Han} beskriver ensamheten som det svåraste.
Vintertid upplever {han} sig isolerad i lägenheten.
[positiva]
{Han} är nöjd med den hjälp {han} har i dag.
{Han} beskriver sig som glad och social.
{Han} säger att {han} känner sig trygg med personalen.
{Han} verkar pigg och tar emot på ett vänligt sätt.
{Han} upplever sig stark nog att klara förmiddagarna.
{Han} talar med glädje om sina barnbarn.
"""
_INITIATIVE_TEXT = {
    "egen": "{Han} har själv ringt till biståndsenheten och ansökt om {vad}.",
    "make_maka": "Ansökan om {vad} gjordes av {hans} {partner}.",
    "dotter": "Ansökan om {vad} gjordes av {hans} dotter efter samtal med {honom}.",
    "son": "Ansökan om {vad} gjordes av {hans} son efter samtal med {honom}.",
    "annan_narstaende": "En närstående har hört av sig och ansökt om {vad} för {hans} räkning.",
    "vardplanering": "Ärendet väcktes vid en vårdplanering inför hemgång från sjukhuset, där "
    "{han} ansökte om {vad}.",
    "annan": "Hemsjukvården har anmält behov av stöd, och {han} har därefter ansökt om {vad}.",
}
_COMPARED_TEXT = {
    "mindre": "{Han} vill ha så lite hjälp som möjligt.",
    "mer": "{Han} ansöker om fler timmar än vad handläggaren bedömer skäligt.",
}


def _parse_bank(text: str) -> dict[str, tuple[str, ...]]:
    bank: dict[str, list[str]] = {}
    part = ""
    for line in text.strip().splitlines():
        if line.startswith("["):
            part = line.strip("[]")
            bank[part] = []
        else:
            bank[part].append(line)
    return {k: tuple(v) for k, v in bank.items()}


#: The sentences by section (fillers) and by theme (one theme word each).
BANK = _parse_bank(_BANK_TEXT)


def _words(text: str) -> int:
    """Words as :mod:`isuwork.data.text_measures` counts them."""
    return len(_WORD.findall(text))


def generate_review_texts(cases: pd.DataFrame, *, seed: int = DEFAULT_SEED) -> dict[str, str]:
    """One invented investigation text per case, keyed by ``granskningskod``.

    Each text has the headings of :data:`HEADINGS` on lines of their own and is assembled from
    :data:`BANK`: sentences that state the case's facts (who initiated it, hours, household,
    granted interventions, goals), as many theme sentences as ``tema_<theme>`` says (each with
    exactly one theme word) and filler sentences up to the words ``ord_<heading>`` says.

    Parameters
    ----------
    cases
        Reviewed cases as :func:`~isuwork.analysis.review.teaching.generate_review_cases`
        returns them.
    seed
        The seed: the same cases and seed give the same texts.
    """
    rng = np.random.default_rng(seed + 2)
    return {
        str(case[CODE]): _text(rng, case)
        for _, case in cases.sort_values(CODE, kind="stable").iterrows()
    }


def _hours(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _text(rng: np.random.Generator, case: pd.Series) -> str:
    woman = case[SEX] == "kvinna"
    words = {
        "han": "hon" if woman else "han",
        "Han": "Hon" if woman else "Han",
        "hans": "hennes" if woman else "hans",
        "honom": "henne" if woman else "honom",
        "partner": "make" if woman else "maka",
    }
    fixed: dict[str, list[str]] = {code: [] for code, _ in HEADINGS}
    less = case["ansokte_om_minskning"] == "ja"
    what = "minskad hemtjänst" if less else "mer hjälp från hemtjänsten"
    fixed["ansokan"].append(_INITIATIVE_TEXT[str(case["initiativ"])].format(vad=what, **words))
    if case["ansokan_jamfort"] in _COMPARED_TEXT:
        fixed["ansokan"].append(_COMPARED_TEXT[str(case["ansokan_jamfort"])].format(**words))
    before = int(case["antal_insatser_fore"])
    fixed["bakgrund"].append(
        f"{words['Han']} har i dag hemtjänst med {_hours(case['timmar_fore'])} timmar per "
        f"månad och {before} {'insats' if before == 1 else 'insatser'}."
    )
    home = (
        "{Han} är ensamboende och bor i lägenhet."
        if case["hushall"] == "ensamboende"
        else "{Han} bor tillsammans med sin {partner} i lägenhet."
    )
    fixed["social_situation"].append(home.format(**words))
    fixed["aktuellt_tillstand"].append(
        "Vid hembesöket berättade {han} om sin vardag.".format(**words)
    )
    fixed["halsotillstand"].append(
        "{Han} har flera sjukdomar som påverkar vardagen.".format(**words)
    )
    granted = [text for item, text in GRANTED_TEXT.items() if case[item] == "ja"]
    extras = int(case["antal_insatser_efter"]) - len(granted)
    granted += list(_EXTRAS[: max(extras, 0)])
    listed = ", ".join(granted[:-1]) + " och " + granted[-1] if len(granted) > 1 else granted[0]
    fixed["bedomning"] += [
        f"Handläggaren bedömer att {words['han']} har rätt till hemtjänst med "
        f"{_hours(case['timmar_efter'])} timmar per månad.",
        f"Beviljad hjälp omfattar {listed}.",
    ]
    goals = int(case["antal_mal"])
    fixed["mal"] = [s.format(**words) for s in rng.permutation(BANK["mal"])[:goals]] or [
        "Inga mål med insatsen har formulerats."
    ]
    targets = {h: int(case[f"ord_{h}"]) for h, _ in HEADINGS if f"ord_{h}" in case.index}
    used = {h: sum(_words(s) for s in fixed[h]) for h in fixed}
    placed: dict[str, list[str]] = {h: [] for h in fixed}
    for theme in THEMES:
        count = min(int(case[f"tema_{theme}"]), len(BANK[theme]))
        for sentence in rng.permutation(BANK[theme])[:count]:
            text = sentence.format(**words)
            size = _words(text)

            def fits(heading: str, size: int = size) -> bool:
                room = targets[heading] - used[heading] - size
                return room == 0 or room >= _MIN_FILL

            options = [h for h in _THEME_SECTIONS[theme] if fits(h)]
            options = options or [h for h in _FLEXIBLE if fits(h)] or [_THEME_SECTIONS[theme][0]]
            room = np.array([max(targets[h] - used[h], 1) for h in options], dtype=float)
            heading = options[rng.choice(len(options), p=room / room.sum())]
            placed[heading].append(text)
            used[heading] += size
    lines = [TITLE, ""]
    for heading, label in HEADINGS:
        need = targets[heading] - used[heading] if heading in targets else 0
        pool = [s.format(**words) for s in BANK[heading]] if heading in targets else []
        body = [*placed[heading], *_fill(rng, need, pool)]
        sentences = [*fixed[heading], *(body[k] for k in rng.permutation(len(body)))]
        lines.append(label)
        lines += [" ".join(sentences[k : k + 4]) for k in range(0, len(sentences), 4)]
        lines.append("")
    return "\n".join(lines)


def _fill(rng: np.random.Generator, need: int, sentences: list[str]) -> list[str]:
    """Sentences of ``sentences`` (each at most once) with exactly ``need`` words in all, or as
    close below as they can come; a random choice among the ways."""
    reach: dict[int, list[int]] = {0: []}
    for k in rng.permutation(len(sentences)):
        size = _words(sentences[k])
        for total, chosen in list(reach.items()):
            if total + size <= need and total + size not in reach:
                reach[total + size] = [*chosen, int(k)]
        if need in reach:
            break
    return [sentences[k] for k in reach[max(reach)]]
