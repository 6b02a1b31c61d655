"""Edit a workbook in LibreOffice itself, through its UNO bridge, as a user would; run with the system python3.

Usage: python3 lo_edit.py WORKBOOK.xlsx PROFILE_DIR delete-row SHEET ID
Deletes the row whose column A holds ID (after lifting the password-less sheet protection, as a user
would with Extra > Blad beveiligen), then saves the workbook as .xlsx in place and quits.
"""

import sys

import uno

from lo_live import connect, prop  # the same LibreOffice start and UNO connection as the live button tests


def main(path, profile, action, sheet_name, row_id):
    office, ctx = connect(profile)
    try:
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (prop("Hidden", True),))
        sheet = doc.Sheets.getByName(sheet_name)
        sheet.unprotect("")
        assert action == "delete-row", action
        for r in range(1, 100000):
            value = sheet.getCellByPosition(0, r).getString()
            if value == row_id:
                sheet.Rows.removeByIndex(r, 1)
                break
            if value == "":
                raise SystemExit(f"{row_id} not found on {sheet_name}")
        sheet.protect("")
        doc.storeToURL(uno.systemPathToFileUrl(path), (prop("FilterName", "Calc Office Open XML"),))
        doc.close(True)
    finally:
        office.terminate()
        office.wait(30)


if __name__ == "__main__":
    main(*sys.argv[1:])
