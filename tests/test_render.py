"""Rendering: papermill per kommun into offline HTML without code, an index page, failures reported."""

from __future__ import annotations

import re

import nbformat
import pytest

from isuwork.domain.vocabulary import kommun_slug
from isuwork.exceptions import ParameterError
from isuwork.render import plan_jobs, render_reports


def _notebook(path, *, fail_for: str | None = None):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('kommun: str = "Exempel"  # kommun\ninteraktiv: bool = True')
    params.metadata["tags"] = ["parameters"]
    body = "print('Rapport för', kommun, 'interaktiv =', interaktiv)\nsecret_code_marker = 1"
    if fail_for:
        body += f"\nif kommun == {fail_for!r}:\n    raise ValueError('planerat fel')"
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Testrapport\n\nText för läsaren."),
        params,
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


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


@pytest.mark.slow
def test_render_two_kommuner_in_parallel_offline_without_code(tmp_path):
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
    assert "secret_code_marker" not in page  # code cells are not shown
    assert not re.search(r"(src|href)=\"https?://", page)  # no external assets
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="adelby/rapport.html"' in index
    assert "kunde inte skapas" in index  # the failed run is marked, not hidden
