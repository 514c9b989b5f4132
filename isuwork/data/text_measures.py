"""Text measures for case review (aktgranskning): counts derived from investigation texts.

As in the Botkyrka review (50 women's and 50 men's investigations), a case review measures how long
the description is under each heading (Social situation, Aktuellt tillstånd, Hälsotillstånd …)
and how often words of a theme are used (otrygghet, trötthet, ensamhet, positiva ord). Themes and
headings come from ``review_words.yaml`` in :mod:`isuwork.domain` or a user's edited copy.

Like a personnummer, a text is a raw field that is derived into numbers and dropped: a text never
leaves the function that measures it. Only counts per case come out; no return value, exception
message or repr holds any part of a text (errors name the case code, row or file; decoding errors
are raised without their original exception, which would carry the bytes).

Matching rule
-------------
Text is normalised to NFC (Word may give decomposed å/ä/ö), soft hyphens are removed and case is
folded. A word is a run of letters and digits; hyphens and punctuation split words ("jätte-orolig"
is two words, the second counts). A word counts for a theme when it is ``<prefix><theme
word><ending>`` where

* the ending is an inflection: ``-t -a -e -are -ast -aste`` (adjectives), ``-n -en -et -er -ar
  -or -na -erna -arna -orna`` (nouns) or genitive ``-s -ns -ens -ets``: "oroligt", "oroliga",
  "oroligare", "rädda", "tröttare", "oron" count. Derivations are not inflections: "orolighet"
  counts only because the list names it; irregular forms (nöjd – nöjt, osäker – osäkra) are listed;
* the prefix is empty or the first part of a compound, so the theme word is the last part (the
  head of the Swedish compound): "dödsrädd" counts for rädd, "jätteorolig" for orolig. As the first
  part it does not count: "trygghetslarm" (an intervention) is not trygg, "ensamstående" not ensam;
* a prefix ending in the negating ``o-``, ``miss-`` or ``icke-`` blocks the match, since it makes
  the opposite word: "otrygg" is not trygg, "missnöjd" not nöjd, "jätteorädd" not rädd;
* a word of the theme's ``utom`` list (in any inflection) never counts for it.

A word counts at most once per theme. Negation is out of scope, as in the Botkyrka count: "inte
orolig" counts as orolig. Homographs count too ("rädda" is also the verb "to save").

Headings
--------
A heading is a line that, without an optional section number ("3.", "2.1") and trailing colon,
equals a synonym of the heading (case-insensitive, spaces collapsed); "Heading: text" on one line
is the heading followed by text. Heading lines are not counted as words. Text before the first
heading belongs to ``ovrigt``, text under an unknown heading to the heading before it.
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from isuwork.exceptions import DataError, ParameterError

#: Index name of the frames returned here.
INDEX_NAME = "granskningskod"
#: Section code of the text before the first recognised heading.
OTHER = "ovrigt"
#: Longest accepted case code; a longer "code" is probably text from the wrong column.
MAX_CODE_LENGTH = 64

#: Inflectional endings ("" is the bare word).
_ENDINGS: tuple[str, ...] = (
    *("", "t", "a", "e", "are", "ast", "aste"),  # adjectives
    *("n", "en", "et", "er", "ar", "or", "na", "erna", "arna", "orna"),  # nouns
    *("s", "ns", "ens", "ets"),  # genitive
)
_NEGATING_PREFIXES: tuple[str, ...] = ("o", "miss", "icke")
_WORD = re.compile(r"[^\W_]+")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_SECTION_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?\s+")
_SPACES = re.compile(r"\s+")
_TOP_KEYS = ("teman", "rubriker")
_THEME_KEYS = ("etikett", "ord", "utom")
_RESERVED = (OTHER, "totalt")


@dataclass(frozen=True)
class Theme:
    """A theme of descriptive words, e.g. ``otrygghet`` with osäker, otrygg, orolig, rädd."""

    code: str
    label: str
    words: tuple[str, ...]
    exclusions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Heading:
    """A heading of an investigation text and the names it goes by (the first is its label)."""

    code: str
    synonyms: tuple[str, ...]

    @property
    def label(self) -> str:
        """The Swedish label: the first synonym."""
        return self.synonyms[0]


@dataclass(frozen=True)
class WordList:
    """The themes and headings (both in column order) that :func:`measure_text` counts."""

    themes: tuple[Theme, ...]
    headings: tuple[Heading, ...] = ()
    #: Where the list was read from.
    source: str = "review_words.yaml"

    def columns(self) -> list[str]:
        """The output columns of :func:`measure_text`, in order."""
        headings = [f"ord_{h.code}" for h in self.headings]
        return ["ord_totalt", *headings, f"ord_{OTHER}", *(f"tema_{t.code}" for t in self.themes)]

    def column_labels(self) -> dict[str, str]:
        """Swedish labels of the output columns, for tables and figures."""
        labels = {"ord_totalt": "Antal ord i texten"}
        labels.update({f"ord_{h.code}": f"Antal ord under {h.label}" for h in self.headings})
        labels[f"ord_{OTHER}"] = "Antal ord före första rubriken"
        labels.update({f"tema_{t.code}": f"{t.label} (antal ord)" for t in self.themes})
        return labels


def load_word_list(path: str | os.PathLike[str] | None = None) -> WordList:
    """Read the word list shipped with isuwork or a user's edited copy.

    Parameters
    ----------
    path
        A YAML file in the format of ``isuwork/domain/review_words.yaml``; ``None`` for the
        shipped list.

    Returns
    -------
    WordList
        Themes and headings, words normalised (NFC, case folded).

    Raises
    ------
    DataError
        When the file is missing or unreadable, or has unknown keys, an empty theme, words that
        are not single words, or a heading name used twice. The message names the file and key.
    """
    if path is None:
        return _shipped_word_list()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"Ordlistan {file} finns inte. Kontrollera sökvägen.") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "den är inte sparad som UTF-8"
        raise DataError(f"Ordlistan {file} går inte att läsa: {reason}.") from None
    return _parse_word_list(text, str(file))


@cache
def _shipped_word_list() -> WordList:
    text = resources.files("isuwork.domain").joinpath("review_words.yaml").read_text("utf-8")
    return _parse_word_list(text, "review_words.yaml")


def _parse_word_list(text: str, name: str) -> WordList:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" på rad {mark.line + 1}" if mark is not None else ""
        raise DataError(
            f"Ordlistan {name} är inte giltig YAML{where}. Jämför med listan som följer med isuwork."
        ) from None
    if not isinstance(raw, dict):
        raise DataError(f"Ordlistan {name} ska ha nycklarna 'teman' och 'rubriker' överst.")
    _check_keys(raw, _TOP_KEYS, "överst", name)
    themes_raw = raw.get("teman")
    if not isinstance(themes_raw, dict) or not themes_raw:
        raise DataError(f"Ordlistan {name} saknar teman: nyckeln 'teman' ska ha minst ett tema.")
    themes = tuple(_parse_theme(code, value, name) for code, value in themes_raw.items())
    headings_raw = raw.get("rubriker") or {}
    if not isinstance(headings_raw, dict):
        raise DataError(f"Ordlistan {name}: 'rubriker' ska ha rubrikkoder med rubriknamn.")
    headings = tuple(_parse_heading(code, value, name) for code, value in headings_raw.items())
    seen: dict[str, str] = {}
    for heading in headings:
        for synonym in heading.synonyms:
            key = _heading_key(synonym)
            if key in seen and seen[key] != heading.code:
                raise DataError(
                    f"Ordlistan {name}: rubriken '{synonym}' står både under rubriker → "
                    f"{seen[key]} och rubriker → {heading.code}; ett namn hör till en rubrik."
                )
            seen[key] = heading.code
    return WordList(themes=themes, headings=headings, source=name)


def _check_keys(raw: dict[Any, Any], allowed: tuple[str, ...], where: str, name: str) -> None:
    unknown = [str(k) for k in raw if k not in allowed]
    if unknown:
        raise DataError(
            f"Ordlistan {name} har okända nycklar {where}: {', '.join(unknown)}. Tillåtna är "
            f"{', '.join(allowed)}."
        )


def _check_code(code: Any, section: str, name: str) -> str:
    if not isinstance(code, str) or not _CODE.match(code) or code in _RESERVED:
        raise DataError(
            f"Ordlistan {name}: koden {code!r} under '{section}' går inte att använda. En kod "
            "skrivs med små bokstäver a–z, siffror och understreck (utan å, ä, ö), t.ex. "
            f"'social_situation', och får inte vara {' eller '.join(_RESERVED)}."
        )
    return code


def _parse_theme(code: Any, value: Any, name: str) -> Theme:
    code = _check_code(code, "teman", name)
    where = f"teman → {code}"
    if not isinstance(value, dict):
        raise DataError(f"Ordlistan {name}: {where} ska ha nycklarna 'etikett' och 'ord'.")
    _check_keys(value, _THEME_KEYS, f"under {where}", name)
    label = value.get("etikett")
    if not isinstance(label, str) or not label.strip():
        raise DataError(f"Ordlistan {name}: {where} saknar 'etikett' (temats namn på svenska).")
    words = _parse_words(value.get("ord"), f"{where} → ord", name)
    if not words:
        raise DataError(f"Ordlistan {name}: {where} → ord är tomt. Ett tema behöver minst ett ord.")
    exclusions = _parse_words(value.get("utom"), f"{where} → utom", name)
    return Theme(code=code, label=label.strip(), words=words, exclusions=exclusions)


def _parse_words(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise DataError(f"Ordlistan {name}: {where} ska vara en lista av ord: [orolig, rädd].")
    words = []
    for word in value:
        normal = _normalise(word) if isinstance(word, str) else ""
        if not _WORD.fullmatch(normal) or normal.isdigit():
            shown = f"'{word}'" if isinstance(word, str) else f"en {type(word).__name__}"
            raise DataError(
                f"Ordlistan {name}: {where} innehåller {shown}, som inte är ett ord. Skriv ett ord "
                "per post, med bokstäver och utan mellanslag eller skiljetecken."
            )
        words.append(normal)
    return tuple(dict.fromkeys(words))


def _parse_heading(code: Any, value: Any, name: str) -> Heading:
    code = _check_code(code, "rubriker", name)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise DataError(
            f"Ordlistan {name}: rubriker → {code} ska vara en lista av rubriknamn, t.ex. "
            "[Social situation, Sociala förhållanden]."
        )
    for synonym in value:
        if not isinstance(synonym, str) or not _heading_key(synonym):
            raise DataError(
                f"Ordlistan {name}: rubriker → {code} innehåller ett tomt namn eller ett värde som "
                "inte är text. Skriv rubriken som den står i utredningen."
            )
    return Heading(code=code, synonyms=tuple(str(s).strip() for s in value))


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\u00ad", "").casefold()


def _heading_key(line: str) -> str:
    key = _SECTION_NUMBER.sub("", _normalise(line).strip())
    return _SPACES.sub(" ", key.removesuffix(":").strip())


@dataclass(frozen=True)
class _Matcher:
    words: dict[str, frozenset[str]]
    exclusions: dict[str, frozenset[str]]
    longest: int
    headings: dict[str, str]

    def themes_of(self, token: str) -> set[str]:
        found: set[str] = set()
        for ending in _ENDINGS:
            if not token.endswith(ending) or len(token) == len(ending):
                continue
            core = token[: len(token) - len(ending)]
            for start in range(max(0, len(core) - self.longest), len(core)):
                themes = self.words.get(core[start:])
                if themes and not core[:start].endswith(_NEGATING_PREFIXES):
                    found |= themes
        for ending in _ENDINGS if found else ():
            if token.endswith(ending) and len(token) > len(ending):
                found -= self.exclusions.get(token[: len(token) - len(ending)], frozenset())
        return found


@cache
def _matcher(word_list: WordList) -> _Matcher:
    words = [(_normalise(w), t.code) for t in word_list.themes for w in t.words]
    excluded = [(_normalise(w), t.code) for t in word_list.themes for w in t.exclusions]
    return _Matcher(
        words=_group(words),
        exclusions=_group(excluded),
        longest=max((len(word) for word, _ in words), default=0),
        headings={_heading_key(s): h.code for h in word_list.headings for s in h.synonyms},
    )


def _group(pairs: list[tuple[str, str]]) -> dict[str, frozenset[str]]:
    grouped: dict[str, set[str]] = {}
    for word, code in pairs:
        grouped.setdefault(word, set()).add(code)
    return {word: frozenset(codes) for word, codes in grouped.items()}


def _split_headings(text: str, matcher: _Matcher) -> Iterator[tuple[str, str]]:
    """Yield (section code, body line) for every line of a normalised text; internal only."""
    section = OTHER
    for line in text.splitlines():
        code = matcher.headings.get(_heading_key(line))
        if code is not None:
            section = code
            continue
        head, colon, rest = line.partition(":")
        code = matcher.headings.get(_heading_key(head)) if colon else None
        if code is not None:
            section = code
            yield section, rest
        else:
            yield section, line


def measure_text(text: str, word_list: WordList | None = None) -> dict[str, int]:
    """Count the words of one investigation text, per heading and per theme.

    Parameters
    ----------
    text
        The text of one investigation; it is read here and not kept.
    word_list
        Themes and headings; ``None`` for the list shipped with isuwork.

    Returns
    -------
    dict[str, int]
        In the order of :meth:`WordList.columns`:

        * ``ord_totalt``: words in the text, heading lines not counted;
        * ``ord_<heading>``: words under each heading (0 when the heading is absent);
        * ``ord_ovrigt``: words before the first recognised heading;
        * ``tema_<theme>``: occurrences of the theme's words (see the module's matching rule).

        ``ord_totalt`` is the sum of the ``ord_`` columns for the headings and ``ovrigt``.

    Raises
    ------
    DataError
        When ``text`` is not a string (the message names only its type).
    """
    if not isinstance(text, str):
        raise DataError(f"Texten att mäta ska vara text, inte {type(text).__name__}.")
    word_list = _word_list(word_list)
    matcher = _matcher(word_list)
    counts = dict.fromkeys(word_list.columns(), 0)
    themes: dict[str, set[str]] = {}
    for section, line in _split_headings(_normalise(text), matcher):
        for token in _WORD.findall(line):
            counts["ord_totalt"] += 1
            counts[f"ord_{section}"] += 1
            if token not in themes:  # a cache local to this call, dropped with the text
                themes[token] = matcher.themes_of(token)
            for theme in themes[token]:
                counts[f"tema_{theme}"] += 1
    return counts


def measure_texts(
    texts: Mapping[Any, Any] | pd.Series, word_list: WordList | None = None
) -> pd.DataFrame:
    """Measure many texts; one row of counts per case, the texts are not kept.

    Parameters
    ----------
    texts
        Case code → text, as a mapping or a Series indexed by case code. A missing text (None,
        NaN, ``pd.NA``) gives a row of missing counts; an empty text gives zeros.
    word_list
        Themes and headings; ``None`` for the list shipped with isuwork.

    Returns
    -------
    pandas.DataFrame
        Index ``granskningskod``, nullable integer (``Int64``) columns as in
        :func:`measure_text`.

    Raises
    ------
    DataError
        When a case code is missing, too long (probably text, not a code) or repeated, or a value
        is not text. Messages name the position or code, never a text.
    """
    if not isinstance(texts, pd.Series | Mapping):
        raise ParameterError(
            "Texterna ska ges som en ordbok (granskningskod → text) eller en pandas.Series, "
            f"inte {type(texts).__name__}."
        )
    items = enumerate(texts.items(), start=1)
    triples = ((code, text, f"post {number} av texterna") for number, (code, text) in items)
    return _measure_pairs(triples, _word_list(word_list))


def measure_text_column(
    frame: pd.DataFrame,
    column: str,
    *,
    code_column: str,
    word_list: WordList | None = None,
) -> pd.DataFrame:
    """Measure a text column of an export; the frame is not changed (drop the column yourself).

    Parameters
    ----------
    frame
        The export, one row per case.
    column
        The column with the investigation texts.
    code_column
        The column with the case codes (granskningskod).
    word_list
        Themes and headings; ``None`` for the list shipped with isuwork.

    Returns
    -------
    pandas.DataFrame
        One row per case as in :func:`measure_texts`, in the order of ``frame``.

    Raises
    ------
    DataError
        When a column is missing, a code is missing, too long or repeated, or a cell is not text.
        Messages name the row and column, never a text.
    """
    if column == code_column:
        raise ParameterError(
            f"Textkolumnen och kodkolumnen är samma ('{column}'). Ange kolumnen med "
            "granskningskoder som code_column."
        )
    for name, role in ((column, "texterna"), (code_column, "granskningskoderna")):
        if name not in frame.columns:
            raise DataError(
                f"Kolumnen '{name}' med {role} finns inte i tabellen. Tabellen har kolumnerna "
                f"{', '.join(map(str, frame.columns))}."
            )
    cells = enumerate(zip(frame[code_column], frame[column], strict=True), start=1)
    triples = ((code, text, f"rad {row} i kolumnen '{code_column}'") for row, (code, text) in cells)
    return _measure_pairs(triples, _word_list(word_list))


def measure_text_folder(
    folder: str | os.PathLike[str],
    word_list: WordList | None = None,
    *,
    pattern: str = "*.txt",
) -> pd.DataFrame:
    """Measure every text file in a folder; the file name without suffix is the case code.

    Files are read as UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark
    ('Unicode-text' from Word) or Windows-1252. Hidden files and Word's lock files (``~$…``)
    and folders are skipped.

    Parameters
    ----------
    folder
        The folder with one text file per case.
    word_list
        Themes and headings; ``None`` for the list shipped with isuwork.
    pattern
        Which files to read (a glob pattern relative to ``folder``).

    Returns
    -------
    pandas.DataFrame
        One row per file, sorted by file name, as in :func:`measure_texts`.

    Raises
    ------
    DataError
        When the folder is missing or has no matching files, a file cannot be read or decoded,
        or two files give the same case code. Messages name the file, never its content.
    """
    directory = Path(folder)
    if not directory.is_dir():
        state = "är inte en mapp" if directory.exists() else "finns inte"
        raise DataError(f"Mappen {directory} {state}. Ange mappen med utredningstexterna.")
    if not pattern:
        raise ParameterError("Mönstret för filnamn är tomt; ange t.ex. '*.txt'.")
    files = sorted(
        p for p in directory.glob(pattern) if p.is_file() and not p.name.startswith((".", "~$"))
    )
    if not files:
        raise DataError(
            f"Mappen {directory} har inga filer som matchar '{pattern}'. Spara utredningarna som "
            "textfiler, en fil per ärende med granskningskoden som filnamn (t.ex. K017.txt)."
        )
    word_list = _word_list(word_list)
    return _measure_pairs(
        ((file.stem, _read_text_file(file), f"filen {file.name}") for file in files), word_list
    )


def _read_text_file(path: Path) -> str:
    """The text of one file; errors name the file, never its content."""
    try:
        text = _decode(path.read_bytes())
    except OSError as error:
        raise DataError(f"Filen {path} går inte att läsa: {error.strerror}.") from None
    if text is None:
        raise DataError(
            f"Filen {path} går inte att läsa som text (varken UTF-8, UTF-16 eller Windows-1252). "
            "Spara den på nytt som oformaterad text med kodningen UTF-8."
        )
    return text


def _decode(data: bytes) -> str | None:
    """Decode a text file, or None; no decoding exception (which holds the bytes) escapes."""
    boms = {
        codecs.BOM_UTF8: "utf-8",
        codecs.BOM_UTF16_LE: "utf-16-le",
        codecs.BOM_UTF16_BE: "utf-16-be",
    }
    bom = next((b for b in boms if data.startswith(b)), None)
    candidates = [(data[len(bom) :], boms[bom])] if bom else [(data, "utf-8"), (data, "cp1252")]
    for raw, encoding in candidates:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _measure_pairs(triples: Iterable[tuple[Any, Any, str]], word_list: WordList) -> pd.DataFrame:
    """Measure (code, text, where) triples into a frame of counts."""
    columns = word_list.columns()
    codes: list[Any] = []
    rows: list[list[Any]] = []
    seen: dict[Any, str] = {}
    for code, value, where in triples:
        _check_case_code(code, where)
        if code in seen:
            raise DataError(
                f"Granskningskoden {code} förekommer två gånger ({seen[code]} och {where}). "
                "Varje ärende ska ha en egen kod."
            )
        seen[code] = where
        if isinstance(value, str):
            counts = measure_text(value, word_list)
            rows.append([counts[c] for c in columns])
        elif value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
            rows.append([pd.NA] * len(columns))
        else:
            raise DataError(
                f"Texten för {where} är inte text utan {type(value).__name__}. Kontrollera att "
                "rätt kolumn är vald."
            )
        del value
        codes.append(code)
    index = pd.Index(codes, name=INDEX_NAME)
    return pd.DataFrame(rows, index=index, columns=columns, dtype="Int64")


def _check_case_code(code: Any, where: str) -> None:
    if code is None or (pd.api.types.is_scalar(code) and pd.isna(code)):
        raise DataError(f"Granskningskoden saknas för {where}. Varje ärende behöver en kod.")
    if len(str(code)) > MAX_CODE_LENGTH or "\n" in str(code):
        raise DataError(
            f"Granskningskoden för {where} är längre än {MAX_CODE_LENGTH} tecken eller har "
            "radbrytningar; det ser ut som text och inte som en kod. Kontrollera att rätt kolumn "
            "är vald som granskningskod."
        )


def _word_list(word_list: WordList | None) -> WordList:
    if word_list is None:
        return load_word_list()
    if not isinstance(word_list, WordList):
        raise ParameterError(
            f"word_list ska vara en WordList från load_word_list(), inte {type(word_list).__name__}."
        )
    return word_list
