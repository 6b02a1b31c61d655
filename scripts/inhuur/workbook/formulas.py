"""What the formulas say: the live formulas of Kandidaten, Beoordeling and Gunning, built from the criteria.

English function names and ',' separators (Excel shows them localised); only classic functions
(IF, AND, COUNTIFS, INDEX/MATCH, SUMIFS, MID, MIN/MAX, INT, ROUND) that Excel 2010+ and LibreOffice 7.4
compute alike.
"""

from __future__ import annotations

import re
from typing import Iterable

from inhuur import award as award_rules, dutch, rules
from inhuur.spec import AwardCriterion, Price, Tender
from inhuur.workbook.layout import (NAME_DEADLINE, NAME_MIN_INTERVIEWERS, NAME_MIN_SCORE, NAME_PASS_MARK,
                                    NAME_PRICE_HIGH, NAME_PRICE_LOW, NAME_RATE_CAP, NAME_SHORTLIST, PRICE_COLUMN, SHEET_INTERVIEWS, STAND_ASSESSED, STAND_CLIENT,
                                    STAND_NOT_NEEDED, STAND_OPEN, STAND_SELF, AssessmentLayout, Layout,
                                    assessment_key, points_name, quoted, requirement_name)
from inhuur.xlsx import get_column_letter


def _text(value: str) -> str:
    """A string literal inside a formula."""
    return '"' + value.replace('"', '""') + '"'


ROW = "\x00"  # placeholder for the row number in formula templates (never in a formula itself)


def matrix_formulas(layout: Layout, row: int) -> dict[str, str]:
    """Every formula the tool owns in one Kandidaten row (key -> formula with '=')."""
    templates = layout.__dict__.get("_templates")
    if templates is None:
        templates = layout.__dict__["_templates"] = _matrix_templates(layout)
    number = str(row)
    return {key: text.replace(ROW, number) for key, text in templates.items()}


def _matrix_templates(layout: Layout) -> dict[str, str]:
    t = layout.tender
    row = ROW
    beo = AssessmentLayout(t)
    c = lambda key: f"{layout.letter(key)}{row}"  # noqa: E731
    whole = lambda key: layout.whole(key, sheet=False)  # noqa: E731
    result: dict[str, str] = {}
    for code in t.judged_codes:
        key = _text(assessment_key("", code))  # "/KO1": the id comes from column A
        result[f"{code}:geldt"] = (f'=INDEX({beo.whole("geldt")},MATCH($A{row}&{key},{beo.whole("sleutel")},0))&""')
    formal = [(r.code, _formal_test(r, c)) for r in t.formal]
    knock_outs = [(k.code, f'{c("uurtarief")}<={NAME_RATE_CAP}' if k.kind == "max_uurtarief"
                   else f'UPPER({c(k.code + ":geldt")})="JA"') for k in t.knock_outs]
    result["conform"] = _all_yes(test for _, test in formal)
    result["ko"] = _all_yes(test for _, test in knock_outs)
    withdrawn, conform, ko = f'{c("ingetrokken")}<>""', f'{c("conform")}="Ja"', f'{c("ko")}="Ja"'
    # the rate of every offer scored in step 2 (conforming, through the knock-outs, not withdrawn), else blank:
    # the price formula's L and H are MIN and MAX of this one column, computed once (not once per row)
    result["vergelijking"] = f'=IF(AND({conform},{ko},NOT({withdrawn})),{c("uurtarief")},"")'
    # which steps' judgments this offer needs: 0 none, 1 the knock-outs, 2 also the award criteria
    result["nodig"] = f'=IF({withdrawn},0,IF({conform},IF({ko},2,1),0))'
    scored = f'{c("vergelijking")}<>""'
    g, s, u, lot = c("geschikt"), c("score"), c("uurtarief"), c("loting")
    if layout.detailed:
        for a in t.award:
            result[f"{a.code}:punten"] = f'=IF({scored},{_criterion_points(a, c(a.code + ":geldt"))},"")'
        if t.price is not None:
            result[PRICE_COLUMN] = f'=IF({scored},{_price_points(t.price, u)},"")'
        parts = [c(f"{a.code}:punten") for a in t.award] + ([c(PRICE_COLUMN)] if t.price is not None else [])
        # each part is in whole cents; ROUND takes the sum's binary noise off, so ties compare exactly
        result["score"] = f'=IF({scored},ROUND({"+".join(parts)},2),"")'
    else:
        points = "+".join(f'(UPPER({c(a.code + ":geldt")})="JA")*{points_name(a.code)}' for a in t.award)
        result["score"] = f'=IF({scored},{points},"")'
    result["geschikt"] = (f'=IF({scored},IF({s}>={NAME_MIN_SCORE},1,0),0)' if t.min_score is not None
                          else f'=IF({scored},1,0)')
    same = f'{whole("geschikt")},1,{whole("score")},{s},{whole("uurtarief")},{u}'
    result["groep"] = f'=IF({g}=1,COUNTIFS({same}),"")'
    result["loten"] = f'=IF({g}=1,COUNTIFS({same},{whole("loting")},">0"),"")'
    use_lot = f'AND({c("groep")}>1,{c("loten")}={c("groep")})'
    result["rang"] = (f'=IF({g}=1,1+COUNTIFS({whole("geschikt")},1,{whole("score")},">"&{s})'
                      f'+COUNTIFS({whole("geschikt")},1,{whole("score")},{s},{whole("uurtarief")},"<"&{u})'
                      f'+IF({use_lot},COUNTIFS({same},{whole("loting")},"<"&{lot}),0),"")')
    result["gedeeld"] = (f'=IF({g}=1,IF({use_lot},COUNTIFS({same},{whole("loting")},{lot}),'
                         f'{c("groep")}),"")')
    rang, label = c("rang"), dutch.STATUS_LABELS
    ranked = (f'IF(AND({rang}<={NAME_SHORTLIST},{rang}+{c("gedeeld")}-1>{NAME_SHORTLIST}),'
              f'"{label[rules.TIE_UNRESOLVED]}",'
              f'IF({rang}<={NAME_SHORTLIST},"{label[rules.SHORTLISTED]}","{label[rules.NOT_SELECTED]}"))')
    if t.min_score is not None:
        ranked = f'IF({g}=0,"{label[rules.BELOW_THRESHOLD]}",{ranked})'
    result["stap2"] = (
        f'=IF({withdrawn},"{label[rules.WITHDRAWN]}",'
        f'IF({c("conform")}="Nee","{label[rules.NON_CONFORMING]}",'
        f'IF({c("ko")}="Nee","{label[rules.KNOCKED_OUT]}",{ranked})))')
    # the latest status: steps 3-4 (written by the tool) only while step 2 still shortlists the offer
    result["status"] = (f'=IF(AND({c("stap2")}="{label[rules.SHORTLISTED]}",{c("latest")}<>""),'
                        f'{c("latest")},{c("stap2")})')
    parts = "&".join(f'IF({test},"",{_text("; " + t.label(code))})' for code, test in formal + knock_outs)
    # a withdrawn offer is not assessed any further: its reason is the withdrawal, not a failed requirement
    result["reden"] = f'=IF({withdrawn},"",MID({parts},3,1000))' if parts else '=""'
    result["open"] = f'=COUNTIFS({beo.whole("id")},$A{row},{beo.whole("stand")},"{STAND_OPEN}")'
    return result


def _criterion_points(criterion: AwardCriterion, finding: str) -> str:
    """The points a finding earns: Ja all (binary); on a graded criterion its level's (case and surrounding
    spaces do not count, as in the engine), any other finding none. No lookup: no wildcards, no operators."""
    if not criterion.levels:
        return f'(UPPER({finding})="JA")*{points_name(criterion.code)}'
    chosen = f"TRIM(UPPER({finding}))"
    formula = "0"
    for level in reversed(criterion.levels):
        formula = f"IF({chosen}=TRIM(UPPER({_text(level.label)})),{_number(level.points)},{formula})"
    return formula


def _price_points(price: Price, rate: str) -> str:
    """The price's points for the rate in `rate`, as rules.price_points computes them.

    Every amount is taken in whole cents, so the quotient is rounded half away from zero exactly:
    INT((2·A·n + d) / (2·d)) cents for A points × n / d (A in cents; all integers well below 2^53), never
    ROUND on a binary 17,124999… that should have been 17,125.
    """
    top = _number(price.points)
    cents = lambda value: f"ROUND({value}*100,0)"  # noqa: E731
    p = cents(rate)

    def share(numerator: str, denominator: str) -> str:
        a = int(price.points * 100)
        return f"INT((2*{a}*({numerator})+({denominator}))/(2*({denominator})))/100"

    if price.formula == "grens":
        return f"IF({rate}<={_number(price.limit)},{top},0)"
    if price.formula == "absoluut":
        upper, lower = int(price.upper * 100), int(price.lower * 100)
        return f"MIN({top},{share(f'MAX(0,{upper}-{p})', str(upper - lower))})"
    low, high = cents(NAME_PRICE_LOW), cents(NAME_PRICE_HIGH)
    if price.formula == "relatief":
        return f"MIN({top},{share(low, p)})"
    return f"IF({high}={low},{top},MIN({top},MAX(0,{share(f'{high}-{p}', f'{high}-{low}')})))"


def _number(value) -> str:
    """A Decimal as a number literal in a formula: 10, 12.5."""
    return format(value.normalize(), "f")


def price_range_formulas(layout: Layout) -> dict[str, str]:
    """L and H (defined name -> formula): MIN and MAX of the rates of the offers scored in step 2."""
    column = layout.whole("vergelijking")
    return {NAME_PRICE_LOW: f"=MIN({column})", NAME_PRICE_HIGH: f"=MAX({column})"}


def _formal_test(requirement, c) -> str:
    cell, name = c(requirement.code), requirement_name(requirement.code)
    return {
        "uiterlijk": f"{cell}<={NAME_DEADLINE}",
        "maximaal": f"{cell}<={name}",
        "minimaal": f"{cell}>={name}",
        "gelijk": f"UPPER({cell})=UPPER({name})",
        "ja": f'UPPER({cell})="JA"',
        "niet_nee": f'UPPER({cell})<>"NEE"',
    }[requirement.kind]


def _all_yes(tests: Iterable[str]) -> str:
    tests = list(tests)
    return f'=IF(AND({",".join(tests)}),"Ja","Nee")' if tests else '="Ja"'


def assessment_formulas(beo: AssessmentLayout, layout: Layout, row: int, code: str) -> dict[str, str]:
    """The formulas of one Beoordeling row: what counts, and whether it is still open."""
    templates = beo.__dict__.setdefault("_templates", {})
    if code not in templates:
        templates[code] = _assessment_templates(beo, layout, code)
    number = str(row)
    return {key: text.replace(ROW, number) for key, text in templates[code].items()}


def _assessment_templates(beo: AssessmentLayout, layout: Layout, code: str) -> dict[str, str]:
    row = ROW
    c = lambda key: f"{beo.letter(key)}{row}"  # noqa: E731
    og, assessor, declared = c("opdrachtgever"), c("beoordelaar"), c("opgave")
    of_offer = lambda key: f'INDEX({layout.whole(key)},MATCH($A{row},{layout.whole("id")},0))'  # noqa: E731
    # the knock-outs are judged for every conforming offer, the award criteria once it passed them
    step = 1 if any(k.code == code for k in layout.tender.knock_outs) else 2
    required = f'{of_offer("nodig")}>={step}'
    unassessed = STAND_SELF if layout.tender.self_declaration else STAND_OPEN
    return {
        "geldt": f'=IF({og}<>"",{og},IF({assessor}<>"",{assessor},{declared}&""))',
        "stand": (f'=IF({og}<>"","{STAND_CLIENT}",IF({assessor}<>"","{STAND_ASSESSED}",'
                  f'IF({required},"{unassessed}","{STAND_NOT_NEEDED}")))'),
    }


def award_formulas(tender: Tender, row: int) -> dict[int, str]:
    """The live formulas of one Gunning row (column index -> formula), as the engine computes them."""
    first = 6
    count = len(tender.competencies)
    sheet = quoted(SHEET_INTERVIEWS)
    ids, who = f"{sheet}!$A:$A", f"{sheet}!$C:$C"
    formulas = {}
    filled = []
    for k in range(count):
        col = get_column_letter(5 + k)
        scores = f"{sheet}!${col}:${col}"
        individual = f'{ids},$A{row},{who},"<>{award_rules.CONSENSUS}"'
        filled.append(f'COUNTIFS({individual},{scores},">0")')
        if tender.interviews.counts == "consensus":
            agreed = f'{ids},$A{row},{who},"{award_rules.CONSENSUS}"'
            formulas[first + k] = (f'=IF(COUNTIFS({agreed},{scores},">0")=0,"",SUMIFS({scores},{agreed}))')
        else:
            formulas[first + k] = (f'=IF(COUNTIFS({individual})=0,"",IF(COUNTIFS({individual},{scores},">0")'
                                   f'<COUNTIFS({individual}),"",AVERAGEIFS({scores},{individual})))')
    span = f"{get_column_letter(first)}{row}:{get_column_letter(first + count - 1)}{row}"
    slots = f'COUNTIFS({ids},$A{row},{who},"<>{award_rules.CONSENSUS}")'
    complete, passed, total = (get_column_letter(first + count + i) for i in range(3))
    formulas[first + count] = (f'=IF(AND({slots}>={NAME_MIN_INTERVIEWERS},{"+".join(filled)}={slots}*{count},'
                               f'COUNT({span})={count}),"Ja","Nee")')
    formulas[first + count + 1] = (f'=IF({complete}{row}<>"Ja","",IF(COUNTIF({span},"<"&{NAME_PASS_MARK})=0,'
                                   f'"Ja","Nee"))')
    formulas[first + count + 2] = f'=IF({complete}{row}="Ja",SUM({span}),"")'
    points = tender.interviews.points
    if points is not None:
        # punten × (sum of the counting scores) / (competencies × the scale's top), in whole cents as the engine:
        # the consensus's scores, or every interviewer's (their averages × their number) over that many more
        top = count * len(tender.interviews.scale)
        given, over = (f"ROUND({total}{row},0)", str(top)) if tender.interviews.counts == "consensus" else \
            (f"ROUND({total}{row}*{slots},0)", f"{slots}*{top}")
        cents = f"INT((2*{int(points * 100)}*{given}+{over})/(2*{over}))/100"
        formulas[first + count + 3] = f'=IF({complete}{row}="Ja",{cents},"")'
        step2 = f"INDEX({Layout(tender).whole('score')},MATCH($A{row},{Layout(tender).whole('id')},0))"
        interview = f"{get_column_letter(first + count + 3)}{row}"
        formulas[first + count + 4] = f'=IF({interview}="","",IF({step2}="","",ROUND({step2}+{interview},2)))'
    return formulas


_WHOLE_COLUMN = re.compile(r"\$([A-Z]{1,3})\$1:\$\1\$1048576")


def normalise_formula(formula: str) -> str:
    """Compare formulas as a spreadsheet would: case and spaces outside strings, whole-column spellings."""
    formula = formula[1:] if formula.startswith("=") else formula
    out, in_string = [], False
    for ch in formula.replace("_xlfn.", ""):
        if ch == '"':
            in_string = not in_string
        if in_string or ch == '"':
            out.append(ch)
        elif not ch.isspace():
            out.append(ch.upper())
    return _WHOLE_COLUMN.sub(r"$\1:$\1", "".join(out))
