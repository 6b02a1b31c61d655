"""The rules engine against cases taken straight from the tender text of 30662."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import EXAMPLE_SPEC, make_offer
from inhuur import rules
from inhuur.rules import Judgment, evaluate, rank
from inhuur.spec import PRICE_BOUNDS, AwardCriterion, Level, Price, load_spec


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


# --- Award models (DESIGN.md "Award models"): levels, price formulas, threshold, withdrawal ---------------------

def priced(tender, formula="relatief", points="20", after="vast", **bounds):
    """30662 without a rate cap, with price as an extra award criterion (bounds as strings: lower, upper, limit)."""
    bounds = {k: Decimal(v) for k, v in bounds.items()}
    return replace(tender, price=Price(Decimal(points), formula, after_withdrawal=after, **bounds), rate_cap=None,
                   knock_outs=tuple(k for k in tender.knock_outs if k.judged))


def price_of(results):
    return {r.offer.id: r.points[rules.PRICE] for r in results if r.score is not None}


@pytest.mark.parametrize("formula, bounds, rates, expected", [
    # relatief: 20 × L / P, L the lowest rate compared
    ("relatief", {}, ["60.00", "70.00", "80.00"], ["20", "17.14", "15"]),
    ("relatief", {}, ["65.00"], ["20"]),                                        # one offer: P = L
    # lineair: 20 × (H − P) / (H − L); all points when H = L
    ("lineair", {}, ["60.00", "71.00", "80.00"], ["20", "9", "0"]),
    ("lineair", {}, ["60.00", "67.77", "80.00"], ["20", "12.23", "0"]),
    ("lineair", {}, ["70.00", "70.00"], ["20", "20"]),                          # equal rates
    ("lineair", {}, ["70.00"], ["20"]),                                         # one offer
    # absoluut: 20 × (90 − P) / (90 − 60), kept within [0, 20]
    ("absoluut", {"lower": "60.00", "upper": "90.00"}, ["60.00", "90.00", "70.00", "75.00"], ["20", "0", "13.33", "10"]),
    ("absoluut", {"lower": "60.00", "upper": "90.00"}, ["55.00", "95.00"], ["20", "0"]),   # beyond both bounds
    ("absoluut", {"lower": "60.00", "upper": "90.00"}, ["59.99", "90.01"], ["20", "0"]),
    # grens: the cap as a scored wish, "maximum uurtarief € 49,25: 10 punten"
    ("grens", {"limit": "49.25"}, ["49.25", "49.26", "30.00"], ["20", "0", "20"]),
])
def test_each_price_formula_on_hand_computed_cases(tender, formula, bounds, rates, expected):
    offers = [make_offer(f"I-{n}", "", rate=rate) for n, rate in enumerate(rates)]
    got = price_of(evaluate(priced(tender, formula, **bounds), offers))
    assert [got[o.id] for o in offers] == [Decimal(x) for x in expected]


def test_the_cap_as_a_scored_wish_is_ten_points_at_49_25_and_none_at_49_26(tender):
    wish = priced(tender, "grens", points="10", limit="49.25")
    results = by_id(evaluate(wish, [make_offer("AT", "G4", rate="49.25"), make_offer("OVER", "G4", rate="49.26")]))
    assert (results["AT"].score, results["OVER"].score) == (Decimal("40"), Decimal("30"))
    assert (results["AT"].rank, results["OVER"].rank) == (1, 2)


@pytest.mark.parametrize("formula, bounds, rates, points, expected", [
    ("absoluut", {"lower": "60.00", "upper": "100.00"}, ["79.80"], "25", "12.63"),  # 12.625: half up, not to even
    ("absoluut", {"lower": "60.00", "upper": "100.00"}, ["99.80"], "25", "0.13"),   # 0.125
    ("relatief", {}, ["50.00", "160.00"], "10", "3.13"),                              # 10 × 50 / 160 = 3.125
])
def test_points_are_rounded_half_away_from_zero_at_x_xx5(tender, formula, bounds, rates, points, expected):
    offers = [make_offer(f"I-{n}", "", rate=rate) for n, rate in enumerate(rates)]
    got = price_of(evaluate(priced(tender, formula, points, **bounds), offers))
    assert got[offers[-1].id] == Decimal(expected)


def test_share_is_exact():
    assert rules.share(Decimal(20), Decimal(60), Decimal(70)) == Decimal("17.14")
    assert rules.share(Decimal(10), Decimal(50), Decimal(160)) == Decimal("3.13")
    assert rules.share(Decimal(1), Decimal("-0.125"), Decimal(10)) == Decimal("-0.01")   # -0.0125: away from zero
    assert rules.share(Decimal(1), Decimal("1"), Decimal("3")) == Decimal("0.33")


def test_a_tie_made_by_two_computed_price_scores_is_decided_by_the_rate_then_the_lot(tender):
    # relatief, 40 points, L = € 60: A 30 + 39.98 (39.98001) = 69.98; B 35 + 34.98 (34.98032) = 69.98.
    # Unrounded B would lead; the rounded totals tie exactly, so the lower rate (A) goes first.
    # C and D tie on score and rate as well; their recorded lot decides.
    offers = [make_offer("X", "", rate="60.00"), make_offer("A", "G4", rate="60.03"),
              make_offer("B", "G4 G8", rate="68.61"),
              make_offer("C", "G5", rate="75.00", lot=2), make_offer("D", "G5", rate="75.00", lot=1)]
    results = by_id(evaluate(priced(tender, points="40"), offers))
    assert results["A"].score == results["B"].score == Decimal("69.98")
    assert (results["A"].rank, results["B"].rank) == (1, 2)
    assert results["A"].points == {"G4": 30, "G5": 0, "G6": 0, "G7": 0, "G8": 0, "prijs": Decimal("39.98")}
    assert (results["D"].rank, results["C"].rank) == (3, 4)


def test_graded_criterion_gives_the_points_of_the_level_named_without_case_or_spaces(tender):
    levels = (Level("geen", Decimal(0)), Level("Europese aanbestedingsregels", Decimal(5)),
              Level("Ontwikkelingen inkoopgebied", Decimal(5)), Level("beide", Decimal(10)))
    graded = replace(tender, award=(AwardCriterion("G4", Decimal(10), "Actualiteitstraining", levels=levels),
                                    *tender.award[1:]))
    cases = {"BOTH": Judgment(declared="Ja", assessor="  BEIDE "), "EU": Judgment(declared="europese aanbestedingsregels"),
             "NONE": Judgment(declared="geen"), "JA": Judgment(declared="Ja"), "OPEN": Judgment()}
    offers = [make_offer(k, "G5", judgments={"G4": j}) for k, j in cases.items()]
    got = {k: r.points["G4"] for k, r in by_id(evaluate(graded, offers)).items()}
    assert got == {"BOTH": 10, "EU": 5, "NONE": 0, "JA": 0, "OPEN": 0}   # Ja is no level of a graded criterion


def test_an_offer_below_the_minimum_score_is_not_ranked_but_its_rate_still_sets_l(tender):
    threshold = replace(priced(tender), min_score=Decimal("40.00"))
    offers = [make_offer("CHEAP", "", rate="50.00"), make_offer("A", "G4", rate="60.00"),
              make_offer("B", "G5", rate="100.00")]
    results = by_id(evaluate(threshold, offers))
    # L = € 50 (CHEAP is scored in step 2): A 30 + 16.67 = 46.67; B 20 + 10 = 30; CHEAP 0 + 20 = 20
    assert (results["CHEAP"].status, results["CHEAP"].score, results["CHEAP"].rank) == (
        rules.BELOW_THRESHOLD, Decimal(20), None)
    assert (results["B"].status, results["B"].rank) == (rules.BELOW_THRESHOLD, None)
    assert (results["A"].status, results["A"].score, results["A"].rank) == (rules.SHORTLISTED, Decimal("46.67"), 1)
    exactly = replace(threshold, min_score=Decimal("46.67"))
    assert by_id(evaluate(exactly, offers))["A"].status == rules.SHORTLISTED         # at the threshold: ranked
    above = replace(threshold, min_score=Decimal("46.68"))
    assert by_id(evaluate(above, offers))["A"].status == rules.BELOW_THRESHOLD
    assert [r.offer.id for r in rules.ranking_order(evaluate(above, offers))] == ["A", "B", "CHEAP"]  # by id


def reversal_offers(withdrawn=None):
    # relatief, 80 points. With W (€ 30) in: L = 30, B 0 + 40 = 40, C 20 + 24 = 44: C ahead.
    # Without W: L = 60, B 0 + 80 = 80, C 20 + 48 = 68: B ahead (rank reversal).
    return [make_offer("W", "", rate="30.00", withdrawn=withdrawn, withdrawn_reason="niet meer beschikbaar"),
            make_offer("B", "", rate="60.00"), make_offer("C", "G5", rate="100.00")]


@pytest.mark.parametrize("after, sent, order, scores", [
    ("vast", None, ["B", "C"], ("80", "68")),                       # letters not sent: W simply leaves
    ("herberekenen", None, ["B", "C"], ("80", "68")),
    ("vast", rules.PriceRange(Decimal("30.00"), Decimal("100.00")), ["C", "B"], ("40", "44")),  # L stays € 30
    ("herberekenen", rules.PriceRange(Decimal("30.00"), Decimal("100.00")), ["B", "C"], ("80", "68")),
])
def test_a_withdrawal_changes_l_and_can_reverse_the_order(tender, after, sent, order, scores):
    model = priced(tender, points="80", after=after)
    before = by_id(evaluate(model, reversal_offers()))
    assert [before[x].rank for x in "WCB"] == [1, 2, 3]
    results = by_id(evaluate(model, reversal_offers(withdrawn=date(2026, 7, 2)), sent))
    assert (results["W"].status, results["W"].score, results["W"].rank, results["W"].open) == (
        rules.WITHDRAWN, None, None, ())
    assert sorted("BC", key=lambda x: results[x].rank) == order
    assert (results["B"].score, results["C"].score) == tuple(Decimal(s) for s in scores)


def test_a_fixed_price_formula_ignores_the_sent_range(tender):
    model = priced(tender, "absoluut", lower="60.00", upper="90.00")
    results = evaluate(model, [make_offer("A", "", rate="70.00")], rules.PriceRange(Decimal(1), Decimal(2)))
    assert results[0].points[rules.PRICE] == Decimal("13.33")


TENDER_30662 = load_spec(EXAMPLE_SPEC)
AWARD_CODES = [a.code for a in TENDER_30662.award]


@given(st.lists(st.tuples(st.sets(st.sampled_from(AWARD_CODES)), st.sampled_from(["60.00", "70.00", "77.50"]),
                          st.one_of(st.none(), st.integers(1, 2))), max_size=12))
def test_30662_scores_are_unchanged_and_its_points_are_its_criteria(raw):
    offers = [make_offer(f"I-{n}", " ".join(codes), rate=rate, lot=lot) for n, (codes, rate, lot) in enumerate(raw)]
    for r in evaluate(TENDER_30662, offers):
        met = {c for c, j in r.offer.judgments.items() if j.met}
        assert r.score == sum((a.points for a in TENDER_30662.award if a.code in met), Decimal(0))
        assert list(r.points) == AWARD_CODES and all(r.points[c] == (a.points if c in met else 0)
                                                     for c, a in zip(AWARD_CODES, TENDER_30662.award))


@st.composite
def award_models(draw):
    """A random award model on 30662's offers: graded or binary criteria, each formula, a threshold, an offer set."""
    award = []
    for a in TENDER_30662.award:
        if draw(st.booleans()):
            low = draw(st.decimals(0, a.points, places=2))
            award.append(replace(a, levels=(Level("laag", low), Level("hoog", a.points), Level("geen", Decimal(0)))))
        else:
            award.append(a)
    formula = draw(st.sampled_from(list(PRICE_BOUNDS)))
    bounds = {"absoluut": {"lower": Decimal("55.00"), "upper": Decimal("80.00")},
              "grens": {"limit": Decimal("65.00")}}.get(formula, {})
    price = Price(draw(st.decimals("0.01", 40, places=2)), formula,
                  after_withdrawal=draw(st.sampled_from(["vast", "herberekenen"])), **bounds)
    step2 = sum((a.points for a in award), price.points)
    min_score = draw(st.one_of(st.none(), st.decimals(1, step2, places=2)))
    return replace(TENDER_30662, award=tuple(award), price=price, min_score=min_score), step2


@given(award_models(), st.lists(st.tuples(
    st.dictionaries(st.sampled_from(AWARD_CODES), st.sampled_from(["Ja", "Nee", "laag", "HOOG ", "geen"])),
    st.decimals("40.00", "77.50", places=2), st.one_of(st.none(), st.integers(1, 2)), st.booleans()),
    min_size=1, max_size=10), st.one_of(st.none(), st.just(rules.PriceRange(Decimal("45.00"), Decimal("77.50")))))
def test_random_models_score_within_bounds_in_cents_and_rank_by_the_tie_rule(model, raw, sent):
    tender, step2 = model
    offers = [make_offer(f"I-{n}", "", rate=str(rate), lot=lot, withdrawn=date(2026, 7, 2) if gone else None,
                         judgments={c: Judgment(declared=v) for c, v in found.items()})
              for n, (found, rate, lot, gone) in enumerate(raw)]
    before = list(offers)
    results = evaluate(tender, offers, sent)
    assert offers == before and [r.offer for r in results] == offers                     # pure, input order
    for r in results:
        if r.offer.withdrawn:
            assert (r.status, r.score) == (rules.WITHDRAWN, None)
            continue
        assert 0 <= r.score <= step2
        assert all(0 <= v <= (tender.price.points if c == rules.PRICE else tender.criterion(c).points)
                   and v == v.quantize(Decimal("0.01")) for c, v in r.points.items())
        assert r.score == sum(r.points.values())
        assert (r.rank is None) == (tender.min_score is not None and r.score < tender.min_score)
    ranked = [r for r in results if r.rank is not None]
    for a in ranked:
        for b in ranked:
            tie = (a.score, a.offer.rate) == (b.score, b.offer.rate)
            lots = tie and all(r.offer.lot is not None for r in ranked if (r.score, r.offer.rate) == (a.score, a.offer.rate))
            ahead = a.score > b.score or (a.score == b.score and a.offer.rate < b.offer.rate) or \
                (lots and a.offer.lot < b.offer.lot)
            assert (a.rank < b.rank) == ahead


def test_work_list_scores_the_best_case_with_price_and_threshold(tender):
    model = replace(priced(tender), min_score=Decimal("45"))
    # OUT is knocked out on a declaration only; its best case (KO1 Ja) is 30 + 20 = 50: it could enter.
    # LOW has only G8 open: its best case is 5 + 20 = 25, below the threshold, so it cannot come in.
    assessed = {c: Judgment(declared="Ja", assessor="Ja" if c.startswith("KO") else "Nee", assessor_by="X")
                for c in ("KO1", "KO2", "G4", "G5", "G6", "G7")}
    offers = [make_offer("OUT", "G4", judgments={"KO1": Judgment(declared="Nee")}),
              make_offer("LOW", "", judgments=assessed)]
    results = evaluate(model, offers)
    effects = {w.result.offer.id: w.effect for w in rules.work_list(model, results)}
    assert effects == {"OUT": "in", "LOW": ""}
    alone = evaluate(model, offers[:1])
    assert [w.effect for w in rules.work_list(model, alone)] == ["in"]   # no offer scored yet: P is its own L
