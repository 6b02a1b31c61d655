"""The rules engine: formal check, knock-outs, score, ranking and status of every offer (pure, no I/O)."""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from inhuur.spec import AwardCriterion, FormalRequirement, Price, Tender, level_key

YES, NO, NOT_APPLICABLE = "Ja", "Nee", "n.v.t."

NON_CONFORMING = "non_conforming"
KNOCKED_OUT = "knocked_out"
SHORTLISTED = "shortlisted"
NOT_SELECTED = "not_selected"
TIE_UNRESOLVED = "tie_unresolved"
STATUSES = (SHORTLISTED, TIE_UNRESOLVED, NOT_SELECTED, KNOCKED_OUT, NON_CONFORMING)
# The award models' statuses (issue 17): kept out of STATUSES, which the workbook lists, until it shows them.
BELOW_THRESHOLD = "below_threshold"
WITHDRAWN = "withdrawn"
PRICE = "prijs"        # the price's key among an offer's points
INTERVIEW = "gesprek"  # the interview's key, where it counts


# Letters that draw nothing: the Hangul fillers and the blank braille pattern (not whitespace to Unicode).
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def blank(text: str | None) -> bool:
    """Whether a text shows nothing: empty once whitespace, invisible format characters (Unicode category Cf, e.g.
    U+200B, U+FEFF), fillers (U+3164) and combining marks without a letter (U+0301) are removed. A name or motivation
    no reader can see is missing."""
    return not text or all(ch.isspace() or ch in _FILLERS or unicodedata.category(ch) in ("Cf", "Mn") for ch in text)


def is_yes(value: str | None) -> bool:
    """A judgment counts as met only when it reads Ja (any case), as the workbook's UPPER(x)="JA"."""
    return isinstance(value, str) and value.upper() == "JA"


def _filled(value: str | None) -> bool:
    return value not in (None, "")


@dataclass(frozen=True, slots=True)  # slots: 70,000 of them at 10,000 offers
class Judgment:
    """One criterion for one offer: the supplier's declaration, the assessor's and the client's finding.

    A declaration is a claim; a finding (with who and why) is an assessment. Until a finding exists the
    declaration is used provisionally, so the ranking can order the work.
    """

    declared: str | None = None
    assessor: str | None = None
    client: str | None = None
    assessor_motivation: str = ""
    assessor_by: str = ""
    client_motivation: str = ""
    client_by: str = ""

    @property
    def assessed(self) -> bool:
        """True when an assessor or the client recorded a finding."""
        return _filled(self.assessor) or _filled(self.client)

    @property
    def motivation(self) -> str:
        """The motivation of the finding that counts (the client's leads), or '' for a bare declaration."""
        if _filled(self.client):
            return self.client_motivation
        return self.assessor_motivation if _filled(self.assessor) else ""

    @property
    def by(self) -> str:
        """Who recorded the finding that counts."""
        if _filled(self.client):
            return self.client_by
        return self.assessor_by if _filled(self.assessor) else ""

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
        return len({level_key(v) for v in findings}) > 1  # Ja/Nee, or a graded criterion's level


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
    salutation: str = ""   # heer, mevrouw, or '' (the letter then says 'Geachte heer/mevrouw,')
    email: str = ""
    lot: int | None = None
    note: str = ""
    withdrawn: date | None = None   # the day the candidate withdrew (trekt zich terug); None while in the race
    withdrawn_reason: str = ""


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
    open: tuple[str, ...] = field(default=())
    required: tuple[str, ...] = field(default=())
    points: Mapping[str, Decimal] = field(default_factory=dict)  # code (and 'prijs') -> points, where scored
    lot_decides: bool = False  # the recorded lot decides this offer's tie at the shortlist boundary

    @property
    def assessed(self) -> bool:
        """True when every judgment this offer's steps need has been made."""
        return not self.open


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


@dataclass(frozen=True)
class PriceRange:
    """L and H: the lowest and highest rate among the offers compared on price."""

    low: Decimal
    high: Decimal


def price_range(rates: Iterable[Decimal]) -> PriceRange | None:
    """The range of these rates, or None when there are none."""
    rates = list(rates)
    return PriceRange(min(rates), max(rates)) if rates else None


def share(points: Decimal, numerator: Decimal, denominator: Decimal) -> Decimal:
    """points × numerator / denominator rounded to 2 decimals, half away from zero, computed exactly.

    Exact integer arithmetic, so a result of exactly x,xx5 always rounds up (17,125 -> 17,13), never
    down through a binary or 28-digit intermediate. Example: share(20, 60, 70) = 17,14 (17,142857…).
    """
    a, b = points.as_integer_ratio()
    c, d = numerator.as_integer_ratio()
    e, f = denominator.as_integer_ratio()
    top, bottom = a * c * f, b * d * e
    if bottom < 0:
        top, bottom = -top, -bottom
    cents = (200 * abs(top) + bottom) // (2 * bottom)
    return Decimal(cents if top >= 0 else -cents).scaleb(-2)


def price_points(price: Price, rate: Decimal, compared: PriceRange | None) -> Decimal:
    """The price's points for rate P, with L and H from `compared`, rounded to cents and kept within [0, punten].

    relatief: punten × L / P; lineair: punten × (H − P) / (H − L), all points when H = L; absoluut:
    punten × (bovengrens − P) / (bovengrens − ondergrens); grens: all points when P ≤ grens, else 0.
    Example: 20 points relatief, L € 60, P € 70 gives 17,14.
    """
    if price.formula == "grens":
        return price.points if rate <= price.limit else Decimal(0)
    if price.formula == "absoluut":
        value = share(price.points, price.upper - rate, price.upper - price.lower)
    elif compared is None:
        raise ValueError("a price formula that compares needs the range of rates")
    elif price.formula == "relatief":
        value = share(price.points, compared.low, rate)
    elif compared.high == compared.low:
        value = price.points
    else:
        value = share(price.points, compared.high - rate, compared.high - compared.low)
    return min(max(value, Decimal(0)), price.points)  # a frozen L or H may lie inside the rates now compared


def criterion_points(criterion: AwardCriterion, judgment: Judgment) -> Decimal:
    """The points the effective finding earns: Ja all (binary); on a graded criterion its level's, else 0."""
    if criterion.levels:
        level = criterion.level(judgment.effective)
        return level.points if level else Decimal(0)
    return criterion.points if judgment.met else Decimal(0)


def points(tender: Tender, offer: Offer, compared: PriceRange | None = None) -> dict[str, Decimal]:
    """The offer's step-2 points per award criterion code, and 'prijs' where price is a criterion."""
    result = {a.code: criterion_points(a, _judgment(offer, a.code)) for a in tender.award}
    if tender.price is not None:
        result[PRICE] = price_points(tender.price, offer.rate, compared)
    return result


def score(tender: Tender, offer: Offer, compared: PriceRange | None = None) -> Decimal:
    """The step-2 score: the sum of the offer's points (each already in whole cents)."""
    return sum(points(tender, offer, compared).values(), Decimal(0))


def _judgment(offer: Offer, code: str) -> Judgment:
    return offer.judgments.get(code, Judgment())


def rank(entries: Sequence[tuple[str, Decimal, Decimal, int | None]]) -> dict[str, Placing]:
    """Rank (id, score, rate, lot) entries: score high first, then rate low first, then recorded lot.

    Only exact ties count, on the score as rounded per criterion (to cents): 80 + 17,14 (price 17,142…)
    and 90 + 7,14 (price 7,138…) tie at 97,14, and 97,14 beats 97,13. Entries with equal score and rate
    share a rank and the next rank is skipped ("1224" ranking), unless every member of that tie has a lot number: then the lot order (1 first)
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


def evaluate(tender: Tender, offers: Sequence[Offer], sent: PriceRange | None = None) -> list[Result]:
    """Evaluate all offers (steps 0–2) and return one Result per offer, in the input order.

    A withdrawn offer is not scored. L and H (price) come from the offers scored in step 2, unless `sent`
    is given (L and H as they stood when this step's letters were sent) and [prijs] na_intrekking is
    vast: then those stay. An offer scoring below aanvraag.minimale_score is not ranked (below_threshold).
    """
    partial: dict[str, tuple[str, tuple[str, ...]]] = {}
    eligible: list[Offer] = []
    judging: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}  # id -> (required, still open)
    for offer in offers:
        if offer.withdrawn is not None:
            partial[offer.id] = (WITHDRAWN, ())
            judging[offer.id] = ((), ())  # nothing left to assess for a candidate who is no longer available
            continue
        formal, knock_outs = failed_requirements(tender, offer)
        required = _required(tender, formal, knock_outs)
        judging[offer.id] = (required, () if tender.self_declaration else
                             tuple(code for code in required if not _judgment(offer, code).assessed))
        if formal:
            partial[offer.id] = (NON_CONFORMING, formal + knock_outs)
        elif knock_outs:
            partial[offer.id] = (KNOCKED_OUT, knock_outs)
        else:
            eligible.append(offer)
    compared = comparison(tender, eligible, sent)
    earned = {o.id: points(tender, o, compared) for o in eligible}
    scores = {i: sum(p.values(), Decimal(0)) for i, p in earned.items()}
    ranked = [o for o in eligible if tender.min_score is None or scores[o.id] >= tender.min_score]
    placings = rank([(o.id, scores[o.id], o.rate, o.lot) for o in ranked])
    ties: dict[tuple[Decimal, Decimal], list[str]] = defaultdict(list)
    for o in ranked:
        ties[(scores[o.id], o.rate)].append(o.id)
    results = []
    n = tender.shortlist_size
    for offer in offers:
        required, still_open = judging[offer.id]
        if offer.id in partial:
            status, failed = partial[offer.id]
            results.append(Result(offer, status, failed, open=still_open, required=required))
            continue
        if offer.id not in placings:
            results.append(Result(offer, BELOW_THRESHOLD, (), scores[offer.id], open=still_open, required=required,
                                  points=earned[offer.id]))
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
                              tuple(group) if len(group) > 1 else (), still_open, required, earned[offer.id],
                              offer.lot is not None and status != TIE_UNRESOLVED and _lot_decides(group, placings, n)))
    return results


def _lot_decides(group: Sequence[str], placings: Mapping[str, Placing], n: int) -> bool:
    """True when the group is a tie that, without its lot, would straddle the shortlist boundary (place n).

    Example: tied at places 5 and 6 with a shortlist of 5: the lot decides; after a better offer arrives they are
    at places 6 and 7, and the lot decides nothing (neither is shortlisted either way).
    """
    if len(group) < 2:
        return False
    first = min(placings[offer_id].rank for offer_id in group)
    return first <= n < first + len(group) - 1


def comparison(tender: Tender, eligible: Sequence[Offer], sent: PriceRange | None = None) -> PriceRange | None:
    """L and H for the price formula: from the eligible offers' rates, or `sent` where na_intrekking is vast.

    Example (relatief, 20 points): A € 60, B € 70, C € 80; A withdraws after the letters. vast keeps L € 60
    (B 17,14, C 15); herberekenen makes L € 70 (B 20, C 17,50).
    """
    if tender.price is None or not tender.price.compares:
        return None
    if sent is not None and tender.price.after_withdrawal == "vast":
        return sent
    return price_range(o.rate for o in eligible)


def required_codes(tender: Tender, offer: Offer) -> tuple[str, ...]:
    """The judged codes an assessor must decide for this offer, following the tender's steps.

    The knock-outs for every conforming offer; the award criteria for every offer that passes the
    knock-outs (on the judgments as they stand). A non-conforming offer needs none.
    """
    return _required(tender, *failed_requirements(tender, offer))


def _required(tender: Tender, formal: Sequence[str], knock_outs: Sequence[str]) -> tuple[str, ...]:
    if formal:
        return ()
    judged = tuple(k.code for k in tender.knock_outs if k.judged)
    return judged + (tuple(a.code for a in tender.award) if not knock_outs else ())


def is_final(results: Sequence[Result]) -> bool:
    """True when no required judgment is open, so the outcome is no longer provisional."""
    return all(r.assessed for r in results)


@dataclass(frozen=True)
class Finding:
    """One finding to record: offer id, criterion code, Ja/Nee, motivation, who, and whose (assessor or client)."""

    offer_id: str
    code: str
    verdict: str
    motivation: str
    by: str
    client: bool = False


@dataclass(frozen=True)
class Missing:
    """A finding that lacks what makes it defensible: the name of who judged, or the motivation."""

    offer_id: str
    code: str
    role: str   # "beoordelaar" or "opdrachtgever"
    what: str   # "naam" or "motivering"


def missing_justification(offer: Offer, tender: Tender | None = None) -> list[Missing]:
    """Findings without a name, and Nee findings or findings that differ from what they replace without a motivation.

    The assessor's finding replaces the declaration; the client's replaces the assessor's finding (or the
    declaration where there is none). Example: declared Ja, assessor Nee without motivation -> missing. With the
    tender, a graded criterion's finding below its highest level counts as a Nee.
    """
    graded = {a.code: a for a in tender.award if a.levels} if tender is not None else {}
    return [m for code, j in offer.judgments.items() for m in judgment_gaps(offer.id, code, j, graded.get(code))]


def judgment_gaps(offer_id: str, code: str, j: Judgment, criterion: Any = None) -> list[Missing]:
    """What one judgment's findings lack (a name, a motivation), as missing_justification says; on a graded
    `criterion` a finding below the highest level, or another level than it replaces, needs a motivation."""
    if getattr(criterion, "levels", ()):
        full = lambda v: (lv := criterion.level(v)) is not None and lv.points == criterion.points  # noqa: E731
        same = lambda a, b: criterion.level(a) == criterion.level(b)  # noqa: E731
    else:
        full, same = is_yes, lambda a, b: is_yes(a) == is_yes(b)  # noqa: E731
    missing = []
    for role, finding, replaced, why, by in (
            ("beoordelaar", j.assessor, j.declared, j.assessor_motivation, j.assessor_by),
            ("opdrachtgever", j.client, j.assessor if _filled(j.assessor) else j.declared, j.client_motivation,
             j.client_by)):
        if not _filled(finding):
            continue
        if blank(by):
            missing.append(Missing(offer_id, code, role, "naam"))
        if (not full(finding) or not same(finding, replaced)) and blank(why):
            missing.append(Missing(offer_id, code, role, "motivering"))
    return missing


def reason_text(tender: Tender, failed: Sequence[str]) -> str:
    """The failed requirements in words, as the workbook's Reden shows them: "Cv max. 5 pagina's; KO1 hbo-bachelor"."""
    return "; ".join(tender.label(code) for code in failed)


@dataclass(frozen=True)
class WorkItem:
    """An offer with judgments still open, and what they could change: 'in' (could enter the shortlist),
    'out' (could leave it) or '' (its place in the shortlist does not depend on them)."""

    result: Result
    open: tuple[str, ...]
    effect: str


def work_list(tender: Tender, results: Sequence[Result]) -> list[WorkItem]:
    """The offers with open judgments, those whose open judgments decide shortlist membership first.

    For each offer only its own open judgments vary (all Ja = best case, all Nee = worst case); the
    others stay as they are. Then provisional rank, then id. Example: I-007 at provisional place 6 with
    G5 open that is worth 20 points comes before I-012 at place 9 whose best case stays below place 5.
    """
    eligible = sorted(((-r.score, r.offer.rate, r.offer.id) for r in results if r.rank is not None))
    keys = [(k[0], k[1]) for k in eligible]
    known = price_range(r.offer.rate for r in results if r.score is not None)
    n = tender.shortlist_size

    def in_shortlist(offer_id: str, own: tuple[Decimal, Decimal] | None, case: Offer) -> bool:
        formal, knock_outs = failed_requirements(tender, case)
        if formal or knock_outs:
            return False
        # L and H as they are, widened by the case's own rate (which may enter the comparison)
        case_score = score(tender, case, price_range([case.rate] if known is None else
                                                     [known.low, known.high, case.rate]))
        if tender.min_score is not None and case_score < tender.min_score:
            return False
        key = (-case_score, case.rate)
        better = bisect_left(keys, key)
        if own is not None and own < key:
            better -= 1  # the offer itself, as it stands now, does not compete with itself
        return better < n

    items = []
    for r in results:
        if not r.open:
            continue
        own = (-r.score, r.offer.rate) if r.rank is not None else None
        now = r.status in (SHORTLISTED, TIE_UNRESOLVED)
        unassessed = [c for c, j in r.offer.judgments.items() if not j.assessed]
        best = _with_declared(r.offer, unassessed, YES)
        worst = _with_declared(r.offer, unassessed, NO)
        effect = ""
        if not now and in_shortlist(r.offer.id, own, best):
            effect = "in"
        elif now and not in_shortlist(r.offer.id, own, worst):
            effect = "out"
        items.append(WorkItem(r, r.open, effect))
    return sorted(items, key=lambda w: (0 if w.effect else 1, w.result.rank or 10**9, id_key(w.result.offer.id)))


def _with_declared(offer: Offer, codes: Sequence[str], value: str) -> Offer:
    judgments = dict(offer.judgments)
    for code in codes:
        judgments[code] = Judgment(declared=value)
    return replace(offer, judgments=judgments)


def unresolved_ties(results: Sequence[Result]) -> list[list[Result]]:
    """The groups of offers whose shared rank straddles the shortlist boundary, best first."""
    groups: dict[int, list[Result]] = defaultdict(list)
    for r in results:
        if r.status == TIE_UNRESOLVED:
            groups[r.rank].append(r)
    return [groups[k] for k in sorted(groups)]


def ranking_order(results: Sequence[Result]) -> list[Result]:
    """Results sorted for display: ranked offers by rank, then below the threshold, knock-outs, non-conforming,
    withdrawn; id last."""
    group = {s: i for i, s in enumerate((SHORTLISTED, TIE_UNRESOLVED, NOT_SELECTED, BELOW_THRESHOLD, KNOCKED_OUT,
                                         NON_CONFORMING, WITHDRAWN))}

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


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a holiday of the Algemene termijnenwet."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def standstill_end(sent: date, days: int, working_day_rule: bool) -> date:
    """Last day of the standstill period: it starts the day after sending and lasts `days` calendar days.

    With the working-day rule an end on a Saturday, Sunday or public holiday moves to the next working day.
    Example: sent Friday 10 July 2026, 20 days: ends Thursday 30 July 2026.
    """
    end = sent + timedelta(days=days)
    while working_day_rule and not is_working_day(end):
        end += timedelta(days=1)
    return end


@dataclass(frozen=True)
class LotDrawing:
    """When, where and by whom a lot is drawn, for the invitation to the tied suppliers."""

    moment: datetime
    place: str
    drawn_by: str


@dataclass(frozen=True)
class LotRecord:
    """The proces-verbaal of a lot drawing: when, where, who drew, who witnessed, and the order drawn (ids)."""

    moment: datetime
    place: str
    drawn_by: str
    witnesses: str
    order: tuple[str, ...]


def working_day_after(start: date, count: int) -> date:
    """The count-th working day after start (start itself never counts).

    Example: a lot announced on Monday 29 June 2026 with 2 working days' notice is drawn on Wednesday 1 July
    2026 at the earliest; announced on Friday 24 April 2026, on Wednesday 29 April (Koningsdag in between).
    """
    day = start
    while count > 0:
        day += timedelta(days=1)
        count -= is_working_day(day)
    return day


def working_day_before(day: date) -> date:
    """The last working day before `day` (the reply date for a lot drawn on `day`)."""
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day
