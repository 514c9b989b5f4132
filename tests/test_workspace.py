"""A workshop's folder: `isuwork init`, its settings file, and notebooks that read it."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import yaml

from isuwork.cli.main import main
from isuwork.data.store import is_store
from isuwork.exceptions import ParameterError
from isuwork.workbook.workshop_app import voila_command
from isuwork.workbook.workspace import (
    SETTINGS_FILE,
    create_workspace,
    export_from_workbook,
    find_workbook,
    from_workbook,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "isu_exempel.csv"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("arbete") / "granaker"
    assert main(["init", str(folder), "--data", str(SAMPLE), "--kommun", "granåker"]) == 0
    return folder


def _parameters(path: Path) -> dict[str, str]:
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    return {
        line.split(":")[0]: line.split("=", 1)[1].split("#")[0].strip()
        for line in cell.source.splitlines()
        if "=" in line
    }


def test_init_makes_the_folders_the_settings_and_the_notebooks(workspace):
    settings = yaml.safe_load((workspace / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert settings["kommun"] == "Granåker"  # as the data writes it, not as typed
    assert Path(settings["data"]) == SAMPLE and settings["min_n"] == 5
    assert {p.name for p in workspace.iterdir() if p.is_dir()} >= {
        "journal",
        "reports",
        "data",
        "ovningar",
    }
    # the prepared, person-level data lies in the private folder, never among the reports
    assert [p for p in (workspace / "data").iterdir() if is_store(p)]
    assert (workspace / "data" / ".gitignore").read_text() == "*\n"
    assert list((workspace / "reports").iterdir()) == []
    steps = sorted(p.name for p in workspace.glob("0*.ipynb"))
    assert steps == sorted(p.name for p in (ROOT / "notebooks").glob("0*.ipynb"))
    for name in steps:
        params = _parameters(workspace / name)
        if name == "05_aktgranskning.ipynb":  # the case review reads a review book, not the export
            assert Path(json.loads(params["bok"])).is_file()  # the teaching set, found from here
            assert params["kommun"] == '""' and params["min_n"] == "0", name
            continue
        assert params["data"] == '""', name
        if "kommun" in params:
            assert params["kommun"] == '""' and params["min_n"] == "0", name
    # the exercises still find the sample data from their new place
    exercise = _parameters(workspace / "ovningar" / "ovning_1_hitta_skillnaderna.ipynb")
    assert Path(json.loads(exercise["data"])).is_file()


def test_notebook_parameters_left_empty_come_from_the_settings(workspace, monkeypatch):
    monkeypatch.chdir(workspace / "ovningar")  # a folder below the workspace finds it too
    kommun, data, mapping, min_n, journal = from_workbook("", "", "", 0, "")
    assert (kommun, mapping, min_n) == ("Granåker", "", 5)
    assert is_store(data) and Path(data).parent == workspace / "data"
    assert Path(journal) == workspace / "journal"
    # what a notebook is given is kept
    assert from_workbook("Sjövik", str(SAMPLE), "", 3, "j") == ("Sjövik", str(SAMPLE), "", 3, "j")
    export, _, saved = export_from_workbook("", "", "")
    assert Path(export) == SAMPLE and Path(saved).parent == workspace / "data"


def test_empty_parameters_outside_a_workspace_say_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_workbook() is None
    with pytest.raises(ParameterError, match="isuwork init"):
        from_workbook("", "", "", 0, "")


def test_init_refuses_an_unknown_kommun_and_leaves_nothing(tmp_path, capsys):
    folder = tmp_path / "ny"
    assert main(["init", str(folder), "--data", str(SAMPLE), "--kommun", "Granaker"]) == 1
    assert "Menade du Granåker?" in capsys.readouterr().err
    assert not folder.exists()


def test_init_refuses_a_folder_that_is_already_a_workspace(workspace, capsys):
    assert main(["init", str(workspace), "--data", str(SAMPLE), "--kommun", "Sjövik"]) == 1
    assert "redan en arbetsmapp" in capsys.readouterr().err
    assert yaml.safe_load((workspace / SETTINGS_FILE).read_text())["kommun"] == "Granåker"


def test_init_checks_the_file_and_the_threshold(tmp_path):
    with pytest.raises(ParameterError, match="finns inte"):
        create_workspace(tmp_path / "a", data=tmp_path / "saknas.csv", kommun="Granåker")
    with pytest.raises(ParameterError):
        create_workspace(tmp_path / "b", data=SAMPLE, kommun="Granåker", min_n=0)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.slow
def test_a_step_runs_in_the_workspace_with_its_parameters_empty(workspace):
    import papermill as pm

    out = workspace / "data" / "01.ipynb"
    nb = pm.execute_notebook(
        str(workspace / "01_vad_ser_vi.ipynb"),
        str(out),
        parameters={"interaktiv": False},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(workspace),
    )
    printed = "".join(
        o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name")
    )
    assert "Granåker: 3 000 utredningar av 12 000 i filen." in printed.replace("\u00a0", " ")


def test_workshop_needs_a_workspace_and_serves_it_locally_without_code(workspace, tmp_path, capsys):
    assert main(["workshop", str(tmp_path)]) == 1
    assert "ingen arbetsmapp" in capsys.readouterr().err
    command = voila_command(workspace, port=8900, browser=False)
    assert command[1:4] == ["-m", "voila", str(workspace.resolve())]
    assert {"--port=8900", "--Voila.ip=127.0.0.1", "--strip_sources=True", "--no-browser"} <= set(
        command
    )
