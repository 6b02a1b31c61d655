"""The user's workbook is sacred: edits in a LibreOffice-saved workbook survive `import` and `rank`."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from conftest import columns, csv_bytes, offer_row, type_finding, type_into
from inhuur import actions, soffice, workbook

pytestmark = pytest.mark.soffice


def saved_by_libreoffice(path, folder):
    """Let LibreOffice open, recalculate and save the workbook, as a user's LibreOffice would."""
    out = soffice.recalculate([path], folder / "lo")[0]
    shutil.copyfile(out, path)
    return path


@pytest.fixture
def user_edited(example_workbook, tmp_path):
    """The example workbook with a user's own sheet, note, formatting and findings, saved by LibreOffice."""
    refs = type_finding(example_workbook, "I-003", "G4", {"Oordeel beoordelaar": "Nee", "Beoordelaar (naam)": "A. Jansen",
                                                         "Motivering beoordelaar": "Ervaring als klantmanager 4 jaar, "
                                                                                   "niet 5"})
    wb = load_workbook(example_workbook)
    wb["Beoordeling"][refs["Oordeel beoordelaar"]].comment = Comment("Nagevraagd bij leverancier op 30-06", "A. Jansen")
    ws = wb["Kandidaten"]
    c = columns(ws)
    ws[f"{c['Leverancier']}2"].font = Font(bold=True, color="C00000")
    ws[f"{c['Leverancier']}2"].fill = PatternFill("solid", fgColor="FFFF00")
    ws.column_dimensions[c["Toelichting leverancier"]].width = 55
    mine = wb.create_sheet("Mijn notities")
    mine["A1"] = "Belafspraken"
    mine["A1"].font = Font(bold=True)
    mine["A2"] = "Bel Brouwer & Zonen over referenties"
    mine["B2"] = "=COUNTA(Kandidaten!A:A)-1"
    wb.save(example_workbook)
    saved_by_libreoffice(example_workbook, tmp_path)
    return example_workbook, refs


def test_edits_survive_import_and_rank(user_edited, tmp_path):
    user_edited, refs = user_edited
    new_offers = tmp_path / "nieuw.csv"
    new_offers.write_bytes(csv_bytes([offer_row(leverancier="Nieuw & Co", kandidaat="Nieuwe Kandidaat")]))
    assert [o.id for o in actions.import_offers(user_edited, new_offers).added] == ["I-016"]
    report = actions.rank(user_edited)
    assert report.restored == [] and report.disagreements == []

    wb = load_workbook(user_edited)
    ws, beo = wb["Kandidaten"], wb["Beoordeling"]
    c = columns(ws)
    assert beo[refs["Oordeel beoordelaar"]].value == "Nee"
    assert beo[refs["Beoordelaar (naam)"]].value == "A. Jansen"
    assert beo[refs["Motivering beoordelaar"]].value == "Ervaring als klantmanager 4 jaar, niet 5"
    assert "Nagevraagd bij leverancier op 30-06" in beo[refs["Oordeel beoordelaar"]].comment.text
    assert ws[f"{c['Leverancier']}2"].font.bold
    assert ws[f"{c['Leverancier']}2"].fill.fgColor.rgb.endswith("FFFF00")
    assert ws.column_dimensions[c["Toelichting leverancier"]].width == pytest.approx(55, abs=1)
    assert wb["Mijn notities"]["A2"].value == "Bel Brouwer & Zonen over referenties"
    assert wb["Mijn notities"]["B2"].value == "=COUNTA(Kandidaten!A:A)-1"
    assert ws[f"{c['Kandidaat']}17"].value == "Nieuwe Kandidaat"
    assert actions.check(user_edited) == 16

    by_id = {r.offer.id: r for r in report.results}
    assert by_id["I-003"].score == 50                         # G4 (30) taken away by the assessor's finding


def test_values_libreoffice_saved_are_compared_with_the_engine(user_edited):
    user_edited, _ = user_edited
    score = f"{type_into(user_edited, 'Kandidaten', 'Score', 2, 55)}2"     # a formula typed over with a number
    saved = saved_by_libreoffice(user_edited, user_edited.parent)
    report = actions.rank(saved)
    wheres = [p.where for p in report.disagreements]
    assert wheres[0] == f"Kandidaten!{score}"
    assert "55" in report.disagreements[0].text and "100" in report.disagreements[0].text
    # 55 instead of 100 also moved the ranks LibreOffice computed for others: those cells are named too
    letters = columns(load_workbook(saved)["Kandidaten"])
    assert {w.rstrip("0123456789") for w in wheres} == {f"Kandidaten!{letters[t]}" for t in ("Score", "Rang",
                                                                                             "Uitkomst stap 2")}
    assert [p.where for p in report.restored] == [f"Kandidaten!{score}"]
    assert workbook.formula_problems(workbook.open_workbook(saved)) == []
