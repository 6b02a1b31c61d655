"""Reading offer files: the CSV variants Dutch Excel writes, XLSX, and a corpus of bad files refused whole."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from conftest import csv_bytes, offer_row
from inhuur import actions
from inhuur.errors import InvalidOfferFile
from inhuur.intake import parse_amount, parse_datetime, parse_line, read_offers
from inhuur.rules import blank


def read(data: bytes, tender):
    return read_offers(io.BytesIO(data), tender, name="inschrijvingen.csv")


@pytest.mark.parametrize("delimiter, encoding", [(";", "utf-8-sig"), (";", "utf-8"), (",", "utf-8-sig"),
                                                 (",", "utf-8"), (";", "cp1252"), ("\t", "utf-16")])
def test_csv_variants_read_the_same(tender, delimiter, encoding):
    rows = [offer_row(leverancier="Brouwer & Zonen", kandidaat="René Müller", uurtarief="€ 77,50"),
            offer_row(kandidaat="Zoë Çelik", uurtarief="70.25", ingediend="2026-06-29T09:00")]
    offers = [r.offer for r in read(csv_bytes(rows, delimiter, encoding), tender)]
    assert [(o.supplier, o.candidate, o.rate) for o in offers] == [
        ("Brouwer & Zonen", "René Müller", Decimal("77.50")), ("Leverancier A", "Zoë Çelik", Decimal("70.25"))]
    assert offers[1].facts["ingediend"] == datetime(2026, 6, 29, 9, 0)
    assert offers[0].facts["waadi"] == "n.v.t."                      # optional column, default
    assert offers[0].judgments["G4"].declared == "Ja"


@pytest.mark.parametrize("text, amount", [
    ("77,50", "77.50"), ("77.50", "77.50"), ("€ 77,50", "77.50"), ("€\u00a077,50", "77.50"), ("€77", "77.00"),
    ("1.077,50", "1077.50"), ("1,077.50", "1077.50"), ("77,-", "77.00"), (" 65,5 ", "65.50"), (77.5, "77.50"),
])
def test_amounts(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text, moment", [
    ("29-06-2026 09:00", datetime(2026, 6, 29, 9)), ("29-6-2026 9:00", datetime(2026, 6, 29, 9)),
    ("29/06/2026 09:00:30", datetime(2026, 6, 29, 9, 0, 30)), ("29-06-2026", datetime(2026, 6, 29)),
    ("2026-06-29T09:00", datetime(2026, 6, 29, 9)), ("2026-06-29 09:00:00", datetime(2026, 6, 29, 9)),
])
def test_dates(text, moment):
    assert parse_datetime(text) == moment


@pytest.mark.parametrize("text", ["\u115f", "\u3164", "\uffa0", "\u2800", "\u0301", "\u034f", " \u3164\u0301 ",
                                  "\u200b\ufeff"])
def test_texts_that_show_nothing_are_blank_and_refused(text):
    assert blank(text)
    with pytest.raises(ValueError, match="^is leeg; vul het in$"):
        parse_line(text)


@pytest.mark.parametrize("text", ["Jose\u0301", "A. Jansen", "\u3164B"])
def test_a_visible_letter_with_a_mark_or_filler_is_text(text):
    assert not blank(text) and parse_line(text) == text


@pytest.mark.parametrize("mark", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                  "\u2069"])
def test_parse_line_refuses_a_control_that_reverses_the_text(mark):
    with pytest.raises(ValueError, match=f"U\\+{ord(mark):04X}, dat de leesrichting van de tekst omdraait"):
        parse_line(f"A. {mark}nesnaJ")


def test_headers_are_matched_loosely(tender):
    rows = [offer_row()]
    header = [h.upper() if h != "email" else "E-mail" for h in rows[0]]
    data = csv_bytes([dict(zip(header, r.values())) for r in rows], header=header)
    assert read(data, tender)[0].offer.email == "piet@a.example"


def test_empty_trailing_rows_are_ignored_and_rows_keep_excel_numbers(tender):
    data = csv_bytes([offer_row(), offer_row(kandidaat="K2")]) + b";;;;;;;;;\r\n\r\n"
    assert [r.row for r in read(data, tender)] == [2, 3]


def test_formula_like_text_is_kept_as_text(tender):
    rows = read(csv_bytes([offer_row(leverancier="@Home Detachering", kandidaat="=HYPERLINK(\"x\")")]), tender)
    assert (rows[0].offer.supplier, rows[0].offer.candidate) == ("@Home Detachering", '=HYPERLINK("x")')


def test_xlsx_offers(tender):
    wb = Workbook()
    ws = wb.active
    row = offer_row()
    ws.append(list(row))
    values = list(row.values())
    values[4], values[5], values[6] = 77.5, datetime(2026, 6, 28, 10), 4
    ws.append(values)
    buffer = io.BytesIO()
    wb.save(buffer)
    offer = read_offers(io.BytesIO(buffer.getvalue()), tender, name="x.xlsx")[0].offer
    assert (offer.rate, offer.facts["ingediend"], offer.facts["cv_paginas"]) == (
        Decimal("77.50"), datetime(2026, 6, 28, 10), 4)


BAD_FILES = {
    "rate_not_an_amount": ([offer_row(), offer_row(kandidaat="K2", uurtarief="77,5x")],
                           "rij 3, kolom E (uurtarief)", "'77,5x' is geen bedrag"),
    "rate_three_decimals": ([offer_row(uurtarief="77,505")], "rij 2, kolom E (uurtarief)", "meer dan 2 decimalen"),
    "rate_negative": ([offer_row(uurtarief="-70")], "rij 2, kolom E (uurtarief)", "geen bedrag"),
    "candidate_missing": ([offer_row(), offer_row(kandidaat="")], "rij 3, kolom D (kandidaat)", "is leeg"),
    "judgment_not_yes_no": ([offer_row(G7="Misschien")], "rij 2, kolom Q (G7)", "'Misschien' is geen Ja of Nee"),
    "impossible_date": ([offer_row(ingediend="31-06-2026 09:00")], "rij 2, kolom F (ingediend)",
                        "geen bestaande datum"),
    "pages_in_words": ([offer_row(cv_paginas="vijf")], "rij 2, kolom G (cv_paginas)", "geen geheel getal"),
    "bad_email": ([offer_row(email="piet at a")], "rij 2, kolom C (email)", "geen geldig e-mailadres"),
    "email_invisible": ([offer_row(email="piet@a.example\ufeff")], "rij 2, kolom C (email)",
                        "bevat het onzichtbare teken U+FEFF; typ het adres opnieuw"),
    "email_accent": ([offer_row(email="jörg@example.nl")], "rij 2, kolom C (email)",
                     "'jörg@example.nl' bevat 'ö': een e-mailadres kan hier alleen letters zonder accent, cijfers en "
                     ". _ % + - bevatten"),
    "duplicate_offer": ([offer_row(), offer_row(kandidaat=" kandidaat  1")], "rij 3",
                        "dubbele inschrijving: Leverancier A bood kandidaat  1 al aan in rij 2"),
    "unknown_column": ([offer_row(uurtaief="70")], "rij 1, kolom S", "onbekende kolom 'uurtaief'"),
    "bad_waadi": ([offer_row(waadi="soms")], "rij 2, kolom S (waadi)", "geen Ja, Nee of n.v.t."),
    "supplier_longer_than_a_cell": ([offer_row(), offer_row(leverancier="L" * 32768)], "rij 3, kolom A (leverancier)",
                                    "is langer dan 32767 tekens, de grens van een Excel-cel (deze tekst heeft er "
                                    "32768); kort de tekst in"),
    "email_longer_than_a_cell": ([offer_row(email="a" * 32760 + "@b.example")], "rij 2, kolom C (email)",
                                 "(deze tekst heeft er 32770)"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_whole_and_the_workbook_stays_byte_identical(case, workbook_path, tender):
    rows, where, text = BAD_FILES[case]
    path = workbook_path.parent / f"{case}.csv"
    path.write_bytes(csv_bytes(rows))
    before = hashlib.sha256(workbook_path.read_bytes()).hexdigest()
    with pytest.raises(InvalidOfferFile) as info:
        actions.import_offers(workbook_path, path)
    assert any(p.where == where and text in p.text for p in info.value.problems), info.value.problems
    assert hashlib.sha256(workbook_path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in workbook_path.parent.iterdir()) == sorted(["aanvraag.xlsx", path.name])


@pytest.mark.parametrize("data, text", [
    (b"", "leeg"),
    (csv_bytes([], header=list(offer_row())), "geen inschrijvingen"),
    (b"\x81\x8d\x8f\x90\x9d;x\r\n", "geen UTF-8 of Windows-1252"),
    (b"alleen een kolom\r\n", "geen scheidingsteken"),
    (csv_bytes([offer_row()], header=[h for h in offer_row() if h != "KO2"]), "ontbrekende kolom(men): KO2"),
    (b"PK\x03\x04 kapot", "geen leesbaar Excel-bestand"),
])
def test_broken_files_are_refused(tender, data, text):
    with pytest.raises(InvalidOfferFile) as info:
        read(data, tender)
    assert any(text in p.text for p in info.value.problems), info.value.problems


def test_a_column_twice_is_refused_naming_both_columns(tender):
    """Two columns that are the same after normalisation (case, spaces, an alias): which one counts is not guessed."""
    header = list(offer_row()) + ["Kandidaat ", "E-mail"]
    row = dict(offer_row(), **{"Kandidaat ": "Iemand anders", "E-mail": "ander@a.example"})
    with pytest.raises(InvalidOfferFile) as info:
        read(csv_bytes([row], header=header), tender)
    assert [str(p) for p in info.value.problems] == [
        "rij 1, kolommen D en S: de kolom kandidaat staat er twee keer in ('kandidaat' en 'Kandidaat '); laat er één "
        "staan, zodat vaststaat welke waarde telt",
        "rij 1, kolommen C en T: de kolom email staat er twee keer in ('email' en 'E-mail'); laat er één staan, "
        "zodat vaststaat welke waarde telt"]


def test_all_bad_rows_are_reported_at_once(tender):
    rows = [offer_row(uurtarief="x"), offer_row(kandidaat="K2", G4="?"), offer_row(kandidaat="K3")]
    with pytest.raises(InvalidOfferFile) as info:
        read(csv_bytes(rows), tender)
    assert [p.where for p in info.value.problems] == ["rij 2, kolom E (uurtarief)", "rij 3, kolom N (G4)"]
