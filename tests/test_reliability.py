"""A hostile office: two commands at once, killed runs, a deleted row, stale steps, hostile files, flaky mail."""

from __future__ import annotations

import asyncio
import errno
import gc
import getpass
import hashlib
import io
import json
import os
import platform
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import (EXAMPLE_OFFERS, EXAMPLE_SPEC, REPO, assess_as_declared, columns, csv_bytes, offer_row,
                      type_finding, type_into, uno_python)
from inhuur import actions, dispatch, files, guard, letters, mail, workbook
from inhuur.dutch import KIND_WORDS
from inhuur.errors import InvalidWorkbook, WorkbookBusy, WorkbookReadOnly

SENT = date.today()  # the letter date is the sending date
HOSTILE = REPO / "tests" / "data" / "hostile"


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def inhuur(*args, env=None, **kw) -> subprocess.Popen:
    """The CLI as a real second process, as a colleague's command would be."""
    return subprocess.Popen([sys.executable, "-m", "inhuur", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}, **kw)


@pytest.fixture
def ready(example_workbook):
    """The example, assessed, with its lot recorded and ranked: ready for the step-2 letters."""
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    actions.rank(example_workbook)
    return example_workbook


# ---------------------------------------------------------------------------------------------- one writer

def test_an_import_and_a_rank_at_once_lose_no_offer(imported_workbook, tmp_path):
    for n in range(6):
        extra = tmp_path / f"extra{n}.csv"
        extra.write_bytes(csv_bytes([offer_row(leverancier=f"Nieuw {n}", kandidaat=f"Nieuwe {n}")]))
        importing = inhuur("import", imported_workbook, extra)
        ranking = inhuur("rank", imported_workbook)
        out, err = importing.communicate(timeout=120)
        assert importing.returncode == 0, err
        _, rank_err = ranking.communicate(timeout=120)
        assert ranking.returncode == 0, rank_err
        added = re.search(r"\((I-\d+)\)", out).group(1)
        ids = {r[0] for r in load_workbook(imported_workbook)["Kandidaten"].iter_rows(min_row=2, values_only=True)}
        assert added in ids, (n, added)
    assert actions.check(imported_workbook) == 21


def test_a_second_writer_waits_then_is_told_who_holds_the_workbook(example_workbook):
    before = digest(example_workbook)
    with files.writing(example_workbook, "letters"):
        other = inhuur("rank", example_workbook, env={"INHUUR_WACHTTIJD": "1"})
        _, err = other.communicate(timeout=60)
    assert other.returncode == 1
    assert "wordt op dit moment bijgewerkt door" in err and "(inhuur letters, sinds " in err
    assert "Er is niets geschreven" in err and "Traceback" not in err
    assert digest(example_workbook) == before
    with files.writing(example_workbook, "letters"):
        with pytest.raises(WorkbookBusy) as info:
            with files.writing(example_workbook, "rank", wait=0.2):
                pass
    assert info.value.holder.startswith(f"{getpass.getuser()} op {platform.node()} (inhuur letters, sinds ")


def test_a_lock_held_by_an_earlier_inhuur_still_names_its_holder(example_workbook):
    """Earlier versions wrote the holder as json; a colleague's older copy on a shared folder is named all the same."""
    with files.writing(example_workbook, "letters"):
        files.writer_lock_path(example_workbook).write_text(
            '{"wie": "Jan", "computer": "PC-12", "proces": 7, "opdracht": "rank", "sinds": "2026-07-09 10:00:00"}')
        with pytest.raises(WorkbookBusy) as info:
            with files.writing(example_workbook, "rank", wait=0.2):
                pass
    assert info.value.holder == "Jan op PC-12 (inhuur rank, sinds 2026-07-09 10:00:00)"


def test_a_killed_writer_leaves_no_lock_behind(example_workbook):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from inhuur import files\n"
                               f"with files.writing(__import__('pathlib').Path({str(example_workbook)!r}), 'x'):\n"
                               "    print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    holder.stdout.close()
    with files.writing(example_workbook, "rank", wait=2):
        pass


def test_a_commands_workbook_is_kept_from_the_cycle_collector_and_given_back(example_workbook):
    """The rows read stay out of the collector's full collections while the command runs (at 2,000 offers it
    walked them again and again); afterwards, also after a failure, the collector has every object back."""
    assert gc.get_freeze_count() == 0
    with guard.editing(example_workbook, "rank") as matrix:
        assert gc.get_freeze_count() > sum(len(row.cells) for row in matrix.assessment_rows)
    assert gc.get_freeze_count() == 0
    with pytest.raises(ZeroDivisionError), guard.editing(example_workbook, "rank"):
        1 / 0
    assert gc.get_freeze_count() == 0


# ---------------------------------------------------------------------------------------------- a deleted row

@pytest.mark.soffice
def test_a_row_deleted_in_libreoffice_is_named_and_no_letter_goes_missing(ready, tmp_path, run_cli):
    python = uno_python()
    subprocess.run([python, str(REPO / "tests" / "lo_edit.py"), str(ready), str(tmp_path / "lo-profile"),
                    "delete-row", "Kandidaten", "I-012"], check=True, timeout=180)
    ids = [r[0] for r in load_workbook(ready)["Kandidaten"].iter_rows(min_row=2, values_only=True)]
    assert "I-012" not in ids and len(ids) == 14
    result = run_cli("check", ready)
    assert result.code == 1
    assert "Kandidaten: I-012 is geïmporteerd maar staat niet meer op Kandidaten" in result.err
    letters = run_cli("letters", ready, "-o", tmp_path / "brieven", "--datum", "30-06-2026")
    assert letters.code == 1 and not (tmp_path / "brieven" / "manifest.json").exists()


# ---------------------------------------------------------------------------------------------- stale steps

@pytest.fixture
def in_step3(ready, tmp_path):
    actions.make_letters(ready, tmp_path / "stap2", sent=SENT)
    actions.record(ready, 3, REPO / "workbook" / "voorbeeld-stap3-30662.csv")
    return ready


def test_a_judgment_changed_after_step3_is_named_not_a_crash(in_step3, tmp_path, run_cli):
    # the client knocks out I-001, whom step 3 already invited
    type_finding(in_step3, "I-001", "KO2", {"Oordeel opdrachtgever": "Nee", "Opdrachtgever (naam)": "M. Bakker",
                                           "Motivering opdrachtgever": "3 jaar niet aangetoond in het gesprek"})
    result = run_cli("rank", in_step3)
    assert result.code == 0 and "Interne fout" not in result.err
    check = run_cli("check", in_step3)
    assert check.code == 1 and "Stap 3!A2: I-001 staat op Stap 3 maar is volgens de ranglijst niet (meer)" in check.err
    before = digest(in_step3)
    invite = tmp_path / "stap3.csv"
    invite.write_bytes(csv_bytes([{"id": "I-001", "besluit": "uitnodigen"}]))
    refused = run_cli("record", in_step3, "--step", "3", invite)
    assert refused.code == 1 and "'I-001' is geen voorgedragen kandidaat" in refused.err
    assert digest(in_step3) == before                              # nothing written when refused
    letters = run_cli("letters", in_step3, "-o", tmp_path / "brieven", "--datum", "01-07-2026")
    assert letters.code == 1 and "Stap 3!A2" in letters.err


def test_an_undecided_step3_row_follows_the_shortlist(ready, tmp_path):
    actions.make_letters(ready, tmp_path / "stap2", sent=SENT)
    actions.rank(ready)                                            # fills Stap 3 with the five, undecided
    type_finding(ready, "I-004", "G4", {"Oordeel opdrachtgever": "Nee", "Opdrachtgever (naam)": "M. Bakker",
                                       "Motivering opdrachtgever": "Geen 5 jaar"})
    actions.rank(ready)
    rows = [r[0] for r in load_workbook(ready)["Stap 3"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert "I-004" not in rows and "I-005" in rows and len(rows) == 5
    assert actions.check(ready) == 15


# ---------------------------------------------------------------------------------------------- cells as counted

def test_a_lone_space_in_a_finding_is_named_by_check_and_blocks_the_letters(ready, tmp_path):
    refs = type_finding(ready, "I-001", "KO1", {"Oordeel beoordelaar": " "})
    with pytest.raises(InvalidWorkbook) as info:
        actions.check(ready)
    assert [p.where for p in info.value.problems] == [f"Beoordeling!{refs['Oordeel beoordelaar']}"]
    with pytest.raises(InvalidWorkbook):
        actions.make_letters(ready, tmp_path / "brieven", sent=SENT)


@pytest.mark.parametrize("name, where, text", [
    ("bedrag-duizendtal-1.000.csv", "rij 3, kolom E (uurtarief)", "'1.000' is dubbelzinnig"),
    ("bedrag-77.500.csv", "rij 3, kolom E (uurtarief)", "'77.500' is dubbelzinnig"),
    ("bedrag-34-cijfers.csv", "rij 3, kolom E (uurtarief)", "'1234567890123456789012345678901234' is geen "
                                                           "plausibel uurtarief"),
    ("datum-jaar-0001.csv", "rij 3, kolom F (ingediend)", "'01-01-0001 09:00' ligt vóór 2000"),
    ("datum-1899.csv", "rij 3, kolom F (ingediend)", "'01-01-1899' ligt vóór 2000"),
    ("email-stuurteken.csv", "rij 3, kolom C (email)", "bevat het onzichtbare teken U+0001; typ het adres opnieuw"),
    ("email-fffe.csv", "rij 3, kolom C (email)", "bevat het onzichtbare teken U+FFFE; typ het adres opnieuw"),
    ("veld-200000-tekens.csv", "rij 3, kolom S (toelichting)", "is langer dan 32767 tekens"),
])
def test_hostile_offers_files_are_refused_with_the_cell_named(workbook_path, run_cli, name, where, text):
    before = digest(workbook_path)
    result = run_cli("import", workbook_path, HOSTILE / name)
    assert result.code == 1 and "Interne fout" not in result.err
    assert f"  - {where}: " in result.err and text in result.err
    assert digest(workbook_path) == before


def test_characters_a_workbook_cannot_hold_are_left_out(workbook_path):
    actions.import_offers(workbook_path, HOSTILE / "naam-fffe-ffff.csv")
    names = [r[1] for r in load_workbook(workbook_path)["Kandidaten"].iter_rows(min_row=2, values_only=True)]
    assert names == ["Kan didaat  2"]


# ---------------------------------------------------------------------------------------------- letters and mail

@pytest.fixture(scope="module")
def made_once(tmp_path_factory):
    """A workbook with the step-2 letters made and logged on Brieven, made once for the tests that copy it."""
    base = tmp_path_factory.mktemp("made")
    book = base / "aanvraag.xlsx"
    actions.new(EXAMPLE_SPEC, book)
    actions.import_offers(book, EXAMPLE_OFFERS)
    assess_as_declared(book)
    actions.record_lot(book, actions.EXAMPLE_LOT)
    actions.make_letters(book, base / "brieven", sent=SENT)
    return book, base / "brieven"


@pytest.fixture
def hostile(made_once, tmp_path):
    """A copy of that workbook and its letters folder, for a test to change (the folder is shared, as on a share)."""
    book, folder = made_once
    shutil.copytree(folder, tmp_path / "brieven")
    return Path(shutil.copy(book, tmp_path / book.name)), tmp_path / "brieven"


def edit_manifest(folder: Path, change):
    """Change manifest.json's letters as someone with write access to the folder would, by hand; returns what
    change returns."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    said = change(manifest["letters"])
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return said


def swap_files(letters) -> str:
    """Two entries swap their files: each supplier would get the other's candidate's letter."""
    first, second = letters[0]["file"], letters[1]["file"]
    for field in ("file", "sha256", "pdf", "pdf_sha256"):
        letters[0][field], letters[1][field] = letters[1][field], letters[0][field]
    return f"{first} ({letters[0]['id']}): in manifest.json is 'file' '{second}', het werkboek zegt '{first}'"


def other_address(letters) -> str:
    """An address nobody entered in the workbook."""
    right, letters[2]["email"] = letters[2]["email"], "lek@elders.example"
    return (f"{letters[2]['file']} ({letters[2]['id']}): in manifest.json is 'email' 'lek@elders.example', het "
            f"werkboek zegt '{right}'")


def other_reference(letters) -> str:
    """A kenmerk never sent, so that the letter would go a second time."""
    right = letters[3]["reference"]
    letters[3]["reference"] += "-2"
    return (f"{letters[3]['file']} ({letters[3]['id']}): in manifest.json is 'reference' '{right}-2', het werkboek "
            f"zegt '{right}'")


def doubled(letters) -> str:
    """The same letter once more, to an extra address."""
    letters.append({**letters[4], "email": "extra@elders.example"})
    return f"{letters[4]['file']}: de brief '{KIND_WORDS[letters[4]['kind']]}' voor {letters[4]['id']} staat meer " \
           f"dan eens in manifest.json"


@pytest.mark.parametrize("change", [swap_files, other_address, other_reference, doubled])
def test_mail_sends_what_the_workbook_says_not_what_the_manifest_says(hostile, smtp, change):
    book, folder = hostile
    words = edit_manifest(folder, change)
    before = digest(book)
    run = inhuur("mail", book, "--letters", folder, "--smtp", smtp.address, "--send")
    out, err = run.communicate(timeout=180)
    assert run.returncode == 1, out + err
    assert "er is niets verstuurd" in err and words in err and "Interne fout" not in err
    assert smtp.messages == [] and digest(book) == before and not (folder / mail.JOURNAL).exists()


@pytest.mark.soffice
def test_the_pdf_is_checked_against_brieven_also_in_a_workbook_made_before_the_column(ready, tmp_path, run_cli):
    wb = load_workbook(ready)
    wb["Brieven"]["M1"] = None  # the header as the previous version made it: 12 titles
    wb.save(ready)
    folder = actions.make_letters(ready, tmp_path / "brieven", pdf=True, sent=SENT).folder
    rows = list(load_workbook(ready)["Brieven"].iter_rows(values_only=True))
    assert rows[0][12] == "SHA-256 pdf"
    assert [r[12] for r in rows[1:]] == [digest(folder / f"{Path(r[7]).stem}.pdf") for r in rows[1:]]
    original = (folder / "manifest.json").read_bytes()
    words = edit_manifest(folder, swap_files)
    swapped = run_cli("mail", ready, "--letters", folder, "-o", tmp_path / "eml")
    assert swapped.code == 1 and words in swapped.err and "in manifest.json is 'pdf' 'I-002-" in swapped.err
    (folder / "manifest.json").write_bytes(original)
    pdf = sorted(folder.glob("*.pdf"))[2]
    pdf.write_bytes(pdf.read_bytes() + b"\n")
    changed = run_cli("mail", ready, "--letters", folder, "-o", tmp_path / "eml")
    assert changed.code == 1 and f"{pdf.name} is gewijzigd nadat inhuur de brief maakte" in changed.err
    assert not (tmp_path / "eml").exists()


def office_processes(folder: Path) -> list[str]:
    """The processes still converting into `folder` (soffice, oosplash, soffice.bin, their watchdog)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes() if proc.name.isdigit() else b""
        except OSError:  # ended while we looked
            continue
        if b"--convert-to" in command and str(folder).encode() in command:
            found.append(command.replace(b"\0", b" ").decode(errors="replace"))
    return found


def gone(folder: Path, within: float = 5.0) -> list[str]:
    """Wait up to `within` seconds for every process converting into `folder` to end; those still there."""
    deadline = time.monotonic() + within
    while office_processes(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    return office_processes(folder)


@pytest.fixture
def many_letters(ready):
    """The ready example with 45 more offers, knocked out on KO1 and assessed: 60 letters, long enough to convert
    that a command stopped at the first PDF is stopped half way."""
    extra = [offer_row(leverancier=f"Extra {n}", kandidaat=f"Extra {n}", KO1="Nee") for n in range(45)]
    actions.import_offers(ready, io.BytesIO(csv_bytes(extra)))
    assess_as_declared(ready)
    actions.rank(ready)
    return ready


@pytest.mark.soffice
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill-9", "term", "ctrl-c"])
def test_a_letters_run_killed_half_way_leaves_no_manifest_and_mail_sends_nothing(many_letters, tmp_path, run_cli,
                                                                                   how):
    ready = many_letters
    folder = tmp_path / "brieven"
    actions.make_letters(ready, folder, sent=SENT)                 # a complete earlier run in the same folder
    assert (folder / "manifest.json").exists()
    letters_made = len(list(folder.glob("*.docx")))
    # Ctrl-C in a terminal reaches a command with SIGINT handled; a child inherits an ignored SIGINT from its parent
    # (a test runner may leave it so), hence the default is restored as a shell does for a foreground command.
    run = inhuur("letters", ready, "-o", folder, "--pdf", "--datum", "01-07-2026",
                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(folder.glob("*.pdf")) and time.monotonic() < deadline:  # LibreOffice is writing
        time.sleep(0.02)
    assert run.poll() is None, "the command ended before it was stopped"
    run.send_signal(how)
    run.communicate(timeout=10)
    assert gone(folder) == []                                        # LibreOffice ended with the command
    written = sorted(p.name for p in folder.glob("*.pdf"))
    assert len(written) < letters_made                               # it stopped converting when it did
    time.sleep(3)
    assert sorted(p.name for p in folder.glob("*.pdf")) == written   # and nothing writes on
    assert not (folder / "manifest.json").exists()                   # the folder says it is incomplete
    result = run_cli("mail", ready, "--letters", folder, "-o", tmp_path / "eml")
    assert result.code == 1 and "geen bruikbaar manifest.json" in result.err and not (tmp_path / "eml").exists()


@pytest.mark.soffice
def test_letters_as_pdf_leave_no_libreoffice_running(ready, tmp_path):
    folder = tmp_path / "brieven"
    run = inhuur("letters", ready, "-o", folder, "--pdf", "--datum", "01-07-2026")
    _, err = run.communicate(timeout=180)
    assert run.returncode == 0, err
    assert len(list(folder.glob("*.pdf"))) == len(list(folder.glob("*.docx"))) > 0
    assert gone(folder, within=0) == []


def test_mail_refuses_letters_that_no_longer_match_the_workbook(ready, tmp_path, run_cli):
    folder = actions.make_letters(ready, tmp_path / "brieven", sent=SENT).folder
    type_finding(ready, "I-001", "KO1", {"Oordeel opdrachtgever": "Nee", "Opdrachtgever (naam)": "M. Bakker",
                                        "Motivering opdrachtgever": "Geen hbo-diploma overgelegd"})
    result = run_cli("mail", ready, "--letters", folder, "-o", tmp_path / "eml")
    assert result.code == 1 and "er is niets verstuurd" in result.err
    assert ("I-001-voorgedragen.docx: het werkboek vraagt nu geen brief 'kandidaat voorgedragen' voor I-001 meer "
            "(nu: kandidaat voldoet niet aan de knock-outcriteria)") in result.err
    assert "I-005: het werkboek vraagt een brief 'kandidaat voorgedragen' die niet in de map staat" in result.err


def test_mail_refuses_a_letter_file_changed_or_missing(ready, tmp_path, run_cli):
    folder = actions.make_letters(ready, tmp_path / "brieven", sent=SENT).folder
    (folder / "I-003-voorgedragen.docx").write_bytes(b"changed")
    (folder / "I-004-voorgedragen.docx").unlink()
    result = run_cli("mail", ready, "--letters", folder, "-o", tmp_path / "eml")
    assert result.code == 1
    assert "I-003-voorgedragen.docx is gewijzigd nadat inhuur de brief maakte" in result.err
    assert "I-004-voorgedragen.docx ontbreekt" in result.err


def _set(field, value, top=False):
    """A manifest edit: one field of the first letter (or, with top, of the manifest itself) set to value."""
    def change(manifest):
        (manifest if top else manifest["letters"][0])[field] = value
    return change


@pytest.mark.parametrize("damage, reason", [
    (b"{not json", "het is geen leesbare JSON"),
    (lambda text: text[:len(text) // 2], "het is geen leesbare JSON"),                      # cut off
    (lambda text: text.replace("Ş".encode(), "Ş".encode()[:1]), "het is geen leesbare JSON"),  # invalid UTF-8
    (b'{"letters": [{"id": "I-001"}]}', "brief 1 mist"),
    (b'{"letters": "x"}', "de lijst 'letters' ontbreekt"),
    (_set("kind", "bedankbrief"), "brief 1 (I-001-voorgedragen.docx) heeft een onbekende soort 'bedankbrief'"),
    (_set("date", "gisteren"), "brief 1 (I-001-voorgedragen.docx) heeft een onleesbare datum 'gisteren'"),
    (_set("date", "31-02-2026", top=True), "de datum van de brieven '31-02-2026' is onleesbaar"),
    (_set("lot", {"moment": "straks"}, top=True), "de gegevens van de loting (moment, plaats, door) zijn onleesbaar"),
    (_set("pdf", 5), "brief 1 mist pdf (of het is geen tekst)"),
    (_set("email", ["a@x.example", "b@y.example"]), "brief 1 mist email (of het is geen tekst)"),
])
def test_a_damaged_manifest_is_refused_in_dutch(hostile, tmp_path, run_cli, damage, reason):
    book, folder = hostile
    path = folder / "manifest.json"
    if isinstance(damage, bytes):
        path.write_bytes(damage)
    elif damage.__name__ == "<lambda>":
        path.write_bytes(damage(path.read_bytes()))
    else:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        damage(manifest)
        path.write_text(json.dumps(manifest), encoding="utf-8")
    result = run_cli("mail", book, "--letters", folder, "-o", tmp_path / "eml")
    assert result.code == 1 and reason in result.err and "Interne fout" not in result.err
    assert f"Maak de brieven opnieuw met inhuur letters WERKBOEK -o {folder}" in result.err
    assert not (tmp_path / "eml").exists()


def journal_line(entry: dict, status: str) -> bytes:
    """A line of verzonden.jsonl as mail writes it for a manifest entry."""
    return (json.dumps({**entry, "to": entry["email"], "message_id": "<x@example>", "attachment_sha256": entry["sha256"],
                        "status": status, "reason": "", "sent_at": "2026-07-01 10:00:00"}, ensure_ascii=False)
            + "\n").encode("utf-8")


@pytest.mark.parametrize("damage, reason", [
    (lambda line: line[:line.index("Ş".encode()) + 1] + b"\n", "de tekst is geen geldige UTF-8"),
    (lambda line: line[:40] + b"\n", "het is geen leesbare JSON"),
    (lambda line: b"[1, 2]\n", "id, candidate, supplier, kind, file, reference, to, message_id, status, sent_at "
                               "ontbreekt of is geen tekst"),
    (lambda line: line.replace(b'"to": "', b'"to": 5, "x": "'), "to ontbreekt of is geen tekst"),
    (lambda line: line.replace(b'"status": "bezig"', b'"status": "misschien"'), "de status 'misschien' is onbekend"),
])
def test_a_damaged_journal_line_is_refused_in_dutch(hostile, smtp, run_cli, damage, reason):
    book, folder = hostile
    entry = next(e for e in mail.load_manifest(folder)["letters"] if "Ş" in e["candidate"])
    journal = folder / mail.JOURNAL
    journal.write_bytes(journal_line(entry, mail.BUSY) + damage(journal_line(entry, mail.BUSY))
                        + journal_line(entry, mail.SENT))
    before = digest(book)
    result = run_cli("mail", book, "--letters", folder, "--smtp", smtp.address, "--send")
    assert result.code == 1 and "Interne fout" not in result.err
    assert f"{journal}, regel 2, is beschadigd ({reason}" in result.err
    assert "de registratie van wat verstuurd is, is het blad Verzonden in het werkboek" in result.err
    assert smtp.messages == [] and digest(book) == before


@pytest.mark.parametrize("forge, reason", [
    (lambda line: line.replace(b'"reference": "', b'"reference": "30662-I-099-'),
     "de brief 30662-I-099-"),
    (lambda line: line.replace(b'"to": "', b'"to": "elders.'),
     "aan elders."),
    (lambda line: re.sub(rb'"attachment_sha256": "[0-9a-f]+"', b'"attachment_sha256": "' + b"0" * 64 + b'"', line),
     "is niet de brief die het blad Brieven vastlegt (andere SHA-256)"),
    (lambda line: line.replace(b'"sent_at": "2026-07-01 10:00:00"', b'"sent_at": "gisteren"'),
     "het tijdstip 'gisteren' is onleesbaar"),
])
def test_a_journal_line_the_workbook_does_not_know_is_refused(hostile, smtp, run_cli, forge, reason):
    """A well-formed line about a letter Brieven never logged (another kenmerk or address), with another attachment or
    an unreadable time, must not count a letter as sent, nor land on Verzonden."""
    book, folder = hostile
    entry = mail.load_manifest(folder)["letters"][0]
    journal = folder / mail.JOURNAL
    journal.write_bytes(forge(journal_line(entry, mail.SENT)))
    before = digest(book)
    result = run_cli("mail", book, "--letters", folder, "--smtp", smtp.address, "--send")
    assert result.code == 1 and "Interne fout" not in result.err
    assert f"{journal}, regel 1, is beschadigd (" in result.err and reason in result.err, result.err
    assert smtp.messages == [] and digest(book) == before


def test_verzonden_rows_come_from_the_workbook_not_from_the_journal_or_manifest(hostile, smtp, run_cli):
    """A journal line whose names were edited (but kenmerk, address and attachment are the workbook's) goes onto
    Verzonden with the workbook's id, candidate and supplier; so does a sending recorded with `inhuur verzonden`
    from a manifest whose names were edited."""
    book, folder = hostile
    entries = mail.load_manifest(folder)["letters"]
    first, second = entries[0], entries[1]
    journal = folder / mail.JOURNAL
    journal.write_bytes(journal_line({**first, "id": "I-999", "candidate": "Iemand Anders", "supplier": "Elders BV"},
                                     mail.SENT))
    sent = run_cli("mail", book, "--letters", folder, "--smtp", smtp.address, "--send")
    assert sent.code == 1 and "1 onzeker" in sent.out, sent.err   # a journal line of an earlier run is no proof
    assert first["reference"] not in [m["X-Inhuur-Kenmerk"] for m in smtp.messages]
    rows = {r[9]: r for r in load_workbook(book)["Verzonden"].iter_rows(min_row=2, values_only=True)}
    assert rows[first["reference"]][1:4] == (first["id"], first["candidate"], first["supplier"])
    assert rows[first["reference"]][10] == "onzeker"
    assert "Iemand Anders" not in str(list(rows.values())) and "I-999" not in str(list(rows.values()))
    assert second["reference"] in rows


def test_a_journal_line_a_crash_cut_inside_a_character_counts_as_not_known_to_be_sent(hostile, smtp, run_cli):
    book, folder = hostile
    entry = next(e for e in mail.load_manifest(folder)["letters"] if "Ş" in e["candidate"])
    sent = journal_line(entry, mail.SENT)
    journal = folder / mail.JOURNAL
    journal.write_bytes(journal_line(entry, mail.BUSY) + sent[:sent.index("Ş".encode()) + 1])  # no line end
    result = run_cli("mail", book, "--letters", folder, "--smtp", smtp.address, "--send")
    assert "14 verstuurd, 0 al eerder verstuurd (overgeslagen), 0 mislukt, 1 onzeker" in result.out, result.err
    assert entry["reference"] not in [m["X-Inhuur-Kenmerk"] for m in smtp.messages]
    lines = journal.read_bytes().split(b"\n")
    assert lines[-1] == b"" and [json.loads(line)["status"] for line in lines[:-1]].count(mail.SENT) == 14


def test_a_letter_the_workbook_never_logged_is_not_sent(hostile, tmp_path, run_cli):
    book, folder = hostile
    wb = load_workbook(book)
    wb["Brieven"].delete_rows(2, wb["Brieven"].max_row)
    wb.save(book)
    deleted = run_cli("mail", book, "--letters", folder, "-o", tmp_path / "eml")   # check names the deleted rows first
    assert deleted.code == 1 and "staat niet meer op Brieven (rij verwijderd?)" in deleted.err
    wb = load_workbook(book)
    del wb["_logboek"]                                  # a workbook made before _logboek: mail's own test still holds
    wb.save(book)
    result = run_cli("mail", book, "--letters", folder, "-o", tmp_path / "eml")
    assert result.code == 1 and "I-001-voorgedragen.docx: deze brief staat niet op het blad Brieven" in result.err
    assert not (tmp_path / "eml").exists()


def kandidaten_cell(book, offer_id: str, title: str) -> tuple[str, int]:
    """The column letter and row of an offer's cell on Kandidaten."""
    ws = load_workbook(book)["Kandidaten"]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == offer_id)
    return columns(ws)[title], row


def test_an_address_corrected_after_the_letters_were_made_asks_for_them_again(hostile, tmp_path, run_cli):
    book, folder = hostile
    letter, row = kandidaten_cell(book, "I-003", "E-mail")
    old = load_workbook(book)["Kandidaten"][f"{letter}{row}"].value
    type_into(book, "Kandidaten", "E-mail", row, "nieuw@interimsociaal.example")
    result = run_cli("mail", book, "--letters", folder, "-o", tmp_path / "eml")
    assert result.code == 1
    assert (f"I-003-voorgedragen.docx (I-003): de brief is gemaakt voor {old} (Brieven!F4), maar op Kandidaten staat "
            f"nu nieuw@interimsociaal.example (Kandidaten!{letter}{row})") in result.err, result.err
    assert "Maak de brieven opnieuw" in result.err


@pytest.mark.parametrize("address", ["a@b.example\nBcc: c@d.example", "a@b.example, c@d.example", "a@b.example\tc@d.example"])
def test_an_address_no_mail_can_go_to_is_refused_naming_the_cell(hostile, tmp_path, run_cli, address):
    book, folder = hostile
    letter, row = kandidaten_cell(book, "I-002", "E-mail")
    type_into(book, "Kandidaten", "E-mail", row, address)
    result = run_cli("mail", book, "--letters", folder, "-o", tmp_path / "eml")
    assert result.code == 1 and f"Kandidaten!{letter}{row}" in result.err and "Interne fout" not in result.err
    assert not (tmp_path / "eml").exists()


def test_a_superseded_letter_is_not_sent(hostile, tmp_path, smtp, run_cli):
    """Letters made again after a correction replace the first ones; undoing the correction does not bring the
    first ones back: they are made again (and keep their kenmerk)."""
    book, folder = hostile
    refs = type_finding(book, "I-008", "G7", {"Oordeel opdrachtgever": "Nee", "Opdrachtgever (naam)": "M. Bakker",
                                             "Motivering opdrachtgever": "Geen taal aangetoond"})
    actions.make_letters(book, tmp_path / "gecorrigeerd", sent=SENT)
    type_finding(book, "I-008", "G7", {title: None for title in refs})
    result = run_cli("mail", book, "--letters", folder, "--smtp", smtp.address, "--send")
    assert result.code == 1 and smtp.messages == []
    assert "I-008-niet_geselecteerd.docx: een latere brief voor I-008 (30662-I-008-niet-geselecteerd-2, Brieven!I" \
           in result.err


def test_a_changed_letter_gets_a_kenmerk_of_its_own_and_is_sent(ready, tmp_path, run_cli, smtp):
    first = actions.make_letters(ready, tmp_path / "a", sent=SENT)
    assert run_cli("mail", ready, "--letters", first.folder, "--smtp", smtp.address, "--send").code == 0
    again = actions.make_letters(ready, tmp_path / "b", sent=SENT)   # the same decision made again
    assert [m.reference for m in again.letters] == [m.reference for m in first.letters]
    result = run_cli("mail", ready, "--letters", again.folder, "--smtp", smtp.address, "--send")
    assert "0 verstuurd, 15 al eerder verstuurd" in result.out and len(smtp.messages) == 15
    # I-008's G7 is corrected: a new letter, with a kenmerk of its own, naming the one it replaces; I-009
    # moves up a place, so its letter changes too
    type_finding(ready, "I-008", "G7", {"Oordeel opdrachtgever": "Nee", "Opdrachtgever (naam)": "M. Bakker",
                                       "Motivering opdrachtgever": "Geen taal aangetoond"})
    actions.rank(ready)
    corrected = actions.make_letters(ready, tmp_path / "c", sent=SENT)
    changed = [m for m in corrected.letters if m.reference != next(o.reference for o in first.letters
                                                                   if o.offer_id == m.offer_id)]
    assert [(m.offer_id, m.reference, m.replaces) for m in changed] == [
        ("I-008", "30662-I-008-niet-geselecteerd-2", "30662-I-008-niet-geselecteerd"),
        ("I-009", "30662-I-009-niet-geselecteerd-2", "30662-I-009-niet-geselecteerd")]
    result = run_cli("mail", ready, "--letters", corrected.folder, "--smtp", smtp.address, "--send")
    assert "2 verstuurd, 13 al eerder verstuurd" in result.out
    assert "vervangt de eerdere brief 30662-I-008-niet-geselecteerd" in result.out
    body = smtp.messages[-2].get_body(("plain",)).get_content()
    assert "Deze brief vervangt onze eerdere brief met kenmerk 30662-I-008-niet-geselecteerd." in body


def test_two_mail_runs_at_once_deliver_each_letter_once(ready, tmp_path, smtp):
    folder = actions.make_letters(ready, tmp_path / "brieven", sent=SENT).folder
    runs = [inhuur("mail", ready, "--letters", folder, "--smtp", smtp.address, "--send") for _ in range(2)]
    outputs = [r.communicate(timeout=180) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    references = [m["X-Inhuur-Kenmerk"] for m in smtp.messages]
    assert len(references) == len(set(references)) == 15
    assert sorted(o[0].split(" verstuurd")[0] for o in outputs) == ["0", "15"]


def test_a_wrong_password_is_tried_once(hostile, smtp):
    """The server answers 535 and offers PLAIN and LOGIN: smtplib's login() would try LOGIN after PLAIN failed."""
    book, folder = hostile
    run = inhuur("mail", book, "--letters", folder, "--smtp", smtp.address, "--user", "inkoop", "--send",
                 env={"INHUUR_SMTP_WACHTWOORD": "fout"})
    out, err = run.communicate(timeout=180)
    assert run.returncode == 1 and smtp.logins == [("inkoop", "fout")] and smtp.messages == []
    assert "inloggen op de mailserver mislukte" in err and "535" in err and "15 brieven niet verstuurd" in err
    right = inhuur("mail", book, "--letters", folder, "--smtp", smtp.address, "--user", "inkoop", "--send",
                   env={"INHUUR_SMTP_WACHTWOORD": "geheim"})
    out, err = right.communicate(timeout=180)
    assert right.returncode == 0, err
    assert smtp.logins == [("inkoop", "fout"), ("inkoop", "geheim")] and len(smtp.messages) == 15


def test_a_drop_after_data_is_uncertain_not_resent(ready, tmp_path, smtp, run_cli):
    folder = actions.make_letters(ready, tmp_path / "brieven", sent=SENT).folder
    smtp.drop_after_data = 2                                       # the third message arrives, the answer does not
    first = run_cli("mail", ready, "--letters", folder, "--smtp", smtp.address, "--send")
    assert first.code == 1 and "14 verstuurd, 0 al eerder verstuurd (overgeslagen), 0 mislukt, 1 onzeker" in first.out
    uncertain = smtp.messages[2]
    assert "Onzeker: " in first.err and uncertain["X-Inhuur-Kenmerk"] in first.err
    second = run_cli("mail", ready, "--letters", folder, "--smtp", smtp.address, "--send")
    assert "0 verstuurd, 14 al eerder verstuurd (overgeslagen), 0 mislukt, 1 onzeker" in second.out
    assert len(smtp.messages) == 15                               # not silently sent twice
    smtp.drop_after_data = None
    third = run_cli("mail", ready, "--letters", folder, "--smtp", smtp.address, "--send", "--ook-onzeker")
    assert third.code == 0 and len(smtp.messages) == 16
    assert smtp.messages[-1]["Message-ID"] == uncertain["Message-ID"]   # the same message, recognisably
    statuses = [r[10] for r in load_workbook(ready)["Verzonden"].iter_rows(min_row=2, values_only=True)]
    assert statuses.count("onzeker") == 1 and statuses.count("verzonden") == 15


def test_verzonden_logs_the_hash_of_the_attachment_sent(ready, tmp_path, smtp):
    folder = actions.make_letters(ready, tmp_path / "brieven", sent=SENT).folder
    actions.mail_send(ready, folder, mail.Server("127.0.0.1", int(smtp.address.split(":")[1])))
    for row in load_workbook(ready)["Verzonden"].iter_rows(min_row=2, values_only=True):
        assert row[7] == digest(folder / row[6])


# ---------------------------------------------------------------------------------------------- files

def test_the_workbooks_permissions_are_kept_and_a_read_only_one_is_refused(example_workbook):
    os.chmod(example_workbook, 0o664)
    actions.rank(example_workbook)
    assert stat.S_IMODE(example_workbook.stat().st_mode) == 0o664
    os.chmod(example_workbook, 0o444)
    before = digest(example_workbook)
    with pytest.raises(WorkbookReadOnly):
        actions.rank(example_workbook)
    assert digest(example_workbook) == before and stat.S_IMODE(example_workbook.stat().st_mode) == 0o444


def test_a_workbook_reached_through_a_link_stays_a_link(imported_workbook, tmp_path):
    shared = tmp_path / "gedeeld"
    shared.mkdir()
    link = shared / "werkboek.xlsx"
    link.symlink_to(imported_workbook)
    ranking = inhuur("rank", link)
    _, err = ranking.communicate(timeout=120)
    assert ranking.returncode == 0, err
    assert link.is_symlink() and link.readlink() == imported_workbook       # still the colleague's link
    ranked = load_workbook(imported_workbook)["Ranglijst"]                 # and the file it points to is ranked
    assert len({row[1] for row in ranked.iter_rows(values_only=True) if str(row[1]).startswith("I-")}) == 15
    assert files.backup_path(link) == files.backup_path(imported_workbook) == \
        imported_workbook.with_name("aanvraag.vorige.xlsx")
    assert files.backup_path(link).is_file() and not (shared / "werkboek.vorige.xlsx").exists()
    assert [p.name for p in shared.iterdir()] == ["werkboek.xlsx"]         # nothing left beside the link


def test_a_writer_through_a_link_and_one_by_the_files_own_name_share_one_lock(imported_workbook, tmp_path):
    link = tmp_path / "koppeling.xlsx"
    link.symlink_to(imported_workbook)
    before = digest(imported_workbook)
    with files.writing(imported_workbook, "rank"):
        second = inhuur("rank", link, env={files.LOCK_WAIT_VARIABLE: "0.5"})
        _, err = second.communicate(timeout=120)
    assert second.returncode == 1 and "wordt op dit moment bijgewerkt door" in err
    assert digest(imported_workbook) == before and link.is_symlink()


def test_a_workbook_open_by_its_own_name_is_not_written_through_a_link(imported_workbook, tmp_path, run_cli):
    link = tmp_path / "gedeeld" / "koppeling.xlsx"
    link.parent.mkdir()
    link.symlink_to(imported_workbook)
    (imported_workbook.parent / f".~lock.{imported_workbook.name}#").write_text("x")  # a colleague has it open
    before = digest(imported_workbook)
    result = run_cli("rank", link)
    assert result.code == 1 and f"{link.name} is geopend in Excel of LibreOffice" in result.err
    assert digest(imported_workbook) == before and link.is_symlink()


def test_new_overwriting_keeps_the_previous_version(example_workbook):
    before = example_workbook.read_bytes()
    actions.new(EXAMPLE_SPEC, example_workbook, force=True)
    assert files.backup_path(example_workbook).read_bytes() == before


def test_a_workbook_opened_during_letters_is_reported_truthfully(ready, tmp_path, monkeypatch, run_cli):
    real = letters.write_letters

    def and_then_excel_opens_it(*args, **kw):
        made = real(*args, **kw)
        (ready.parent / f"~${ready.name}").write_text("Excel")
        return made

    monkeypatch.setattr(letters, "write_letters", and_then_excel_opens_it)
    before = digest(ready)
    result = run_cli("letters", ready, "-o", tmp_path / "brieven", "--datum", "30-06-2026")
    assert result.code == 1 and "niets geschreven" not in result.err
    assert "de brieven staan in" in result.err and "er is geen manifest.json" in result.err
    assert digest(ready) == before and not (tmp_path / "brieven" / "manifest.json").exists()


def test_a_disk_full_write_is_reported_and_leaves_nothing_behind(example_workbook, run_cli, monkeypatch):
    def full(package, out, replace):
        out.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device", str(example_workbook))

    monkeypatch.setattr(workbook.xlsx, "write_package", full)
    before = digest(example_workbook)
    result = run_cli("rank", example_workbook)
    assert result.code == 1 and "de schijf is vol" in result.err and "Interne fout" not in result.err
    assert digest(example_workbook) == before
    assert [p.name for p in example_workbook.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_letters_into_a_file_instead_of_a_folder_is_a_dutch_message(ready, tmp_path, run_cli):
    blocker = tmp_path / "geen-map"
    blocker.write_text("x")
    result = run_cli("letters", ready, "-o", blocker, "--datum", "30-06-2026")
    assert result.code == 1 and "kon niet worden geschreven of gelezen" in result.err and "Traceback" not in result.err


def test_a_very_long_workbook_name_works(tmp_path, run_cli):
    book = tmp_path / ("w" * 240 + ".xlsx")
    assert run_cli("new", EXAMPLE_SPEC, "-o", book).code == 0
    assert run_cli("import", book, EXAMPLE_OFFERS).code == 0
    result = run_cli("rank", book)
    assert result.code == 0, result.err


def test_a_pipe_closed_early_is_no_internal_error(example_workbook):
    run = subprocess.run(f"{sys.executable} -m inhuur rank {example_workbook} | head -1", shell=True,
                         capture_output=True, text=True, timeout=120)
    assert run.stdout.startswith("Ranglijst aanvraag 30662")
    assert "Interne fout" not in run.stderr and "Traceback" not in run.stderr


# ---------------------------------------------------------------------------------------------- the date sent

def test_a_backdated_letter_is_never_sent(ready, tmp_path, smtp, run_cli):
    yesterday = date.fromordinal(date.today().toordinal() - 1)
    folder = actions.make_letters(ready, tmp_path / "brieven", sent=yesterday).folder
    result = run_cli("mail", ready, "--letters", folder, "--smtp", smtp.address, "--send")
    assert result.code == 1 and smtp.messages == []
    assert "er is niets verstuurd: de brieven in" in result.err and "vóór vandaag" in result.err
    assert "Aanbestedingswet art. 2.127" in result.err and "zonder --datum" in result.err
    assert run_cli("mail", ready, "--letters", folder, "-o", tmp_path / "eml").code == 0   # a dry run may


def test_letters_warn_when_not_dated_today(ready, tmp_path, run_cli):
    result = run_cli("letters", ready, "-o", tmp_path / "brieven", "--datum", "30-06-2026")
    assert result.code == 0
    assert "Let op: de brieven zijn gedateerd 30 juni 2026, niet vandaag" in result.err
    assert "inhuur mail --send weigert ze" in result.err
    today = run_cli("letters", ready, "-o", tmp_path / "vandaag")
    assert "niet vandaag" not in today.err


def test_an_uncertain_letter_is_not_resent_from_another_folder(ready, tmp_path, smtp):
    """Onzeker is read from Verzonden, not only from the folder's journal: the same letters made into a new folder
    and sent by a new process leave the uncertain one alone, until --ook-onzeker."""
    first = actions.make_letters(ready, tmp_path / "a", sent=SENT).folder
    smtp.drop_after_data = 2                                       # the third message arrives, the answer does not
    out, err = inhuur("mail", ready, "--letters", first, "--smtp", smtp.address, "--send").communicate(timeout=180)
    assert "14 verstuurd, 0 al eerder verstuurd (overgeslagen), 0 mislukt, 1 onzeker" in out, err
    uncertain = smtp.messages[2]["X-Inhuur-Kenmerk"]
    smtp.drop_after_data = None
    second = actions.make_letters(ready, tmp_path / "b", sent=SENT).folder   # the same letters, a folder of their own
    run = inhuur("mail", ready, "--letters", second, "--smtp", smtp.address, "--send")
    out, err = run.communicate(timeout=180)
    assert run.returncode == 1 and "0 verstuurd, 14 al eerder verstuurd (overgeslagen), 0 mislukt, 1 onzeker" in out
    assert f"({uncertain})" in err and len(smtp.messages) == 15               # not sent a second time
    run = inhuur("mail", ready, "--letters", second, "--smtp", smtp.address, "--send", "--ook-onzeker")
    out, err = run.communicate(timeout=180)
    assert run.returncode == 0 and "1 verstuurd, 14 al eerder verstuurd" in out
    assert [m["X-Inhuur-Kenmerk"] for m in smtp.messages[15:]] == [uncertain]


def _delete_rows(path, sheet: str, matching) -> list[tuple]:
    """Delete, with openpyxl as a user's script would, the rows of a sheet for which matching(values) holds."""
    wb = load_workbook(path)
    ws = wb[sheet]
    gone = [(r[0].row, tuple(c.value for c in r)) for r in ws.iter_rows(min_row=2) if matching([c.value for c in r])]
    for number, _ in reversed(gone):
        ws.delete_rows(number)
    wb.save(path)
    return [values for _, values in gone]


def test_deleted_log_rows_are_named_and_no_kenmerk_is_issued_twice(ready, tmp_path, smtp, run_cli):
    made = actions.make_letters(ready, tmp_path / "a", sent=SENT)
    actions.mail_send(ready, made.folder, mail.Server("127.0.0.1", int(smtp.address.split(":")[1])))
    [letter] = _delete_rows(ready, "Brieven", lambda row: row[2] == "I-008")
    [sending] = _delete_rows(ready, "Verzonden", lambda row: row[1] == "I-009" and row[10] == "verzonden")
    before = digest(ready)
    result = run_cli("check", ready)
    assert result.code == 1
    assert (f"  - Brieven: de brief 30662-I-008-niet-geselecteerd aan {letter[5]} staat niet meer op Brieven (rij "
            f"verwijderd?). Zet de vorige versie terug (…vorige.xlsx) of haal de rij terug met Ongedaan maken"
            in result.err)
    assert (f"  - Verzonden: de verzending van 30662-I-009-niet-geselecteerd aan {sending[4]} (verzonden) staat niet "
            f"meer op Verzonden (rij verwijderd?)" in result.err)
    refused = run_cli("letters", ready, "-o", tmp_path / "b")
    assert refused.code == 1 and "30662-I-008-niet-geselecteerd" in refused.err
    assert not (tmp_path / "b" / "manifest.json").exists() and digest(ready) == before
    # the kenmerk register outlives the row: a corrected letter for I-008 would be -2, never the old kenmerk again
    earlier = dispatch._history(workbook.open_workbook(ready)).earlier[("I-008", "niet_geselecteerd")]
    assert [reference for reference, _ in earlier] == ["30662-I-008-niet-geselecteerd"]
    assert letters.assign_reference("30662-I-008-niet-geselecteerd", "anders", earlier)[0] == \
        "30662-I-008-niet-geselecteerd-2"


def test_a_sending_typed_on_verzonden_is_named_by_check(ready, tmp_path, run_cli):
    """A status typed over, or a row typed in, would make a letter count as sent: check names the row."""
    made = actions.make_letters(ready, tmp_path / "a", sent=SENT)
    wb = load_workbook(ready)
    ws = wb["Verzonden"]
    ws.append([SENT.isoformat(), "I-009", "", "", made.letters[0].email, "niet_geselecteerd", "", "", "",
               "30662-I-009-niet-geselecteerd", "verzonden"])
    wb.save(ready)
    result = run_cli("check", ready)
    assert result.code == 1 and ("Verzonden!A2: de verzending van 30662-I-009-niet-geselecteerd aan "
                                 f"{made.letters[0].email} (verzonden): deze rij is niet door inhuur geschreven"
                                 in result.err)
    assert "leg een brief die buiten inhuur is verstuurd vast met inhuur verzonden" in result.err


@pytest.mark.soffice
def test_a_brieven_row_deleted_in_libreoffice_is_named(ready, tmp_path, run_cli):
    made = actions.make_letters(ready, tmp_path / "a", sent=SENT, now=datetime(2026, 6, 30, 9, 0))
    first = next(load_workbook(ready)["Brieven"].iter_rows(min_row=2, max_row=2, values_only=True))
    subprocess.run([uno_python(), str(REPO / "tests" / "lo_edit.py"), str(ready), str(tmp_path / "lo-profile"),
                    "delete-row", "Brieven", "30-06-2026 09:00"], check=True, timeout=180)
    assert len(list(load_workbook(ready)["Brieven"].iter_rows(min_row=2))) == len(made.letters) - 1
    result = run_cli("check", ready)
    assert result.code == 1
    assert f"Brieven: de brief {first[8]} aan {first[5]} staat niet meer op Brieven (rij verwijderd?)" in result.err


# ---------------------------------------------------------------------------------------------- what a hostile tester found

def test_a_link_planted_in_the_letters_folder_is_replaced_not_written_through(ready, tmp_path, smtp):
    """Links under the names of the letters, manifest.json and an .eml point at another workbook (and its previous
    version): letters and mail -o replace each link by their own file; the files pointed at stay byte-identical. A
    linked journal is refused by mail --send, naming it."""
    names = [letter.file for letter in actions.make_letters(ready, tmp_path / "eerst", sent=SENT).letters]
    others = [Path(shutil.copy(ready, tmp_path / f"andere-aanvraag-{n}.xlsx")) for n in range(4)]
    before = [digest(other) for other in others]
    folder = tmp_path / "P"
    folder.mkdir()
    for name, other in [(names[0], others[0]), (names[1], others[1]), ("manifest.json", others[2])]:
        (folder / name).symlink_to(Path("..") / other.name)
    run = inhuur("letters", ready, "-o", folder)
    out, err = run.communicate(timeout=180)
    assert run.returncode == 0, err
    assert [digest(other) for other in others] == before
    assert not any(path.is_symlink() for path in folder.iterdir())
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["letters"][0]["file"] == names[0]
    eml = tmp_path / "eml"
    eml.mkdir()
    (eml / f"{Path(names[0]).stem}.eml").symlink_to(others[3])
    dry = inhuur("mail", ready, "--letters", folder, "-o", eml)
    out, err = dry.communicate(timeout=180)
    assert dry.returncode == 0 and digest(others[3]) == before[3], err
    assert not (eml / f"{Path(names[0]).stem}.eml").is_symlink()
    (folder / mail.JOURNAL).symlink_to(others[3])
    book = digest(ready)
    send = inhuur("mail", ready, "--letters", folder, "--smtp", smtp.address, "--send")
    out, err = send.communicate(timeout=180)
    assert send.returncode == 1 and f"{folder / mail.JOURNAL} is een symbolische link" in err, err
    assert smtp.messages == [] and digest(others[3]) == before[3] and digest(ready) == book


def test_a_letter_killed_mid_send_is_not_sent_again_from_a_new_folder(ready, tmp_path, smtp):
    """The server took the first message in but mail was killed (kill -9) before the answer: its journal ends
    with 'bezig'. Letters made again into a new folder and sent from there leave that letter alone (onzeker, also on
    Verzonden) without anyone running mail from the first folder again."""
    first = actions.make_letters(ready, tmp_path / "a", sent=SENT).folder
    taken = smtp.handle_DATA

    async def take_in_and_hang(server, session, envelope):
        await taken(server, session, envelope)
        await asyncio.sleep(60)                                  # the answer never comes before the kill
        return "250 OK"

    smtp.handle_DATA = take_in_and_hang
    run = inhuur("mail", ready, "--letters", first, "--smtp", smtp.address, "--send")
    deadline = time.monotonic() + 120
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=30)
    [killed] = [m["X-Inhuur-Kenmerk"] for m in smtp.messages]
    lines = (first / mail.JOURNAL).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["status"] == mail.BUSY
    smtp.handle_DATA = taken
    second = actions.make_letters(ready, tmp_path / "b", sent=SENT).folder
    again = inhuur("mail", ready, "--letters", second, "--smtp", smtp.address, "--send")
    out, err = again.communicate(timeout=180)
    assert again.returncode == 1 and "14 verstuurd, 0 al eerder verstuurd (overgeslagen), 0 mislukt, 1 onzeker" in out
    assert [m["X-Inhuur-Kenmerk"] for m in smtp.messages].count(killed) == 1 and f"({killed}): " in err
    rows = {r[9]: r for r in load_workbook(ready)["Verzonden"].iter_rows(min_row=2, values_only=True)}
    assert rows[killed][10] == "onzeker" and "eindigt met 'bezig'" in rows[killed][12]
    assert f"{first}" in rows[killed][12]


def test_a_letter_killed_mid_send_is_not_sent_again_after_the_folder_is_renamed(ready, tmp_path, smtp, run_cli):
    """mail is killed (kill -9) with one letter sent and the next held by the server; the folder is renamed and the
    letters made again under the old name. Verzonden got a 'bezig' row for every letter before anything went out, and
    the journal that says how far the run got is gone from that path: nothing of that run is sent again (onzeker)."""
    first = actions.make_letters(ready, tmp_path / "brieven", sent=SENT).folder
    taken = smtp.handle_DATA

    async def take_two_and_hang(server, session, envelope):
        answer = await taken(server, session, envelope)
        if len(smtp.messages) == 2:
            await asyncio.sleep(60)                              # the second answer never comes before the kill
        return answer

    smtp.handle_DATA = take_two_and_hang
    run = inhuur("mail", ready, "--letters", first, "--smtp", smtp.address, "--send")
    deadline = time.monotonic() + 120
    while len(smtp.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=30)
    delivered = [m["X-Inhuur-Kenmerk"] for m in smtp.messages]
    words = [json.loads(line)["status"] for line in (first / mail.JOURNAL).read_text(encoding="utf-8").splitlines()]
    assert len(delivered) == 2 and words == [mail.BUSY, mail.SENT, mail.BUSY]
    assert [r[10] for r in load_workbook(ready)["Verzonden"].iter_rows(min_row=2, values_only=True)] == ["bezig"] * 15
    first.rename(tmp_path / "brieven-oud")
    smtp.handle_DATA = taken
    again = actions.make_letters(ready, tmp_path / "brieven", sent=SENT).folder
    resend = inhuur("mail", ready, "--letters", again, "--smtp", smtp.address, "--send")
    out, err = resend.communicate(timeout=180)
    assert resend.returncode == 1 and "0 verstuurd, 0 al eerder verstuurd (overgeslagen), 0 mislukt, 15 onzeker" in out
    assert [m["X-Inhuur-Kenmerk"] for m in smtp.messages] == delivered
    assert all(f"({reference}): " in err for reference in delivered)
    rows = list(load_workbook(ready)["Verzonden"].iter_rows(min_row=2, values_only=True))
    assert [r[10] for r in rows] == ["bezig"] * 15 + ["onzeker"] * 15
    assert f"het logboek van die map ({again / mail.JOURNAL}) is er niet" in rows[-1][12]
    assert run_cli("check", ready).code == 0                     # the rows mail wrote are all on _logboek
    later = run_cli("mail", ready, "--letters", again, "--smtp", smtp.address, "--send")
    assert later.code == 1 and "15 onzeker" in later.out and len(smtp.messages) == 2
    resolved = run_cli("mail", ready, "--letters", again, "--smtp", smtp.address, "--send", "--ook-onzeker")
    assert resolved.code == 0 and len(smtp.messages) == 17, resolved.err
    assert run_cli("check", ready).code == 0                     # 'bezig' rows followed by their outcome


def test_a_journal_edited_to_say_sent_makes_the_letter_onzeker_not_sent(ready, tmp_path, smtp, run_cli):
    """'mislukt' edited into 'verzonden' in the journal: the letter is not recorded as sent nor skipped in silence;
    Verzonden calls it onzeker with why, and --ook-onzeker sends it."""
    folder = actions.make_letters(ready, tmp_path / "brieven", sent=SENT).folder
    smtp.fail_after = 14                                            # the last letter is refused (451)
    failed = run_cli("mail", ready, "--letters", folder, "--smtp", smtp.address, "--send")
    assert "14 verstuurd, 0 al eerder verstuurd (overgeslagen), 1 mislukt" in failed.out, failed.err
    journal = folder / mail.JOURNAL
    text = journal.read_text(encoding="utf-8")
    journal.write_text(text[:text.rindex('"mislukt"')] + '"verzonden"' + text[text.rindex('"mislukt"') + 9:],
                       encoding="utf-8")
    reference = json.loads(text.splitlines()[-1])["reference"]
    smtp.fail_after = None
    edited = run_cli("mail", ready, "--letters", folder, "--smtp", smtp.address, "--send")
    assert edited.code == 1 and "0 verstuurd, 14 al eerder verstuurd (overgeslagen), 0 mislukt, 1 onzeker" in edited.out
    rows = [r for r in load_workbook(ready)["Verzonden"].iter_rows(min_row=2, values_only=True) if r[9] == reference]
    assert [r[10] for r in rows] == ["bezig", "mislukt", "onzeker"]                # the first run: begun, refused
    assert rows[-1][12] == f"alleen het logboek van de map {folder} zegt verzonden, het blad Verzonden niet"
    assert len(smtp.messages) == 14
    resent = run_cli("mail", ready, "--letters", folder, "--smtp", smtp.address, "--send", "--ook-onzeker")
    assert resent.code == 0 and [m["X-Inhuur-Kenmerk"] for m in smtp.messages[14:]] == [reference]
    statuses = [r[10] for r in load_workbook(ready)["Verzonden"].iter_rows(min_row=2, values_only=True)]
    assert statuses.count("verzonden") == 15 and statuses.count("onzeker") == 1


@pytest.mark.parametrize("address", ["j.brouwer@brouwer-zonen.example\u200b", "jörg@brouwer-zonen.example"])
def test_an_address_smtp_cannot_carry_fails_before_a_bezig_line(hostile, smtp, address):
    """An address with a character outside ASCII is mislukt, never a crash nor a 'bezig' line (the next run would
    call it onzeker); the other letters go."""
    book, folder = hostile
    matrix = workbook.open_workbook(book)
    entries = dispatch.verified_letters(matrix, folder)
    entries[0] = {**entries[0], "email": address}
    outgoing = mail.compose(matrix.tender, entries, folder)
    report = mail.send(outgoing, mail.Server("127.0.0.1", int(smtp.address.split(":")[1])), set(), folder)
    assert [(e["email"], "U+" in why) for e, why in report.failed] == [(address, True)]
    assert len(report.sent) == len(smtp.messages) == len(entries) - 1
    words = [json.loads(line) for line in (folder / mail.JOURNAL).read_text(encoding="utf-8").splitlines()]
    assert [w["status"] for w in words if w["to"] == address] == [mail.FAILED]


def test_verzonden_records_a_letter_the_manifest_lists_twice_once(hostile, run_cli):
    book, folder = hostile
    edit_manifest(folder, lambda letters: letters.append(dict(letters[0])))
    result = run_cli("verzonden", book, "--brieven", folder, "--datum", SENT.strftime("%d-%m-%Y"), "--door", "A")
    assert result.code == 0, result.err
    references = [r[9] for r in load_workbook(book)["Verzonden"].iter_rows(min_row=2, values_only=True)]
    assert len(references) == len(set(references)) == 15


@pytest.mark.parametrize("where", ["manifest.json", mail.JOURNAL])
def test_json_nested_too_deep_is_a_dutch_refusal(hostile, smtp, run_cli, where):
    book, folder = hostile
    (folder / where).write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    before = digest(book)
    result = run_cli("mail", book, "--letters", folder, "--smtp", smtp.address, "--send")
    assert result.code == 1 and "Interne fout" not in result.err
    assert ("het is geen leesbare JSON" in result.err) and smtp.messages == [] and digest(book) == before


def test_a_letter_replaces_only_a_letter_that_went_out(ready, tmp_path, run_cli, smtp):
    """A corrected letter made while the first was never sent does not tell the supplier it replaces it."""
    first = actions.make_letters(ready, tmp_path / "a", sent=SENT)
    type_finding(ready, "I-008", "G7", {"Oordeel opdrachtgever": "Nee", "Opdrachtgever (naam)": "M. Bakker",
                                       "Motivering opdrachtgever": "Geen taal aangetoond"})
    actions.rank(ready)
    corrected = actions.make_letters(ready, tmp_path / "b", sent=SENT)
    changed = [m for m in corrected.letters if m.reference not in {o.reference for o in first.letters}]
    assert [(m.offer_id, m.reference, m.replaces) for m in changed] == [
        ("I-008", "30662-I-008-niet-geselecteerd-2", ""), ("I-009", "30662-I-009-niet-geselecteerd-2", "")]
    result = run_cli("mail", ready, "--letters", corrected.folder, "--smtp", smtp.address, "--send")
    assert result.code == 0 and "vervangt" not in result.out
    assert not any("vervangt" in m.get_body(("plain",)).get_content() for m in smtp.messages)
