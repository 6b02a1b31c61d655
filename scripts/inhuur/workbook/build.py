"""How a new workbook is built (openpyxl): every sheet with its headers, validations, protection and print setup."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from inhuur import award as award_rules, dutch, rules
from inhuur.spec import Tender
from inhuur.workbook.instructions import instruction_rows
from inhuur.workbook.layout import (DATE_FORMAT, FORMAT_VERSION, LETTER_TITLES, LOG_REGISTER_TITLES, LOT_TITLES, MARKER, MOMENT_FORMAT, MONEY_FORMAT,
                                    NAME_DEADLINE, NAME_MIN_INTERVIEWERS, NAME_PASS_MARK, NAME_RATE_CAP,
                                    NAME_SHORTLIST, RANKING_HEADER_ROW, REGISTER_TITLES, SENT_TITLES,
                                    SHEET_AWARD, SHEET_CRITERIA, SHEET_INSTRUCTIONS, SHEET_INTERVIEWS,
                                    SHEET_LETTERS, SHEET_LOG_REGISTER, SHEET_LOTS, SHEET_META, SHEET_RANKING, SHEET_REGISTER, SHEET_SENT,
                                    SHEET_STEP3, SHEET_SUPPLIERS, SHEET_TENDER, STAND_CLIENT, STAND_OPEN, STEP3_TITLES,
                                    SUPPLIER_TITLES, THRESHOLD_KINDS, AssessmentLayout, Columns, Layout,
                                    award_titles, interview_titles, named_constants, points_name,
                                    requirement_name, NAME_MIN_SCORE, PRICE_COLUMN, choices_name, price_range_cells)
from inhuur.workbook.formulas import price_range_formulas
from inhuur.workbook.matrix import STYLE_KEYS

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_EDGE = Side(style="thin", color="BF9000")
INPUT_BORDER = Border(left=_EDGE, right=_EDGE, top=_EDGE, bottom=_EDGE)
WRAP = Alignment(wrap_text=True, vertical="top")
OPEN = Protection(locked=False)
LAST_ROW = 1048576

# Cells on the hidden sheet that carry each style appended cells use. Excel and LibreOffice renumber
# styles when they save; the samples are renumbered with them, so `import` always finds the right ids.
STYLE_SAMPLES: dict[str, dict[str, Any]] = {
    "header": dict(font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP),
    "title": dict(font=Font(name="Calibri", bold=True, size=14)),
    "bold": dict(font=Font(name="Calibri", size=11, bold=True)),
    "money": dict(number_format=MONEY_FORMAT),
    "moment": dict(number_format=MOMENT_FORMAT),
    "text": dict(),
    "text_quoted": dict(quotePrefix=True),
    "input": dict(protection=OPEN, fill=INPUT_FILL, border=INPUT_BORDER),
    "input_moment": dict(protection=OPEN, fill=INPUT_FILL, border=INPUT_BORDER, number_format=MOMENT_FORMAT),
    "formula": dict(),
    "wrap": dict(alignment=WRAP),
    "input_wrap": dict(protection=OPEN, fill=INPUT_FILL, border=INPUT_BORDER, alignment=WRAP),
    "input_date": dict(protection=OPEN, fill=INPUT_FILL, border=INPUT_BORDER, number_format=DATE_FORMAT),
}
assert tuple(STYLE_SAMPLES) == STYLE_KEYS

STATUS_COLOURS = {rules.NON_CONFORMING: "D9D9D9", rules.KNOCKED_OUT: "F4CCCC", rules.SHORTLISTED: "D9EAD3",
                  rules.TIE_UNRESOLVED: "FCE5CD", rules.BELOW_THRESHOLD: "EFEFEF", rules.WITHDRAWN: "B7B7B7",
                  award_rules.AWARDED: "B6D7A8", award_rules.REJECTED: "EAD1DC",
                  award_rules.INVITED: "CFE2F3", award_rules.WAITING_ROOM: "FFF2CC"}


def build(tender: Tender) -> Workbook:
    """A new workbook for the tender: instructions, tender facts, criteria, the empty matrix and assessment, logs."""
    wb = Workbook()
    wb.remove(wb.active)
    _build_instructions(wb, tender)
    _build_tender_sheet(wb, tender)
    _build_criteria_sheet(wb, tender)
    _build_log_sheet(wb, tender, SHEET_SUPPLIERS, SUPPLIER_TITLES, (30, 22, 30, 14, 40))
    _build_matrix_sheet(wb, tender)
    _build_assessment_sheet(wb, tender)
    _build_ranking_sheet(wb, tender)
    _build_steps34_sheets(wb, tender)
    _build_log_sheet(wb, tender, SHEET_LETTERS, LETTER_TITLES, (16, 11, 7, 20, 24, 24, 20, 40, 26, 18, 18, 26, 18))
    _build_log_sheet(wb, tender, SHEET_SENT, SENT_TITLES, (16, 7, 20, 24, 24, 20, 30, 18, 30, 26, 20, 18, 50))
    _build_log_sheet(wb, tender, SHEET_LOTS, LOT_TITLES, (16, 16, 24, 24, 30, 18, 60))
    _build_meta_sheet(wb, tender)
    for name, titles in ((SHEET_REGISTER, REGISTER_TITLES), (SHEET_LOG_REGISTER, LOG_REGISTER_TITLES)):
        register = wb.create_sheet(name)
        _header(register, titles)
        register.sheet_state = "veryHidden"
        _protect(register)
    wb.active = wb.sheetnames.index(SHEET_INSTRUCTIONS)
    wb.calculation.fullCalcOnLoad = True  # openpyxl stores no results: let Excel compute on open
    return wb


# ---------------------------------------------------------------------------------------------- shared pieces

def _header(ws, titles: Sequence[str], row: int = 1) -> None:
    for i, title in enumerate(titles, start=1):
        cell = ws.cell(row=row, column=i, value=title)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP


def _columns_header(ws, columns: Columns, height: float = 45) -> None:
    _header(ws, [c.title for c in columns.columns])
    ws.row_dimensions[1].height = height
    for col in columns.columns:
        dim = ws.column_dimensions[columns.letter(col.key)]
        dim.width, dim.hidden = col.width, col.hidden
        if col.note:
            ws[f"{columns.letter(col.key)}1"].comment = Comment(col.note, "inhuur", width=300, height=120)


def _protect(ws) -> None:
    """Sheet protection without a password: guards formulas against typing, still allows formatting."""
    p = ws.protection
    p.sheet = True
    p.formatCells = p.formatColumns = p.formatRows = False
    p.autoFilter = p.sort = False
    p.selectLockedCells = p.selectUnlockedCells = False


def _name(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"{sheet}!${ref[0]}${ref[1:]}")


def _validation(ws, area: str, title: str, prompt: str, **kw) -> None:
    """A data validation with an input message (shown when the cell is selected) and a Dutch error."""
    dv = DataValidation(allow_blank=True, showErrorMessage=True, showInputMessage=True, promptTitle=title[:32],
                        prompt=prompt[:255], errorTitle=title[:32], error=kw.pop("error", prompt)[:225], **kw)
    dv.add(area)
    ws.add_data_validation(dv)


def _print_setup(ws, tender: Tender, fit_width: int = 1, landscape: bool = True, title_rows: str | None = "1:1",
                 title_cols: str | None = None) -> None:
    """For the dossier: A4, fit to width, header rows repeated, and on every page the tender, the sheet,
    page x of y, the print date and 'Vertrouwelijk'."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = fit_width
    ws.page_setup.fitToHeight = 0
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols
    ws.oddHeader.left.text = f"Aanvraag {tender.number} – {tender.title}"
    ws.oddHeader.left.size = 8
    ws.oddHeader.right.text = "VERTROUWELIJK"
    ws.oddHeader.right.size = 8
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.left.size = 8
    ws.oddFooter.center.text = "Pagina &P van &N"
    ws.oddFooter.center.size = 8
    ws.oddFooter.right.text = "Afgedrukt &D &T"
    ws.oddFooter.right.size = 8


def row_height(texts: Sequence[tuple[str, float]], line: float = 15) -> float:
    """Room for wrapped text: the tallest of (text, column width) pairs, at about one character per width unit
    (a word that does not fit moves to the next line)."""
    lines = max((math.ceil(len(str(text)) * 1.1 / max(width, 1)) for text, width in texts if text), default=1)
    return line * max(lines, 1)


def _as_text_if_needed(cell, value: Any) -> None:
    """Store user text that looks like a formula (=, +, -, @) as text, never as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True


# ---------------------------------------------------------------------------------------------- sheets

def _build_instructions(wb: Workbook, tender: Tender) -> None:
    ws = wb.create_sheet(SHEET_INSTRUCTIONS)
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 110
    for n, (kind, text) in enumerate(instruction_rows(tender), start=1):
        if kind == "swatch":
            text, colour = text
            swatch = ws.cell(row=n, column=1)
            swatch.fill = PatternFill("solid", fgColor=colour)
            if colour == "FFF2CC":
                swatch.border = INPUT_BORDER
        cell = ws.cell(row=n, column=2 if kind in ("text", "swatch") else 1, value=text)
        if kind == "title":
            cell.font = Font(bold=True, size=14)
        elif kind == "heading":
            cell.font = Font(bold=True, size=11, color="1F4E78")
        else:
            cell.alignment = WRAP
            ws.row_dimensions[n].height = row_height([(text, 110)])
    ws.sheet_view.showGridLines = False
    _print_setup(ws, tender, landscape=False, title_rows=None)
    _protect(ws)


def tender_rows(tender: Tender) -> list[tuple[str, Any, str | None, str | None]]:
    """The Aanvraag sheet's rows: (label, value, number format, defined name)."""
    f, p = tender.facts, tender.planning
    rows: list[tuple[str, Any, str | None, str | None]] = [
        ("Aanvraagnummer", tender.number, None, None),
        ("Titel", tender.title, None, None),
        ("Opdrachtgever", tender.client, None, None),
        ("Intermediair", tender.intermediary, None, None),
    ]
    labels = {"start": "Start", "duur": "Duur", "verlenging": "Opties verlenging",
              "uren_per_week": "Uren per week", "opleidingsniveau": "Opleidingsniveau", "regio": "Regio",
              "functieschaal": "Functieschaal", "das_opdracht": "DAS-opdracht",
              "hybride_werken": "Hybride werken mogelijk", "werkdagen": "Werkdagen", "fee": "Fee"}
    for key, label in labels.items():
        if key in f:
            value = f[key]
            value = ("Ja" if value else "Nee") if isinstance(value, bool) else value
            rows.append((label, value, DATE_FORMAT if key == "start" else None, None))
    named = named_constants(tender)
    rows += [
        ("Benodigd aantal professionals", tender.professionals, None, None),
        ("Voordragen aan opdrachtgever (top)", tender.shortlist_size, "0", NAME_SHORTLIST),
        ("Maximaal uurtarief (excl. btw)" if tender.rate_cap is not None else
         "Maximaal uurtarief (excl. btw): geen, de aanvraag stelt geen maximum",
         None if tender.rate_cap is None else float(tender.rate_cap), MONEY_FORMAT, NAME_RATE_CAP),
        ("Totaal punten gunningscriteria", float(tender.total_points), "0.##", None),
    ]
    if tender.min_score is not None:
        rows.append(("Minimale score na stap 2 (anders niet gerangschikt)", float(tender.min_score), "0.##",
                     NAME_MIN_SCORE))
    rows += [
        ("Eigen opgave leverancier telt als oordeel", "Ja" if tender.self_declaration else
         "Nee: elk oordeel wordt door een beoordelaar vastgelegd (blad Beoordeling)", None, None),
    ]
    plan_labels = {"vragen_tot": "Vragen indienen tot", "antwoorden": "Publicatie antwoorden",
                   "sluiting": "Einde reactietermijn", "uitnodigingen_uiterlijk": "Uitnodigingen uiterlijk",
                   "gesprekken": "Selectiegesprekken", "gesprekken_locatie": "Locatie gesprekken"}
    for key, label in plan_labels.items():
        if key in p:
            value = p[key]
            fmt = (MOMENT_FORMAT if isinstance(value, datetime) else DATE_FORMAT) if key != "gesprekken_locatie" \
                else None
            rows.append((label, named[NAME_DEADLINE] if key == "sluiting" else value, fmt,
                         NAME_DEADLINE if key == "sluiting" else None))
    interviews = tender.interviews
    rows.append(("Gesprekken: minimaal aantal interviewers", named[NAME_MIN_INTERVIEWERS], "0", NAME_MIN_INTERVIEWERS))
    rows.append(("Gesprekken: schaal", "; ".join(f"{i} {label}" for i, label in enumerate(interviews.scale, 1)),
                 None, None))
    rows.append(("Gesprekken: minimaal per competentie", named[NAME_PASS_MARK], "0", NAME_PASS_MARK))
    rows.append(("Gesprekken: telt", interviews.counts, None, None))
    if interviews.points is not None:
        rows.append(("Gesprekken: punten in de eindscore", float(interviews.points), "0.##", None))
    rows.append(("Opschortende termijn (kalenderdagen)", tender.standstill_days, "0", None))
    rows.append(("Einde op za/zo/feestdag schuift naar werkdag", "Ja" if tender.standstill_working_day else "Nee",
                 None, None))
    for key, value in tender.sender.items():
        rows.append((f"Afzender: {key}", value, None, None))
    for key, value in tender.other.items():
        rows.append((f"Overig: {key}", value, None, None))
    return rows


def _build_tender_sheet(wb: Workbook, tender: Tender) -> None:
    ws = wb.create_sheet(SHEET_TENDER)
    ws["A1"] = f"Aanvraag {tender.number} — {tender.title}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "Feiten uit de aanvraag; benoemde cellen worden door de formules gebruikt. Wijzig de aanvraag " \
               "in het specificatiebestand (TOML), niet hier."
    _header(ws, ["Gegeven", "Waarde"], row=3)
    for i, (label, value, fmt, name) in enumerate(tender_rows(tender), start=4):
        ws.cell(row=i, column=1, value=label).alignment = WRAP
        cell = ws.cell(row=i, column=2, value=value)
        _as_text_if_needed(cell, value)
        if fmt:
            cell.number_format = fmt
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        ws.row_dimensions[i].height = row_height([(value if isinstance(value, str) else "", 90), (label, 42)])
        if name:
            _name(wb, name, SHEET_TENDER, f"B{i}")
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 90
    _print_setup(ws, tender, landscape=False, title_rows="3:3")
    _protect(ws)


def _build_criteria_sheet(wb: Workbook, tender: Tender) -> None:
    ws = wb.create_sheet(SHEET_CRITERIA)
    _header(ws, ["Code", "Stap", "Omschrijving (woorden van de aanvraag)", "Punten", "Toets", "Drempel",
                 "Kort (in Reden en koppen)"])
    widths = (9, 16, 70, 7, 18, 9, 24)
    tests = {"uiterlijk": lambda r: f"uiterlijk {dutch.moment(tender.deadline)}",
             "maximaal": lambda r: f"maximaal {r.value}", "minimaal": lambda r: f"minimaal {r.value}",
             "gelijk": lambda r: f"gelijk aan {r.value}", "ja": lambda r: "Ja",
             "niet_nee": lambda r: "Ja of n.v.t."}
    rows: list[tuple[list[Any], str | None, str | None]] = []
    named = named_constants(tender)
    for r in tender.formal:
        threshold = requirement_name(r.code) if r.kind in THRESHOLD_KINDS else None
        rows.append(([r.code, "0 Formeel", r.description, None, tests[r.kind](r),
                      named[threshold] if threshold else None, r.label], threshold, None))
    for k in tender.knock_outs:
        test = f"uurtarief ≤ {dutch.money(tender.rate_cap)}" if k.kind == "max_uurtarief" else "oordeel Ja"
        rows.append(([k.code, "1 Knock-out", k.description, None, test, None, k.label], None, None))
    for a in tender.award:
        test = ("niveau: " + "; ".join(f"{lv.label} {dutch.number(lv.points)}" for lv in a.levels) if a.levels
                else "oordeel Ja = alle punten")
        rows.append(([a.code, "2 Gunning", a.description, float(a.points), test, None, a.label], None,
                     points_name(a.code)))
    if tender.price is not None:
        rows.append(([PRICE_COLUMN, "2 Gunning", dutch.price_formula(tender.price), float(tender.price.points),
                      f"formule {tender.price.formula}", None, "Prijs"], None, None))
    for n, (values, threshold_name, points) in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row=n, column=column, value=value)
            cell.alignment = WRAP
        ws.cell(row=n, column=4).number_format = "0.##"
        ws.row_dimensions[n].height = row_height([(values[2], widths[2]), (values[4], widths[4]),
                                                  (values[6], widths[6])])
        if threshold_name:
            _name(wb, threshold_name, SHEET_CRITERIA, f"F{n}")
        if points:
            _name(wb, points, SHEET_CRITERIA, f"D{n}")
    row = len(rows) + 3
    ws.cell(row=row, column=1, value="Competenties (selectiegesprek)").font = Font(bold=True)
    for name in tender.competencies:
        row += 1
        ws.cell(row=row, column=1, value=name)
    if any(a.levels for a in tender.award):
        row += 2
        ws.cell(row=row, column=1, value="Keuzelijsten op Beoordeling (oordelen per criterium)").font = Font(bold=True)
        for code in tender.judged_codes:
            row += 1
            criterion = tender.criterion(code)
            choices = [lv.label for lv in criterion.levels] if getattr(criterion, "levels", ()) else ["Ja", "Nee"]
            ws.cell(row=row, column=1, value=code)
            for column, label in enumerate(choices, start=2):
                _as_text_if_needed(ws.cell(row=row, column=column, value=label), label)
            wb.defined_names[choices_name(code)] = DefinedName(
                choices_name(code), attr_text=f"{SHEET_CRITERIA}!$B${row}:${get_column_letter(len(choices) + 1)}${row}")
    if tender.price is not None and tender.price.compares:
        for column, title in ((9, "Vergelijking prijs"), (10, "Uurtarief")):
            cell = ws.cell(row=1, column=column, value=title)
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        cells = price_range_cells()
        for label, (name, formula) in zip(("Laagste uurtarief (L)", "Hoogste uurtarief (H)"),
                                          price_range_formulas(Layout(tender)).items()):
            n, column = cells[name]
            ws.cell(row=n, column=column - 1, value=label)
            ws.cell(row=n, column=column, value=formula).number_format = MONEY_FORMAT
            _name(wb, name, SHEET_CRITERIA, f"{get_column_letter(column)}{n}")
        ws.column_dimensions["I"].width = 22
        ws.column_dimensions["J"].width = 12
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    _print_setup(ws, tender)
    _protect(ws)


def _columns_sheet(wb: Workbook, tender: Tender, columns: Columns, height: float, freeze_before: str, note: str,
                   **print_options):
    """A sheet laid out by a Columns: header with notes, panes frozen before a column, a filter, print setup."""
    ws = wb.create_sheet(columns.sheet)
    _columns_header(ws, columns, height=height)
    ws.freeze_panes = f"{columns.letter(freeze_before)}2"
    ws.auto_filter.ref = f"A1:{columns.last_letter}1"
    _print_setup(ws, tender, **print_options)
    ws["A1"].comment = Comment(note, "inhuur", width=300, height=120)
    return ws


def _colour_by_value(ws, columns: Columns, key: str, colours: dict[str, tuple[str, bool]]) -> None:
    """Conditional fills on one column: each value its colour (and bold where asked), live as values change."""
    cell, area = f"${columns.letter(key)}2", f"{columns.letter(key)}2:{columns.letter(key)}{LAST_ROW}"
    for value, (colour, bold) in colours.items():
        ws.conditional_formatting.add(area, FormulaRule(formula=[f'{cell}="{value}"'],
                                                        fill=PatternFill("solid", bgColor=colour),
                                                        font=Font(bold=True) if bold else None))


def _build_matrix_sheet(wb: Workbook, tender: Tender) -> None:
    layout = Layout(tender)
    ws = _columns_sheet(wb, tender, layout, 48, "status",
                        "Eén rij per inschrijving. De oordelen per criterium legt u vast op het blad Beoordeling; deze "
                        "kolommen tonen wat telt. Status, score, rang en reden rekent het werkboek zelf uit. Alleen "
                        "Loting is hier invoer (geel).",
                        fit_width=2, title_cols=f"A:{layout.letter('leverancier')}")
    withdrawn = layout.letter("ingetrokken")
    _validation(ws, f"{withdrawn}2:{withdrawn}{LAST_ROW}", "Ingetrokken op",
                "Alleen als de kandidaat zich terugtrekt: de datum (dd-mm-jjjj). Vul ook de reden in. De inschrijving "
                "blijft staan en telt niet meer mee in de vergelijking.",
                type="date", operator="greaterThan", formula1="36526", error="Vul een datum in, bijv. 14-07-2026.")
    reason = layout.letter("reden_intrekking")
    _validation(ws, f"{reason}2:{reason}{LAST_ROW}", "Reden intrekking", "Waarom de kandidaat zich terugtrok, "
                                                                         "bijv. niet meer beschikbaar.",
                type="textLength", operator="lessThanOrEqual", formula1="32767", error="Te lang voor één cel.")
    lot = layout.letter("loting")
    _validation(ws, f"{lot}2:{lot}{LAST_ROW}", "Loting",
                "Alleen bij een gelijke stand op de grens van de voordracht (status Loting nodig): de volgorde "
                "van trekking, 1 voor de eerst getrokken kandidaat, dan 2, enz. Leg het proces-verbaal vast.",
                type="whole", operator="greaterThanOrEqual", formula1="1",
                error="Vul de volgorde van trekking in: 1 voor de eerst getrokken kandidaat, dan 2, …")
    _colour_by_value(ws, layout, "status", {dutch.STATUS_LABELS[word]: (colour, False)
                                            for word, colour in STATUS_COLOURS.items()})
    open_col = layout.letter("open")
    ws.conditional_formatting.add(f"{open_col}2:{open_col}{LAST_ROW}", FormulaRule(
        formula=[f"${open_col}2>0"], fill=PatternFill("solid", bgColor="F4CCCC"), font=Font(bold=True)))
    _protect(ws)


def _build_assessment_sheet(wb: Workbook, tender: Tender) -> None:
    beo = AssessmentLayout(tender)
    ws = _columns_sheet(wb, tender, beo, 32, "criterium",
                        "Eén rij per inschrijving en criterium. Filter op Code om per criterium te werken, op ID om per "
                        "kandidaat te werken, op Stand = Open voor wat nog moet.")
    graded = any(a.levels for a in tender.award)
    for key, role in (("beoordelaar", "de beoordelaar"), ("opdrachtgever", "de opdrachtgever")):
        letter = beo.letter(key)
        lead = " Dit oordeel gaat voor dat van de beoordelaar." if key == "opdrachtgever" else ""
        if graded:  # each row lists its own criterion's findings: the levels, or Ja/Nee (blad Criteria)
            _validation(ws, f"{letter}2:{letter}{LAST_ROW}", "Oordeel",
                        f"Het oordeel van {role}: kies uit de lijst (Ja/Nee, of bij een criterium met niveaus het "
                        f"niveau dat aantoonbaar in cv of toelichting staat). Vul ook uw naam in, en bij Nee, een "
                        f"lager niveau of een afwijking een motivering.{lead}",
                        type="list", formula1=f'INDIRECT("{choices_name("")}"&${beo.letter("code")}2)',
                        error="Kies een oordeel uit de lijst van dit criterium, of maak de cel leeg.")
            continue
        _validation(ws, f"{letter}2:{letter}{LAST_ROW}", "Ja of Nee",
                    f"Het oordeel van {role}: Ja als het criterium aantoonbaar in cv of toelichting staat, anders "
                    f"Nee. Vul ook uw naam in, en bij Nee of een afwijking een motivering.{lead}",
                    type="list", formula1='"Ja,Nee"', error="Kies Ja of Nee, of maak de cel leeg.")
    for key, text in (("motivering_beoordelaar", "Waarom: wat staat er (niet) in cv of toelichting? Deze tekst "
                                                 "komt letterlijk in de brief aan de leverancier."),
                      ("motivering_opdrachtgever", "Waarom wijkt de opdrachtgever af? Deze tekst komt letterlijk in "
                                                   "de brief aan de leverancier."),
                      ("door_beoordelaar", "Naam van wie dit oordeel gaf (voor het dossier)."),
                      ("door_opdrachtgever", "Naam van wie namens de opdrachtgever oordeelde.")):
        letter = beo.letter(key)
        _validation(ws, f"{letter}2:{letter}{LAST_ROW}", "Toelichting", text, type="textLength",
                    operator="lessThanOrEqual", formula1="32767", error="De tekst is te lang voor één cel.")
    _colour_by_value(ws, beo, "stand", {STAND_OPEN: ("F4CCCC", True), STAND_CLIENT: ("CFE2F3", False)})
    _protect(ws)


def _build_ranking_sheet(wb: Workbook, tender: Tender) -> None:
    ws = wb.create_sheet(SHEET_RANKING)
    ws["A1"] = "Nog geen ranglijst: importeer inschrijvingen en voer `inhuur rank` uit."
    for letter, width in zip("ABCDEFGHIJK", (18, 9, 28, 24, 11, 7, 19, 34, 8, 17, 12)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{RANKING_HEADER_ROW + 1}"
    _print_setup(ws, tender, title_rows=None)
    _protect(ws)


def _build_steps34_sheets(wb: Workbook, tender: Tender) -> None:
    ws = wb.create_sheet(SHEET_STEP3)
    _header(ws, STEP3_TITLES)
    ws.row_dimensions[1].height = 32
    for letter, width in zip("ABCDEFGHIJK", (7, 22, 24, 7, 6, 30, 30, 30, 12, 10, 16)):
        ws.column_dimensions[letter].width = width
    _validation(ws, f"I2:I{LAST_ROW}", "Besluit", "uitnodigen voor een selectiegesprek, of wachtkamer "
                                                  "(voorlopige afwijzing).",
                type="list", formula1='"uitnodigen,wachtkamer"', error="Kies uitnodigen of wachtkamer.")
    _validation(ws, f"J2:J{LAST_ROW}", "Volgorde wachtkamer", "Bij wachtkamer: 1 voor wie als eerste wordt "
                                                               "uitgenodigd als er te weinig kandidaten voldoen.",
                type="whole", operator="greaterThanOrEqual", formula1="1", error="Vul 1, 2, 3 … in.")
    _validation(ws, f"K2:K{LAST_ROW}", "Gesprek", "Datum en tijd van het selectiegesprek, bijv. 09-07-2026 14:00.",
                type="date", operator="greaterThan", formula1="36526", error="Vul een datum met tijd in.")
    for letter in "FGH":
        _validation(ws, f"{letter}2:{letter}{LAST_ROW}", "Vergelijking", "De vergelijking van de opdrachtgever "
                                                                          "in onderlinge vergelijking (stap 3).",
                    type="textLength", operator="lessThanOrEqual", formula1="32767", error="Te lang voor één cel.")
    ws.freeze_panes = "C2"
    _print_setup(ws, tender)
    _protect(ws)
    ws = wb.create_sheet(SHEET_INTERVIEWS)
    titles = interview_titles(tender)
    _header(ws, titles)
    ws.row_dimensions[1].height = 60
    scale = "; ".join(f"{i} = {label}" for i, label in enumerate(tender.interviews.scale, 1))
    _validation(ws, f"E2:{get_column_letter(len(titles))}{LAST_ROW}", "Score", scale, type="whole",
                operator="between", formula1="1", formula2=str(len(tender.interviews.scale)))
    _validation(ws, f"C2:C{LAST_ROW}", "Interviewer", f"De naam van de interviewer, of precies "
                                                      f"{award_rules.CONSENSUS} voor de afgesproken score.",
                type="textLength", operator="lessThanOrEqual", formula1="255", error="Te lang.")
    _validation(ws, f"D2:D{LAST_ROW}", "Rol", "De functie van de interviewer bij de opdrachtgever.",
                type="textLength", operator="lessThanOrEqual", formula1="255", error="Te lang.")
    for i, width in enumerate((7, 22, 18, 22) + (11,) * len(tender.competencies), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    # live flag for the consensus talk: a score 2 or more away from another interviewer's on the same competency
    others = f'$A:$A,$A2,$C:$C,"<>{award_rules.CONSENSUS}"'
    ws.conditional_formatting.add(f"E2:{get_column_letter(len(titles))}{LAST_ROW}", FormulaRule(
        formula=[f'AND(E2<>"",UPPER($C2)<>"{award_rules.CONSENSUS.upper()}",COUNTIFS({others},E:E,">="&(E2+2))'
                 f'+COUNTIFS({others},E:E,"<="&(E2-2))>0)'], fill=PatternFill("solid", bgColor="FCE5CD")))
    ws.freeze_panes = "E2"
    _print_setup(ws, tender)
    _protect(ws)
    ws = wb.create_sheet(SHEET_AWARD)
    titles = award_titles(tender)
    _header(ws, titles)
    ws.row_dimensions[1].height = 75
    for i in range(1, len(titles) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 8
    for letter, width in (("A", 7), ("B", 18), ("C", 20), (get_column_letter(len(titles) - 2), 8),
                          (get_column_letter(len(titles) - 3), 16), (get_column_letter(len(titles)), 36)):
        ws.column_dimensions[letter].width = width
    decision = get_column_letter(len(titles) - 1)
    _validation(ws, f"{decision}2:{decision}{LAST_ROW}", "Besluit", "gunnen voor wie de opdracht krijgt (zoveel als "
                                                                    "de aanvraag nodig heeft), met motivering.",
                type="list", formula1='"gunnen"', error="Vul gunnen in, of laat de cel leeg.")
    motivation = get_column_letter(len(titles))
    _validation(ws, f"{motivation}2:{motivation}{LAST_ROW}", "Motivering", "Waarom deze kandidaat: komt in de "
                                                                           "brieven aan alle kandidaten.",
                type="textLength", operator="lessThanOrEqual", formula1="32767", error="Te lang voor één cel.")
    ws.freeze_panes = "C2"
    _print_setup(ws, tender, title_cols="A:B")
    _protect(ws)


def _build_log_sheet(wb: Workbook, tender: Tender, name: str, titles: Sequence[str], widths: Sequence[int]) -> None:
    """A sheet of rows under a header that only the tool writes: Leveranciers, Brieven, Verzonden."""
    ws = wb.create_sheet(name)
    _header(ws, titles)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    _print_setup(ws, tender)
    _protect(ws)


def _build_meta_sheet(wb: Workbook, tender: Tender) -> None:
    ws = wb.create_sheet(SHEET_META)
    ws["A1"], ws["B1"] = MARKER, FORMAT_VERSION
    for column, (key, style) in enumerate(STYLE_SAMPLES.items(), start=4):
        cell = ws.cell(row=1, column=column, value=key)
        for attribute, value in style.items():
            setattr(cell, attribute, value)
    ws["A2"] = "Specificatie van de aanvraag (niet wijzigen):"
    for i, line in enumerate(tender.source_text.splitlines(), start=3):
        cell = ws.cell(row=i, column=1, value=line)
        _as_text_if_needed(cell, line)
    ws.sheet_state = "veryHidden"
    _protect(ws)
