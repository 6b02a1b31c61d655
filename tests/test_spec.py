"""The tender spec: every fact of 30662 is there, and bad specs are refused with the field named."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from conftest import EXAMPLE_SPEC
from inhuur.errors import InvalidSpec, PointsDoNotAddUp
from inhuur.spec import load_spec, parse_spec

TEXT = EXAMPLE_SPEC.read_text(encoding="utf-8")


def test_example_spec_holds_the_tenders_facts(tender):
    assert (tender.number, tender.title, tender.client) == ("30662", "Klantmanager Inburgering en Participatie",
                                                           "Gemeente Hilversum")
    assert tender.intermediary == "Flextender"
    assert (tender.professionals, tender.shortlist_size) == (2, 5)
    assert tender.rate_cap == Decimal("77.50")
    assert tender.deadline == datetime(2026, 6, 29, 9, 0)
    assert tender.planning["vragen_tot"] == datetime(2026, 6, 25, 9, 0)
    assert tender.planning["antwoorden"] == date(2026, 6, 26)
    assert tender.planning["uitnodigingen_uiterlijk"] == date(2026, 7, 1)
    assert tender.planning["gesprekken"] == datetime(2026, 7, 9, 14, 0)
    assert "Sociaal Plein" in tender.planning["gesprekken_locatie"]
    assert tender.facts["start"] == date(2026, 8, 1)
    assert tender.facts["uren_per_week"] == 32
    assert [(a.code, a.points) for a in tender.award] == [("G4", 30), ("G5", 20), ("G6", 20), ("G7", 25),
                                                          ("G8", 5)]
    assert [k.code for k in tender.knock_outs] == ["KO1", "KO2", "KO3"]
    assert [k.judged for k in tender.knock_outs] == [True, True, False]
    assert len(tender.competencies) == 10 and "Cultuur sensitief" in tender.competencies
    assert {r.code for r in tender.formal} == {"ingediend", "cv_paginas", "cv_taal", "cv_pdf", "referenties",
                                               "dba_onderbouwing", "waadi"}
    assert tender.sender["telefoon"] == "035-7510777"
    assert tender.standstill_days == 20 and tender.standstill_working_day


def test_load_spec_takes_a_file_object():
    assert load_spec(io.BytesIO(TEXT.encode("utf-8"))).number == "30662"


@pytest.mark.parametrize("change, where, words", [
    (("voordragen = 5", "voordragen = 5\nkleur = \"blauw\""), "aanvraag.kleur", "onbekend veld"),
    (("[planning]", "[plannig]"), "plannig", "onbekend onderdeel"),
    (('code = "G5"', 'code = "G4"'), "G4", "meer dan eens"),
    (("sluiting = 2026-06-29T09:00:00", "sluiting = 2026-06-31T09:00:00"), "", "ongeldige datum"),
    (("gesprekken = 2026-07-09T14:00:00", "gesprekken = 2026-06-09T14:00:00"), "planning.gesprekken",
     "vóór"),
    (('soort = "maximaal"', 'soort = "ongeveer"'), "formeel[2].soort", "past niet"),
    (("voordragen = 5", "voordragen = 0"), "aanvraag.voordragen", "minstens 1"),
    (('max_uurtarief = "77.50"', 'max_uurtarief = "zeventig"'), "aanvraag.max_uurtarief", "geen getal"),
    (('nummer = "30662"\n', ""), "aanvraag.nummer", "verplicht"),
])
def test_bad_specs_are_refused_naming_the_field(change, where, words):
    old, new = change
    assert old in TEXT
    with pytest.raises(InvalidSpec) as info:
        parse_spec(TEXT.replace(old, new, 1), "spec.toml")
    assert any(p.where == where and words in p.text for p in info.value.problems), info.value.problems


def test_points_that_do_not_add_up_are_their_own_error():
    with pytest.raises(PointsDoNotAddUp) as info:
        parse_spec(TEXT.replace("punten = 5\n", "punten = 6\n"), "spec.toml")
    text = str(info.value.problems[0])
    assert "101" in text and "100" in text and "G8 6" in text


def test_another_tender_is_another_file_not_code():
    text = TEXT.replace('punten = 5\n', 'punten = 15\n').replace(
        "totaal_punten = 100", "totaal_punten = 110").replace("voordragen = 5", "voordragen = 3")
    tender = parse_spec(text)
    assert tender.shortlist_size == 3 and tender.total_points == 110
