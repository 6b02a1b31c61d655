"""Reads an offers file (CSV as Dutch Excel writes it, or XLSX) into validated offers; all or nothing."""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Callable, Sequence

from inhuur.errors import FileMissing, InvalidOfferFile, Problem
from inhuur.rules import NO, NOT_APPLICABLE, YES, Judgment, Offer, blank
from inhuur.spec import Tender
from inhuur.xlsx import get_column_letter

BASE_COLUMNS = ("leverancier", "contactpersoon", "email", "kandidaat", "uurtarief", "ingediend",
                "cv_paginas", "cv_taal", "cv_pdf", "referenties", "dba_onderbouwing")
OPTIONAL_COLUMNS = ("waadi", "toelichting", "aanhef")
ALIASES = {"e_mail": "email", "emailadres": "email", "e_mailadres": "email", "cv_pagina's": "cv_paginas",
           "cv_pagina’s": "cv_paginas", "tarief": "uurtarief"}
MAX_PROBLEMS = 50
MAX_TEXT = 32767  # Excel's limit for one cell
# Characters an .xlsx (XML) cannot hold, or that no one types: control characters, noncharacters, lone surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile(r"[\t\n\r\x85\u2028\u2029]")
# Bidirectional embeddings, overrides and isolates: they reverse how the rest of a name displays (a name that reads
# as another's), in a cell and in a letter alike.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# An address every mail server takes: ASCII letters, digits and . _ % + - before the @, a domain of labels after it.
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_EMAIL_CHARACTER = re.compile(r"[A-Za-z0-9._%+@-]")
MAX_RATE = Decimal("9999.99")  # an hourly rate above this is a typo (a 34-digit number, 77500 for 77,50)
EARLIEST = datetime(2000, 1, 1)  # a submission before this is a typo (01-01-0001, Excel's 1899/1900 zero date)
LATEST = datetime(2100, 1, 1)
_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


@dataclass(frozen=True)
class OfferRow:
    """A validated offer from a file, with the row it came from (as Excel numbers it)."""

    row: int
    offer: Offer


def same_text(value: Any) -> str:
    """Text as people mean it when they compare names: case and spacing ignored, and an accent typed as a separate
    mark (e + U+0301, as macOS and some web forms send it) the same as the accented letter (NFC)."""
    return unicodedata.normalize("NFC", " ".join(str(value or "").split())).casefold()


def offer_key(supplier: str, candidate: str) -> tuple[str, str]:
    """The identity of an offer: supplier and candidate, ignoring case and spacing."""
    return (same_text(supplier), same_text(candidate))


def read_offers(source: str | Path | IO[bytes], tender: Tender, name: str | None = None) -> list[OfferRow]:
    """Read and validate every row of an offers file; raise InvalidOfferFile listing each bad cell."""
    name, rows = read_table(source, name)
    return _validate(rows, tender, name)


def read_table(source: str | Path | IO[bytes], name: str | None = None) -> tuple[str, list[list[Any]]]:
    """Any CSV or XLSX table as rows of values (row 1 = the header), with the name to use in messages.

    Every input file passes here, so this is where a text longer than a workbook cell can hold is refused."""
    if hasattr(source, "read"):
        raw = source.read()
        name = name or getattr(source, "name", "invoer")
    else:
        path = Path(source)
        if not path.is_file():
            raise FileMissing(path)
        raw = path.read_bytes()
        name = name or path.name
    rows = _xlsx_rows(raw, name) if raw[:2] == b"PK" else _csv_rows(raw, name)
    too_long = _too_long(rows)
    if too_long:
        raise InvalidOfferFile(name, too_long)
    return name, rows


def _too_long(rows: list[list[Any]]) -> list[Problem]:
    """Every cell with more characters than one Excel cell holds, named by row, column and its length."""
    header = rows[0] if rows else []
    problems = []
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            if isinstance(value, str) and len(value) > MAX_TEXT:
                title = header[index] if number > 1 and index < len(header) else None
                title = normalise_header(title) if isinstance(title, str) and len(title) <= MAX_TEXT else ""
                where = f"rij {number}, kolom {get_column_letter(index + 1)}" + (f" ({title})" if title else "")
                problems.append(Problem(where, f"is langer dan {MAX_TEXT} tekens, de grens van een Excel-cel (deze "
                                               f"tekst heeft er {len(value)}); kort de tekst in"))
                if len(problems) >= MAX_PROBLEMS:
                    return problems
    return problems


def _csv_rows(raw: bytes, name: str) -> list[list[Any]]:
    import csv  # here, not at the top: `rank` reads the workbook with this module's date rules, never a CSV

    csv.field_size_limit(16 * 1024 * 1024)  # read long fields whole, so the cell limit below names them
    text = _decode(raw, name)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InvalidOfferFile(name, [Problem("", "het bestand is leeg")])
    header = lines[0]
    delimiter = max((";", ",", "\t"), key=lambda d: _count_outside_quotes(header, d))
    if _count_outside_quotes(header, delimiter) == 0:
        raise InvalidOfferFile(name, [Problem("rij 1", "geen scheidingsteken (; of ,) gevonden in de kop; "
                                                       "sla het bestand op als CSV")])
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            rows.append(list(row))
    except csv.Error as exc:
        raise InvalidOfferFile(name, [Problem(f"rij {reader.line_num}", f"onleesbare CSV ({exc}); staat er een "
                                                                        f"aanhalingsteken (\") te veel in?")])
    return rows


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise InvalidOfferFile(name, [Problem("", "de tekst is geen UTF-8 of Windows-1252; sla het "
                                                  "bestand op als 'CSV UTF-8 (door komma's gescheiden)'")])


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def _xlsx_rows(raw: bytes, name: str) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or foreign zip: say so, no traceback
        raise InvalidOfferFile(name, [Problem("", f"geen leesbaar Excel-bestand ({type(exc).__name__})")])
    try:
        ws = wb["Inschrijvingen"] if "Inschrijvingen" in wb.sheetnames else wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise_header(value: Any) -> str:
    """A column title as a key: lower case, runs of spaces and hyphens as one _, known aliases mapped."""
    text = "" if value is None else str(value)
    text = text.replace("\ufeff", "").strip().lower()
    text = re.sub(r"[\s\-]+", "_", text)
    return ALIASES.get(text, text)


def header_columns(header: Sequence[Any], canonical: Callable[[str], str] | None = None
                   ) -> tuple[dict[str, int], list[Problem]]:
    """Row 1 as column key (normalise_header, then `canonical`) -> index; a key found twice is a Problem naming both
    columns (which of the two would count is not for the tool to guess)."""
    columns: dict[str, int] = {}
    problems = []
    for index, title in enumerate(header):
        key = normalise_header(title)
        if not key:
            continue
        key = canonical(key) if canonical else key
        if key in columns:
            first = columns[key]
            problems.append(Problem(f"rij 1, kolommen {get_column_letter(first + 1)} en {get_column_letter(index + 1)}",
                                    f"de kolom {key} staat er twee keer in ('{header[first]}' en '{title}'); laat er "
                                    f"één staan, zodat vaststaat welke waarde telt"))
        else:
            columns[key] = index
    return columns, problems


def _validate(rows: list[list[Any]], tender: Tender, name: str) -> list[OfferRow]:
    if not rows or all(_blank(v) for v in rows[0]):
        raise InvalidOfferFile(name, [Problem("rij 1", "de kopregel ontbreekt")])
    codes = {c.casefold(): c for c in tender.judged_codes}
    columns, problems = header_columns(rows[0], lambda key: codes.get(key.casefold(), key))
    for key, index in columns.items():
        if key not in BASE_COLUMNS and key not in OPTIONAL_COLUMNS and key not in tender.judged_codes:
            problems.append(Problem(f"rij 1, kolom {get_column_letter(index + 1)}",
                                    f"onbekende kolom '{rows[0][index]}'; verwacht zijn "
                                    f"{', '.join(BASE_COLUMNS + tender.judged_codes)} "
                                    f"en eventueel {', '.join(OPTIONAL_COLUMNS)}"))
    missing = [c for c in BASE_COLUMNS + tender.judged_codes if c not in columns]
    if missing:
        problems.append(Problem("rij 1", f"ontbrekende kolom(men): {', '.join(missing)}"))
    if problems:
        raise InvalidOfferFile(name, problems)

    result: list[OfferRow] = []
    seen: dict[tuple[str, str], int] = {}
    for number, values in enumerate(rows[1:], start=2):
        if all(_blank(v) for v in values):
            continue
        cell = _CellReader(values, columns, number, problems)
        offer = _offer(cell, tender)
        if offer is None:
            continue
        key = offer_key(offer.supplier, offer.candidate)
        if key in seen:
            problems.append(Problem(f"rij {number}", f"dubbele inschrijving: {offer.supplier} bood "
                                                     f"{offer.candidate} al aan in rij {seen[key]}"))
            continue
        seen[key] = number
        result.append(OfferRow(number, offer))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise InvalidOfferFile(name, problems[:MAX_PROBLEMS])
    if not result:
        raise InvalidOfferFile(name, [Problem("", "het bestand bevat geen inschrijvingen onder de kopregel")])
    return result


class _CellReader:
    """Reads one row's cells by column name, recording a Problem per bad value."""

    def __init__(self, values: list[Any], columns: dict[str, int], row: int, problems: list[Problem]):
        self.values, self.columns, self.row, self.problems = values, columns, row, problems
        self.ok = True

    def raw(self, column: str) -> Any:
        index = self.columns.get(column)
        if index is None or index >= len(self.values):
            return None
        value = self.values[index]
        return value.strip() if isinstance(value, str) else value

    def fail(self, column: str, value: Any, text: str) -> None:
        letter = get_column_letter(self.columns[column] + 1)
        shown = "" if value is None else str(value)
        self.problems.append(Problem(f"rij {self.row}, kolom {letter} ({column})",
                                     f"'{shown}' {text}" if shown else text))
        self.ok = False

    def parse(self, column: str, parser, required: bool = True) -> Any:
        value = self.raw(column)
        if _blank(value):
            if required:
                self.fail(column, None, "is leeg; vul een waarde in")
            return None
        try:
            return parser(value)
        except ValueError as exc:
            self.fail(column, value, str(exc))
            return None


def _offer(cell: _CellReader, tender: Tender) -> Offer | None:
    supplier = cell.parse("leverancier", parse_text)
    contact = cell.parse("contactpersoon", parse_text)
    email = cell.parse("email", parse_email)
    candidate = cell.parse("kandidaat", parse_text)
    rate = cell.parse("uurtarief", parse_amount)
    facts = {
        "ingediend": cell.parse("ingediend", parse_datetime),
        "cv_paginas": cell.parse("cv_paginas", parse_count),
        "cv_taal": cell.parse("cv_taal", parse_text),
        "cv_pdf": cell.parse("cv_pdf", parse_yes_no),
        "referenties": cell.parse("referenties", parse_count),
        "dba_onderbouwing": cell.parse("dba_onderbouwing", parse_yes_no),
        "waadi": cell.parse("waadi", parse_waadi, required=False) or NOT_APPLICABLE,
    }
    judgments = {code: Judgment(declared=cell.parse(code, finding_parser(tender, code))) for code in tender.judged_codes}
    note = cell.parse("toelichting", parse_text, required=False) or ""
    title = cell.parse("aanhef", parse_title, required=False) or ""
    if not cell.ok:
        return None
    return Offer(id="", supplier=supplier, candidate=candidate, rate=rate, facts=facts,
                 judgments=judgments, contact=contact, email=email, note=note, salutation=title)


def parse_text(value: Any) -> str:
    """Any text, stripped, without control characters (which a workbook cannot hold); read_table refused any longer
    than a cell holds."""
    return _CONTROL.sub(" ", str(value)).strip()


def parse_line(value: Any) -> str:
    """One line of text typed on a command line (a place, a name): stripped, not blank, no control characters or line
    breaks (the workbook and the letters could not hold them) or bidi controls, at most an Excel cell's length."""
    text = str(value)
    if _CONTROL.search(text) or _LINE_BREAK.search(text):
        raise ValueError("bevat een stuurteken (zoals een tab, regeleinde of onzichtbaar teken) dat het werkboek en "
                         "de brieven niet kunnen bevatten; typ de tekst opnieuw op één regel")
    bidi = _BIDI.search(text)
    if bidi:
        raise ValueError(f"bevat het onzichtbare teken U+{ord(bidi.group()):04X}, dat de leesrichting van de tekst "
                         f"omdraait; typ de tekst opnieuw zonder te plakken")
    text = text.strip()
    if blank(text):
        raise ValueError("is leeg; vul het in")
    if len(text) > MAX_TEXT:
        raise ValueError(f"is langer dan {MAX_TEXT} tekens (de grens van een Excel-cel)")
    return text


def parse_email(value: Any) -> str:
    """One e-mail address of ASCII letters, digits and . _ % + - (what every mail server takes); an invisible or
    accented character is refused by name, since it would pass the eye and fail at sending."""
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if _EMAIL.match(text):
        return text
    for char in text:
        if _EMAIL_CHARACTER.match(char) or char in " \t\r\n;,<>":
            continue  # two addresses, or 'Naam <adres>': the general message below says what to do
        if not char.isprintable() or char.isspace():
            raise ValueError(f"bevat het onzichtbare teken U+{ord(char):04X}; typ het adres opnieuw")
        raise ValueError(f"bevat '{char}': een e-mailadres kan hier alleen letters zonder accent, cijfers en "
                         f". _ % + - bevatten")
    raise ValueError("is geen geldig e-mailadres (één adres, bijv. naam@leverancier.nl)")


def parse_amount(value: Any) -> Decimal:
    """An amount in euros: 77,50 / 77.50 / € 77,50 / 1.077,50 / a number from Excel; at most 2 decimals."""
    if isinstance(value, bool):
        raise ValueError("is geen bedrag")
    if isinstance(value, (int, float, Decimal)):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = str(value).replace("\u00a0", " ").replace("€", "").replace("EUR", "").replace("eur", "")
        text = text.replace(" ", "").strip()
        if text.endswith(",-"):
            text = text[:-2]
        if "," in text and "." in text:
            decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
            thousands = "." if decimal_sep == "," else ","
            text = text.replace(thousands, "").replace(decimal_sep, ".")
        elif "," in text:
            text = text.replace(",", ".")
        elif re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
            # 1.000 or 77.500: Dutch thousands, or a decimal point with three decimals? Never guess.
            raise ValueError("is dubbelzinnig: een punt met drie cijfers erachter kan een duizendtal zijn "
                             "(1.000 = duizend) of decimalen; schrijf het bedrag met een komma, bijv. 1000,00 of 77,50")
        if not re.fullmatch(r"\d+(\.\d+)?", text):
            raise ValueError("is geen bedrag; schrijf bijv. 77,50")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError("is geen bedrag; schrijf bijv. 77,50")
    if not amount.is_finite() or amount <= 0:
        raise ValueError("is geen bedrag groter dan nul")
    if amount > MAX_RATE:
        raise ValueError(f"is geen plausibel uurtarief (meer dan € {MAX_RATE:,.2f}); klopt het bedrag?".translate(str.maketrans(",.", ".,")))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("heeft meer dan 2 decimalen; een uurtarief is in hele centen")
    return amount.quantize(Decimal("0.01"))


def parse_datetime(value: Any) -> datetime:
    """A moment: 29-06-2026 09:00, 29-6-2026 9:00, 29-06-2026, ISO 2026-06-29T09:00, or an Excel date.

    Years before 2000 or from 2100 on are refused: they are typos, and an early one would count as on time.
    """
    moment = _parse_moment(value)
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"ligt vóór {EARLIEST.year} of na {LATEST.year - 1}; klopt het jaar?")
    return moment


def _parse_moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    match = _DUTCH_DATE.match(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
    else:
        match = _ISO_DATE.match(text)
        if not match:
            raise ValueError("is geen datum; schrijf bijv. 29-06-2026 09:00")
        year, month, day, hour, minute, second = match.groups()
    try:
        return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        raise ValueError("is geen bestaande datum of tijd")


def parse_count(value: Any) -> int:
    """A whole number >= 0 (pages, references)."""
    if isinstance(value, bool):
        raise ValueError("is geen geheel getal")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not re.fullmatch(r"\d+", text):
        raise ValueError("is geen geheel getal (0 of meer)")
    return int(text)


def finding_parser(tender: Tender, code: str):
    """How a declaration or finding on this criterion is read: Ja/Nee, or a graded criterion's level, given as
    its label (case and surrounding spaces do not count)."""
    criterion = tender.criterion(code)
    levels = getattr(criterion, "levels", ())
    if not levels:
        return parse_yes_no

    def parse_level(value: Any) -> str:
        level = criterion.level(" ".join(str(value).split()))
        if level is None:
            raise ValueError(f"is geen niveau van {code}; kies uit: {', '.join(lv.label for lv in levels)}")
        return level.label
    return parse_level


def parse_yes_no(value: Any) -> str:
    """Ja or Nee (any case); anything else is refused."""
    text = str(value).strip().lower()
    if text == "ja":
        return YES
    if text == "nee":
        return NO
    raise ValueError("is geen Ja of Nee")


def parse_title(value: Any) -> str:
    """How to address the contact: heer or mevrouw (also de heer, dhr., mevr., mw.)."""
    text = " ".join(str(value).strip().lower().replace(".", "").split())
    if text in ("heer", "de heer", "dhr", "meneer"):
        return "heer"
    if text in ("mevrouw", "mevr", "mw", "mevr de"):
        return "mevrouw"
    raise ValueError("is geen aanhef; schrijf heer of mevrouw, of laat de cel leeg")


def parse_waadi(value: Any) -> str:
    """Ja, Nee or n.v.t. (also nvt)."""
    text = str(value).strip().lower().replace(" ", "")
    if text in ("n.v.t.", "nvt", "n.v.t", "nvt."):
        return NOT_APPLICABLE
    try:
        return parse_yes_no(text)
    except ValueError:
        raise ValueError("is geen Ja, Nee of n.v.t.")
