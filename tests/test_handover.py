"""The four steps hand over through the widgets: an observation saved in step 1's explorer is
checked in step 2, its verdict is in the journal for step 3, where the group concludes, and an
action on it in step 4 reaches the exported plan."""

from __future__ import annotations

from pathlib import Path

import yaml

from isuwork.data.prepare import load
from isuwork.domain.formatting import format_number
from isuwork.domain.vocabulary import VERDICT_LABELS
from isuwork.workbook.action_form import action_form
from isuwork.workbook.action_plan import ActionPlan
from isuwork.workbook.explorer import Explorer
from isuwork.workbook.journal import journal_path, open_journal
from isuwork.workbook.observations import (
    check_observations,
    observations_for_step2,
    show_criteria,
    show_verdicts,
)
from isuwork.workbook.reflection_form import journal_form
from isuwork.workbook.results import STEP1_EXTRA
from isuwork.workbook.session import screening_list

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "isu_exempel.csv"
KOMMUN = "Exempelby"


def test_an_observation_goes_from_step_1_to_the_exported_plan(tmp_path, monkeypatch):
    monkeypatch.setattr("isuwork.workbook.observations.display", lambda *args: None)
    data = load(SAMPLE).data
    data = data[data["kommun"] == KOMMUN].reset_index(drop=True)
    screening = screening_list(data, min_n=5, extra=["aldersgrupp", *STEP1_EXTRA])

    # step 1: the explorer saves what it shows
    explorer = Explorer(
        data, min_n=5, journal=open_journal(KOMMUN, journal_dir=tmp_path), screening=screening
    )
    explorer.outcome.value = "beviljad"
    explorer.filter_column.value = "verksamhet"
    explorer.filter_value.value = "lss"
    explorer.title.value = "Skillnad i beviljade LSS-insatser"
    explorer.save.click()

    # step 2 (another notebook, its own view of the journal) checks exactly that observation
    # and saves the verdict
    journal = open_journal(KOMMUN, journal_dir=tmp_path)
    observations, _ = observations_for_step2(journal, screening)
    assert [o["titel"] for o in observations] == ["Skillnad i beviljade LSS-insatser"]
    results = check_observations(data, observations, min_n=5)
    show_criteria(observations, results, journal=journal, save=True)
    on_file = yaml.safe_load(journal_path(KOMMUN, journal_dir=tmp_path).read_text("utf-8"))
    (saved,) = on_file["observationer"]
    assert saved["bedomning"] == results[0].verdict and saved["filter"] == {"verksamhet": ["lss"]}
    figures = saved["bedomning_siffror"]
    raw, remaining = results[0].raw, results[0].remaining
    assert figures["skala"] == "share" and figures["konfidensgrad"] == 0.95
    assert figures["ra"] == [raw.diff, raw.ci_low, raw.ci_high]
    assert figures["kvar"] == [remaining.diff, remaining.ci_low, remaining.ci_high]

    # step 3 shows the verdict and records the group's conclusion on it
    step3 = open_journal(KOMMUN, journal_dir=tmp_path)
    shown = show_verdicts(*observations_for_step2(step3, screening)[:1], results).data
    assert "Skillnad i beviljade LSS-insatser" in shown
    assert VERDICT_LABELS[results[0].verdict] in shown
    form = journal_form(step3, observation_id=saved["id"])
    raw_text = format_number(raw.diff * 100, decimals=1)
    assert f"Rå skillnad {raw_text} procentenheter (95" in form.details.value
    form.conclusion.value = "Behoven bedöms olika; vi granskar akter."
    form.risk.value = "ja"

    # step 4: an action on the observation, and the plan exported with the button
    step4 = open_journal(KOMMUN, journal_dir=tmp_path)
    actions = action_form(step4, observation_id=saved["id"])
    actions.description.value = "Aktgranskning av 50 LSS-ärenden per kön"
    actions.effort.value = "svar"
    actions.effect.value = "stor"
    actions.save_button.click()
    plan = ActionPlan(open_journal(KOMMUN, journal_dir=tmp_path))
    plan.export_button.click()
    markdown = next(tmp_path.glob("handlingsplan_*.md")).read_text(encoding="utf-8")
    assert "Aktgranskning av 50 LSS-ärenden per kön" in markdown

    on_file = yaml.safe_load(journal_path(KOMMUN, journal_dir=tmp_path).read_text("utf-8"))
    (conclusion,) = on_file["slutsatser"]
    assert (
        conclusion["observation"] == saved["id"]
        and conclusion["risk_att_upprathalla_ojamstalldhet"] == "ja"
    )
    (action,) = on_file["atgarder"]
    assert action["observation"] == saved["id"]


def test_the_journal_keeps_no_figure_that_the_check_hides(tmp_path, monkeypatch):
    # One woman and eight men born in an unknown country in LSS: the check's page hides the
    # groups' shares and so the differences; the journal must not hold them either.
    monkeypatch.setattr("isuwork.workbook.observations.display", lambda *args: None)
    data = load(SAMPLE).data
    data = data[data["kommun"] == KOMMUN].reset_index(drop=True)
    journal = open_journal(KOMMUN, journal_dir=tmp_path)
    selection = {"verksamhet": ["lss"], "fodelseland": ["okant"]}
    journal.add_observation(
        "Få med okänt födelseland", utfall="beviljad", grupp="kon", filter=selection
    )
    observations = journal.observations
    results = check_observations(data, observations, min_n=5)
    assert sorted(results[0].groups["n"]) == [1, 8]
    show_criteria(observations, results, journal=journal, save=True)
    (saved,) = open_journal(KOMMUN, journal_dir=tmp_path).observations
    assert saved["bedomning"] == results[0].verdict
    assert saved["bedomning_siffror"]["ra"] == [None, None, None]
    assert saved["bedomning_siffror"]["kvar"] == [None, None, None]
