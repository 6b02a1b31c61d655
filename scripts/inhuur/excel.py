"""Make an inhuur workbook macro-enabled: the xlwings VBA project, a Start sheet with a button, xlwings.conf.

Works on the zip: every part of the workbook is copied as it is; only workbook.xml, its relationships and the
content types are rewritten, and the new parts are added. The VBA project is taken from the installed xlwings
package at build time, so the VBA module and the Python package are always the same version.
"""

from __future__ import annotations

import io
import keyword
import re
import sys
import zipfile
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path

from lxml import etree

from inhuur import files, xlsx
from inhuur.errors import FileMissing, NotAModuleName, NotAWorkbook, XlsmExists, XlwingsMissing

START = "Start"
CONF = "xlwings.conf"
ACTIONS = ("Ranglijst bijwerken", "Controleren", "Brieven maken", "Mails klaarzetten")
CHOICE, LETTERS_FOLDER, PDF, RESULT = "B4", "B5", "B6", "B9"  # the Start sheet's cells the button reads/writes
MACRO = "SampleCall"  # xlwings' Module1.SampleCall: RunPython "import <workbook name>; <workbook name>.main()"
TEMPLATE = "quickstart_standalone.xlsm"

_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
_MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


@dataclass(frozen=True)
class Made:
    """What `inhuur excel` wrote: the macro-enabled workbook, the module its button imports, the xlwings version."""

    workbook: Path
    module: Path
    xlwings: str
    interpreter: str
    renewed: bool = False


def xlwings_version() -> str:
    """The installed xlwings version (the VBA project is taken from this very package)."""
    try:
        return metadata.version("xlwings")
    except metadata.PackageNotFoundError:
        raise XlwingsMissing()


def vba_project() -> bytes:
    """xl/vbaProject.bin of the installed xlwings' standalone quickstart (xlwings module + Module1.SampleCall)."""
    spec = util.find_spec("xlwings")  # locates the package without importing it (which needs Excel)
    if spec is None or not spec.submodule_search_locations:
        raise XlwingsMissing()
    template = Path(list(spec.submodule_search_locations)[0]) / TEMPLATE
    with zipfile.ZipFile(template) as archive:
        return archive.read("xl/vbaProject.bin")


def target_for(source: Path) -> Path:
    """The .xlsm beside the workbook, named so that Python can import it: 'aanvraag-30662' -> 'aanvraag_30662'."""
    name = re.sub(r"\W", "_", source.stem)
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = f"werkboek_{name}"
    return source.with_name(f"{name}.xlsm")


def make(source: str | Path, target: str | Path | None = None, interpreter: str | None = None) -> Made:
    """Write the macro-enabled copy of an inhuur workbook and the Python module its button calls; given an .xlsm
    made so before, renew its VBA project, xlwings.conf and module in place (after upgrading xlwings)."""
    source = Path(source)
    if not source.is_file():
        raise FileMissing(source)
    from inhuur.workbook import open_workbook  # the same check every command makes: an inhuur workbook
    matrix = open_workbook(source)
    sheets = matrix.package.sheets()
    if START in sheets and CONF in sheets:
        if target is not None and Path(target).resolve() != source.resolve():
            raise NotAWorkbook(source, f"het is al voor Excel gemaakt; vernieuw het zonder -o: inhuur excel "
                                       f"{source.name}")
        return renew(source, interpreter)
    target = Path(target) if target is not None else target_for(source)
    if not target.stem.isidentifier() or keyword.iskeyword(target.stem) or target.suffix.lower() != ".xlsm":
        raise NotAModuleName(target)
    if target.exists():
        raise XlsmExists(target)  # it may hold work done since: never replaced by the older .xlsx
    version = xlwings_version()
    interpreter = interpreter or sys.executable
    parts = _parts(matrix.package, vba_project(), interpreter, target.parent, matrix.styles)
    files.atomic_write(target, lambda handle: xlsx.write_package(matrix.package, handle, parts), keep_backup=False)
    module = target.with_suffix(".py")
    files.write_text_atomic(module, module_text(target))
    precompile()
    return Made(target, module, version, interpreter)


def renew(path: Path, interpreter: str | None = None) -> Made:
    """Put the installed xlwings' VBA project and this interpreter into an .xlsm made before, under the writer
    lock like every command (refused while it is open); everything else in it stays as it is."""
    from inhuur import workbook
    from inhuur.guard import editing

    version = xlwings_version()
    interpreter = interpreter or sys.executable
    with editing(path, "excel") as matrix:
        vba = matrix.package.related(_VBA_REL)
        matrix.changed[vba[0] if vba else "xl/vbaProject.bin"] = vba_project()
        matrix.changed[matrix.package.sheets()[CONF]] = conf_sheet_xml(settings(interpreter, path.parent)).encode()
        workbook.save(matrix)
    module = path.with_suffix(".py")
    files.write_text_atomic(module, module_text(path))
    precompile()
    return Made(path, module, version, interpreter, renewed=True)


def precompile() -> None:
    """Write inhuur's bytecode now: xlwings starts Python with -B (no bytecode written), so without this every
    button press would compile inhuur's modules again (about 40 ms)."""
    import compileall

    compileall.compile_dir(Path(__file__).parent, quiet=2)


def module_text(workbook: Path) -> str:
    """The module xlwings imports when the button is pressed: it hands the workbook to inhuur.button."""
    return (f'"""Called by the button on the {START} sheet of {workbook.name}: xlwings imports the module named '
            f'after the workbook.\n\nMade by `inhuur excel`; make it again rather than editing it."""\n\n'
            f"from inhuur.button import press_in_excel\n\n\n"
            f"def main():\n    press_in_excel()\n")


def _parts(package: xlsx.Package, vba: bytes, interpreter: str, folder: Path, styles: dict[str, str]
           ) -> dict[str, bytes]:
    """The parts to add or replace: the VBA project, the two sheets, the button's drawing, and the bookkeeping."""
    names = set(package.zip.namelist())
    numbers = [int(m.group(1)) for n in names if (m := re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", n))]
    start_no, conf_no = max(numbers, default=0) + 1, max(numbers, default=0) + 2
    vml_no = 1 + max((int(m.group(1)) for n in names if (m := re.fullmatch(r"xl/drawings/vmlDrawing(\d+)\.vml", n))),
                     default=0)
    start_part, conf_part = f"xl/worksheets/sheet{start_no}.xml", f"xl/worksheets/sheet{conf_no}.xml"

    rels = package.tree("xl/_rels/workbook.xml.rels")
    ids = {r.get("Id") for r in rels}
    fresh = (f"rId{n}" for n in range(1, 10_000) if f"rId{n}" not in ids)
    start_id, conf_id, vba_id = next(fresh), next(fresh), next(fresh)
    for rel_id, kind, target in ((start_id, f"{_OFFICE_REL}/worksheet", f"worksheets/sheet{start_no}.xml"),
                                 (conf_id, f"{_OFFICE_REL}/worksheet", f"worksheets/sheet{conf_no}.xml"),
                                 (vba_id, _VBA_REL, "vbaProject.bin")):
        etree.SubElement(rels, f"{{{_PKG_REL}}}Relationship", Id=rel_id, Type=kind, Target=target)

    types = package.tree("[Content_Types].xml")
    for node in types:
        if node.get("PartName") == "/xl/workbook.xml":
            node.set("ContentType", _MACRO_MAIN)
    defaults = {node.get("Extension") for node in types if node.get("Extension")}
    for extension, kind in (("bin", "application/vnd.ms-office.vbaProject"),
                            ("vml", "application/vnd.openxmlformats-officedocument.vmlDrawing")):
        if extension not in defaults:
            types.insert(0, etree.Element(f"{{{_CT}}}Default", Extension=extension, ContentType=kind))
    for part in (start_part, conf_part):
        etree.SubElement(types, f"{{{_CT}}}Override", PartName=f"/{part}", ContentType=_SHEET_TYPE)

    return {
        "xl/workbook.xml": _workbook_xml(package, start_id, conf_id),
        "xl/_rels/workbook.xml.rels": etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True),
        "[Content_Types].xml": etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True),
        "xl/vbaProject.bin": vba,
        start_part: start_sheet_xml(styles).encode("utf-8"),
        f"xl/worksheets/_rels/sheet{start_no}.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_OFFICE_REL}/vmlDrawing" '
            f'Target="../drawings/vmlDrawing{vml_no}.vml"/></Relationships>').encode("utf-8"),
        f"xl/drawings/vmlDrawing{vml_no}.vml": button_vml(vml_no).encode("utf-8"),
        conf_part: conf_sheet_xml(settings(interpreter, folder)).encode("utf-8"),
    }


def _workbook_xml(package: xlsx.Package, start_id: str, conf_id: str) -> bytes:
    """workbook.xml with Start as the first sheet and xlwings.conf (hidden) as the last; the VBA project's
    ThisWorkbook module named; sheet-local names and the open tab moved along with the sheets."""
    main = xlsx.MAIN
    book = package.tree("xl/workbook.xml")
    pr = book.find(f"{{{main}}}workbookPr")
    if pr is None:
        pr = etree.Element(f"{{{main}}}workbookPr")
        anchor = book.find(f"{{{main}}}fileVersion")
        book.insert(0 if anchor is None else book.index(anchor) + 1, pr)
    pr.set("codeName", "ThisWorkbook")
    sheets = book.find(f"{{{main}}}sheets")
    used = [int(s.get("sheetId")) for s in sheets]
    start = etree.Element(f"{{{main}}}sheet", name=START, sheetId=str(max(used) + 1))
    start.set(f"{{{_OFFICE_REL}}}id", start_id)
    sheets.insert(0, start)
    conf = etree.SubElement(sheets, f"{{{main}}}sheet", name=CONF, sheetId=str(max(used) + 2), state="hidden")
    conf.set(f"{{{_OFFICE_REL}}}id", conf_id)
    for name in book.iter(f"{{{main}}}definedName"):  # sheet-local names count sheets by position
        if name.get("localSheetId") is not None:
            name.set("localSheetId", str(int(name.get("localSheetId")) + 1))
    for view in book.iter(f"{{{main}}}workbookView"):  # the tab that was open stays open (no two selected tabs)
        for key in ("activeTab", "firstSheet"):
            if key == "activeTab" or view.get(key) is not None:
                view.set(key, str(int(view.get(key, "0")) + 1))
    return etree.tostring(book, xml_declaration=True, encoding="UTF-8", standalone=True)


# (cell, text, style key of the workbook's own styles); the inputs are unlocked cells like every input
START_CELLS = (
    ("A1", "inhuur: de knop", "title"),
    ("A3", "Kies in B4 wat de knop doet en klik op Uitvoeren. Excel bewaart eerst het werkboek; inhuur werkt op "
           "een kopie en zet wat het veranderde terug in dit werkboek.", "wrap"),
    ("A4", "Wat doet de knop?", "bold"), ("B4", ACTIONS[0], "input"),
    ("A5", "Map voor brieven en e-mails", "bold"), ("B5", "brieven", "input"),
    ("A6", "Brieven ook als pdf", "bold"), ("B6", "Nee", "input"),
    ("A8", "Laatste keer", "bold"), ("B8", "", "wrap"),
    ("A9", "Uitkomst", "bold"), ("B9", "", "wrap"),
    ("A11", "Ranglijst bijwerken: als inhuur rank. Controleren: als inhuur check. Brieven maken: als inhuur "
            "letters, in de map van B5 (naast dit werkboek), gedateerd vandaag. Mails klaarzetten: als inhuur "
            "mail, als .eml-bestanden in de map e-mails in die map; er wordt niets verstuurd.", "wrap"),
)
START_TEXT = {ref: text for ref, text, _ in START_CELLS}
_HEIGHTS = {3: 48, 9: 96, 11: 64}


def start_sheet_xml(styles: dict[str, str] | None = None) -> str:
    """The Start sheet: the action choice (a drop-down), the letters' folder, and where the outcome is shown."""
    styles = styles or {}
    rows: dict[int, list[str]] = {}
    for ref, text, style in START_CELLS:
        rows.setdefault(xlsx.split_ref(ref)[1], []).append(xlsx.cell_xml(ref, text, styles.get(style)))
    body = "".join(f'<row r="{n}"' + (f' ht="{_HEIGHTS[n]}" customHeight="1"' if n in _HEIGHTS else "")
                   + f'>{"".join(cells)}</row>' for n, cells in sorted(rows.items()))
    choices = ",".join(ACTIONS)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{xlsx.MAIN}" xmlns:r="{_OFFICE_REL}"><sheetPr codeName="Sheet1">'
            '<pageSetUpPr fitToPage="1"/></sheetPr>'
            '<dimension ref="A1:C11"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="30" customWidth="1"/>'
            '<col min="2" max="2" width="62" customWidth="1"/><col min="3" max="3" width="24" customWidth="1"/>'
            f"</cols><sheetData>{body}</sheetData>"
            '<mergeCells count="2"><mergeCell ref="A3:C3"/><mergeCell ref="A11:C11"/></mergeCells>'
            '<dataValidations count="2">'
            f'<dataValidation type="list" allowBlank="0" showErrorMessage="1" sqref="{CHOICE}">'
            f'<formula1>"{choices}"</formula1></dataValidation>'
            f'<dataValidation type="list" allowBlank="0" showErrorMessage="1" sqref="{PDF}">'
            '<formula1>"Ja,Nee"</formula1></dataValidation></dataValidations>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
            '<legacyDrawing r:id="rId1"/></worksheet>')


def button_vml(number: int, caption: str = "Uitvoeren") -> str:
    """The form button (a VML shape) on the Start sheet, bound to the macro; in column C next to the choice."""
    shape_id = 1024 * number + 1
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{number}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
        'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>'
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t201" style="position:absolute;margin-left:480pt;'
        'margin-top:45pt;width:120pt;height:30pt;z-index:1;mso-wrap-style:tight" o:button="t" '
        'fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">'
        '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/>'
        '<v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:center">'
        f'<font face="Calibri" size="220" color="#000000">{xlsx.escape(caption)}</font></div></v:textbox>'
        '<x:ClientData ObjectType="Button"><x:Anchor>2, 10, 3, 2, 2, 160, 5, 16</x:Anchor>'
        f'<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill><x:FmlaMacro>[0]!{MACRO}</x:FmlaMacro>'
        '<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape></xml>')


def settings(interpreter: str, folder: Path) -> dict[str, str]:
    """What xlwings.conf holds: the interpreter that made the workbook (for Windows and macOS) and its folder."""
    return {"Interpreter_Win": interpreter, "Interpreter_Mac": interpreter, "PYTHONPATH": str(folder)}


def conf_sheet_xml(values: dict[str, str]) -> str:
    """The xlwings.conf sheet: one setting a row from A1 down (xlwings stops at the first empty A cell)."""
    rows = "".join(xlsx.row_xml(n, [xlsx.cell_xml(f"A{n}", key), xlsx.cell_xml(f"B{n}", value)])
                   for n, (key, value) in enumerate(values.items(), start=1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{xlsx.MAIN}"><sheetPr codeName="Sheet2"/><sheetData>{rows}</sheetData>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')


def conf_settings(source: str | Path | io.BytesIO) -> dict[str, str]:
    """The settings as xlwings' GetConfigFromSheet reads them: A1 down to the last non-empty A, keys upper-cased."""
    package = xlsx.Package.open(source)
    settings: dict[str, str] = {}
    for number, cells in package.rows(CONF):
        key = cells.get(1)
        if number != len(settings) + 1 or key is None or key.value in (None, ""):
            break
        value = cells.get(2)
        settings[str(key.value).upper()] = "" if value is None or value.value is None else str(value.value)
    return settings

