"""The tender spec: every fact of 30662 is there, and bad specs are refused with the field named."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from conftest import EXAMPLE_SPEC
from inhuur.errors import InvalidSpec, PointsDoNotAddUp
from inhuur.spec import Price, load_spec, parse_spec

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


# --- Award models (DESIGN.md "Award models") ----------------------------------------------------------------------

LEVELS = ('niveaus = [ { oordeel = "geen", punten = 0 }, { oordeel = "max. 3 jaar", punten = 15 }, '
          '{ oordeel = "meer dan 5 jaar", punten = 30 } ]\n')
KO3 = TEXT[TEXT.index('[[knock_out]]\ncode = "KO3"'):TEXT.index('[[gunning]]')]
# 30662 with G4 graded, G7 worth 5 instead of 25 and price worth 20: still 100 points in all.
MODEL = TEXT.replace("punten = 30\n", "punten = 30\n" + LEVELS, 1).replace("punten = 25\n", "punten = 5\n", 1) + \
    '\n[prijs]\npunten = 20\nformule = "relatief"\n'


def test_a_model_with_levels_price_interview_points_and_a_threshold_is_read():
    text = MODEL.replace("totaal_punten = 100", "totaal_punten = 150\nminimale_score = 40").replace(
        "voldoende = 3\n", "voldoende = 3\npunten = 50\n")
    tender = parse_spec(text)
    assert [(lv.label, lv.points) for lv in tender.award[0].levels] == [
        ("geen", 0), ("max. 3 jaar", 15), ("meer dan 5 jaar", 30)]
    assert tender.award[0].level("  MAX. 3 Jaar ").points == 15 and tender.award[0].level("Ja") is None
    assert tender.price == Price(Decimal(20), "relatief", after_withdrawal="vast")
    assert (tender.interviews.points, tender.min_score) == (Decimal(50), Decimal(40))


def test_30662_has_no_award_model_fields(tender):
    assert (tender.price, tender.min_score, tender.interviews.points) == (None, None, None)
    assert all(not a.levels for a in tender.award)


def test_the_cap_as_a_scored_wish_without_a_cap_knock_out():
    text = MODEL.replace(KO3, "").replace('max_uurtarief = "77.50"', "").replace(
        'formule = "relatief"', 'formule = "grens"\ngrens = "49.25"')
    tender = parse_spec(text)
    assert tender.rate_cap is None and [k.code for k in tender.knock_outs] == ["KO1", "KO2"]
    assert tender.price == Price(Decimal(20), "grens", limit=Decimal("49.25"))


def _prijs(fields: str) -> tuple[str, str]:
    return ('formule = "relatief"', fields)


@pytest.mark.parametrize("change, message", [
    (("{ oordeel = \"geen\", punten = 0 }", "{ oordeel = \"Meer dan 5 jaar \", punten = 0 }"),
     "gunning[1].niveaus[3].oordeel: 'meer dan 5 jaar' is al niveau 1 (hoofdletters en spaties tellen niet mee); "
     "geef elk niveau een eigen naam"),
    (("oordeel = \"meer dan 5 jaar\", punten = 30", "oordeel = \"meer dan 5 jaar\", punten = 25"),
     "gunning[1].niveaus: het hoogste niveau geeft 25 punten, niet de 30 van gunning[1].punten; maak die gelijk"),
    (("{ oordeel = \"geen\", punten = 0 }", "{ oordeel = \"geen\", punten = -5 }"),
     "gunning[1].niveaus[1].punten: punten mogen niet negatief zijn"),
    ((LEVELS, 'niveaus = [ { oordeel = "alles", punten = 30 } ]\n'),
     "gunning[1].niveaus: een staffel heeft minstens twee niveaus; een criterium met alleen Ja/Nee heeft geen "
     "niveaus nodig"),
    (("{ oordeel = \"geen\", punten = 0 }", "{ oordeel = \" \", punten = 0 }"),
     "gunning[1].niveaus[1].oordeel: een niveau heeft een naam nodig"),
    (_prijs('formule = "kwadratisch"'), "prijs.formule: 'kwadratisch' onbekend; kies uit relatief, lineair, "
                                         "absoluut, grens"),
    (_prijs('formule = "absoluut"\nbovengrens = "90.00"'),
     'prijs.ondergrens: ontbreekt: formule absoluut rekent met ondergrens en bovengrens (een bedrag, bijv. "60.00")'),
    (_prijs('formule = "absoluut"\nondergrens = "60.00"\nbovengrens = "60.00"'),
     'prijs.bovengrens: "60.00" ligt niet boven prijs.ondergrens ("60.00"): een uurtarief op de ondergrens krijgt '
     'alle punten, op de bovengrens geen'),
    (_prijs('formule = "grens"'),
     'prijs.grens: ontbreekt: formule grens rekent met grens (een bedrag, bijv. "60.00")'),
    (_prijs('formule = "relatief"\ngrens = "49.25"'),
     "prijs.grens: hoort niet bij formule relatief; relatief rekent met het laagste en hoogste uurtarief van de "
     "inschrijvingen, zonder vaste grenzen. Laat het veld weg"),
    (_prijs('formule = "grens"\ngrens = "49.25"\nondergrens = "40.00"'),
     "prijs.ondergrens: hoort niet bij formule grens; grens rekent met grens. Laat het veld weg"),
    (_prijs('formule = "grens"\ngrens = "0"'), "prijs.grens: '0' moet een bedrag groter dan 0 zijn"),
    (_prijs('formule = "absoluut"\nondergrens = "77.50"\nbovengrens = "90.00"'),
     'prijs.ondergrens: ligt niet onder aanvraag.max_uurtarief ("77.50"): elke toegelaten inschrijving zit dan op '
     'of onder de ondergrens en krijgt alle prijspunten; kies een ondergrens onder het maximum'),
    (_prijs('formule = "grens"\ngrens = "80.00"'),
     'prijs.grens: ligt niet onder aanvraag.max_uurtarief ("77.50"): elke toegelaten inschrijving zit dan op of '
     'onder de grens en krijgt alle prijspunten; kies een grens onder het maximum of laat het maximum weg'),
    (_prijs('formule = "relatief"\nna_intrekking = "soms"'),
     "prijs.na_intrekking: 'soms' onbekend; kies vast of herberekenen"),
    (_prijs('formule = "grens"\ngrens = "49.25"\nna_intrekking = "herberekenen"'),
     "prijs.na_intrekking: hoort niet bij formule grens: die hangt niet af van de andere inschrijvingen, dus een "
     "intrekking verandert niets. Laat het veld weg"),
    (("punten = 20\nformule", "punten = 20.005\nformule"),
     "prijs.punten: '20.005' heeft meer dan 2 decimalen; punten tellen tot op 0,01"),
    (('max_uurtarief = "77.50"', ""),
     "knock_out[3].soort: max_uurtarief toetst aanvraag.max_uurtarief, maar dat veld ontbreekt; vul het in of kies "
     "soort oordeel"),
    ((KO3, ""), 'aanvraag.max_uurtarief: geen [[knock_out]] met soort = "max_uurtarief" toetst dit maximum; voeg die '
                'toe of laat het veld weg'),
    (('max_uurtarief = "77.50"', 'max_uurtarief = "0"'), "aanvraag.max_uurtarief: moet een bedrag groter dan 0 zijn"),
    (("totaal_punten = 100", "totaal_punten = 100\nminimale_score = 100.01"),
     "aanvraag.minimale_score: 100.01 is meer dan de 100 punten die stap 2 kan geven (gunningscriteria en prijs, "
     "zonder gesprek): geen inschrijving zou de drempel halen"),
    (("totaal_punten = 100", "totaal_punten = 100\nminimale_score = 0"),
     "aanvraag.minimale_score: punten moeten groter dan 0 zijn"),
])
def test_award_model_refusals_name_the_field_and_the_reason(change, message):
    old, new = change
    assert MODEL.count(old) == 1, old
    with pytest.raises(InvalidSpec) as info:
        parse_spec(MODEL.replace(old, new), "spec.toml")
    assert message in [str(p) for p in info.value.problems], info.value.problems


@pytest.mark.parametrize("change, message", [
    (("voldoende = 3\n", "voldoende = 3\npunten = 50\n"),
     "aanvraag.totaal_punten: de gunningscriteria tellen op tot 150 (G4 30 + G5 20 + G6 20 + G7 5 + G8 5 + prijs 20 "
     "+ gesprek 50), niet tot het opgegeven totaal 100"),
    (("punten = 20\nformule", "punten = 25\nformule"),
     "aanvraag.totaal_punten: de gunningscriteria tellen op tot 105 (G4 30 + G5 20 + G6 20 + G7 5 + G8 5 + prijs 25), "
     "niet tot het opgegeven totaal 100"),
])
def test_price_and_interview_points_count_towards_the_total(change, message):
    with pytest.raises(PointsDoNotAddUp) as info:
        parse_spec(MODEL.replace(*change), "spec.toml")
    assert [str(p) for p in info.value.problems] == [message]


def test_interview_points_need_competencies():
    text = MODEL.replace("voldoende = 3\n", "voldoende = 3\npunten = 50\n").replace(
        "totaal_punten = 100", "totaal_punten = 150")
    text = text[:text.index("[competenties]")] + text[text.index("[gesprekken]"):]
    with pytest.raises(InvalidSpec) as info:
        parse_spec(text, "spec.toml")
    assert [str(p) for p in info.value.problems] == [
        "gesprekken.punten: er zijn geen competenties ([competenties] lijst) om het gesprek mee te scoren; noem ze of "
        "laat punten weg"]
