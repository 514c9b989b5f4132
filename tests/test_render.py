"""Rendering: papermill per kommun into offline HTML without code, an index page, failures reported."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from isuwork.domain.vocabulary import kommun_slug
from isuwork.exceptions import ParameterError
from isuwork.render import plan_jobs, render_reports
from isuwork.render.kernel import INLINE_BACKEND

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "isu_exempel.csv"


def _page(path, body: str, *, title: str = ""):
    """A notebook with a tagged parameters cell (``kommun``, ``interaktiv``) and one code cell."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('kommun: str = "Exempel"  # kommun\ninteraktiv: bool = True')
    params.metadata["tags"] = ["parameters"]
    heading = [nbformat.v4.new_markdown_cell(title)] if title else []
    nb.cells = [*heading, params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def _notebook(path, *, fail_for: str | None = None):
    body = (
        "import os\nprint('Rapport för', kommun, 'interaktiv =', interaktiv)\n"
        "print('BLAS-trådar:', os.environ.get('OPENBLAS_NUM_THREADS'))\nsecret_code_marker = 1"
    )
    if fail_for:
        body += f"\nif kommun == {fail_for!r}:\n    raise ValueError('planerat fel')"
    return _page(path, body, title="# Testrapport\n\nText för läsaren.")


def test_report_folder_is_the_journal_slug(tmp_path):
    """One slug names a kommun's report folder and its journal file (they used to differ)."""
    jobs = plan_jobs(["Åsunda kommun", "  Öby/Väst "], out_dir=tmp_path)
    folders = [job.html_path.parent.name for job in jobs]
    assert (
        set(folders)
        == {"asunda-kommun", "oby-vast"}
        == {
            kommun_slug("Åsunda kommun"),
            kommun_slug("  Öby/Väst "),
        }
    )
    with pytest.raises(ParameterError, match="Kommunens namn"):
        plan_jobs(["!!!"], out_dir=tmp_path)


def test_plan_rejects_missing_notebook(tmp_path):
    with pytest.raises(ParameterError, match="finns inte"):
        plan_jobs(["A"], out_dir=tmp_path, notebooks=["saknas.ipynb"], notebook_dir=tmp_path)
    with pytest.raises(ParameterError, match="minst en kommun"):
        plan_jobs([], out_dir=tmp_path, notebooks=[], notebook_dir=tmp_path)


def _executed(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _code(*outputs, alt: str = ""):
    cell = nbformat.v4.new_code_cell("hemlig_kod = 1")
    cell.outputs = [nbformat.v4.new_output(**o) for o in outputs]
    if alt:
        cell.metadata["alt"] = alt
    return cell


def test_a_page_holds_what_the_cells_showed_and_nothing_else():
    """Text, tables, charts and printed lines, in order; no code, widget views or scripts."""
    from isuwork.render.bundle import print_body
    from isuwork.render.page import notebook_body

    card = "<p>Kort</p><details><summary>Siffrorna</summary><table><tr><td>42</td></tr></table></details>"
    nb = _executed(
        nbformat.v4.new_markdown_cell("## Går det att lita på data?\n\nText *här*."),
        _code(
            {"output_type": "stream", "name": "stdout", "text": "Exempelby: 3 < 4 rader\n"},
            {"output_type": "display_data", "data": {"text/html": card, "text/plain": "Kort"}},
            {
                "output_type": "display_data",
                "data": {
                    "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                    "text/plain": "VBox(children=())",
                },
            },
            {"output_type": "display_data", "data": {"image/png": "iVBORw0K\n", "text/plain": "F"}},
            {"output_type": "display_data", "data": {"text/markdown": "*Enheter visas inte.*"}},
            {
                "output_type": "display_data",
                "data": {"text/html": "<script>alert(1)</script><b>Tabell</b>"},
            },
            alt="Diagram: andelen beviljade för kvinnor & män",
        ),
    )
    body = notebook_body(nb)
    order = [
        "<h2>Går det att lita på data?</h2>",
        "<em>här</em>",
        "3 &lt; 4 rader",
        "Kort",
        'base64,iVBORw0K" alt="Diagram: andelen beviljade för kvinnor &amp; män"',
        "<em>Enheter",
        "<b>Tabell",
    ]
    positions = [body.index(part) for part in order]
    assert positions == sorted(positions)
    assert "hemlig_kod" not in body and "VBox" not in body and "<script" not in body
    assert "¶" not in body and "anchor-link" not in body
    assert "<td>42</td>" in body  # the web page keeps the folded numbers …
    printed = print_body(nb)
    assert "<summary>Siffrorna</summary></details>" in printed  # … print keeps their heading
    assert "<td>42</td>" not in printed and "<em>här</em>" in printed


@pytest.mark.slow
def test_render_two_kommuner_in_parallel_offline_without_code(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    nb = _notebook(tmp_path / "rapport.ipynb", fail_for="Trasiga")
    out = tmp_path / "reports"
    summary = render_reports(
        ["Ädelby", "Bäckstad", "Trasiga"],
        out_dir=out,
        notebooks=[nb],
        workers=2,
        progress=False,
    )
    assert len(summary.pages) == 2
    assert len(summary.failures) == 1
    assert "Trasiga" in summary.failures[0] and "ValueError" in summary.failures[0]
    page = (out / "adelby" / "rapport.html").read_text(encoding="utf-8")
    assert "Rapport för Ädelby interaktiv = False" in page
    assert "BLAS-trådar: 1" in page  # the workers are the parallelism, not each kernel's BLAS
    assert "secret_code_marker" not in page  # code cells are not shown
    assert not re.search(r"(src|href)=\"https?://", page)  # no external assets
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="adelby/rapport.html"' in index
    assert "kunde inte skapas" in index  # the failed run is marked, not hidden


def _body(page: str) -> str:
    """What the notebook put on the page: between the navigation and the footer (the blank lines
    at its end aside)."""
    return page.split("</nav>", 1)[1].split("<footer>", 1)[0].rstrip()


def _faulty_notebook(path):
    """A page that raises for one kommun, kills its kernel for another, hangs for a third."""
    body = (
        "import os, time\n"
        "if kommun == 'Felby':\n    raise ValueError('planerat fel')\n"
        "if kommun == 'Dödby':\n    os.kill(os.getpid(), 9)\n"
        "if kommun == 'Segby':\n    time.sleep(60)\n"
        "print('Rapport för', kommun, 'pid', os.getpid())\n"
        "print('redan definierat:', sorted(n for n in dir() if n.startswith('kvar_')))\n"
        "kvar_fran_forra = kommun\n"
    )
    return _page(path, body)


@pytest.mark.slow
def test_a_failing_page_never_stops_the_others(tmp_path):
    """A raising cell, a killed kernel and a timeout each fail one page; the rest are complete."""
    nb = _faulty_notebook(tmp_path / "sida.ipynb")
    out = tmp_path / "reports"
    kommuner = ["Alby", "Felby", "Bby", "Dödby", "Cby", "Segby", "Eby"]
    summary = render_reports(
        kommuner, out_dir=out, notebooks=[nb], workers=1, timeout=5, progress=False
    )
    assert len(summary.failures) == 3 and not summary.ok
    text = "\n".join(summary.failures)
    # cell 3: papermill puts the run's parameters in a cell of their own after cell 1
    assert "Felby: sida.ipynb stannade i cell 3 med ValueError: planerat fel" in text
    assert "Dödby: sida.ipynb avbröts: kärnan som körde den dog" in text
    assert "Segby: sida.ipynb tog för lång tid" in text
    pids = set()
    for kommun in ["Alby", "Bby", "Cby", "Eby"]:
        page = (out / kommun_slug(kommun) / "sida.html").read_text(encoding="utf-8")
        assert f"Rapport för {kommun} pid" in page
        assert "redan definierat: []" in page  # nothing of the previous page is left
        pids.add(re.search(r"pid (\d+)", page).group(1))
    assert len(pids) == 3  # one warm kernel, replaced after the dead one and after the timeout
    for kommun in kommuner:
        pdf = out / kommun_slug(kommun) / f"{kommun_slug(kommun)}_rapport.pdf"
        assert pdf.is_file() == (kommun in {"Alby", "Bby", "Cby", "Eby"}), kommun
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "ValueError: planerat fel" in index and "kärnan som körde den dog" in index
    assert not list(out.rglob("*.tmp"))


@pytest.mark.slow
def test_rerun_redoes_only_what_changed(tmp_path):
    nb = _notebook(tmp_path / "rapport.ipynb")
    out = tmp_path / "reports"
    journal = tmp_path / "journal"
    journal.mkdir()
    options = {"out_dir": out, "notebooks": [nb], "workers": 2, "progress": False}
    params = {"journal_dir": str(journal)}
    first = render_reports(["Aby", "Bby", "Cby"], parameters=params, **options)
    assert first.ok and first.reused == 0
    page = out / "bby" / "rapport.html"
    made = page.stat().st_mtime_ns
    again = render_reports(["Aby", "Bby", "Cby"], parameters=params, **options)
    assert again.reused == 3 and page.stat().st_mtime_ns == made
    (journal / "bby.yaml").write_text("kommun: Bby\n", encoding="utf-8")  # Bby's journal changed
    third = render_reports(["Aby", "Bby", "Cby"], parameters=params, **options)
    assert third.reused == 2 and page.stat().st_mtime_ns != made
    forced = render_reports(["Aby"], parameters=params, force=True, **options)
    assert forced.reused == 0 and len(forced.pages) == 1


def test_unknown_kommun_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "reports"
    params = {"data": str(SAMPLE), "journal_dir": str(tmp_path / "journal")}
    with pytest.raises(ParameterError, match=r"'granaker'.*Menade du Granåker\?"):
        render_reports(["Sjövik", "granaker"], out_dir=out, parameters=params, progress=False)
    assert not out.exists()
    with pytest.raises(ParameterError, match="får inte ligga i rapportmappen"):
        render_reports(None, out_dir=out, parameters=params, cache_dir=out / "data")
    assert not out.exists()


@pytest.mark.slow
def test_warm_kernel_pages_equal_fresh_kernel_pages(tmp_path, monkeypatch):
    """Sjövik's pages made in kernels that first made Exempelby's equal the plain path's.

    The plain path is the one before warm kernels: papermill, a fresh kernel per notebook and
    the whole export loaded and prepared by each page.
    """
    import papermill as pm

    from isuwork.render import DEFAULT_NOTEBOOKS, notebook_to_html
    from isuwork.render.jobs import reports_parameters

    params = reports_parameters(data=SAMPLE, journal_dir=tmp_path / "journal")
    warm = render_reports(
        ["Exempelby", "Sjövik"],
        out_dir=tmp_path / "warm",
        parameters=params,
        workers=1,
        progress=False,
        cache_dir=tmp_path / "cache",
    )
    assert warm.ok
    monkeypatch.setenv("MPLBACKEND", INLINE_BACKEND)  # charts as images, as in a report
    for name in DEFAULT_NOTEBOOKS:
        fresh = pm.execute_notebook(
            str(ROOT / "notebooks" / name),
            str(tmp_path / name),
            parameters={**params, "kommun": "Sjövik", "interaktiv": False},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(ROOT / "notebooks"),
        )
        plain = notebook_to_html(fresh, title="x")
        made = (tmp_path / "warm" / "sjovik" / name.replace(".ipynb", ".html")).read_text("utf-8")
        assert _body(made) == _body(plain), name
        assert "Exempelby" not in made


_RUN = """
import sys
from isuwork.render import render_reports
try:
    summary = render_reports(
        [f"Kommun {i}" for i in range(8)], out_dir=sys.argv[1], notebooks=[sys.argv[2]],
        workers=1, progress=False,
    )
except KeyboardInterrupt:
    sys.exit(130)
print("made", len(summary.pages) - summary.reused, "reused", summary.reused)
"""


@pytest.mark.slow
def test_interrupted_run_resumes_where_it_stopped(tmp_path):
    """Ctrl-C stops the run cleanly: finished pages stay, nothing is half-written, and the next
    run makes only the pages that are missing."""
    import json
    import signal
    import subprocess
    import sys
    import time

    path = _page(tmp_path / "sakta.ipynb", "import time\ntime.sleep(1)\nprint(kommun)")
    out = tmp_path / "reports"
    command = [sys.executable, "-c", _RUN, str(out), str(path)]
    # a shell's background job starts with Ctrl-C ignored, and children inherit that: the run
    # gets Ctrl-C as a person's terminal would give it, wherever the tests were started from
    run = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    manifest = out / "manifest.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
        manifest.is_file() and len(json.loads(manifest.read_text("utf-8"))["pages"]) >= 2
    ):
        time.sleep(0.2)
    run.send_signal(signal.SIGINT)
    _, errors = run.communicate(timeout=60)
    assert run.returncode == 130, errors
    finished = json.loads(manifest.read_text("utf-8"))["pages"]
    assert 2 <= len(finished) < 8 and all(entry["ok"] for entry in finished.values())
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".*.tmp"))
    index = (out / "index.html").read_text("utf-8")
    assert index.count("inte gjord, körningen avbröts") == 8 - len(finished)
    again = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    assert again.stdout.split() == ["made", str(8 - len(finished)), "reused", str(len(finished))]


_TABLE_PAGE = """
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display
from isuwork.present import tables
from isuwork.privacy.protected import protect

n = 40 if kommun == "Aby" else 60
raw = pd.DataFrame({
    "utfall": "beviljad", "kon": ["kvinna", "man"], "n": [n, 3], "antal": [n // 2, 1],
    "varde": [0.5, 1 / 3], "metod": "wilson",
})
display(tables.show(protect(raw, min_n=5, group_cols=["kon"]), caption="Beviljade per kön"))
plt.bar([1, 2], [n, 3])
plt.show()
"""


@pytest.mark.slow
def test_each_kommun_gets_its_workbook_and_pdf(tmp_path):
    """The Excel workbook holds the pages' tables as numbers; the PDF their text, tables and
    charts with the fonts embedded; both are made again only when a page changes."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from isuwork.present.tables import COUNT_FORMAT, PERCENT_FORMAT
    from isuwork.render.bundle import bundle_paths

    nb = _page(tmp_path / "tabell.ipynb", _TABLE_PAGE, title="# Steg med tabell")
    out = tmp_path / "reports"
    options = {"out_dir": out, "notebooks": [nb], "workers": 2, "progress": False}
    assert render_reports(["Aby", "Bby"], **options).ok
    xlsx, pdf = bundle_paths("Aby", out / "aby")
    book = load_workbook(xlsx)
    assert book.sheetnames == ["Om rapporten", "Beviljade per kön"]
    sheet = book["Beviljade per kön"]
    header = [c.value for c in sheet[1]]
    women = dict(zip(header, sheet[2], strict=False))
    men = dict(zip(header, sheet[3], strict=False))
    assert women["Antal utredningar"].value == 40
    assert women["Antal utredningar"].number_format == COUNT_FORMAT
    assert women["Andel eller medelvärde"].value == pytest.approx(0.5)
    assert women["Andel eller medelvärde"].number_format == PERCENT_FORMAT
    assert men["Antal utredningar"].value == ".." and men["Antal med utfallet"].value == ".."
    about = [row for row in book["Om rapporten"].iter_rows(values_only=True)]
    assert ("Kommun", "Aby") in about
    other = load_workbook(bundle_paths("Bby", out / "bby")[0])["Beviljade per kön"]
    assert other.cell(row=2, column=header.index("Antal utredningar") + 1).value == 60

    reader = PdfReader(pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Steg med tabell" in text and "Beviljade per kön" in text
    assert "Antal utredningar" in text and "40" in text and "Aby" in text
    assert "Bby" not in text
    images = {img.name for page in reader.pages for img in page.images}
    assert len(images) >= 1  # the chart
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor.get_object(), font["/BaseFont"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="aby/aby_rapport.pdf"' in index and 'href="aby/aby_tabeller.xlsx"' in index

    made = pdf.stat().st_mtime_ns
    again = render_reports(["Aby", "Bby"], **options)
    assert again.reused == 2 and pdf.stat().st_mtime_ns == made
    pdf.unlink()
    third = render_reports(["Aby", "Bby"], **options)
    assert third.ok and third.reused == 2 and pdf.is_file()  # the PDF again, not the pages
    without = render_reports(["Aby", "Bby"], pdf=False, **options)
    assert without.ok and without.reused == 2 and xlsx.is_file() and not pdf.exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "aby_rapport.pdf" not in index and 'href="aby/aby_tabeller.xlsx"' in index
    assert render_reports(["Aby", "Bby"], **options).reused == 2 and pdf.is_file()


@pytest.mark.slow
def test_a_damaged_kommun_slice_fails_that_kommun_only(tmp_path, capsys):
    """A prepared store whose rows of one kommun are damaged: that kommun's page fails with a
    Swedish message, the other kommuner's pages are complete and correct."""
    import pyarrow.parquet as pq

    from isuwork.data.store import prepare_once

    store = prepare_once(SAMPLE, cache_dir=tmp_path / "cache")
    data = store.path / "data.parquet"
    group = pq.ParquetFile(data).metadata.row_group(store.kommuner.index("Granåker"))
    chunk = group.column(group.num_columns // 2)
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    damaged = bytearray(data.read_bytes())
    damaged[start : start + chunk.total_compressed_size] = b"\xab" * chunk.total_compressed_size
    data.write_bytes(bytes(damaged))
    nb = _page(
        tmp_path / "rader.ipynb",
        "from isuwork.workbook.session import open_session\n"
        "session = open_session(data=data, kommun=kommun)\n"
        "print('Rader för', kommun, len(session.data))",
    )
    # the step-1 parameter makes the run try its head start over the whole store first
    source = nbformat.read(nb, as_version=4)
    source.cells[0].source += '\ndata: str = ""\njamforelse: str = "aldersgrupp"'
    nbformat.write(source, nb)
    summary = render_reports(
        None,
        out_dir=tmp_path / "reports",
        notebooks=[nb],
        parameters={"data": str(SAMPLE)},
        cache_dir=tmp_path / "cache",
        workers=2,
        progress=False,
        pdf=False,
    )
    assert "Steg 1:s listor kunde inte göras i förväg" in capsys.readouterr().err
    assert len(summary.failures) == 1
    assert "Granåker: rader.ipynb stannade" in summary.failures[0]
    assert "DataError: Den förberedda datan för Granåker" in summary.failures[0]
    for kommun in ["Exempelby", "Sjövik", "Tallmora"]:
        page = (tmp_path / "reports" / kommun_slug(kommun) / "rader.html").read_text("utf-8")
        assert f"Rader för {kommun} 3000" in page
