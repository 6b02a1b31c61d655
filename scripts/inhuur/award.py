"""Steps 3–4: the client's selection, interview results, the award proposal and statuses (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Mapping, Sequence

from inhuur import rules
from inhuur.rules import Result
from inhuur.spec import Tender

INVITED = "invited"
WAITING_ROOM = "waiting_room"
PASSED = "passed_interview"
FAILED = "failed_interview"
AWARDED = "awarded"
REJECTED = "rejected"
STATUSES = (INVITED, WAITING_ROOM, PASSED, FAILED, AWARDED, REJECTED)

INVITE = "uitnodigen"
WAIT = "wachtkamer"
CONSENSUS = "Consensus"


@dataclass(frozen=True)
class Selection:
    """The client's step-3 decision on one shortlisted offer."""

    offer_id: str
    decision: str | None = None          # INVITE or WAIT; None while undecided
    waiting_order: int | None = None     # the client's order in the waiting room (1 first)
    slot: datetime | None = None         # the interview slot
    similar_assignments: str = ""
    similar_organisations: str = ""
    remarks: str = ""


@dataclass(frozen=True)
class Interview:
    """One interviewer's scores for one candidate, or the agreed scores (interviewer 'Consensus')."""

    offer_id: str
    interviewer: str
    role: str
    scores: Mapping[str, int | None]

    @property
    def is_consensus(self) -> bool:
        return self.interviewer.casefold() == CONSENSUS.casefold()  # as COUNTIFS matches it


@dataclass(frozen=True)
class InterviewResult:
    """A candidate's interview outcome: counting score per competency, pass, total, spreads to discuss."""

    offer_id: str
    counting: dict[str, Decimal | None]
    interviewers: int
    complete: bool
    passed: bool | None
    total: Decimal | None
    disagreements: tuple[str, ...]
    below_pass: tuple[str, ...]
    points: Decimal | None = None        # interview points where [gesprekken] punten counts, once complete


@dataclass(frozen=True)
class Decision:
    """The client's award decision for one candidate: award or not, and why."""

    offer_id: str
    award: bool
    motivation: str = ""


@dataclass(frozen=True)
class Outcome:
    """Where one offer stands after steps 3–4."""

    offer_id: str
    status: str
    interview: InterviewResult | None = None
    proposal: int | None = None          # place in the tool's award proposal among those who passed
    final_score: Decimal | None = None   # step-2 score + interview points, where the interview counts


@dataclass
class Stage:
    """Steps 3–4 for the whole tender: outcomes per offer, the proposal, and what to do next."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    proposal: list[str] = field(default_factory=list)
    from_waiting_room: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    awarded: list[str] = field(default_factory=list)


def interview_result(tender: Tender, offer_id: str, interviews: Sequence[Interview]) -> InterviewResult:
    """Score one candidate: per competency the consensus or the average of the interviewers (per spec)."""
    rules_ = tender.interviews
    own = [i for i in interviews if i.offer_id == offer_id]
    individual = [i for i in own if not i.is_consensus]
    agreed = next((i for i in own if i.is_consensus), None)
    counting: dict[str, Decimal | None] = {}
    disagreements = []
    for competency in tender.competencies:
        given = [i.scores.get(competency) for i in individual if i.scores.get(competency) is not None]
        if len(given) >= 2 and max(given) - min(given) >= 2:
            disagreements.append(competency)
        if rules_.counts == "consensus":
            value = agreed.scores.get(competency) if agreed else None
            counting[competency] = None if value is None else Decimal(value)
        else:
            complete = len(given) == len(individual) and given
            counting[competency] = Decimal(sum(given)) / len(given) if complete else None
    scored_by_all = all(i.scores.get(c) is not None for i in individual for c in tender.competencies)
    complete = len(individual) >= rules_.min_interviewers and scored_by_all and \
        all(v is not None for v in counting.values())
    below = tuple(c for c, v in counting.items() if v is not None and v < rules_.pass_mark)
    passed = (not below) if complete else None
    total = sum(counting.values(), Decimal(0)) if complete else None
    points = None
    if complete and rules_.points is not None:
        # the sum of the counting scores, exactly: the consensus's, or every interviewer's divided by their number
        counted = [agreed] if rules_.counts == "consensus" else individual
        given = sum(i.scores[c] for i in counted for c in tender.competencies)
        points = rules.share(rules_.points, Decimal(given),
                             Decimal(len(counted) * len(tender.competencies) * len(rules_.scale)))
    return InterviewResult(offer_id, counting, len(individual), complete, passed, total, tuple(disagreements), below,
                           points)


def final_score(result: Result, interview: InterviewResult | None) -> Decimal | None:
    """The step-2 score plus the interview points, where the interview counts and is scored; else None."""
    if interview is None or interview.points is None or result.score is None:
        return None
    return result.score + interview.points


def proposal_order(results: Mapping[str, Result], interviews: Mapping[str, InterviewResult]) -> list[str]:
    """Those who passed, best first: interview total high, then step-2 score high, then rate low.

    Example: A (total 40, score 80, € 70), B (40, 80, € 65), C (42, 60, € 77,50) gives C, B, A.
    Where the interview counts ([gesprekken] punten): final score high, then rate low, then the recorded lot.
    Example: A (score 40, interview 45, € 70), B (45, 40, € 65) tie on 85: B first (lower rate).
    """
    passed = [i for i, r in interviews.items() if r.passed]

    def key(offer_id: str) -> tuple:
        result, interview = results[offer_id], interviews[offer_id]
        final = final_score(result, interview)
        if final is not None:
            lot = result.offer.lot if result.offer.lot is not None else 10**9
            return (-final, result.offer.rate, lot, rules.id_key(offer_id))
        return (-interview.total, -(result.score or 0), result.offer.rate, rules.id_key(offer_id))

    return sorted(passed, key=key)


def evaluate(tender: Tender, step2: Sequence[Result], selections: Sequence[Selection],
             interviews: Sequence[Interview], decisions: Sequence[Decision]) -> Stage:
    """Steps 3–4 for all shortlisted offers; problems name what blocks an award (in Dutch, for staff)."""
    stage = Stage()
    results = {r.offer.id: r for r in step2 if r.status == rules.SHORTLISTED}
    chosen = {s.offer_id: s for s in selections if s.offer_id in results}
    invited = [i for i in results if chosen.get(i) and chosen[i].decision == INVITE]
    waiting = [i for i in results if chosen.get(i) and chosen[i].decision == WAIT]
    scored = {i: interview_result(tender, i, interviews) for i in invited}
    stage.proposal = proposal_order(results, scored)
    place = {offer_id: n for n, offer_id in enumerate(stage.proposal, start=1)}
    awards = [d for d in decisions if d.award]
    stage.awarded = [d.offer_id for d in awards]
    for d in awards:
        if d.offer_id not in scored:
            stage.problems.append(f"{d.offer_id} wordt gegund maar is niet uitgenodigd voor een gesprek")
        elif not scored[d.offer_id].complete:
            stage.problems.append(f"{d.offer_id} wordt gegund maar is nog niet door "
                                  f"{tender.interviews.min_interviewers} interviewers volledig gescoord")
        elif not scored[d.offer_id].passed:
            stage.problems.append(f"{d.offer_id} wordt gegund maar scoort niet op elke competentie minimaal "
                                  f"{tender.interviews.scale[tender.interviews.pass_mark - 1]}")
    if awards:
        unscored = [i for i in invited if not scored[i].complete]
        if unscored:
            stage.problems.append(f"gunning vóór alle gesprekken gescoord zijn: {', '.join(unscored)} mist nog "
                                  f"scores van minimaal {tender.interviews.min_interviewers} interviewers")
        if len(awards) > tender.professionals:
            stage.problems.append(f"{len(awards)} kandidaten gegund, de aanvraag vraagt er {tender.professionals}")
    for offer_id in results:
        interview = scored.get(offer_id)
        if awards:
            status = AWARDED if offer_id in stage.awarded else REJECTED
        elif offer_id in scored:
            status = INVITED if not interview.complete else (PASSED if interview.passed else FAILED)
        elif offer_id in waiting:
            status = WAITING_ROOM
        else:
            continue  # shortlisted, no step-3 decision yet
        stage.outcomes[offer_id] = Outcome(offer_id, status, interview, place.get(offer_id),
                                           final_score(results[offer_id], interview))
    all_scored = invited and all(scored[i].complete for i in invited)
    if not awards and all_scored and len(stage.proposal) < tender.professionals:
        needed = tender.professionals - len(stage.proposal)
        queue = sorted(waiting, key=lambda i: (chosen[i].waiting_order or 10**6, results[i].rank or 0))
        stage.from_waiting_room = queue[:needed]
    return stage
