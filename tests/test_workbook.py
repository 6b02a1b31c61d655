"""The workbook: structure, protection, import without losing findings, check, locks, atomic writes, Ranglijst."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from conftest import EXAMPLE_OFFERS, EXAMPLE_SPEC, columns, csv_bytes, offer_row, type_finding, type_into
from inhuur import actions, files, workbook
from inhuur.errors import InvalidWorkbook, OutputExists, TooManyOffers, WorkbookLocked


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_workbook_has_the_sheets_names_and_contract_headers(workbook_path):
    wb = load_workbook(workbook_path)
    assert wb.sheetnames == ["Instructies", "Aanvraag", "Criteria", "Leveranciers", "Kandidaten", "Beoordeling",
                             "Ranglijst", "Stap 3", "Gesprekken", "Gunning", "Brieven", "Verzonden", "Loting", "_inhuur",
                             "_register", "_logboek"]
    assert wb["_inhuur"].sheet_state == wb["_register"].sheet_state == wb["_logboek"].sheet_state == "veryHidden"
    titles = list(columns(wb["Kandidaten"]))
    assert {"Leverancier", "Kandidaat", "Uurtarief", "Score", "Rang", "Status", "Loting"} <= set(titles)
    assert {"Score", "Rang", "Status", "Reden", "Open oordelen"} <= set(titles[:10])   # results on the first screen
    criteria = [t for t in titles if t[:2] in ("KO", "G4", "G5", "G6", "G7", "G8")]
    assert criteria == ["KO1 hbo-bachelor", "KO2 3 jaar statushouders", "G4 5 jaar klantmanager", "G5 Suite (Centric)",
                        "G6 Sociaal Plein", "G7 vreemde taal", "G8 regio Gooi en Vechtstreek"]  # KO3: from the rate
    assert "Motivering beoordelaar" in columns(wb["Beoordeling"])
    sheet, ref = next(iter(wb.defined_names["MaxUurtarief"].destinations))
    assert wb[sheet][ref.replace("$", "")].value == 77.5
    sheet, ref = next(iter(wb.defined_names["Punten_G7"].destinations))
    assert wb[sheet][ref.replace("$", "")].value == 25
    sheet, ref = next(iter(wb.defined_names["Sluiting"].destinations))
    assert wb[sheet][ref.replace("$", "")].value == datetime(2026, 6, 29, 9, 0)
    assert all(wb[s].protection.sheet for s in wb.sheetnames)
    assert wb["Kandidaten"].protection.password is None           # protection without a password


def test_new_refuses_to_overwrite(workbook_path):
    with pytest.raises(OutputExists):
        actions.new(EXAMPLE_SPEC, workbook_path)


def test_imported_rows_lock_facts_and_formulas_and_open_findings(example_workbook):
    ws = load_workbook(example_workbook)["Kandidaten"]
    col = columns(ws)
    assert ws[f"{col['ID']}2"].value == "I-001"
    assert ws[f"{col['Uurtarief']}2"].protection.locked
    assert ws[f"{col['Score']}2"].value.startswith("=IF(")
    assert ws[f"{col['Score']}2"].protection.locked
    assert ws[f"{col['G4 5 jaar klantmanager']}2"].protection.locked       # what counts is a formula
    assert not ws[f"{col['Loting']}2"].protection.locked
    assert ws[f"{col['Uurtarief']}2"].number_format == workbook.MONEY_FORMAT
    beo = load_workbook(example_workbook)["Beoordeling"]
    bcol = columns(beo)
    assert beo.max_row == 1 + 15 * 7                                      # one row per offer and judged criterion
    assert [beo[f"{bcol[t]}2"].value for t in ("ID", "Code", "Opgave leverancier")] == ["I-001", "KO1", "Ja"]
    assert beo[f"{bcol['Criterium']}2"].value == "Aantoonbare afgeronde opleiding op minimaal hbo bachelor niveau"
    for title in ("Oordeel beoordelaar", "Motivering beoordelaar", "Beoordelaar (naam)", "Oordeel opdrachtgever",
                  "Motivering opdrachtgever", "Opdrachtgever (naam)"):
        cell = beo[f"{bcol[title]}2"]
        assert not cell.protection.locked and cell.fill.fgColor.rgb.endswith("FFF2CC") and cell.border.left.style
    for title in ("ID", "Criterium", "Opgave leverancier", "Geldt", "Stand"):
        assert beo[f"{bcol[title]}2"].protection.locked


def test_formula_like_supplier_names_are_stored_as_text(workbook_path, tmp_path):
    source = tmp_path / "x.csv"
    source.write_bytes(csv_bytes([offer_row(leverancier="@Home Detachering", kandidaat="=1+1"),
                                  offer_row(leverancier="-Min", kandidaat="+Plus")]))
    actions.import_offers(workbook_path, source)
    ws = load_workbook(workbook_path)["Kandidaten"]
    col = columns(ws)
    cells = [ws[f"{col['Leverancier']}2"], ws[f"{col['Kandidaat']}2"], ws[f"{col['Leverancier']}3"],
             ws[f"{col['Kandidaat']}3"]]
    assert [(c.value, c.data_type) for c in cells] == [("@Home Detachering", "s"), ("=1+1", "s"),
                                                       ("-Min", "s"), ("+Plus", "s")]


def test_reimport_adds_only_new_offers_and_keeps_typed_findings(example_workbook, tmp_path):
    refs = type_finding(example_workbook, "I-001", "G4", {"Oordeel beoordelaar": "Nee",
                                                         "Motivering beoordelaar": "Cv toont 4 jaar, niet 5"})
    corrected = EXAMPLE_OFFERS.read_bytes().rstrip(b"\r\n").replace(b";\xe2\x82\xac 72,00;", b";71,00;") + (
        b"\r\nNieuw B.V.;Jan;jan@nieuw.example;Nieuwe Kandidaat;70,00;28-06-2026 10:00;4;Nederlands;Ja;2;Ja;"
        b"Ja;Ja;Ja;Ja;Ja;Ja;Ja;n.v.t.;\r\n")
    source = tmp_path / "corrected.csv"
    source.write_bytes(corrected)
    report = actions.import_offers(example_workbook, source)
    assert [o.id for o in report.added] == ["I-016"]
    assert len(report.skipped) == 15
    assert any("I-001" in d and "uurtarief" in d for d in report.differences)
    wb = load_workbook(example_workbook)
    ws, beo = wb["Kandidaten"], wb["Beoordeling"]
    col = columns(ws)
    assert beo[refs["Oordeel beoordelaar"]].value == "Nee"
    assert beo[refs["Motivering beoordelaar"]].value == "Cv toont 4 jaar, niet 5"
    assert ws[f"{col['Uurtarief']}2"].value == 72.0              # never overwritten
    assert ws[f"{col['Kandidaat']}17"].value == "Nieuwe Kandidaat"
    new_rows = [r for r in beo.iter_rows(min_row=2, values_only=True) if r[0] == "I-016"]
    assert [r[2] for r in new_rows] == ["KO1", "KO2", "G4", "G5", "G6", "G7", "G8"]


def test_import_refuses_more_offers_than_the_limit_and_counts_only_new_ones(imported_workbook, monkeypatch):
    monkeypatch.setattr(workbook.write, "MAX_OFFERS", 17)
    three = [offer_row(leverancier=f"Nieuw {n}", kandidaat=f"Nieuwe {n}") for n in range(3)]
    before = digest(imported_workbook)
    with pytest.raises(TooManyOffers) as refused:
        actions.import_offers(imported_workbook, io.BytesIO(csv_bytes(three)))
    assert (refused.value.limit, refused.value.existing, refused.value.new) == (17, 15, 3)
    assert digest(imported_workbook) == before
    again = EXAMPLE_OFFERS.read_bytes()                          # the 15 present again, and two new: 17 in all
    two = csv_bytes(three[:2], header=list(offer_row()))
    report = actions.import_offers(imported_workbook, io.BytesIO(again))
    assert report.added == [] and len(report.skipped) == 15
    report = actions.import_offers(imported_workbook, io.BytesIO(two))
    assert [o.id for o in report.added] == ["I-016", "I-017"]
    assert len(workbook.read_offers(workbook.open_workbook(imported_workbook))[0]) == 17


def test_suppliers_sheet_lists_each_supplier_once(example_workbook):
    ws = load_workbook(example_workbook)["Leveranciers"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6
    brouwer = next(r for r in rows if r[0] == "Brouwer & Zonen Detachering")
    assert (brouwer[3], brouwer[4]) == (3, "I-001, I-007, I-013")


def edit(path, **cells):
    wb = load_workbook(path)
    ws = wb["Kandidaten"]
    col = columns(ws)
    for title_row, value in cells.items():
        title, row = title_row.rsplit("_", 1)
        ws[f"{col[title.replace('__', ' ')]}{row}"] = value
    wb.save(path)
    return col


def test_check_names_each_bad_cell(example_workbook):
    col = edit(example_workbook, Score_7=55, Uurtarief_5="77,50", Loting_3=0)
    refs = type_finding(example_workbook, "I-003", "G5", {"Oordeel beoordelaar": "Misschien"})
    with pytest.raises(InvalidWorkbook) as info:
        actions.check(example_workbook)
    where = {p.where for p in info.value.problems}
    assert where == {f"Kandidaten!{col['Score']}7", f"Beoordeling!{refs['Oordeel beoordelaar']}",
                     f"Kandidaten!{col['Uurtarief']}5", f"Kandidaten!{col['Loting']}3"}


def test_check_passes_a_clean_workbook_and_names_a_changed_constant(example_workbook):
    assert actions.check(example_workbook) == 15
    wb = load_workbook(example_workbook)
    sheet, ref = next(iter(wb.defined_names["MaxUurtarief"].destinations))
    wb[sheet][ref.replace("$", "")] = 80
    wb.save(example_workbook)
    with pytest.raises(InvalidWorkbook) as info:
        actions.check(example_workbook)
    assert [p.where for p in info.value.problems] == [f"Aanvraag!{ref.replace('$', '')}"]


def test_judgment_with_a_trailing_space_is_refused_by_rank(example_workbook):
    refs = type_finding(example_workbook, "I-001", "G4", {"Oordeel opdrachtgever": "Ja "})
    before = digest(example_workbook)
    with pytest.raises(InvalidWorkbook) as info:
        actions.rank(example_workbook)
    assert info.value.problems[0].where == f"Beoordeling!{refs['Oordeel opdrachtgever']}"
    assert digest(example_workbook) == before


def test_rank_restores_a_typed_over_formula_and_reports_it(example_workbook):
    col = edit(example_workbook, Status_3="Voorgedragen")
    report = actions.rank(example_workbook)
    assert [p.where for p in report.restored] == [f"Kandidaten!{col['Status']}3"]
    ws = load_workbook(example_workbook)["Kandidaten"]
    assert ws[f"{col['Status']}3"].value.startswith("=IF(")
    assert load_workbook(example_workbook, data_only=True)["Kandidaten"][f"{col['Status']}3"].value == "Voorgedragen"
    assert workbook.formula_problems(workbook.open_workbook(example_workbook)) == []


@pytest.mark.parametrize("lock_name", ["~$aanvraag.xlsx", ".~lock.aanvraag.xlsx#"])
def test_a_workbook_open_elsewhere_is_never_written(example_workbook, lock_name, tmp_path):
    (example_workbook.parent / lock_name).write_text("x")
    before = digest(example_workbook)
    with pytest.raises(WorkbookLocked):
        actions.rank(example_workbook)
    with pytest.raises(WorkbookLocked):
        actions.import_offers(example_workbook, EXAMPLE_OFFERS)
    assert digest(example_workbook) == before


def test_writes_keep_the_previous_version(example_workbook):
    before = example_workbook.read_bytes()
    actions.rank(example_workbook)
    backup = files.backup_path(example_workbook)
    assert backup.read_bytes() == before
    assert not [p for p in example_workbook.parent.iterdir() if p.suffix == ".tmp"]


def test_failed_write_leaves_the_original(example_workbook, monkeypatch):
    before = digest(example_workbook)
    matrix = workbook.open_workbook(example_workbook)

    def broken(package, out, replace):
        out.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(workbook.xlsx, "write_package", broken)
    with pytest.raises(OSError):
        workbook.save(matrix)
    assert digest(example_workbook) == before
    assert not [p for p in example_workbook.parent.iterdir() if p.suffix == ".tmp"]


def test_ranking_sheet_counts_sorts_and_lists_deviations(example_workbook):
    type_finding(example_workbook, "I-002", "G7", {
        "Oordeel beoordelaar": "Nee", "Motivering beoordelaar": "Geen taal in het cv", "Beoordelaar (naam)": "A. Jansen",
        "Oordeel opdrachtgever": "Ja", "Opdrachtgever (naam)": "M. de Vries",
        "Motivering opdrachtgever": "Arabisch aangetoond in gesprek"})
    actions.rank(example_workbook, now=datetime(2026, 6, 30, 10, 15))
    ws = load_workbook(example_workbook)["Ranglijst"]
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert "Bijgewerkt op 30-06-2026 om 10.15 uur door inhuur" in values[1][0]
    counts = {row[0]: row[1] for row in values[5:10]}
    assert counts == {"Voorgedragen": 4, "Loting nodig": 2, "Niet geselecteerd": 3, "Knock-out": 3,
                      "Niet conform": 3}
    table_start = next(i for i, row in enumerate(values) if row[0] == "Rang")
    ranked = values[table_start + 1: table_start + 16]
    assert [r[1] for r in ranked[:4]] == ["I-001", "I-002", "I-003", "I-004"]
    deviation = next(row for row in values if row[0] == "I-002" and row[2] == "G7")
    assert deviation[3:9] == ["Ja", "Nee", "Ja", "Ja", "A. Jansen / M. de Vries",
                              "Geen taal in het cv / Arabisch aangetoond in gesprek"]
    assert values[3][0] == "Alle oordelen zijn gemaakt."


def test_workbooks_round_trip_through_file_objects(tender):
    buffer = io.BytesIO()
    workbook.new_workbook(tender, buffer)
    matrix = workbook.open_workbook(io.BytesIO(buffer.getvalue()))
    assert matrix.tender == tender


def parts(path):
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_rank_rewrites_only_its_own_parts_and_keeps_a_users_chart_and_image(example_workbook):
    from openpyxl.chart import BarChart, Reference
    from openpyxl.drawing.image import Image as XLImage
    from PIL import Image

    wb = load_workbook(example_workbook)
    mine = wb.create_sheet("Grafiek")
    mine.append(["Status", "Aantal"])
    mine.append(["Voorgedragen", 5])
    chart = BarChart()
    chart.add_data(Reference(mine, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    mine.add_chart(chart, "D2")
    logo = example_workbook.parent / "logo.png"
    Image.new("RGB", (20, 10), "red").save(logo)
    mine.add_image(XLImage(str(logo)), "D20")
    wb.save(example_workbook)
    before = parts(example_workbook)
    assert any(n.startswith("xl/charts/") for n in before) and any(n.startswith("xl/media/") for n in before)

    actions.rank(example_workbook)
    after = parts(example_workbook)
    matrix = workbook.open_workbook(example_workbook)
    assert set(after) == set(before)
    owned = {matrix.part(s) for s in ("Ranglijst", "Kandidaten", "Beoordeling")} | {"xl/workbook.xml"}
    assert {n for n in before if before[n] != after[n]} <= owned
    assert all(before[n] == after[n] for n in before if n.startswith(("xl/charts/", "xl/media/", "xl/drawings/")))


def test_import_rewrites_only_the_parts_it_owns(example_workbook, tmp_path):
    before = parts(example_workbook)
    source = tmp_path / "nieuw.csv"
    source.write_bytes(csv_bytes([offer_row(kandidaat="Nog een")]))
    actions.import_offers(example_workbook, source)
    after = parts(example_workbook)
    matrix = workbook.open_workbook(example_workbook)
    owned = {matrix.part(s) for s in ("Kandidaten", "Beoordeling", "Leveranciers", "_register")} | {"xl/workbook.xml"}
    assert {n for n in before if before.get(n) != after.get(n)} <= owned


def _defined_names() -> list[str]:
    from inhuur.spec import load_spec
    from inhuur.workbook.build import build

    # Oordelen_* only list a criterion's findings for the drop-downs on Beoordeling: no formula computes with them
    return sorted(n for n in build(load_spec(EXAMPLE_SPEC)).defined_names if not n.startswith("Oordelen_"))


@pytest.mark.parametrize("name", _defined_names())
def test_check_names_every_changed_tender_constant(workbook_path, name):
    """Every defined name `new` makes is a tender constant the formulas use: changing any one is named by check."""
    wb = load_workbook(workbook_path)
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    cell = wb[sheet][ref.replace("$", "")]
    old = cell.value
    if isinstance(old, datetime):
        new, shown = datetime(2026, 6, 30, 9), "46203.375"
    elif isinstance(old, str):
        new, shown = "Engels", "'Engels'"
    else:
        new = old - 1 if old > 1 else old + 1   # Voldoende 3 -> 2, MinInterviewers 2 -> 1, ...
        shown = str(new)
    cell.value = new
    wb.save(workbook_path)
    with pytest.raises(InvalidWorkbook) as info:
        actions.check(workbook_path)
    [problem] = info.value.problems
    assert problem.where == f"{sheet}!{ref.replace('$', '')}"
    assert problem.text.startswith(f"bevat {shown}, de aanvraag zegt ")
    assert problem.text.endswith(f" ({name}); herstel de waarde")


def test_a_lowered_pass_mark_is_named_with_what_the_request_says(workbook_path, run_cli):
    wb = load_workbook(workbook_path)
    sheet, ref = next(iter(wb.defined_names["Voldoende"].destinations))
    wb[sheet][ref.replace("$", "")] = 2
    wb.save(workbook_path)
    result = run_cli("check", workbook_path)
    assert result.code == 1
    assert f"  - Aanvraag!{ref.replace('$', '')}: bevat 2, de aanvraag zegt 3 (Voldoende); herstel de waarde\n" \
        in result.err


def with_names(path, *definitions: str) -> None:
    """Add definedName elements to a saved workbook's xl/workbook.xml, as a hand-edited or foreign file has them."""
    with zipfile.ZipFile(path) as z:
        parts = {info: z.read(info.filename) for info in z.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts.items():
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"</definedNames>", "".join(definitions).encode() + b"</definedNames>")
            z.writestr(info, data)


@pytest.mark.parametrize("scope, where, text", [
    (' localSheetId="{gunning}"', "Gunning (naam Voldoende)",
     "de naam Voldoende is nog eens vastgelegd voor alleen het blad Gunning (verwijzend naar {target}); de formules op "
     "dat blad gebruiken dan die cel in plaats van de waarde uit de aanvraag. Verwijder die naam via Formules > Namen "
     "beheren (bereik: Gunning)"),
    ("", "naam Voldoende",
     "de naam Voldoende is twee keer vastgelegd voor de werkmap (ook naar {target}); verwijder de tweede via "
     "Formules > Namen beheren, of zet de vorige versie terug (…vorige.xlsx)"),
], ids=["scoped_to_a_sheet", "twice"])
def test_check_names_a_second_definition_of_a_name_the_tool_owns(example_workbook, run_cli, scope, where, text):
    """Gunning's formulas would use a sheet-scoped Voldoende pointing at a cell holding 2 (MinInterviewers)."""
    wb = load_workbook(example_workbook)
    sheet, ref = next(iter(wb.defined_names["MinInterviewers"].destinations))
    target = f"{sheet}!{ref}"
    scope = scope.format(gunning=wb.sheetnames.index("Gunning"))
    with_names(example_workbook, f'<definedName name="Voldoende"{scope}>{target}</definedName>')
    result = run_cli("check", example_workbook)
    assert result.code == 1
    assert f"  - {where}: {text.format(target=target)}\n" in result.err


@pytest.mark.parametrize("sheet, title, typed", [
    ("Brieven", "Datum brief", "01-01-2026"),
    ("Brieven", "Datum brief", datetime(2026, 1, 1)),            # Excel made a date of it: still another day
    ("Verzonden", "Verzonden op", "2026-01-01"),
    ("Verzonden", "Door", "B. Bakker"),
], ids=["letter_date", "letter_date_as_date", "sent_date", "sent_by"])
def test_check_names_a_date_or_sender_changed_on_a_log_sheet(example_workbook, run_cli, tmp_path, sheet, title, typed):
    """_logboek keeps the day and who sent it, so a letter dated or sent another day (or by another) is named."""
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    made = actions.make_letters(example_workbook, tmp_path / "brieven")
    actions.record_sent(example_workbook, made.folder, date.today(), "A. Jansen")
    assert run_cli("check", example_workbook).code == 0
    wb = load_workbook(example_workbook)
    ws = wb[sheet]
    column = columns(ws)[title]
    ws[f"{column}2"] = typed
    wb.save(example_workbook)
    result = run_cli("check", example_workbook)
    assert result.code == 1
    assert f"  - {sheet}!A2: " in result.err and "deze rij is niet door inhuur geschreven (getypt, gekopieerd of " \
                                                 "gewijzigd?)" in result.err


@pytest.mark.parametrize("sheet, titles", [
    ("Brieven", ("ID", "Kandidaat", "Leverancier", "Soort")),
    ("Verzonden", ("ID", "Soort")),
])
def test_check_names_log_rows_whose_offer_or_kind_was_swapped(example_workbook, run_cli, tmp_path, sheet, titles):
    """_logboek keeps each row's ID and kind of letter: two rows that swapped them are named, not 'in orde'."""
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    made = actions.make_letters(example_workbook, tmp_path / "brieven")
    actions.record_sent(example_workbook, made.folder, date.today(), "A. Jansen")
    wb = load_workbook(example_workbook)
    ws = wb[sheet]
    col = columns(ws)
    first, second = 2, next(n for n in range(3, ws.max_row + 1)
                            if ws[f"{col['Soort']}{n}"].value != ws[f"{col['Soort']}2"].value)
    for title in titles:
        a, b = f"{col[title]}{first}", f"{col[title]}{second}"
        ws[a].value, ws[b].value = ws[b].value, ws[a].value
    wb.save(example_workbook)
    result = run_cli("check", example_workbook)
    assert result.code == 1
    for n in (first, second):
        assert f"  - {sheet}!A{n}: " in result.err
    assert "deze rij is niet door inhuur geschreven (getypt, gekopieerd of gewijzigd?)" in result.err


def test_a_log_date_excel_turned_into_a_date_is_the_same_day(example_workbook, run_cli, tmp_path):
    """Excel may store the text 01-07-2026 as a date serial on Brieven and _logboek alike: days are compared."""
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    actions.make_letters(example_workbook, tmp_path / "brieven")
    wb = load_workbook(example_workbook)
    ws = wb["Brieven"]
    column = columns(ws)["Datum brief"]
    ws[f"{column}2"] = datetime.strptime(ws[f"{column}2"].value, "%d-%m-%Y")
    wb.save(example_workbook)
    assert run_cli("check", example_workbook).code == 0


@pytest.mark.parametrize("typed, shown", [
    (None, "is leeg"),
    ("j.devries@flexpro.nl\nm.jansen@flexpro.nl", "'j.devries@flexpro.nl\nm.jansen@flexpro.nl' is geen geldig "
                                                  "e-mailadres (één adres, bijv. naam@leverancier.nl)"),
    ("j.devries@flexpro.nl; m.jansen@flexpro.nl", "'j.devries@flexpro.nl; m.jansen@flexpro.nl' is geen geldig "
                                                  "e-mailadres (één adres, bijv. naam@leverancier.nl)"),
    # they pass the eye, and fail at sending: named by the character
    ("j.brouwer@brouwer-zonen.example\u200b", "'j.brouwer@brouwer-zonen.example\u200b' bevat het onzichtbare teken "
                                              "U+200B; typ het adres opnieuw"),
    ("jörg@example.nl", "'jörg@example.nl' bevat 'ö': een e-mailadres kan hier alleen letters zonder accent, cijfers "
                        "en . _ % + - bevatten"),
], ids=["empty", "two_lines", "two_addresses", "invisible", "accent"])
def test_check_names_an_email_cell_that_import_would_refuse(example_workbook, run_cli, typed, shown):
    letter = type_into(example_workbook, "Kandidaten", "E-mail", 4, typed)
    result = run_cli("check", example_workbook)
    assert result.code == 1
    assert f"  - Kandidaten!{letter}4: {shown}\n" in result.err
    before = example_workbook.read_bytes()
    assert run_cli("letters", example_workbook, "-o", example_workbook.parent / "b").code == 1
    assert example_workbook.read_bytes() == before


def test_a_lot_order_typed_against_the_proces_verbaal_is_named_with_both_cells(example_workbook, run_cli):
    assert run_cli("loting", example_workbook, "--volgorde", "I-006,I-005", "--moment", "01-07-2026 10:00",
                   "--plaats", "Flextender, Hilversum", "--door", "mr. J. Smit, notaris").code == 0
    col = edit(example_workbook, Loting_6=1, Loting_7=2)   # I-005 first, I-006 second: the draw reversed
    before = example_workbook.read_bytes()
    result = run_cli("check", example_workbook)
    assert result.code == 1
    assert (f"  - Kandidaten!{col['Loting']}6: zegt 1, maar volgens het proces-verbaal (Loting!F2) werd I-005 bij de "
            f"loting van 01-07-2026 om 10.00 uur als tweede getrokken; typ 2, of zet de vorige versie terug "
            f"(…vorige.xlsx). De brieven noemen de uitslag van het proces-verbaal\n") in result.err
    assert f"  - Kandidaten!{col['Loting']}7: zegt 2, maar volgens het proces-verbaal (Loting!F2) werd I-006" in result.err
    assert run_cli("letters", example_workbook, "-o", example_workbook.parent / "b").code == 1
    assert example_workbook.read_bytes() == before


# ---------------------------------------------------------------------------------------------- award models

def kandidaten(path, data_only=True) -> dict[str, dict]:
    """Kandidaten rows by id, as {title: value}."""
    ws = load_workbook(path, data_only=data_only)["Kandidaten"]
    titles = [c.value for c in ws[1]]
    return {row[0]: dict(zip(titles, row)) for row in ws.iter_rows(min_row=2, values_only=True)}


def test_a_model_workbook_shows_points_per_criterion_price_and_the_threshold(model_workbook):
    rows = kandidaten(model_workbook)
    shown = {i: (r["G1 punten"], r["G2 punten"], r["Prijs punten"], r["Score"], r["Rang"], r["Status"])
             for i, r in rows.items()}
    assert shown == {"I-001": (10, 10, 20, 40, 1, "Voorgedragen"), "I-002": (0, 5, 17.14, 22.14, 3, "Voorgedragen"),
                     "I-003": (10, 0, 15, 25, 2, "Voorgedragen"),
                     "I-004": (0, 0, 13.33, 13.33, None, "Onder de minimumscore")}
    assert rows["I-002"]["G2 Training"] == "EU-regels"  # the declaration as the level's own label
    book = load_workbook(model_workbook, data_only=True)
    assert [book["Criteria"]["J2"].value, book["Criteria"]["J3"].value] == [60, 90]  # L and H, stored by rank
    formula = load_workbook(model_workbook)["Criteria"]["J2"].value
    assert formula.startswith("=MIN(Kandidaten!$") and book.defined_names["PrijsLaagste"].attr_text == "Criteria!$J$2"
    ranking = [row for row in book["Ranglijst"].iter_rows(values_only=True)]
    assert "Prijs (20 punten, formule relatief): 20 × L ÷ P: het laagste uurtarief krijgt alle 20 punten" in ranking[2][0]
    assert ("Onder de minimumscore", 1) in [tuple(row[:2]) for row in ranking[5:19]]
    assert ("Ingetrokken", 0) not in [tuple(row[:2]) for row in ranking[5:19]]  # shown only where it occurs


def test_a_withdrawal_typed_on_kandidaten_leaves_the_comparison_and_moves_every_price_score(model_workbook):
    type_into(model_workbook, "Kandidaten", "Ingetrokken op", 2, datetime(2026, 7, 2))
    type_into(model_workbook, "Kandidaten", "Reden intrekking", 2, "niet meer beschikbaar")
    report = actions.rank(model_workbook)
    withdrawn = next(r for r in report.results if r.offer.id == "I-001")
    assert (withdrawn.status, withdrawn.offer.withdrawn, withdrawn.offer.withdrawn_reason) == \
        ("withdrawn", datetime(2026, 7, 2).date(), "niet meer beschikbaar")
    rows = kandidaten(model_workbook)
    assert rows["I-001"]["Status"] == "Ingetrokken" and rows["I-001"]["Score"] is None
    # L is now € 70: every price score moves, and I-004 (0 + 0 + 15,56) is no longer below the threshold
    assert {i: (rows[i]["Prijs punten"], rows[i]["Score"], rows[i]["Rang"]) for i in ("I-002", "I-003", "I-004")} == \
        {"I-002": (20, 25, 2), "I-003": (17.5, 27.5, 1), "I-004": (15.56, 15.56, 3)}
    assert load_workbook(model_workbook, data_only=True)["Criteria"]["J2"].value == 70


def test_a_finding_that_is_no_level_is_refused_naming_the_cell(model_workbook, run_cli):
    refs = type_finding(model_workbook, "I-003", "G2", {"Oordeel beoordelaar": "half"})
    before = digest(model_workbook)
    result = run_cli("rank", model_workbook)
    assert result.code == 1
    assert (f"Beoordeling!{refs['Oordeel beoordelaar']}: 'half' is geen niveau van G2; kies uit de keuzelijst: geen, "
            f"EU-regels, beide") in result.err
    assert digest(model_workbook) == before


def test_beoordeling_offers_each_criterions_own_findings(model_workbook):
    book = load_workbook(model_workbook)
    ws = book["Beoordeling"]
    col = columns(ws)
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert {str(dv.sqref).split(":")[0] for dv in lists} == {f"{col['Oordeel beoordelaar']}2",
                                                             f"{col['Oordeel opdrachtgever']}2"}
    assert all(dv.formula1 == f'INDIRECT("Oordelen_"&${col["Code"]}2)' for dv in lists)
    choices = {}
    for code in ("KO1", "G1", "G2"):
        sheet, ref = next(iter(book.defined_names[f"Oordelen_{code}"].destinations))
        choices[code] = [c.value for row in book[sheet][ref.replace("$", "")] for c in row]
    assert choices == {"KO1": ["Ja", "Nee"], "G1": ["Ja", "Nee"], "G2": ["geen", "EU-regels", "beide"]}


def test_cached_points_that_disagree_with_the_engine_are_named(model_workbook):
    from dataclasses import replace
    from decimal import Decimal

    from inhuur import rules

    matrix = workbook.open_workbook(model_workbook)
    results = rules.evaluate(matrix.tender, workbook.require_valid_inputs(matrix))
    assert workbook.cached_disagreements(matrix, results) == []
    results[1] = replace(results[1], points={**results[1].points, "prijs": Decimal("17.13")})
    letter = columns(load_workbook(model_workbook)["Kandidaten"])["Prijs punten"]
    assert [(p.where, p.text) for p in workbook.cached_disagreements(matrix, results)] == \
        [(f"Kandidaten!{letter}3", "het werkboek toont 17.14, de regels geven 17,13")]


def test_graded_findings_are_recorded_and_need_a_motivation_below_the_highest_level(model_workbook, run_cli):
    findings = model_workbook.parent / "oordelen.csv"
    findings.write_bytes(csv_bytes([
        {"id": "I-001", "criterium": "G2", "oordeel": "BEIDE", "motivering": "", "door": "A. Jansen"},
        {"id": "I-003", "criterium": "G2", "oordeel": "eu-regels", "motivering": "", "door": "A. Jansen"}]))
    before = digest(model_workbook)
    result = run_cli("record", model_workbook, "--beoordeling", findings)
    assert result.code == 1 and ("rij 3, kolom D (motivering): I-003 G2: een Nee, of een oordeel dat afwijkt van de "
                                 "opgave van de leverancier, heeft een motivering nodig") in result.err
    assert "rij 2" not in result.err  # the highest level, as declared, needs none
    assert digest(model_workbook) == before
    findings.write_bytes(csv_bytes([
        {"id": "I-001", "criterium": "G2", "oordeel": "BEIDE", "motivering": "", "door": "A. Jansen"},
        {"id": "I-003", "criterium": "G2", "oordeel": "eu-regels", "motivering": "Alleen EU-regels in het cv",
         "door": "A. Jansen"},
        {"id": "I-004", "criterium": "G2", "oordeel": "half", "motivering": "x", "door": "A. Jansen"}]))
    result = run_cli("record", model_workbook, "--beoordeling", findings)
    assert result.code == 1 and "rij 4, kolom C (oordeel): 'half' is geen niveau van G2; kies uit: geen, EU-regels, " \
                                "beide" in result.err
    findings.write_bytes(findings.read_bytes().rsplit(b"\r\nI-004", 1)[0] + b"\r\n")
    assert run_cli("record", model_workbook, "--beoordeling", findings).code == 0
    rows = kandidaten(model_workbook)
    assert (rows["I-001"]["G2 Training"], rows["I-003"]["G2 Training"], rows["I-003"]["G2 punten"]) == \
        ("beide", "EU-regels", 5)
    assert not [p for p in workbook.check(workbook.open_workbook(model_workbook))[1] if "G2" in p.text]
    ranking = list(load_workbook(model_workbook)["Ranglijst"].iter_rows(values_only=True))
    assert ("I-003", "Kandidaat 3", "G2", "geen", "EU-regels", None, "EU-regels") in [row[:7] for row in ranking]
