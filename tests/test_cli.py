"""The CLI in-process: exit codes, exact Dutch messages, the `rank --json` contract, help and README entries."""

from __future__ import annotations

import json
import os
import re
import subprocess
import shutil
import sys
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from conftest import EXAMPLE_FINDINGS, EXAMPLE_OFFERS, EXAMPLE_SPEC, REPO, csv_bytes, offer_row, type_into
from inhuur import cli, soffice, xlsx


def test_new_import_rank_check(run_cli, tmp_path):
    book = tmp_path / "30662.xlsx"
    result = run_cli("new", EXAMPLE_SPEC, "-o", book)
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith(f"Werkboek {book} gemaakt voor aanvraag 30662 "
                                 f"(Klantmanager Inburgering en Participatie).")
    result = run_cli("import", book, EXAMPLE_OFFERS)
    assert result.code == 0
    assert result.out.splitlines()[0] == f"15 inschrijving(en) toegevoegd aan {book} (I-001 t/m I-015)."
    result = run_cli("rank", book)
    assert result.code == 0
    assert "   1  I-001  Brouwer & Zonen Detachering  Anaïs de Vries" in result.out
    assert "VOORLOPIG: nog 69 oordelen niet beoordeeld bij 12 kandidaten" in result.out
    assert "Loting nodig:" not in result.out                 # no lot is drawn on declarations
    assert run_cli("check", book).out == "Werkboek in orde: 15 inschrijvingen, alle formules en invoercellen kloppen.\n"
    result = run_cli("record", book, "--beoordeling", EXAMPLE_FINDINGS)
    assert result.code == 0, result.err
    assert result.out.startswith(f"70 oordelen (blad Beoordeling) vastgelegd in {book}.")
    assert "VOORLOPIG" not in result.out
    assert "Loting nodig: I-005 Şeyma Yılmaz (@Home Detachering); I-006 Mehmet Öztürk (Çelik Consultancy)" \
        in result.out


def test_rank_json_contract(run_cli, example_workbook):
    result = run_cli("rank", example_workbook, "--json")
    assert result.code == 0
    document = json.loads(result.out)                      # stdout holds only JSON
    people = {c["candidate"]: c for c in document["candidates"]}
    assert len(people) == 15
    for c in people.values():
        assert {"id", "supplier", "candidate", "email", "rate", "status", "failed", "score", "rank"} <= set(c)
    first = people["Anaïs de Vries"]
    assert (first["status"], first["score"], first["rank"], first["rate"], first["failed"]) == (
        "shortlisted", 100, 1, 72, [])
    assert first["email"] == "j.brouwer@brouwer-zonen.example"
    assert (people["Björn Smit"]["status"], people["Björn Smit"]["failed"]) == ("knocked_out", ["KO3"])
    assert (people["Björn Smit"]["score"], people["Björn Smit"]["rank"]) == (None, None)
    assert people["Şeyma Yılmaz"]["rate"] == 77.5                # exactly the cap: passes KO3
    tied = [people["Şeyma Yılmaz"], people["Mehmet Öztürk"]]
    assert [(c["status"], c["rank"]) for c in tied] == [("tie_unresolved", 5)] * 2
    assert (people["Eva Ünal"]["status"], people["Eva Ünal"]["failed"]) == ("non_conforming",
                                                                            ["cv_taal", "referenties"])
    assert document["unresolved_ties"] == [["I-005", "I-006"]]
    assert "Loting nodig" in result.err                       # advice goes to stderr, never into the JSON


def test_refused_import_names_row_column_value_and_writes_nothing(run_cli, workbook_path, tmp_path):
    bad = tmp_path / "fout.csv"
    bad.write_bytes(csv_bytes([offer_row(), offer_row(kandidaat="K2", uurtarief="zeventig")]))
    before = workbook_path.read_bytes()
    result = run_cli("import", workbook_path, bad)
    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        f"Fout: {bad.name}: het bestand is geweigerd; er is niets geïmporteerd en het werkboek is ongewijzigd "
        f"(1 fout):\n  - rij 3, kolom E (uurtarief): 'zeventig' is geen bedrag; schrijf bijv. 77,50\n"
        f"Verbeter het bestand en importeer het opnieuw.\n")
    assert workbook_path.read_bytes() == before


def test_check_names_a_typed_over_cell(run_cli, example_workbook):
    status = type_into(example_workbook, "Kandidaten", "Status", 7, "Voorgedragen")
    result = run_cli("check", example_workbook)
    assert result.code == 1
    assert f"  - Kandidaten!{status}7: formule overschreven (nu: 'Voorgedragen'); `inhuur rank` zet de formule " \
           f"terug" in result.err


def test_check_and_letters_refuse_an_email_of_another_supplier(run_cli, example_workbook):
    # I-001 is Brouwer & Zonen's; a.ouali@sdprof.example is the contact of Sociaal Domein Professionals (I-002)
    email = type_into(example_workbook, "Kandidaten", "E-mail", 2, "A.Ouali@sdprof.example")
    before = example_workbook.read_bytes()
    result = run_cli("check", example_workbook)
    assert result.code == 1
    assert (f"  - Kandidaten!{email}2: A.Ouali@sdprof.example is het adres van een andere leverancier, Sociaal Domein "
            f"Professionals B.V. (Kandidaten!{email}3); de brieven voor I-001 (") in result.err
    letters = run_cli("letters", example_workbook, "-o", example_workbook.parent / "brieven")
    assert letters.code == 1 and f"Kandidaten!{email}2: A.Ouali@sdprof.example" in letters.err
    assert not (example_workbook.parent / "brieven").exists() and example_workbook.read_bytes() == before


@pytest.mark.parametrize("args, code, words", [
    (["rank", "bestaat-niet.xlsx"], 1, "Fout: bestaat-niet.xlsx bestaat niet. Controleer de naam en de map.\n"),
    (["rank"], 2, "deze argumenten ontbreken: WERKBOEK.xlsx"),
    (["sorteer", "x.xlsx"], 2, "ongeldige keuze: 'sorteer'"),
])
def test_usage_and_missing_files(run_cli, args, code, words, capsys):
    result = run_cli(*args)
    captured = capsys.readouterr()
    assert result.code == code
    assert words in result.err + captured.err


def test_not_an_inhuur_workbook(run_cli, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "ander.xlsx"
    Workbook().save(path)
    result = run_cli("rank", path)
    assert (result.code, result.err) == (1, f"Fout: {path} kan niet worden gebruikt: geen inhuur-werkboek (maak er "
                                            f"een met `inhuur new`).\n")


def test_locked_workbook_message(run_cli, example_workbook):
    (example_workbook.parent / "~$aanvraag.xlsx").write_text("")
    result = run_cli("rank", example_workbook)
    assert result.code == 1
    assert result.err.startswith("Fout: aanvraag.xlsx is geopend in Excel of LibreOffice (~$aanvraag.xlsx bestaat). "
                                 "Sluit het werkboek en probeer het opnieuw; er is niets geschreven.")


def test_new_refuses_to_overwrite_and_bad_spec(run_cli, workbook_path, tmp_path):
    result = run_cli("new", EXAMPLE_SPEC, "-o", workbook_path)
    assert result.code == 1 and "bestaat al; er is niets overschreven" in result.err
    spec = tmp_path / "fout.toml"
    spec.write_text(EXAMPLE_SPEC.read_text(encoding="utf-8").replace("punten = 30", "punten = 31"), encoding="utf-8")
    result = run_cli("new", spec, "-o", tmp_path / "x.xlsx")
    assert result.code == 1
    assert "de gunningscriteria tellen op tot 101 (G4 31 + G5 20 + G6 20 + G7 25 + G8 5), niet tot het opgegeven " \
           "totaal 100" in result.err
    assert not (tmp_path / "x.xlsx").exists()


def test_new_builds_a_workbook_for_every_award_model(run_cli, tmp_path):
    """Levels, a price formula, a threshold, no cap and interview points: `new` builds the workbook (phase 1 refused
    it), with the points columns, the withdrawal columns and the interview's points and final score on Gunning."""
    text = EXAMPLE_SPEC.read_text(encoding="utf-8")
    ko3 = text[text.index('[[knock_out]]\ncode = "KO3"'):text.index("[[gunning]]")]
    text = text.replace(ko3, "").replace('max_uurtarief = "77.50"', "").replace(
        "punten = 30\n", 'punten = 30\nniveaus = [ { oordeel = "geen", punten = 0 }, { oordeel = "5 jaar", punten = 30 } ]\n',
        1).replace("totaal_punten = 100", "totaal_punten = 170\nminimale_score = 40").replace(
        "voldoende = 3\n", "voldoende = 3\npunten = 50\n") + '\n[prijs]\npunten = 20\nformule = "grens"\ngrens = "49.25"\n'
    spec = tmp_path / "model.toml"
    spec.write_text(text, encoding="utf-8")
    result = run_cli("new", spec, "-o", tmp_path / "x.xlsx")
    assert (result.code, result.err) == (0, "")
    book = load_workbook(tmp_path / "x.xlsx")
    assert {"G4 punten", "Prijs punten", "Ingetrokken op", "Reden intrekking"} <= {c.value for c in book["Kandidaten"][1]}
    assert ["Totaal gesprek", "Punten gesprek", "Eindscore", "Bespreken (verschil 2+)"] == \
        [c.value for c in book["Gunning"][1]][17:21]


def test_rank_json_gives_points_per_criterion_and_the_score_unchanged(run_cli, example_workbook):
    document = json.loads(run_cli("rank", example_workbook, "--json").out)
    people = {c["id"]: c for c in document["candidates"]}
    scored = [c for c in people.values() if c["score"] is not None]
    assert scored and all(list(c["points"]) == ["G4", "G5", "G6", "G7", "G8"] for c in scored)
    assert all(sum(c["points"].values()) == c["score"] for c in scored)
    assert [c["points"] for c in people.values() if c["score"] is None] == [None] * (len(people) - len(scored))
    first = next(c for c in scored if c["candidate"] == "Anaïs de Vries")
    assert first["points"] == {"G4": 30, "G5": 20, "G6": 20, "G7": 25, "G8": 5} and first["score"] == 100
    assert all("final_score" not in c for c in people.values())            # 30662: the interview is pass/fail


def test_rank_json_of_an_award_model_has_price_interview_points_and_final_score(tender):
    from dataclasses import replace
    from decimal import Decimal

    from conftest import make_offer
    from inhuur import actions, award, rules
    from inhuur.spec import Price

    model = replace(tender, price=Price(Decimal(20), "relatief"),
                    interviews=replace(tender.interviews, points=Decimal("55")))
    results = rules.evaluate(model, [make_offer("I-001", "G4", rate="60.00"), make_offer("I-002", "G5", rate="70.00"),
                                     make_offer("I-003", "G5", rate="99.00")])
    consensus = {c: 4 for c in model.competencies} | {model.competencies[0]: 3}
    interviews = [award.Interview("I-002", who, "", consensus) for who in ("A", "B", "Consensus")]
    stage = award.evaluate(model, results, [award.Selection("I-002", award.INVITE)], interviews, [])
    document = cli.ranking_json(actions.RankReport(model, results, stage=stage))
    people = {c["id"]: c for c in document["candidates"]}
    assert people["I-002"]["points"] == {"G4": 0, "G5": 20, "G6": 0, "G7": 0, "G8": 0, "prijs": 17.14, "gesprek": 42.9}
    assert (people["I-002"]["score"], people["I-002"]["final_score"]) == (37.14, 80.04)   # 55 × 39 / 50 = 42.90
    assert people["I-001"]["points"]["prijs"] == 20 and people["I-001"]["final_score"] is None
    assert "gesprek" not in people["I-001"]["points"]
    assert (people["I-003"]["points"], people["I-003"]["score"]) == (None, None)         # knocked out (KO3)
    assert json.loads(json.dumps(document)) == document


def test_new_refuses_an_xlsm_and_keeps_the_old_one_with_its_button(run_cli, example_workbook):
    from inhuur import excel

    made = excel.make(example_workbook).workbook
    before = made.read_bytes()
    listing = sorted(p.name for p in made.parent.iterdir())
    result = run_cli("new", EXAMPLE_SPEC, "-o", made, "--overschrijven")
    assert result.code == 1
    assert result.err == (
        "Fout: aanvraag.xlsm is een werkboek met macro's (.xlsm), maar inhuur new maakt een gewoon werkboek (.xlsx), "
        "zonder het VBA-project en de knop; er is niets geschreven. Maak het werkboek met inhuur new SPEC.toml -o "
        "aanvraag.xlsx en maak daarna het .xlsm met de knop met inhuur excel aanvraag.xlsx. Het bestaande "
        "aanvraag.xlsm blijft zoals het is; inhuur excel vervangt het niet, dus verplaats het eerst of kies met -o "
        "een andere naam voor het nieuwe .xlsm.\n")
    assert made.read_bytes() == before and sorted(p.name for p in made.parent.iterdir()) == listing
    with zipfile.ZipFile(made) as package:                       # still macro-enabled, button and all
        assert "xl/vbaProject.bin" in package.namelist()
        assert "macroEnabled.main+xml" in package.read("[Content_Types].xml").decode()


def test_new_refuses_a_new_xlsm_and_writes_nothing(run_cli, tmp_path):
    result = run_cli("new", EXAMPLE_SPEC, "-o", tmp_path / "nieuw.XLSM")
    assert result.code == 1
    assert result.err == (
        "Fout: nieuw.XLSM is een werkboek met macro's (.xlsm), maar inhuur new maakt een gewoon werkboek (.xlsx), "
        "zonder het VBA-project en de knop; er is niets geschreven. Maak het werkboek met inhuur new SPEC.toml -o "
        "nieuw.xlsx en maak daarna het .xlsm met de knop met inhuur excel nieuw.xlsx.\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, shown, plain", [
    ("x.xlsm ", "'x.xlsm '", "x.xlsx"), ("x.xltm", "'x.xltm'", "x.xlsx"), ("x.xlsb", "'x.xlsb'", "x.xlsx"),
    ("x", "'x'", "x.xlsx"), ("x.xlsx.bak", "'x.xlsx.bak'", "x.xlsx.xlsx"),
], ids=["trailing_space", "template", "binary", "no_extension", "backup"])
def test_new_writes_only_a_name_ending_in_xlsx(run_cli, tmp_path, name, shown, plain):
    result = run_cli("new", EXAMPLE_SPEC, "-o", tmp_path / name)
    assert result.code == 1
    assert result.err == (f"Fout: {shown} eindigt niet op .xlsx, maar inhuur new maakt een gewoon Excel-werkboek "
                          f"(.xlsx); onder een andere naam opent Excel het niet. Er is niets geschreven. Kies met -o een "
                          f"naam die op .xlsx eindigt, bijv. -o {plain}.\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", [".xlsx", " .XLSX"])
def test_new_refuses_a_name_that_is_only_the_extension(run_cli, tmp_path, name):
    result = run_cli("new", EXAMPLE_SPEC, "-o", tmp_path / name)
    assert (result.code, result.err) == (1, f"Fout: '{name}' heeft geen naam vóór .xlsx. Er is niets geschreven. Kies "
                                            f"met -o een naam voor het werkboek, bijv. -o aanvraag.xlsx.\n")
    assert list(tmp_path.iterdir()) == []


def test_new_through_a_link_to_a_macro_workbook_or_another_name_writes_nothing(run_cli, tmp_path):
    macro = tmp_path / "mac.xlsm"
    macro.write_bytes(b"PK macro workbook")
    (tmp_path / "link.xlsx").symlink_to(macro)
    result = run_cli("new", EXAMPLE_SPEC, "-o", tmp_path / "link.xlsx", "--overschrijven")
    assert result.code == 1 and result.err.startswith("Fout: mac.xlsm is een werkboek met macro's (.xlsm)")
    assert macro.read_bytes() == b"PK macro workbook" and (tmp_path / "link.xlsx").is_symlink()
    (tmp_path / "other.xlsx").symlink_to(tmp_path / "data.xlsb")
    result = run_cli("new", EXAMPLE_SPEC, "-o", tmp_path / "other.xlsx")
    assert result.code == 1 and result.err.startswith(f"Fout: 'other.xlsx' verwijst naar {tmp_path / 'data.xlsb'}, "
                                                      f"dat eindigt niet op .xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.xlsx", "mac.xlsm", "other.xlsx"]


def test_import_over_the_limit_is_refused_naming_limit_and_count(run_cli, imported_workbook, tmp_path, monkeypatch):
    from inhuur import workbook

    monkeypatch.setattr(workbook.write, "MAX_OFFERS", 16)
    source = tmp_path / "extra.csv"
    source.write_bytes(csv_bytes([offer_row(kandidaat=f"Extra {n}") for n in range(2)]))
    before = imported_workbook.read_bytes()
    result = run_cli("import", imported_workbook, source)
    assert result.code == 1
    assert result.err == (
        f"Fout: {imported_workbook}: het bestand is geweigerd; er is niets geïmporteerd en het werkboek is "
        f"ongewijzigd. Het heeft 2 nieuwe inschrijvingen bij de 15 die er al staan, samen 17; een werkboek mag er "
        f"ten hoogste 16 hebben (meer kan inhuur rank niet binnen 1 GB geheugen rangschikken). Verdeel de "
        f"inschrijvingen over meer werkboeken (bijv. één per perceel) of importeer alleen de inschrijvingen die "
        f"meedingen.\n")
    assert imported_workbook.read_bytes() == before


def test_verbose_shows_the_traceback_only_when_asked(run_cli):
    assert "Traceback" not in run_cli("rank", "nee.xlsx").err
    assert "Traceback" in run_cli("--verbose", "rank", "nee.xlsx").err


def test_demo(run_cli, tmp_path):
    result = run_cli("demo", tmp_path / "demo")
    assert result.code == 0
    assert "Loting nodig: I-005" in result.out
    after = result.out.split("4. De loting is gehouden")[1]
    assert "   5  I-006  Çelik Consultancy" in after and "   6  I-005  @Home Detachering" in after
    assert (tmp_path / "demo" / "aanvraag-30662.xlsx").is_file()
    assert "5. 15 brieven gemaakt in" in result.out
    assert len(list((tmp_path / "demo" / "brieven").glob("*.docx"))) == 15
    assert len(list((tmp_path / "demo" / "brieven-loting").glob("*-loting.docx"))) == 2
    assert len(list((tmp_path / "demo" / "e-mails").glob("*.eml"))) == 15
    if soffice.find_soffice():
        assert len(list((tmp_path / "demo" / "brieven").glob("*.pdf"))) == 15
    assert "11. De opdrachtgever gunt aan I-002, I-004" in result.out
    assert len(list((tmp_path / "demo" / "brieven-gunning").glob("*.docx"))) == 15   # 10 standstills still run
    ranking = {row[1]: row for row in load_workbook(tmp_path / "demo" / "aanvraag-30662.xlsx")["Ranglijst"]
               .iter_rows(values_only=True) if row[1] and str(row[1]).startswith("I-")}
    assert (ranking["I-002"][6], ranking["I-002"][9]) == ("Voornemen tot gunning", "Voorgedragen")
    assert (ranking["I-001"][6], ranking["I-005"][6]) == ("Afgewezen", "Niet geselecteerd")


def test_every_command_has_help_and_a_readme_entry():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(cli.COMMANDS)
    for name, command in sub.choices.items():
        assert command.description and len(command.description) > 20
        assert f"inhuur {name}" in readme, name
        for action in command._actions:
            assert action.help, (name, action.dest)


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "inhuur", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "inhuur" in result.stdout and "OPDRACHT" in result.stdout


def test_the_command_in_a_new_process_prints_all_and_ends_with_its_exit_code(example_workbook, run_cli, tmp_path):
    """`inhuur` ends the process without Python's shutdown: what it printed into a pipe still arrives whole, the
    exit code is main()'s, and the workbook is written."""
    expected = run_cli("rank", example_workbook).out
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as on a user's machine
    done = subprocess.run([sys.executable, "-m", "inhuur", "rank", str(example_workbook)], capture_output=True,
                          text=True, env=buffered)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == expected
    assert load_workbook(example_workbook)["Ranglijst"]["A1"].value
    refused = subprocess.run([sys.executable, "-m", "inhuur", "rank", str(tmp_path / "weg.xlsx")],
                             capture_output=True, text=True, env=buffered)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == f"Fout: {tmp_path / 'weg.xlsx'} bestaat niet. Controleer de naam en de map.\n"


def damaged(book, sheet: str, row: int) -> None:
    """The workbook with the end tag of a sheet's row `row` broken, as a cut-off or badly repaired file has it."""
    package = xlsx.Package.open(book)
    part = package.sheets()[sheet]
    members = [(info, package.zip.read(info)) for info in package.zip.infolist()]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            if info.filename == part:
                at = [m.start() for m in re.finditer(b"</row>", data)][row - 1]
                data = data[:at] + b"</rij>" + data[at + len(b"</row>"):]
            out.writestr(info, data)


@pytest.mark.parametrize("block, damage", [
    (1 << 17, "het is niet te lezen"),                   # the whole sheet is one block: nothing was read
    (300, "na rij 4 is het niet meer te lezen"),         # a block a row: rows 1-4 were read whole
])
def test_a_damaged_sheet_is_named_and_nothing_is_written(example_workbook, run_cli, monkeypatch, block, damage):
    monkeypatch.setattr(xlsx, "PARSE_BLOCK", block)
    damaged(example_workbook, "Kandidaten", 5)
    before = example_workbook.read_bytes()
    for command in ("rank", "check"):
        result = run_cli(command, example_workbook)
        assert (result.code, result.out) == (1, "")
        assert result.err == (f"Fout: {example_workbook}: het blad Kandidaten is beschadigd: {damage}. Het werkboek is "
                              f"niet gewijzigd. Open het in Excel of LibreOffice (dat biedt aan het te herstellen) en "
                              f"sla het opnieuw op, of ga verder met de vorige versie (aanvraag.vorige.xlsx).\n")
    assert example_workbook.read_bytes() == before


def test_rank_loads_only_what_it_uses(example_workbook):
    """A button press waits for what `rank` imports: the letter and workbook-building libraries stay unloaded, and
    so do lxml (the demo's sheets are small enough for xml.etree), json and csv."""
    code = ("import contextlib, io, sys\nfrom inhuur import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    code = cli.main(['rank', sys.argv[1]])\n"
            "print(code, *sorted({m.split('.')[0] for m in sys.modules} & {'babel', 'docxtpl', 'jinja2', 'openpyxl', "
            "'docx', 'hashlib', 'socket', 'json', 'getpass', 'csv', 'lxml'}))")
    result = subprocess.run([sys.executable, "-c", code, str(example_workbook)], capture_output=True, text=True)
    assert result.stdout.split() == ["0"], result.stdout + result.stderr


def test_rank_prints_its_columns_aligned_for_the_longest_status(run_cli, demo_run, tmp_path):
    book = tmp_path / "werkboek.xlsx"
    shutil.copyfile(demo_run.workbook, book)
    result = run_cli("rank", book)
    lines = result.out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Rang  ID"))
    table = lines[header + 2:lines.index("", header)]
    assert any("Voornemen tot gunning" in line for line in table)
    reason = lines[header].index("Reden")
    longer = [line for line in table if len(line) >= reason]                # rows with a reason (or an overflow)
    assert longer and all(line[reason - 1] == " " and line[reason] != " " for line in longer)
    assert any(line[reason:].startswith("KO") for line in longer)


def test_intrekken_records_a_withdrawal_and_the_next_candidate_moves_up(run_cli, example_workbook):
    before = {r["id"]: r for r in json.loads(run_cli("rank", example_workbook, "--json").out)["candidates"]}
    assert (before["I-005"]["status"], before["I-006"]["status"]) == ("tie_unresolved", "tie_unresolved")
    result = run_cli("intrekken", example_workbook, "--id", "I-002", "--datum", "02-07-2026", "--reden",
                     "niet meer beschikbaar")
    assert result.code == 0, result.err
    assert result.out.startswith("I-002 (Fatima El Amrani, Sociaal Domein Professionals B.V.) ingetrokken op "
                                 "02-07-2026: niet meer beschikbaar. De inschrijving blijft staan (status Ingetrokken) "
                                 "en telt niet meer mee.\n")
    after = {r["id"]: r for r in json.loads(run_cli("rank", example_workbook, "--json").out)["candidates"]}
    assert (after["I-002"]["status"], after["I-002"]["rank"]) == ("withdrawn", None)
    assert (after["I-005"]["status"], after["I-006"]["status"]) == ("shortlisted", "shortlisted")  # no lot needed now
    ws = load_workbook(example_workbook, data_only=True)["Kandidaten"]
    col = {c.value: c.column - 1 for c in ws[1]}
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "I-002")
    assert (row[col["Status"]], row[col["Ingetrokken op"]].date().isoformat(), row[col["Reden intrekking"]]) == \
        ("Ingetrokken", "2026-07-02", "niet meer beschikbaar")
    assert run_cli("check", example_workbook).code == 0
    # the letters cannot say this yet: refused in Dutch, naming the offer, not an internal error
    letters = run_cli("letters", example_workbook, "-o", example_workbook.parent / "brieven")
    assert (letters.code, letters.err) == (1, (
        "Fout: aanvraag 30662: er zijn geen brieven gemaakt: de brieven van deze versie kunnen dit nog niet uitleggen "
        "(1 punt):\n  - I-002: status Ingetrokken\nHet werkboek rekent dit wel uit (blad Kandidaten en Ranglijst). "
        "Schrijf deze brieven voorlopig zelf, of wacht op de versie van inhuur die ze maakt.\n"))


REASON_HINT = ". Noem waarom de kandidaat zich terugtrekt, bijv. 'niet meer beschikbaar'"
CONTROL_WHY = ("--reden bevat een stuurteken (zoals een tab, regeleinde of onzichtbaar teken) dat het werkboek en de "
               "brieven niet kunnen bevatten; typ de tekst opnieuw op één regel" + REASON_HINT)


@pytest.mark.parametrize("offer_id, day, reason, why", [
    ("I-099", "03-07-2026", "weg",
     "'I-099' staat niet op Kandidaten (ID's: I-001 … I-015); noem de ID uit kolom A met --id"),
    ("I-003", "03-07-2026", "  ", "--reden is leeg; vul het in" + REASON_HINT),
    ("I-003", "03-07-2026", "\u200b\u3164\u0301", "--reden is leeg; vul het in" + REASON_HINT),
    ("I-003", "03-07-2026", "niet\x01beschikbaar", CONTROL_WHY),
    ("I-003", "03-07-2026", "ziek\nen weg", CONTROL_WHY),
    ("I-003", "03-07-2026", "x" * 40_000, "--reden is langer dan 32767 tekens (de grens van een Excel-cel)" + REASON_HINT),
    ("I-003", "01-12-2031", "ziek", f"--datum 01-12-2031 ligt in de toekomst (vandaag: {date.today():%d-%m-%Y}); leg "
                                    f"een intrekking vast nadat de kandidaat zich heeft teruggetrokken"),
    ("I-003", "01-01-2020", "ziek", "--datum 01-01-2020 ligt vóór de sluiting van de inschrijving (29-06-2026 om 09.00 uur); "
                                    "klopt het jaar?"),
    ("I-002", "03-07-2026", "nogmaals", "I-002 (Fatima El Amrani) is al ingetrokken op 01-07-2026 (Kandidaten!AF3); "
                                        "een vastgelegde intrekking wordt niet overschreven"),
], ids=["unknown", "empty", "invisible", "control", "line_break", "too_long", "future", "before_closing", "twice"])
def test_intrekken_refuses_and_writes_nothing(run_cli, example_workbook, offer_id, day, reason, why):
    assert run_cli("intrekken", example_workbook, "--id", "I-002", "--datum", "01-07-2026", "--reden", "ziek").code == 0
    before = example_workbook.read_bytes()
    result = run_cli("intrekken", example_workbook, "--id", offer_id, "--datum", day, "--reden", reason)
    assert (result.code, result.err) == (1, f"Fout: {example_workbook}: er is niets vastgelegd en het werkboek is "
                                            f"ongewijzigd: {why}\n")
    assert example_workbook.read_bytes() == before
