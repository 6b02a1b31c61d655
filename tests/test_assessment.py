"""Assessment as a step: findings with who and why, provisional until assessed, stored results, the dossier."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from conftest import (ASSESSOR, EXAMPLE_FINDINGS, EXAMPLE_OFFERS, EXAMPLE_SPEC, assess_as_declared, columns, csv_bytes,
                      type_finding)
from inhuur import actions, dutch, rules, soffice, workbook
from inhuur.errors import InvalidOfferFile, InvalidWorkbook, NotAssessed, NotAWorkbook


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def text_of(path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------- provisional

def test_declarations_alone_leave_everything_open_and_letters_refused(imported_workbook, tmp_path, run_cli):
    report = actions.rank(imported_workbook)
    assert not report.final
    open_codes = {r.offer.id: r.open for r in report.results}
    assert open_codes["I-001"] == ("KO1", "KO2", "G4", "G5", "G6", "G7", "G8")   # passes the KOs: all needed
    assert open_codes["I-011"] == ("KO1", "KO2")                               # KO1 declared Nee: no award criteria
    assert open_codes["I-010"] == ("KO1", "KO2")                               # knocked out by its rate only
    assert open_codes["I-013"] == ()                                           # not conforming: nothing to judge
    with pytest.raises(NotAssessed) as info:
        actions.make_letters(imported_workbook, tmp_path / "brieven")
    assert len(info.value.open) == 69
    assert not (tmp_path / "brieven").exists()
    result = run_cli("letters", imported_workbook, "-o", tmp_path / "b2", "--loting", "--loting-moment",
                     "03-07-2026 10:00", "--loting-plaats", "Hilversum", "--loting-door", "notaris")
    assert result.code == 1
    assert result.err.startswith("Fout: er zijn geen brieven gemaakt: nog 69 oordelen niet beoordeeld bij 12 "
                                 "kandidaten (I-001 KO1, KO2, G4, G5, G6, G7, G8; ")
    assert "blad Beoordeling (filter Stand = Open, eerste: Beoordeling!N2)" in result.err


def test_rank_json_says_assessed_and_final(imported_workbook, run_cli):
    import json

    document = json.loads(run_cli("rank", imported_workbook, "--json").out)
    assert document["final"] is False and document["open_judgments"] == 69
    people = {c["id"]: c for c in document["candidates"]}
    assert people["I-013"]["assessed"] is True and people["I-001"]["assessed"] is False
    assert people["I-001"]["open"] == ["KO1", "KO2", "G4", "G5", "G6", "G7", "G8"]
    assert people["I-013"]["reason"] == "Ingediend vóór de sluiting"
    assess_as_declared(imported_workbook)
    document = json.loads(run_cli("rank", imported_workbook, "--json").out)
    assert document["final"] is True and document["work_list"] == []
    assert all(c["assessed"] for c in document["candidates"])
    assert document["candidates"][0]["judgments"]["KO1"]["by"] == ASSESSOR


def test_a_finding_that_knocks_out_frees_the_award_criteria(imported_workbook):
    """Required judgments follow the steps: after KO1 = Nee, the award criteria are no longer needed."""
    actions.record_findings(imported_workbook, io.BytesIO(csv_bytes([
        {"id": "I-007", "criterium": "KO1", "oordeel": "Nee", "motivering": "Geen hbo-diploma in het cv",
         "door": "A. Jansen"}])))
    result = next(r for r in actions.rank(imported_workbook).results if r.offer.id == "I-007")
    assert (result.status, result.open) == (rules.KNOCKED_OUT, ("KO2",))
    stands = {r[2]: r[13] for r in load_workbook(imported_workbook, data_only=True)["Beoordeling"]
              .iter_rows(min_row=2, values_only=True) if r[0] == "I-007"}
    assert stands == {"KO1": "Beoordeeld", "KO2": "Open", "G4": "Niet nodig", "G5": "Niet nodig", "G6": "Niet nodig",
                      "G7": "Niet nodig", "G8": "Niet nodig"}


def test_self_declaration_is_a_spec_setting_and_the_letters_say_so(tmp_path):
    spec = tmp_path / "zelf.toml"
    spec.write_text(EXAMPLE_SPEC.read_text(encoding="utf-8").replace("zelfverklaring_telt = false",
                                                                     "zelfverklaring_telt = true"), encoding="utf-8")
    book = tmp_path / "zelf.xlsx"
    actions.new(spec, book)
    actions.import_offers(book, EXAMPLE_OFFERS)
    report = actions.rank(book)
    assert report.final and all(not r.open for r in report.results)
    actions.record_lot(book, actions.EXAMPLE_LOT)
    actions.rank(book)
    made = actions.make_letters(book, tmp_path / "brieven")
    assert len(made.letters) == 15
    text = text_of(made.folder / "I-011-knock_out.docx")
    assert "geldt de eigen opgave van de leverancier" in text
    assert "volgens uw eigen opgave niet" in text
    stands = {r[13] for r in load_workbook(book, data_only=True)["Beoordeling"].iter_rows(min_row=2, values_only=True)}
    assert stands == {"Eigen opgave", "Niet nodig"}


def test_letters_without_self_declaration_do_not_mention_it(example_workbook, tmp_path):
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    made = actions.make_letters(example_workbook, tmp_path / "brieven")
    assert "eigen opgave" not in text_of(made.folder / "I-011-knock_out.docx")


# ---------------------------------------------------------------------------------------------- who and why

@pytest.mark.parametrize("values, missing", [
    ({"Oordeel beoordelaar": "Nee", "Beoordelaar (naam)": "A. Jansen"}, "Motivering beoordelaar"),
    ({"Oordeel beoordelaar": "Ja", "Motivering beoordelaar": "Staat in het cv", "Beoordelaar (naam)": None},
     "Beoordelaar (naam)"),
    ({"Oordeel opdrachtgever": "Nee", "Opdrachtgever (naam)": "M. Bakker"}, "Motivering opdrachtgever"),
    ({"Oordeel opdrachtgever": "Ja", "Motivering opdrachtgever": "Gezien in gesprek"}, "Opdrachtgever (naam)"),
    # what no one can see is missing too: a zero-width space, a byte order mark
    ({"Oordeel beoordelaar": "Ja", "Motivering beoordelaar": "Staat in het cv", "Beoordelaar (naam)": "\u200b"},
     "Beoordelaar (naam)"),
    ({"Oordeel beoordelaar": "Nee", "Motivering beoordelaar": " \ufeff\u200b ", "Beoordelaar (naam)": "A. Jansen"},
     "Motivering beoordelaar"),
])
def test_check_names_the_cell_of_a_missing_motivation_or_name(example_workbook, values, missing, tmp_path):
    # I-008 declared G7 Ja and the tests' assessor confirmed it: a Nee replaces a Ja and must say why
    refs = type_finding(example_workbook, "I-008", "G7", {"Motivering beoordelaar": None, **values})
    columns_ = columns(load_workbook(example_workbook)["Beoordeling"])
    row = re.sub(r"\D", "", next(iter(refs.values())))
    with pytest.raises(InvalidWorkbook) as info:
        actions.check(example_workbook)
    assert [p.where for p in info.value.problems] == [f"Beoordeling!{columns_[missing]}{row}"]
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    with pytest.raises(InvalidWorkbook):
        actions.make_letters(example_workbook, tmp_path / "brieven")   # letters run the whole check


def test_a_client_override_to_yes_needs_a_motivation_but_agreeing_does_not(example_workbook):
    type_finding(example_workbook, "I-001", "G7", {"Oordeel opdrachtgever": "Ja", "Opdrachtgever (naam)": "M. Bakker"})
    assert actions.check(example_workbook) == 15           # agrees with the assessor's Ja: nothing to explain
    refs = type_finding(example_workbook, "I-009", "G7", {"Oordeel opdrachtgever": "Ja",   # overrides a Nee
                                                         "Opdrachtgever (naam)": "M. Bakker"})
    with pytest.raises(InvalidWorkbook) as info:
        actions.check(example_workbook)
    assert [p.where for p in info.value.problems] == [
        f"Beoordeling!{columns(load_workbook(example_workbook)['Beoordeling'])['Motivering opdrachtgever']}"
        f"{re.sub(r'[A-Z]', '', refs['Oordeel opdrachtgever'])}"]


# ---------------------------------------------------------------------------------------------- record --beoordeling

def finding(**kw) -> dict:
    row = {"id": "I-001", "criterium": "G5", "oordeel": "Ja", "motivering": "", "door": "A. Jansen"}
    row.update(kw)
    return row


@pytest.mark.parametrize("rows, where, text", [
    ([finding(id="I-099")], "rij 2, kolom A (id)", "'I-099' is geen inschrijving op het blad Kandidaten"),
    ([finding(criterium="KO3")], "rij 2, kolom B (criterium)", "'KO3' is geen te beoordelen criterium"),
    ([finding(oordeel="Misschien")], "rij 2, kolom C (oordeel)", "'Misschien' is geen Ja of Nee"),
    ([finding(door="")], "rij 2, kolom E (door)", "is leeg; wie gaf dit oordeel?"),
    ([finding(door="\u200b")], "rij 2, kolom E (door)", "is leeg; wie gaf dit oordeel?"),
    ([finding(oordeel="Nee", motivering="\ufeff")], "rij 2, kolom D (motivering)", "I-001 G5: een Nee"),
    ([finding(oordeel="Nee")], "rij 2, kolom D (motivering)", "I-001 G5: een Nee"),
    ([finding(), finding()], "rij 3", "I-001 G5 (beoordelaar) staat ook in rij 2"),
    ([finding(rol="jurist")], "rij 2, kolom F (rol)", "'jurist' is geen beoordelaar of opdrachtgever"),
])
def test_a_bad_findings_file_is_refused_whole_and_the_workbook_stays_byte_identical(imported_workbook, rows, where,
                                                                                  text):
    header = ["id", "criterium", "oordeel", "motivering", "door"] + (["rol"] if "rol" in rows[0] else [])
    good = finding(id="I-002", criterium="KO1")
    before = digest(imported_workbook)
    with pytest.raises(InvalidOfferFile) as info:
        actions.record_findings(imported_workbook, io.BytesIO(csv_bytes([good] + rows, header=header)))
    problem = info.value.problems[0]
    one_down = lambda words: re.sub(r"rij (\d+)", lambda m: f"rij {int(m.group(1)) + 1}", words)  # noqa: E731
    assert problem.where == one_down(where)                      # the good row comes first
    assert problem.text.startswith(one_down(text))
    assert digest(imported_workbook) == before


def test_a_refused_findings_file_says_nothing_was_recorded(imported_workbook, run_cli, tmp_path):
    bad = tmp_path / "oordelen.csv"
    bad.write_bytes(csv_bytes([finding(oordeel="Nee")]))
    result = run_cli("record", imported_workbook, "--beoordeling", bad)
    assert result.code == 1
    assert result.err.splitlines()[0] == ("Fout: oordelen.csv: het bestand is geweigerd; er is niets vastgelegd en "
                                          "het werkboek is ongewijzigd (1 fout):")
    assert result.err.splitlines()[-1] == "Verbeter het bestand en voer inhuur record opnieuw uit."


def refused(run_cli, book, rows: list[dict], header=None, name="oordelen.csv") -> list[str]:
    """Run record --beoordeling on the rows through the CLI; assert it is refused (exit 1) with nothing written,
    and return the problem lines."""
    source = book.parent / name
    source.write_bytes(csv_bytes(rows, header=header))
    before = digest(book)
    result = run_cli("record", book, "--beoordeling", source)
    assert result.code == 1, result.err
    assert digest(book) == before
    lines = result.err.splitlines()
    assert lines[0].startswith(f"Fout: {name}: het bestand is geweigerd; er is niets vastgelegd")
    assert lines[-1] == "Verbeter het bestand en voer inhuur record opnieuw uit."
    return lines[1:-1]


def test_a_name_with_its_accent_typed_as_a_separate_mark_is_the_same_candidate(imported_workbook):
    """Anai\u0308s (i + U+0308, as macOS writes it) is Anaïs (NFC): found by name, and agreeing with its id."""
    decomposed = "Anai\u0308s de Vries"
    rows = [{"kandidaat": decomposed, "criterium": "G5", "oordeel": "Ja", "motivering": "", "door": "A. Jansen"},
            {"id": "I-001", "kandidaat": decomposed, "criterium": "G6", "oordeel": "Ja", "motivering": "",
             "door": "A. Jansen"}]
    report = actions.record_findings(imported_workbook, io.BytesIO(csv_bytes(rows, header=["id", "kandidaat",
                                                                                            "criterium", "oordeel",
                                                                                            "motivering", "door"])))
    assert report.recorded == 2
    found = {(r[0], r[2]): r[6] for r in load_workbook(imported_workbook)["Beoordeling"].iter_rows(min_row=2,
                                                                                                  values_only=True)}
    assert (found[("I-001", "G5")], found[("I-001", "G6")]) == ("Ja", "Ja")


def test_an_id_that_contradicts_the_candidate_on_its_row_is_refused(imported_workbook, run_cli):
    """Issue 19: the id won, so a KO1 Nee meant for Fatima El Amrani (I-002) knocked out I-001 (Anaïs de Vries)."""
    row = finding(id="I-001", kandidaat="Fatima El Amrani", criterium="KO1", oordeel="Nee",
                  motivering="Geen hbo-bachelor in het cv")
    header = ["id", "kandidaat", "criterium", "oordeel", "motivering", "door"]
    assert refused(run_cli, imported_workbook, [row], header=header) == [
        "  - rij 2, kolommen A (id) en B (kandidaat): 'I-001' is de inschrijving van Anaïs de Vries, niet van "
        "'Fatima El Amrani'; verbeter de id of de naam, zodat vaststaat over wie deze rij gaat"]
    agreeing = dict(row, kandidaat="  anaïs DE vries ")           # the same name as same_text compares names
    assert actions.record_findings(imported_workbook, io.BytesIO(csv_bytes([agreeing]))).recorded == 1


def test_a_column_twice_in_a_findings_file_is_refused_naming_both(imported_workbook, run_cli):
    """Issue 19: with two oordeel columns the last one won, silently."""
    header = ["id", "criterium", "oordeel", "motivering", "door", " Oordeel"]
    row = finding(criterium="KO1", oordeel="Ja", **{" Oordeel": "Nee"})
    assert refused(run_cli, imported_workbook, [row], header=header) == [
        "  - rij 1, kolommen C en F: de kolom oordeel staat er twee keer in ('oordeel' en ' Oordeel'); laat er één "
        "staan, zodat vaststaat welke waarde telt"]


def test_assessor_and_client_rows_that_together_leave_check_unhappy_are_refused(imported_workbook, run_cli):
    """Issue 19: each row passed on its own, against the workbook as it was: the client's Ja equals the declaration.
    But it replaces the assessor's Nee of the same file, so it needs a motivation, and `check` refused what `record`
    had accepted."""
    rows = [finding(criterium="G5", oordeel="Nee", motivering="Geen inburgeringsplannen in het cv", door="A. Jansen"),
            finding(criterium="KO1", oordeel="Ja", door="A. Jansen"),
            finding(criterium="G5", oordeel="Ja", door="M. Bakker", rol="opdrachtgever")]
    cell = f"Beoordeling!{columns(load_workbook(imported_workbook)['Beoordeling'])['Motivering opdrachtgever']}5"
    assert refused(run_cli, imported_workbook, rows) == [
        f"  - rij 2 en 4: na dit bestand zou inhuur check het werkboek weigeren: {cell}: I-001 G5: het oordeel van "
        f"de opdrachtgever is Nee of wijkt af van wat het vervangt, maar heeft geen motivering; die komt in de brief "
        f"aan de leverancier"]
    rows[2]["motivering"] = "In het gesprek met de opdrachtgever aangetoond"
    assert actions.record_findings(imported_workbook, io.BytesIO(csv_bytes(rows))).recorded == 3
    assert run_cli("check", imported_workbook).code == 0


def test_a_problem_the_workbook_already_had_is_not_blamed_on_the_file(imported_workbook, run_cli):
    """A Nee without motivation typed on Beoordeling: check names it before and after, record still takes a file."""
    refs = type_finding(imported_workbook, "I-004", "G6", {"Oordeel beoordelaar": "Nee",
                                                          "Motivering beoordelaar": None,
                                                          "Beoordelaar (naam)": "A. Jansen"})
    named = f"  - Beoordeling!{refs['Motivering beoordelaar']}: I-004 G6: het oordeel van de beoordelaar is Nee"
    assert named in run_cli("check", imported_workbook).err
    assert actions.record_findings(imported_workbook, io.BytesIO(csv_bytes([finding()]))).recorded == 1
    result = run_cli("check", imported_workbook)
    assert result.code == 1 and named in result.err


@pytest.mark.parametrize("column", ["motivering", "door", "kandidaat"])
def test_a_text_longer_than_an_excel_cell_is_refused_naming_row_column_and_length(imported_workbook, run_cli,
                                                                                column):
    """Issue 19: exit 3 (Interne fout) for a motivation or name over 32,767 characters."""
    row = finding(criterium="KO1", kandidaat="Anaïs de Vries")
    row[column] = "x" * 32768
    header = ["id", "kandidaat", "criterium", "oordeel", "motivering", "door"]
    letter = "ABCDEF"[header.index(column)]
    assert refused(run_cli, imported_workbook, [row], header=header) == [
        f"  - rij 2, kolom {letter} ({column}): is langer dan 32767 tekens, de grens van een Excel-cel (deze tekst "
        f"heeft er 32768); kort de tekst in"]
    row[column] = "x" * 32767 if column != "kandidaat" else "Anaïs de Vries"   # exactly the limit is taken
    assert actions.record_findings(imported_workbook, io.BytesIO(csv_bytes([row], header=header))).recorded == 1


def test_reading_findings_takes_time_linear_in_rows_and_candidates(tender, monkeypatch):
    """Issue 19: every row compared its id with every candidate's (5,000 offers: 175 million same_text calls).
    The candidates are indexed once: the number of comparisons grows with rows + candidates, not their product."""
    from inhuur import record

    calls = 0
    real = record.same_text

    def counting(value):
        nonlocal calls
        calls += 1
        return real(value)

    monkeypatch.setattr(record, "same_text", counting)
    allowed = [record.Candidate(f"I-{n:04d}", f"Kandidaat {n}") for n in range(1, 1001)]
    rows = [{"id": c.offer_id, "criterium": "KO1", "oordeel": "Ja", "motivering": "In het cv", "door": "A"}
            for c in allowed]
    found = record.read_findings(io.BytesIO(csv_bytes(rows)), allowed, tender, name="oordelen.csv")
    assert calls <= 10 * (len(rows) + len(allowed))            # the scan over all ids: 1,000,000
    assert [f.offer_id for f in found.findings] == [c.offer_id for c in allowed]


def test_findings_from_a_file_land_on_beoordeling_and_rank_again(imported_workbook):
    report = actions.record_findings(imported_workbook, EXAMPLE_FINDINGS)
    assert report.recorded == 70 and report.rank.final
    rows = {(r[0], r[2]): r for r in load_workbook(imported_workbook, data_only=True)["Beoordeling"]
            .iter_rows(min_row=2, values_only=True)}
    deviating = rows[("I-008", "G7")]
    assert deviating[5:9] == ("Ja", "Nee", deviating[7], "A. Jansen (Flextender)")
    assert deviating[7].startswith("De opgave zegt Ja, maar het cv noemt Engels alleen als schoolvak")
    assert (deviating[12], deviating[13]) == ("Nee", "Beoordeeld")
    override = rows[("I-007", "G8")]
    assert override[9:14] == ("Nee", override[10], "M. Bakker (gemeente Hilversum)", "Nee", "Opdrachtgever")
    by_id = {r.offer.id: r for r in report.rank.results}
    assert (by_id["I-007"].score, by_id["I-008"].score) == (50, 20)


# ---------------------------------------------------------------------------------------------- work list

def test_the_work_list_puts_offers_that_can_still_change_the_shortlist_first(imported_workbook):
    """Assess everything but a few. I-004 (80 points, place 4) drops to 50 if G4 (30) turns out Nee: out.
    I-009 (40, place 9) reaches 75 at € 68,25 with G4 and G8, beating the tied 75s at € 77,50: in. I-012 is
    knocked out on its declared KO2 Nee; with KO2 Ja and its award criteria (none assessed yet) Ja it could
    score 100: in. I-008 (45) with G8 gets 50: still behind place 5, so it comes last."""
    matrix = workbook.open_workbook(imported_workbook)
    results = rules.evaluate(matrix.tender, workbook.require_valid_inputs(matrix))
    keep_open = {("I-009", "G4"), ("I-009", "G8"), ("I-012", "KO2"), ("I-004", "G4"), ("I-008", "G8")}
    rows = [{"id": r.offer.id, "criterium": code, "oordeel": r.offer.judgments[code].declared,
             "motivering": "zo staat het in het cv", "door": "A"}
            for r in results for code in r.open if (r.offer.id, code) not in keep_open]
    actions.record_findings(imported_workbook, io.BytesIO(csv_bytes(rows)))
    report = actions.rank(imported_workbook)
    order = [(w.result.offer.id, w.open, w.effect) for w in report.work]
    assert order == [("I-004", ("G4",), "out"), ("I-009", ("G4", "G8"), "in"), ("I-012", ("KO2",), "in"),
                     ("I-008", ("G8",), "")]
    sheet = [r for r in load_workbook(imported_workbook)["Ranglijst"].iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(sheet) if r[0] and str(r[0]).startswith("Werklijst"))
    assert [r[1] for r in sheet[start + 2:start + 6]] == ["I-004", "I-009", "I-012", "I-008"]
    assert sheet[start + 2][5] == "kan nog uit de voordracht vallen"
    assert str(sheet[3][0]).startswith("VOORLOPIG: nog 5 oordelen open")


# ---------------------------------------------------------------------------------------------- stored results

def full_calc_on_load(path) -> bool:
    with zipfile.ZipFile(path) as z:
        return b'fullCalcOnLoad="1"' in z.read("xl/workbook.xml")


def test_rank_stores_the_engines_results_as_cached_values(imported_workbook):
    example_workbook = imported_workbook
    assert full_calc_on_load(example_workbook)                   # after an import: Excel must compute
    assess_as_declared(example_workbook)
    report = actions.rank(example_workbook)
    assert not full_calc_on_load(example_workbook)               # every formula carries its result
    wb = load_workbook(example_workbook, data_only=True)
    ws, col = wb["Kandidaten"], columns(wb["Kandidaten"])
    for result in report.results:
        row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == result.offer.id)
        value = lambda title: row[ws[f"{col[title]}1"].column - 1].value  # noqa: E731 ('' reads as None)
        assert value("Status") == dutch.STATUS_LABELS[result.status]
        assert value("Score") == (float(result.score) if result.score is not None else None)
        assert value("Rang") == result.rank
        assert value("Reden") == (rules.reason_text(report.tender, result.failed) or None)
        assert value("Open oordelen") == 0
        assert value("G7 vreemde taal") == result.offer.judgments["G7"].effective
    assert {r[13] for r in wb["Beoordeling"].iter_rows(min_row=2, values_only=True)} == {"Beoordeeld", "Niet nodig"}


def test_one_status_everywhere_after_the_award(demo_run, tmp_path):
    report = demo_run
    final = actions.rank(shutil.copy(report.workbook, tmp_path / "kopie.xlsx"))
    by_status = {r.offer.id: final.status(r) for r in final.results}
    assert by_status["I-001"] == "rejected" and by_status["I-002"] == "awarded"
    wb = load_workbook(tmp_path / "kopie.xlsx", data_only=True)
    ws, col = wb["Kandidaten"], columns(wb["Kandidaten"])
    shown = {r[0].value: ws[f"{col['Status']}{r[0].row}"].value for r in ws.iter_rows(min_row=2)}
    step2 = {r[0].value: ws[f"{col['Uitkomst stap 2']}{r[0].row}"].value for r in ws.iter_rows(min_row=2)}
    ranking = {r[1]: r[6] for r in wb["Ranglijst"].iter_rows(min_row=21, values_only=True) if r[1]
               and str(r[1]).startswith("I-") and r[6] in {*dutch.STATUS_LABELS.values()}}
    for offer_id, status in by_status.items():
        assert shown[offer_id] == ranking[offer_id] == dutch.STATUS_LABELS[status], offer_id
    assert (shown["I-001"], step2["I-001"]) == ("Afgewezen", "Voorgedragen")


@pytest.mark.soffice
def test_libreoffice_shows_the_latest_status_too(demo_run, tmp_path):
    report = demo_run
    computed = soffice.recalculate([report.workbook], tmp_path / "lo")[0]
    ws = load_workbook(computed, data_only=True)["Kandidaten"]
    col = columns(ws)
    shown = {r[0].value: ws[f"{col['Status']}{r[0].row}"].value for r in ws.iter_rows(min_row=2)}
    assert (shown["I-001"], shown["I-002"], shown["I-013"]) == ("Afgewezen", "Voornemen tot gunning", "Niet conform")


# ---------------------------------------------------------------------------------------------- letters quote why

def test_the_demo_letters_quote_the_recorded_motivations(demo_run):
    report = demo_run
    folder = report.letters.folder
    ko = text_of(folder / "I-011-knock_out.docx")
    assert "oordeel van de beoordelaar: Het cv noemt alleen een mbo-4-diploma Sociaal-Juridische Dienstverlening" in ko
    not_selected = text_of(folder / "I-008-niet_geselecteerd.docx")
    assert "oordeel van de beoordelaar: De opgave zegt Ja, maar het cv noemt Engels alleen als schoolvak" in not_selected
    client = text_of(folder / "I-007-niet_geselecteerd.docx")
    assert "oordeel van de opdrachtgever: De ervaring in de regio die het cv noemt (Weesp, 2023)" in client
    assert "Zo staat het" not in client and "Reza Karimi" not in client       # only its own findings


# ---------------------------------------------------------------------------------------------- the workbook itself

def test_a_consensus_typo_is_named_by_check(demo_run, tmp_path):
    book = shutil.copy(demo_run.workbook, tmp_path / "kopie.xlsx")
    wb = load_workbook(book)
    ws = wb["Gesprekken"]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[2].value == "Consensus")
    ws[f"C{row}"] = "Concensus"
    wb.save(book)
    with pytest.raises(InvalidWorkbook) as info:
        actions.check(book)
    assert [(p.where, p.text[:40]) for p in info.value.problems] == [
        (f"Gesprekken!C{row}", "'Concensus' lijkt op Consensus maar is h")]


@pytest.mark.parametrize("name, typo", [("Concensus", True), ("consensus ", True), ("Konsensus", True),
                                        ("consensus", False), ("Consensus", False), ("C. Jansen", False)])
def test_looks_like_consensus(name, typo):
    assert workbook.looks_like_consensus(name) is typo


def test_a_workbook_of_the_previous_format_is_refused_with_what_to_do(example_workbook, run_cli):
    wb = load_workbook(example_workbook)
    wb["_inhuur"]["B1"] = 1
    wb.save(example_workbook)
    before = digest(example_workbook)
    with pytest.raises(NotAWorkbook) as info:
        workbook.open_workbook(example_workbook)
    assert "eerdere versie van inhuur (werkboekformaat 1)" in info.value.reason
    result = run_cli("rank", example_workbook)
    assert result.code == 1 and "inhuur record --beoordeling" in result.err and "Traceback" not in result.err
    assert digest(example_workbook) == before


def test_instructions_validations_and_print_setup_on_every_sheet(workbook_path):
    wb = load_workbook(workbook_path)
    steps = [c.value for c in wb["Instructies"]["B"] if c.value]
    assert any("Beoordeling – de beoordelaar" in s for s in steps)
    assert any("Geel met rand: hier typt u" in s for s in steps)
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            assert dv.showInputMessage and dv.prompt and dv.promptTitle, (ws.title, dv.sqref)
        if ws.sheet_state != "visible":
            continue
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0, ws.title
        assert int(ws.page_setup.paperSize) == 9       # A4
        assert "VERTROUWELIJK" in ws.oddHeader.right.text and "Pagina &P van &N" in ws.oddFooter.center.text
        assert "&D" in ws.oddFooter.right.text and "30662" in ws.oddHeader.left.text
    assert wb["Kandidaten"].print_title_rows == "$1:$1" and wb["Beoordeling"].print_title_rows == "$1:$1"


@pytest.mark.soffice
def test_the_dossier_prints_readably(demo_run, tmp_path):
    """The whole demo workbook as LibreOffice prints it: few pages, every page with the header and page x of y."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    pdf = soffice.convert([demo_run.workbook], tmp_path / "pdf", "pdf")[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    assert 10 <= len(pages) <= 22
    for n, page in enumerate(pages, start=1):
        assert "VERTROUWELIJK" in page and f"Pagina {n} van {len(pages)}" in page, n
    assert "Aantoonbare afgeronde opleiding op minimaal hbo bachelor niveau" in text   # criterion texts readable


def test_a_later_rounds_waiting_room_letter_is_a_new_letter(demo_run):
    """Round 2 tells I-006 again that it waits: another letter, so another kenmerk; it names the first only if that
    went out, and the demo only makes .eml files (nothing on Verzonden), so it does not."""
    rows = [r for r in load_workbook(demo_run.workbook)["Brieven"].iter_rows(min_row=2, values_only=True)
            if r[2] == "I-006" and r[6] == "wachtkamer"]
    assert [(r[1], r[8], r[11]) for r in rows] == [
        ("01-07-2026", "30662-I-006-wachtkamer", None),
        ("13-07-2026", "30662-I-006-wachtkamer-2", None)]


def test_gunning_rows_added_by_this_rank_get_their_results_too(example_workbook):
    """Recording step 3 adds Gunning rows; their formulas must carry results like every other formula."""
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    actions.rank(example_workbook)
    actions.record(example_workbook, 3, actions.PACKAGE_ROOT / "workbook" / "voorbeeld-stap3-30662.csv")
    assert not full_calc_on_load(example_workbook)
    rows = list(load_workbook(example_workbook, data_only=True)["Gunning"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["I-001", "I-002", "I-003"]
    assert all(r[15] == "Nee" for r in rows)                        # Volledig gescoord: stored, not empty
