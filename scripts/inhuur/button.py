"""The Python behind the Excel button: let the application save, run the CLI on a copy, bring the changes back.

The workbook is open in Excel, so inhuur never writes the file itself. `press` asks the application (through a
small `Book` adapter) to save, runs the very command the CLI runs on a copy, and writes the cells that command
changed into the open workbook as blocks of values. Only the adapter knows the application: `XlwingsBook` for
Excel; the tests play Excel's part with LibreOffice through its UNO bridge.
"""

from __future__ import annotations

import io
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Protocol

from inhuur import excel, xlsx
from inhuur.workbook.formulas import normalise_formula

MAX_MESSAGE = 1500  # a message box shows this much; Start!B9 has it all


class Book(Protocol):
    """What the button needs of the application that has the workbook open."""

    @property
    def path(self) -> Path: ...  # the workbook's file, as the application last saved it

    def save(self) -> None: ...

    def value(self, sheet: str, ref: str) -> Any: ...

    def write(self, sheet: str, ref: str, rows: list[list[Any]]) -> None: ...  # '=…' is a formula

    def message(self, text: str) -> None: ...


def command(action: str, work: Path, original: Path, book: Book) -> list[str]:
    """The CLI arguments for an action on the Start sheet, run on the copy `work` of the workbook `original`."""
    folder = original.parent / (str(book.value(excel.START, excel.LETTERS_FOLDER) or "").strip() or "brieven")
    if action == excel.ACTIONS[0]:
        return ["rank", str(work)]
    if action == excel.ACTIONS[1]:
        return ["check", str(work)]
    if action == excel.ACTIONS[2]:
        pdf = str(book.value(excel.START, excel.PDF) or "").strip().lower() == "ja"
        return ["letters", str(work), "-o", str(folder)] + (["--pdf"] if pdf else [])
    return ["mail", str(work), "--letters", str(folder), "-o", str(folder / "e-mails")]


def press(book: Book, now: datetime | None = None) -> str:
    """Run the action chosen on the Start sheet for the open workbook; the outcome goes to a message and B9.
    Returns the command's whole output. Never a traceback in Excel: a failure says how to get back."""
    try:
        return _press(book, now)
    except Exception as exc:  # a bug or a failing application; the CLI's own refusals never get here
        return _tell(book, f"Interne fout in inhuur ({type(exc).__name__}: {exc}). Sluit het werkboek zonder op te "
                           f"slaan: dan is het weer zoals het bij de klik werd bewaard. Meld dit met deze tekst.")


def _press(book: Book, now: datetime | None) -> str:
    from inhuur import cli  # the same parser, actions and Dutch messages as on the command line

    action = str(book.value(excel.START, excel.CHOICE) or "").strip()
    if action not in excel.ACTIONS:
        return _tell(book, f"Kies in cel {excel.CHOICE} van het blad {excel.START} wat de knop doet: "
                           f"{', '.join(excel.ACTIONS)}.")
    book.save()
    original = book.path
    if not original.is_file():  # e.g. a workbook opened from SharePoint: Excel's name for it is a web address
        return _tell(book, f"inhuur vindt het werkboek niet als bestand op deze computer ({original}). Bewaar het "
                           f"in een map op deze computer (of een gesynchroniseerde OneDrive-map), open het daar en "
                           f"klik opnieuw.")
    with tempfile.TemporaryDirectory(prefix="inhuur-knop-") as tmp:
        work = Path(tmp) / original.name
        before = original.read_bytes()  # read once: the copy is written from it
        work.write_bytes(before)
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(command(action, work, original, book), out, err)
        text = (out.getvalue() + err.getvalue()).replace(str(work), str(original)).strip()
        changes = list(changed_cells(io.BytesIO(before), work)) if code == 0 else []
    for sheet, ref, rows in changes:
        book.write(sheet, ref, rows)
    stamp = (now or datetime.now()).strftime("%d-%m-%Y %H:%M")
    outcome = "klaar" if code == 0 else "geweigerd, er is niets gewijzigd"
    book.write(excel.START, "B8", [[f"{stamp}: {action} ({outcome})"]])
    short = summary(text)
    book.write(excel.START, excel.RESULT, [[short]])
    book.save()
    book.message(short if len(short) <= MAX_MESSAGE else f"{short[:MAX_MESSAGE]}… (alles in {excel.START}!"
                                                            f"{excel.RESULT})")
    return text


def _tell(book: Book, text: str) -> str:
    """Show a refusal in a message box; it is also what the press returns."""
    book.message(text)
    return text


def summary(text: str) -> str:
    """The outcome in words: the CLI's output without its tables (the ranking has its own sheet)."""
    paragraphs = [p for p in text.split("\n\n") if not any(set(line) == {"-"} for line in p.splitlines())]
    return "\n\n".join(paragraphs).strip() or text


def changed_cells(before, after) -> Iterator[tuple[str, str, list[list[Any]]]]:
    """The cells a command changed, as (sheet, top-left reference, rows of values) blocks.

    A formula the command left as it was is not written: the application computes it. A value is written as
    it is, a new or changed formula as '=…', a cell the command emptied as None. Neighbouring changed cells of
    a row form one block, and rows with the same changed columns one taller block (fewer calls to Excel).
    """
    old, new = xlsx.Package.open(before), xlsx.Package.open(after)
    for sheet in new.sheets():
        if sheet not in old.sheets():
            continue
        was = dict(old.rows(sheet))
        changes: list[tuple[int, int, list[Any]]] = []
        for number, cells in new.rows(sheet):
            changes += _row_changes(number, was.pop(number, {}), cells)
        for number, cells in was.items():  # rows the command removed
            changes += _row_changes(number, cells, {})
        yield from _blocks(sheet, changes)


def _row_changes(number: int, before: dict[int, xlsx.RawCell], after: dict[int, xlsx.RawCell]
                 ) -> list[tuple[int, int, list[Any]]]:
    """(row, first column, values) for each run of neighbouring changed cells in one row."""
    changed: dict[int, Any] = {}
    for column in sorted(before.keys() | after.keys()):
        a, b = after.get(column), before.get(column)
        if a is not None and a.formula is not None:
            if b is None or b.formula is None or normalise_formula(b.formula) != normalise_formula(a.formula):
                changed[column] = "=" + a.formula
        elif a is not None:
            if b is None or b.formula is not None or b.value != a.value:
                changed[column] = a.value
        elif b is not None and (b.formula is not None or b.value not in (None, "")):
            changed[column] = None
    runs: list[tuple[int, int, list[Any]]] = []
    for column in sorted(changed):
        if runs and runs[-1][1] + len(runs[-1][2]) == column:
            runs[-1][2].append(changed[column])
        else:
            runs.append((number, column, [changed[column]]))
    return runs


def _blocks(sheet: str, runs: list[tuple[int, int, list[Any]]]) -> Iterator[tuple[str, str, list[list[Any]]]]:
    """Stack runs of consecutive rows with the same columns into one block."""
    block: list[list[Any]] = []
    top = column = 0
    for number, first, values in sorted(runs):
        if block and first == column and number == top + len(block) and len(values) == len(block[0]):
            block.append(values)
            continue
        if block:
            yield sheet, f"{xlsx.get_column_letter(column)}{top}", block
        block, top, column = [values], number, first
    if block:
        yield sheet, f"{xlsx.get_column_letter(column)}{top}", block


class XlwingsBook:
    """The adapter for Excel: the handful of xlwings calls `press` needs (not testable without Excel)."""

    # the protection inhuur's sheets have (workbook.build): formulas locked, formatting, sorting, filtering allowed
    PROTECTION = dict(Password="", DrawingObjects=False, Contents=True, Scenarios=False, AllowFormattingCells=True,
                      AllowFormattingColumns=True, AllowFormattingRows=True, AllowSorting=True, AllowFiltering=True)

    def __init__(self, book):
        self.book = book

    @property
    def path(self) -> Path:
        return Path(self.book.fullname)

    def save(self) -> None:
        self.book.save()

    def value(self, sheet: str, ref: str) -> Any:
        return self.book.sheets[sheet].range(ref).value

    def write(self, sheet: str, ref: str, rows: list[list[Any]]) -> None:
        target = self.book.sheets[sheet]
        protected = bool(target.api.ProtectContents)
        if protected:
            target.api.Unprotect("")
        try:
            target.range(ref).resize(len(rows), len(rows[0])).value = rows
        finally:
            if protected:
                target.api.Protect(**self.PROTECTION)

    def message(self, text: str) -> None:
        self.book.app.alert(text, title="inhuur")


def press_in_excel() -> None:
    """Entry point for the module next to the workbook: the workbook whose button was pressed."""
    import xlwings

    press(XlwingsBook(xlwings.Book.caller()))
