"""The .xlsx package at the level of parts: stream a sheet's cells, rewrite only chosen parts, copy the rest as is."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable, Iterable, Iterator, NamedTuple, Sequence
from xml.etree import ElementTree

from inhuur import ziparts
from inhuur.errors import DamagedSheet

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_M = f"{{{MAIN}}}"
_ROW_TAG, _C_TAG, _V_TAG, _F_TAG, _IS_TAG, _T_TAG = (f"{_M}{name}" for name in ("row", "c", "v", "f", "is", "t"))
_R_TAG = f"{_M}r"
_REF = re.compile(r"([A-Z]+)(\d+)")

# lxml parses a large sheet 1.5-2x faster than the standard library (expat), but loading it costs every command
# 9 ms, which a button press waits for. A part smaller than this is parsed with xml.etree, a larger one with lxml;
# reading uses only the API both share. Neither fetches external entities or anything from the network.
LXML_FROM = 1 << 18
_LXML_OPTIONS = {"resolve_entities": False, "no_network": True, "huge_tree": True}


def parser_for(size: int) -> Callable[[bytes], Any]:
    """The function that parses an XML part of `size` bytes into an element (see LXML_FROM)."""
    return ElementTree.fromstring if size < LXML_FROM else lxml_tree


def lxml_tree(data: bytes):
    """An XML part as an lxml element: for large parts, and for the writers that edit a part as a tree."""
    from lxml import etree

    return etree.fromstring(data, _lxml_parser())


@lru_cache(maxsize=None)
def _lxml_parser():
    from lxml import etree

    return etree.XMLParser(**_LXML_OPTIONS)


def _each(data: bytes, tag: str) -> Iterator[Any]:
    """The elements of a document with this tag, each as soon as it is complete and cleared after use."""
    if parser_for(len(data)) is ElementTree.fromstring:
        found = (node for _, node in ElementTree.iterparse(io.BytesIO(data)) if node.tag == tag)
    else:
        from lxml import etree

        found = (node for _, node in etree.iterparse(io.BytesIO(data), tag=tag, **_LXML_OPTIONS))
    for node in found:
        yield node
        node.clear()


class RawCell(NamedTuple):
    """One cell as stored: its value (the cached result for a formula), formula text without '=', style id.
    A named tuple: a sheet read at 10,000 offers makes half a million, and a tuple is made fastest."""

    value: object
    formula: str | None = None
    style: str | None = None


_common: dict = {}  # short texts and style ids, one object each however many cells hold them

SAME = "\x00 as expected"  # stands for a formula that equals the expected one: one shared object, little memory

_COLUMNS: dict[str, int] = {}


def column_of(ref: str) -> int:
    """'AX7' -> 50 (cached: a sheet has few distinct columns and very many cells)."""
    letters = ref.rstrip("0123456789")
    index = _COLUMNS.get(letters)
    if index is None:
        index = _COLUMNS[letters] = column_index_from_string(letters)
    return index


# What XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF): one such character in a sheet makes
# the whole workbook unreadable, for Excel and for every inhuur command after.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    """Text for XML content: &, < and > escaped (xml.sax.saxutils' escape, without importing urllib), and what XML
    cannot hold replaced by U+FFFD, so that no text, however it got here, breaks the file."""
    return _NOT_XML.sub("\ufffd", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=None)
def get_column_letter(index: int) -> str:
    """1 -> 'A', 28 -> 'AB' (openpyxl's name; here so that reading and writing need not import openpyxl)."""
    if not 1 <= index <= 18278:
        raise ValueError(f"Invalid column index {index}")
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index_from_string(letters: str) -> int:
    """'AB' -> 28."""
    if not 1 <= len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"{letters} is not a column")
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index


# Excel's serial dates: days since the epoch, the time as a fraction of a day (as openpyxl.utils.datetime does)
CALENDAR_WINDOWS_1900 = datetime(1899, 12, 30)
CALENDAR_MAC_1904 = datetime(1904, 1, 1)


def to_excel(moment: date | datetime) -> float:
    """A date or moment as an Excel serial number in the 1900 calendar."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    days = (moment - CALENDAR_WINDOWS_1900).days
    if 0 < days <= 60:
        days -= 1  # Excel counts 29 February 1900, which never was
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
    return days + seconds / 86400


def from_excel(value: float, epoch: datetime = CALENDAR_WINDOWS_1900) -> datetime:
    """An Excel serial number as a moment, to the millisecond."""
    day, fraction = divmod(value, 1)
    diff = timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 < value < 60 and epoch == CALENDAR_WINDOWS_1900:
        day += 1
    return epoch + timedelta(days=day) + diff


def split_ref(ref: str) -> tuple[int, int]:
    """'AX7' -> (column index 50, row 7)."""
    match = _REF.fullmatch(ref)
    if not match:
        raise ValueError(f"not a cell reference: {ref}")
    return column_of(ref), int(match.group(2))


class NameDefinition(NamedTuple):
    """One definedName: its name, the sheet it is scoped to (None: the whole workbook) and its formula text."""

    name: str
    sheet: str | None
    text: str


class Package:
    """An .xlsx file held in memory: find parts, read sheets as a stream, write a copy with parts replaced."""

    def __init__(self, data: bytes, path: Path | None = None):
        self.data = data
        self.path = path  # named in a refusal
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self._shared: list[str] | None = None
        self._sheets: dict[str, str] | None = None

    @classmethod
    def open(cls, source: str | Path | IO[bytes]) -> "Package":
        """Read a package from a path or a binary file object."""
        if hasattr(source, "read"):
            return cls(source.read())
        return cls(Path(source).read_bytes(), Path(source))

    def has(self, part: str) -> bool:
        return part in self.zip.NameToInfo

    def read(self, part: str) -> bytes:
        return self.zip.read(part)

    def xml(self, part: str):
        """A part as an element, to read (see LXML_FROM); a writer that edits it as a tree uses `tree`."""
        return parser_for(self.zip.getinfo(part).file_size)(self.read(part))

    def tree(self, part: str):
        """A part as an lxml element, to edit and write back with lxml."""
        return lxml_tree(self.read(part))

    def sheets(self) -> dict[str, str]:
        """Sheet name -> part name (e.g. 'Kandidaten' -> 'xl/worksheets/sheet4.xml'), in workbook order."""
        if self._sheets is None:
            rels = {r.get("Id"): r.get("Target") for r in self.xml("xl/_rels/workbook.xml.rels")}
            self._sheets = {sheet.get("name"): self.workbook_part(rels[sheet.get(f"{{{REL}}}id")])
                            for sheet in self.xml("xl/workbook.xml").iter(f"{_M}sheet")}
        return self._sheets

    def workbook_part(self, target: str) -> str:
        """The part a target in workbook.xml's relationships names: 'worksheets/s4.xml' -> 'xl/worksheets/s4.xml'."""
        return _normalise_part(target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target))

    def related(self, kind: str) -> list[str]:
        """The parts workbook.xml relates to with a relationship type, e.g. the VBA project."""
        return [self.workbook_part(r.get("Target")) for r in self.xml("xl/_rels/workbook.xml.rels")
                if r.get("Type") == kind]

    def defined_names(self) -> dict[str, str]:
        """Workbook-level defined names -> their formula text, e.g. 'Aanvraag!$B$19'."""
        return {d.name: d.text for d in self.name_definitions() if d.sheet is None}

    def name_definitions(self) -> list["NameDefinition"]:
        """Every definedName of workbook.xml, in order: workbook-level ones and those scoped to one sheet."""
        sheets = list(self.sheets())
        found = []
        for node in self.xml("xl/workbook.xml").iter(f"{_M}definedName"):
            local = node.get("localSheetId")
            index = int(local) if local is not None and local.isdigit() else None
            sheet = None if local is None else (sheets[index] if index is not None and index < len(sheets)
                                                 else f"blad {local}")
            found.append(NameDefinition(node.get("name") or "", sheet, node.text or ""))
        return found

    @property
    def date1904(self) -> bool:
        pr = self.xml("xl/workbook.xml").find(f"{_M}workbookPr")
        return pr is not None and pr.get("date1904") in ("1", "true")

    def shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            if self.has("xl/sharedStrings.xml"):
                for si in _each(self.read("xl/sharedStrings.xml"), f"{_M}si"):
                    # the text, or the text of its runs; not the phonetic reading (rPh) Excel adds to Japanese
                    self._shared.append("".join(t.text or "" for child in si if child.tag in (_T_TAG, _R_TAG)
                                                for t in child.iter(_T_TAG)))
        return self._shared

    def chunks(self, part: str) -> Iterator[bytes]:
        """A stored part's content a chunk at a time."""
        return ziparts.member_chunks(self.zip, part)

    def rows(self, sheet: str, max_col: int | None = None, skip: frozenset[int] = frozenset(),
             data: Iterable[bytes] | None = None, size: int = 0) -> Iterator[tuple[int, dict[int, RawCell]]]:
        """Stream a sheet's rows as (row number, {column index: RawCell}); shared formulas are expanded.

        Columns beyond max_col, and below the header those in skip, are left out (what a caller does not need
        costs no memory). `data` (chunks of XML) streams the sheet as changed since opening instead of as stored;
        `size` is then its length in bytes, which chooses the parser (see LXML_FROM).
        """
        if data is None:
            part = self.sheets()[sheet]
            data, size = self.chunks(part), self.zip.getinfo(part).file_size
        last = 0
        try:
            for number, cells in self._rows(data, size, max_col, skip):
                last = number
                yield number, cells
        except (SyntaxError, ValueError) as exc:  # SyntaxError: either parser's XML error; ValueError: a cut-off
            raise DamagedSheet(self.path, sheet, last, str(exc)) from exc  # sheet, a cell not what its type says

    def _rows(self, data: Iterable[bytes], size: int, max_col: int | None, skip: frozenset[int]
              ) -> Iterator[tuple[int, dict[int, RawCell]]]:
        strings = self.shared_strings()
        masters: dict[str, tuple[str, str]] = {}
        for sheet_data in _parsed_blocks(data, size):
            for row in sheet_data:
                if row.tag != _ROW_TAG:
                    continue
                number = int(row.get("r"))
                cells: dict[int, RawCell] = {}
                position = 0
                for c in row:
                    if c.tag != _C_TAG:
                        continue
                    position += 1
                    kind = c.get("t")
                    if not len(c) and kind != "inlineStr" and number > 1:
                        continue  # a styled empty cell (six a row on Beoordeling): absent, as below
                    ref = c.get("r")
                    column = (_COLUMNS.get(ref.rstrip("0123456789")) or column_of(ref)) if ref else position
                    if (max_col is not None and column > max_col) or (column in skip and number > 1):
                        continue
                    v = f = inline = None
                    for child in c:  # one pass over the children: three find() calls cost twice as much
                        tag = child.tag
                        if tag == _V_TAG:
                            v = child
                        elif tag == _F_TAG:
                            f = child
                        elif tag == _IS_TAG:
                            inline = child
                    value = _value(kind, v, inline, strings)
                    formula = None if f is None else _formula(
                        f, ref or f"{get_column_letter(column)}{number}", masters)
                    if value is None and formula is None and number > 1:
                        continue  # an empty cell reads as an absent one; 400,000 of them at 10,000 offers
                    if isinstance(value, str) and len(value) <= 40 and len(_common) < 100_000:
                        value = _common.setdefault(value, value)  # 'Ja', 'Nee', 'Open': one object each
                    style = c.get("s")
                    cells[column] = RawCell(value, formula, _common.setdefault(style, style))
                yield number, cells


def _value(kind: str | None, v, inline, strings: list[str]):
    """A cell's saved value from its type attribute and its <v> or <is> child."""
    if kind == "inlineStr":
        if inline is None:
            return ""
        if len(inline) == 1 and inline[0].tag == _T_TAG:  # plain text, as this tool writes it: no join needed
            return inline[0].text or ""
        return "".join(t.text or "" for t in inline.iter(_T_TAG))
    if v is None:
        return None
    text = v.text
    if text is None:
        return "" if kind == "str" else None
    if kind is None or kind == "n":
        digits = text[1:] if text[:1] == "-" else text
        return int(text) if digits.isascii() and digits.isdigit() else float(text)
    if kind == "s":
        return strings[int(text)]
    if kind == "b":
        return text in ("1", "true")
    return text  # str, e (an error such as #DIV/0!), d (an ISO date)


def _formula(f, ref: str, masters: dict[str, tuple[str, str]]) -> str | None:
    if f.get("t") == "shared":
        si = f.get("si")
        if f.text:
            masters[si] = (f.text, ref)
            return f.text
        if si in masters:
            text, origin = masters[si]
            from openpyxl.formula.translate import Translator  # rare (files saved by Excel): loaded when needed
            return Translator("=" + text, origin=origin).translate_formula(ref)[1:]
        return None
    return f.text or ""


def _normalise_part(part: str) -> str:
    parts: list[str] = []
    for piece in part.split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


# ---------------------------------------------------------------------------------------------- writing XML

def cell_xml(ref: str, value: object = None, style: str | None = None, formula: str | None = None,
             result: object = None) -> str:
    """One <c> element: a formula (without '=') with its result if known, a number, or an inline string.

    Text is written inline, never as a formula; a formula's result '' is stored as an empty string.
    """
    s = f' s="{style}"' if style not in (None, "0") else ""
    if formula is not None:
        f = f"<f>{escape(formula)}</f>"
        if result is None:
            return f'<c r="{ref}"{s}>{f}</c>'
        kind, text = _typed(result, "str")
        return f'<c r="{ref}"{s}{kind}>{f}<v>{text}</v></c>'
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>'
    kind, text = _typed(value, "inlineStr")
    if kind == ' t="inlineStr"':
        space = ' xml:space="preserve"' if _keeps_space(text) else ""
        return f'<c r="{ref}"{s}{kind}><is><t{space}>{text}</t></is></c>'
    return f'<c r="{ref}"{s}{kind}><v>{text}</v></c>'


def _keeps_space(text: str) -> bool:
    """Whether an application could drop spaces of this text without xml:space="preserve": at either end, line
    breaks, tabs, runs of spaces. Only such text carries it (Excel and openpyxl mark only spaces at an end); on
    every text it made Beoordeling 14% larger and slower to read. (String tests: a regex took 15 times longer.)"""
    return text != text.strip() or "  " in text or "\n" in text or "\t" in text or "\r" in text


def _typed(value: object, text_type: str) -> tuple[str, str]:
    """The t attribute and the escaped text of a value: a boolean, a number, or text (as text_type)."""
    if isinstance(value, bool):
        return ' t="b"', str(int(value))
    if isinstance(value, (int, float)):
        return "", repr(value)
    return f' t="{text_type}"', escape(str(value))


def row_xml(number: int, cells: list[str]) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


# ---------------------------------------------------------------------------------------------- editing sheets
# A sheet is edited as a stream of bytes, a row at a time: a 10,000-offer Beoordeling sheet (90 MB of XML) as an
# lxml tree took over a gigabyte. Rows are found by their tags; only the cells a caller changes are touched.

_SHEET_DATA = re.compile(rb"<(?:(\w+):)?sheetData\b[^>]*?(/?)>")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_CELL = re.compile(rb'<(?:\w+:)?c\b(?:[^>]*?\sr="([A-Z]+)\d+")?[^>]*?(?:/>|>.*?</(?:\w+:)?c>)', re.S)
_STYLE = re.compile(rb'\ss="(\d+)"')
_TYPE = re.compile(rb'\st="[^"]*"')
_VALUE = re.compile(rb"<(?:\w+:)?v\s*/>|<(?:\w+:)?v\b[^>]*>.*?</(?:\w+:)?v>", re.S)
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f\b")
_HEIGHT = re.compile(rb'\s(?:ht|customHeight)="[^"]*"')
_DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\b[^>]*?\sref=")([^"]*)(")')
_AUTO_FILTER = re.compile(rb'(<(?:\w+:)?autoFilter\b[^>]*?\sref=")([^"]*)(")')
_NEW_TAG = re.compile(rb"<(/?)(row|c|f|v|is|t)\b")


class _SheetStart(NamedTuple):
    """A sheet's XML up to and with its <sheetData> tag, the namespace prefix of that tag, and what follows."""

    head: bytes
    prefix: bytes
    empty: bool  # <sheetData/>: `head` then ends in an opening tag all the same
    rest: bytes


def _sheet_start(source: Iterator[bytes]) -> _SheetStart:
    """Read a sheet's chunks up to its sheetData tag."""
    buffer = b""
    match = None
    while match is None:
        match = _SHEET_DATA.search(buffer)
        if match is None:
            more = next(source, None)
            if more is None:
                raise ValueError("no sheetData in sheet")
            buffer += more
    prefix = match.group(1) + b":" if match.group(1) else b""
    if match.group(2):  # <sheetData/>
        return _SheetStart(buffer[:match.start()] + b"<" + prefix + b"sheetData>", prefix, True, buffer[match.end():])
    return _SheetStart(buffer[:match.end()], prefix, False, buffer[match.end():])


# A sheet is parsed a block of whole rows at a time, each block a small document of its own (the sheet's head, the
# rows, closing tags): a fifth faster than a pull parser's events over the whole sheet, and the memory of one block.
PARSE_BLOCK = 1 << 17
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def _row_blocks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A sheet as well-formed documents that each hold the next whole rows of its sheetData (none for no rows)."""
    source = iter(chunks)
    head, prefix, empty, buffer = _sheet_start(source)
    if empty:
        return
    tail = b"</" + prefix + b"sheetData></" + _ROOT.search(head).group(1) + b">"
    row_end, data_end = b"</" + prefix + b"row>", b"</" + prefix + b"sheetData>"
    while True:
        chunk = next(source, None)
        if chunk is None:  # all read: what is left are the last rows, up to the end of sheetData
            end = buffer.find(data_end)
            if end == -1:
                raise ValueError("sheet ends inside sheetData")
            buffer = buffer[:end]
        else:
            buffer += chunk
        start = 0  # cut blocks from here; the rest is kept once per chunk (not once per block: 100 MB of copying)
        while len(buffer) - start >= PARSE_BLOCK:
            cut = buffer.rfind(row_end, start, start + PARSE_BLOCK)
            if cut == -1:
                cut = buffer.find(row_end, start + PARSE_BLOCK)  # one row longer than a block
                if cut == -1:
                    break
            cut += len(row_end)
            yield b"".join((head, buffer[start:cut], tail))
            start = cut
        buffer = buffer[start:]
        if chunk is None:
            if buffer.strip():
                yield head + buffer + tail
            return


def _parsed_blocks(chunks: Iterable[bytes], size: int) -> Iterator:
    """The sheetData element of each block of rows, parsed as it comes (by the parser for a sheet of `size`)."""
    parse = parser_for(size)
    return (parse(block)[-1] for block in _row_blocks(chunks))


def _sheet_items(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Split a sheet into (0, head up to <sheetData>), (row number, row XML)..., (-1, the rest).

    The head's sheetData tag is always an opening one (an empty <sheetData/> is opened and closed).
    """
    source = iter(chunks)
    head, prefix, empty, rest = _sheet_start(source)
    yield 0, head
    if empty:
        yield -1, b"</" + prefix + b"sheetData>" + rest + b"".join(source)
        return
    buffer, position, number = rest, 0, 0
    row_tag, row_end, data_end = b"<" + prefix + b"row", b"</" + prefix + b"row>", b"</" + prefix + b"sheetData>"
    while True:
        while position < len(buffer) and buffer[position] in b" \t\r\n":
            position += 1
        if len(buffer) - position < len(data_end) + 1:
            more = next(source, None)
            if more is not None:
                buffer, position = buffer[position:] + more, 0
                continue
        if buffer.startswith(data_end, position) or position >= len(buffer):
            yield -1, buffer[position:] + b"".join(source)
            return
        if not buffer.startswith(row_tag, position):
            raise ValueError(f"unexpected content in sheetData: {buffer[position:position + 40]!r}")
        close = buffer.find(b">", position)
        if close != -1 and buffer[close - 1:close] == b"/":
            end = close + 1
        else:
            end = buffer.find(row_end, position) if close != -1 else -1
            end = end + len(row_end) if end != -1 else -1
        if end == -1:
            more = next(source, None)
            if more is None:
                raise ValueError("sheet ends inside a row")
            buffer, position = buffer[position:] + more, 0
            continue
        row = buffer[position:end]
        found = _ROW_NUMBER.search(row, 0, close + 1 - position)
        number = int(found.group(1)) if found else number + 1
        yield number, row
        position = end


def _cells_of(row: bytes) -> tuple[bytes, list[tuple[int, bytes]], bytes]:
    """A row's start tag, its cells as (column, XML), and its end tag."""
    start = row.index(b">") + 1
    if row[start - 2:start - 1] == b"/":
        return row[:start - 2] + b">", [], b"</" + row[1:row.index(b"row") + 3] + b">"
    end = row.rindex(b"</")
    cells = []
    for position, match in enumerate(_CELL.finditer(row, start, end), start=1):
        letters = match.group(1)
        cells.append((column_of(letters.decode()) if letters else position, match.group()))
    return row[:start], cells, row[end:]


def _drop_results(row: bytes) -> bytes:
    """The row with the saved result of each formula cell dropped (its type attribute too)."""
    if not _FORMULA_TAG.search(row):
        return row

    def cell(match) -> bytes:
        text = match.group()
        if not _FORMULA_TAG.search(text):
            return text
        start = text.index(b">")
        return _TYPE.sub(b"", text[:start]) + _VALUE.sub(b"", text[start:])

    return _CELL.sub(cell, row)


def _with_cells(row: bytes, new: dict[int, bytes]) -> bytes:
    """The row with cells replaced or inserted by column; a new cell without a style keeps the old one's."""
    start, cells, end = _cells_of(row)
    old = dict(cells)
    for column, xml in new.items():
        previous = old.get(column, b"")
        style = _STYLE.search(previous, 0, previous.find(b">") + 1)
        if style and not _STYLE.search(xml, 0, xml.index(b">")):
            at = xml.index(b'"', xml.index(b' r="') + 4) + 1  # after the cell's reference
            xml = xml[:at] + style.group() + xml[at:]
        old[column] = xml
    return start + b"".join(old[c] for c in sorted(old)) + end


def _with_height(row: bytes, height: float) -> bytes:
    close = row.index(b">")
    close -= row[close - 1:close] == b"/"
    start = _HEIGHT.sub(b"", row[:close])
    return start + f' ht="{height:g}" customHeight="1"'.encode() + row[close:]


def _extent(ref: bytes, rows: Sequence[bytes]) -> bytes:
    """The dimension range grown to hold the given rows."""
    last = ref.split(b":")[-1].decode()
    match = _REF.fullmatch(last)
    col, row = (column_of(last), int(match.group(2))) if match else (1, 1)
    for xml in rows:
        refs = re.findall(rb'\sr="([A-Z]+)(\d+)"', xml)
        if refs:
            col = max(col, column_of(refs[-1][0].decode()))
            row = max(row, int(refs[-1][1]))
    return f"A1:{get_column_letter(col)}{row}".encode()


def edit_sheet(chunks: Iterable[bytes], *, add: Iterable[str] = (), replace: bool = False,
               cells: Callable[[int], dict[int, str] | None] | None = None,
               heights: Callable[[int], float | None] | None = None, stale_results: bool = False,
               auto_filter: str | None = None) -> Iterator[bytes]:
    """Stream a sheet's XML with rows added or replaced, cells rewritten, saved results dropped; a row at a time.

    `add`: row XML in row order (a same-numbered row is replaced); with `replace` every existing row goes first.
    `cells(n)`: column -> <c> XML to put into row n (a cell without a style keeps the old one's). `heights(n)`:
    a fixed height in points. `stale_results`: every formula's saved result is dropped (its inputs changed).
    `auto_filter`: the filter's new range, also the sheet's dimension (so `add` may be a generator); without it
    `add` is read into a list to compute the dimension.
    """
    prefix = b""

    def encoded(xml: str) -> bytes:
        data = xml.encode("utf-8")
        return _NEW_TAG.sub(rb"<\1" + prefix + rb"\2", data) if prefix else data

    new_rows: Iterator[bytes] = iter(())
    pending = None  # the next row to add, as (number, XML)

    def next_new():
        data = next(new_rows, None)
        return None if data is None else (int(_ROW_NUMBER.search(data).group(1)), data)

    for number, item in _sheet_items(chunks):
        if number == 0:
            found = _SHEET_DATA.search(item)
            prefix = found.group(1) + b":" if found.group(1) else b""  # new rows take the sheet's prefix
            if auto_filter is not None:
                new_rows = map(encoded, add)
                item = _DIMENSION.sub(lambda m: m.group(1) + auto_filter.encode() + m.group(3), item, count=1)
            else:
                rows = [encoded(x) for x in add]
                new_rows = iter(rows)
                item = _DIMENSION.sub(lambda m: m.group(1) + _extent(b"A1:A1" if replace else m.group(2), rows)
                                      + m.group(3), item, count=1)
            pending = next_new()
            yield item
            continue
        if number == -1:
            while pending is not None:
                yield pending[1]
                pending = next_new()
            if auto_filter is not None:
                item = _AUTO_FILTER.sub(lambda m: m.group(1) + auto_filter.encode() + m.group(3), item, count=1)
            yield item
            return
        while pending is not None and pending[0] < number:
            yield pending[1]
            pending = next_new()
        if pending is not None and pending[0] == number:
            yield pending[1]
            pending = next_new()
            continue
        if replace:
            continue
        if stale_results:
            item = _drop_results(item)
        new = cells(number) if cells is not None else None
        if new:
            item = _with_cells(item, {c: encoded(x) for c, x in new.items()})
        height = heights(number) if heights is not None else None
        if height is not None:
            item = _with_height(item, height)
        yield item


def row_numbers(chunks: Iterable[bytes]) -> Iterator[int]:
    """The numbers of the rows stored in a sheet, in order."""
    return (number for number, _ in _sheet_items(chunks) if number > 0)


_FULL_CALC = re.compile(rb"""\sfullCalcOnLoad\s*=\s*(?:"[^"]*"|'[^']*')""")
_WORKBOOK_TAG = re.compile(rb"<(?:(\w+):)?workbook\b")
_AFTER_CALC_PR = b"oleSize|customWorkbookViews|pivotCaches|smartTagPr|smartTagTypes|webPublishing|fileRecoveryPr|" \
                 b"webPublishObjects|extLst"  # the elements the schema puts after calcPr


def _element_with(name: bytes, attribute: bytes, value: bytes) -> re.Pattern:
    """An empty element (or one with only whitespace inside) whose attribute has this value."""
    return re.compile(rb"<(?:\w+:)?" + name + rb"\b[^>]*?\s" + attribute + rb"""\s*=\s*["']""" + value
                      + rb"""["'][^>]*?(?:/>|>\s*</(?:\w+:)?""" + name + rb"\s*>)")


_CALC_CHAIN_RELATION = _element_with(b"Relationship", b"Target", rb"[^\"']*calcChain\.xml")
_CALC_CHAIN_TYPE = _element_with(b"Override", b"PartName", rb"/xl/calcChain\.xml")


def recalculate_on_open(package: Package, changed: dict[str, bytes] | None = None, on: bool = True
                        ) -> dict[str, bytes]:
    """Parts to replace so Excel recomputes on open (on) or trusts the stored results (off); calcChain dropped.

    `changed` holds parts already replaced in this session, which are the ones to start from. The parts are
    edited as text, like the sheets: whatever else Excel or LibreOffice wrote in them stays exactly as it was.
    """
    changed = changed or {}

    def current(part: str) -> bytes:
        return changed[part] if changed.get(part) else package.read(part)

    parts = {}
    book = current("xl/workbook.xml")
    found = _WORKBOOK_TAG.search(book)
    prefix = found.group(1) + b":" if found and found.group(1) else b""  # the root's (a \w+ name), not an extension's
    calc = re.search(rb"<" + prefix + rb"calcPr\b[^>]*>", book)
    if calc is not None:
        tag = _FULL_CALC.sub(b"", calc.group())
        if on:
            end = len(tag) - (2 if tag.endswith(b"/>") else 1)
            tag = tag[:end].rstrip() + b' fullCalcOnLoad="1"' + tag[end:]
        edited = book[:calc.start()] + tag + book[calc.end():]
    elif on:  # no calcPr yet: one goes before the first element the schema puts after it, or the end
        at = re.search(rb"<" + prefix + rb"(?:" + _AFTER_CALC_PR + rb")\b|</" + prefix + rb"workbook\s*>",
                       book).start()
        edited = book[:at] + b"<" + prefix + b'calcPr fullCalcOnLoad="1"/>' + book[at:]
    else:
        edited = book
    if edited != book:
        parts["xl/workbook.xml"] = edited
    if package.has("xl/calcChain.xml") and changed.get("xl/calcChain.xml") != b"":
        parts["xl/_rels/workbook.xml.rels"] = _CALC_CHAIN_RELATION.sub(b"", current("xl/_rels/workbook.xml.rels"))
        parts["[Content_Types].xml"] = _CALC_CHAIN_TYPE.sub(b"", current("[Content_Types].xml"))
        parts["xl/calcChain.xml"] = b""  # marker: drop this part
    return parts


def write_package(package: Package, out: IO[bytes], replace: dict[str, bytes | ziparts.Deflated]) -> None:
    """Write the package with the given parts replaced (b'' drops a part; edited sheets come compressed already);
    every other part copied as is."""
    ziparts.RawMembers(package.data).write(out, replace)
