"""What each formula cell shows, computed by the engine: the cached values the tool stores with its formulas."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any, Sequence

from inhuur import award as award_rules, dutch, rules
from inhuur.rules import Judgment, Result
from inhuur.spec import Tender
from inhuur.workbook.layout import PRICE_COLUMN, shows_points, STAND_ASSESSED, STAND_CLIENT, STAND_NOT_NEEDED, STAND_OPEN, STAND_SELF


def _number(value: Decimal | int | None) -> Any:
    if value is None:
        return ""
    return int(value) if value == int(value) else float(value)


def matrix_values(tender: Tender, results: Sequence[Result], latest: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per offer id, the value of every formula column of its Kandidaten row (as the formulas compute it)."""
    ranked = [r for r in results if r.rank is not None]
    groups = Counter((r.score, r.offer.rate) for r in ranked)
    lots = Counter((r.score, r.offer.rate) for r in ranked if r.offer.lot is not None)
    knock_out_codes = {k.code for k in tender.knock_outs}
    detailed = shows_points(tender)
    values = {}
    for r in results:
        o = r.offer
        row: dict[str, Any] = {f"{code}:geldt": o.judgments.get(code, Judgment()).effective or ""
                               for code in tender.judged_codes}
        # r.failed holds the formal codes (only when non-conforming) and then the failed knock-outs; a withdrawn
        # offer is not assessed, but the formulas still test its facts
        failed = r.failed if r.status != rules.WITHDRAWN else sum(rules.failed_requirements(tender, o), ())
        conform = not any(code not in knock_out_codes for code in failed)
        row["conform"] = "Ja" if conform else "Nee"
        row["ko"] = "Nee" if any(code in knock_out_codes for code in failed) else "Ja"
        scored = r.score is not None
        row["vergelijking"] = _number(o.rate) if scored else ""
        row["nodig"] = 0 if r.status == rules.WITHDRAWN or not conform else (1 if row["ko"] == "Nee" else 2)
        if detailed:
            row.update({key: _number(value) if value is not None else "" for key, value in
                        points_values(tender, r).items()})
        key = (r.score, o.rate)
        row["geschikt"] = 1 if r.rank is not None else 0
        row["score"] = _number(r.score)
        row["groep"] = groups[key] if r.rank is not None else ""
        row["loten"] = lots[key] if r.rank is not None else ""
        row["rang"] = _number(r.rank)
        row["gedeeld"] = _number(r.shared)
        step2 = dutch.STATUS_LABELS[r.status]
        row["stap2"] = step2
        later = latest.get(o.id, "")
        row["status"] = later if r.status == rules.SHORTLISTED and later else step2
        row["reden"] = rules.reason_text(tender, r.failed)
        row["open"] = len(r.open)
        values[o.id] = row
    return values


def points_values(tender: Tender, result: Result) -> dict[str, Decimal | None]:
    """The points columns of an offer's Kandidaten row (key -> points, None where not scored); none for 30662."""
    if not shows_points(tender):
        return {}
    keys = {f"{a.code}:punten": a.code for a in tender.award}
    if tender.price is not None:
        keys[PRICE_COLUMN] = rules.PRICE
    return {key: result.points.get(code) if result.score is not None else None for key, code in keys.items()}


def assessment_values(tender: Tender, result: Result, code: str) -> dict[str, Any]:
    """The Geldt and Stand of one Beoordeling row."""
    j = result.offer.judgments.get(code, Judgment())
    if j.client not in (None, ""):
        stand = STAND_CLIENT
    elif j.assessor not in (None, ""):
        stand = STAND_ASSESSED
    elif code in result.required:
        stand = STAND_SELF if tender.self_declaration else STAND_OPEN
    else:
        stand = STAND_NOT_NEEDED
    return {"geldt": j.effective or "", "stand": stand}


def award_values(tender: Tender, interview: award_rules.InterviewResult, result: Result) -> dict[int, Any]:
    """The values of one Gunning row's formulas (column index -> value); `result` is the offer's step 2."""
    first, count = 6, len(tender.competencies)
    values: dict[int, Any] = {first + k: _number(interview.counting.get(c))
                              for k, c in enumerate(tender.competencies)}
    values[first + count] = "Ja" if interview.complete else "Nee"
    values[first + count + 1] = "" if not interview.complete else ("Ja" if interview.passed else "Nee")
    values[first + count + 2] = _number(interview.total)
    if tender.interviews.points is not None:
        values[first + count + 3] = _number(interview.points)
        values[first + count + 4] = _number(award_rules.final_score(result, interview))
    return values
