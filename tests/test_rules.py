"""The rules engine against cases taken straight from the tender text of 30662."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import make_offer
from inhuur import rules
from inhuur.rules import Judgment, evaluate, rank


def by_id(results):
    return {r.offer.id: r for r in results}


@pytest.mark.parametrize("rate, status, failed", [
    ("77.50", rules.SHORTLISTED, ()),          # "maximaal € 77,50": exactly the cap passes
    ("77.51", rules.KNOCKED_OUT, ("KO3",)),    # one cent over fails
    ("0.01", rules.SHORTLISTED, ()),
])
def test_rate_cap_knock_out(tender, rate, status, failed):
    result = evaluate(tender, [make_offer("A", "G4", rate=rate)])[0]
    assert (result.status, result.failed) == (status, failed)


@pytest.mark.parametrize("codes, points", [
    ("", 0), ("G4", 30), ("G5", 20), ("G6", 20), ("G7", 25), ("G8", 5), ("G4 G5 G6 G7 G8", 100), ("G4 G8", 35),
])
def test_each_award_criterion_gives_all_its_points(tender, codes, points):
    result = evaluate(tender, [make_offer("A", codes)])[0]
    assert result.score == Decimal(points)


@pytest.mark.parametrize("facts, failed", [
    ({"ingediend": datetime(2026, 6, 29, 9, 0)}, ()),                  # on the deadline minute: on time
    ({"ingediend": datetime(2026, 6, 29, 9, 0, 1)}, ("ingediend",)),   # a second late
    ({"cv_paginas": 5}, ()), ({"cv_paginas": 6}, ("cv_paginas",)),
    ({"cv_taal": "nederlands"}, ()), ({"cv_taal": "Engels"}, ("cv_taal",)),
    ({"cv_pdf": "Nee"}, ("cv_pdf",)),
    ({"referenties": 2}, ()), ({"referenties": 1}, ("referenties",)),
    ({"dba_onderbouwing": "Nee"}, ("dba_onderbouwing",)),
    ({"waadi": "Nee"}, ("waadi",)), ({"waadi": "Ja"}, ()), ({"waadi": "n.v.t."}, ()),
])
def test_formal_requirements(tender, facts, failed):
    result = evaluate(tender, [make_offer("A", "G4", facts=facts)])[0]
    assert result.failed == failed
    assert result.status == (rules.NON_CONFORMING if failed else rules.SHORTLISTED)


def test_non_conforming_lists_formal_then_knock_out_failures_and_gets_no_score(tender):
    offer = make_offer("A", "G4", rate="80.00", facts={"cv_paginas": 9},
                       judgments={"KO1": Judgment(declared="Nee")})
    result = evaluate(tender, [offer])[0]
    assert result.status == rules.NON_CONFORMING
    assert result.failed == ("cv_paginas", "KO1", "KO3")
    assert (result.score, result.rank) == (None, None)


@pytest.mark.parametrize("code", ["KO1", "KO2"])
def test_judged_knock_outs(tender, code):
    result = evaluate(tender, [make_offer("A", "G4 G5", judgments={code: Judgment(declared="Nee")})])[0]
    assert (result.status, result.failed, result.score) == (rules.KNOCKED_OUT, (code,), None)


def test_tie_on_score_is_decided_by_the_rate(tender):
    results = by_id(evaluate(tender, [make_offer("DEAR", "G4 G5", rate="75.00"),
                                      make_offer("CHEAP", "G4 G5", rate="60.00")]))
    assert (results["CHEAP"].rank, results["DEAR"].rank) == (1, 2)


def six_offers_with_a_tie_at_place_five():
    return [make_offer("A", "G4 G5 G6 G7 G8"), make_offer("B", "G4 G5 G6 G7"), make_offer("C", "G4 G5 G6"),
            make_offer("D", "G4 G5"), make_offer("E", "G4", rate="70.00"), make_offer("F", "G4", rate="70.00")]


def test_tie_on_score_and_rate_at_place_five_is_never_broken_silently(tender):
    results = by_id(evaluate(tender, six_offers_with_a_tie_at_place_five()))
    assert [results[x].status for x in "ABCD"] == [rules.SHORTLISTED] * 4
    assert results["E"].status == results["F"].status == rules.TIE_UNRESOLVED
    assert results["E"].rank == results["F"].rank == 5
    assert results["E"].tie_group == ("E", "F")


def test_recorded_lot_breaks_the_tie(tender):
    offers = six_offers_with_a_tie_at_place_five()
    offers[4] = make_offer("E", "G4", rate="70.00", lot=2)
    offers[5] = make_offer("F", "G4", rate="70.00", lot=1)
    results = by_id(evaluate(tender, offers))
    assert (results["F"].rank, results["F"].status) == (5, rules.SHORTLISTED)
    assert (results["E"].rank, results["E"].status) == (6, rules.NOT_SELECTED)


def test_a_lot_decides_only_while_its_tie_straddles_the_shortlist_boundary(tender):
    offers = six_offers_with_a_tie_at_place_five()
    offers[4] = make_offer("E", "G4", rate="70.00", lot=2)
    offers[5] = make_offer("F", "G4", rate="70.00", lot=1)
    assert [r.lot_decides for r in evaluate(tender, offers)[4:]] == [True, True]
    later = evaluate(tender, offers + [make_offer("G", "G4 G5 G6 G7 G8", rate="60.00")])  # a better offer arrives
    assert [(r.rank, r.status, r.lot_decides) for r in later[4:6]] == [(7, rules.NOT_SELECTED, False),
                                                                        (6, rules.NOT_SELECTED, False)]
    alone = evaluate(tender, [make_offer("A", "G4", lot=1)])   # a lot number without a tie
    assert alone[0].lot_decides is False


def test_a_partly_recorded_lot_is_ignored(tender):
    offers = six_offers_with_a_tie_at_place_five()
    offers[5] = make_offer("F", "G4", rate="70.00", lot=1)
    results = by_id(evaluate(tender, offers))
    assert results["E"].status == results["F"].status == rules.TIE_UNRESOLVED


def test_tie_inside_the_shortlist_shares_a_rank_and_needs_no_lot(tender):
    offers = [make_offer("A", "G4"), make_offer("B", "G4"), make_offer("C", "G5")]
    results = by_id(evaluate(tender, offers))
    assert [results[x].rank for x in "ABC"] == [1, 1, 3]
    assert all(r.status == rules.SHORTLISTED for r in results.values())


def test_tie_wholly_below_the_shortlist_needs_no_lot(tender):
    offers = [make_offer(x, "G4 G5 G6 G7") for x in "ABCDE"] + [make_offer("F", "G8"), make_offer("G", "G8")]
    results = by_id(evaluate(tender, offers))
    assert results["F"].rank == results["G"].rank == 6
    assert results["F"].status == results["G"].status == rules.NOT_SELECTED


@pytest.mark.parametrize("judgment, met", [
    (Judgment(declared="Ja"), True),
    (Judgment(declared="Ja", assessor="Nee"), False),                  # the assessor's finding counts
    (Judgment(declared="Nee", assessor="Ja"), True),
    (Judgment(declared="Ja", assessor="Nee", client="Ja"), True),      # the client's finding leads
    (Judgment(declared="Nee", assessor="Ja", client="Nee"), False),
    (Judgment(declared="Nee", client="ja"), True),                     # any case
    (Judgment(), False),                                                # nothing shown: not met
])
def test_findings_lead_over_declarations(tender, judgment, met):
    result = evaluate(tender, [make_offer("A", "", judgments={"G4": judgment})])[0]
    assert result.score == (30 if met else 0)


def test_client_overruling_a_knock_out_brings_the_offer_back(tender):
    offer = make_offer("A", "G5", judgments={"KO2": Judgment(declared="Ja", assessor="Nee", client="Ja")})
    assert evaluate(tender, [offer])[0].status == rules.SHORTLISTED
    assert offer.judgments["KO2"].deviates


def test_deviation_is_detected_only_where_findings_differ():
    assert not Judgment(declared="Ja", assessor="ja").deviates
    assert Judgment(declared="Ja", assessor="Nee").deviates
    assert not Judgment(declared="Nee").deviates


def test_fewer_eligible_offers_than_places_are_all_shortlisted(tender):
    results = evaluate(tender, [make_offer("A", "G4"), make_offer("B", "")])
    assert [r.status for r in results] == [rules.SHORTLISTED, rules.SHORTLISTED]


def test_rank_docstring_example():
    entries = [("A", Decimal(80), Decimal("70.00"), None), ("B", Decimal(75), Decimal("65.00"), None),
               ("C", Decimal(75), Decimal("65.00"), None), ("D", Decimal(75), Decimal("70.00"), None),
               ("E", Decimal(60), Decimal("50.00"), None)]
    placed = rank(entries)
    assert {k: (p.rank, p.shared) for k, p in placed.items()} == {
        "A": (1, 1), "B": (2, 2), "C": (2, 2), "D": (4, 1), "E": (5, 1)}
    entries[1] = ("B", Decimal(75), Decimal("65.00"), 2)
    entries[2] = ("C", Decimal(75), Decimal("65.00"), 1)
    placed = rank(entries)
    assert [placed[k].rank for k in "ABCDE"] == [1, 3, 2, 4, 5]


entries_strategy = st.lists(
    st.tuples(st.sampled_from([Decimal(x) for x in (0, 5, 25, 50, 75)]),
              st.sampled_from([Decimal(x) for x in ("60.00", "70.00", "77.50")]),
              st.one_of(st.none(), st.integers(1, 3))),
    max_size=25)


@given(entries_strategy)
def test_rank_matches_the_counting_definition_and_does_not_mutate(raw):
    entries = [(f"X{i}", s, r, lot) for i, (s, r, lot) in enumerate(raw)]
    before = list(entries)
    placed = rank(entries)
    assert entries == before
    for offer_id, s, r, lot in entries:
        group = [e for e in entries if e[1] == s and e[2] == r]
        use_lot = len(group) > 1 and all(e[3] is not None for e in group)
        better = sum(1 for e in entries if e[1] > s or (e[1] == s and e[2] < r))
        better += sum(1 for e in group if use_lot and e[3] < lot)
        shared = sum(1 for e in group if e[3] == lot) if use_lot else len(group)
        assert placed[offer_id] == rules.Placing(better + 1, shared)


def test_ranking_order_puts_ranked_first_then_knock_outs_then_non_conforming(tender):
    offers = [make_offer("I-003", "G4", facts={"cv_pdf": "Nee"}), make_offer("I-002", "G4", rate="99.00"),
              make_offer("I-010", "G5"), make_offer("I-001", "G4")]
    order = [r.offer.id for r in rules.ranking_order(evaluate(tender, offers))]
    assert order == ["I-001", "I-010", "I-002", "I-003"]


@pytest.mark.parametrize("year, sunday", [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                          (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
                                          (2028, date(2028, 4, 16))])
def test_easter(year, sunday):
    assert rules.easter(year) == sunday


def test_koningsdag_moves_to_saturday_when_the_27th_is_a_sunday():
    assert date(2025, 4, 26) in rules.public_holidays(2025) and date(2025, 4, 27) not in rules.public_holidays(2025)
    assert date(2026, 4, 27) in rules.public_holidays(2026)


@pytest.mark.parametrize("sent, days, working_day_rule, end", [
    (date(2026, 7, 10), 20, True, date(2026, 7, 30)),     # Thursday: nothing to move
    (date(2026, 7, 1), 10, True, date(2026, 7, 13)),      # Saturday -> Monday
    (date(2026, 7, 1), 10, False, date(2026, 7, 11)),     # without the rule it stays on Saturday
    (date(2026, 4, 7), 20, True, date(2026, 4, 28)),      # Koningsdag (Monday 27 April) -> Tuesday
    (date(2026, 4, 7), 20, False, date(2026, 4, 27)),
    (date(2026, 12, 5), 20, True, date(2026, 12, 28)),    # Christmas Friday, Boxing Day Saturday, Sunday -> Monday
    (date(2026, 12, 5), 20, False, date(2026, 12, 25)),
    (date(2027, 3, 9), 20, True, date(2027, 3, 30)),      # Easter Monday 29 March 2027 -> Tuesday
    (date(2026, 3, 13), 20, True, date(2026, 4, 2)),      # Thursday before Good Friday: Good Friday is no holiday here
    (date(2026, 4, 25), 10, True, date(2026, 5, 6)),      # Bevrijdingsdag, Tuesday 5 May 2026 -> Wednesday
])
def test_standstill_end(sent, days, working_day_rule, end):
    assert rules.standstill_end(sent, days, working_day_rule) == end
