"""The macro-enabled workbook: the xlwings VBA project, the Start sheet's button, xlwings.conf, and every command
keeping them."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import warnings
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from conftest import REPO, assess_as_declared
from inhuur import actions, excel, xlsx

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # oletools uses old pyparsing names

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser


@pytest.fixture
def xlsm(example_workbook):
    """The example, assessed, made macro-enabled by `inhuur excel`."""
    made = excel.make(example_workbook)
    return made.workbook


def macros(path: Path) -> dict[str, str]:
    """VBA module name -> source, as oletools reads it from the workbook."""
    parser = VBA_Parser(str(path))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_the_button_calls_the_module_that_exists(xlsm):
    module1 = macros(xlsm)["Module1"]
    assert "Sub SampleCall()" in module1
    assert 'mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))' in module1
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in module1
    name = xlsm.name[:xlsm.name.rindex(".")]                 # what the VBA computes from ThisWorkbook.Name
    assert name == "aanvraag" and name.isidentifier()
    spec = importlib.util.spec_from_file_location(name, xlsm.with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)                          # imports, as xlwings would, without Excel
    assert callable(module.main)
    assert "press_in_excel()" in xlsm.with_name(f"{name}.py").read_text(encoding="utf-8")


def test_the_vba_project_is_the_installed_xlwings_version(xlsm):
    version = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', macros(xlsm)["xlwings"]).group(1)
    assert version == metadata.version("xlwings")
    pinned = re.search(r"^xlwings==(\S+)", (REPO / "requirements.txt").read_text(), re.M).group(1)
    assert version == pinned          # VBA module and Python package the same version, or users get a DLL error


def test_the_button_is_bound_to_the_macro(xlsm):
    with zipfile.ZipFile(xlsm) as archive:
        package = xlsx.Package(xlsm.read_bytes())
        start = package.sheets()[excel.START]
        sheet = etree.fromstring(archive.read(start))
        legacy = sheet.find(f"{{{xlsx.MAIN}}}legacyDrawing")
        rels = etree.fromstring(archive.read(start.replace("worksheets/", "worksheets/_rels/") + ".rels"))
        target = next(r.get("Target") for r in rels if r.get("Id") == legacy.get(f"{{{xlsx.REL}}}id"))
        vml = archive.read("xl/" + target.replace("../", "")).decode("utf-8")
        types = archive.read("[Content_Types].xml").decode("utf-8")
    assert re.findall(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", vml) == ["[0]!SampleCall"]
    assert 'ObjectType="Button"' in vml and ">Uitvoeren<" in vml
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert list(package.sheets())[0] == excel.START            # the first tab


def test_xlwings_conf_as_xlwings_reads_it(xlsm):
    settings = excel.conf_settings(xlsm)
    assert settings == {"INTERPRETER_WIN": sys.executable, "INTERPRETER_MAC": sys.executable,
                        "PYTHONPATH": str(xlsm.parent)}
    assert Path(settings["INTERPRETER_WIN"]).exists()
    book = load_workbook(xlsm, keep_vba=True)
    assert book[excel.CONF].sheet_state == "hidden" and book[excel.START]["B4"].value == "Ranglijst bijwerken"
    validation = book[excel.START].data_validations.dataValidation[0]
    assert validation.formula1 == '"Ranglijst bijwerken,Controleren,Brieven maken,Mails klaarzetten"'


def test_sheet_local_names_and_the_open_tab_move_with_the_sheets(example_workbook):
    before = load_workbook(example_workbook)
    local = {(ws.title, name) for ws in before.worksheets for name in ws.defined_names}
    active = before.active.title
    after = load_workbook(excel.make(example_workbook).workbook, keep_vba=True)
    assert {(ws.title, name) for ws in after.worksheets for name in ws.defined_names} == local
    assert after.active.title == active                      # one selected tab, the one that was open


def vba_and_button(path: Path) -> tuple[bytes, bytes, str]:
    with zipfile.ZipFile(path) as archive:
        return (archive.read("xl/vbaProject.bin"), archive.read("xl/drawings/vmlDrawing1.vml"),
                archive.read("[Content_Types].xml").decode("utf-8"))


def test_every_command_keeps_the_vba_project_and_the_button(imported_workbook, tmp_path, run_cli):
    xlsm = excel.make(imported_workbook).workbook
    kept = vba_and_button(xlsm)
    matrix_rows = []

    def still_there(result):
        assert result.code == 0, result.err
        assert vba_and_button(xlsm) == kept
        matrix_rows.append(len(load_workbook(xlsm, keep_vba=True)["Kandidaten"]["A"]))

    assess_as_declared(xlsm)
    assert vba_and_button(xlsm) == kept
    order = ",".join(sorted(actions.EXAMPLE_LOT, key=actions.EXAMPLE_LOT.get))
    still_there(run_cli("loting", xlsm, "--volgorde", order, "--moment", "01-07-2026 10:00",
                        "--plaats", "Hilversum", "--door", "J. Smit"))
    still_there(run_cli("rank", xlsm))
    still_there(run_cli("check", xlsm))
    still_there(run_cli("letters", xlsm, "-o", tmp_path / "brieven", "--datum", "02-07-2026"))
    still_there(run_cli("mail", xlsm, "--letters", tmp_path / "brieven", "-o", tmp_path / "eml"))
    assert matrix_rows == [16] * 5                           # the 15 offers and their header, each time
    assert sorted(macros(xlsm)) == ["Dictionary", "Module1", "Sheet1", "Sheet2", "ThisWorkbook", "xlwings"]


@pytest.mark.parametrize("name, module", [("aanvraag-30662.xlsx", "aanvraag_30662"), ("30662.xlsx", "werkboek_30662"),
                                          ("inhuur 2026.xlsx", "inhuur_2026"), ("class.xlsx", "werkboek_class")])
def test_the_xlsm_is_named_so_that_python_can_import_it(name, module):
    target = excel.target_for(Path("/tmp") / name)
    assert target.name == f"{module}.xlsm" and target.stem.isidentifier()


def test_a_name_python_cannot_import_is_refused_and_nothing_written(example_workbook, run_cli):
    before, listing = example_workbook.read_bytes(), sorted(example_workbook.parent.iterdir())
    result = run_cli("excel", example_workbook, "-o", example_workbook.with_name("aanvraag-2.xlsm"))
    assert result.code == 1
    assert result.err == ("Fout: aanvraag-2.xlsm: xlwings roept de Python-module aan met de naam van het werkboek, "
                          "dus die naam mag alleen letters, cijfers en _ bevatten en niet met een cijfer beginnen. "
                          "Kies bijv. -o aanvraag_30662.xlsm.\n")
    assert example_workbook.read_bytes() == before
    assert sorted(example_workbook.parent.iterdir()) == listing


def test_an_xlsm_is_never_replaced_by_the_older_xlsx(example_workbook, run_cli):
    first = run_cli("excel", example_workbook)
    assert first.code == 0 and "aanvraag.xlsm gemaakt" in first.out
    xlsm = example_workbook.with_name("aanvraag.xlsm")
    assert run_cli("rank", xlsm).code == 0                   # work done in the .xlsm since
    made = xlsm.read_bytes()
    again = run_cli("excel", example_workbook)
    assert again.code == 1
    assert again.err == ("Fout: aanvraag.xlsm bestaat al en kan werk bevatten dat niet in het .xlsx-bestand staat; "
                         "er is niets overschreven. Werk in aanvraag.xlsm; na een update van inhuur of xlwings "
                         "vernieuwt inhuur excel aanvraag.xlsm de knop daarin.\n")
    assert xlsm.read_bytes() == made


def test_the_button_is_renewed_in_place_and_the_work_stays(example_workbook, run_cli):
    xlsm = excel.make(example_workbook).workbook
    order = ",".join(sorted(actions.EXAMPLE_LOT, key=actions.EXAMPLE_LOT.get))
    assert run_cli("loting", xlsm, "--volgorde", order, "--moment", "01-07-2026 10:00", "--plaats", "Hilversum",
                   "--door", "J. Smit").code == 0           # work done in the .xlsm
    package = xlsx.Package(xlsm.read_bytes())
    conf = package.sheets()[excel.CONF]
    old = {"xl/vbaProject.bin": b"an older VBA project",
           conf: excel.conf_sheet_xml({"Interpreter_Win": "C:\\oud\\python.exe"}).encode("utf-8")}
    with xlsm.open("wb") as out:
        xlsx.write_package(package, out, old)                # as an .xlsm made by an older inhuur would be
    lots = [row for _, row in xlsx.Package.open(xlsm).rows("Loting")]
    result = run_cli("excel", xlsm)
    assert result.code == 0 and result.out.startswith("De knop in ") and "is vernieuwd: xlwings 0.37.8" in result.out
    assert vba_and_button(xlsm)[0] == excel.vba_project()
    assert excel.conf_settings(xlsm)["INTERPRETER_WIN"] == sys.executable
    assert [row for _, row in xlsx.Package.open(xlsm).rows("Loting")] == lots   # the proces-verbaal stays
    assert run_cli("check", xlsm).code == 0
    other = run_cli("excel", xlsm, "-o", xlsm.with_name("ander.xlsm"))
    assert other.code == 1 and "is al voor Excel gemaakt; vernieuw het zonder -o" in other.err


def test_the_xlsm_opens_in_openpyxl_and_passes_the_check(xlsm, run_cli):
    book = load_workbook(io.BytesIO(xlsm.read_bytes()), keep_vba=True)
    assert book.sheetnames[0] == excel.START and book.sheetnames[-1] == excel.CONF
    assert book[excel.START]["A4"].value == "Wat doet de knop?"
    result = run_cli("check", xlsm)
    assert result.code == 0 and "Werkboek in orde: 15 inschrijvingen" in result.out
