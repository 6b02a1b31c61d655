"""The .xlsx package at the level of parts: stream a sheet's cells, rewrite only chosen parts, copy the rest as is."""

from __future__ import annotations

import io
import re
import zipfile
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Iterator
from xml.sax.saxutils import escape

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.utils import column_index_from_string, get_column_letter

from inhuur import ziparts

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_M = f"{{{MAIN}}}"
_REF = re.compile(r"([A-Z]+)(\d+)")
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass(frozen=True, slots=True)
class RawCell:
    """One cell as stored: its value (the cached result for a formula), formula text without '=', style id."""

    value: object
    formula: str | None = None
    style: str | None = None


SAME = "\x00 as expected"  # stands for a formula that equals the expected one: one shared object, little memory

_COLUMNS: dict[str, int] = {}


def column_of(ref: str) -> int:
    """'AX7' -> 50 (cached: a sheet has few distinct columns and very many cells)."""
    letters = ref.rstrip("0123456789")
    index = _COLUMNS.get(letters)
    if index is None:
        index = _COLUMNS[letters] = column_index_from_string(letters)
    return index


def split_ref(ref: str) -> tuple[int, int]:
    """'AX7' -> (column index 50, row 7)."""
    match = _REF.fullmatch(ref)
    if not match:
        raise ValueError(f"not a cell reference: {ref}")
    return column_of(ref), int(match.group(2))


class Package:
    """An .xlsx file held in memory: find parts, read sheets as a stream, write a copy with parts replaced."""

    def __init__(self, data: bytes):
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self._shared: list[str] | None = None
        self._sheets: dict[str, str] | None = None

    @classmethod
    def open(cls, source: str | Path | IO[bytes]) -> "Package":
        """Read a package from a path or a binary file object."""
        data = source.read() if hasattr(source, "read") else Path(source).read_bytes()
        return cls(data)

    def has(self, part: str) -> bool:
        return part in self.zip.NameToInfo

    def read(self, part: str) -> bytes:
        return self.zip.read(part)

    def xml(self, part: str):
        return etree.fromstring(self.read(part), _SAFE)

    def sheets(self) -> dict[str, str]:
        """Sheet name -> part name (e.g. 'Kandidaten' -> 'xl/worksheets/sheet4.xml'), in workbook order."""
        if self._sheets is None:
            rels = {r.get("Id"): r.get("Target") for r in self.xml("xl/_rels/workbook.xml.rels")}
            sheets = {}
            for sheet in self.xml("xl/workbook.xml").iter(f"{_M}sheet"):
                target = rels[sheet.get(f"{{{REL}}}id")]
                part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
                sheets[sheet.get("name")] = _normalise_part(part)
            self._sheets = sheets
        return self._sheets

    def defined_names(self) -> dict[str, str]:
        """Workbook-level defined names -> their formula text, e.g. 'Aanvraag!$B$19'."""
        names = {}
        for node in self.xml("xl/workbook.xml").iter(f"{_M}definedName"):
            if node.get("localSheetId") is None:
                names[node.get("name")] = node.text or ""
        return names

    @property
    def date1904(self) -> bool:
        pr = self.xml("xl/workbook.xml").find(f"{_M}workbookPr")
        return pr is not None and pr.get("date1904") in ("1", "true")

    def shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            if self.has("xl/sharedStrings.xml"):
                for _, si in etree.iterparse(io.BytesIO(self.read("xl/sharedStrings.xml")), tag=f"{_M}si",
                                             resolve_entities=False, huge_tree=True):
                    self._shared.append("".join(t.text or "" for t in si.iter(f"{_M}t")
                                                if t.getparent().tag != f"{_M}rPh"))
                    si.clear()
        return self._shared

    def rows(self, sheet: str, max_col: int | None = None, skip: frozenset[int] = frozenset(),
             data: bytes | None = None) -> Iterator[tuple[int, dict[int, RawCell]]]:
        """Stream a sheet's rows as (row number, {column index: RawCell}); shared formulas are expanded.

        Columns beyond max_col, and below the header those in skip, are left out (what a caller does not need
        costs no memory). `data` streams the sheet as changed since opening instead of as stored.
        """
        strings = self.shared_strings()
        masters: dict[str, tuple[str, str]] = {}
        source = io.BytesIO(data if data is not None else self.read(self.sheets()[sheet]))
        for _, row in etree.iterparse(source, tag=f"{_M}row", resolve_entities=False, huge_tree=True):
            number = int(row.get("r"))
            cells: dict[int, RawCell] = {}
            for position, c in enumerate(row.iterchildren(f"{_M}c"), start=1):
                ref = c.get("r")
                column = column_of(ref) if ref else position
                if (max_col is not None and column > max_col) or (column in skip and number > 1):
                    continue
                ref = ref or f"{get_column_letter(column)}{number}"
                cells[column] = RawCell(_value(c, strings), _formula(c, ref, masters), c.get("s"))
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
            yield number, cells


def _value(c, strings: list[str]):
    kind = c.get("t", "n")
    if kind == "inlineStr":
        node = c.find(f"{_M}is")
        return "".join(t.text or "" for t in node.iter(f"{_M}t")) if node is not None else ""
    v = c.find(f"{_M}v")
    if v is None:
        return None
    if v.text is None:
        return "" if kind == "str" else None
    text = v.text
    if kind == "s":
        return strings[int(text)]
    if kind == "b":
        return text in ("1", "true")
    if kind in ("str", "e"):
        return text
    if kind == "d":
        return text
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def _formula(c, ref: str, masters: dict[str, tuple[str, str]]) -> str | None:
    f = c.find(f"{_M}f")
    if f is None:
        return None
    if f.get("t") == "shared":
        si = f.get("si")
        if f.text:
            masters[si] = (f.text, ref)
            return f.text
        if si in masters:
            text, origin = masters[si]
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
        return f'<c r="{ref}"{s}{kind}><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}"{s}{kind}><v>{text}</v></c>'


def _typed(value: object, text_type: str) -> tuple[str, str]:
    """The t attribute and the escaped text of a value: a boolean, a number, or text (as text_type)."""
    if isinstance(value, bool):
        return ' t="b"', str(int(value))
    if isinstance(value, (int, float)):
        return "", repr(value)
    return f' t="{text_type}"', escape(str(value))


def row_xml(number: int, cells: list[str]) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def _drop_cached_values(root) -> None:
    """Forget the saved results of every formula: they were computed from inputs that have now changed."""
    for f in root.iter(f"{_M}f"):
        c = f.getparent()
        for v in c.findall(f"{_M}v"):
            c.remove(v)
        c.attrib.pop("t", None)


def without_results(sheet: bytes) -> bytes:
    """The sheet with the saved results of all its formulas dropped (their inputs changed elsewhere)."""
    root = etree.fromstring(sheet, _SAFE)
    _drop_cached_values(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def sheet_with_rows(sheet: bytes, rows_xml: str, replace: bool, stale_results: bool = False,
                    auto_filter: str | None = None) -> bytes:
    """The sheet XML with rows added to (or replacing) its sheetData; same-numbered rows are merged away.

    With stale_results, the saved results of all formulas in the sheet are dropped; auto_filter sets the
    range of the sheet's filter.
    """
    root = etree.fromstring(sheet, _SAFE)
    if stale_results:
        _drop_cached_values(root)
    data = root.find(f"{_M}sheetData")
    new_rows = etree.fromstring(f'<sheetData xmlns="{MAIN}">{rows_xml}</sheetData>', _SAFE)
    if replace:
        for row in list(data):
            data.remove(row)
    existing = {int(r.get("r")): r for r in data.iterchildren(f"{_M}row")}
    numbers = sorted(existing)
    for row in list(new_rows):
        number = int(row.get("r"))
        old = existing.get(number)
        if old is not None:
            data.replace(old, row)
        elif not numbers or number > numbers[-1]:
            data.append(row)  # the usual case: rows go below the last one
            numbers.append(number)
        else:
            position = bisect_left(numbers, number)
            if position == 0:
                existing[numbers[0]].addprevious(row)
            else:
                existing[numbers[position - 1]].addnext(row)
            numbers.insert(position, number)
        existing[number] = row
    _set_dimension(root, data)
    if auto_filter is not None and root.find(f"{_M}autoFilter") is not None:
        root.find(f"{_M}autoFilter").set("ref", auto_filter)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def last_row(sheet: bytes) -> int:
    """The highest row number stored in a sheet (1 when it is empty)."""
    numbers = [int(n) for n in re.findall(rb'<(?:\w+:)?row[^>]*?\sr="(\d+)"', sheet)]
    return max(numbers, default=1)


def _set_dimension(root, data) -> None:
    last_row, last_col = 1, 1
    for row in data.iterchildren(f"{_M}row"):
        last_row = max(last_row, int(row.get("r")))
        cells = row.findall(f"{_M}c")
        if cells and cells[-1].get("r"):  # cells are stored left to right
            last_col = max(last_col, column_of(cells[-1].get("r")))
    dim = root.find(f"{_M}dimension")
    if dim is not None:
        dim.set("ref", f"A1:{get_column_letter(last_col)}{last_row}")


def patch_cells(sheet: bytes, cells: dict[str, str], stale_results: bool = False) -> bytes:
    """Replace given cells (ref -> <c> XML from cell_xml) in a sheet, keeping each cell's style.

    With stale_results, the saved results of all formulas in the sheet are dropped.
    """
    root = etree.fromstring(sheet, _SAFE)
    if stale_results:
        _drop_cached_values(root)
    data = root.find(f"{_M}sheetData")
    rows = {int(r.get("r")): r for r in data.iterchildren(f"{_M}row")}
    indexed: dict[int, dict[str, object]] = {}  # row -> its cells by reference, built once per row touched
    for ref, xml in cells.items():
        column, number = split_ref(ref)
        new = etree.fromstring(xml.replace("<c ", f'<c xmlns="{MAIN}" ', 1), _SAFE)
        row = rows.get(number)
        if row is None:
            raise KeyError(ref)
        if number not in indexed:
            indexed[number] = {c.get("r"): c for c in row.iterchildren(f"{_M}c")}
        old = indexed[number].get(ref)
        if old is not None:
            if old.get("s") and new.get("s") is None:
                new.set("s", old.get("s"))
            row.replace(old, new)
        else:
            later = [c for c in row.iterchildren(f"{_M}c") if split_ref(c.get("r"))[0] > column]
            later[0].addprevious(new) if later else row.append(new)
        indexed[number][ref] = new
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_results(sheet: bytes, cells: dict[str, tuple[str, object]], heights: dict[int, float] | None = None) -> bytes:
    """Write formulas with their results (ref -> (formula without '=', result)) in place, keeping each cell's style.

    The bulk path of `patch_cells` for formula cells: no XML is parsed per cell. A result of None leaves
    the formula without a stored value; '' stores an empty string. `heights` gives rows a fixed height in points
    (customHeight), for wrapped text that Excel does not fit on open.
    """
    root = etree.fromstring(sheet, _SAFE)
    wanted: dict[int, dict[str, tuple[str, object]]] = {}
    for ref, value in cells.items():
        wanted.setdefault(split_ref(ref)[1], {})[ref] = value
    heights = heights or {}
    for row in root.find(f"{_M}sheetData").iterchildren(f"{_M}row"):
        number = int(row.get("r"))
        if number in heights:
            row.set("ht", f"{heights[number]:g}")
            row.set("customHeight", "1")
        todo = wanted.pop(number, None)
        if not todo:
            continue
        for c in row.iterchildren(f"{_M}c"):
            value = todo.pop(c.get("r"), None)
            if value is not None:
                _set_formula(c, *value)
        for ref, value in todo.items():  # cells not stored yet: the slow path
            column = split_ref(ref)[0]
            new = etree.SubElement(row, f"{_M}c", r=ref)
            _set_formula(new, *value)
            later = [c for c in row.iterchildren(f"{_M}c") if split_ref(c.get("r"))[0] > column]
            if later:
                later[0].addprevious(new)
    if wanted:
        raise KeyError(next(iter(next(iter(wanted.values())))))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _set_formula(c, formula: str, result: object) -> None:
    for child in list(c):
        c.remove(child)
    c.attrib.pop("t", None)
    etree.SubElement(c, f"{_M}f").text = formula
    if result is None:
        return
    v = etree.SubElement(c, f"{_M}v")
    if isinstance(result, bool):
        c.set("t", "b")
        v.text = str(int(result))
    elif isinstance(result, (int, float)):
        v.text = repr(result)
    else:
        c.set("t", "str")
        v.text = str(result)


def recalculate_on_open(package: Package, changed: dict[str, bytes] | None = None, on: bool = True
                        ) -> dict[str, bytes]:
    """Parts to replace so Excel recomputes on open (on) or trusts the stored results (off); calcChain dropped.

    `changed` holds parts already replaced in this session, which are the ones to start from.
    """
    changed = changed or {}

    def xml(part: str):
        return etree.fromstring(changed[part], _SAFE) if changed.get(part) else package.xml(part)

    workbook = xml("xl/workbook.xml")
    calc = workbook.find(f"{_M}calcPr")
    if calc is None:
        calc = etree.SubElement(workbook, f"{_M}calcPr")
        # calcPr belongs after definedNames/sheets; appending works for Excel and LibreOffice when no later
        # elements exist, otherwise move it before the first of them.
        for tag in ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
                    "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst"):
            later = workbook.find(f"{_M}{tag}")
            if later is not None:
                later.addprevious(calc)
                break
    if on:
        calc.set("fullCalcOnLoad", "1")
    else:
        calc.attrib.pop("fullCalcOnLoad", None)
    parts = {"xl/workbook.xml": etree.tostring(workbook, xml_declaration=True, encoding="UTF-8", standalone=True)}
    if package.has("xl/calcChain.xml") and changed.get("xl/calcChain.xml") != b"":
        rels = xml("xl/_rels/workbook.xml.rels")
        for rel in list(rels):
            if rel.get("Target", "").endswith("calcChain.xml"):
                rels.remove(rel)
        parts["xl/_rels/workbook.xml.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                                             standalone=True)
        types = xml("[Content_Types].xml")
        for node in list(types):
            if node.get("PartName") == "/xl/calcChain.xml":
                types.remove(node)
        parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8",
                                                      standalone=True)
        parts["xl/calcChain.xml"] = b""  # marker: drop this part
    return parts


def write_package(package: Package, out: IO[bytes], replace: dict[str, bytes]) -> None:
    """Write the package with the given parts replaced (b'' drops a part); every other part copied as is."""
    large = any(len(data) > 1_000_000 for data in replace.values())
    # large sheets compress fast at level 1: the file grows a little, the wait shrinks a lot
    ziparts.RawMembers(package.data).write(out, replace, level=1 if large else 6)
