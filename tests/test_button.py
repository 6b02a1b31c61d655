"""The button's Python: what it brings back into the open workbook, and the whole press against LibreOffice
playing Excel's part (the workbook open in a live office, driven through its UNO bridge)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from conftest import REPO, uno_python
from inhuur import actions, button, excel, rules, xlsx


def book_bytes(cells: dict[str, object]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "Blad"
    for ref, value in cells.items():
        ws[ref] = value
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


@pytest.mark.parametrize("before, after, expected", [
    ({"A1": 1}, {"A1": 2}, [("A1", [[2]])]),                                   # a value
    ({"A1": "=B1*2", "B1": 1}, {"A1": "=B1*2", "B1": 1}, []),                  # nothing changed
    ({"A1": "=B1*2"}, {"A1": "=B1*3"}, [("A1", [["=B1*3"]])]),                 # a formula changed
    ({"A1": "=b1 * 2"}, {"A1": "=B1*2"}, []),                                  # the same formula, spelled otherwise
    ({"A1": "x", "B1": "y"}, {"A1": "x"}, [("B1", [[None]])]),                 # emptied
    ({}, {"A1": 1, "B1": 2, "D1": 4}, [("A1", [[1, 2]]), ("D1", [[4]])]),     # neighbours form one block
    ({}, {"B2": 1, "C2": 2, "B3": 3, "C3": 4, "B4": 5}, [("B2", [[1, 2], [3, 4]]), ("B4", [[5]])]),
    ({"A5": "weg"}, {}, [("A5", [[None]])]),                                   # a row the command removed
])
def test_changed_cells_become_blocks(before, after, expected):
    assert [(ref, rows) for _, ref, rows in button.changed_cells(book_bytes(before), book_bytes(after))] == expected


def test_a_formula_left_alone_is_not_written_even_with_another_result():
    old = book_bytes({"A1": "=B1*2", "B1": 1})
    new = xlsx.Package.open(book_bytes({"A1": "=B1*2", "B1": 1}))
    sheet = new.sheets()["Blad"]
    data = new.read(sheet).replace(b"<f>B1*2</f>", b"<f>B1*2</f><v>99</v>")
    out = io.BytesIO()
    xlsx.write_package(new, out, {sheet: data})
    assert list(button.changed_cells(old, io.BytesIO(out.getvalue()))) == []


class FileBook:
    """An application stand-in that has the workbook 'open' as a file: for the parts of `press` that do not need
    a live application (the choice, a refusal). Writes are recorded, not applied."""

    def __init__(self, path: Path, choice: str):
        self.path, self.choice = path, choice
        self.saved, self.written, self.messages = 0, [], []

    def save(self):
        self.saved += 1

    def value(self, sheet, ref):
        return self.choice if (sheet, ref) == (excel.START, excel.CHOICE) else None

    def write(self, sheet, ref, rows):
        self.written.append((sheet, ref, rows))

    def message(self, text):
        self.messages.append(text)


@pytest.fixture
def xlsm(example_workbook):
    return excel.make(example_workbook).workbook


def test_an_unknown_choice_asks_for_one_and_touches_nothing(xlsm):
    book = FileBook(xlsm, "Alles")
    text = button.press(book)
    assert text == ("Kies in cel B4 van het blad Start wat de knop doet: Ranglijst bijwerken, Controleren, "
                    "Brieven maken, Mails klaarzetten.")
    assert book.messages == [text] and book.saved == 0 and book.written == []
    assert button.summary(text) == text


def test_a_refusal_shows_the_clis_message_and_changes_nothing(xlsm):
    before = xlsm.read_bytes()
    book = FileBook(xlsm, "Brieven maken")          # the tie at the shortlist boundary is not decided yet
    text = button.press(book, now=datetime(2026, 7, 1, 9, 30))
    assert text.startswith("Fout: er zijn nog geen brieven gemaakt: een gelijke stand op de grens")
    assert "(Kandidaten!J6, Kandidaten!J7)" in text          # the cells to fill, as the CLI names them
    assert "inhuur-knop-" not in text                # the copy's path is never shown
    assert book.written == [(excel.START, "B8", [["01-07-2026 09:30: Brieven maken (geweigerd, er is niets "
                                                    "gewijzigd)"]]), (excel.START, excel.RESULT, [[text]])]
    assert book.messages == [text]
    assert xlsm.read_bytes() == before and not (xlsm.parent / "brieven").exists()


def test_a_failure_while_writing_back_says_how_to_get_back(xlsm):
    class Failing(FileBook):
        def write(self, sheet, ref, rows):
            raise RuntimeError("Excel is bezig")

    book = Failing(xlsm, "Ranglijst bijwerken")
    text = button.press(book)
    assert text == ("Interne fout in inhuur (RuntimeError: Excel is bezig). Sluit het werkboek zonder op te slaan: "
                    "dan is het weer zoals het bij de klik werd bewaard. Meld dit met deze tekst.")
    assert book.messages == [text] and book.saved == 1     # saved before the run, never after a half write-back


def test_a_workbook_that_is_no_file_here_is_named(xlsm):
    book = FileBook(Path("https:/gemeente.sharepoint.com/Inkoop/aanvraag.xlsm"), "Controleren")
    text = button.press(book)
    assert text.startswith("inhuur vindt het werkboek niet als bestand op deze computer "
                           "(https:/gemeente.sharepoint.com/Inkoop/aanvraag.xlsm).")
    assert book.messages == [text] and book.written == []


class LiveBook:
    """The workbook open in LibreOffice (tests/lo_live.py), behind the same calls as inhuur.button.XlwingsBook."""

    def __init__(self, python: str, path: Path, profile: Path):
        self.process = subprocess.Popen([python, str(REPO / "tests" / "lo_live.py"), str(path), str(profile)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self.process.stdout.readline()) == {"ready": True}
        self.messages: list[str] = []

    def ask(self, op: str, **kw):
        self.process.stdin.write(json.dumps({"op": op, **kw}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "LibreOffice's side stopped"
        return json.loads(line)["answer"]

    @property
    def path(self) -> Path:
        return Path(self.ask("path"))

    def save(self):
        self.ask("save")

    def value(self, sheet, ref):
        return self.ask("value", sheet=sheet, ref=ref)

    def write(self, sheet, ref, rows):
        self.ask("write", sheet=sheet, ref=ref, rows=rows)

    def message(self, text):
        self.messages.append(text)

    def close(self):
        try:
            self.ask("close")
        finally:
            self.process.stdin.close()
            self.process.stdout.close()
            self.process.wait(60)


def finding_cells(path: Path, offer_id: str, code: str) -> dict[str, str]:
    ws = load_workbook(path, keep_vba=True)["Beoordeling"]
    titles = {c.value: c.column_letter for c in ws[1]}
    row = next(r[0].row for r in ws.iter_rows(min_row=2)
               if r[0].value == offer_id and ws[f"{titles['Code']}{r[0].row}"].value == code)
    return {t: f"{titles[t]}{row}" for t in ("Oordeel beoordelaar", "Motivering beoordelaar", "Beoordelaar (naam)")}


@pytest.mark.soffice
def test_the_button_in_a_live_workbook_gives_what_inhuur_rank_gives(example_workbook, tmp_path):
    """LibreOffice has the workbook open; a finding is typed there; the button's Python saves through the office,
    ranks a copy and writes the result into the live document, whose cells then equal `inhuur rank` on the
    same inputs. The workbook file is only ever written by the office (its lock file stays)."""
    python = uno_python()
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    xlsm = excel.make(example_workbook).workbook
    cells = finding_cells(xlsm, "I-001", "KO1")             # the first-ranked candidate
    book = LiveBook(python, xlsm, tmp_path / "profile")
    try:
        assert book.ask("button", sheet=excel.START) == [{
            "label": "Uitvoeren",
            "macros": ["vnd.sun.star.script:VBAProject.Module1.SampleCall?language=Basic&location=document"]}]
        for title, typed in (("Oordeel beoordelaar", "Nee"), ("Motivering beoordelaar", "Geen hbo-diploma in het cv"),
                             ("Beoordelaar (naam)", "L. Live")):
            book.write("Beoordeling", cells[title], [[typed]])          # as typing would, in the live document
        book.save()
        reference = tmp_path / "reference" / xlsm.name
        reference.parent.mkdir()
        shutil.copyfile(xlsm, reference)
        expected = actions.rank(reference)                   # the CLI on the same inputs
        assert (xlsm.parent / f".~lock.{xlsm.name}#").exists()
        text = button.press(book)
        assert (xlsm.parent / f".~lock.{xlsm.name}#").exists()   # still open: never written behind its back
        assert "Ranglijst aanvraag 30662" in text and "I-001" in text      # the CLI's whole output
        assert book.messages == [button.summary(text)] and "Het blad Ranglijst is bijgewerkt." in book.messages[0]
        assert "I-001" not in book.messages[0]                              # the outcome in words, no table
        assert book.value(excel.START, excel.RESULT) == book.messages[0]
        ranking = dict(xlsx.Package.open(reference).rows("Ranglijst"))
        for number, row in ranking.items():
            if number == 2:
                continue                                      # 'Bijgewerkt op …': the minute of each run
            for column, cell in row.items():
                ref = f"{xlsx.get_column_letter(column)}{number}"
                live = book.value("Ranglijst", ref)
                assert live == cell.value or (isinstance(cell.value, (int, float)) and live == float(cell.value)), \
                    (ref, live, cell.value)
        assert {r.offer.id: r.status for r in expected.results}["I-001"] == rules.KNOCKED_OUT   # the finding counted
        assert str(book.value(excel.START, "B8")).endswith("Ranglijst bijwerken (klaar)")

        book.write(excel.START, excel.CHOICE, [["Brieven maken"]])      # the next choice, as a user picks it
        button.press(book)
        folder = xlsm.parent / "brieven"
        assert len(list(folder.glob("*.docx"))) == 15 and (folder / "manifest.json").exists()
        logged = [book.value("Brieven", f"C{n}") for n in range(2, 18)]   # the log, written into the live book
        assert sorted(logged[:15]) == sorted(r.offer.id for r in expected.results) and logged[15] is None
        book.write(excel.START, excel.CHOICE, [["Mails klaarzetten"]])
        assert "15 e-mails" in button.press(book) and len(list((folder / "e-mails").glob("*.eml"))) == 15
    finally:
        book.close()
    saved = xlsx.Package.open(xlsm)                           # what the office saved keeps the VBA project
    assert saved.has("xl/vbaProject.bin")
