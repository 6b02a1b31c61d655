"""Steps 3–4 on the sheets: rows for those who reached them, the client's decisions, interview scores, awards."""

from __future__ import annotations

from typing import Sequence

from inhuur import award as award_rules, rules, xlsx
from inhuur.rules import Result
from inhuur.workbook.formulas import award_formulas
from inhuur.workbook.layout import (SHEET_AWARD, SHEET_INTERVIEWS, SHEET_STEP3, STEP3_OPEN, STEP3_TITLES,
                                    award_titles, interview_titles)
from inhuur.workbook.matrix import Matrix
from inhuur.workbook.read import Steps34
from inhuur.workbook.write import looks_like_formula
from inhuur.xlsx import get_column_letter, to_excel


def stale_step3_rows(steps: Steps34, step2: Sequence[Result]) -> tuple[dict[str, int], dict[str, int]]:
    """Stap 3 rows of offers that step 2 no longer shortlists: (without a decision yet, with one)."""
    shortlisted = {r.offer.id for r in step2 if r.status == rules.SHORTLISTED}
    decided = {s.offer_id for s in steps.selections if s.decision or s.waiting_order or s.slot
               or s.similar_assignments or s.similar_organisations or s.remarks}
    stale = {i: n for i, n in steps.step3_rows.items() if i not in shortlisted}
    return ({i: n for i, n in stale.items() if i not in decided}, {i: n for i, n in stale.items() if i in decided})


def fill_steps34(matrix: Matrix, step2: Sequence[Result], steps: Steps34, stage: award_rules.Stage) -> None:
    """Keep the steps 3–4 sheets in step with the shortlist: add rows for those who reached step 3 or 4, empty
    the undecided Stap 3 rows of offers no longer shortlisted, and write the engine's proposal and flags."""
    tender, styles = matrix.tender, matrix.styles
    shortlisted = [r for r in rules.ranking_order(step2) if r.status == rules.SHORTLISTED]
    by_id = {r.offer.id: r for r in shortlisted}
    undecided, _ = stale_step3_rows(steps, step2)
    if undecided:
        matrix.patch(SHEET_STEP3, {f"{get_column_letter(c)}{n}": xlsx.cell_xml(f"{get_column_letter(c)}{n}")
                                   for n in undecided.values() for c in range(1, STEP3_OPEN)})
    new = [r for r in shortlisted if r.offer.id not in steps.step3_rows or r.offer.id in undecided]
    if new:
        first = matrix.bottom(SHEET_STEP3) + 1
        rows = []
        for i, r in enumerate(new):
            values = [r.offer.id, r.offer.candidate, r.offer.supplier, float(r.score), r.rank]
            cells = [xlsx.cell_xml(f"{get_column_letter(c)}{first + i}", v,
                                   styles.get("text_quoted") if looks_like_formula(v) else None)
                     for c, v in enumerate(values, start=1)]
            cells += [xlsx.cell_xml(f"{get_column_letter(c)}{first + i}", None, styles.get("input"))
                      for c in range(STEP3_OPEN, len(STEP3_TITLES) + 1)]
            rows.append(xlsx.row_xml(first + i, cells))
        matrix.add_rows(SHEET_STEP3, rows)
    invited = [s.offer_id for s in steps.selections if s.decision == award_rules.INVITE and s.offer_id in by_id]
    width = len(interview_titles(tender))
    rows, first = [], matrix.bottom(SHEET_INTERVIEWS) + 1
    for offer_id in invited:
        if offer_id in steps.interview_rows:
            continue
        roles = list(tender.interviews.roles) + [""] * tender.interviews.min_interviewers
        for slot in range(tender.interviews.min_interviewers + 1):
            consensus = slot == tender.interviews.min_interviewers
            values = [offer_id, by_id[offer_id].offer.candidate, award_rules.CONSENSUS if consensus else None,
                      "afgesproken score" if consensus else roles[slot] or None]
            n = first + len(rows)
            cells = [xlsx.cell_xml(f"{get_column_letter(c)}{n}", v) for c, v in enumerate(values[:2], start=1)]
            cells += [xlsx.cell_xml(f"{get_column_letter(c)}{n}", v, styles.get("input"))
                      for c, v in enumerate(values[2:], start=3)]
            cells += [xlsx.cell_xml(f"{get_column_letter(c)}{n}", None, styles.get("input"))
                      for c in range(5, width + 1)]
            rows.append(xlsx.row_xml(n, cells))
    if rows:
        matrix.add_rows(SHEET_INTERVIEWS, rows)
    titles = award_titles(tender)
    rows, first = [], matrix.bottom(SHEET_AWARD) + 1
    award_rows = dict(steps.award_rows)
    for offer_id in invited:
        if offer_id in award_rows:
            continue
        n = first + len(rows)
        award_rows[offer_id] = n
        r = by_id[offer_id]
        formulas = award_formulas(tender, n)
        cells = []
        for c in range(1, len(titles) + 1):
            ref = f"{get_column_letter(c)}{n}"
            if c in formulas:
                cells.append(xlsx.cell_xml(ref, formula=formulas[c][1:]))
            elif c <= 5:
                value = [offer_id, r.offer.candidate, r.offer.supplier, float(r.score), float(r.offer.rate)][c - 1]
                cells.append(xlsx.cell_xml(ref, value, styles.get("money") if c == 5 else None))
            elif c >= len(titles) - 1:
                cells.append(xlsx.cell_xml(ref, None, styles.get("input")))
        rows.append(xlsx.row_xml(n, cells))
    if rows:
        matrix.add_rows(SHEET_AWARD, rows, stale_results=True)
    flags = {}
    for offer_id, n in award_rows.items():
        outcome = stage.outcomes.get(offer_id)
        interview = outcome.interview if outcome else None
        flag_col, proposal_col = len(titles) - 3, len(titles) - 2
        flags[f"{get_column_letter(flag_col)}{n}"] = xlsx.cell_xml(
            f"{get_column_letter(flag_col)}{n}", ", ".join(interview.disagreements) if interview else None)
        flags[f"{get_column_letter(proposal_col)}{n}"] = xlsx.cell_xml(
            f"{get_column_letter(proposal_col)}{n}", outcome.proposal if outcome else None)
    if flags:
        matrix.patch(SHEET_AWARD, flags)


def record_step3(matrix: Matrix, steps: Steps34, selections: Sequence[award_rules.Selection]) -> None:
    """Write the client's step-3 decisions into their rows on Stap 3; what the file leaves empty keeps what the
    sheet holds (a second round's file need not repeat the comparison or the waiting order of the first)."""
    cells = {}
    styles = matrix.styles
    for s in selections:
        n = steps.step3_rows[s.offer_id]
        values = {6: s.similar_assignments or None, 7: s.similar_organisations or None, 8: s.remarks or None,
                  9: s.decision, 10: s.waiting_order, 11: to_excel(s.slot) if s.slot else None}
        for column, value in values.items():
            if value in (None, "") and column != 9:
                continue
            ref = f"{get_column_letter(column)}{n}"
            cells[ref] = xlsx.cell_xml(ref, value, styles.get("input_moment" if column == 11 else "input"))
    matrix.patch(SHEET_STEP3, cells)


def record_step4(matrix: Matrix, steps: Steps34, interviews: Sequence[award_rules.Interview]) -> None:
    """Write interview scores: into the row of the same interviewer, else an empty slot, else a new row."""
    tender, styles = matrix.tender, matrix.styles
    taken: dict[str, list[tuple[int, str]]] = {k: list(v) for k, v in steps.interview_rows.items()}
    cells, new_rows = {}, []
    last = matrix.bottom(SHEET_INTERVIEWS)
    for interview in interviews:
        rows = taken.setdefault(interview.offer_id, [])
        match = next((i for i, (_, who) in enumerate(rows) if who.casefold() == interview.interviewer.casefold()),
                     None)
        if match is None and not interview.is_consensus:
            match = next((i for i, (_, who) in enumerate(rows) if not who.strip()), None)
        values = [interview.interviewer, interview.role or None, *[interview.scores[c] for c in tender.competencies]]
        if match is None:
            last += 1
            candidate = _candidate_name(matrix, interview.offer_id)
            row = [xlsx.cell_xml(f"A{last}", interview.offer_id), xlsx.cell_xml(f"B{last}", candidate)]
            row += [xlsx.cell_xml(f"{get_column_letter(c)}{last}", v, styles.get("input"))
                    for c, v in enumerate(values, start=3)]
            new_rows.append(xlsx.row_xml(last, row))
            rows.append((last, interview.interviewer))
            continue
        n = rows[match][0]
        rows[match] = (n, interview.interviewer)
        for c, v in enumerate(values, start=3):
            ref = f"{get_column_letter(c)}{n}"
            cells[ref] = xlsx.cell_xml(ref, v, styles.get("input"))
    if new_rows:
        matrix.add_rows(SHEET_INTERVIEWS, new_rows)
    if cells:
        matrix.patch(SHEET_INTERVIEWS, cells)
    matrix.forget_results(SHEET_AWARD)  # Gunning's formulas read these scores


def record_awards(matrix: Matrix, steps: Steps34, motivations: dict[str, str]) -> None:
    """Write the client's award decisions: 'gunnen' and the motivation in each candidate's Gunning row."""
    last = len(award_titles(matrix.tender))
    cells = {}
    for offer_id, motivation in motivations.items():
        n = steps.award_rows[offer_id]
        for column, value in ((last - 1, "gunnen"), (last, motivation)):
            ref = f"{get_column_letter(column)}{n}"
            cells[ref] = xlsx.cell_xml(ref, value, matrix.styles.get("input"))
    matrix.patch(SHEET_AWARD, cells)


def _candidate_name(matrix: Matrix, offer_id: str) -> str:
    for row in matrix.rows:
        if row.cells and str(matrix.get(row, "id")) == offer_id:
            return str(matrix.get(row, "kandidaat") or "")
    return ""
