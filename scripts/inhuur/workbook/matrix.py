"""An opened workbook: its package, tender, the Kandidaten and Beoordeling rows, and the parts changed so far."""

from __future__ import annotations

import contextlib
import gc
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from inhuur import files, xlsx
from inhuur.ziparts import Deflated
from inhuur.errors import FileMissing, NotAWorkbook
from inhuur.spec import Tender, parse_spec
from inhuur.workbook.formulas import assessment_formulas, matrix_formulas
from inhuur.workbook.layout import (FORMAT_VERSION, MARKER, SHEET_ASSESSMENT, SHEET_CRITERIA, SHEET_MATRIX,
                                    SHEET_META, SHEET_RANKING, SHEET_REGISTER, SHEET_SUPPLIERS, SHEET_TENDER, AssessmentLayout,
                                    Layout)

STYLE_KEYS = ("header", "title", "bold", "money", "moment", "text", "text_quoted", "input", "input_moment",
              "formula", "wrap", "input_wrap", "input_date")


@dataclass
class SheetRow:
    """One row of a tool sheet as stored: row number and raw cells by column index."""

    number: int
    cells: dict[int, xlsx.RawCell]


@dataclass
class Matrix:
    """An opened inhuur workbook: package, tender, layouts, offer and assessment rows, the parts changed so far."""

    package: xlsx.Package
    tender: Tender
    layout: Layout
    assessment: AssessmentLayout
    path: Path | None
    header: dict[int, Any]
    rows: list[SheetRow]
    last_row: int
    assessment_header: dict[int, Any]
    assessment_rows: list[SheetRow]
    assessment_last_row: int
    styles: dict[str, str]
    register: dict[str, int] = field(default_factory=dict)
    changed: dict[str, bytes | Deflated] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict, compare=False)  # what read.py derived from the opened file

    def get(self, row: SheetRow, key: str) -> Any:
        """The stored value of a Kandidaten column in a row (a formula's cached result)."""
        cell = row.cells.get(self.layout.index[key])
        return None if cell is None else cell.value

    def get_assessment(self, row: SheetRow, key: str) -> Any:
        """The stored value of a Beoordeling column in a row."""
        cell = row.cells.get(self.assessment.index[key])
        return None if cell is None else cell.value

    def part(self, sheet: str) -> str:
        """The package part of a sheet, e.g. xl/worksheets/sheet5.xml."""
        return self.package.sheets()[sheet]

    def chunks(self, sheet: str) -> Iterable[bytes]:
        """The sheet's XML with the changes made so far, a chunk at a time."""
        part = self.part(sheet)
        changed = self.changed.get(part)
        if isinstance(changed, Deflated):
            return changed.chunks()
        return [changed] if changed else self.package.chunks(part)

    def bottom(self, sheet: str) -> int:
        """The highest row number stored in a sheet as changed so far (1 when it is empty)."""
        return max(xlsx.row_numbers(self.chunks(sheet)), default=1)

    def require_sheet(self, sheet: str) -> None:
        """Refuse a workbook made before this sheet existed."""
        if sheet not in self.package.sheets():
            raise NotAWorkbook(self.path or Path("werkboek"), f"het blad '{sheet}' ontbreekt (maak het werkboek "
                                                              f"opnieuw met `inhuur new`)")

    def patch(self, sheet: str, cells: dict[str, str], stale_results: bool = False) -> None:
        """Replace cells (ref -> <c> XML) of existing rows; with stale_results the sheet's formulas' saved results
        go and Excel recalculates."""
        by_row: dict[int, dict[int, str]] = {}
        for ref, xml in cells.items():
            column, number = xlsx.split_ref(ref)
            by_row.setdefault(number, {})[column] = xml
        self._edit(sheet, stale_results, cells=lambda n: by_row.pop(n, None))
        if by_row:
            raise KeyError(f"row {min(by_row)} of {sheet} does not exist")

    def add_rows(self, sheet: str, rows: Iterable[str], replace: bool = False, stale_results: bool = False,
                 auto_filter: str | None = None) -> None:
        """Add (or, with replace, rewrite all) rows of a sheet, given as row XML in order; stale_results as in
        patch; auto_filter: the filter's new range (then `rows` may be a generator)."""
        self._edit(sheet, stale_results, add=rows, replace=replace, auto_filter=auto_filter)

    def rewrite(self, sheet: str, cells: Callable[[int], dict[int, str] | None],
                heights: Callable[[int], float | None] | None = None) -> None:
        """Rewrite cells row by row, in one pass over the sheet: cells(n) gives column -> <c> XML for row n (each
        keeps its old style); heights(n) a fixed height for wrapped text. Other saved results stay."""
        self._edit(sheet, False, cells=cells, heights=heights)

    def forget_results(self, sheet: str) -> None:
        """Drop the saved results of a sheet whose formulas read cells that changed elsewhere."""
        self._edit(sheet, True)

    def results_stored(self) -> None:
        """Every formula now carries the engine's result: Excel need not recalculate on open."""
        self.changed.update(xlsx.recalculate_on_open(self.package, self.changed, on=False))

    def _edit(self, sheet: str, stale_results: bool, **edits) -> None:
        """Stream the sheet through xlsx.edit_sheet and keep the result compressed."""
        self.changed[self.part(sheet)] = Deflated.of(xlsx.edit_sheet(self.chunks(sheet), stale_results=stale_results,
                                                                     **edits))
        if stale_results:
            self.changed.update(xlsx.recalculate_on_open(self.package, self.changed))


_AS_EXPECTED = xlsx.RawCell(None, xlsx.SAME)


def _stream(package: xlsx.Package, sheet: str, width: int, skip: frozenset[int] = frozenset(),
            expected: Callable[[int, dict[int, xlsx.RawCell]], dict[int, str]] | None = None,
            keep_results: bool = True) -> tuple[dict[int, Any], list[SheetRow], int]:
    """The header and the rows with an id of a tool sheet. A formula equal to the one `expected` gives for its
    cell is kept as xlsx.SAME, not as text: at 10,000 offers the formula texts alone would take 100 MB. Without
    keep_results, such a cell's saved result is not kept either (nothing compares it)."""
    header: dict[int, Any] = {}
    rows: list[SheetRow] = []
    last = 1
    for number, cells in package.rows(sheet, max_col=width, skip=skip):
        last = max(last, number)
        if number == 1:
            header = {i: c.value for i, c in cells.items()}
        elif 1 in cells and cells[1].value not in (None, ""):
            if expected is not None:
                for column, formula in expected(number, cells).items():
                    cell = cells.get(column)
                    if cell is not None and cell.formula == formula:
                        cells[column] = xlsx.RawCell(cell.value, xlsx.SAME, cell.style) if keep_results else _AS_EXPECTED
            rows.append(SheetRow(number, cells))
    return header, rows, last


@contextlib.contextmanager
def _no_cycle_collection():
    """Pause Python's cycle collector while the sheets are read: the rows are tuples, dicts and strings without
    cycles, and the collector would otherwise walk the growing heap again and again (about 6% of reading)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:  # SyntaxError: bad XML
        raise NotAWorkbook(name, f"geen leesbaar Excel-werkboek ({type(exc).__name__})")
    if SHEET_META not in sheets:
        raise NotAWorkbook(name, "geen inhuur-werkboek (maak er een met `inhuur new`)")
    meta = list(package.rows(SHEET_META, max_col=len(STYLE_KEYS) + 3))
    first = dict(meta[0][1]) if meta and meta[0][0] == 1 else {}
    if first.get(1) is None or first[1].value != MARKER:
        raise NotAWorkbook(name, "geen inhuur-werkboek (maak er een met `inhuur new`)")
    version = first[2].value if first.get(2) is not None else None
    if version != FORMAT_VERSION:
        raise NotAWorkbook(name, outdated(version))
    styles = {str(c.value): c.style or "0" for i, c in first.items() if i > 3 and c.value}
    lines = {number: cells[1].value for number, cells in meta if number >= 3 and 1 in cells}
    text = "\n".join("" if lines.get(n) is None else str(lines[n]) for n in range(3, max(lines, default=2) + 1))
    tender = parse_spec(text + "\n", f"{name} (blad {SHEET_META})")
    for sheet in (SHEET_TENDER, SHEET_CRITERIA, SHEET_SUPPLIERS, SHEET_MATRIX, SHEET_ASSESSMENT, SHEET_RANKING,
                  SHEET_REGISTER):
        if sheet not in sheets:
            raise NotAWorkbook(name, f"het blad '{sheet}' ontbreekt")
    layout, assessment = Layout(tender), AssessmentLayout(tender)
    def matrix_expected(number: int, cells) -> dict[int, str]:
        return {layout.index[k]: f[1:] for k, f in matrix_formulas(layout, number).items()}

    def assessment_expected(number: int, cells) -> dict[int, str]:
        code = cells.get(assessment.index["code"])
        if code is None or code.value not in tender.judged_codes:
            return {}
        return {assessment.index[k]: f[1:] for k, f in
                assessment_formulas(assessment, layout, number, code.value).items()}

    with _no_cycle_collection():
        header, rows, last = _stream(package, SHEET_MATRIX, len(layout.columns), expected=matrix_expected)
        unused = frozenset(assessment.index[k] for k in ("kandidaat", "criterium", "stap", "leverancier", "sleutel"))
        a_header, a_rows, a_last = _stream(package, SHEET_ASSESSMENT, len(assessment.columns), skip=unused,
                                           expected=assessment_expected, keep_results=False)
        register = {str(row.cells[1].value): row.number for row in _stream(package, SHEET_REGISTER, 1)[1]}
    return Matrix(package, tender, layout, assessment, path, header, rows, last, a_header, a_rows, a_last, styles,
                  register)


def outdated(version: Any) -> str:
    """Why a workbook of another format version cannot be used, and what to do instead."""
    if isinstance(version, (int, float)) and version > FORMAT_VERSION:
        return (f"het is gemaakt met een nieuwere versie van inhuur (werkboekformaat {version}); werk inhuur bij "
                f"(pip install -r requirements.txt)")
    if version == 2:
        return ("het is gemaakt met een eerdere versie van inhuur (werkboekformaat 2), zonder de kolommen voor een "
                "intrekking (Ingetrokken op) en de punten per criterium. Het oude werkboek wordt niet gewijzigd. Maak "
                "een nieuw werkboek met `inhuur new`, importeer dezelfde inschrijvingen en leg de oordelen opnieuw vast "
                "met `inhuur record --beoordeling`")
    return (f"het is gemaakt met een eerdere versie van inhuur (werkboekformaat {version}), waarin de oordelen op "
            f"het blad Kandidaten stonden. Deze versie legt elk oordeel vast op het blad Beoordeling, met naam en "
            f"motivering. Het oude werkboek wordt niet gewijzigd. Maak een nieuw werkboek met `inhuur new`, "
            f"importeer dezelfde inschrijvingen en leg de oordelen vast met `inhuur record --beoordeling`")


def save(matrix: Matrix, target: str | Path | IO[bytes] | None = None) -> None:
    """Write the changed parts, copying every other part as it was; atomic, refused while the file is open."""
    target = target if target is not None else matrix.path

    def write(out: IO[bytes]) -> None:
        xlsx.write_package(matrix.package, out, matrix.changed)

    if hasattr(target, "write"):
        write(target)
    else:
        files.atomic_write(Path(target), write)


def new_workbook(tender: Tender, target: str | Path | IO[bytes], keep_backup: bool = False) -> Matrix:
    """Build and save the workbook for a tender; return it opened (a file replaced is kept as NAME.vorige.xlsx)."""
    from inhuur.workbook.build import build

    book = build(tender)
    buffer = io.BytesIO()
    book.save(buffer)
    if hasattr(target, "write"):
        target.write(buffer.getvalue())
    else:
        files.atomic_write(Path(target), lambda out: out.write(buffer.getvalue()), keep_backup=keep_backup)
    matrix = open_workbook(io.BytesIO(buffer.getvalue()))
    matrix.path = None if hasattr(target, "write") else Path(target)
    return matrix
