"""The scoring-matrix workbook: the only module that knows its sheets, headers, columns, names and formulas."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Iterable, Sequence

from lxml import etree
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from inhuur import award as award_rules, dutch, files, rules, xlsx
from inhuur.errors import FileMissing, InvalidWorkbook, NotAWorkbook, Problem
from inhuur.intake import OfferRow, offer_key
from inhuur.rules import Judgment, Offer, Result
from inhuur.spec import Tender, parse_spec

SHEET_TENDER = "Aanvraag"
SHEET_CRITERIA = "Criteria"
SHEET_SUPPLIERS = "Leveranciers"
SHEET_MATRIX = "Kandidaten"
SHEET_RANKING = "Ranglijst"
SHEET_STEP3 = "Stap 3"
SHEET_INTERVIEWS = "Gesprekken"
SHEET_AWARD = "Gunning"
STEP3_TITLES = ["ID", "Kandidaat", "Leverancier", "Score", "Rang", "Soortgelijke opdrachten",
                "Soortgelijke organisaties", "Opmerkingen", "Besluit", "Volgorde wachtkamer", "Gesprek"]
STEP3_OPEN = 6  # columns from here on are the client's
NAME_PASS_MARK = "Voldoende"
NAME_MIN_INTERVIEWERS = "MinInterviewers"
SHEET_LETTERS = "Brieven"
SHEET_SENT = "Verzonden"
LETTER_TITLES = ["Gemaakt op", "Datum brief", "ID", "Kandidaat", "Leverancier", "E-mail", "Soort", "Bestand",
                 "Kenmerk", "SHA-256"]
SENT_TITLES = ["Verzonden op", "ID", "Kandidaat", "Leverancier", "Aan", "Soort", "Bestand", "SHA-256", "Message-ID",
               "Kenmerk"]
SHEET_META = "_inhuur"
MARKER = "inhuur-werkboek"
FORMAT_VERSION = 1

MONEY_FORMAT = '"€" #,##0.00'
MOMENT_FORMAT = "dd-mm-yyyy hh:mm"
DATE_FORMAT = "dd-mm-yyyy"
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
OPEN = Protection(locked=False)

# name: Excel defined name for each tender constant the formulas use.
NAME_DEADLINE = "Sluiting"
NAME_RATE_CAP = "MaxUurtarief"
NAME_SHORTLIST = "Voordragen"
RANKING_HEADER_ROW = 20  # fixed, so the frozen pane made by `new` stays right; counts fit above it


def requirement_name(code: str) -> str:
    """Defined name of a formal requirement's threshold, e.g. Eis_cv_paginas."""
    return f"Eis_{code}"


def points_name(code: str) -> str:
    """Defined name of an award criterion's points, e.g. Punten_G4."""
    return f"Punten_{code}"


# ---------------------------------------------------------------------------------------------- layout

@dataclass(frozen=True)
class Column:
    """One column of the matrix: key, header title, kind (fact/declared/finding/formula/open), width."""

    key: str
    title: str
    kind: str
    width: float = 12
    hidden: bool = False


FACT_COLUMNS = (
    Column("id", "ID", "fact", 8),
    Column("leverancier", "Leverancier", "fact", 32),
    Column("contactpersoon", "Contactpersoon", "fact", 18),
    Column("email", "E-mail", "fact", 24),
    Column("kandidaat", "Kandidaat", "fact", 26),
    Column("uurtarief", "Uurtarief", "fact", 11),
    Column("ingediend", "Ingediend", "fact", 16),
    Column("cv_paginas", "CV pagina's", "fact", 9),
    Column("cv_taal", "CV taal", "fact", 12),
    Column("cv_pdf", "CV pdf", "fact", 8),
    Column("referenties", "Referenties", "fact", 10),
    Column("dba_onderbouwing", "DBA-onderbouwing", "fact", 11),
    Column("waadi", "Waadi", "fact", 8),
    Column("toelichting", "Toelichting leverancier", "fact", 30),
)


class Layout:
    """The matrix columns for one tender: facts, three findings and the verdict per judged code, formulas."""

    def __init__(self, tender: Tender):
        self.tender = tender
        columns = list(FACT_COLUMNS)
        for code in tender.judged_codes:
            columns += [Column(f"{code}:lev", f"{code} leverancier", "declared", 9),
                        Column(f"{code}:beo", f"{code} beoordelaar", "finding", 9),
                        Column(f"{code}:og", f"{code} opdrachtgever", "finding", 9),
                        Column(f"{code}:oordeel", f"{code} oordeel", "formula", 8)]
        columns += [
            Column("beoordelaar", "Beoordelaar", "open", 16),
            Column("motivering_beoordelaar", "Motivering beoordelaar", "open", 30),
            Column("motivering_opdrachtgever", "Motivering opdrachtgever", "open", 30),
            Column("loting", "Loting", "open", 8),
            Column("conform", "Conform", "formula", 9),
            Column("ko", "Knock-outs voldaan", "formula", 10),
            Column("geschikt", "Geschikt", "formula", 8, hidden=True),
            Column("score", "Score", "formula", 8),
            Column("groep", "Gelijk (score en tarief)", "formula", 8, hidden=True),
            Column("loten", "Loten in groep", "formula", 8, hidden=True),
            Column("rang", "Rang", "formula", 7),
            Column("gedeeld", "Rang gedeeld door", "formula", 8, hidden=True),
            Column("status", "Status", "formula", 16),
            Column("reden", "Reden", "formula", 22),
        ]
        self.columns = columns
        self.index = {c.key: i + 1 for i, c in enumerate(columns)}
        self.by_title = {c.title: c for c in columns}

    def letter(self, key: str) -> str:
        """Column letter of a key, e.g. 'F' for uurtarief."""
        return get_column_letter(self.index[key])

    def cell(self, key: str, row: int) -> str:
        """Sheet-qualified cell reference for messages, e.g. Kandidaten!F7."""
        return f"{SHEET_MATRIX}!{self.letter(key)}{row}"

    @property
    def last_letter(self) -> str:
        return get_column_letter(len(self.columns))

    # -- formulas (English names, ',' separators; Excel 2010+ and LibreOffice 7.4 compute them alike)

    def formulas(self, row: int) -> dict[str, str]:
        """Every formula the tool owns in one matrix row."""
        t = self.tender
        c = lambda key: f"{self.letter(key)}{row}"  # noqa: E731
        whole = lambda key: f"${self.letter(key)}:${self.letter(key)}"  # noqa: E731
        result: dict[str, str] = {}
        for code in t.judged_codes:
            og, beo, lev = c(f"{code}:og"), c(f"{code}:beo"), c(f"{code}:lev")
            result[f"{code}:oordeel"] = f'=IF({og}<>"",{og},IF({beo}<>"",{beo},{lev}&""))'
        formal = [(r.code, self._formal_test(r, c)) for r in t.formal]
        knock_outs = [(k.code, f'{c("uurtarief")}<={NAME_RATE_CAP}' if k.kind == "max_uurtarief"
                       else f'UPPER({c(k.code + ":oordeel")})="JA"') for k in t.knock_outs]
        result["conform"] = _all_yes(test for _, test in formal)
        result["ko"] = _all_yes(test for _, test in knock_outs)
        result["geschikt"] = f'=IF(AND({c("conform")}="Ja",{c("ko")}="Ja"),1,0)'
        points = "+".join(f'(UPPER({c(a.code + ":oordeel")})="JA")*{points_name(a.code)}' for a in t.award)
        g, s, u, lot = c("geschikt"), c("score"), c("uurtarief"), c("loting")
        result["score"] = f'=IF({g}=1,{points},"")'
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
        result["status"] = (
            f'=IF({c("conform")}="Nee","{label[rules.NON_CONFORMING]}",'
            f'IF({c("ko")}="Nee","{label[rules.KNOCKED_OUT]}",'
            f'IF(AND({rang}<={NAME_SHORTLIST},{rang}+{c("gedeeld")}-1>{NAME_SHORTLIST}),'
            f'"{label[rules.TIE_UNRESOLVED]}",'
            f'IF({rang}<={NAME_SHORTLIST},"{label[rules.SHORTLISTED]}","{label[rules.NOT_SELECTED]}"))))')
        parts = "&".join(f'IF({test},"","{code} ")' for code, test in formal + knock_outs)
        result["reden"] = f'=SUBSTITUTE(TRIM({parts})," ",", ")' if parts else '=""'
        return result

    def _formal_test(self, requirement, c) -> str:
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


# ---------------------------------------------------------------------------------------------- build

def build(tender: Tender) -> Workbook:
    """A new workbook for the tender: tender facts, criteria, suppliers, the empty matrix, the ranking."""
    wb = Workbook()
    wb.remove(wb.active)
    _build_tender_sheet(wb, tender)
    _build_criteria_sheet(wb, tender)
    _build_suppliers_sheet(wb)
    _build_matrix_sheet(wb, tender)
    _build_ranking_sheet(wb)
    _build_steps34_sheets(wb, tender)
    _build_log_sheet(wb, SHEET_LETTERS, LETTER_TITLES)
    _build_log_sheet(wb, SHEET_SENT, SENT_TITLES)
    _build_meta_sheet(wb, tender)
    wb.active = wb.sheetnames.index(SHEET_MATRIX)
    wb.calculation.fullCalcOnLoad = True  # openpyxl stores no results: let Excel compute on open
    return wb


def _header(ws, titles: Sequence[str], row: int = 1) -> None:
    for i, title in enumerate(titles, start=1):
        cell = ws.cell(row=row, column=i, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _protect(ws) -> None:
    """Sheet protection without a password: guards formulas against typing, still allows formatting."""
    p = ws.protection
    p.sheet = True
    p.formatCells = p.formatColumns = p.formatRows = False
    p.autoFilter = p.sort = False
    p.selectLockedCells = p.selectUnlockedCells = False


def _name(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"{sheet}!${ref[0]}${ref[1:]}")


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
    rows += [
        ("Benodigd aantal professionals", tender.professionals, None, None),
        ("Voordragen aan opdrachtgever (top)", tender.shortlist_size, "0", NAME_SHORTLIST),
        ("Maximaal uurtarief (excl. btw)", float(tender.rate_cap), MONEY_FORMAT, NAME_RATE_CAP),
        ("Totaal punten gunningscriteria", float(tender.total_points), "0.##", None),
    ]
    plan_labels = {"vragen_tot": "Vragen indienen tot", "antwoorden": "Publicatie antwoorden",
                   "sluiting": "Einde reactietermijn", "uitnodigingen_uiterlijk": "Uitnodigingen uiterlijk",
                   "gesprekken": "Selectiegesprekken", "gesprekken_locatie": "Locatie gesprekken"}
    for key, label in plan_labels.items():
        if key in p:
            value = p[key]
            fmt = (MOMENT_FORMAT if isinstance(value, datetime) else DATE_FORMAT) if key != "gesprekken_locatie" else None
            rows.append((label, value, fmt, NAME_DEADLINE if key == "sluiting" else None))
    interviews = tender.interviews
    rows.append(("Gesprekken: minimaal aantal interviewers", interviews.min_interviewers, "0", NAME_MIN_INTERVIEWERS))
    rows.append(("Gesprekken: schaal", "; ".join(f"{i} {label}" for i, label in enumerate(interviews.scale, 1)),
                 None, None))
    rows.append(("Gesprekken: minimaal per competentie", interviews.pass_mark, "0", NAME_PASS_MARK))
    rows.append(("Gesprekken: telt", interviews.counts, None, None))
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
        ws.cell(row=i, column=1, value=label)
        cell = ws.cell(row=i, column=2, value=value)
        _as_text_if_needed(cell, value)
        if fmt:
            cell.number_format = fmt
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        if name:
            _name(wb, name, SHEET_TENDER, f"B{i}")
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 90
    _print_setup(ws, fit_width=1)
    _protect(ws)


def _build_criteria_sheet(wb: Workbook, tender: Tender) -> None:
    ws = wb.create_sheet(SHEET_CRITERIA)
    _header(ws, ["Code", "Stap", "Omschrijving", "Punten", "Toets"])
    row = 2
    tests = {"uiterlijk": lambda r: f"uiterlijk {dutch.moment(tender.deadline)}",
             "maximaal": lambda r: f"maximaal {r.value}", "minimaal": lambda r: f"minimaal {r.value}",
             "gelijk": lambda r: f"gelijk aan {r.value}", "ja": lambda r: "Ja",
             "niet_nee": lambda r: "Ja of n.v.t."}
    for r in tender.formal:
        ws.append([r.code, "0 Formeel (ontvankelijkheid)", r.description, None, tests[r.kind](r)])
        if r.kind in ("maximaal", "minimaal", "gelijk"):
            ws.cell(row=row, column=6, value=r.value)
            _name(wb, requirement_name(r.code), SHEET_CRITERIA, f"F{row}")
        row += 1
    for k in tender.knock_outs:
        test = f"uurtarief ≤ {dutch.money(tender.rate_cap)}" if k.kind == "max_uurtarief" else "oordeel Ja"
        ws.append([k.code, "1 Knock-out", k.description, None, test])
        row += 1
    for a in tender.award:
        ws.append([a.code, "2 Gunning", a.description, float(a.points), "oordeel Ja = alle punten"])
        ws.cell(row=row, column=4).number_format = "0.##"
        _name(wb, points_name(a.code), SHEET_CRITERIA, f"D{row}")
        row += 1
    ws.cell(row=1, column=6, value="Drempel")
    ws.cell(row=1, column=6).font, ws.cell(row=1, column=6).fill = HEADER_FONT, HEADER_FILL
    row += 1
    ws.cell(row=row, column=1, value="Competenties (selectiegesprek)").font = Font(bold=True)
    for name in tender.competencies:
        row += 1
        ws.cell(row=row, column=1, value=name)
    for letter, width in zip("ABCDEF", (12, 28, 90, 8, 22, 12)):
        ws.column_dimensions[letter].width = width
    for r in ws.iter_rows(min_row=2, max_col=3):
        r[2].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    _print_setup(ws, fit_width=1)
    _protect(ws)


SUPPLIER_TITLES = ["Leverancier", "Contactpersoon", "E-mail", "Inschrijvingen", "ID's"]


def _build_suppliers_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet(SHEET_SUPPLIERS)
    _header(ws, SUPPLIER_TITLES)
    for letter, width in zip("ABCDE", (30, 22, 30, 14, 40)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    _protect(ws)


def _build_matrix_sheet(wb: Workbook, tender: Tender) -> None:
    layout = Layout(tender)
    ws = wb.create_sheet(SHEET_MATRIX)
    _header(ws, [c.title for c in layout.columns])
    ws.row_dimensions[1].height = 45
    for col in layout.columns:
        dim = ws.column_dimensions[layout.letter(col.key)]
        dim.width = col.width
        dim.hidden = col.hidden
    ws.freeze_panes = f"{layout.letter('uurtarief')}2"
    ws.auto_filter.ref = f"A1:{layout.last_letter}1"
    _print_setup(ws, fit_width=4)
    ws.print_title_rows = "1:1"
    ws.print_title_cols = f"A:{layout.letter('kandidaat')}"
    yes_no = DataValidation(type="list", formula1='"Ja,Nee"', allow_blank=True, showErrorMessage=True,
                            errorTitle="Ja of Nee", error="Kies Ja of Nee, of laat de cel leeg.")
    for col in layout.columns:
        if col.kind == "finding":
            yes_no.add(f"{layout.letter(col.key)}2:{layout.letter(col.key)}1048576")
    ws.add_data_validation(yes_no)
    lot = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="1", allow_blank=True,
                         showErrorMessage=True, errorTitle="Loting",
                         error="Vul de volgorde van trekking in: 1 voor de eerst getrokken kandidaat, dan 2, …")
    lot.add(f"{layout.letter('loting')}2:{layout.letter('loting')}1048576")
    ws.add_data_validation(lot)
    status = f"${layout.letter('status')}2"
    area = f"A2:{layout.last_letter}1048576"
    for word, colour in ((rules.NON_CONFORMING, "D9D9D9"), (rules.KNOCKED_OUT, "F4CCCC"),
                         (rules.SHORTLISTED, "D9EAD3"), (rules.TIE_UNRESOLVED, "FCE5CD")):
        ws.conditional_formatting.add(area, FormulaRule(
            formula=[f'{status}="{dutch.STATUS_LABELS[word]}"'], fill=PatternFill("solid", bgColor=colour)))
    ws["A1"].comment = Comment(
        "Eén rij per inschrijving. Vul alleen de gele cellen: oordelen van beoordelaar en opdrachtgever "
        "(Ja/Nee), motiveringen en Loting. De rest rekent het werkboek zelf uit.", "inhuur")
    _protect(ws)


def _build_ranking_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet(SHEET_RANKING)
    ws["A1"] = "Nog geen ranglijst: importeer inschrijvingen en voer `inhuur rank` uit."
    for letter, width in zip("ABCDEFGHIJ", (18, 9, 32, 26, 12, 8, 21, 22, 40, 18)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{RANKING_HEADER_ROW + 1}"
    _print_setup(ws, fit_width=1)
    ws.print_title_rows = f"{RANKING_HEADER_ROW}:{RANKING_HEADER_ROW}"
    _protect(ws)


def _print_setup(ws, fit_width: int) -> None:
    """Landscape A4, so many pages wide and as many pages long as needed: for the dossier."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = fit_width
    ws.page_setup.fitToHeight = 0


def interview_titles(tender: Tender) -> list[str]:
    """Gesprekken: who scored, then one column per competency."""
    return ["ID", "Kandidaat", "Interviewer", "Rol", *tender.competencies]


def award_titles(tender: Tender) -> list[str]:
    """Gunning: the candidate, the counting score per competency, the verdicts, the client's decision."""
    return ["ID", "Kandidaat", "Leverancier", "Score stap 2", "Uurtarief",
            *[f"{c} (telt)" for c in tender.competencies], "Volledig gescoord", "Alle minimaal voldoende",
            "Totaal gesprek", "Bespreken (verschil 2+)", "Voorstel volgorde", "Besluit", "Motivering"]


def _build_steps34_sheets(wb: Workbook, tender: Tender) -> None:
    ws = wb.create_sheet(SHEET_STEP3)
    _header(ws, STEP3_TITLES)
    for letter, width in zip("ABCDEFGHIJK", (8, 24, 28, 7, 6, 30, 30, 30, 12, 10, 16)):
        ws.column_dimensions[letter].width = width
    decision = DataValidation(type="list", formula1='"uitnodigen,wachtkamer"', allow_blank=True,
                              showErrorMessage=True, error="Kies uitnodigen of wachtkamer.")
    decision.add("I2:I1048576")
    ws.add_data_validation(decision)
    ws.freeze_panes = "C2"
    _print_setup(ws, fit_width=1)
    _protect(ws)
    ws = wb.create_sheet(SHEET_INTERVIEWS)
    titles = interview_titles(tender)
    _header(ws, titles)
    ws.row_dimensions[1].height = 60
    scale = DataValidation(type="whole", operator="between", formula1="1", formula2=str(len(tender.interviews.scale)),
                           allow_blank=True, showErrorMessage=True,
                           error="; ".join(f"{i} = {label}" for i, label in enumerate(tender.interviews.scale, 1)))
    scale.add(f"E2:{get_column_letter(len(titles))}1048576")
    ws.add_data_validation(scale)
    for i, width in enumerate((8, 24, 20, 24) + (11,) * len(tender.competencies), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    # live flag for the consensus talk: a score 2 or more away from another interviewer's on the same competency
    others = f'$A:$A,$A2,$C:$C,"<>{award_rules.CONSENSUS}"'
    ws.conditional_formatting.add(f"E2:{get_column_letter(len(titles))}1048576", FormulaRule(
        formula=[f'AND(E2<>"",UPPER($C2)<>"{award_rules.CONSENSUS.upper()}",COUNTIFS({others},E:E,">="&(E2+2))'
                 f'+COUNTIFS({others},E:E,"<="&(E2-2))>0)'], fill=PatternFill("solid", bgColor="FCE5CD")))
    ws.freeze_panes = "E2"
    _print_setup(ws, fit_width=1)
    _protect(ws)
    ws = wb.create_sheet(SHEET_AWARD)
    titles = award_titles(tender)
    _header(ws, titles)
    ws.row_dimensions[1].height = 60
    for i in range(1, len(titles) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 11
    for letter, width in (("B", 24), ("C", 28), (get_column_letter(len(titles)), 40)):
        ws.column_dimensions[letter].width = width
    award = DataValidation(type="list", formula1='"gunnen"', allow_blank=True, showErrorMessage=True,
                           error="Vul gunnen in, of laat de cel leeg.")
    award.add(f"{get_column_letter(len(titles) - 1)}2:{get_column_letter(len(titles) - 1)}1048576")
    ws.add_data_validation(award)
    ws.freeze_panes = "C2"
    _print_setup(ws, fit_width=1)
    _protect(ws)


def _build_log_sheet(wb: Workbook, name: str, titles: Sequence[str]) -> None:
    ws = wb.create_sheet(name)
    _header(ws, titles)
    for i in range(len(titles)):
        ws.column_dimensions[get_column_letter(i + 1)].width = 18
    ws.freeze_panes = "A2"
    _protect(ws)


# Cells on the hidden sheet that carry each style appended cells use. Excel and LibreOffice renumber
# styles when they save; the samples are renumbered with them, so `import` always finds the right ids.
STYLE_SAMPLES = {
    "header": dict(font=HEADER_FONT, fill=HEADER_FILL, alignment=Alignment(wrap_text=True, vertical="top")),
    "title": dict(font=Font(bold=True, size=14)),
    "bold": dict(font=Font(bold=True)),
    "money": dict(number_format=MONEY_FORMAT),
    "moment": dict(number_format=MOMENT_FORMAT),
    "text": dict(),
    "text_quoted": dict(quotePrefix=True),
    "input": dict(protection=OPEN, fill=INPUT_FILL),
    "input_moment": dict(protection=OPEN, fill=INPUT_FILL, number_format=MOMENT_FORMAT),
    "formula": dict(),
}


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


def _as_text_if_needed(cell, value: Any) -> None:
    """Store user text that looks like a formula (=, +, -, @) as text, never as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True


# ---------------------------------------------------------------------------------------------- open/save

@dataclass
class MatrixRow:
    """One offer row of the Kandidaten sheet as stored: row number and raw cells by column index."""

    number: int
    cells: dict[int, xlsx.RawCell]


@dataclass
class Matrix:
    """An opened inhuur workbook: its package, tender, layout, offer rows, and the parts changed so far."""

    package: xlsx.Package
    tender: Tender
    layout: Layout
    path: Path | None
    header: dict[int, Any]
    rows: list[MatrixRow]
    last_row: int
    styles: dict[str, str]
    changed: dict[str, bytes] = field(default_factory=dict)

    def get(self, row: MatrixRow, key: str) -> Any:
        """The stored value of a column in a row (a formula's cached result)."""
        cell = row.cells.get(self.layout.index[key])
        return None if cell is None else cell.value

    def part(self, sheet: str) -> str:
        return self.package.sheets()[sheet]

    def current(self, sheet: str) -> bytes:
        """The sheet's XML with the changes made so far."""
        part = self.part(sheet)
        return self.changed.get(part) or self.package.read(part)

    def require_sheet(self, sheet: str) -> None:
        """Refuse a workbook made before this sheet existed."""
        if sheet not in self.package.sheets():
            raise NotAWorkbook(self.path or Path("werkboek"), f"het blad '{sheet}' ontbreekt (maak het werkboek "
                                                              f"opnieuw met `inhuur new`)")

    def patch(self, sheet: str, cells: dict[str, str], stale_results: bool = False) -> None:
        """Replace cells of a sheet; with stale_results its formulas' saved results go and Excel recalculates."""
        self._change(sheet, xlsx.patch_cells(self.current(sheet), cells, stale_results=stale_results), stale_results)

    def add_rows(self, sheet: str, rows_xml: str, replace: bool = False, stale_results: bool = False,
                 auto_filter: str | None = None) -> None:
        """Add (or, with replace, rewrite all) rows of a sheet; stale_results as in patch."""
        self._change(sheet, xlsx.sheet_with_rows(self.current(sheet), rows_xml, replace=replace,
                                                 stale_results=stale_results, auto_filter=auto_filter),
                     stale_results)

    def forget_results(self, sheet: str) -> None:
        """Drop the saved results of a sheet whose formulas read cells that changed elsewhere."""
        self._change(sheet, xlsx.without_results(self.current(sheet)), True)

    def _change(self, sheet: str, xml: bytes, stale_results: bool) -> None:
        self.changed[self.part(sheet)] = xml
        if stale_results:
            self.changed.update(xlsx.recalculate_on_open(self.package))


def open_workbook(source: str | Path | IO[bytes]) -> Matrix:
    """Open an inhuur workbook and read its matrix in one pass; refuse anything else with a clear reason."""
    path = None if hasattr(source, "read") else Path(source)
    name = path or Path("werkboek")
    if path is not None and not path.is_file():
        raise FileMissing(path)
    if path is not None and path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise NotAWorkbook(path, "geen .xlsx-bestand")
    try:
        package = xlsx.Package.open(source)
        sheets = package.sheets()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, etree.XMLSyntaxError) as exc:
        raise NotAWorkbook(name, f"geen leesbaar Excel-werkboek ({type(exc).__name__})")
    if SHEET_META not in sheets:
        raise NotAWorkbook(name, "geen inhuur-werkboek (maak er een met `inhuur new`)")
    meta = list(package.rows(SHEET_META, max_col=len(STYLE_SAMPLES) + 3))
    first = dict(meta[0][1]) if meta and meta[0][0] == 1 else {}
    if first.get(1) is None or first[1].value != MARKER:
        raise NotAWorkbook(name, "geen inhuur-werkboek (maak er een met `inhuur new`)")
    styles = {str(c.value): c.style or "0" for i, c in first.items() if i > 3 and c.value}
    lines = {number: cells[1].value for number, cells in meta if number >= 3 and 1 in cells}
    text = "\n".join("" if lines.get(n) is None else str(lines[n]) for n in range(3, max(lines, default=2) + 1))
    tender = parse_spec(text + "\n", f"{name} (blad {SHEET_META})")
    for sheet in (SHEET_TENDER, SHEET_CRITERIA, SHEET_SUPPLIERS, SHEET_MATRIX, SHEET_RANKING):
        if sheet not in sheets:
            raise NotAWorkbook(name, f"het blad '{sheet}' ontbreekt")
    layout = Layout(tender)
    header: dict[int, Any] = {}
    rows: list[MatrixRow] = []
    last_row = 1
    for number, cells in package.rows(SHEET_MATRIX, max_col=len(layout.columns)):
        last_row = max(last_row, number)
        if number == 1:
            header = {i: c.value for i, c in cells.items()}
        elif 1 in cells and cells[1].value not in (None, ""):
            rows.append(MatrixRow(number, cells))
    return Matrix(package, tender, layout, path, header, rows, last_row, styles)


def save(matrix: Matrix, target: str | Path | IO[bytes] | None = None) -> None:
    """Write the changed parts, copying every other part as it was; atomic, refused while the file is open."""
    target = target if target is not None else matrix.path

    def write(out: IO[bytes]) -> None:
        xlsx.write_package(matrix.package, out, matrix.changed)

    if hasattr(target, "write"):
        write(target)
    else:
        files.atomic_write(Path(target), write)


def new_workbook(tender: Tender, target: str | Path | IO[bytes]) -> Matrix:
    """Build and save the workbook for a tender; return it opened."""
    book = build(tender)
    buffer = io.BytesIO()
    book.save(buffer)
    if hasattr(target, "write"):
        target.write(buffer.getvalue())
    else:
        files.atomic_write(Path(target), lambda out: out.write(buffer.getvalue()), keep_backup=False)
    matrix = open_workbook(io.BytesIO(buffer.getvalue()))
    matrix.path = None if hasattr(target, "write") else Path(target)
    return matrix


# ---------------------------------------------------------------------------------------------- offers in

@dataclass
class ImportReport:
    """What an import did: offers added (with their new ids), offers already present and left alone."""

    added: list[Offer]
    skipped: list[tuple[OfferRow, Offer]]
    differences: list[str]
    shared_candidates: list[str]


def add_offers(matrix: Matrix, rows: Sequence[OfferRow]) -> ImportReport:
    """Append the offers not yet in the matrix; existing offers and their findings are never touched."""
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
    all_offers = existing + added
    candidates: dict[str, set[str]] = {}
    for o in all_offers:
        candidates.setdefault(offer_key(o.supplier, o.candidate)[1], set()).add(o.supplier)
    shared = sorted(name for name, suppliers in candidates.items() if len(suppliers) > 1)
    if added:
        first = matrix.last_row + 1
        last = first + len(added) - 1
        rows_xml = "".join(_offer_row_xml(matrix, first + i, offer) for i, offer in enumerate(added))
        matrix.add_rows(SHEET_MATRIX, rows_xml, stale_results=True, auto_filter=f"A1:{matrix.layout.last_letter}{last}")
        _write_suppliers(matrix, all_offers)
        matrix.rows += [MatrixRow(first + i, {}) for i in range(len(added))]
        matrix.last_row = last
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


def _looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value[:1] in ("=", "+", "-", "@")


def _offer_row_xml(matrix: Matrix, row: int, offer: Offer) -> str:
    layout, styles = matrix.layout, matrix.styles
    values: dict[str, Any] = {
        "id": offer.id, "leverancier": offer.supplier, "contactpersoon": offer.contact,
        "email": offer.email, "kandidaat": offer.candidate, "uurtarief": float(offer.rate),
        "toelichting": offer.note or None, "loting": offer.lot,
    }
    values.update(offer.facts)
    values["ingediend"] = to_excel(offer.facts["ingediend"]) if offer.facts.get("ingediend") else None
    for code, judgment in offer.judgments.items():
        values[f"{code}:lev"] = judgment.declared
        values[f"{code}:beo"] = judgment.assessor
        values[f"{code}:og"] = judgment.client
    formulas = layout.formulas(row)
    cells = []
    for col in layout.columns:
        ref = f"{layout.letter(col.key)}{row}"
        if col.kind == "formula":
            cells.append(xlsx.cell_xml(ref, style=styles.get("formula"), formula=formulas[col.key][1:]))
            continue
        value = values.get(col.key)
        if col.key == "uurtarief":
            style = styles.get("money")
        elif col.key == "ingediend":
            style = styles.get("moment")
        elif col.kind in ("finding", "open"):
            style = styles.get("input")
        else:
            style = styles.get("text_quoted" if _looks_like_formula(value) else "text")
        cells.append(xlsx.cell_xml(ref, value, style))
    return xlsx.row_xml(row, cells)


def _write_suppliers(matrix: Matrix, offers: Sequence[Offer]) -> None:
    suppliers: dict[str, list[Offer]] = {}
    for o in offers:
        suppliers.setdefault(offer_key(o.supplier, o.candidate)[0], []).append(o)
    rows = [_header_row_xml(matrix, 1, SUPPLIER_TITLES)]
    for number, group in enumerate(sorted(suppliers.values(), key=lambda g: g[0].supplier.casefold()), start=2):
        first = group[0]
        values = [first.supplier, first.contact, first.email, len(group), ", ".join(o.id for o in group)]
        rows.append(_values_row_xml(matrix, number, values))
    matrix.add_rows(SHEET_SUPPLIERS, "".join(rows), replace=True)


def _header_row_xml(matrix: Matrix, number: int, titles: Sequence[str]) -> str:
    style = matrix.styles.get("header")
    return xlsx.row_xml(number, [xlsx.cell_xml(f"{get_column_letter(i)}{number}", t, style)
                                 for i, t in enumerate(titles, start=1)])


def _values_row_xml(matrix: Matrix, number: int, values: Sequence[Any], styles: Sequence[str | None] = ()) -> str:
    cells = []
    for i, value in enumerate(values, start=1):
        style = styles[i - 1] if i - 1 < len(styles) and styles[i - 1] else None
        if style is None and _looks_like_formula(value):
            style = matrix.styles.get("text_quoted")
        cells.append(xlsx.cell_xml(f"{get_column_letter(i)}{number}", value, style))
    return xlsx.row_xml(number, cells)


# ---------------------------------------------------------------------------------------------- offers out

def read_offers(matrix: Matrix, strict: bool = True) -> tuple[list[Offer], list[Problem]]:
    """Read every offer row into engine Offers; each bad input cell becomes a Problem naming the cell.

    With strict=False, rows with problems are still returned as far as they could be read.
    """
    layout, tender = matrix.layout, matrix.tender
    epoch = CALENDAR_MAC_1904 if matrix.package.date1904 else CALENDAR_WINDOWS_1900
    problems: list[Problem] = []
    offers: list[Offer] = []
    seen_ids: dict[str, int] = {}
    for matrix_row in matrix.rows:
        if not matrix_row.cells:
            continue  # appended in this session; read again after saving
        row = matrix_row.number
        get = lambda key: matrix.get(matrix_row, key)  # noqa: E731
        offer_id = str(get("id"))
        ok = True

        def parse(key, parser, required=True):
            nonlocal ok
            value = get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                if required:
                    problems.append(Problem(layout.cell(key, row), "is leeg"))
                    ok = False
                return None
            try:
                return parser(value)
            except ValueError as exc:
                problems.append(Problem(layout.cell(key, row), f"'{value}' {exc}"))
                ok = False
                return None

        if offer_id in seen_ids:
            problems.append(Problem(layout.cell("id", row), f"ID {offer_id} staat ook in rij {seen_ids[offer_id]}"))
            ok = False
        seen_ids[offer_id] = row
        supplier = parse("leverancier", _cell_text)
        candidate = parse("kandidaat", _cell_text)
        rate = parse("uurtarief", _cell_amount)
        facts = {
            "ingediend": parse("ingediend", lambda v: _cell_moment(v, epoch)),
            "cv_paginas": parse("cv_paginas", _cell_count),
            "cv_taal": parse("cv_taal", _cell_text),
            "cv_pdf": parse("cv_pdf", _cell_yes_no),
            "referenties": parse("referenties", _cell_count),
            "dba_onderbouwing": parse("dba_onderbouwing", _cell_yes_no),
            "waadi": parse("waadi", _cell_waadi, required=False) or rules.NOT_APPLICABLE,
        }
        judgments = {}
        for code in tender.judged_codes:
            judgments[code] = Judgment(
                declared=parse(f"{code}:lev", _cell_yes_no, required=False),
                assessor=parse(f"{code}:beo", _cell_yes_no, required=False),
                client=parse(f"{code}:og", _cell_yes_no, required=False))
        lot = parse("loting", _parse_lot, required=False)
        offer = Offer(id=offer_id, supplier=supplier or "", candidate=candidate or "",
                      rate=rate if rate is not None else Decimal(0), facts=facts, judgments=judgments,
                      contact=str(get("contactpersoon") or ""), email=str(get("email") or ""), lot=lot,
                      note=str(get("toelichting") or ""))
        if ok or not strict:
            offers.append(offer)
    return offers, problems


# Cell readers accept exactly what the formulas compute alike: a rate typed as text, or "Ja " with a
# space, would make the workbook and the engine disagree, so they are refused and named instead.

def _cell_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _cell_amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("is geen getal; typ het bedrag als getal, bijv. 77,50")
    amount = Decimal(repr(value))
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("is geen bedrag groter dan nul in hele centen")
    return amount.quantize(Decimal("0.01"))


def _cell_moment(value: Any, epoch) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("is geen datum met tijd")
    moment = from_excel(value, epoch)
    # stored times carry float noise; submissions are timed to the second
    return (moment + timedelta(microseconds=500_000)).replace(microsecond=0)


def _cell_count(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("is geen geheel getal (0 of meer)")
    return value


def _cell_yes_no(value: Any) -> str:
    if isinstance(value, str) and value.upper() in ("JA", "NEE"):
        return value
    raise ValueError("is geen Ja of Nee (let op spaties); kies uit de keuzelijst of maak de cel leeg")


def _cell_waadi(value: Any) -> str:
    if isinstance(value, str) and value.upper() in ("JA", "NEE", "N.V.T."):
        return value
    raise ValueError("is geen Ja, Nee of n.v.t.")


def _parse_lot(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("is geen lotnummer; vul 1, 2, 3 … in (volgorde van trekking)")
    return value


def row_of(matrix: Matrix) -> dict[str, int]:
    """Offer id -> its row on the Kandidaten sheet."""
    return {str(matrix.get(r, "id")): r.number for r in matrix.rows if r.cells}


def write_lots(matrix: Matrix, order: dict[str, int]) -> None:
    """Record a lot drawing: the order drawn per offer id goes into the Loting column."""
    rows = row_of(matrix)
    unknown = [offer_id for offer_id in order if offer_id not in rows]
    if unknown:
        raise InvalidWorkbook(str(matrix.path or "werkboek"),
                              [Problem(offer_id, "deze ID staat niet op Kandidaten") for offer_id in unknown])
    letter = matrix.layout.letter("loting")
    cells = {f"{letter}{rows[i]}": xlsx.cell_xml(f"{letter}{rows[i]}", n) for i, n in order.items()}
    matrix.patch(SHEET_MATRIX, cells, stale_results=True)


def offer_motivations(matrix: Matrix) -> dict[str, dict[str, str]]:
    """Per offer id the assessor's name and the motivations typed for deviating findings."""
    return {str(matrix.get(r, "id")): {k: str(matrix.get(r, k) or "") for k in
                                       ("beoordelaar", "motivering_beoordelaar", "motivering_opdrachtgever")}
            for r in matrix.rows if r.cells}


# ---------------------------------------------------------------------------------------------- check

_WHOLE_COLUMN = re.compile(r"\$([A-Z]{1,3})\$1:\$\1\$1048576")


def normalise_formula(formula: str) -> str:
    """Compare formulas as a spreadsheet would: case and spaces outside strings, whole-column spellings."""
    formula = formula[1:] if formula.startswith("=") else formula
    out, quoted = [], False
    for ch in formula.replace("_xlfn.", ""):
        if ch == '"':
            quoted = not quoted
        if quoted or ch == '"':
            out.append(ch)
        elif not ch.isspace():
            out.append(ch.upper())
    return _WHOLE_COLUMN.sub(r"$\1:$\1", "".join(out))


def formula_problems(matrix: Matrix) -> list[tuple[int, str, Any]]:
    """Every tool-owned formula cell that no longer holds its formula: (row, key, what it holds)."""
    layout = matrix.layout
    wrong = []
    for row in matrix.rows:
        if not row.cells:
            continue
        for key, expected in layout.formulas(row.number).items():
            cell = row.cells.get(layout.index[key])
            actual = None if cell is None else cell.formula
            if actual == expected[1:]:
                continue  # the usual case, no need to normalise
            if actual is None or normalise_formula(actual) != normalise_formula(expected):
                wrong.append((row.number, key, None if cell is None else cell.value))
    return wrong


def restore_formulas(matrix: Matrix, wrong: Sequence[tuple[int, str, Any]]) -> None:
    """Write back the tool's formula in each typed-over cell."""
    if not wrong:
        return
    cells = {}
    for row, key, _ in wrong:
        ref = f"{matrix.layout.letter(key)}{row}"
        cells[ref] = xlsx.cell_xml(ref, formula=matrix.layout.formulas(row)[key][1:])
    matrix.patch(SHEET_MATRIX, cells, stale_results=True)


def structure_problems(matrix: Matrix) -> list[Problem]:
    """Headers that moved and tender constants (named cells) that no longer match the spec."""
    problems = []
    layout = matrix.layout
    for col in layout.columns:
        actual = matrix.header.get(layout.index[col.key])
        if actual != col.title:
            problems.append(Problem(f"{SHEET_MATRIX}!{layout.letter(col.key)}1",
                                    f"kop '{actual}' verwacht '{col.title}' (kolommen verschoven?)"))
    tender = matrix.tender
    expected = {NAME_DEADLINE: tender.deadline, NAME_RATE_CAP: tender.rate_cap,
                NAME_SHORTLIST: tender.shortlist_size}
    expected.update({requirement_name(r.code): r.value for r in tender.formal
                     if r.kind in ("maximaal", "minimaal", "gelijk")})
    expected.update({points_name(a.code): a.points for a in tender.award})
    names = matrix.package.defined_names()
    targets: dict[str, tuple[str, str]] = {}
    for name in expected:
        match = re.fullmatch(r"'?(.+?)'?!\$?([A-Z]+)\$?(\d+)", names.get(name, ""))
        if match:
            targets[name] = (match.group(1).replace("''", "'"), f"{match.group(2)}{match.group(3)}")
    values = _cells(matrix.package, set(targets.values()))
    for name, value in expected.items():
        if name not in targets:
            problems.append(Problem(name, f"de benoemde cel {name} ontbreekt"))
            continue
        sheet, ref = targets[name]
        actual = values.get((sheet, ref))
        if not _same(actual, value):
            problems.append(Problem(f"{sheet}!{ref}", f"bevat {actual!r}, de aanvraag zegt {value} ({name}); "
                                                      f"herstel de waarde"))
    return problems


def _cells(package: xlsx.Package, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for sheet in {s for s, _ in wanted}:
        if sheet not in package.sheets():
            continue
        refs = {xlsx.split_ref(ref): ref for s, ref in wanted if s == sheet}
        for number, cells in package.rows(sheet):
            for column, cell in cells.items():
                if (column, number) in refs:
                    found[(sheet, refs[(column, number)])] = cell.value
    return found


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, datetime):
        return isinstance(actual, (int, float)) and abs(actual - to_excel(expected)) < 1e-6
    if isinstance(expected, (Decimal, int)) and not isinstance(expected, bool):
        return isinstance(actual, (int, float)) and Decimal(repr(actual)) == Decimal(expected)
    return actual == expected


def check(matrix: Matrix) -> tuple[list[Offer], list[Problem]]:
    """All problems of a workbook: structure, constants, input cells and typed-over formulas."""
    problems = structure_problems(matrix)
    offers, input_problems = read_offers(matrix)
    problems += input_problems
    for row, key, actual in formula_problems(matrix):
        problems.append(Problem(matrix.layout.cell(key, row),
                                f"formule overschreven (nu: {actual!r}); `inhuur rank` zet de formule terug"))
    for ref, actual in award_formula_problems(matrix):
        problems.append(Problem(f"{SHEET_AWARD}!{ref}",
                                f"formule overschreven (nu: {actual!r}); `inhuur rank` zet de formule terug"))
    return offers, problems


def award_formula_problems(matrix: Matrix) -> list[tuple[str, Any]]:
    """Gunning cells whose formula was typed over: (cell reference, what it holds)."""
    if SHEET_AWARD not in matrix.package.sheets():
        return []
    wrong = []
    for n, cells in matrix.package.rows(SHEET_AWARD):
        if n == 1 or cells.get(1) is None or cells[1].value in (None, ""):
            continue
        for column, expected in award_formulas(matrix.tender, n).items():
            cell = cells.get(column)
            actual = None if cell is None else cell.formula
            if actual is None or normalise_formula(actual) != normalise_formula(expected):
                wrong.append((f"{get_column_letter(column)}{n}", None if cell is None else cell.value))
    return wrong


def restore_award_formulas(matrix: Matrix, wrong: Sequence[tuple[str, Any]]) -> None:
    """Write back the tool's formula in each typed-over Gunning cell."""
    if not wrong:
        return
    cells = {}
    for ref, _ in wrong:
        column, n = xlsx.split_ref(ref)
        cells[ref] = xlsx.cell_xml(ref, formula=award_formulas(matrix.tender, n)[column][1:])
    matrix.patch(SHEET_AWARD, cells, stale_results=True)


def require_valid_inputs(matrix: Matrix) -> list[Offer]:
    """The offers, or InvalidWorkbook naming each input cell or constant the engine cannot evaluate."""
    problems = structure_problems(matrix)
    offers, input_problems = read_offers(matrix)
    problems += input_problems
    if problems:
        raise InvalidWorkbook(str(matrix.path or "werkboek"), problems)
    return offers


# ---------------------------------------------------------------------------------------------- cached values

def cached_disagreements(matrix: Matrix, results: Sequence[Result]) -> list[Problem]:
    """Cells whose value saved by Excel/LibreOffice differs from the engine (score, rank, status)."""
    layout = matrix.layout
    by_id = {r.offer.id: r for r in results}
    problems = []
    for row in matrix.rows:
        result = by_id.get(str(matrix.get(row, "id"))) if row.cells else None
        if result is None:
            continue
        expected = {"score": result.score, "rang": result.rank, "status": dutch.STATUS_LABELS[result.status]}
        for key, want in expected.items():
            cell = row.cells.get(layout.index[key])
            if cell is None or cell.value is None:
                continue  # no saved value (written by inhuur or openpyxl): nothing to compare
            if not _cached_equal(cell.value, want):
                shown = "leeg" if want is None else (want if isinstance(want, str) else dutch.number(want))
                problems.append(Problem(layout.cell(key, row.number),
                                        f"het werkboek toont {cell.value!r}, de regels geven {shown}"))
    return problems


def _cached_equal(value: Any, want: Any) -> bool:
    if want is None:
        return value in ("", None)
    if isinstance(want, str):
        return value == want
    return isinstance(value, (int, float)) and not isinstance(value, bool) and Decimal(repr(value)) == Decimal(want)


# ---------------------------------------------------------------------------------------------- steps 3-4

@dataclass
class Steps34:
    """What staff recorded for steps 3–4, read from Stap 3, Gesprekken and Gunning, with bad cells named."""

    selections: list[award_rules.Selection]
    interviews: list[award_rules.Interview]
    decisions: list[award_rules.Decision]
    problems: list[Problem]
    step3_rows: dict[str, int]
    interview_rows: dict[str, list[tuple[int, str]]]
    award_rows: dict[str, int]


def _sheet_rows(matrix: Matrix, sheet: str) -> list[tuple[int, dict[int, Any]]]:
    matrix.require_sheet(sheet)
    return [(n, {i: c.value for i, c in cells.items()}) for n, cells in matrix.package.rows(sheet) if n > 1
            and cells.get(1) is not None and cells[1].value not in (None, "")]


def read_steps34(matrix: Matrix) -> Steps34:
    """The client's step-3 decisions, the interview scores and the award decisions."""
    tender, problems = matrix.tender, []
    epoch = CALENDAR_MAC_1904 if matrix.package.date1904 else CALENDAR_WINDOWS_1900
    selections, step3_rows = [], {}
    for n, row in _sheet_rows(matrix, SHEET_STEP3):
        offer_id = str(row[1])
        step3_rows[offer_id] = n
        decision = row.get(9)
        if decision not in (None, "") and str(decision).strip().lower() not in (award_rules.INVITE, award_rules.WAIT):
            problems.append(Problem(f"{SHEET_STEP3}!I{n}", f"'{decision}' is geen uitnodigen of wachtkamer"))
            decision = None
        order = row.get(10)
        if order not in (None, ""):
            try:
                order = _parse_lot(order)
            except ValueError:
                problems.append(Problem(f"{SHEET_STEP3}!J{n}", f"'{order}' is geen volgnummer (1, 2, 3 …)"))
                order = None
        slot = row.get(11)
        if slot not in (None, ""):
            try:
                slot = _cell_moment(slot, epoch)
            except ValueError:
                problems.append(Problem(f"{SHEET_STEP3}!K{n}", f"'{slot}' is geen datum met tijd"))
                slot = None
        selections.append(award_rules.Selection(
            offer_id, str(decision).strip().lower() if decision not in (None, "") else None, order or None,
            slot or None, str(row.get(6) or ""), str(row.get(7) or ""), str(row.get(8) or "")))
    interviews, interview_rows = [], {}
    scale = len(tender.interviews.scale)
    for n, row in _sheet_rows(matrix, SHEET_INTERVIEWS):
        offer_id = str(row[1])
        scores = {}
        for i, competency in enumerate(tender.competencies, start=5):
            value = row.get(i)
            if value in (None, ""):
                scores[competency] = None
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer() \
                    and 1 <= value <= scale:
                scores[competency] = int(value)
            else:
                problems.append(Problem(f"{SHEET_INTERVIEWS}!{get_column_letter(i)}{n}",
                                        f"'{value}' ligt niet op de schaal 1–{scale}"))
                scores[competency] = None
        interviewer = "" if row.get(3) is None else str(row[3])
        interviews.append(award_rules.Interview(offer_id, interviewer, str(row.get(4) or ""), scores))
        interview_rows.setdefault(offer_id, []).append((n, interviewer))
    decisions, award_rows = [], {}
    last = len(award_titles(tender))
    for n, row in _sheet_rows(matrix, SHEET_AWARD):
        offer_id = str(row[1])
        award_rows[offer_id] = n
        verdict = row.get(last - 1)
        if verdict not in (None, "") and str(verdict).strip().lower() != "gunnen":
            problems.append(Problem(f"{SHEET_AWARD}!{get_column_letter(last - 1)}{n}", f"'{verdict}' is geen gunnen"))
        elif verdict not in (None, ""):
            decisions.append(award_rules.Decision(offer_id, True, str(row.get(last) or "")))
    return Steps34(selections, interviews, decisions, problems, step3_rows, interview_rows, award_rows)


def award_formulas(tender: Tender, row: int) -> dict[int, str]:
    """The live formulas of one Gunning row (column index -> formula), as the engine computes them."""
    first = 6
    count = len(tender.competencies)
    ids, who = f"{SHEET_INTERVIEWS_REF}!$A:$A", f"{SHEET_INTERVIEWS_REF}!$C:$C"
    formulas = {}
    filled = []
    for k in range(count):
        col = get_column_letter(5 + k)
        scores = f"{SHEET_INTERVIEWS_REF}!${col}:${col}"
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
    return formulas


SHEET_INTERVIEWS_REF = f"'{SHEET_INTERVIEWS}'" if " " in SHEET_INTERVIEWS else SHEET_INTERVIEWS


def fill_steps34(matrix: Matrix, step2: Sequence[Result], steps: Steps34, stage: award_rules.Stage) -> None:
    """Add rows for candidates who reached step 3 or 4, and write the engine's proposal and flags."""
    tender, styles = matrix.tender, matrix.styles
    by_id = {r.offer.id: r for r in step2}
    shortlisted = [r for r in rules.ranking_order(step2) if r.status == rules.SHORTLISTED]
    new = [r for r in shortlisted if r.offer.id not in steps.step3_rows]
    if new:
        first = xlsx.last_row(matrix.current(SHEET_STEP3)) + 1
        rows = []
        for i, r in enumerate(new):
            values = [r.offer.id, r.offer.candidate, r.offer.supplier, float(r.score), r.rank]
            cells = [xlsx.cell_xml(f"{get_column_letter(c)}{first + i}", v,
                                   styles.get("text_quoted") if _looks_like_formula(v) else None)
                     for c, v in enumerate(values, start=1)]
            cells += [xlsx.cell_xml(f"{get_column_letter(c)}{first + i}", None, styles.get("input"))
                      for c in range(STEP3_OPEN, len(STEP3_TITLES) + 1)]
            rows.append(xlsx.row_xml(first + i, cells))
        matrix.add_rows(SHEET_STEP3, "".join(rows))
    invited = [s.offer_id for s in steps.selections if s.decision == award_rules.INVITE and s.offer_id in by_id]
    width = len(interview_titles(tender))
    rows, first = [], xlsx.last_row(matrix.current(SHEET_INTERVIEWS)) + 1
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
        matrix.add_rows(SHEET_INTERVIEWS, "".join(rows))
    titles = award_titles(tender)
    rows, first = [], xlsx.last_row(matrix.current(SHEET_AWARD)) + 1
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
        matrix.add_rows(SHEET_AWARD, "".join(rows), stale_results=True)
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
    """Write the client's step-3 decisions into their rows on Stap 3."""
    cells = {}
    styles = matrix.styles
    for s in selections:
        n = steps.step3_rows[s.offer_id]
        values = {6: s.similar_assignments or None, 7: s.similar_organisations or None, 8: s.remarks or None,
                  9: s.decision, 10: s.waiting_order, 11: to_excel(s.slot) if s.slot else None}
        for column, value in values.items():
            ref = f"{get_column_letter(column)}{n}"
            cells[ref] = xlsx.cell_xml(ref, value, styles.get("input_moment" if column == 11 else "input"))
    matrix.patch(SHEET_STEP3, cells)


def record_step4(matrix: Matrix, steps: Steps34, interviews: Sequence[award_rules.Interview]) -> None:
    """Write interview scores: into the row of the same interviewer, else an empty slot, else a new row."""
    tender, styles = matrix.tender, matrix.styles
    taken: dict[str, list[tuple[int, str]]] = {k: list(v) for k, v in steps.interview_rows.items()}
    cells, new_rows = {}, []
    last = xlsx.last_row(matrix.current(SHEET_INTERVIEWS))
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
        matrix.add_rows(SHEET_INTERVIEWS, "".join(new_rows))
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


# ---------------------------------------------------------------------------------------------- logs

def log_rows(matrix: Matrix, sheet: str) -> list[dict[str, Any]]:
    """The rows of a log sheet (Brieven, Verzonden) as dicts by header title."""
    matrix.require_sheet(sheet)
    rows = list(matrix.package.rows(sheet))
    if not rows:
        return []
    titles = {i: c.value for i, c in rows[0][1].items()}
    return [{titles.get(i): c.value for i, c in cells.items()} for _, cells in rows[1:]]


def append_log(matrix: Matrix, sheet: str, titles: Sequence[str], entries: Sequence[Sequence[Any]]) -> None:
    """Append rows to a log sheet, below what is there; earlier rows are never changed."""
    if not entries:
        return
    matrix.require_sheet(sheet)
    last = xlsx.last_row(matrix.current(sheet))
    matrix.add_rows(sheet, "".join(_values_row_xml(matrix, last + i, list(values))
                                   for i, values in enumerate(entries, start=1)))


# ---------------------------------------------------------------------------------------------- ranking sheet

RANKING_TITLES = ["Rang", "ID", "Leverancier", "Kandidaat", "Uurtarief", "Score", "Status", "Reden", "Loting",
                  "Uitkomst stap 2"]
DEVIATION_TITLES = ["ID", "Kandidaat", "Criterium", "Leverancier", "Beoordelaar", "Opdrachtgever", "Geldt",
                    "Beoordeeld door", "Motivering"]


def write_ranking(matrix: Matrix, results: Sequence[Result], when: datetime,
                  latest: dict[str, str] | None = None) -> None:
    """Rewrite the Ranglijst sheet: counts per status, the sorted ranking, the deviating judgments.

    `latest` gives the status after steps 3–4 where an offer got that far; the step-2 outcome stays beside it.
    """
    latest = latest or {}
    status_of = lambda r: latest.get(r.offer.id, r.status)  # noqa: E731
    tender, styles = matrix.tender, matrix.styles
    rows = [
        _values_row_xml(matrix, 1, [f"Ranglijst aanvraag {tender.number} — {tender.title}"], [styles.get("title")]),
        _values_row_xml(matrix, 2, [f"Bijgewerkt op {dutch.moment(when)} door inhuur (de regels uit de aanvraag, "
                                    f"niet de formules)."]),
        _values_row_xml(matrix, 3, [f"Volgorde: hoogste score, dan laagste uurtarief; bij gelijke score én tarief "
                                    f"beslist een vastgelegde loting. De beste {tender.shortlist_size} worden "
                                    f"voorgedragen."]),
        _header_row_xml(matrix, 5, ["Status", "Aantal"]),
    ]
    statuses = [status_of(r) for r in results]
    number = 5
    for status in (*rules.STATUSES, *award_rules.STATUSES):
        if status in rules.STATUSES or status in statuses:
            number += 1
            rows.append(_values_row_xml(matrix, number, [dutch.STATUS_LABELS[status], statuses.count(status)]))
    rows.append(_values_row_xml(matrix, number + 1, ["Totaal", len(results)], [styles.get("bold")] * 2))
    rows.append(_header_row_xml(matrix, RANKING_HEADER_ROW, RANKING_TITLES))
    number = RANKING_HEADER_ROW
    money = [None, None, None, None, styles.get("money")]
    for r in rules.ranking_order(results):
        number += 1
        rows.append(_values_row_xml(matrix, number, [
            r.rank, r.offer.id, r.offer.supplier, r.offer.candidate, float(r.offer.rate),
            None if r.score is None else float(r.score), dutch.STATUS_LABELS[status_of(r)], ", ".join(r.failed),
            r.offer.lot, dutch.STATUS_LABELS[r.status]], money))
    number += 2
    rows.append(_values_row_xml(matrix, number, ["Afwijkende oordelen (wie, wat, waarom)"], [styles.get("bold")]))
    number += 1
    rows.append(_header_row_xml(matrix, number, DEVIATION_TITLES))
    motivations = offer_motivations(matrix)
    deviations = 0
    for r in results:
        m = motivations.get(r.offer.id, {})
        why = " / ".join(x for x in (m.get("motivering_beoordelaar"), m.get("motivering_opdrachtgever")) if x)
        for code in tender.judged_codes:
            j = r.offer.judgments.get(code, Judgment())
            if j.deviates:
                deviations += 1
                number += 1
                rows.append(_values_row_xml(matrix, number, [
                    r.offer.id, r.offer.candidate, code, j.declared, j.assessor, j.client, j.effective,
                    m.get("beoordelaar") or None, why or "GEEN MOTIVERING: vul deze in op Kandidaten"]))
    if not deviations:
        rows.append(_values_row_xml(matrix, number + 1,
                                    ["Geen: alle oordelen volgen de verklaring van de leverancier."]))
    matrix.add_rows(SHEET_RANKING, "".join(rows), replace=True)
