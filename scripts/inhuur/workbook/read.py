"""How inputs are read: offers with their findings, steps 3–4 and the logs, each bad cell named."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path, PureWindowsPath
from typing import Any

from inhuur import award as award_rules, dutch, rules
from inhuur.errors import Problem
from inhuur.intake import EARLIEST, LATEST, MAX_RATE, parse_datetime, parse_email
from inhuur.rules import Judgment, Offer
from inhuur.workbook.layout import (LOG_REGISTER_TITLES, LOGGED, SHEET_AWARD, SHEET_INTERVIEWS, SHEET_LETTERS,
                                    SHEET_LOG_REGISTER, SHEET_LOTS, SHEET_SENT, SHEET_STEP3, STATUS_BUSY, STATUS_SENT,
                                    STATUS_SENT_ELSEWHERE, STATUS_UNCERTAIN, award_titles)
from inhuur.workbook.matrix import Matrix, SheetRow
from inhuur.xlsx import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, get_column_letter


@dataclass
class Findings:
    """The Beoordeling rows by (offer id, code), with their row numbers and problems found."""

    judgments: dict[tuple[str, str], Judgment]
    rows: dict[tuple[str, str], int]
    problems: list[Problem]


def read_findings(matrix: Matrix) -> Findings:
    """Every finding on Beoordeling; a bad value, an unknown code or a row twice becomes a Problem naming the cell.

    Read once per opened workbook: check, letters and record all need it.
    """
    if "findings" not in matrix.memo:
        matrix.memo["findings"] = _read_findings(matrix)
    return matrix.memo["findings"]


def _read_findings(matrix: Matrix) -> Findings:
    beo, tender = matrix.assessment, matrix.tender
    codes = set(tender.judged_codes)
    judgments: dict[tuple[str, str], Judgment] = {}
    rows: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []
    index = beo.index
    readers = {code: _level_reader(tender.criterion(code)) for code in codes}
    for row in matrix.assessment_rows:
        n, cells = row.number, row.cells
        get = lambda key: None if (c := cells.get(index[key])) is None else c.value  # noqa: E731  (hot: 70,000 rows)
        offer_id, code = str(get("id")), str(get("code") or "")
        if code not in codes:
            problems.append(Problem(beo.cell("code", n), f"'{code}' is geen te beoordelen criterium van deze "
                                                         f"aanvraag ({', '.join(tender.judged_codes)})"))
            continue
        if (offer_id, code) in rows:
            problems.append(Problem(beo.cell("id", n), f"{offer_id} {code} staat ook in rij {rows[(offer_id, code)]}"))
            continue
        rows[(offer_id, code)] = n
        values = {}
        reader = readers[code]
        for key in ("opgave", "beoordelaar", "opdrachtgever"):
            value = get(key)
            if value is None or value == "":
                values[key] = None
                continue
            try:
                values[key] = reader(value)
            except ValueError as exc:
                problems.append(Problem(beo.cell(key, n), f"'{value}' {exc}"))
                values[key] = None
        text = {key: _cell_note(get(key)) for key in ("motivering_beoordelaar", "door_beoordelaar",
                                                       "motivering_opdrachtgever", "door_opdrachtgever")}
        judgments[(offer_id, code)] = Judgment(
            values["opgave"], values["beoordelaar"], values["opdrachtgever"], text["motivering_beoordelaar"],
            text["door_beoordelaar"], text["motivering_opdrachtgever"], text["door_opdrachtgever"])
    return Findings(judgments, rows, problems)


def read_offers(matrix: Matrix, strict: bool = True) -> tuple[list[Offer], list[Problem]]:
    """Read every offer row into engine Offers with their findings; each bad input cell becomes a Problem.

    With strict=False, rows with problems are still returned as far as they could be read.
    """
    layout, tender = matrix.layout, matrix.tender
    epoch = CALENDAR_MAC_1904 if matrix.package.date1904 else CALENDAR_WINDOWS_1900
    findings = read_findings(matrix)
    problems: list[Problem] = list(findings.problems)  # a copy: the memoised Findings stay as read
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
            found = findings.judgments.get((offer_id, code))
            if found is None and (offer_id, code) not in findings.rows:
                problems.append(Problem(f"{matrix.assessment.sheet}", f"de rij voor {offer_id} {code} ontbreekt "
                                                                      f"(verwijderd?); zet de vorige versie terug"))
                ok = False
            judgments[code] = found or Judgment()
        lot = parse("loting", _parse_lot, required=False)
        email = parse("email", lambda v: parse_email(_cell_text(v)))  # as `import` accepts it: the letters go there
        withdrawn = parse("ingetrokken", lambda v: _cell_moment(v, epoch, "is geen datum").date(), required=False)
        reason = _cell_note(get("reden_intrekking"))
        offer = Offer(id=offer_id, supplier=supplier or "", candidate=candidate or "",
                      rate=rate if rate is not None else Decimal(0), facts=facts, judgments=judgments,
                      contact=str(get("contactpersoon") or ""), email=email or "", lot=lot,
                      salutation=parse("aanhef", _cell_title, required=False) or "",
                      note=str(get("toelichting") or ""), withdrawn=withdrawn, withdrawn_reason=reason)
        if ok or not strict:
            offers.append(offer)
    known = set(seen_ids)
    for (offer_id, code), n in findings.rows.items():
        if offer_id not in known:
            problems.append(Problem(matrix.assessment.cell("id", n), f"{offer_id} staat niet op Kandidaten"))
    return offers, problems


# Cell readers accept exactly what the formulas compute alike: a rate typed as text, or "Ja " with a
# space, would make the workbook and the engine disagree, so they are refused and named instead.

def _cell_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _cell_note(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _cell_amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("is geen getal; typ het bedrag als getal, bijv. 77,50")
    amount = Decimal(repr(value))
    if not amount.is_finite() or amount <= 0 or amount > MAX_RATE:
        raise ValueError(f"is geen plausibel uurtarief (tussen € 0,01 en € {dutch.number(MAX_RATE)})")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("is geen bedrag groter dan nul in hele centen")
    return amount.quantize(Decimal("0.01"))


def _cell_moment(value: Any, epoch, kind: str = "is geen datum met tijd") -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(kind)
    try:
        moment = from_excel(value, epoch)
    except (ValueError, OverflowError):
        raise ValueError(kind)
    # stored times carry float noise; submissions are timed to the second
    moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"ligt vóór {EARLIEST.year} of na {LATEST.year - 1}; klopt het jaar?")
    return moment


def _whole_number(value: Any, least: int, why: str) -> int:
    """A cell's whole number of at least `least` (Excel stores 3 as 3.0); else ValueError(why)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(why)
    return value


def _cell_count(value: Any) -> int:
    return _whole_number(value, 0, "is geen geheel getal (0 of meer)")


def _cell_yes_no(value: Any) -> str:
    if isinstance(value, str) and value.upper() in ("JA", "NEE"):
        return value
    raise ValueError("is geen Ja of Nee (let op spaties); kies uit de keuzelijst of maak de cel leeg")


def _level_reader(criterion) -> Any:
    """How a finding on this criterion is read: Ja/Nee, or on a graded criterion one of its levels' labels."""
    levels = getattr(criterion, "levels", ())
    if not levels:
        return _cell_yes_no

    def read(value: Any) -> str:
        # the formulas compare TRIM(UPPER(...)): only spaces around it, and no runs of them inside
        core = value.strip(" ") if isinstance(value, str) else ""
        if core and core == value.strip() and "  " not in core and criterion.level(value) is not None:
            return value
        raise ValueError(f"is geen niveau van {criterion.code}; kies uit de keuzelijst: "
                         f"{', '.join(level.label for level in levels)}")
    return read


def _cell_title(value: Any) -> str:
    if isinstance(value, str) and value in ("heer", "mevrouw"):
        return value
    raise ValueError("is geen aanhef; kies heer of mevrouw, of maak de cel leeg")


def _cell_waadi(value: Any) -> str:
    if isinstance(value, str) and value.upper() in ("JA", "NEE", "N.V.T."):
        return value
    raise ValueError("is geen Ja, Nee of n.v.t.")


def _parse_lot(value: Any) -> int:
    return _whole_number(value, 1, "is geen lotnummer; vul 1, 2, 3 … in (volgorde van trekking)")


def row_of(matrix: Matrix) -> dict[str, int]:
    """Offer id -> its row on the Kandidaten sheet."""
    return {str(matrix.get(r, "id")): r.number for r in matrix.rows if r.cells}


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


def sheet_rows(matrix: Matrix, sheet: str, current: bool = False) -> list[tuple[int, dict[int, Any]]]:
    """The rows of a tool sheet below its header that have something in column A, as values by column.

    With current, the sheet as changed in this session (rows just added included), else as opened.
    """
    matrix.require_sheet(sheet)
    data = matrix.chunks(sheet) if current else None
    return [(n, {i: c.value for i, c in cells.items()}) for n, cells in matrix.package.rows(sheet, data=data) if n > 1
            and cells.get(1) is not None and cells[1].value not in (None, "")]


def read_steps34(matrix: Matrix) -> Steps34:
    """The client's step-3 decisions, the interview scores and the award decisions, as opened (streamed once)."""
    if "steps34" not in matrix.memo:
        matrix.memo["steps34"] = _read_steps34(matrix)
    return matrix.memo["steps34"]


def _read_steps34(matrix: Matrix) -> Steps34:
    tender, problems = matrix.tender, []
    epoch = CALENDAR_MAC_1904 if matrix.package.date1904 else CALENDAR_WINDOWS_1900
    selections, step3_rows = [], {}
    for n, row in sheet_rows(matrix, SHEET_STEP3):
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
    for n, row in sheet_rows(matrix, SHEET_INTERVIEWS):
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
        if looks_like_consensus(interviewer):
            problems.append(Problem(f"{SHEET_INTERVIEWS}!C{n}",
                                    f"'{interviewer}' lijkt op {award_rules.CONSENSUS} maar is het niet; schrijf "
                                    f"precies {award_rules.CONSENSUS} voor de afgesproken score, of een naam"))
        interviews.append(award_rules.Interview(offer_id, interviewer, str(row.get(4) or ""), scores))
        interview_rows.setdefault(offer_id, []).append((n, interviewer))
    decisions, award_rows = [], {}
    last = len(award_titles(tender))
    for n, row in sheet_rows(matrix, SHEET_AWARD):
        offer_id = str(row[1])
        award_rows[offer_id] = n
        verdict = row.get(last - 1)
        if verdict not in (None, "") and str(verdict).strip().lower() != "gunnen":
            problems.append(Problem(f"{SHEET_AWARD}!{get_column_letter(last - 1)}{n}", f"'{verdict}' is geen gunnen"))
        elif verdict not in (None, ""):
            decisions.append(award_rules.Decision(offer_id, True, str(row.get(last) or "")))
    return Steps34(selections, interviews, decisions, problems, step3_rows, interview_rows, award_rows)


def looks_like_consensus(name: str) -> bool:
    """True for a typo of Consensus ('Concensus', 'Consensus ', 'Konsensus'): the formulas would count it as a person."""
    word = name.strip().casefold()
    target = award_rules.CONSENSUS.casefold()
    if name.casefold() == target:
        return False
    return word == target or _distance(word, target) <= 2


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings only)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def log_rows(matrix: Matrix, sheet: str) -> list[dict[str, Any]]:
    """The rows of a log sheet (Brieven, Verzonden) as dicts by header title, as opened."""
    return [row for _, row in numbered_log_rows(matrix, sheet)]


def numbered_log_rows(matrix: Matrix, sheet: str) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a log sheet below its header as (row number, dict by header title), as opened; read once."""
    if ("log", sheet) not in matrix.memo:
        matrix.require_sheet(sheet)
        rows = list(matrix.package.rows(sheet))
        titles = {i: c.value for i, c in rows[0][1].items()} if rows and rows[0][0] == 1 else {}
        matrix.memo[("log", sheet)] = [(n, {titles.get(i): c.value for i, c in cells.items()}) for n, cells in rows
                                       if n > 1]
    return matrix.memo[("log", sheet)]


@dataclass(frozen=True)
class LoggedLetter:
    """One row of the Brieven log: a letter as `letters` made it (row: its row number, for messages)."""

    row: int
    date: str
    offer_id: str
    candidate: str
    supplier: str
    email: str
    kind: str
    file: str  # the name only, without the folder it was made in
    reference: str
    sha256: str
    content: str
    replaces: str
    pdf_sha256: str  # empty where no PDF was made (or the workbook's header predates the column)


def letter_log(matrix: Matrix) -> list[LoggedLetter]:
    """Every letter made, in the order made, as the Brieven log has it (each cell as text, empty for none)."""
    def text(values: dict[str, Any], title: str) -> str:
        value = values.get(title)
        return "" if value is None else str(value)

    return [LoggedLetter(n, text(v, "Datum brief"), text(v, "ID"), text(v, "Kandidaat"), text(v, "Leverancier"),
                         text(v, "E-mail"), text(v, "Soort"), PureWindowsPath(text(v, "Bestand")).name,
                         text(v, "Kenmerk"), text(v, "SHA-256"), text(v, "Inhoud"), text(v, "Vervangt"),
                         text(v, "SHA-256 pdf"))
            for n, v in numbered_log_rows(matrix, SHEET_LETTERS)]


def kept_form(sheet: str, row: dict[str, Any]) -> dict[str, Any]:
    """A Brieven or Verzonden row as _logboek keeps it (titles of LOG_REGISTER_TITLES)."""
    return {LOG_REGISTER_TITLES[0]: sheet, **{title: (row.get(key) if key else None)
                                   for title, key in zip(LOG_REGISTER_TITLES[1:], LOGGED[sheet])}}


def log_register(matrix: Matrix) -> list[dict[str, Any]] | None:
    """Every Brieven and Verzonden row ever written, as _logboek keeps it; None for a workbook made before it."""
    if SHEET_LOG_REGISTER not in matrix.package.sheets():
        return None
    return log_rows(matrix, SHEET_LOG_REGISTER)


def letters_made(matrix: Matrix) -> list[dict[str, Any]]:
    """Every letter ever logged on Brieven (Kenmerk, Aan, ID, Soort, Inhoud): from _logboek, so a row deleted from
    Brieven still counts and its kenmerk is never issued again; from Brieven in a workbook made before _logboek."""
    kept = log_register(matrix)
    if kept is None:
        return [kept_form(SHEET_LETTERS, row) for row in log_rows(matrix, SHEET_LETTERS)]
    return [row for row in kept if row.get(LOG_REGISTER_TITLES[0]) == SHEET_LETTERS]


@dataclass(frozen=True)
class Sendings:
    """What Verzonden says of each letter per (kenmerk, recipient in lower case)."""

    delivered: dict[tuple[str, str], date | None]  # sent by mail or recorded as sent: the first day (None: unreadable)
    uncertain: set[tuple[str, str]]  # onzeker, and not delivered since
    busy: dict[tuple[str, str], Path] = field(default_factory=dict)  # a 'bezig' row with no later row: its folder


def read_sendings(matrix: Matrix) -> Sendings:
    """Which letters went out (status verzonden, or verzonden buiten inhuur) and on which day, which are onzeker, and
    which a run began to send without a later row saying how it ended (busy, with the folder it sent from)."""
    days: dict[tuple[str, str], list[date]] = {}
    uncertain = set()
    busy: dict[tuple[str, str], Path] = {}
    for row in log_rows(matrix, SHEET_SENT):
        key = (str(row.get("Kenmerk") or ""), str(row.get("Aan") or "").lower())
        status = row.get("Status") or STATUS_SENT
        busy.pop(key, None)  # any later row says how that run ended
        if status == STATUS_BUSY:
            busy[key] = Path(str(row.get("Bestand") or "")).parent
        elif status == STATUS_UNCERTAIN:
            uncertain.add(key)
        elif status in (STATUS_SENT, STATUS_SENT_ELSEWHERE):
            day = day_of(matrix, row.get("Verzonden op"))
            days.setdefault(key, []).extend([day] if day else [])
    delivered = {key: min(found, default=None) for key, found in days.items()}
    return Sendings(delivered, uncertain - set(delivered), {k: f for k, f in busy.items() if k not in delivered})


def day_of(matrix: Matrix, value: Any) -> date | None:
    """The day in a log's date cell: text as inhuur writes it (2026-07-01 10:00:00 or 01-07-2026 10:00), or a date
    Excel made of it; None when it cannot be read (typed over)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return from_excel(value, CALENDAR_MAC_1904 if matrix.package.date1904 else CALENDAR_WINDOWS_1900).date()
        except (ValueError, OverflowError):
            return None
    for form in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(str(value).strip()[:10], form).date()
        except ValueError:
            continue
    return None


def read_lot_records(matrix: Matrix) -> tuple[dict[str, rules.LotRecord], list[Problem]]:
    """The proces-verbaal of every recorded lot drawing (sheet Loting), by offer id; the latest one counts.

    A row whose moment cannot be read is named as a problem, not skipped in silence.
    """
    rows, problems = read_lot_rows(matrix)
    return {offer_id: record for offer_id, (_, record) in rows.items()}, problems


def read_lot_rows(matrix: Matrix) -> tuple[dict[str, tuple[int, rules.LotRecord]], list[Problem]]:
    """As read_lot_records, with the row of the Loting sheet each offer's proces-verbaal is on."""
    if SHEET_LOTS not in matrix.package.sheets():
        return {}, []
    records: dict[str, tuple[int, rules.LotRecord]] = {}
    problems = []
    epoch = CALENDAR_MAC_1904 if matrix.package.date1904 else CALENDAR_WINDOWS_1900
    for n, cells in matrix.package.rows(SHEET_LOTS):
        value = lambda column: cells[column].value if column in cells else None  # noqa: E731
        if n == 1 or not value(6):
            continue
        moment = value(2)
        try:
            moment = from_excel(moment, epoch) if isinstance(moment, (int, float)) else parse_datetime(moment)
        except (ValueError, TypeError, OverflowError):
            problems.append(Problem(f"{SHEET_LOTS}!B{n}", f"'{moment}' is geen moment (schrijf 01-07-2026 10:00)"))
            continue
        order = tuple(part.strip() for part in str(value(6)).split(",") if part.strip())
        record = rules.LotRecord(moment, str(value(3) or ""), str(value(4) or ""), str(value(5) or ""), order)
        records.update({offer_id: (n, record) for offer_id in order})
    return records, problems


__all__ = ["Findings", "read_lot_records", "read_lot_rows", "Steps34", "SheetRow", "read_findings", "read_offers",
           "read_steps34", "row_of", "log_rows", "numbered_log_rows", "LoggedLetter", "letter_log",
           "looks_like_consensus", "sheet_rows", "kept_form", "log_register", "letters_made", "Sendings",
           "read_sendings", "day_of"]
