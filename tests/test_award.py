"""Steps 3–4 from the tender text: interviews, pass marks, consensus vs average, waiting room, award."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from conftest import make_offer
from inhuur import award, rules
from inhuur.award import Decision, Interview, Selection


def shortlist(tender):
    offers = [make_offer(f"I-{n:03d}", codes, rate="70.00") for n, codes in enumerate(
        ["G4 G5 G6 G7 G8", "G4 G5 G6 G7", "G4 G5 G6", "G4 G5", "G4", ""], start=1)]
    return rules.evaluate(tender, offers)


def scores(tender, value=4, **overrides):
    result = {c: value for c in tender.competencies}
    for index, v in overrides.items():
        result[tender.competencies[int(index[1:])]] = v
    return result


def interviewed(tender, offer_id, a=4, b=4, agreed=None, **overrides):
    """Two interviewers and a consensus for one candidate."""
    agreed = a if agreed is None else agreed
    return [Interview(offer_id, "J. de Boer", "Teamleider", scores(tender, a)),
            Interview(offer_id, "S. Amrani", "Senior klantmanager", scores(tender, b)),
            Interview(offer_id, "Consensus", "", scores(tender, agreed, **overrides))]


def selections(invited, waiting=()):
    return [Selection(i, award.INVITE) for i in invited] + \
        [Selection(i, award.WAIT, waiting_order=n) for n, i in enumerate(waiting, start=1)]


def test_exactly_the_awarded_candidates_get_awarded_and_everyone_else_is_rejected(tender):
    step2 = shortlist(tender)
    interviews = interviewed(tender, "I-001") + interviewed(tender, "I-002", 5, 5) + interviewed(tender, "I-003")
    stage = award.evaluate(tender, step2, selections(["I-001", "I-002", "I-003"], ["I-004", "I-005"]),
                           interviews, [Decision("I-002", True, "Beste gesprek"), Decision("I-001", True, "…")])
    assert stage.problems == []
    statuses = {k: o.status for k, o in stage.outcomes.items()}
    assert statuses == {"I-001": award.AWARDED, "I-002": award.AWARDED, "I-003": award.REJECTED,
                        "I-004": award.REJECTED, "I-005": award.REJECTED}
    assert stage.proposal == ["I-002", "I-001", "I-003"]


def test_one_onvoldoende_means_failed_and_never_awarded(tender):
    step2 = shortlist(tender)
    interviews = interviewed(tender, "I-001", c3=2) + interviewed(tender, "I-002")
    stage = award.evaluate(tender, step2, selections(["I-001", "I-002"]), interviews, [])
    assert stage.outcomes["I-001"].status == award.FAILED
    assert stage.outcomes["I-001"].interview.below_pass == (tender.competencies[3],)
    assert stage.outcomes["I-002"].status == award.PASSED
    refused = award.evaluate(tender, step2, selections(["I-001", "I-002"]), interviews,
                             [Decision("I-001", True, "x")])
    assert any("I-001 wordt gegund maar scoort niet op elke competentie minimaal voldoende" in p
               for p in refused.problems)


def test_fewer_passing_than_needed_brings_in_the_waiting_room_in_the_clients_order(tender):
    step2 = shortlist(tender)
    interviews = interviewed(tender, "I-001") + interviewed(tender, "I-002", c0=1)
    waiting = [Selection("I-005", award.WAIT, waiting_order=1), Selection("I-003", award.WAIT, waiting_order=2),
               Selection("I-004", award.WAIT, waiting_order=3)]
    stage = award.evaluate(tender, step2, selections(["I-001", "I-002"]) + waiting, interviews, [])
    assert stage.from_waiting_room == ["I-005"]                    # 2 needed, 1 passed: one more, client's order
    assert stage.outcomes["I-005"].status == award.WAITING_ROOM


def test_one_interviewer_is_not_enough(tender):
    step2 = shortlist(tender)
    interviews = [i for i in interviewed(tender, "I-001") if i.interviewer != "S. Amrani"]
    stage = award.evaluate(tender, step2, selections(["I-001"]), interviews, [Decision("I-001", True, "x")])
    assert not stage.outcomes["I-001"].interview.complete
    assert any("nog niet door 2 interviewers volledig gescoord" in p for p in stage.problems)


def test_award_before_every_invited_candidate_is_scored_is_refused(tender):
    step2 = shortlist(tender)
    interviews = interviewed(tender, "I-001")
    stage = award.evaluate(tender, step2, selections(["I-001", "I-002"]), interviews, [Decision("I-001", True, "x")])
    assert any("I-002 mist nog scores" in p for p in stage.problems)


@pytest.mark.parametrize("counts, status", [("consensus", award.PASSED), ("gemiddelde", award.FAILED)])
def test_consensus_or_average_changes_the_outcome_where_it_should(tender, counts, status):
    t = replace(tender, interviews=replace(tender.interviews, counts=counts))
    # interviewers give 2 and 3 on competency 0 (average 2.5: onvoldoende); they agree on 3 in the talk
    interviews = [Interview("I-001", "A", "", scores(t, 4, c0=2)), Interview("I-001", "B", "", scores(t, 4, c0=3)),
                  Interview("I-001", "Consensus", "", scores(t, 4, c0=3))]
    stage = award.evaluate(t, shortlist(t), selections(["I-001"]), interviews, [])
    assert stage.outcomes["I-001"].status == status
    expected = Decimal(3) if counts == "consensus" else Decimal("2.5")
    assert stage.outcomes["I-001"].interview.counting[t.competencies[0]] == expected


def test_big_disagreements_are_flagged(tender):
    interviews = [Interview("I-001", "A", "", scores(tender, 4, c5=2)), Interview("I-001", "B", "", scores(tender, 4))]
    result = award.interview_result(tender, "I-001", interviews)
    assert result.disagreements == (tender.competencies[5],)


def test_more_awards_than_professionals_is_refused(tender):
    interviews = sum((interviewed(tender, i) for i in ("I-001", "I-002", "I-003")), [])
    stage = award.evaluate(tender, shortlist(tender), selections(["I-001", "I-002", "I-003"]), interviews,
                           [Decision(i, True, "x") for i in ("I-001", "I-002", "I-003")])
    assert any("3 kandidaten gegund, de aanvraag vraagt er 2" in p for p in stage.problems)


def test_proposal_order_docstring_example(tender):
    a = make_offer("A", "G4 G5 G6 G7 G8", rate="70.00")
    b = make_offer("B", "G4 G5 G6 G7 G8", rate="65.00")
    c = make_offer("C", "G4 G5 G8", rate="77.50")
    results = {r.offer.id: r for r in rules.evaluate(tender, [a, b, c])}
    results = {k: replace(v, score=Decimal(s)) for (k, v), s in zip(results.items(), (80, 80, 60))}
    interviews = {k: award.InterviewResult(k, {}, 2, True, True, Decimal(t), (), ()) for k, t in
                  (("A", 40), ("B", 40), ("C", 42))}
    assert award.proposal_order(results, interviews) == ["C", "B", "A"]


# --- The interview counting towards the final score ([gesprekken] punten) ----------------------------------------

def counting(tender, points="55"):
    return replace(tender, interviews=replace(tender.interviews, points=Decimal(points)))


def test_interview_points_are_the_share_of_the_counting_scores_rounded_to_cents(tender):
    t = counting(tender)
    # consensus: 9 × 4 + 1 × 1 = 37 of 10 × 5 = 50: 55 × 37 / 50 = 40.70; the 1 fails the candidate still
    one = award.interview_result(t, "I-001", interviewed(t, "I-001", c9=1))
    assert (one.points, one.passed) == (Decimal("40.70"), False)
    # average of three interviewers (sums 37, 38, 38): 55 × 113 / 150 = 41.4333… -> 41.43
    avg = replace(t, interviews=replace(t.interviews, counts="gemiddelde"))
    three = [Interview("I-001", name, "", scores(avg, 4, **extra)) for name, extra in
             (("A", {"c0": 1}), ("B", {"c0": 2}), ("C", {"c0": 2}))]
    assert award.interview_result(avg, "I-001", three).points == Decimal("41.43")
    # 30662 (no interview points): pass/fail only
    assert award.interview_result(tender, "I-001", interviewed(tender, "I-001")).points is None


def test_interview_points_round_half_away_from_zero(tender):
    # 2.5 points × 41 / 50 = 2.05 exactly; 0.5 × 41 / 50 = 0.41; 1.25 × 41 / 50 = 1.025 -> 1.03 (not 1.02)
    t = counting(tender, "1.25")
    assert award.interview_result(t, "I-001", interviewed(t, "I-001", c0=5)).points == Decimal("1.03")


def test_final_score_orders_the_proposal_then_rate_then_lot(tender):
    t = counting(tender, "50")
    offers = [make_offer("I-001", "G4 G5 G6 G7 G8", rate="75.00"),   # 100 + 40 (all 4s) = 140
              make_offer("I-002", "G4 G5", rate="60.00"),             # 50 + 50 (all 5s) = 100: better interview
              make_offer("I-003", "G4 G5 G6 G7", rate="70.00"),       # 95 + 45 = 140: ties I-001, lower rate
              make_offer("I-004", "G4 G5 G6 G7", rate="70.00", lot=1),  # 95 + 45 = 140, same rate: lot 1 first
              make_offer("I-005", "G4 G5 G6 G7 G8", rate="50.00")]    # 100 + 47 = 147, but one 2: fails
    step2 = rules.evaluate(t, offers)
    interviews = (interviewed(t, "I-001") + interviewed(t, "I-002", 5, 5)
                  + interviewed(t, "I-003", agreed=4, c0=5, c1=5, c2=5, c3=5, c4=5)
                  + interviewed(t, "I-004", agreed=4, c0=5, c1=5, c2=5, c3=5, c4=5)
                  + interviewed(t, "I-005", 5, 5, c0=2))
    stage = award.evaluate(t, step2, selections([f"I-00{n}" for n in range(1, 6)]), interviews, [])
    finals = {k: o.final_score for k, o in stage.outcomes.items()}
    assert finals == {"I-001": 140, "I-002": 100, "I-003": 140, "I-004": 140, "I-005": 147}
    assert stage.outcomes["I-005"].status == award.FAILED                  # voldoende still fails it
    assert stage.proposal == ["I-004", "I-003", "I-001", "I-002"]
