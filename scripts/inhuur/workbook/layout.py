"""Where things are in the workbook: sheet names, column titles and positions, named cells."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inhuur.spec import Tender
from inhuur.xlsx import get_column_letter

SHEET_INSTRUCTIONS = "Instructies"
SHEET_TENDER = "Aanvraag"
SHEET_CRITERIA = "Criteria"
SHEET_SUPPLIERS = "Leveranciers"
SHEET_MATRIX = "Kandidaten"
SHEET_ASSESSMENT = "Beoordeling"
SHEET_RANKING = "Ranglijst"
SHEET_STEP3 = "Stap 3"
SHEET_INTERVIEWS = "Gesprekken"
SHEET_AWARD = "Gunning"
SHEET_LETTERS = "Brieven"
SHEET_SENT = "Verzonden"
SHEET_LOTS = "Loting"  # the proces-verbaal of each lot drawing
SHEET_META = "_inhuur"
SHEET_REGISTER = "_register"  # every offer ever imported: the proof that no row went missing
REGISTER_TITLES = ["ID", "Leverancier", "Kandidaat", "Geïmporteerd op"]
SHEET_LOG_REGISTER = "_logboek"  # every row ever written on Brieven and Verzonden: the proof that none went missing
LOG_REGISTER_TITLES = ["Blad", "Kenmerk", "Aan", "ID", "Soort", "Inhoud", "Status", "Datum", "Door"]
MARKER = "inhuur-werkboek"
FORMAT_VERSION = 3  # 1: findings on Kandidaten (before the Beoordeling sheet); 2: before withdrawals and award models

STEP3_TITLES = ["ID", "Kandidaat", "Leverancier", "Score", "Rang", "Soortgelijke opdrachten",
                "Soortgelijke organisaties", "Opmerkingen", "Besluit", "Volgorde wachtkamer", "Gesprek"]
STEP3_OPEN = 6  # columns from here on are the client's
# New log titles go at the end only: a workbook made before has the shorter header, which append_log extends.
LETTER_TITLES = ["Gemaakt op", "Datum brief", "ID", "Kandidaat", "Leverancier", "E-mail", "Soort", "Bestand",
                 "Kenmerk", "SHA-256", "Inhoud", "Vervangt", "SHA-256 pdf"]
SENT_TITLES = ["Verzonden op", "ID", "Kandidaat", "Leverancier", "Aan", "Soort", "Bestand", "SHA-256", "Message-ID",
               "Kenmerk", "Status", "Door", "Reden"]
# What each log sheet's row keeps on _logboek, by its own titles (LOG_REGISTER_TITLES after Blad; None: empty).
LOGGED = {SHEET_LETTERS: ("Kenmerk", "E-mail", "ID", "Soort", "Inhoud", None, "Datum brief", None),
          SHEET_SENT: ("Kenmerk", "Aan", "ID", "Soort", None, "Status", "Verzonden op", "Door")}
# Values of the Status column on Verzonden: mail writes 'bezig' for each letter before a run sends anything, then
# its outcome (verzonden, onzeker, mislukt); `inhuur verzonden` writes 'verzonden buiten inhuur'.
STATUS_SENT = "verzonden"
STATUS_UNCERTAIN = "onzeker"
STATUS_SENT_ELSEWHERE = "verzonden buiten inhuur"
STATUS_BUSY = "bezig"
STATUS_FAILED = "mislukt"
LOT_ORDER_TITLE = "Volgorde (ID's)"
LOT_TITLES = ["Vastgelegd op", "Moment loting", "Plaats", "Getrokken door", "Getuigen", LOT_ORDER_TITLE, "Uitslag"]
SUPPLIER_TITLES = ["Leverancier", "Contactpersoon", "E-mail", "Inschrijvingen", "ID's"]
RANKING_TITLES = ["Rang", "ID", "Leverancier", "Kandidaat", "Uurtarief", "Score", "Status", "Reden", "Loting",
                  "Uitkomst stap 2", "Open oordelen"]
RANKING_HEADER_ROW = 20  # fixed, so the frozen pane made by `new` stays right; counts fit above it

MONEY_FORMAT = '"€" #,##0.00'
MOMENT_FORMAT = "dd-mm-yyyy hh:mm"
DATE_FORMAT = "dd-mm-yyyy"

NAME_DEADLINE = "Sluiting"
NAME_RATE_CAP = "MaxUurtarief"
NAME_SHORTLIST = "Voordragen"
NAME_PASS_MARK = "Voldoende"
NAME_MIN_INTERVIEWERS = "MinInterviewers"
THRESHOLD_KINDS = ("maximaal", "minimaal", "gelijk")  # formal requirements compared with a named threshold
NAME_MIN_SCORE = "MinScore"
NAME_PRICE_LOW = "PrijsLaagste"    # L: the lowest rate among the offers compared on price (a live formula)
NAME_PRICE_HIGH = "PrijsHoogste"   # H: the highest
PRICE_COLUMN = "prijs"             # the price's points column key on Kandidaten (as rules.PRICE)

# Values of the Stand column on Beoordeling (and what the engine calls them).
STAND_OPEN = "Open"
STAND_SELF = "Eigen opgave"
STAND_ASSESSED = "Beoordeeld"
STAND_CLIENT = "Opdrachtgever"
STAND_NOT_NEEDED = "Niet nodig"


def letter_cell(title: str, row: int) -> str:
    """A cell of the Brieven log by its column title, for messages, e.g. Brieven!F7."""
    return f"{SHEET_LETTERS}!{get_column_letter(LETTER_TITLES.index(title) + 1)}{row}"


def requirement_name(code: str) -> str:
    """Defined name of a formal requirement's threshold, e.g. Eis_cv_paginas."""
    return f"Eis_{code}"


def points_name(code: str) -> str:
    """Defined name of an award criterion's points, e.g. Punten_G4."""
    return f"Punten_{code}"


def named_constants(tender: Tender) -> dict[str, Any]:
    """Every tender constant the formulas use by its defined name, with the spec's value: what `new` writes
    into the named cells and what `check` compares them with."""
    constants: dict[str, Any] = {NAME_DEADLINE: tender.deadline, NAME_RATE_CAP: tender.rate_cap,
                                 NAME_SHORTLIST: tender.shortlist_size,
                                 NAME_MIN_INTERVIEWERS: tender.interviews.min_interviewers,
                                 NAME_PASS_MARK: tender.interviews.pass_mark}
    constants.update({requirement_name(r.code): r.value for r in tender.formal if r.kind in THRESHOLD_KINDS})
    constants.update({points_name(a.code): a.points for a in tender.award})
    if tender.min_score is not None:
        constants[NAME_MIN_SCORE] = tender.min_score
    return constants


def price_range_cells() -> dict[str, tuple[int, int]]:
    """Where L and H live on the Criteria sheet: defined name -> (row, column), J2 and J3."""
    return {NAME_PRICE_LOW: (2, 10), NAME_PRICE_HIGH: (3, 10)}


def choices_name(code: str) -> str:
    """Defined name of the findings a judged criterion allows (the Beoordeling drop-down), e.g. Oordelen_G3."""
    return f"Oordelen_{code}"


def quoted(sheet: str) -> str:
    """A sheet name as formulas write it: 'Stap 3' with quotes where it has a space."""
    return f"'{sheet}'" if " " in sheet else sheet


@dataclass(frozen=True)
class Column:
    """One column of a sheet: key, header title, kind (fact/input/formula/tool), width, hidden."""

    key: str
    title: str
    kind: str
    width: float = 12
    hidden: bool = False
    note: str = ""


class Columns:
    """Columns of one sheet by key: letters, indexes and sheet-qualified references."""

    sheet = ""

    def __init__(self, columns: list[Column]):
        self.columns = columns
        self.index = {c.key: i + 1 for i, c in enumerate(columns)}
        self.by_key = {c.key: c for c in columns}

    def letter(self, key: str) -> str:
        """Column letter of a key, e.g. 'K' for uurtarief on Kandidaten."""
        return get_column_letter(self.index[key])

    def cell(self, key: str, row: int) -> str:
        """Sheet-qualified cell reference for messages, e.g. Kandidaten!K7."""
        return f"{self.sheet}!{self.letter(key)}{row}"

    def whole(self, key: str, sheet: bool = True) -> str:
        """A whole-column reference for formulas, e.g. Beoordeling!$N:$N."""
        letter = self.letter(key)
        return f"{quoted(self.sheet)}!${letter}:${letter}" if sheet else f"${letter}:${letter}"

    @property
    def last_letter(self) -> str:
        """The letter of the sheet's last tool column."""
        return get_column_letter(len(self.columns))


class Layout(Columns):
    """The Kandidaten matrix for one tender: names and results first, one column per criterion, then facts."""

    sheet = SHEET_MATRIX

    def __init__(self, tender: Tender):
        self.tender = tender
        self.detailed = shows_points(tender)
        columns = [
            Column("id", "ID", "fact", 7),
            Column("kandidaat", "Kandidaat", "fact", 22),
            Column("leverancier", "Leverancier", "fact", 24),
            Column("status", "Status", "formula", 20, note="De laatste stand: na stap 3–4 de uitkomst daarvan."),
            Column("stap2", "Uitkomst stap 2", "formula", 15),
            Column("score", "Score", "formula", 7),
            Column("rang", "Rang", "formula", 6),
            Column("reden", "Reden", "formula", 34),
            Column("open", "Open oordelen", "formula", 9,
                   note="Hoeveel oordelen die deze inschrijving nodig heeft nog niet beoordeeld zijn (blad "
                        "Beoordeling). Zolang dit niet 0 is, is de uitkomst voorlopig."),
            Column("loting", "Loting", "input", 8),
            Column("uurtarief", "Uurtarief", "fact", 11),
        ]
        for ko in tender.knock_outs:
            if ko.judged:
                columns.append(Column(f"{ko.code}:geldt", ko.label, "formula", _fit(ko.label), note=ko.description))
        for a in tender.award:
            columns.append(Column(f"{a.code}:geldt", a.label, "formula", _fit(a.label),
                                  note=f"{a.description} ({a.points.normalize():f} punten)"))
            if self.detailed:
                columns.append(Column(f"{a.code}:punten", f"{a.code} punten", "formula", 8))
        if tender.price is not None:
            columns.append(Column(PRICE_COLUMN, "Prijs punten", "formula", 8,
                                  note=f"Punten voor het uurtarief ({tender.price.points.normalize():f} punten, "
                                       f"formule {tender.price.formula}); zie blad Criteria."))
        columns += [
            Column("conform", "Conform", "formula", 9),
            Column("ko", "Knock-outs voldaan", "formula", 10),
            Column("aanhef", "Aanhef", "fact", 8),
            Column("contactpersoon", "Contactpersoon", "fact", 18),
            Column("email", "E-mail", "fact", 24),
            Column("ingediend", "Ingediend", "fact", 16),
            Column("cv_paginas", "CV pagina's", "fact", 9),
            Column("cv_taal", "CV taal", "fact", 12),
            Column("cv_pdf", "CV pdf", "fact", 8),
            Column("referenties", "Referenties", "fact", 10),
            Column("dba_onderbouwing", "DBA-onderbouwing", "fact", 11),
            Column("waadi", "Waadi", "fact", 8),
            Column("toelichting", "Toelichting leverancier", "fact", 30),
            Column("ingetrokken", "Ingetrokken op", "input", 11,
                   note="De datum waarop de kandidaat zich terugtrok (niet meer beschikbaar). De inschrijving "
                        "blijft staan, gemarkeerd, en telt niet meer mee in de vergelijking."),
            Column("reden_intrekking", "Reden intrekking", "input", 24),
            Column("vergelijking", "In vergelijking (uurtarief)", "formula", 8, hidden=True),
            Column("nodig", "Te beoordelen stappen", "formula", 8, hidden=True),
            Column("geschikt", "Geschikt", "formula", 8, hidden=True),
            Column("groep", "Gelijk (score en tarief)", "formula", 8, hidden=True),
            Column("loten", "Loten in groep", "formula", 8, hidden=True),
            Column("gedeeld", "Rang gedeeld door", "formula", 8, hidden=True),
            Column("latest", "Stand na stap 3-4", "tool", 16, hidden=True),
        ]
        super().__init__(columns)


def shows_points(tender: Tender) -> bool:
    """Whether Kandidaten has a points column per criterion (and price): where a criterion is graded or price is
    scored. 30662's binary criteria keep their one score column."""
    return tender.price is not None or any(a.levels for a in tender.award)


def _fit(title: str) -> float:
    """A column just wide enough that its wrapped header never breaks inside a word (bold text: 1.2 per letter)."""
    return max(10.0, max(len(word) for word in title.split()) * 1.2 + 1)


class AssessmentLayout(Columns):
    """The Beoordeling sheet: one row per offer and judged criterion, with declaration, findings and what counts."""

    sheet = SHEET_ASSESSMENT

    def __init__(self, tender: Tender):
        self.tender = tender
        super().__init__([
            Column("id", "ID", "fact", 7),
            Column("kandidaat", "Kandidaat", "fact", 18),
            Column("code", "Code", "fact", 6),
            Column("criterium", "Criterium", "fact", 44),
            Column("stap", "Stap", "fact", 14),
            Column("opgave", "Opgave leverancier", "fact", 10),
            Column("beoordelaar", "Oordeel beoordelaar", "input", 11),
            Column("motivering_beoordelaar", "Motivering beoordelaar", "input", 36),
            Column("door_beoordelaar", "Beoordelaar (naam)", "input", 14),
            Column("opdrachtgever", "Oordeel opdrachtgever", "input", 11),
            Column("motivering_opdrachtgever", "Motivering opdrachtgever", "input", 30),
            Column("door_opdrachtgever", "Opdrachtgever (naam)", "input", 14),
            Column("geldt", "Geldt", "formula", 7),
            Column("stand", "Stand", "formula", 12),
            Column("leverancier", "Leverancier", "fact", 26),
            Column("sleutel", "Sleutel", "fact", 10, hidden=True),
        ])


def assessment_key(offer_id: str, code: str) -> str:
    """The lookup key of a Beoordeling row, e.g. I-001/KO1 (no wildcard or regex characters)."""
    return f"{offer_id}/{code}"


def interview_titles(tender: Tender) -> list[str]:
    """Gesprekken: who scored, then one column per competency."""
    return ["ID", "Kandidaat", "Interviewer", "Rol", *tender.competencies]


def award_titles(tender: Tender) -> list[str]:
    """Gunning: the candidate, the counting score per competency, the verdicts, the client's decision."""
    counted = ["Punten gesprek", "Eindscore"] if tender.interviews.points is not None else []
    return ["ID", "Kandidaat", "Leverancier", "Score stap 2", "Uurtarief",
            *[f"{c} (telt)" for c in tender.competencies], "Volledig gescoord", "Alle minimaal voldoende",
            "Totaal gesprek", *counted, "Bespreken (verschil 2+)", "Voorstel volgorde", "Besluit", "Motivering"]
