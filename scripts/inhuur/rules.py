"""The rules engine: formal check, knock-outs, score, ranking and status of every offer (pure, no I/O)."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Mapping, Sequence

from inhuur.spec import FormalRequirement, Tender

YES, NO, NOT_APPLICABLE = "Ja", "Nee", "n.v.t."

NON_CONFORMING = "non_conforming"
KNOCKED_OUT = "knocked_out"
SHORTLISTED = "shortlisted"
NOT_SELECTED = "not_selected"
TIE_UNRESOLVED = "tie_unresolved"
STATUSES = (SHORTLISTED, TIE_UNRESOLVED, NOT_SELECTED, KNOCKED_OUT, NON_CONFORMING)


def is_yes(value: str | None) -> bool:
    """A judgment counts as met only when it reads Ja (any case), as the workbook's UPPER(x)="JA"."""
    return isinstance(value, str) and value.upper() == "JA"


def _filled(value: str | None) -> bool:
    return value not in (None, "")


@dataclass(frozen=True)
class Judgment:
    """One criterion for one offer: the supplier's declaration, the assessor's and the client's finding."""

    declared: str | None = None
    assessor: str | None = None
    client: str | None = None

    @property
    def effective(self) -> str | None:
        """The client's finding leads, then the assessor's, then the supplier's declaration."""
        if _filled(self.client):
            return self.client
        if _filled(self.assessor):
            return self.assessor
        return self.declared

    @property
    def met(self) -> bool:
        """True when the effective judgment is Ja."""
        return is_yes(self.effective)

    @property
    def deviates(self) -> bool:
        """True when a finding differs from the declaration (or the client from the assessor)."""
        findings = [v for v in (self.declared, self.assessor, self.client) if _filled(v)]
        return len({is_yes(v) for v in findings}) > 1


@dataclass(frozen=True)
class Offer:
    """One offered candidate with the facts of the offer and the judgments per criterion code."""

    id: str
    supplier: str
    candidate: str
    rate: Decimal
    facts: Mapping[str, Any]
    judgments: Mapping[str, Judgment]
    contact: str = ""
    email: str = ""
    lot: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Placing:
    """An offer's place in the ranking: its rank and how many offers share that rank."""

    rank: int
    shared: int


@dataclass(frozen=True)
class Result:
    """The outcome for one offer: status, failed requirement codes, score and rank."""

    offer: Offer
    status: str
    failed: tuple[str, ...]
    score: Decimal | None = None
    rank: int | None = None
    shared: int | None = None
    tie_group: tuple[str, ...] = field(default=())


def formal_met(requirement: FormalRequirement, offer: Offer, tender: Tender) -> bool:
    """Whether one formal requirement is met by the offer's facts (same test as the workbook formula)."""
    value = offer.facts.get(requirement.code)
    kind = requirement.kind
    if kind == "uiterlijk":
        return isinstance(value, datetime) and value <= tender.deadline
    if kind == "maximaal":
        return value is not None and value <= requirement.value
    if kind == "minimaal":
        return value is not None and value >= requirement.value
    if kind == "gelijk":
        return isinstance(value, str) and value.upper() == requirement.value.upper()
    if kind == "ja":
        return is_yes(value)
    if kind == "niet_nee":
        return not (isinstance(value, str) and value.upper() == "NEE")
    raise ValueError(f"unknown formal requirement kind {kind!r}")


def failed_requirements(tender: Tender, offer: Offer) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The codes of the formal requirements and the knock-outs the offer fails, in spec order."""
    formal = tuple(r.code for r in tender.formal if not formal_met(r, offer, tender))
    knock_outs = []
    for ko in tender.knock_outs:
        ok = offer.rate <= tender.rate_cap if ko.kind == "max_uurtarief" else _judgment(offer, ko.code).met
        if not ok:
            knock_outs.append(ko.code)
    return formal, tuple(knock_outs)


def score(tender: Tender, offer: Offer) -> Decimal:
    """Sum of the points of the award criteria whose effective judgment is Ja (binary criteria)."""
    return sum((a.points for a in tender.award if _judgment(offer, a.code).met), Decimal(0))


def _judgment(offer: Offer, code: str) -> Judgment:
    return offer.judgments.get(code, Judgment())


def rank(entries: Sequence[tuple[str, Decimal, Decimal, int | None]]) -> dict[str, Placing]:
    """Rank (id, score, rate, lot) entries: score high first, then rate low first, then recorded lot.

    Only exact ties count. Entries with equal score and rate share a rank and the next rank is skipped
    ("1224" ranking), unless every member of that tie has a lot number: then the lot order (1 first)
    breaks it, and entries with the same lot number still share. A partly recorded lot is ignored.

    Example, entries as (id, score, rate, lot):
        A (80, 70.00, -)  B (75, 65.00, -)  C (75, 65.00, -)  D (75, 70.00, -)  E (60, 50.00, -)
    gives A 1, B 2, C 2 (both shared=2), D 4, E 5. Recording lots C=1, B=2 gives C 2, B 3, D 4, E 5.
    The input is not changed; the result maps every id to its Placing.
    """
    groups: dict[tuple[Decimal, Decimal], list[tuple[str, int | None]]] = defaultdict(list)
    for offer_id, points, rate, lot in entries:
        groups[(points, rate)].append((offer_id, lot))
    placings: dict[str, Placing] = {}
    ahead = 0
    for key in sorted(groups, key=lambda k: (-k[0], k[1])):
        members = groups[key]
        use_lot = len(members) > 1 and all(lot is not None for _, lot in members)
        if use_lot:
            lots = sorted(lot for _, lot in members)
            for offer_id, lot in members:
                before = bisect_left(lots, lot)
                placings[offer_id] = Placing(ahead + 1 + before, bisect_left(lots, lot + 1) - before)
        else:
            for offer_id, _ in members:
                placings[offer_id] = Placing(ahead + 1, len(members))
        ahead += len(members)
    return placings


def evaluate(tender: Tender, offers: Sequence[Offer]) -> list[Result]:
    """Evaluate all offers (steps 0–2) and return one Result per offer, in the input order."""
    partial: dict[str, tuple[str, tuple[str, ...]]] = {}
    eligible: list[Offer] = []
    scores: dict[str, Decimal] = {}
    for offer in offers:
        formal, knock_outs = failed_requirements(tender, offer)
        if formal:
            partial[offer.id] = (NON_CONFORMING, formal + knock_outs)
        elif knock_outs:
            partial[offer.id] = (KNOCKED_OUT, knock_outs)
        else:
            eligible.append(offer)
            scores[offer.id] = score(tender, offer)
    placings = rank([(o.id, scores[o.id], o.rate, o.lot) for o in eligible])
    ties: dict[tuple[Decimal, Decimal], list[str]] = defaultdict(list)
    for o in eligible:
        ties[(scores[o.id], o.rate)].append(o.id)
    results = []
    n = tender.shortlist_size
    for offer in offers:
        if offer.id in partial:
            status, failed = partial[offer.id]
            results.append(Result(offer, status, failed))
            continue
        place = placings[offer.id]
        if place.rank <= n < place.rank + place.shared - 1:
            status = TIE_UNRESOLVED
        elif place.rank <= n:
            status = SHORTLISTED
        else:
            status = NOT_SELECTED
        group = ties[(scores[offer.id], offer.rate)]
        results.append(Result(offer, status, (), scores[offer.id], place.rank, place.shared,
                              tuple(group) if len(group) > 1 else ()))
    return results


def unresolved_ties(results: Sequence[Result]) -> list[list[Result]]:
    """The groups of offers whose shared rank straddles the shortlist boundary, best first."""
    groups: dict[int, list[Result]] = defaultdict(list)
    for r in results:
        if r.status == TIE_UNRESOLVED:
            groups[r.rank].append(r)
    return [groups[k] for k in sorted(groups)]


def ranking_order(results: Sequence[Result]) -> list[Result]:
    """Results sorted for display: ranked offers by rank, then knock-outs, then non-conforming; id last."""
    group = {s: i for i, s in enumerate((SHORTLISTED, TIE_UNRESOLVED, NOT_SELECTED, KNOCKED_OUT,
                                         NON_CONFORMING))}

    def key(r: Result):
        ranked = r.rank is not None
        return (0 if ranked else 1, r.rank if ranked else group[r.status], id_key(r.offer.id))

    return sorted(results, key=key)


def id_key(offer_id: str) -> tuple[int, str]:
    """Sort key for offer ids by their number: I-9 before I-10."""
    digits = "".join(ch for ch in offer_id if ch.isdigit())
    return (int(digits) if digits else 0, offer_id)


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar, the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day_ = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day_ + 1)


def public_holidays(year: int) -> set[date]:
    """The generally recognised holidays of the Algemene termijnenwet (art. 3) in one year."""
    sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:
        kings_day = date(year, 4, 26)
    return {date(year, 1, 1), sunday + timedelta(days=1), kings_day, date(year, 5, 5),
            sunday + timedelta(days=39), sunday + timedelta(days=50), date(year, 12, 25), date(year, 12, 26)}


def standstill_end(sent: date, days: int, working_day_rule: bool) -> date:
    """Last day of the standstill period: it starts the day after sending and lasts `days` calendar days.

    With the working-day rule an end on a Saturday, Sunday or public holiday moves to the next working day.
    Example: sent Friday 10 July 2026, 20 days: ends Thursday 30 July 2026.
    """
    end = sent + timedelta(days=days)
    while working_day_rule and (end.weekday() >= 5 or end in public_holidays(end.year)):
        end += timedelta(days=1)
    return end
