"""Mail against a real SMTP server (aiosmtpd on 127.0.0.1): delivery, never twice, recovery after failures."""

from __future__ import annotations

import email
import json
from datetime import date, timedelta
from email import policy

import pytest
from openpyxl import load_workbook

from conftest import free_port
from inhuur import actions, dutch, mail

SENT = date.today()  # the letter date is the sending date


@pytest.fixture
def letters_dir(example_workbook, tmp_path):
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    return actions.make_letters(example_workbook, tmp_path / "brieven", sent=SENT).folder


def log_rows(workbook):
    return list(load_workbook(workbook)["Verzonden"].iter_rows(min_row=2, values_only=True))


def sent_rows(workbook):
    """The Verzonden rows that say a letter went out (not the 'bezig' rows written before a run sends)."""
    return [row for row in log_rows(workbook) if row[10] == "verzonden"]


def test_dry_run_writes_one_eml_per_letter_and_sends_nothing(run_cli, example_workbook, letters_dir, tmp_path):
    result = run_cli("mail", example_workbook, "--letters", letters_dir, "-o", tmp_path / "eml")
    assert result.code == 0 and "er is niets verstuurd" in result.out
    files = sorted((tmp_path / "eml").glob("*.eml"))
    assert len(files) == 15
    message = email.message_from_bytes((tmp_path / "eml" / "I-005-niet_geselecteerd.eml").read_bytes(),
                                       policy=policy.default)
    assert message["To"] == "saskia@athome-detachering.example"
    assert message["Subject"] == ("Aanvraag 30662 Klantmanager Inburgering en Participatie: kandidaat niet "
                                  "geselecteerd (Şeyma Yılmaz)")
    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Geachte mevrouw Meijer,") and "Kenmerk: 30662-I-005-niet-geselecteerd" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "I-005-niet_geselecteerd.docx"
    assert attachment.get_content() == (letters_dir / "I-005-niet_geselecteerd.docx").read_bytes()
    assert log_rows(example_workbook) == []


def test_every_letter_is_delivered_to_its_supplier_once(run_cli, smtp, example_workbook, letters_dir):
    result = run_cli("mail", example_workbook, "--letters", letters_dir, "--smtp", smtp.address, "--send")
    assert (result.code, result.err) == (0, "")
    assert "15 verstuurd, 0 al eerder verstuurd" in result.out
    manifest = {e["file"]: e for e in mail.load_manifest(letters_dir)["letters"]}
    assert len(smtp.messages) == 15
    for message, (_, recipients) in zip(smtp.messages, smtp.envelopes):
        [attachment] = list(message.iter_attachments())
        entry = manifest[attachment.get_filename()]
        assert recipients == [entry["email"]] == [message["To"]]
        assert attachment.get_content() == (letters_dir / entry["file"]).read_bytes()
        others = [e["candidate"] for e in manifest.values() if e["supplier"] != entry["supplier"]]
        assert not any(name in message.get_body(("plain",)).get_content() for name in others)
    rows = sent_rows(example_workbook)
    assert len(rows) == 15 and {r[4] for r in rows} == {e["email"] for e in manifest.values()}
    assert all(r[8].startswith("<") for r in rows)                       # message ids logged

    again = run_cli("mail", example_workbook, "--letters", letters_dir, "--smtp", smtp.address, "--send")
    assert again.code == 0 and "0 verstuurd, 15 al eerder verstuurd" in again.out
    assert len(smtp.messages) == 15 and len(sent_rows(example_workbook)) == 15


def test_a_server_that_fails_then_recovers_delivers_each_letter_exactly_once(run_cli, smtp, example_workbook,
                                                                             letters_dir):
    smtp.fail_after = 3
    first = run_cli("mail", example_workbook, "--letters", letters_dir, "--smtp", smtp.address, "--send")
    assert first.code == 1
    assert "3 verstuurd, 0 al eerder verstuurd (overgeslagen), 12 mislukt" in first.out
    assert first.err.count("Mislukt: ") == 12 and "451 4.3.0 Tijdelijk niet beschikbaar" in first.err
    assert len(sent_rows(example_workbook)) == 3
    smtp.fail_after = None
    second = run_cli("mail", example_workbook, "--letters", letters_dir, "--smtp", smtp.address, "--send")
    assert second.code == 0 and "12 verstuurd, 3 al eerder verstuurd" in second.out
    references = [m["X-Inhuur-Kenmerk"] for m in smtp.messages]
    assert len(references) == len(set(references)) == 15
    assert len(sent_rows(example_workbook)) == 15


def test_connection_refused_is_reported_per_letter_and_logged_as_mislukt(run_cli, example_workbook, letters_dir):
    result = run_cli("mail", example_workbook, "--letters", letters_dir, "--smtp", f"127.0.0.1:{free_port()}",
                     "--send")
    assert result.code == 1
    assert result.err.count("geen verbinding: de mailserver weigert de verbinding") == 15
    assert [r[10] for r in log_rows(example_workbook)] == ["bezig"] * 15 + ["mislukt"] * 15


def test_login_uses_the_password_from_the_environment(run_cli, smtp, example_workbook, letters_dir, monkeypatch):
    monkeypatch.setenv("INHUUR_SMTP_WACHTWOORD", "geheim")
    result = run_cli("mail", example_workbook, "--letters", letters_dir, "--smtp", smtp.address, "--user",
                     "inkoop", "--send")
    assert result.code == 0
    assert smtp.logins[0] == ("inkoop", "geheim")
    assert "--password" not in run_cli("mail", "--help").out


@pytest.mark.parametrize("args, words", [
    ([], "kies -o MAP (proefdraai, .eml-bestanden) of --smtp HOST:POORT --send"),
    (["--smtp", "127.0.0.1:25"], "voeg --send toe om echt te versturen"),
    (["--smtp", "zonderpoort", "--send"], "'zonderpoort' is geen HOST:POORT"),
])
def test_mail_usage(run_cli, example_workbook, letters_dir, args, words):
    result = run_cli("mail", example_workbook, "--letters", letters_dir, *args)
    assert result.code == 2 and words in result.err


def test_missing_manifest(run_cli, example_workbook, tmp_path):
    result = run_cli("mail", example_workbook, "--letters", tmp_path, "-o", tmp_path / "eml")
    assert result.code == 1 and "staat geen bruikbaar manifest.json" in result.err


def test_letters_recorded_as_sent_elsewhere_are_not_mailed(run_cli, smtp, example_workbook, letters_dir):
    one = "30662-I-005-niet-geselecteerd"
    result = run_cli("verzonden", example_workbook, "--brieven", letters_dir, "--kenmerk", one, "--datum",
                     SENT.strftime("%d-%m-%Y"), "--door", "A. Jansen")
    assert result.code == 0 and result.out.startswith("1 brieven vastgelegd als verzonden buiten inhuur op ")
    sent = run_cli("mail", example_workbook, "--letters", letters_dir, "--smtp", smtp.address, "--send")
    assert sent.code == 0 and "14 verstuurd, 1 al eerder verstuurd" in sent.out
    assert one not in [m["X-Inhuur-Kenmerk"] for m in smtp.messages]


def test_verzonden_refuses_letters_it_cannot_know_or_dates_it_cannot_be_and_writes_nothing(run_cli, example_workbook,
                                                                                          letters_dir):
    manifest = json.loads((letters_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["letters"][0]["email"] = "iemand@elders.example"           # a letter this workbook never made
    (letters_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    other = manifest["letters"][0]["reference"]
    before = example_workbook.read_bytes()
    yesterday, tomorrow = SENT - timedelta(days=1), SENT + timedelta(days=1)
    result = run_cli("verzonden", example_workbook, "--brieven", letters_dir, "--kenmerk", "30662-I-099-knock-out",
                     "--kenmerk", other, "--datum", yesterday.strftime("%d-%m-%Y"), "--door", "A. Jansen")
    assert result.code == 1
    assert result.err == (
        f"Fout: er is niets vastgelegd op het blad Verzonden; deze brieven uit {letters_dir} kunnen niet als verzonden "
        f"worden vastgelegd:\n"
        f"  - 30662-I-099-knock-out: deze brief staat niet in {letters_dir / 'manifest.json'}\n"
        f"  - {other} aan iemand@elders.example: deze brief staat niet op het blad Brieven van "
        f"{example_workbook.name} (de map van een ander werkboek, of een gewijzigd manifest?)\n"
        f"Noem alleen brieven die inhuur letters voor dit werkboek in deze map maakte (--kenmerk), met de dag waarop "
        f"ze echt zijn verstuurd (--datum): niet vóór de datum van de brief en niet na vandaag.\n")
    known = manifest["letters"][1]["reference"]                         # its date is read from Brieven
    early = run_cli("verzonden", example_workbook, "--brieven", letters_dir, "--kenmerk", known, "--datum",
                    yesterday.strftime("%d-%m-%Y"), "--door", "A. Jansen")
    assert early.code == 1 and (f"  - {known}: de brief is gedateerd {dutch.day(SENT)} en kan niet eerder verstuurd "
                                f"zijn ({dutch.day(yesterday)})\n") in early.err
    future = run_cli("verzonden", example_workbook, "--brieven", letters_dir, "--kenmerk",
                     manifest["letters"][1]["reference"], "--datum", tomorrow.strftime("%d-%m-%Y"), "--door", "A")
    assert future.code == 1 and (f"  - --datum {tomorrow:%d-%m-%Y} ligt na vandaag ({SENT:%d-%m-%Y}); leg alleen "
                                 f"vast wat al verstuurd is\n") in future.err
    assert example_workbook.read_bytes() == before and log_rows(example_workbook) == []


@pytest.mark.parametrize("door, told", [
    ("Jan\x0bde\x01Vries", "--door bevat een stuurteken (zoals een tab, regeleinde of onzichtbaar teken) dat het "
                           "werkboek en de brieven niet kunnen bevatten; typ de tekst opnieuw op één regel"),
    ("\u200b", "--door is leeg; vul het in"),
    (" \ufeff ", "--door is leeg; vul het in"),
    ("J" * 40000, "--door is langer dan 32767 tekens (de grens van een Excel-cel)"),
], ids=["control", "zero_width_space", "byte_order_mark", "too_long"])
def test_verzonden_refuses_a_door_the_workbook_cannot_hold_or_no_one_can_read(run_cli, example_workbook, letters_dir,
                                                                                door, told):
    before = example_workbook.read_bytes()
    result = run_cli("verzonden", example_workbook, "--brieven", letters_dir, "--datum", SENT.strftime("%d-%m-%Y"),
                     "--door", door)
    assert result.code == 1 and f"  - {told}\n" in result.err
    assert example_workbook.read_bytes() == before
    assert run_cli("check", example_workbook).code == 0


def test_a_workbook_made_before_logboek_and_door_still_records_and_checks(run_cli, example_workbook, letters_dir):
    wb = load_workbook(example_workbook)
    del wb["_logboek"]
    wb["Verzonden"]["L1"] = None                                        # Verzonden as it was: no column Door
    wb.save(example_workbook)
    result = run_cli("verzonden", example_workbook, "--brieven", letters_dir, "--datum", SENT.strftime("%d-%m-%Y"),
                     "--door", "A. Jansen")
    assert result.code == 0 and result.out.startswith("15 brieven vastgelegd")
    sheet = load_workbook(example_workbook)["Verzonden"]
    assert sheet["L1"].value == "Door" and sheet["L2"].value == "A. Jansen"
    assert run_cli("check", example_workbook).code == 0
