"""Text measures for case review: word matching, headings, the word list file, folders, privacy.

Every expected count below is counted by hand from the small text in the test.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pytest

from isuwork.data.text_measures import (
    INDEX_NAME,
    Heading,
    Theme,
    WordList,
    load_word_list,
    measure_text,
    measure_text_column,
    measure_text_folder,
    measure_texts,
)
from isuwork.exceptions import DataError, ParameterError


@pytest.fixture(scope="module")
def words() -> WordList:
    return load_word_list()


def theme(text: str, code: str, word_list: WordList) -> int:
    return measure_text(text, word_list)[f"tema_{code}"]


# --- matching words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("otrygg otryggt otrygga", "otrygghet", 3),
        ("trött trötta tröttare tröttast", "trotthet", 4),
        ("rädd rädda räddare", "otrygghet", 3),
        ("orolig oroligt oroliga oroligare oroligast", "otrygghet", 5),
        ("oro oron orons", "otrygghet", 3),
        ("osäker osäkert osäkra", "otrygghet", 3),  # osäkra is listed as an irregular form
        ("nöjd nöjda nöjt", "positiva", 3),
        ("ensam ensamt ensamma", "ensamhet", 3),
        ("isolerad isolerade isolerat", "ensamhet", 3),
        ("orolighet trötthet", "otrygghet", 1),  # a listed derivation counts
        ("rolig roligt", "otrygghet", 0),  # neither oro nor orolig
        ("larmet tryggheten", "positiva", 1),
    ],
)
def test_inflected_forms(words, text, code, expected):
    assert theme(text, code, words) == expected


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("jätteorolig", "otrygghet", 1),  # theme word as the last part counts
        ("dödsrädd", "otrygghet", 1),
        ("livsglädje", "positiva", 1),
        ("jätte-orolig", "otrygghet", 1),  # a hyphen splits the compound: orolig is a word
        ("trygghetslarm", "positiva", 0),  # an intervention, trygg is the first part
        ("trygghetslarmet trygghetsboende", "positiva", 0),
        ("ensamstående ensamhushåll", "ensamhet", 0),  # civil status, not loneliness
        ("otrygg", "positiva", 0),  # o- turns trygg into its opposite
        ("missnöjd orädd", "positiva", 0),
        ("orädd jätteorädd", "otrygghet", 0),
        ("självnöjd självnöjda", "positiva", 0),  # listed under utom
        ("inte orolig", "otrygghet", 1),  # negation is not handled, as in Botkyrka's count
    ],
)
def test_compounds_negating_prefixes_and_exclusions(words, text, code, expected):
    assert theme(text, code, words) == expected


def test_a_word_counts_once_per_theme_but_in_each_theme_it_belongs_to():
    shared = WordList(
        themes=(
            Theme("a", "A", ("orolig", "oro")),
            Theme("b", "B", ("orolig",)),
        )
    )
    # "oroligt" is orolig + t for both themes; oro does not match (lig is no ending)
    counts = measure_text("oroligt", shared)
    assert (counts["tema_a"], counts["tema_b"]) == (1, 1)


def test_case_punctuation_and_swedish_letters(words):
    text = "Otrygg. ORO! Rädd, ÄNGSLIG; ångest? (trött) “glad” Nöjd…"
    counts = measure_text(text, words)
    assert counts["tema_otrygghet"] == 5
    assert counts["tema_trotthet"] == 1
    assert counts["tema_positiva"] == 2
    assert counts["ord_totalt"] == 8


def test_decomposed_text_from_word_counts_like_composed(words):
    composed = "Hälsotillstånd:\nHon är rädd och ängslig, trött och nöjd."
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert measure_text(decomposed, words) == measure_text(composed, words)
    counts = measure_text(decomposed, words)
    assert counts["ord_halsotillstand"] == 8
    assert counts["tema_otrygghet"] == 2


def test_soft_hyphens_do_not_split_words(words):
    assert theme("oro\u00adlig", "otrygghet", words) == 1


# --- headings ----------------------------------------------------------------------------------


def test_words_per_heading_with_synonyms_colons_and_text_before_the_first_heading(words):
    text = (
        "Ärendet gäller hemtjänst.\n"  # a heading? no: "Ärendet gäller …" is a sentence
        "SOCIALA FÖRHÅLLANDEN:\n"
        "Bor ensam i lägenhet.\n"
        "Dottern hälsar på.\n"
        "\n"
        "3. Aktuell situation\n"
        "Är trött.\n"
        "Hälsa: Har diabetes och är orolig\n"
    )
    counts = measure_text(text, words)
    assert counts["ord_ovrigt"] == 3
    assert counts["ord_social_situation"] == 7
    assert counts["ord_aktuellt_tillstand"] == 2
    assert counts["ord_halsotillstand"] == 5  # text after "Hälsa:" on the same line
    assert counts["ord_bedomning"] == 0  # absent heading
    assert counts["ord_totalt"] == 17
    assert counts["tema_ensamhet"] == 1
    assert counts["tema_trotthet"] == 1
    assert counts["tema_otrygghet"] == 1


def test_heading_lines_are_not_counted_and_repeated_headings_add_up(words):
    text = "Social situation\nett två\nHälsotillstånd\ntre\nSocial situation:\nfyra fem sex"
    counts = measure_text(text, words)
    assert counts["ord_social_situation"] == 5
    assert counts["ord_halsotillstand"] == 1
    assert counts["ord_totalt"] == 6
    assert counts["ord_ovrigt"] == 0


def test_unknown_headings_belong_to_the_heading_before(words):
    text = "Hälsotillstånd\nett två\nFritidsintressen\ntre"
    counts = measure_text(text, words)
    assert counts["ord_halsotillstand"] == 4  # "Fritidsintressen" is a word of the section


def test_a_text_without_headings_is_all_ovrigt(words):
    counts = measure_text("Hon är trött. Hon är glad.", words)
    assert counts["ord_ovrigt"] == counts["ord_totalt"] == 6
    assert all(
        v == 0
        for k, v in counts.items()
        if k.startswith("ord_") and k not in ("ord_ovrigt", "ord_totalt")
    )


def test_columns_and_empty_text(words):
    counts = measure_text("", words)
    assert list(counts) == words.columns()
    assert set(counts.values()) == {0}
    assert words.columns()[:1] == ["ord_totalt"]
    for code in ("social_situation", "aktuellt_tillstand", "halsotillstand"):
        assert f"ord_{code}" in counts
    for code in ("otrygghet", "trotthet", "ensamhet", "positiva"):
        assert f"tema_{code}" in counts
    assert set(words.column_labels()) == set(words.columns())


# --- many texts --------------------------------------------------------------------------------


def test_measure_texts_from_a_mapping_and_a_series(words):
    texts = {"K1": "Hon är orolig.", "K2": "Han är trött och orkeslös.", "K3": "", "K4": None}
    frame = measure_texts(texts, words)
    assert frame.index.name == INDEX_NAME
    assert list(frame.index) == ["K1", "K2", "K3", "K4"]
    assert all(str(dtype) == "Int64" for dtype in frame.dtypes)
    assert frame.loc["K1", "tema_otrygghet"] == 1
    assert frame.loc["K2", "tema_trotthet"] == 2
    assert frame.loc["K2", "ord_totalt"] == 5
    assert frame.loc["K3"].eq(0).all()
    assert frame.loc["K4"].isna().all()  # a missing text is missing, not zero words
    series = pd.Series(texts, dtype="string")
    pd.testing.assert_frame_equal(measure_texts(series, words), frame, check_index_type=False)


def test_measure_texts_rejects_bad_input(words):
    with pytest.raises(ParameterError):
        measure_texts(["orolig"], words)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="int"):
        measure_texts({"K1": 12}, words)
    with pytest.raises(DataError, match="K1 förekommer två gånger"):
        measure_texts(pd.Series(["a", "b"], index=["K1", "K1"]), words)
    with pytest.raises(ParameterError, match="WordList"):
        measure_texts({"K1": "a"}, {"teman": {}})  # type: ignore[arg-type]


def test_measure_text_column_leaves_the_frame_alone(words):
    export = pd.DataFrame(
        {
            "kod": ["A1", "A2"],
            "kon": ["kvinna", "man"],
            "utredning": ["Social situation\nHon är rädd och otrygg.", pd.NA],
        }
    ).astype({"utredning": "string"})
    before = export.copy()
    frame = measure_text_column(export, "utredning", code_column="kod", word_list=words)
    pd.testing.assert_frame_equal(export, before)
    assert list(frame.index) == ["A1", "A2"]
    assert frame.loc["A1", "ord_social_situation"] == 5
    assert frame.loc["A1", "tema_otrygghet"] == 2
    assert frame.loc["A2"].isna().all()
    with pytest.raises(DataError, match="'text'"):
        measure_text_column(export, "text", code_column="kod")
    with pytest.raises(DataError, match="rad 2"):
        measure_text_column(export.assign(kod=["A1", None]), "utredning", code_column="kod")
    with pytest.raises(ParameterError):
        measure_text_column(export, "kod", code_column="kod")


def test_the_wrong_code_column_is_caught_without_showing_it(words):
    text = "Brukaren berättar att hon är mycket orolig för kvällarna och nätterna här hemma."
    export = pd.DataFrame({"kod": ["A1"], "utredning": [text]})
    with pytest.raises(DataError) as caught:
        measure_text_column(export, "kod", code_column="utredning", word_list=words)
    assert "kvällarna" not in str(caught.value)


# --- the word list file ------------------------------------------------------------------------


def test_the_shipped_list_has_the_botkyrka_words(words):
    by_code = {t.code: t for t in words.themes}
    assert {"osäker", "otrygg", "orolig", "rädd"} <= set(by_code["otrygghet"].words)
    assert {"orkeslös", "trött"} <= set(by_code["trotthet"].words)
    assert "isolerad" in by_code["ensamhet"].words
    assert {"nöjd", "trygg", "stark", "glad"} <= set(by_code["positiva"].words)
    headings = {h.code: h for h in words.headings}
    assert headings["social_situation"].label == "Social situation"
    assert "Aktuell situation" in headings["aktuellt_tillstand"].synonyms
    assert "Hälsotillstånd" in headings["halsotillstand"].synonyms
    assert load_word_list() is load_word_list()


USER_LIST = """\
# en egen lista
teman:
  ledsenhet:
    etikett: Ledsenhet
    ord: [ledsen, ledsna, Nedstämd]
  positiva:
    etikett: Positiva ord
    ord: [glad]
    utom: [skadeglad]
rubriker:
  social_situation: [Social situation]
  intressen: [Intressen, Fritid]
"""


def test_a_user_edited_list_with_a_new_theme_and_heading(tmp_path):
    path = tmp_path / "min_lista.yaml"
    path.write_text(USER_LIST, encoding="utf-8")
    own = load_word_list(path)
    assert [t.code for t in own.themes] == ["ledsenhet", "positiva"]
    assert own.themes[0].words == ("ledsen", "ledsna", "nedstämd")
    assert own.headings[1] == Heading("intressen", ("Intressen", "Fritid"))
    text = "Fritid:\nTycker om att läsa, är ledsen och NEDSTÄMDA ibland.\nGlad men skadeglad."
    counts = measure_text(text, own)
    assert list(counts) == [
        "ord_totalt",
        "ord_social_situation",
        "ord_intressen",
        "ord_ovrigt",
        "tema_ledsenhet",
        "tema_positiva",
    ]
    assert counts["ord_intressen"] == 12
    assert counts["tema_ledsenhet"] == 2
    assert counts["tema_positiva"] == 1


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("teman: {a: {etikett: A, ord: [x]}}\nextra: 1\n", ["extra", "okända nycklar"]),
        ("teman:\n  tom:\n    etikett: Tom\n    ord: []\n", ["teman → tom → ord", "tomt"]),
        ("teman:\n  a:\n    etikett: A\n    ord: [orolig, 12]\n", ["teman → a → ord", "int"]),
        ("teman:\n  a:\n    etikett: A\n    ord: [inte orolig]\n", ["'inte orolig'"]),
        ("teman:\n  a:\n    etikett: A\n    ord: [x]\n    vikt: 2\n", ["teman → a", "vikt"]),
        ("teman:\n  a:\n    ord: [x]\n", ["teman → a", "etikett"]),
        ("teman:\n  Oro:\n    etikett: A\n    ord: [x]\n", ["'Oro'", "små bokstäver"]),
        ("teman: {a: {etikett: A, ord: [x]}}\nrubriker:\n  ovrigt: [Övrigt]\n", ["'ovrigt'"]),
        ("rubriker: {a: [A]}\n", ["saknar teman"]),
        (
            "teman: {a: {etikett: A, ord: [x]}}\nrubriker: {a: [Hälsa], b: ['hälsa:']}\n",
            ["'hälsa:'", "rubriker → a", "rubriker → b"],
        ),
        ("teman: {a: {etikett: A, ord: [x]}}\nrubriker: {a: [Hälsa, 3]}\n", ["rubriker → a"]),
        ("teman: [a\n", ["inte giltig YAML"]),
        ("- bara en lista\n", ["'teman'"]),
    ],
)
def test_word_list_errors_name_the_file_and_the_key(tmp_path, content, fragments):
    path = tmp_path / "fel_lista.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_word_list(path)
    message = str(caught.value)
    assert "fel_lista.yaml" in message
    for fragment in fragments:
        assert fragment in message


def test_a_missing_word_list_file(tmp_path):
    with pytest.raises(DataError, match="finns inte"):
        load_word_list(tmp_path / "saknas.yaml")


# --- folders -----------------------------------------------------------------------------------


def test_folder_with_utf8_bom_cp1252_and_utf16_files(tmp_path, words):
    (tmp_path / "K01.txt").write_bytes("Hälsotillstånd:\nRädd och ängslig.".encode("utf-8-sig"))
    (tmp_path / "K02.txt").write_bytes("Social situation\nTrött och ensam.".encode("cp1252"))
    (tmp_path / "K03.txt").write_bytes("Är nöjd.".encode("utf-16"))
    (tmp_path / "K04.txt").write_bytes("Är orolig.".encode())
    (tmp_path / "anteckning.md").write_text("orolig", encoding="utf-8")  # not *.txt
    (tmp_path / "~$K01.txt").write_bytes(b"\x00\x81")  # Word's lock file is skipped
    (tmp_path / "undermapp.txt").mkdir()  # a folder is skipped
    frame = measure_text_folder(tmp_path, words)
    assert list(frame.index) == ["K01", "K02", "K03", "K04"]
    assert frame.index.name == INDEX_NAME
    assert frame.loc["K01", "ord_halsotillstand"] == 3
    assert frame.loc["K01", "tema_otrygghet"] == 2
    assert frame.loc["K02", "ord_social_situation"] == 3
    assert frame.loc["K02", "tema_trotthet"] == 1
    assert frame.loc["K02", "tema_ensamhet"] == 1
    assert frame.loc["K03", "tema_positiva"] == 1
    assert frame.loc["K04", "tema_otrygghet"] == 1
    assert measure_text_folder(tmp_path, words, pattern="*.md").loc["anteckning", "ord_totalt"] == 1


def test_folder_errors_name_the_file_but_not_its_content(tmp_path, words):
    with pytest.raises(DataError, match="inga filer"):
        measure_text_folder(tmp_path, words)
    with pytest.raises(DataError, match="finns inte"):
        measure_text_folder(tmp_path / "saknas", words)
    (tmp_path / "K01.txt").write_text("Hon är orolig", encoding="utf-8")
    with pytest.raises(DataError, match="inte en mapp"):
        measure_text_folder(tmp_path / "K01.txt", words)
    secret = "Hemlig mening om brukarens granne"
    (tmp_path / "K02.txt").write_bytes(secret.encode("cp1252") + b"\x81\x8d")
    with pytest.raises(DataError) as caught:
        measure_text_folder(tmp_path, words)
    message = str(caught.value)
    assert "K02.txt" in message
    assert "Hemlig" not in message and "granne" not in message
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_two_files_with_the_same_case_code(tmp_path, words):
    (tmp_path / "K01.txt").write_text("ett", encoding="utf-8")
    (tmp_path / "K01.text").write_text("två", encoding="utf-8")
    with pytest.raises(DataError, match="K01 förekommer två gånger"):
        measure_text_folder(tmp_path, words, pattern="K01.*")


# --- privacy -----------------------------------------------------------------------------------

SECRETS = {
    "P1": "Social situation:\nMaria Lindqvist träffar sin dotter Karin varannan söndag i Fittja.\n"
    "Hälsotillstånd\nHon är orolig efter fallet i badrummet i mars.",
    "P2": "Aktuell situation\nHan är trött sedan operationen av höften på Karolinska.",
}


def _fragments(texts) -> set[str]:
    found = set()
    for text in texts:
        tokens = re.findall(r"\w+", text)
        found |= {" ".join(tokens[i : i + 3]) for i in range(len(tokens) - 2)}
    # distinctive words on their own (not heading words, which name output columns)
    found |= {"Lindqvist", "Karin", "Fittja", "badrummet", "Karolinska", "höften"}
    return found


def _leaks(output: str) -> list[str]:
    flat = re.sub(r"\W+", " ", output)
    return [f for f in _fragments(SECRETS.values()) if f in output or f in flat]


def test_no_fragment_of_a_text_appears_in_the_output(tmp_path, words):
    frame = measure_texts(SECRETS, words)
    for output in (repr(frame), frame.to_json(), frame.to_csv(), frame.to_string()):
        assert _leaks(output) == []
    assert frame.loc["P1", "tema_otrygghet"] == 1
    assert frame.loc["P2", "tema_trotthet"] == 1
    for code, text in SECRETS.items():
        (tmp_path / f"{code}.txt").write_text(text, encoding="utf-8")
    from_files = measure_text_folder(tmp_path, words)
    assert _leaks(repr(from_files) + from_files.to_json()) == []
    column = measure_text_column(
        pd.DataFrame({"kod": list(SECRETS), "text": list(SECRETS.values())}),
        "text",
        code_column="kod",
        word_list=words,
    )
    assert _leaks(repr(column) + column.to_csv()) == []


def test_no_fragment_of_a_text_appears_in_an_error(tmp_path, words):
    messages = []
    bad_inputs = [
        lambda: measure_texts({**SECRETS, "P3": 3.5}, words),
        lambda: measure_texts(pd.Series(list(SECRETS.values()), index=["P1", "P1"]), words),
        lambda: measure_texts({SECRETS["P1"]: "orolig"}, words),  # text as a code
        lambda: measure_text_column(
            pd.DataFrame({"kod": ["P1"], "text": [SECRETS["P1"]]}), "text", code_column="fel"
        ),
        lambda: measure_text(b"orolig", words),  # type: ignore[arg-type]
    ]
    for call in bad_inputs:
        with pytest.raises((DataError, ParameterError)) as caught:
            call()
        messages.append(str(caught.value))
    path = tmp_path / "P9.txt"
    path.write_bytes(SECRETS["P1"].encode("cp1252") + b"\x81")
    with pytest.raises(DataError) as caught:
        measure_text_folder(tmp_path, words)
    messages.append(str(caught.value))
    assert "P9.txt" in messages[-1]
    for message in messages:
        assert _leaks(message) == [], message
