"""The workbook notebooks: committed clean, one parameters cell of literals, and they run.

Execution uses papermill through :func:`isuwork.render.render_reports` (the same path the
regional analyst uses), on the sample data for two kommuner and two parameter sets, and checks
the rendered reports for key content, error outputs and anything that looks like personal data.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from isuwork.domain.vocabulary import VERDICT_LABELS
from isuwork.render import DEFAULT_NOTEBOOKS, render_reports, reports_parameters

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
SAMPLE = ROOT / "data" / "sample" / "isu_exempel.csv"


def test_there_are_five_step_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {"00_kom_igang.ipynb", *DEFAULT_NOTEBOOKS} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exactly_one_parameters_cell_of_annotated_literals(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    tree = ast.parse(tagged[0].source)
    for node in tree.body:
        assert isinstance(node, ast.AnnAssign), ast.dump(node)
        assert isinstance(node.value, ast.Constant)  # a literal, nothing derived
    for line in tagged[0].source.splitlines():
        assert "  # " in line  # every parameter explained in Swedish
    names = {node.target.id for node in tree.body}
    if path.name in DEFAULT_NOTEBOOKS:
        assert {
            "kommun",
            "data",
            "mapping",
            "min_n",
            "verksamhet",
            "journal_dir",
            "interaktiv",
        } <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_thin_cells(path):
    """Narrative plus calls: no loops, function or class definitions in code cells."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            for node in ast.walk(ast.parse(cell.source)):
                assert not isinstance(node, ast.For | ast.While | ast.FunctionDef | ast.ClassDef)


PERSONNUMMER = re.compile(r"(?<!\d)(?:19|20)?\d{6}[-+]?\d{4}(?!\d)")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("label", "extra"),
    [("alla", {"min_n": 5, "verksamhet": ""}), ("lss", {"min_n": 10, "verksamhet": "lss"})],
)
def test_notebooks_run_for_two_kommuner(tmp_path, label, extra):
    params = reports_parameters(data=SAMPLE, journal_dir=tmp_path / "journal")
    params.update(extra)
    summary = render_reports(
        ["Exempelby", "Sjövik"],
        out_dir=tmp_path / "reports",
        parameters=params,
        workers=2,
        progress=False,
    )
    assert summary.failures == []
    assert len(summary.pages) == 2 * len(DEFAULT_NOTEBOOKS)
    for page in summary.pages:
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text and "Error" not in text.replace("PrivacyError", "")
        assert not PERSONNUMMER.search(re.sub(r"<[^>]+>", " ", text))
        assert "Fritext tas bort vid förberedelsen" not in text
        assert str(tmp_path) not in text  # no path of the machine that made the report
        assert text.count("Journalen för") == 1  # the empty journal in one sentence
    step1 = (tmp_path / "reports" / "exempelby" / "01_vad_ser_vi.html").read_text("utf-8")
    assert "De största skillnaderna" in step1 and "Iakttagelse" in step1
    assert step1.count("<img") >= 4  # the charts reach the report as images
    assert step1.count('alt="Diagram: ') == step1.count("<img")  # Swedish alt text on each
    step2 = (tmp_path / "reports" / "sjovik" / "02_vi_reflekterar.html").read_text("utf-8")
    assert "Bedömning:" in step2  # the criteria verdict is shown
    assert "risk" in step2.lower()
    _check_workbook_and_pdf(tmp_path / "reports" / "exempelby", "Exempelby", min_n=extra["min_n"])


def _check_workbook_and_pdf(folder, kommun, *, min_n):
    """The kommun's workbook has a sheet per table shown, numbers as numbers and no small count;
    its PDF has every page, its tables and its charts."""
    import nbformat
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from isuwork.present.tables import COUNT_FORMAT
    from isuwork.render.bundle import bundle_paths, page_tables

    xlsx, pdf = bundle_paths(kommun, folder)
    executed = [nbformat.read(folder / "ipynb" / name, as_version=4) for name in DEFAULT_NOTEBOOKS]
    shown = [table for nb in executed for table in page_tables(nb)]
    book = load_workbook(xlsx)
    assert len(book.sheetnames) == 1 + len(shown) >= 4
    counts = [
        cell.value
        for sheet in book.worksheets[1:]
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if cell.number_format == COUNT_FORMAT
    ]
    assert counts and all(isinstance(v, int) and (v == 0 or v >= min_n) for v in counts)
    reader = PdfReader(pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in ["Steg 1. Vad ser vi?", "Steg 2. Vi reflekterar", "Steg 4. Hur kan vi"]:
        assert heading in text
    assert "Saknade uppgifter per kön" in text and "De största skillnaderna" in text
    charts = sum(
        "image/png" in output.get("data", {})
        for nb in executed
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )
    assert len({img.name for page in reader.pages for img in page.images}) >= charts >= 4


@pytest.mark.slow
def test_getting_started_notebook_runs(tmp_path):
    import papermill as pm

    out = tmp_path / "00.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "00_kom_igang.ipynb"),
        str(out),
        parameters={
            "data": str(ROOT / "data" / "sample" / "export_exempel.xlsx"),
            "mapping": str(ROOT / "data" / "sample" / "mapping_exempel.yaml"),
            "spara_som": str(tmp_path / "forberedd.parquet"),
            "interaktiv": False,
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(ROOT / "notebooks"),
    )
    assert (tmp_path / "forberedd.parquet").exists()
    from isuwork.data.prepare import load

    again = load(tmp_path / "forberedd.parquet")
    assert again.report.rows_kept == 3000


@pytest.mark.slow
def test_course_notebooks_run(tmp_path):
    summary = render_reports(
        ["Exempelby"],
        out_dir=tmp_path / "kurs",
        notebooks=sorted((ROOT / "notebooks" / "ovningar").glob("*.ipynb")),
        parameters={"data": str(SAMPLE)},
        workers=2,
        progress=False,
    )
    assert summary.failures == []
    answer = (tmp_path / "kurs" / "exempelby" / "facit_ovningar.html").read_text("utf-8")
    assert VERDICT_LABELS["risk_unmotivated"] in answer
    assert VERDICT_LABELS["explained"] in answer
    # exercise 3: every planted pattern of the case review is in the facit, and each agrees
    review = answer[answer.index("Övning 3: aktgranskningen") :]
    from isuwork.analysis.review.teaching import load_review_answer_key

    key = load_review_answer_key()
    patterns = key["patterns"] + key["kriterier"]
    assert all(p["titel"] in review for p in patterns)
    assert review.count(">ja</td>") == len(patterns) and ">nej</td>" not in review
    exercise = (tmp_path / "kurs" / "exempelby" / "ovning_3_aktgranskning.html").read_text("utf-8")
    assert "Beviljad dusch: kvinnor 68,0" in exercise


@pytest.mark.slow
def test_pages_go_on_without_optional_columns(tmp_path):
    """An export without enhet, age, decision dates, country of birth and hours: every page is
    made, and each section that needed what is missing says so in its place."""
    import pandas as pd

    raw = pd.read_csv(SAMPLE, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw = raw[raw["kommun"] == "Sjövik"].drop(
        columns=["enhet", "alder", "datum_beslut", "fodelseland", "hemtjanst_tim_man"]
    )
    export = tmp_path / "utan_valfria.csv"
    raw.to_csv(export, sep=";", index=False)
    summary = render_reports(
        None,
        out_dir=tmp_path / "reports",
        parameters=reports_parameters(data=export, journal_dir=tmp_path / "journal"),
        workers=1,
        progress=False,
    )
    assert summary.failures == [] and len(summary.pages) == len(DEFAULT_NOTEBOOKS)
    step1 = (tmp_path / "reports" / "sjovik" / "01_vad_ser_vi.html").read_text("utf-8")
    assert "Jämförelsen mellan enheter visas inte. Uppgift saknas: enhet" in step1
    assert "inga uppgifter om åldersgrupp" in step1 and "inga uppgifter om år" in step1
    assert "De största skillnaderna" in step1  # the screening itself goes on


def test_every_chart_cell_has_a_swedish_alt_text():
    """A rendered chart's alt text comes from its cell (nbconvert's English default otherwise)."""
    for path in [ROOT / "notebooks" / name for name in DEFAULT_NOTEBOOKS]:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and "plots." in cell.source:
                assert cell.metadata.get("alt", "").startswith("Diagram: "), (
                    path.name,
                    cell.source,
                )
