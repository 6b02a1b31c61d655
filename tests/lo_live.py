"""LibreOffice playing Excel's part for the button: a workbook open in a live office, driven over a pipe.

Run with the system python3 (it has LibreOffice's uno module): python3 lo_live.py WORKBOOK PROFILE_DIR
It starts LibreOffice headless, opens the workbook and then answers one JSON request a line on stdin with one
JSON line on stdout: path, save, value, write (a block; '=…' is a formula in Excel's syntax), button (the
Start sheet's form buttons and the macros they call), close. The tests' LiveBook speaks this protocol, so
inhuur.button.press runs against the live document exactly as it runs against Excel through xlwings.
"""

import json
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.table import CellAddress

OOXML = 5  # com.sun.star.sheet.FormulaLanguage.OOXML: formulas as Excel writes them
GROUPS = 1 | 2 | 4 | 8 | 16 | 32  # FormulaMapGroup: special, separators, array separators, operators, functions
XL_OOX = 3  # com.sun.star.sheet.AddressConvention.XL_OOX: Sheet!A1 references


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(profile):
    port = 20000 + (int(time.time() * 1000) % 20000)
    office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo",
                               f"-env:UserInstallation=file://{profile}",
                               f"--accept=socket,host=127.0.0.1,port={port};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(300):
        try:
            return office, resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
        except Exception:
            time.sleep(0.1)
    office.terminate()
    raise SystemExit("LibreOffice did not answer")


def cell_value(cell):
    kind = cell.getType().value
    if kind == "EMPTY":
        return None
    if kind == "TEXT":
        return cell.getString()
    if kind == "VALUE":
        return cell.getValue()
    return cell.getString() if cell.FormulaResultType2 == 2 else cell.getValue()  # 2: text result


def write(doc, sheet, ref, rows):
    parser = doc.createInstance("com.sun.star.sheet.FormulaParser")
    parser.OpCodeMap = doc.createInstance("com.sun.star.sheet.FormulaOpCodeMapper").getAvailableMappings(OOXML, GROUPS)
    parser.FormulaConvention = XL_OOX
    parser.CompileEnglish = True
    start = sheet.getCellRangeByName(ref).getCellAddress()
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = sheet.getCellByPosition(start.Column + c, start.Row + r)
            if value is None:
                cell.setString("")
            elif isinstance(value, bool):
                cell.setValue(1 if value else 0)
            elif isinstance(value, (int, float)):
                cell.setValue(value)
            elif value.startswith("="):
                address = CellAddress(start.Sheet, start.Column + c, start.Row + r)
                cell.setTokens(parser.parseFormula(value, address))
            else:
                cell.setString(value)


def buttons(doc, sheet_name):
    page = doc.Sheets.getByName(sheet_name).DrawPage
    found = []
    for f in range(page.Forms.getCount()):
        form = page.Forms.getByIndex(f)
        for i in range(form.getCount()):
            model = form.getByIndex(i)
            events = [e.ScriptCode for e in form.getScriptEvents(i)]
            found.append({"label": getattr(model, "Label", ""), "macros": events})
    return found


def main(path, profile):
    office, ctx = connect(profile)
    try:
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (prop("Hidden", True),))
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            op, answer = request["op"], None
            if op == "path":
                answer = uno.fileUrlToSystemPath(doc.getURL())
            elif op == "save":
                doc.store()
            elif op == "value":
                answer = cell_value(doc.Sheets.getByName(request["sheet"]).getCellRangeByName(request["ref"]))
            elif op == "write":
                sheet = doc.Sheets.getByName(request["sheet"])
                protected = sheet.isProtected()
                if protected:
                    sheet.unprotect("")
                write(doc, sheet, request["ref"], request["rows"])
                if protected:
                    sheet.protect("")
            elif op == "button":
                answer = buttons(doc, request["sheet"])
            elif op == "close":
                doc.close(True)
                print(json.dumps({"answer": None}), flush=True)
                break
            print(json.dumps({"answer": answer}), flush=True)
    finally:
        office.terminate()
        office.wait(30)


if __name__ == "__main__":
    main(*sys.argv[1:])
