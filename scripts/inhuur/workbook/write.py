"""How the tool's cells are written: new offers (Kandidaten, Beoordeling, Leveranciers), findings, lots, results."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Sequence

from inhuur import award as award_rules, dutch, rules, xlsx
from inhuur.errors import InvalidWorkbook, Problem, TooManyOffers
from inhuur.intake import OfferRow, offer_key
from inhuur.rules import Finding, Judgment, Offer, Result
from inhuur.workbook.formulas import (assessment_formulas, award_formulas, matrix_formulas, normalise_formula,
                                      price_range_formulas)
from inhuur.workbook.layout import (LOGGED, LOT_TITLES, NAME_PRICE_HIGH, NAME_PRICE_LOW, SHEET_CRITERIA, SHEET_ASSESSMENT,
                                    SHEET_LOG_REGISTER, SHEET_AWARD, SHEET_LOTS, SHEET_MATRIX, SHEET_REGISTER,
                                    SHEET_SUPPLIERS,
                                    SUPPLIER_TITLES,
                                    assessment_key, price_range_cells)
from inhuur.workbook.matrix import Matrix, SheetRow
from inhuur.workbook.read import read_offers, row_of, sheet_rows
from inhuur.workbook.values import assessment_values, award_values, matrix_values
from inhuur.xlsx import get_column_letter, to_excel


def looks_like_formula(value: Any) -> bool:
    """Text that a spreadsheet would take for a formula (=, +, -, @): stored with a quote prefix."""
    return isinstance(value, str) and value[:1] in ("=", "+", "-", "@")


def header_row_xml(matrix: Matrix, number: int, titles: Sequence[str]) -> str:
    """A header row in the workbook's header style."""
    style = matrix.styles.get("header")
    return xlsx.row_xml(number, [xlsx.cell_xml(f"{get_column_letter(i)}{number}", t, style)
                                 for i, t in enumerate(titles, start=1)])


def values_row_xml(matrix: Matrix, number: int, values: Sequence[Any], styles: Sequence[str | None] = ()) -> str:
    """A row of plain values from column A; text that looks like a formula is stored as text."""
    cells = []
    for i, value in enumerate(values, start=1):
        style = styles[i - 1] if i - 1 < len(styles) and styles[i - 1] else None
        if style is None and looks_like_formula(value):
            style = matrix.styles.get("text_quoted")
        cells.append(xlsx.cell_xml(f"{get_column_letter(i)}{number}", value, style))
    return xlsx.row_xml(number, cells)


# ---------------------------------------------------------------------------------------------- offers in

@dataclass
class ImportReport:
    """What an import did: offers added (with their new ids), offers already present and left alone."""

    added: list[Offer]
    skipped: list[tuple[OfferRow, Offer]]
    differences: list[str]
    shared_candidates: list[str]


# The most offers a workbook may hold: `rank` of 40,000 offers of 30662 peaks at about 0.75 GB, under the 1 GB an
# office PC with Excel open can spare (tests/benchmarks/bench_pipeline.py --limit measures it; README "Speed").
MAX_OFFERS = 40_000


def add_offers(matrix: Matrix, rows: Sequence[OfferRow]) -> ImportReport:
    """Append the offers not yet in the matrix, with one Beoordeling row per judged criterion; never touch others.

    Refused (TooManyOffers) when the workbook would hold more than MAX_OFFERS offers.
    """
    existing, _ = read_offers(matrix, strict=False)
    by_key = {offer_key(o.supplier, o.candidate): o for o in existing}
    next_number = 1 + max((rules.id_key(o.id)[0] for o in existing), default=0)
    added: list[Offer] = []
    skipped: list[tuple[OfferRow, Offer]] = []
    differences: list[str] = []
    for row in rows:
        key = offer_key(row.offer.supplier, row.offer.candidate)
        if key in by_key:
            old = by_key[key]
            skipped.append((row, old))
            differences += _differences(row, old)
            continue
        offer = replace(row.offer, id=f"I-{next_number:03d}")
        next_number += 1
        by_key[key] = offer
        added.append(offer)
    if len(existing) + len(added) > MAX_OFFERS:
        raise TooManyOffers(matrix.path, MAX_OFFERS, len(existing), len(added))
    all_offers = existing + added
    candidates: dict[str, set[str]] = {}
    for o in all_offers:
        candidates.setdefault(offer_key(o.supplier, o.candidate)[1], set()).add(o.supplier)
    shared = sorted(name for name, suppliers in candidates.items() if len(suppliers) > 1)
    if added:
        first = matrix.last_row + 1
        last = first + len(added) - 1
        rows_xml = (_offer_row_xml(matrix, first + i, offer) for i, offer in enumerate(added))
        matrix.add_rows(SHEET_MATRIX, rows_xml, stale_results=True, auto_filter=f"A1:{matrix.layout.last_letter}{last}")
        codes = matrix.tender.judged_codes
        a_first = matrix.assessment_last_row + 1
        a_rows = (_assessment_row_xml(matrix, a_first + i * len(codes) + k, offer, code)
                  for i, offer in enumerate(added) for k, code in enumerate(codes))
        a_last = a_first + len(added) * len(codes) - 1
        matrix.add_rows(SHEET_ASSESSMENT, a_rows, stale_results=True,
                        auto_filter=f"A1:{matrix.assessment.last_letter}{a_last}")
        write_suppliers(matrix, all_offers)
        r_first = max(matrix.register.values(), default=1) + 1
        stamp = datetime.now().replace(microsecond=0).strftime("%d-%m-%Y %H:%M")
        matrix.add_rows(SHEET_REGISTER, [values_row_xml(matrix, r_first + i, [o.id, o.supplier, o.candidate, stamp])
                                          for i, o in enumerate(added)])
        matrix.register.update({o.id: r_first + i for i, o in enumerate(added)})
        matrix.rows += [SheetRow(first + i, {}) for i in range(len(added))]
        matrix.last_row = last
        matrix.assessment_last_row = a_last
    return ImportReport(added, skipped, differences, shared)


def _differences(row: OfferRow, old: Offer) -> list[str]:
    new = row.offer
    notes = []
    if new.rate != old.rate:
        notes.append(f"rij {row.row}: {old.id} ({old.candidate}) heeft in het werkboek uurtarief "
                     f"{dutch.money(old.rate)}, in het bestand {dutch.money(new.rate)}; niet overschreven")
    for key, value in new.facts.items():
        if old.facts.get(key) != value:
            notes.append(f"rij {row.row}: {old.id} ({old.candidate}) wijkt af in {key} "
                         f"(werkboek {old.facts.get(key)}, bestand {value}); niet overschreven")
    return notes


def _offer_row_xml(matrix: Matrix, row: int, offer: Offer) -> str:
    layout, styles = matrix.layout, matrix.styles
    values: dict[str, Any] = {
        "id": offer.id, "leverancier": offer.supplier, "contactpersoon": offer.contact,
        "aanhef": offer.salutation or None,
        "email": offer.email, "kandidaat": offer.candidate, "uurtarief": float(offer.rate),
        "toelichting": offer.note or None, "loting": offer.lot,
        "ingetrokken": to_excel(offer.withdrawn) if offer.withdrawn else None,
        "reden_intrekking": offer.withdrawn_reason or None,
    }
    values.update(offer.facts)
    values["ingediend"] = to_excel(offer.facts["ingediend"]) if offer.facts.get("ingediend") else None
    special = {"uurtarief": "money", "ingediend": "moment"}

    def style_of(col, value) -> str | None:
        if col.key == "ingetrokken":
            return styles.get("input_date")
        if col.kind in ("formula", "input"):
            return styles.get(col.kind)
        return styles.get(special.get(col.key) or ("text_quoted" if looks_like_formula(value) else "text"))

    return xlsx.row_xml(row, _cells(layout, row, values, matrix_formulas(layout, row), style_of))


def _cells(columns, row: int, values: dict[str, Any], formulas: dict[str, str], style_of) -> list[str]:
    """The <c> elements of one row: the formula where the column has one, else the value, each in its style."""
    cells = []
    for col in columns.columns:
        ref = f"{columns.letter(col.key)}{row}"
        if col.kind == "formula":
            cells.append(xlsx.cell_xml(ref, style=style_of(col, None), formula=formulas[col.key][1:]))
        else:
            value = values.get(col.key)
            cells.append(xlsx.cell_xml(ref, value, style_of(col, value)))
    return cells


def _assessment_row_xml(matrix: Matrix, row: int, offer: Offer, code: str) -> str:
    beo, styles, tender = matrix.assessment, matrix.styles, matrix.tender
    criterion = tender.criterion(code)
    step = "1 Knock-out" if code in {k.code for k in tender.knock_outs} else \
        f"2 Gunning, {dutch.number(criterion.points)} p."
    judgment = offer.judgments.get(code, Judgment())
    values = {"id": offer.id, "kandidaat": offer.candidate, "leverancier": offer.supplier, "code": code,
              "criterium": criterion.description, "stap": step, "opgave": judgment.declared,
              "beoordelaar": judgment.assessor, "motivering_beoordelaar": judgment.assessor_motivation or None,
              "door_beoordelaar": judgment.assessor_by or None, "opdrachtgever": judgment.client,
              "motivering_opdrachtgever": judgment.client_motivation or None,
              "door_opdrachtgever": judgment.client_by or None, "sleutel": assessment_key(offer.id, code)}
    def style_of(col, value) -> str | None:  # everything top-aligned, like the wrapped criterion text
        if col.kind == "input":
            return styles.get("input_wrap")
        return styles.get("text_quoted" if looks_like_formula(value) else "wrap")

    cells = _cells(beo, row, values, assessment_formulas(beo, matrix.layout, row, code), style_of)
    return f'<row r="{row}" ht="{assessment_row_height(beo, criterion.description, judgment)}" customHeight="1">' \
        + "".join(cells) + "</row>"


def assessment_row_height(beo, description: str, judgment: Judgment) -> float:
    """Room for the longest wrapped text of a Beoordeling row: the criterion or a motivation."""
    texts = [(description, "criterium"), (judgment.assessor_motivation, "motivering_beoordelaar"),
             (judgment.client_motivation, "motivering_opdrachtgever")]
    # about one character per width unit, and a word that does not fit moves to the next line
    lines = max(-(-len(text) * 11 // (int(beo.by_key[key].width) * 10)) for text, key in texts)
    return 15.0 * max(lines, 1)


def write_suppliers(matrix: Matrix, offers: Sequence[Offer]) -> None:
    """Rewrite Leveranciers: one row per supplier with contact, number of offers and their ids."""
    suppliers: dict[str, list[Offer]] = {}
    for o in offers:
        suppliers.setdefault(offer_key(o.supplier, o.candidate)[0], []).append(o)
    rows = [header_row_xml(matrix, 1, SUPPLIER_TITLES)]
    for number, group in enumerate(sorted(suppliers.values(), key=lambda g: g[0].supplier.casefold()), start=2):
        first = group[0]
        values = [first.supplier, first.contact, first.email, len(group), ", ".join(o.id for o in group)]
        rows.append(values_row_xml(matrix, number, values))
    matrix.add_rows(SHEET_SUPPLIERS, rows, replace=True)


# ---------------------------------------------------------------------------------------------- findings and lots

def write_findings(matrix: Matrix, findings: Sequence[Finding], rows: dict[tuple[str, str], int]) -> None:
    """Write findings into their Beoordeling rows (the assessor's or the client's three cells)."""
    beo, styles = matrix.assessment, matrix.styles
    cells = {}
    for f in findings:
        n = rows[(f.offer_id, f.code)]
        keys = ("opdrachtgever", "motivering_opdrachtgever", "door_opdrachtgever") if f.client else \
            ("beoordelaar", "motivering_beoordelaar", "door_beoordelaar")
        for key, value in zip(keys, (f.verdict, f.motivation or None, f.by or None)):
            ref = f"{beo.letter(key)}{n}"
            cells[ref] = xlsx.cell_xml(ref, value, styles.get("input_wrap"))
    matrix.patch(SHEET_ASSESSMENT, cells, stale_results=True)
    matrix.forget_results(SHEET_MATRIX)


def write_lots(matrix: Matrix, order: dict[str, int], record: rules.LotRecord | None = None,
               offers: dict[str, Offer] | None = None) -> None:
    """Record a lot drawing: the order drawn per offer id goes into the Loting column, and its proces-verbaal
    (when given) into a row of the Loting sheet."""
    rows = row_of(matrix)
    unknown = [offer_id for offer_id in order if offer_id not in rows]
    if unknown:
        raise InvalidWorkbook(str(matrix.path or "werkboek"),
                              [Problem(offer_id, "deze ID staat niet op Kandidaten") for offer_id in unknown])
    letter = matrix.layout.letter("loting")
    cells = {f"{letter}{rows[i]}": xlsx.cell_xml(f"{letter}{rows[i]}", n) for i, n in order.items()}
    matrix.patch(SHEET_MATRIX, cells, stale_results=True)
    matrix.forget_results(SHEET_ASSESSMENT)
    if record is not None:
        offers = offers or {}
        outcome = "; ".join(f"{dutch.ordinal(order[i])} getrokken: {i}"
                            + (f" ({offers[i].candidate}, {offers[i].supplier})" if i in offers else "")
                            for i in record.order)
        append_log(matrix, SHEET_LOTS, LOT_TITLES, [[
            datetime.now().strftime("%d-%m-%Y %H:%M"), record.moment.strftime("%d-%m-%Y %H:%M"), record.place,
            record.drawn_by, record.witnesses or None, ", ".join(record.order), outcome]])


def write_withdrawal(matrix: Matrix, offer_id: str, day: date, reason: str) -> None:
    """Record a withdrawal in the offer's Kandidaten row (Ingetrokken op, Reden intrekking); every formula follows."""
    n, layout = row_of(matrix)[offer_id], matrix.layout
    cells = {f"{layout.letter(key)}{n}": xlsx.cell_xml(f"{layout.letter(key)}{n}", value, matrix.styles.get(style))
             for key, value, style in (("ingetrokken", to_excel(day), "input_date"),
                                       ("reden_intrekking", reason, "input"))}
    matrix.patch(SHEET_MATRIX, cells, stale_results=True)
    matrix.forget_results(SHEET_ASSESSMENT)  # its Stand reads which steps the offer still needs


# ---------------------------------------------------------------------------------------------- results stored

def write_results(matrix: Matrix, results: Sequence[Result], latest: dict[str, str],
                  interviews: dict[str, award_rules.InterviewResult]) -> None:
    """Write every tool formula with the engine's result as its stored value (also restoring typed-over ones).

    The values are what the formulas compute (the parity tests prove it), so the workbook shows its results
    without recalculation: in a preview, a mail attachment, or Excel without asking to save on close.
    """
    tender, layout, beo = matrix.tender, matrix.layout, matrix.assessment
    by_id = {r.offer.id: r for r in results}
    values = matrix_values(tender, results, latest)
    offer_rows = {row.number: str(matrix.get(row, "id")) for row in matrix.rows}
    latest_column = layout.index["latest"]

    def matrix_cells(n: int) -> dict[int, str] | None:
        offer_id = offer_rows.get(n)
        if offer_id not in values:
            return None
        formulas = matrix_formulas(layout, n)
        cells = _with_results(n, {layout.index[key]: (formulas[key], value) for key, value in values[offer_id].items()})
        cells[latest_column] = xlsx.cell_xml(f"{layout.letter('latest')}{n}", latest.get(offer_id))  # a value, no formula
        return cells

    matrix.rewrite(SHEET_MATRIX, matrix_cells)
    _write_price_range(matrix, results)
    judged = {}  # row -> (offer id, code) for the rows whose formulas get results
    for row in matrix.assessment_rows:
        key = (str(matrix.get_assessment(row, "id")), str(matrix.get_assessment(row, "code")))
        if key[0] in by_id and key[1] in tender.judged_codes:
            judged[row.number] = key

    def assessment_cells(n: int) -> dict[int, str] | None:
        if n not in judged:
            return None
        offer_id, code = judged[n]
        formulas = assessment_formulas(beo, layout, n, code)
        return _with_results(n, {beo.index[key]: (formulas[key], value)
                                 for key, value in assessment_values(tender, by_id[offer_id], code).items()})

    def assessment_height(n: int) -> float | None:
        if n not in judged:
            return None
        offer_id, code = judged[n]
        return assessment_row_height(beo, tender.criterion(code).description, by_id[offer_id].offer.judgments[code])

    matrix.rewrite(SHEET_ASSESSMENT, assessment_cells, assessment_height)
    complete = True
    if SHEET_AWARD in matrix.package.sheets():
        cells: dict[int, dict[int, str]] = {}
        for n, row_values in sheet_rows(matrix, SHEET_AWARD, current=True):  # with rows this rank added
            interview = interviews.get(str(row_values[1]))
            offer_id = str(row_values[1])
            results_ = award_values(tender, interview, by_id[offer_id]) if interview and offer_id in by_id else {}
            formulas = award_formulas(tender, n)
            complete = complete and all(results_.get(column) is not None for column in formulas)
            cells[n] = _with_results(n, {column: (formula, results_.get(column))
                                         for column, formula in formulas.items()})
        if cells:
            matrix.rewrite(SHEET_AWARD, cells.get)
    if complete:
        matrix.results_stored()


def _write_price_range(matrix: Matrix, results: Sequence[Result]) -> None:
    """L and H on the Criteria sheet, with the engine's range as their stored values (0 while none is compared,
    as MIN and MAX of no numbers)."""
    tender = matrix.tender
    if tender.price is None or not tender.price.compares:
        return
    compared = rules.comparison(tender, [r.offer for r in results if r.score is not None])
    values = {NAME_PRICE_LOW: compared.low if compared else 0, NAME_PRICE_HIGH: compared.high if compared else 0}
    formulas = price_range_formulas(matrix.layout)
    cells = {}
    for name, (row, column) in price_range_cells().items():
        cells[row] = _with_results(row, {column: (formulas[name], float(values[name]))})
    matrix.rewrite(SHEET_CRITERIA, cells.get)


def _with_results(n: int, cells: dict[int, tuple[str, Any]]) -> dict[int, str]:
    """Row n's formula cells (column -> (formula with '=', result; None: not known)) as <c> XML."""
    return {column: xlsx.cell_xml(f"{get_column_letter(column)}{n}", formula=formula[1:], result=result)
            for column, (formula, result) in cells.items()}


def formula_problems(matrix: Matrix) -> list[tuple[str, str, Any]]:
    """Every tool-owned formula cell on Kandidaten and Beoordeling that no longer holds its formula.

    Returns (sheet, cell reference, what it holds).
    """
    wrong = []
    layout, beo = matrix.layout, matrix.assessment
    # reading marked each formula equal to the expected one as SAME: a row of those needs no formulas made again
    matrix_columns = [layout.index[key] for key in matrix_formulas(layout, 2)]
    for row in matrix.rows:
        if row.cells and not _all_same(row.cells, matrix_columns):
            for key, expected in matrix_formulas(layout, row.number).items():
                _compare(wrong, SHEET_MATRIX, f"{layout.letter(key)}{row.number}",
                         row.cells.get(layout.index[key]), expected)
    assessment_columns = {code: [beo.index[key] for key in assessment_formulas(beo, layout, 2, code)]
                          for code in matrix.tender.judged_codes}
    for row in matrix.assessment_rows:
        code = str(matrix.get_assessment(row, "code"))
        if code in assessment_columns and not _all_same(row.cells, assessment_columns[code]):
            for key, expected in assessment_formulas(beo, layout, row.number, code).items():
                _compare(wrong, SHEET_ASSESSMENT, f"{beo.letter(key)}{row.number}",
                         row.cells.get(beo.index[key]), expected)
    if SHEET_AWARD in matrix.package.sheets():
        for n, cells in matrix.package.rows(SHEET_AWARD):
            if n == 1 or cells.get(1) is None or cells[1].value in (None, ""):
                continue
            for column, expected in award_formulas(matrix.tender, n).items():
                _compare(wrong, SHEET_AWARD, f"{get_column_letter(column)}{n}", cells.get(column), expected)
    return wrong


def _all_same(cells: dict[int, xlsx.RawCell], columns: list[int]) -> bool:
    return all(c is not None and c.formula is xlsx.SAME for c in map(cells.get, columns))


def _compare(wrong: list, sheet: str, ref: str, cell: xlsx.RawCell | None, expected: str) -> None:
    actual = None if cell is None else cell.formula
    if actual is xlsx.SAME or actual == expected[1:]:
        return  # the usual case, no need to normalise
    if actual is None or normalise_formula(actual) != normalise_formula(expected):
        wrong.append((sheet, ref, None if cell is None else cell.value))


def append_log(matrix: Matrix, sheet: str, titles: Sequence[str], entries: Sequence[Sequence[Any]]) -> None:
    """Append rows to a log sheet, below what is there; earlier rows are never changed.

    A title missing from the sheet's header (a workbook made before the column existed) is added to it. A row of
    Brieven or Verzonden is also kept on the hidden _logboek, so that `check` can name a row deleted later.
    """
    if not entries:
        return
    matrix.require_sheet(sheet)
    _complete_header(matrix, sheet, titles)
    last = matrix.bottom(sheet)
    matrix.add_rows(sheet, [values_row_xml(matrix, last + i, list(values))
                            for i, values in enumerate(entries, start=1)])
    if sheet in LOGGED and SHEET_LOG_REGISTER in matrix.package.sheets():  # absent in workbooks made before it
        at = {title: i for i, title in enumerate(titles)}
        kept = [[sheet, *(values[at[key]] if key and at[key] < len(values) else None for key in LOGGED[sheet])]
                for values in entries]
        first = matrix.bottom(SHEET_LOG_REGISTER)
        matrix.add_rows(SHEET_LOG_REGISTER, [values_row_xml(matrix, first + i, values)
                                             for i, values in enumerate(kept, start=1)])


def _complete_header(matrix: Matrix, sheet: str, titles: Sequence[str]) -> None:
    """Write the titles a log sheet's header row lacks, in the header style."""
    number, header = next(iter(matrix.package.rows(sheet, data=matrix.chunks(sheet))), (1, {}))
    header = header if number == 1 else {}
    style = matrix.styles.get("header")
    missing = {f"{get_column_letter(i)}1": title for i, title in enumerate(titles, start=1)
               if header.get(i) is None or header[i].value in (None, "")}
    if missing:
        matrix.patch(sheet, {ref: xlsx.cell_xml(ref, title, style) for ref, title in missing.items()})
