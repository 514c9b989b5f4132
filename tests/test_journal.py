"""Reflection journal: human-readable YAML, atomic saves with a backup, merges between writers."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import tempfile
from pathlib import Path

import filelock
import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import isuwork.data.io
import isuwork.workbook.journal as journal_module
import isuwork.workbook.journal.store as journal_store
from isuwork.domain.vocabulary import kommun_slug
from isuwork.exceptions import JournalError, ParameterError
from isuwork.workbook.journal import (
    ACTION_COLUMNS,
    REFLECTION_FIELDS,
    journal_path,
    open_journal,
    restore_backup,
)
from isuwork.workbook.journal.views import verdict_figures_text

KOMMUN = "Upplands Väsby"

SWEDISH_TEXTS = [
    "Fler kvinnor än män beviljas insatsen: skillnaden är 12 procentenheter.",
    "Å Ä Ö å ä ö é\nRad två: med kolon\n\nTredje stycket efter en tom rad.",
    "Brukarna säger:\n- de får vänta länge\n- de vet inte vart de ska vända sig\n",
    "# inte en rubrik\nnamn: värde\n  indraget: ja",
    "  inleds med mellanslag och slutar med mellanslag  ",
    "ja",
    "null",
    "2025-03-31",
    "Citat: \"det är så speciellt här hos oss\" och 'enkla' citattecken",
    "Tabb\tmitt i texten och ett avslutande radbyte\n",
    "x\n\n\n",
]


@pytest.fixture
def jdir(tmp_path: Path) -> Path:
    return tmp_path / "journal"


def _file(jdir: Path, kommun: str = KOMMUN) -> dict:
    """The journal file read independently of isuwork.workbook.journal."""
    return yaml.safe_load(journal_path(kommun, journal_dir=jdir).read_text(encoding="utf-8"))


def _titles(data: dict) -> list[str]:
    return [o["titel"] for o in data["observationer"] if not o.get("borttagen")]


# --------------------------------------------------------------------------------------------
# Names, file layout, round trip
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kommun", "expected"),
    [
        ("Upplands Väsby", "upplands-vasby"),
        ("Malmö", "malmo"),
        ("Åre", "are"),
        ("Östra Göinge", "ostra-goinge"),
        ("Lilla Edet ", "lilla-edet"),
        ("Region/RSS Västerbotten", "region-rss-vasterbotten"),
    ],
)
def test_kommun_slug(kommun, expected):
    assert kommun_slug(kommun) == expected


@pytest.mark.parametrize("kommun", ["", "   ", "!!!", None])
def test_kommun_slug_rejects_empty_names(kommun):
    with pytest.raises(ParameterError, match="Kommunens namn"):
        kommun_slug(kommun)


def test_no_file_until_first_change(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    assert journal.observations == [] and journal.modified is None
    assert not jdir.exists()
    journal.add_observation("Första iakttagelsen")
    assert journal.path == jdir / "upplands-vasby.yaml"
    assert journal.path.is_file()
    assert not journal.backup_path.exists()  # nothing to back up before the first save
    journal.add_observation("Andra iakttagelsen")
    assert _titles(yaml.safe_load(journal.backup_path.read_text("utf-8"))) == [
        "Första iakttagelsen"
    ]


def test_file_is_readable_by_a_person(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    obs = journal.add_observation(
        "Fler kvinnor än män beviljas LSS",
        beskrivning="Rad ett: med kolon\nRad två",
        utfall="beviljad",
        grupp="kon",
        filter={"verksamhet": "lss", "aldersgrupp": ["23-64"]},
        bedomning="risk_unmotivated",
    )
    journal.add_action("Utbildning om normer", insats="latt", effekt="stor", observation=obs)
    text = journal.path.read_text(encoding="utf-8")
    assert "kommun: Upplands Väsby" in text  # not escaped as \xe4
    assert "\\x" not in text and "\\u" not in text
    assert "beskrivning: |-\n    Rad ett: med kolon\n    Rad två\n" in text  # a literal block
    data = yaml.safe_load(text)
    assert list(data)[:3] == ["kommun", "version", "andrad"]
    assert list(data["observationer"][0])[:3] == ["id", "titel", "beskrivning"]
    assert list(data["observationer"][0]["reflektion"]) == list(REFLECTION_FIELDS)
    assert list(data["atgarder"][0])[:7] == ["id", *ACTION_COLUMNS]
    # stable key order: saving the same content again gives the same layout
    journal.update_action(data["atgarder"][0]["id"], ansvarig="Enhetschef")
    again = yaml.safe_load(journal.path.read_text(encoding="utf-8"))
    assert list(again["atgarder"][0]) == list(data["atgarder"][0])
    for entry in (*data["observationer"], *data["atgarder"]):
        assert entry["id"] and entry["skapad"] and entry["andrad"]
        dt.datetime.fromisoformat(entry["andrad"])


@pytest.mark.parametrize("text", SWEDISH_TEXTS)
def test_round_trip_of_swedish_text(jdir, text):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    obs = journal.add_observation(text, beskrivning=text)
    journal.set_reflection(
        obs, individ_grupp=text, verksamhet_profession=text, omvarld=text, konsbias=text
    )
    journal.add_conclusion(text, observation=obs, behov_av_mer_kunskap="ja")
    journal.add_action(text, ansvarig=text, uppfoljning="2025-03-31")

    fresh = open_journal(KOMMUN, journal_dir=jdir)
    (loaded,) = fresh.observations
    assert loaded["titel"] == text and loaded["beskrivning"] == text
    assert loaded["reflektion"] == dict.fromkeys(REFLECTION_FIELDS, text)
    assert fresh.conclusions[0]["text"] == text
    assert fresh.actions[0]["beskrivning"] == text and fresh.actions[0]["ansvarig"] == text
    # independent reader agrees
    assert _file(jdir)["observationer"][0]["reflektion"]["omvarld"] == text
    assert fresh.to_dict() == journal.to_dict()


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")
    | st.sampled_from(list("\n\tåäöÅÄÖé:#-'\" ")),
    max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(title=_TEXT.filter(lambda s: s.strip()), body=_TEXT)
def test_round_trip_property(title, body):
    with tempfile.TemporaryDirectory() as folder:
        journal = open_journal("Åre", journal_dir=folder)
        obs = journal.add_observation(title, beskrivning=body)
        journal.set_reflection(obs, konsbias=body)
        fresh = open_journal("Åre", journal_dir=folder)
        assert fresh.observation(obs)["titel"] == title
        assert fresh.observation(obs)["beskrivning"] == body
        assert fresh.observation(obs)["reflektion"]["konsbias"] == body


def test_hand_edits_are_kept(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    journal.add_action("Ny checklista")
    text = journal.path.read_text(encoding="utf-8")
    text = text.replace(
        "  uppfoljning: null\n", "  uppfoljning: 2025-06-30\n  kommentar: Tillagd för hand\n"
    )
    text += "anteckning: Skrivet för hand\n"
    journal.path.write_text(text, encoding="utf-8")

    other = open_journal(KOMMUN, journal_dir=jdir)
    assert other.actions[0]["uppfoljning"] == "2025-06-30"  # an unquoted YAML date is accepted
    other.add_observation("Ny iakttagelse")
    data = _file(jdir)
    assert data["atgarder"][0]["kommentar"] == "Tillagd för hand"
    assert data["anteckning"] == "Skrivet för hand"


def test_other_kommun_in_file_is_refused(jdir):
    open_journal("Malmö", journal_dir=jdir).add_observation("x")
    with pytest.raises(JournalError, match="hör till kommunen 'Malmö'"):
        open_journal("Malmo", journal_dir=jdir)
    assert open_journal("MALMÖ", journal_dir=jdir).kommun == "Malmö"


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


FIGURES = {
    "skala": "share",
    "konfidensgrad": 0.95,
    "ra": [0.12, 0.03, 0.21],
    "kvar": [None, None, None],
    "provad": "2026-11-30",
}


def _journal_with_observation(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    return journal, journal.add_observation("Iakttagelse")


def test_a_verdicts_figures_are_kept_and_read_back(jdir):
    journal, obs = _journal_with_observation(jdir)
    assert journal.update_observation(obs, bedomning="uncertain", bedomning_siffror=FIGURES)
    saved = next(o for o in open_journal(KOMMUN, journal_dir=jdir).observations if o["id"] == obs)[
        "bedomning_siffror"
    ]
    assert saved == {**FIGURES, "ra": [0.12, 0.03, 0.21], "kvar": [None, None, None]}
    assert verdict_figures_text(saved) == (
        "Rå skillnad 12,0 procentenheter (95\u00a0% KI 3,0 till 21,0); kvar efter kriterierna "
        "dold eller inte beräknad. Prövad 2026-11-30."
    )
    means = {**FIGURES, "skala": "mean", "kvar": [-2.5, -4.0, -1.0]}
    assert "kvar efter kriterierna \u22122,5 (95\u00a0% KI \u22124,0 till \u22121,0)" in (
        verdict_figures_text(means)
    )


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda j, o: j.add_action("a", insats="medel"), r"Okänt värde 'medel'.*latt \(Lätt\)"),
        (lambda j, o: j.add_action("a", effekt="mellan"), r"Tillåtna värden: liten \(Liten\)"),
        (lambda j, o: j.add_action("a", beslutas_av="chefen"), r"'chefen'.*verksamheten"),
        (lambda j, o: j.add_action("a", uppfoljning="31/3/2025"), r"ÅÅÅÅ-MM-DD.*'31/3/2025'"),
        (lambda j, o: j.add_action("a", uppfoljning="2025-02-30"), r"ÅÅÅÅ-MM-DD"),
        (lambda j, o: j.add_action("   "), r"beskrivning.*får inte vara tomt"),
        (
            lambda j, o: j.add_action("a", observation="obs-finnsinte"),
            r"Iakttagelsen 'obs-finnsinte'",
        ),
        (lambda j, o: j.add_observation(""), r"titel \(Rubrik\) får inte vara tomt"),
        (lambda j, o: j.add_observation("t", beskrivning=12), r"ska vara text, men fick int"),
        (lambda j, o: j.add_observation("t", bedomning="bevisad"), r"'bevisad'.*risk_unmotivated"),
        (lambda j, o: j.add_observation("t", filter=["lss"]), r"filter \(urval\)"),
        (
            lambda j, o: j.update_observation(o, bedomning_siffror={**FIGURES, "skala": "pp"}),
            r"bedomning_siffror.*'share' eller 'mean'",
        ),
        (
            lambda j, o: j.update_observation(o, bedomning_siffror={**FIGURES, "ra": [0.1, 0.2]}),
            r"bedomning_siffror",
        ),
        (
            lambda j, o: j.update_observation(o, bedomning_siffror={**FIGURES, "p": 0.01}),
            r"bedomning_siffror",
        ),
        (
            lambda j, o: j.update_observation(
                o, bedomning_siffror={**FIGURES, "kvar": ["stor"] * 3}
            ),
            r"bedomning_siffror",
        ),
        (
            lambda j, o: j.add_observation("t", reflektion={"kansla": "x"}),
            r"Okänd del av reflektionen",
        ),
        (lambda j, o: j.add_conclusion("s", behov_av_mer_kunskap="kanske"), r"'kanske'.*vet_ej"),
        (lambda j, o: j.update_observation(o, rubrik="x"), r"Okänt fält 'rubrik'.*titel"),
        (lambda j, o: j.update_observation(o, id="annat"), r"Okänt fält 'id'"),
        (
            lambda j, o: j.update_action("atg-finnsinte", ansvarig="x"),
            r"ingen post med id 'atg-finnsinte'",
        ),
    ],
)
def test_validation_errors_are_swedish_and_save_nothing(jdir, call, pattern):
    journal, obs = _journal_with_observation(jdir)
    before = journal.path.read_bytes()
    with pytest.raises(ParameterError, match=pattern):
        call(journal, obs)
    assert journal.path.read_bytes() == before


def test_update_changes_only_named_fields_and_skips_no_op_saves(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    act = journal.add_action("Checklista", ansvarig="Enhetschef", insats="latt")
    assert journal.update_action(act, effekt="stor", uppfoljning=dt.date(2025, 3, 31)) is True
    saved = journal.path.read_bytes()
    backup = journal.backup_path.read_bytes()
    assert journal.update_action(act, effekt="stor") is False  # nothing changed
    assert journal.path.read_bytes() == saved and journal.backup_path.read_bytes() == backup
    (entry,) = _file(jdir)["atgarder"]
    assert (entry["ansvarig"], entry["insats"], entry["effekt"]) == ("Enhetschef", "latt", "stor")
    assert entry["uppfoljning"] == "2025-03-31"
    assert journal.update_action(act, insats=None) is True
    assert _file(jdir)["atgarder"][0]["insats"] is None


def test_removal_is_a_tombstone(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    keep = journal.add_observation("Behålls")
    gone = journal.add_observation("Tas bort")
    act = journal.add_action("Åtgärd", observation=gone)
    journal.remove_observation(gone)
    data = _file(jdir)
    assert [o["borttagen"] for o in data["observationer"]] == [False, True]
    assert [o["id"] for o in journal.observations] == [keep]
    assert "Tas bort" not in journal.to_markdown().split("## Slutsatser")[0]
    assert "Tas bort (borttagen)" in journal.actions_markdown()  # the action still names it
    with pytest.raises(JournalError, match="har tagits bort"):
        journal.set_reflection(gone, omvarld="för sent")
    with pytest.raises(ParameterError, match="har tagits bort"):
        journal.observation(gone)
    with pytest.raises(ParameterError, match="Iakttagelsen"):
        journal.add_action("Ny", observation=gone)
    journal.remove_action(act)
    assert journal.actions == []


# --------------------------------------------------------------------------------------------
# Two writers
# --------------------------------------------------------------------------------------------


def test_two_journals_on_one_file_keep_each_others_entries(jdir):
    first = open_journal(KOMMUN, journal_dir=jdir)
    second = open_journal(KOMMUN, journal_dir=jdir)
    a = first.add_observation("Från första anteckningsboken")
    b = second.add_observation("Från andra anteckningsboken")  # second has not seen a
    assert _titles(_file(jdir)) == ["Från första anteckningsboken", "Från andra anteckningsboken"]
    assert [o["id"] for o in second.observations] == [a, b]  # merged on save
    assert [o["id"] for o in first.observations] == [a]  # not yet re-read
    first.reload()
    assert [o["id"] for o in first.observations] == [a, b]

    # different fields of the same entry: both kept
    second.set_reflection(a, omvarld="Forskning visar samma mönster.")
    first.set_reflection(a, konsbias="Vi tolkar männens behov som mindre.")  # first is stale
    refl = _file(jdir)["observationer"][0]["reflektion"]
    assert refl["omvarld"] == "Forskning visar samma mönster."
    assert refl["konsbias"] == "Vi tolkar männens behov som mindre."

    # the same field: the later save wins
    first.update_observation(b, beskrivning="första")
    second.update_observation(b, beskrivning="andra")
    assert _file(jdir)["observationer"][1]["beskrivning"] == "andra"

    # a removal in one notebook is not undone by an edit in the other
    second.remove_observation(b)
    with pytest.raises(JournalError, match="annan anteckningsbok"):
        first.update_observation(b, titel="ny rubrik")
    assert _file(jdir)["observationer"][1]["borttagen"] is True


def _worker(folder: str, worker: int, count: int, start: mp.synchronize.Event) -> None:
    journal = open_journal(KOMMUN, journal_dir=folder)
    start.wait(timeout=60)
    for k in range(count):
        obs = journal.add_observation(f"process {worker} post {k}")
        if k % 5 == 0:
            journal.set_reflection(obs, omvarld=f"reflektion {worker}-{k}")


def _context() -> mp.context.BaseContext:
    # spawn works everywhere (Windows too); fork is cheaper where it exists
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def test_concurrent_processes_lose_no_entries(jdir):
    workers, count = 4, 20
    ctx = _context()
    start = ctx.Event()
    procs = [ctx.Process(target=_worker, args=(str(jdir), w, count, start)) for w in range(workers)]
    for proc in procs:
        proc.start()
    start.set()
    for proc in procs:
        proc.join(timeout=120)
    assert [proc.exitcode for proc in procs] == [0] * workers

    data = _file(jdir)
    expected = {f"process {w} post {k}" for w in range(workers) for k in range(count)}
    titles = _titles(data)
    assert len(titles) == workers * count and set(titles) == expected
    assert len({o["id"] for o in data["observationer"]}) == workers * count
    for obs in data["observationer"]:
        worker, k = (int(x) for x in obs["titel"].split()[1::2])
        wanted = f"reflektion {worker}-{k}" if k % 5 == 0 else ""
        assert obs["reflektion"]["omvarld"] == wanted
    # the backup is the version before the last save, and readable
    backup = yaml.safe_load(open_journal(KOMMUN, journal_dir=jdir).backup_path.read_text("utf-8"))
    assert set(_titles(backup)) <= expected and len(_titles(backup)) >= workers * count - 1
    assert not list(jdir.glob(".*.tmp"))


def test_lock_timeout_is_a_swedish_error(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir, lock_timeout=0.2)
    journal.add_observation("före")
    with filelock.FileLock(journal.lock_path), pytest.raises(JournalError, match="är låst"):
        journal.add_observation("under låset")
    assert _titles(_file(jdir)) == ["före"]


# --------------------------------------------------------------------------------------------
# Crashes and corruption
# --------------------------------------------------------------------------------------------


def test_failed_replace_leaves_old_file_intact(jdir, monkeypatch):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    obs = journal.add_observation("Sparad")
    journal.set_reflection(obs, omvarld="första versionen")
    before = journal.path.read_bytes()
    real_replace = os.replace

    def crash(src, dst):
        if Path(dst) == journal.path:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(isuwork.data.io.os, "replace", crash)
    with pytest.raises(JournalError, match="kunde inte sparas.*oförändrad"):
        journal.set_reflection(obs, omvarld="andra versionen")
    assert journal.path.read_bytes() == before
    assert journal.observation(obs)["reflektion"]["omvarld"] == "första versionen"
    assert not list(jdir.glob(".*.tmp"))  # the temporary file was cleaned up
    monkeypatch.setattr(isuwork.data.io.os, "replace", real_replace)
    fresh = open_journal(KOMMUN, journal_dir=jdir)
    assert fresh.observation(obs)["reflektion"]["omvarld"] == "första versionen"
    fresh.set_reflection(obs, omvarld="tredje versionen")  # the lock was released
    assert _file(jdir)["observationer"][0]["reflektion"]["omvarld"] == "tredje versionen"


def _crash_mid_write(folder: str) -> None:
    """Child process: die (no clean-up at all) after writing half of the new file."""

    def half_then_die(text: str, path) -> None:
        with isuwork.data.io.atomic_write(path, mode="wb") as handle:
            data = text.encode("utf-8")
            handle.write(data[: len(data) // 2])
            handle.flush()
            os._exit(3)

    journal_store.write_text = half_then_die
    open_journal(KOMMUN, journal_dir=folder).add_observation("aldrig sparad")


def test_process_killed_mid_save_leaves_old_file_intact(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir, lock_timeout=10)
    journal.add_observation("sparad före kraschen")
    before = journal.path.read_bytes()
    proc = _context().Process(target=_crash_mid_write, args=(str(jdir),))
    proc.start()
    proc.join(timeout=60)
    assert proc.exitcode == 3
    assert list(jdir.glob(".*.tmp"))  # the half-written temporary file is left behind
    assert journal.path.read_bytes() == before
    fresh = open_journal(KOMMUN, journal_dir=jdir, lock_timeout=10)
    assert _titles(fresh.to_dict()) == ["sparad före kraschen"]
    fresh.add_observation("efter kraschen")  # the dead process's lock is gone
    assert _titles(_file(jdir)) == ["sparad före kraschen", "efter kraschen"]


CORRUPTIONS = {
    "ogiltig_yaml": b"kommun: Upplands V\xc3\xa4sby\nobservationer: [\n  - id: x\n",
    "inte_utf8": "kommun: Upplands Väsby\n".encode("cp1252"),
    "tom_fil": b"",
    "en_lista": b"- a\n- b\n",
    "fel_kod": (
        "kommun: Upplands Väsby\natgarder:\n- id: atg-1\n  beskrivning: x\n  insats: medel\n"
    ).encode(),
    "dubbla_id": (
        "kommun: Upplands Väsby\nobservationer:\n- id: a\n  titel: x\n- id: a\n  titel: y\n"
    ).encode(),
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_corrupted_file_gives_clear_error_and_backup_restores(jdir, kind):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    journal.add_observation("Första")
    journal.add_observation("Andra")
    journal.path.write_bytes(CORRUPTIONS[kind])

    with pytest.raises(JournalError) as info:
        open_journal(KOMMUN, journal_dir=jdir)
    message = str(info.value)
    assert str(journal.path) in message and "kan inte läsas" in message
    assert "upplands-vasby.yaml.bak" in message and "restore_backup('Upplands Väsby'" in message

    restored = restore_backup(KOMMUN, journal_dir=jdir)
    assert _titles(restored.to_dict()) == ["Första"]  # the version before the last save
    kept = journal.path.with_name("upplands-vasby.yaml.fore-aterstallning")
    assert kept.read_bytes() == CORRUPTIONS[kind]  # the broken file is kept, not lost
    assert _titles(_file(jdir)) == ["Första"]


def test_corruption_under_an_open_journal_keeps_the_backup(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    journal.add_observation("Första")
    journal.add_observation("Andra")
    backup = journal.backup_path.read_bytes()
    journal.path.write_bytes(CORRUPTIONS["ogiltig_yaml"])
    with pytest.raises(JournalError, match="restore_backup"):
        journal.add_observation("Tredje")
    assert journal.backup_path.read_bytes() == backup  # not overwritten by the broken file
    assert journal.path.read_bytes() == CORRUPTIONS["ogiltig_yaml"]
    restored = journal_module.Journal.restore_backup(KOMMUN, journal_dir=jdir)
    assert _titles(restored.to_dict()) == ["Första"]


def test_restore_without_backup_or_with_broken_backup(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    journal.add_observation("Enda")
    journal.path.write_bytes(b"kommun: [")
    with pytest.raises(JournalError, match="ingen säkerhetskopia"):
        open_journal(KOMMUN, journal_dir=jdir)
    with pytest.raises(JournalError, match="Det finns ingen säkerhetskopia"):
        restore_backup(KOMMUN, journal_dir=jdir)
    journal.backup_path.write_bytes(b"kommun: [")
    with pytest.raises(JournalError, match="kan inte heller läsas"):
        restore_backup(KOMMUN, journal_dir=jdir)
    assert journal.path.read_bytes() == b"kommun: ["


# --------------------------------------------------------------------------------------------
# Views and exports
# --------------------------------------------------------------------------------------------


@pytest.fixture
def filled(jdir):
    journal = open_journal(KOMMUN, journal_dir=jdir)
    obs = journal.add_observation(
        "Män deltar mer sällan i utredningssamtal",
        beskrivning="Andelen är lägre för män: 61 % mot 74 %.",
        bedomning="risk_unmotivated",
    )
    journal.set_reflection(
        obs,
        individ_grupp="Männen tackar oftare nej.",
        verksamhet_profession="Vi bokar samtal under kontorstid.",
        omvarld="Samma mönster i Vård- och omsorgsanalys rapport.",
        konsbias="Tror vi att män inte vill prata?",
    )
    journal.add_conclusion(
        "Troligen en fråga om hur vi erbjuder samtal.",
        observation=obs,
        behov_av_mer_kunskap="ja",
        risk_att_upprathalla_ojamstalldhet="vet_ej",
    )
    journal.add_conclusion("Generell slutsats om datakvalitet.")
    journal.add_action(
        "Erbjud samtal | kvällstid",
        ansvarig="Enhetschef",
        insats="latt",
        effekt="stor",
        beslutas_av="verksamheten",
        uppfoljning="2025-03-31",
        observation=obs,
    )
    journal.add_action("Ny resursfördelning", insats="svar", effekt="stor", beslutas_av="politiken")
    dropped = journal.add_action("Strukits")
    journal.remove_action(dropped)
    return journal


def test_actions_table(filled):
    table = filled.actions_table()
    assert list(table.columns) == list(ACTION_COLUMNS)
    assert table.index.name == "id" and len(table) == 2
    assert table["insats"].tolist() == ["latt", "svar"]
    assert list(table["insats"].cat.categories) == ["latt", "svar"]
    assert list(table["effekt"].cat.categories) == ["liten", "stor"]
    assert table["beslutas_av"].tolist() == ["verksamheten", "politiken"]
    assert table["uppfoljning"].iloc[0] == pd.Timestamp("2025-03-31")
    assert pd.isna(table["uppfoljning"].iloc[1])
    assert table["ansvarig"].tolist() == ["Enhetschef", ""]


def test_actions_table_of_empty_journal_has_the_same_shape(jdir):
    table = open_journal(KOMMUN, journal_dir=jdir).actions_table()
    assert list(table.columns) == list(ACTION_COLUMNS) and table.empty
    assert str(table["uppfoljning"].dtype) == "datetime64[ns]"
    assert isinstance(table["insats"].dtype, pd.CategoricalDtype)


def test_to_markdown(filled):
    text = filled.to_markdown()
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Reflektionsjournal för Upplands Väsby",
        "## Iakttagelser (steg 1)",
        "### 1. Män deltar mer sällan i utredningssamtal",
        "## Reflektioner (steg 2)",
        "### 1. Män deltar mer sällan i utredningssamtal",
        "## Slutsatser (steg 3)",
        "### Slutsats 1: Män deltar mer sällan i utredningssamtal",
        "### Slutsats 2: Hela analysen",
        "## Åtgärder (steg 4)",
    ]
    for label in REFLECTION_FIELDS.values():
        assert f"**{label}**" in text
    for snippet in (
        "Vi bokar samtal under kontorstid.",
        "Tror vi att män inte vill prata?",
        "Bedömning enligt kriterierna: Risk för omotiverad skillnad",
        "- Behöver vi veta mer? Ja",
        "upprätthålls? Vet inte än",
        "| Erbjud samtal \\| kvällstid | Enhetschef | Lätt | Stor | Verksamheten (internt) | "
        "2025-03-31 | Män deltar mer sällan i utredningssamtal |",
        "| Ny resursfördelning |  | Svår | Stor | Politiken (förtroendevalda) |  | Hela analysen |",
    ):
        assert snippet in text
    assert "Strukits" not in text
    assert filled.to_markdown(heading_level=2).startswith("## Reflektionsjournal")
    with pytest.raises(ParameterError, match="heading_level"):
        filled.to_markdown(heading_level=0)


def test_observation_markdown(filled):
    obs = filled.observations[0]["id"]
    text = filled.observation_markdown(obs)
    assert text.startswith("### Män deltar mer sällan i utredningssamtal")
    assert "Männen tackar oftare nej." in text
    assert "Troligen en fråga om hur vi erbjuder samtal." in text
    assert "Generell slutsats" not in text  # not about this observation
    assert "Erbjud samtal" in text and "Ny resursfördelning" not in text


def test_export_actions_xlsx(filled, tmp_path):
    path = filled.export_actions(tmp_path / "plan.xlsx")
    sheet = openpyxl.load_workbook(path)["Åtgärdsplan"]
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Åtgärdsplan för Upplands Väsby"
    assert rows[2] == [
        "Åtgärd",
        "Ansvarig",
        "Insats",
        "Effekt",
        "Beslutas av",
        "Uppföljning",
        "Iakttagelse",
    ]
    assert rows[3][:6] == [
        "Erbjud samtal | kvällstid",
        "Enhetschef",
        "Lätt",
        "Stor",
        "Verksamheten (internt)",
        "2025-03-31",
    ]
    assert rows[4][0] == "Ny resursfördelning" and rows[4][4] == "Politiken (förtroendevalda)"
    assert len(rows) == 5


def test_export_actions_markdown_and_bad_suffix(filled, tmp_path):
    path = filled.export_actions(tmp_path / "plan.md")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Åtgärdsplan för Upplands Väsby")
    assert text.count("\n| ") == 4  # header, rule and two actions
    with pytest.raises(ParameterError, match=r"\.xlsx, \.md"):
        filled.export_actions(tmp_path / "plan.pdf")
