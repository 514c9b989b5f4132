"""The case review in the workbook: the teaching set's answer key holds, the group's chosen
differences go to the journal and on to step 2, and no sentence of an investigation text
reaches any output (tables, JSON, CSV, Excel, the journal, the rendered notebook)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import openpyxl
import pytest

from isuwork.analysis.review.teaching import load_review_answer_key
from isuwork.cli.main import main
from isuwork.data.prepare import load
from isuwork.present import tables
from isuwork.present.criteria_report import message
from isuwork.workbook.journal import journal_path, open_journal
from isuwork.workbook.observations import FROM_REVIEW_TEXT, check_observations
from isuwork.workbook.review_page import (
    FROM_REVIEW,
    ReviewObservations,
    clear_differences,
    open_review,
    review_answer_key_table,
    review_checks,
    review_list,
    review_rows,
)

ROOT = Path(__file__).resolve().parents[1]
REVIEW = ROOT / "data" / "sample" / "aktgranskning"
BOOK, KEY, TEXTS = REVIEW / "granskningsbok.xlsx", REVIEW / "nyckel.xlsx", REVIEW / "texter"


@pytest.fixture(scope="module")
def review():
    return open_review(BOOK, key=KEY, texts=TEXTS)


@pytest.fixture(scope="module")
def listed(review):
    return review_list(review, min_n=5)


def test_the_teaching_sets_answer_key_holds(review, listed):
    key = load_review_answer_key()
    checks = review_checks(review, min_n=5)
    table = review_answer_key_table(listed, key, checks)
    assert len(table) == len(key["patterns"]) + len(key["kriterier"]) >= 22
    assert (table["Stämmer"] == "ja").all(), table[table["Stämmer"] != "ja"].to_string()
    # the criteria check, independently: shower follows need, escort does not
    verdicts = {o["utfall"]: r.verdict for o, r in zip(*checks, strict=True)}
    assert verdicts["insats_ledsagning"] == "risk_unmotivated"
    assert verdicts["insats_dusch"] in ("uncertain", "explained")
    # a review's own check does not suggest a case review
    said = " ".join(message(r) for r in checks[1])
    assert "aktgranskning" not in said and "granskade ärenden" in said
    data = review.data
    for level, part in data.groupby("behov_max"):
        by_sex = part.groupby("kon", observed=True)["insats_dusch"].mean()
        assert abs(by_sex["kvinna"] - by_sex["man"]) <= 0.11, level  # equal within need
    # without the key's check, the criteria rows cannot agree
    unchecked = review_answer_key_table(listed, key)
    assert list(unchecked["Stämmer"].tail(2)) == ["nej", "nej"]


def test_the_answer_key_table_can_say_no(listed):
    key = load_review_answer_key()
    turned = {
        "patterns": [
            {**p, "riktning": {"kvinnor_hogre": "man_hogre"}.get(p["riktning"], p["riktning"])}
            for p in key["patterns"]
        ]
    }
    table = review_answer_key_table(listed, turned)
    flipped = [p["riktning"] == "kvinnor_hogre" for p in key["patterns"]]
    assert list(table["Stämmer"] == "nej") == flipped


def test_the_review_reads_with_its_key_and_texts(review):
    assert review.summary.startswith(
        "Granskningen har 100 granskade ärenden: 50 kvinnor och 50 män."
    )
    assert review.texts == 100 and review.warnings == ()
    assert {"kon", "fodelseland", "tema_otrygghet", "ord_social_situation"} <= set(review.data)


def test_parts_of_the_list(listed):
    items = review_rows(listed, text=False).table
    words = review_rows(listed, text=True).table
    within = review_rows(listed, within=True).table
    assert (items["bakgrund"] == "alla").all() and (words["bakgrund"] == "alla").all()
    assert not items["utfall"].str.startswith(("ord_", "tema_")).any()
    assert words["utfall"].str.startswith(("ord_", "tema_")).all()
    assert (within["bakgrund"] != "alla").all()
    assert len(items) + len(words) + len(within) == len(listed.table)


def test_chosen_differences_go_to_the_journal_and_step_2_says_where_they_are_from(listed, tmp_path):
    chosen = clear_differences(listed, top=5)
    assert len(chosen) == 5 and len({(c["utfall"], c["titel"]) for c in chosen}) == 5
    journal = open_journal("Exempelby", journal_dir=tmp_path)
    form = ReviewObservations(journal, chosen)
    form.boxes[0].value = form.boxes[2].value = True
    saved = form.save()
    assert len(saved) == 2 and not any(box.value for box in form.boxes)
    observations = open_journal("Exempelby", journal_dir=tmp_path).observations
    assert [o["utfall"] for o in observations] == [chosen[0]["utfall"], chosen[2]["utfall"]]
    assert all(o["beskrivning"].startswith(FROM_REVIEW) for o in observations)
    # step 2 checks the ISU data, which has no reviewed items: it says so in one sentence
    isu = load(ROOT / "data" / "sample" / "isu_exempel.csv").data
    review_items = [o for o in observations if o["utfall"] not in isu]
    assert review_items
    assert check_observations(isu, review_items) == [FROM_REVIEW_TEXT] * len(review_items)
    form.save()  # nothing marked: nothing saved
    assert len(open_journal("Exempelby", journal_dir=tmp_path).observations) == 2


# -- no text fragment in any output --------------------------------------------------------------
def _fragments() -> set[str]:
    """Every run of six words of every investigation text (headings are not sentences)."""
    found = set()
    for path in TEXTS.glob("*.txt"):
        words = re.findall(r"\w+", path.read_text(encoding="utf-8"))
        found |= {" ".join(words[k : k + 6]) for k in range(len(words) - 5)}
    return found


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text))


def _excel_text(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    return " ".join(
        str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r if c.value
    )


@pytest.mark.slow
def test_no_sentence_of_the_texts_reaches_any_output(listed, tmp_path, capsys):
    import papermill as pm

    outputs: dict[str, str] = {}
    book, key, texts = str(BOOK), str(KEY), str(TEXTS)
    for fmt in ("table", "json", "csv"):
        assert (
            main(["review", "analyse", book, "--nyckel", key, "--texter", texts, "--format", fmt])
            == 0
        )
        outputs[fmt] = capsys.readouterr().out
    xlsx = tmp_path / "analys.xlsx"
    common = ["--nyckel", key, "--texter", texts]
    assert main(["review", "analyse", book, *common, "--format", "xlsx", "--out", str(xlsx)]) == 0
    outputs["xlsx"] = _excel_text(xlsx)
    assert main(["review", "check", book, *common]) == 0
    outputs["check"] = capsys.readouterr().out
    outputs["list"] = tables.to_text(listed) + json.dumps(tables.to_records(listed))
    # the notebook, run as a report, and the journal a live session writes
    executed = tmp_path / "05.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "05_aktgranskning.ipynb"),
        str(executed),
        parameters={
            "bok": book,
            "nyckel": key,
            "texter": texts,
            "journal_dir": str(tmp_path / "journal"),
            "interaktiv": False,
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(ROOT / "notebooks"),
    )
    outputs["notebook"] = executed.read_text(encoding="utf-8")
    journal = open_journal("Exempelby", journal_dir=tmp_path / "journal")
    for obs in clear_differences(listed):
        journal.add_observation(obs["titel"], beskrivning=obs["beskrivning"], utfall=obs["utfall"])
    outputs["journal"] = journal_path("Exempelby", journal_dir=tmp_path / "journal").read_text(
        encoding="utf-8"
    )
    fragments = _fragments()
    assert len(fragments) > 10_000
    for name, text in outputs.items():
        plain = _words(text)
        leaked = [f for f in fragments if f in plain]
        assert not leaked, (name, leaked[:3])
    # the notebook shows the review: every clear planted pattern's sentence is on the page
    page = nbformat.read(executed, as_version=4)
    shown = " ".join(
        str(o.get("data", {}).get("text/html", "")) + str(o.get("text", ""))
        for c in page.cells
        for o in c.get("outputs", [])
    )
    table = listed.table
    for pattern in load_review_answer_key()["patterns"]:
        if pattern.get("bakgrund"):
            continue  # within a background level: the answer key of the course's facit
        row = table[
            (table["utfall"] == pattern["utfall"])
            & (table["bakgrund"] == "alla")
            & (table["kategori"].astype("string").fillna("") == (pattern.get("niva") or ""))
        ]
        if row.empty:  # a category no case has (no son initiated a case)
            continue
        label = row["mening"].iloc[0].split(":")[0]
        assert label in shown, pattern["id"]
