"""Journal forms: controls driven programmatically must change the journal file; batch runs get text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ipywidgets as widgets
import pytest
import yaml
from IPython.display import Markdown

import isuwork.workbook.forms as widgets_module
from isuwork.exceptions import ParameterError
from isuwork.workbook.action_form import ActionForm, action_form
from isuwork.workbook.forms import show_journal
from isuwork.workbook.journal import REFLECTION_FIELDS, journal_path, open_journal
from isuwork.workbook.reflection_form import REFLECTION_QUESTIONS, JournalForm, journal_form

KOMMUN = "Östra Göinge"


@pytest.fixture
def jdir(tmp_path: Path) -> Path:
    return tmp_path / "journal"


def _file(jdir: Path) -> dict:
    """The journal file, read independently of isuwork.workbook.journal."""
    return yaml.safe_load(journal_path(KOMMUN, journal_dir=jdir).read_text(encoding="utf-8"))


def _live(entries: list[dict]) -> list[dict]:
    return [e for e in entries if not e["borttagen"]]


def test_questions_cover_every_reflection_field():
    assert set(REFLECTION_QUESTIONS) == set(REFLECTION_FIELDS)
    assert all(q.strip().endswith("?") for q in REFLECTION_QUESTIONS.values())


def test_journal_form_adds_observation_and_saves_each_field(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    form = journal_form(journal)
    assert isinstance(form, JournalForm) and isinstance(form, widgets.VBox)
    assert form.selector.options == () and form.conclusion.disabled  # nothing to reflect on yet

    form.new_title.value = "Kvinnor får oftare hemtjänst"
    form.new_description.value = "Skillnad: 8 procentenheter i gruppen 80+."
    form.add_button.click()
    (obs,) = _file(jdir)["observationer"]
    assert obs["titel"] == "Kvinnor får oftare hemtjänst"
    assert obs["beskrivning"] == "Skillnad: 8 procentenheter i gruppen 80+."
    assert form.selector.value == obs["id"] and not form.conclusion.disabled
    assert form.new_title.value == "" and form.status.value.startswith("Sparat ")

    texts = {
        "individ_grupp": "Kvinnorna bor oftare ensamma.",
        "verksamhet_profession": "Vi frågar sällan om anhörigas insatser:\nbara ibland.",
        "omvarld": "Andra kommuner ser samma sak.",
        "konsbias": "Antar vi att män har en partner som hjälper till?",
    }
    for key, text in texts.items():
        form.reflection[key].value = text  # what the browser sends when the field loses focus
        assert _file(jdir)["observationer"][0]["reflektion"][key] == text
    assert _file(jdir)["observationer"][0]["reflektion"] == texts

    form.more_knowledge.value = "ja"  # creates the conclusion for this observation
    (conclusion,) = _file(jdir)["slutsatser"]
    assert conclusion["observation"] == obs["id"] and conclusion["behov_av_mer_kunskap"] == "ja"
    form.conclusion.value = "Behovet av stöd bedöms olika."
    form.risk.value = "vet_ej"
    (conclusion,) = _file(jdir)["slutsatser"]
    assert conclusion["text"] == "Behovet av stöd bedöms olika."
    assert conclusion["risk_att_upprathalla_ojamstalldhet"] == "vet_ej"
    form.more_knowledge.value = ""  # back to "not decided"
    assert _file(jdir)["slutsatser"][0]["behov_av_mer_kunskap"] is None
    assert form.message.value == ""


def test_save_button_saves_all_fields_at_once(jdir, monkeypatch):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    obs = journal.add_observation("Iakttagelse")
    form = journal_form(journal, observation_id=obs)
    # set the values without firing the per-field saves, as if they were still being typed
    monkeypatch.setattr(form._bind, "loading", True)
    form.reflection["omvarld"].value = "Omvärld"
    form.conclusion.value = "Slutsats"
    form.risk.value = "ja"
    monkeypatch.setattr(form._bind, "loading", False)
    assert _file(jdir)["observationer"][0]["reflektion"]["omvarld"] == ""
    form.save_button.click()
    data = _file(jdir)
    assert data["observationer"][0]["reflektion"]["omvarld"] == "Omvärld"
    assert data["slutsatser"][0]["text"] == "Slutsats"
    assert data["slutsatser"][0]["risk_att_upprathalla_ojamstalldhet"] == "ja"
    assert form.status.value.startswith("Sparat ")
    before = journal.path.read_bytes()
    form.save_button.click()
    assert journal.path.read_bytes() == before
    assert form.status.value.startswith("Inga ändringar")


def test_selecting_another_observation_loads_its_values(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    first = journal.add_observation("Första")
    second = journal.add_observation("Andra")
    journal.set_reflection(first, konsbias="om den första")
    form = journal_form(journal)
    assert [v for _, v in form.selector.options] == [first, second]
    assert form.reflection["konsbias"].value == "om den första"
    form.selector.value = second
    assert form.reflection["konsbias"].value == "" and "Andra" not in form.details.value
    form.reflection["konsbias"].value = "om den andra"
    refl = {o["id"]: o["reflektion"]["konsbias"] for o in _file(jdir)["observationer"]}
    assert refl == {first: "om den första", second: "om den andra"}


def test_two_forms_on_one_journal_file_keep_each_others_text(jdir):
    one = open_journal(KOMMUN, journal_dir=jdir)
    obs = one.add_observation("Gemensam")
    two = open_journal(KOMMUN, journal_dir=jdir)
    form_one, form_two = journal_form(one), journal_form(two)
    form_one.reflection["omvarld"].value = "från anteckningsbok ett"
    form_two.reflection["konsbias"].value = "från anteckningsbok två"  # form_two is stale
    refl = _file(jdir)["observationer"][0]["reflektion"]
    assert refl["omvarld"] == "från anteckningsbok ett"
    assert refl["konsbias"] == "från anteckningsbok två"
    assert form_one.reflection["konsbias"].value == ""
    form_one.reload_button.click()
    assert form_one.reflection["konsbias"].value == "från anteckningsbok två"
    assert form_one.selector.value == obs


def test_action_form_adds_edits_and_removes(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    obs = journal.add_observation("Iakttagelse")
    form = action_form(journal, observation_id=obs)
    assert isinstance(form, ActionForm) and form.action_id is None
    assert form.observation.value == obs and form.remove_button.disabled

    form.description.value = "Rutin för att fråga om anhörigas stöd"
    form.responsible.value = "Biståndshandläggare"
    form.effort.value = "latt"
    form.effect.value = "stor"
    form.decided_by.value = "verksamheten"
    form.follow_up.value = dt.date(2025, 6, 30)
    assert "atgarder" not in _file(jdir) or not _file(jdir)["atgarder"]  # a new action waits
    form.save_button.click()
    (action,) = _file(jdir)["atgarder"]
    assert action["beskrivning"] == "Rutin för att fråga om anhörigas stöd"
    assert action["ansvarig"] == "Biståndshandläggare"
    assert (action["insats"], action["effekt"], action["beslutas_av"]) == (
        "latt",
        "stor",
        "verksamheten",
    )
    assert action["uppfoljning"] == "2025-06-30" and action["observation"] == obs
    assert form.action_id == action["id"] and not form.remove_button.disabled

    form.effort.value = "svar"  # an existing action saves on change
    form.decided_by.value = "politiken"
    form.follow_up.value = None
    form.observation.value = ""
    action = _file(jdir)["atgarder"][0]
    assert (action["insats"], action["beslutas_av"]) == ("svar", "politiken")
    assert action["uppfoljning"] is None and action["observation"] is None
    table = journal.actions_table()
    assert table.loc[action["id"], "insats"] == "svar"

    form.selector.value = ""  # back to "Ny åtgärd": fields cleared
    assert form.description.value == "" and form.effort.value == ""
    form.selector.value = action["id"]
    assert form.description.value.startswith("Rutin") and form.effort.value == "svar"
    form.remove_button.click()
    assert _file(jdir)["atgarder"][0]["borttagen"] is True
    assert form.action_id is None and journal.actions == []


def test_form_shows_swedish_error_instead_of_raising(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    journal.add_observation("Iakttagelse")
    journal.add_observation("Iakttagelse två")  # two saves: a backup exists
    form = action_form(journal)
    form.save_button.click()  # no description
    assert form.status.value == "Kunde inte spara"
    assert "får inte vara tomt" in form.message.value
    assert _live(_file(jdir).get("atgarder") or []) == []

    journal.path.write_bytes(b"kommun: [")  # someone broke the file
    reflections = journal_form(journal)
    reflections.reflection["omvarld"].value = "text"
    assert reflections.status.value == "Kunde inte spara"
    assert "restore_backup" in reflections.message.value
    reflections.reload_button.click()
    assert reflections.status.value == "Kunde inte läsa journalen"


def test_unknown_observation_is_refused(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    with pytest.raises(ParameterError, match="obs-finnsinte"):
        journal_form(journal, observation_id="obs-finnsinte")
    with pytest.raises(ParameterError, match="obs-finnsinte"):
        action_form(journal, observation_id="obs-finnsinte")


@pytest.fixture
def filled(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    obs = journal.add_observation("Män deltar mer sällan", beskrivning="61 % mot 74 %.")
    journal.set_reflection(obs, omvarld="Samma mönster i andra kommuner.")
    journal.add_conclusion("Vi erbjuder samtal på fel tider.", observation=obs)
    journal.add_action("Kvällstider för samtal", insats="latt", effekt="stor")
    return journal


def test_batch_mode_returns_markdown_not_widgets(filled):
    other = open_journal(KOMMUN, journal_dir=filled.path.parent)
    other.add_action("Tillagd i en annan anteckningsbok")  # batch views re-read the file
    whole = journal_form(filled, interactive=False)
    assert isinstance(whole, Markdown)
    for text in (
        "Män deltar mer sällan",
        "Samma mönster i andra kommuner.",
        "Vi erbjuder samtal på fel tider.",
        "Kvällstider för samtal",
        "Tillagd i en annan anteckningsbok",
    ):
        assert text in whole.data
    one = journal_form(filled, observation_id=filled.observations[0]["id"], interactive=False)
    assert one.data.startswith("### Män deltar mer sällan")
    plan = action_form(filled, interactive=False)
    assert isinstance(plan, Markdown) and "| Kvällstider för samtal |  | Lätt | Stor |" in plan.data


def test_show_journal(filled, jdir, monkeypatch):
    shown = []
    monkeypatch.setattr(widgets_module, "display", shown.append)
    assert show_journal(filled, interactive=False) is None
    (output,) = shown
    assert isinstance(output, Markdown)
    assert output.data == filled.to_markdown(heading_level=2)
    assert "Samma mönster i andra kommuner." in output.data

    shown.clear()
    show_journal(open_journal("Tomby", journal_dir=jdir), interactive=False)
    (empty,) = shown
    assert "Journalen för Tomby är tom" in empty.data  # one sentence, not five empty sections
    assert "Åtgärder (steg 4)" not in empty.data

    shown.clear()
    show_journal(filled, interactive=True)
    tabs = shown[0]
    assert isinstance(tabs, widgets.Tab)
    assert [type(child) for child in tabs.children[:2]] == [JournalForm, ActionForm]
    assert tabs.children[0].reflection["omvarld"].value == "Samma mönster i andra kommuner."
    # the text view, inside the third tab
    (text,) = tabs.children[2].children[1].outputs
    assert text["data"]["text/markdown"] == filled.to_markdown(heading_level=2)


def test_reflection_form_names_itself_for_every_step_and_shows_its_button_whole(tmp_path):
    """The form is shown in steps 1 to 3: it was titled 'Steg 2 och 3' in step 1, and its
    button read 'Lägg till iaktta…'."""
    from isuwork.workbook.journal import open_journal

    form = JournalForm(open_journal("Exempelby", journal_dir=tmp_path))
    heads = [str(w.value) for w in form.children if "<h3>" in str(getattr(w, "value", ""))]
    assert heads and heads[0].startswith("<h3>Gruppens journal:") and "Steg 2" not in heads[0]
    assert form.add_button.layout.width == "auto"


def test_action_plan_exports_what_the_journal_holds_now(tmp_path):
    """The plan said 'Inga åtgärder' after an action had been saved, until the cells were run
    again. The button saves the journal as it is at the click."""
    from isuwork.workbook.action_plan import ActionPlan
    from isuwork.workbook.journal import open_journal

    journal = open_journal("Exempelby", journal_dir=tmp_path)
    plan = ActionPlan(journal)
    # the group saves an action through another view of the same journal (the form)
    other = open_journal("Exempelby", journal_dir=tmp_path)
    other.add_action("Utbildning om genusbias", insats="latt", effekt="stor")
    plan.export_button.click()
    written = {p.suffix: p for p in tmp_path.glob("handlingsplan_*")}
    assert set(written) == {".xlsx", ".md"}
    assert "Utbildning om genusbias" in written[".md"].read_text(encoding="utf-8")
    assert "Inga åtgärder" not in written[".md"].read_text(encoding="utf-8")
    assert "(1 åtgärd)" in plan.status.value and written[".xlsx"].name in plan.status.value


def test_the_action_matrix_follows_the_form_without_a_button(tmp_path, monkeypatch):
    """Step 4's matrix was redrawn only with a button. Now each action the form beside it saves
    (the same journal object) draws it again with that action in it."""
    from isuwork.present import plots
    from isuwork.workbook.action_form import ActionForm
    from isuwork.workbook.action_plan import ActionPlan
    from isuwork.workbook.journal import open_journal

    drawn: list[list[str]] = []
    draw = plots.action_matrix

    def recording_matrix(table, **kwargs):
        drawn.append(list(table["beskrivning"]))
        return draw(table, **kwargs)

    monkeypatch.setattr("isuwork.workbook.action_plan.plots.action_matrix", recording_matrix)
    journal = open_journal("Exempelby", journal_dir=tmp_path)
    plan = ActionPlan(journal)
    form = ActionForm(journal)
    assert drawn == [[]]
    form.description.value = "Utbildning om genusbias"
    form.effort.value = "latt"
    form.effect.value = "stor"
    form.save_button.click()
    assert drawn[-1] == ["Utbildning om genusbias"]
    assert len(plan.chart.outputs) == 1  # the old drawing replaced, not added to
    # an action saved by another notebook shows after reading the journal again
    open_journal("Exempelby", journal_dir=tmp_path).add_action("Checklista för utredningar")
    plan.refresh_button.click()
    assert drawn[-1] == ["Utbildning om genusbias", "Checklista för utredningar"]
