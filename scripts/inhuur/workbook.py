"""The scoring-matrix workbook: the only module that knows its sheets, headers, columns, names and formulas."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Iterable, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from inhuur import dutch, files, rules
from inhuur.errors import FileMissing, InvalidWorkbook, NotAWorkbook, Problem
from inhuur.intake import OfferRow, offer_key
from inhuur.rules import Judgment, Offer, Result
from inhuur.spec import Tender, parse_spec

SHEET_TENDER = "Aanvraag"
SHEET_CRITERIA = "Criteria"
SHEET_SUPPLIERS = "Leveranciers"
SHEET_MATRIX = "Kandidaten"
SHEET_RANKING = "Ranglijst"
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
LOCKED = Protection(locked=True)

# name: Excel defined name for each tender constant the formulas use.
NAME_DEADLINE = "Sluiting"
NAME_RATE_CAP = "MaxUurtarief"
NAME_SHORTLIST = "Voordragen"


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
    Column("leverancier", "Leverancier", "fact", 26),
    Column("contactpersoon", "Contactpersoon", "fact", 18),
    Column("email", "E-mail", "fact", 24),
    Column("kandidaat", "Kandidaat", "fact", 24),
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
STATUS_WORDS = {v: k for k, v in dutch.STATUS_LABELS.items()}


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
    ranking = wb.create_sheet(SHEET_RANKING)
    ranking["A1"] = "Nog geen ranglijst: importeer inschrijvingen en voer `inhuur rank` uit."
    _protect(ranking)
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


def _build_meta_sheet(wb: Workbook, tender: Tender) -> None:
    ws = wb.create_sheet(SHEET_META)
    ws["A1"], ws["B1"] = MARKER, FORMAT_VERSION
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
class Matrix:
    """An opened inhuur workbook: the openpyxl book, its tender and layout, and where it came from."""

    book: Workbook
    tender: Tender
    layout: Layout
    path: Path | None = None

    @property
    def sheet(self):
        return self.book[SHEET_MATRIX]

    def data_rows(self) -> list[int]:
        """Rows of the matrix that hold an offer (an ID in column A)."""
        ws = self.sheet
        return [r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value not in (None, "")]


def open_workbook(source: str | Path | IO[bytes]) -> Matrix:
    """Open an inhuur workbook for reading and editing; refuse anything else with a clear reason."""
    path = None if hasattr(source, "read") else Path(source)
    if path is not None and not path.is_file():
        raise FileMissing(path)
    if path is not None and path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise NotAWorkbook(path, "geen .xlsx-bestand")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops; see README
            book = load_workbook(source, keep_vba=path is not None and path.suffix.lower() == ".xlsm")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise NotAWorkbook(path or Path("werkboek"), f"geen leesbaar Excel-werkboek ({type(exc).__name__})")
    if SHEET_META not in book.sheetnames or book[SHEET_META]["A1"].value != MARKER:
        raise NotAWorkbook(path or Path("werkboek"), "geen inhuur-werkboek (maak er een met `inhuur new`)")
    meta = book[SHEET_META]
    text = "\n".join("" if r[0] is None else str(r[0]) for r in meta.iter_rows(min_row=3, max_col=1,
                                                                               values_only=True))
    tender = parse_spec(text + "\n", f"{path or 'werkboek'} (blad {SHEET_META})")
    for sheet in (SHEET_TENDER, SHEET_CRITERIA, SHEET_SUPPLIERS, SHEET_MATRIX, SHEET_RANKING):
        if sheet not in book.sheetnames:
            raise NotAWorkbook(path or Path("werkboek"), f"het blad '{sheet}' ontbreekt")
    return Matrix(book, tender, Layout(tender), path)


def save(matrix: Matrix, target: str | Path | IO[bytes] | None = None) -> None:
    """Save atomically (temp file + replace, previous version kept); refuse while the file is open."""
    target = target if target is not None else matrix.path
    if hasattr(target, "write"):
        matrix.book.save(target)
        return
    files.atomic_write(Path(target), matrix.book.save)


def new_workbook(tender: Tender, target: str | Path | IO[bytes]) -> Matrix:
    """Build and save the workbook for a tender."""
    book = build(tender)
    matrix = Matrix(book, tender, Layout(tender), None if hasattr(target, "write") else Path(target))
    if hasattr(target, "write"):
        book.save(target)
    else:
        files.atomic_write(Path(target), book.save, keep_backup=False)
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
    next_number = 1 + max((_id_number(o.id) for o in existing), default=0)
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
    ws, layout = matrix.sheet, matrix.layout
    first = max(matrix.data_rows(), default=1) + 1
    for i, offer in enumerate(added):
        _write_offer_row(ws, layout, first + i, offer)
    all_offers = existing + added
    ws.auto_filter.ref = f"A1:{layout.last_letter}{max(first + len(added) - 1, 1)}"
    _write_suppliers(matrix.book, all_offers)
    candidates: dict[str, set[str]] = {}
    for o in all_offers:
        candidates.setdefault(" ".join(o.candidate.split()).casefold(), set()).add(o.supplier)
    shared = sorted(f"{name}" for name, sups in candidates.items() if len(sups) > 1)
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


def _id_number(offer_id: str) -> int:
    digits = re.sub(r"\D", "", offer_id)
    return int(digits) if digits else 0


def _write_offer_row(ws, layout: Layout, row: int, offer: Offer) -> None:
    values: dict[str, Any] = {
        "id": offer.id, "leverancier": offer.supplier, "contactpersoon": offer.contact,
        "email": offer.email, "kandidaat": offer.candidate, "uurtarief": float(offer.rate),
        "toelichting": offer.note or None, "loting": offer.lot,
    }
    values.update(offer.facts)
    for code, judgment in offer.judgments.items():
        values[f"{code}:lev"] = judgment.declared
        values[f"{code}:beo"] = judgment.assessor
        values[f"{code}:og"] = judgment.client
    values.update(layout.formulas(row))
    for col in layout.columns:
        cell = ws.cell(row=row, column=layout.index[col.key])
        value = values.get(col.key)
        cell.value = value
        if col.kind != "formula":
            _as_text_if_needed(cell, value)
        if col.key == "uurtarief":
            cell.number_format = MONEY_FORMAT
        elif col.key == "ingediend":
            cell.number_format = MOMENT_FORMAT
        if col.kind in ("finding", "open"):
            cell.protection = OPEN
            cell.fill = INPUT_FILL


def _write_suppliers(book: Workbook, offers: Sequence[Offer]) -> None:
    ws = book[SHEET_SUPPLIERS]
    if ws.max_row > 1:
        ws.delete_rows(2, ws.max_row - 1)
    suppliers: dict[str, list[Offer]] = {}
    for o in offers:
        suppliers.setdefault(" ".join(o.supplier.split()).casefold(), []).append(o)
    for row, group in enumerate(sorted(suppliers.values(), key=lambda g: g[0].supplier.casefold()), start=2):
        first = group[0]
        for col, value in enumerate([first.supplier, first.contact, first.email, len(group),
                                     ", ".join(o.id for o in group)], start=1):
            cell = ws.cell(row=row, column=col, value=value)
            _as_text_if_needed(cell, value)


# ---------------------------------------------------------------------------------------------- offers out

def read_offers(matrix: Matrix, strict: bool = True) -> tuple[list[Offer], list[Problem]]:
    """Read every offer row into engine Offers; each bad input cell becomes a Problem naming the cell.

    With strict=False, rows with problems are still returned as far as they could be read.
    """
    ws, layout, tender = matrix.sheet, matrix.layout, matrix.tender
    problems: list[Problem] = []
    offers: list[Offer] = []
    seen_ids: dict[str, int] = {}
    ix = layout.index
    for row_values in ws.iter_rows(min_row=2, max_col=len(layout.columns)):
        row = row_values[0].row
        get = lambda key: row_values[ix[key] - 1].value  # noqa: E731
        offer_id = get("id")
        if offer_id in (None, ""):
            continue
        offer_id = str(offer_id)
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
            "ingediend": parse("ingediend", _cell_moment),
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


def _cell_moment(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError("is geen datum met tijd")
    return value


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


def write_lots(matrix: Matrix, order: dict[str, int]) -> None:
    """Record a lot drawing: the order drawn per offer id goes into the Loting column."""
    ws, layout = matrix.sheet, matrix.layout
    rows = {str(ws.cell(row=r, column=1).value): r for r in matrix.data_rows()}
    unknown = [offer_id for offer_id in order if offer_id not in rows]
    if unknown:
        raise InvalidWorkbook(str(matrix.path or "werkboek"),
                              [Problem(offer_id, "deze ID staat niet op Kandidaten") for offer_id in unknown])
    for offer_id, drawn in order.items():
        ws.cell(row=rows[offer_id], column=layout.index["loting"]).value = drawn


def offer_motivations(matrix: Matrix) -> dict[str, dict[str, str]]:
    """Per offer id the assessor's name and the motivations typed for deviating findings."""
    ws, layout = matrix.sheet, matrix.layout
    result = {}
    for row in matrix.data_rows():
        get = lambda key: ws.cell(row=row, column=layout.index[key]).value  # noqa: E731
        result[str(get("id"))] = {k: str(get(k) or "") for k in
                                  ("beoordelaar", "motivering_beoordelaar", "motivering_opdrachtgever")}
    return result


# ---------------------------------------------------------------------------------------------- check

_WHOLE_COLUMN = re.compile(r"\$([A-Z]{1,3})\$1:\$\1\$1048576")


def normalise_formula(formula: str) -> str:
    """Compare formulas as a spreadsheet would: case and spaces outside strings, whole-column spellings."""
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
    ws, layout = matrix.sheet, matrix.layout
    wrong = []
    for row in matrix.data_rows():
        for key, expected in layout.formulas(row).items():
            actual = ws.cell(row=row, column=layout.index[key]).value
            if not (isinstance(actual, str) and normalise_formula(actual) == normalise_formula(expected)):
                wrong.append((row, key, actual))
    return wrong


def restore_formulas(matrix: Matrix, wrong: Sequence[tuple[int, str, Any]]) -> None:
    """Write back the tool's formula in each typed-over cell."""
    for row, key, _ in wrong:
        matrix.sheet.cell(row=row, column=matrix.layout.index[key]).value = matrix.layout.formulas(row)[key]


def structure_problems(matrix: Matrix) -> list[Problem]:
    """Headers that moved and tender constants (named cells) that no longer match the spec."""
    problems = []
    ws, layout = matrix.sheet, matrix.layout
    for col in layout.columns:
        actual = ws.cell(row=1, column=layout.index[col.key]).value
        if actual != col.title:
            problems.append(Problem(f"{SHEET_MATRIX}!{layout.letter(col.key)}1",
                                    f"kop '{actual}' verwacht '{col.title}' (kolommen verschoven?)"))
    tender = matrix.tender
    expected = {NAME_DEADLINE: tender.deadline, NAME_RATE_CAP: tender.rate_cap,
                NAME_SHORTLIST: tender.shortlist_size}
    expected.update({requirement_name(r.code): r.value for r in tender.formal
                     if r.kind in ("maximaal", "minimaal", "gelijk")})
    expected.update({points_name(a.code): a.points for a in tender.award})
    for name, value in expected.items():
        where, actual = _named_value(matrix.book, name)
        if where is None:
            problems.append(Problem(name, f"de benoemde cel {name} ontbreekt"))
        elif not _same(actual, value):
            problems.append(Problem(where, f"bevat {actual!r}, de aanvraag zegt {value} ({name}); "
                                           f"herstel de waarde"))
    return problems


def _named_value(book: Workbook, name: str) -> tuple[str | None, Any]:
    if name not in book.defined_names:
        return None, None
    for sheet, ref in book.defined_names[name].destinations:
        if sheet in book.sheetnames:
            return f"{sheet}!{ref.replace('$', '')}", book[sheet][ref.replace("$", "")].value
    return None, None


def _same(actual: Any, expected: Any) -> bool:
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
    return offers, problems


def require_valid_inputs(matrix: Matrix) -> list[Offer]:
    """The offers, or InvalidWorkbook naming each input cell or constant the engine cannot evaluate."""
    problems = structure_problems(matrix)
    offers, input_problems = read_offers(matrix)
    problems += input_problems
    if problems:
        raise InvalidWorkbook(str(matrix.path or "werkboek"), problems)
    return offers


# ---------------------------------------------------------------------------------------------- cached values

def cached_disagreements(source: str | Path, matrix: Matrix, results: Sequence[Result]) -> list[Problem]:
    """Cells whose value saved by Excel/LibreOffice differs from the engine (score, rank, status)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(source, data_only=True, read_only=True)
    try:
        ws = book[SHEET_MATRIX]
        layout = matrix.layout
        by_id = {r.offer.id: r for r in results}
        keys = ("score", "rang", "status")
        problems = []
        for row_values in ws.iter_rows(min_row=2, max_col=len(layout.columns)):
            if not row_values or row_values[0].value in (None, ""):
                continue
            result = by_id.get(str(row_values[0].value))
            if result is None:
                continue
            row = row_values[0].row
            expected = {"score": result.score, "rang": result.rank,
                        "status": dutch.STATUS_LABELS[result.status]}
            for key in keys:
                value = row_values[layout.index[key] - 1].value
                if value is None:
                    continue  # no cached value (saved by openpyxl): nothing to compare
                want = expected[key]
                if not _cached_equal(value, want):
                    shown = "leeg" if want is None else (want if isinstance(want, str) else dutch.number(want))
                    problems.append(Problem(layout.cell(key, row),
                                            f"het werkboek toont {value!r}, de regels geven {shown}"))
        return problems
    finally:
        book.close()


def _cached_equal(value: Any, want: Any) -> bool:
    if want is None:
        return value in ("", None)
    if isinstance(want, str):
        return value == want
    return isinstance(value, (int, float)) and Decimal(repr(value)) == Decimal(want)


# ---------------------------------------------------------------------------------------------- ranking sheet

RANKING_TITLES = ["Rang", "ID", "Leverancier", "Kandidaat", "Uurtarief", "Score", "Status", "Reden", "Loting"]


def write_ranking(matrix: Matrix, results: Sequence[Result], when: datetime) -> None:
    """Rewrite the Ranglijst sheet: counts per status, the sorted ranking, the deviating judgments."""
    book, tender = matrix.book, matrix.tender
    index = book.sheetnames.index(SHEET_RANKING)
    book.remove(book[SHEET_RANKING])
    ws = book.create_sheet(SHEET_RANKING, index)
    ws["A1"] = f"Ranglijst aanvraag {tender.number} — {tender.title}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"Bijgewerkt op {dutch.moment(when)} door inhuur (de regels uit de aanvraag, niet de formules)."
    ws["A3"] = (f"Volgorde: hoogste score, dan laagste uurtarief; bij gelijke score én tarief beslist een "
                f"vastgelegde loting. De beste {tender.shortlist_size} worden voorgedragen.")
    counts = {s: 0 for s in rules.STATUSES}
    for r in results:
        counts[r.status] += 1
    row = 5
    ws.cell(row=row, column=1, value="Status").font = Font(bold=True)
    ws.cell(row=row, column=2, value="Aantal").font = Font(bold=True)
    for status in rules.STATUSES:
        row += 1
        ws.cell(row=row, column=1, value=dutch.STATUS_LABELS[status])
        ws.cell(row=row, column=2, value=counts[status])
    row += 1
    ws.cell(row=row, column=1, value="Totaal")
    ws.cell(row=row, column=2, value=len(results))
    row += 2
    _header(ws, RANKING_TITLES, row=row)
    header_row = row
    for r in rules.ranking_order(results):
        row += 1
        values = [r.rank, r.offer.id, r.offer.supplier, r.offer.candidate, float(r.offer.rate),
                  None if r.score is None else float(r.score), dutch.STATUS_LABELS[r.status],
                  ", ".join(r.failed), r.offer.lot]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            _as_text_if_needed(cell, value)
        ws.cell(row=row, column=5).number_format = MONEY_FORMAT
    row += 2
    ws.cell(row=row, column=1, value="Afwijkende oordelen (wie, wat, waarom)").font = Font(bold=True)
    row += 1
    _header(ws, ["ID", "Kandidaat", "Criterium", "Leverancier", "Beoordelaar", "Opdrachtgever", "Geldt",
                 "Beoordeeld door", "Motivering"], row=row)
    motivations = offer_motivations(matrix)
    any_deviation = False
    for r in results:
        for code in tender.judged_codes:
            j = r.offer.judgments.get(code, Judgment())
            if not j.deviates:
                continue
            any_deviation = True
            row += 1
            m = motivations.get(r.offer.id, {})
            why = " / ".join(x for x in (m.get("motivering_beoordelaar"), m.get("motivering_opdrachtgever")) if x)
            values = [r.offer.id, r.offer.candidate, code, j.declared, j.assessor, j.client, j.effective,
                      m.get("beoordelaar") or None, why or "GEEN MOTIVERING: vul deze in op Kandidaten"]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=col, value=value)
                _as_text_if_needed(cell, value)
    if not any_deviation:
        ws.cell(row=row + 1, column=1, value="Geen: alle oordelen volgen de verklaring van de leverancier.")
    for letter, width in zip("ABCDEFGHI", (8, 9, 28, 26, 12, 8, 18, 22, 40)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    _protect(ws)
