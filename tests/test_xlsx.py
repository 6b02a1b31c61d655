"""The streaming sheet editor: rows found by their tags in any chunking, whatever prefix the writer used."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree
from openpyxl import load_workbook

from inhuur import xlsx, ziparts
from inhuur.errors import DamagedSheet

MAIN = xlsx.MAIN
PLAIN = (f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><dimension ref="A1:C3"/><sheetData>'
         '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
         '<row r="2" spans="1:3"><c r="A2" s="4"><v>1</v></c><c r="C2" s="7" t="str"><f>A2&amp;"x"</f><v>1x</v></c>'
         '</row><row r="3"/></sheetData><autoFilter ref="A1:C3"/></worksheet>').encode()
PREFIXED = (f'<x:worksheet xmlns:x="{MAIN}"><x:dimension ref="A1:A2"/><x:sheetData>'
            '<x:row r="2"><x:c r="A2"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>').encode()


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def edited(data: bytes, size: int = 7, **edits):
    return etree.fromstring(b"".join(xlsx.edit_sheet(chunked(data, size), **edits)))


def cells(root) -> dict[str, tuple[str | None, str | None, str | None]]:
    """ref -> (formula, value, style) for every cell, read back with lxml."""
    out = {}
    for c in root.iter(f"{{{MAIN}}}c"):
        f, v = c.find(f"{{{MAIN}}}f"), c.find(f"{{{MAIN}}}v")
        out[c.get("r")] = (None if f is None else f.text, None if v is None else v.text, c.get("s"))
    return out


@pytest.mark.parametrize("size", [1, 5, 64, 100_000])
def test_rows_are_found_in_any_chunking(size):
    numbers = list(xlsx.row_numbers(chunked(PLAIN, size)))
    assert numbers == [1, 2, 3]
    assert etree.tostring(edited(PLAIN, size)) == etree.tostring(etree.fromstring(PLAIN))


def test_rows_are_added_in_order_and_a_same_numbered_row_is_replaced():
    root = edited(PLAIN, add=['<row r="3"><c r="A3"><v>3</v></c></row>', '<row r="5"><c r="B5"><v>5</v></c></row>'])
    assert [r.get("r") for r in root.iter(f"{{{MAIN}}}row")] == ["1", "2", "3", "5"]
    assert cells(root)["A3"] == (None, "3", None)
    assert root.find(f"{{{MAIN}}}dimension").get("ref") == "A1:C5"


def test_a_cell_keeps_its_style_and_a_missing_cell_is_inserted_in_column_order():
    root = edited(PLAIN, cells=lambda n: {3: xlsx.cell_xml(f"C{n}", formula="A2+1", result=2),
                                          2: xlsx.cell_xml(f"B{n}", "b")} if n == 2 else None)
    got = cells(root)
    assert got["C2"] == ("A2+1", "2", "7")
    assert [c.get("r") for c in root.iter(f"{{{MAIN}}}c")] == ["A1", "A2", "B2", "C2"]


def test_stale_results_drop_formula_values_only():
    root = edited(PLAIN, stale_results=True)
    assert cells(root)["C2"] == ('A2&"x"', None, "7")
    assert cells(root)["A2"] == (None, "1", "4")
    assert root.find(f".//{{{MAIN}}}c[@r='C2']").get("t") is None


def test_replace_keeps_only_the_new_rows_and_sets_filter_and_dimension():
    root = edited(PLAIN, add=['<row r="1"><c r="A1"><v>9</v></c></row>'], replace=True, auto_filter="A1:A1")
    assert list(cells(root)) == ["A1"]
    assert root.find(f"{{{MAIN}}}autoFilter").get("ref") == "A1:A1"
    assert root.find(f"{{{MAIN}}}dimension").get("ref") == "A1:A1"


def test_a_prefixed_sheet_gets_prefixed_rows_and_cells():
    root = edited(PREFIXED, add=['<row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c></row>'],
                  cells=lambda n: {1: xlsx.cell_xml("A2", formula="1+2", result=3)} if n == 2 else None)
    assert cells(root) == {"A2": ("1+2", "3", None), "A3": (None, None, None)}
    assert root.find(f".//{{{MAIN}}}t").text == "x"


def test_an_empty_sheet_data_is_opened_for_new_rows():
    empty = f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode()
    root = edited(empty, add=['<row r="1"><c r="A1"><v>1</v></c></row>'])
    assert cells(root) == {"A1": (None, "1", None)}


def reader() -> xlsx.Package:
    """A package with no parts: enough to read sheet XML handed to Package.rows as `data`."""
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return xlsx.Package(buffer.getvalue())


LONG = "lang " * 200  # row 5 is longer than the smallest blocks below
ROWS = (f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}"><cols><col min="1" max="2"/></cols>'
        '<sheetData>'
        + "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}" t="inlineStr"><is><t>'
                  f'{LONG if n == 5 else f"tekst {n} &amp; meer"}</t></is></c></row>' for n in range(1, 40))
        + '<row r="41"/><row r="42"><c r="C42" t="str"><f>A1&amp;"x"</f><v>1x</v></c></row>'
          '</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>').encode()


# a sheet's stored size chooses its parser: xml.etree below xlsx.LXML_FROM, lxml from there; both read alike
PARSERS = pytest.mark.parametrize("stored", [0, xlsx.LXML_FROM], ids=["xml.etree", "lxml"])


@PARSERS
@pytest.mark.parametrize("block", [64, 300, 1 << 17])
@pytest.mark.parametrize("size", [7, 1000, 1 << 20])
def test_rows_are_read_whole_whatever_the_block_and_chunk_size(monkeypatch, block, size, stored):
    monkeypatch.setattr(xlsx, "PARSE_BLOCK", block)
    read = dict(reader().rows("blad", data=chunked(ROWS, size), size=stored))
    assert list(read) == [*range(1, 40), 41, 42]
    assert [read[n][1].value for n in range(1, 40)] == list(range(1, 40))
    assert read[5][2].value == LONG and read[6][2].value == "tekst 6 & meer"
    assert read[41] == {} and read[42] == {3: xlsx.RawCell("1x", 'A1&"x"', None)}


@PARSERS
def test_a_prefixed_or_empty_sheet_is_read_and_a_cut_off_one_refused(stored):
    assert list(reader().rows("blad", data=chunked(PREFIXED, 5), size=stored)) == [
        (2, {1: xlsx.RawCell(2, "1+1", None)})]
    empty = f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode()
    assert list(reader().rows("blad", data=[empty], size=stored)) == []
    with pytest.raises(ValueError, match="inside sheetData"):
        list(reader().rows("blad", data=[ROWS[:ROWS.index(b"</sheetData>")]], size=stored))


@PARSERS
def test_an_external_entity_is_never_read(tmp_path, stored):
    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIM")
    sheet = (f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file://{secret}">]>'
             f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row>'
             f'</sheetData></worksheet>').encode()
    try:
        read = list(reader().rows("blad", data=[sheet], size=stored))
    except DamagedSheet:  # refused as unreadable: as good
        return
    assert "GEHEIM" not in repr(read)


SHARED = (f'<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><t>gewoon</t></si>'
          '<si><r><rPr><b/></rPr><t>vet</t></r><r><t xml:space="preserve"> en niet</t></r></si>'
          '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si></sst>').encode()


@pytest.mark.parametrize("lxml_from", [1 << 30, 0], ids=["xml.etree", "lxml"])
def test_shared_strings_are_read_as_excel_shows_them(monkeypatch, lxml_from):
    """As Excel and LibreOffice save text: plain, in runs of rich text, with a phonetic reading that is not shown."""
    monkeypatch.setattr(xlsx, "LXML_FROM", lxml_from)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/sharedStrings.xml", SHARED)
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">' + "".join(
        f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABC")) + '</row></sheetData></worksheet>').encode()
    read = dict(xlsx.Package(buffer.getvalue()).rows("blad", data=[sheet]))
    assert [read[1][i].value for i in (1, 2, 3)] == ["gewoon", "vet en niet", "東京"]


def with_rows(values: list) -> bytes:
    """An openpyxl workbook with 'kop' in A1, and the values below it in column A written by inhuur's sheet editor
    (the edited sheet kept deflated, as commands keep it)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "kop"
    buffer = io.BytesIO()
    book.save(buffer)
    package = xlsx.Package(buffer.getvalue())
    part = package.sheets()["Sheet"]
    rows = [xlsx.row_xml(n, [xlsx.cell_xml(f"A{n}", value)]) for n, value in enumerate(values, start=2)]
    out = io.BytesIO()
    xlsx.write_package(package, out, {part: ziparts.Deflated.of(xlsx.edit_sheet(package.chunks(part), add=rows))})
    return out.getvalue()


def test_deflated_parts_are_written_and_read_back_by_zipfile_and_openpyxl():
    data = with_rows(list(range(2, 5002)))
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "kop" and sheet["A5001"].value == 5001 and sheet.max_row == 5001


TEXTS = ["gewoon", " voorloop", "achteraan ", "twee  spaties", "regel\neen", "tab\there", "  "]


def test_only_text_with_spaces_to_keep_is_marked_preserve():
    root = etree.fromstring(f'<row xmlns="{MAIN}">{"".join(xlsx.cell_xml(f"A{i}", t) for i, t in enumerate(TEXTS, 1))}'
                            f'</row>'.encode())
    marked = {t.text: t.get("{http://www.w3.org/XML/1998/namespace}space") for t in root.iter(f"{{{MAIN}}}t")}
    assert marked == {"gewoon": None, **{t: "preserve" for t in TEXTS[1:]}}


def test_a_cell_never_holds_what_xml_cannot_and_the_workbook_stays_readable():
    """Control characters, a lone surrogate (from a command line in a foreign encoding) and U+FFFF become U+FFFD;
    the tab, line break and visible text around them stay."""
    texts = ["Jan\x0bde\x01Vries", "a\udc80b", "x\uffffy", "tab\there\nregel", "<&>"]
    data = ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<row xmlns="{MAIN}">{"".join(xlsx.cell_xml(f"A{i}", t) for i, t in enumerate(texts, 1))}</row>'
            ).encode("utf-8")
    root = etree.fromstring(data)
    assert ["".join(t.itertext()) for t in root.iter(f"{{{MAIN}}}t")] == [
        "Jan\ufffdde\ufffdVries", "a\ufffdb", "x\ufffdy", "tab\there\nregel", "<&>"]
    formula = xlsx.cell_xml("A1", formula="\x02A2", result=1)
    assert etree.fromstring(f'<row xmlns="{MAIN}">{formula}</row>'.encode()).findtext(f".//{{{MAIN}}}f") == "\ufffdA2"


@pytest.mark.soffice
def test_texts_keep_their_spaces_through_libreoffice(tmp_path):
    from inhuur import soffice

    path = tmp_path / "teksten.xlsx"
    path.write_bytes(with_rows(TEXTS))
    saved = soffice.recalculate([path], tmp_path / "lo")[0]
    sheet = load_workbook(saved).active
    assert [sheet.cell(row=n, column=1).value for n in range(2, 2 + len(TEXTS))] == TEXTS


MC = ('xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x15" '
      'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"')
BOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}workbook xmlns{colon}{p_name}="' + MAIN + '" '
        + MC + '><{p}sheets><{p}sheet name="blad" sheetId="1"/></{p}sheets>{calc}{ext}</{p}workbook>')
EXT = '<extLst><ext uri="{x}"><x15:calcPr fullCalcOnLoad="0"/></ext></extLst>'


def workbook_package(calc: str, ext: str = EXT, prefix: str = "", chain: bool = False) -> xlsx.Package:
    """A package with just the parts recalculate_on_open edits; optionally a calculation chain as Excel keeps it."""
    book = BOOK.format(p=f"{prefix}:" if prefix else "", colon=":" if prefix else "", p_name=prefix, calc=calc,
                       ext=ext)
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="t/worksheet" Target="worksheets/sheet1.xml"/>'
            + ('<Relationship Id="rId9" Type="t/calcChain" Target="calcChain.xml"/>' if chain else "")
            + '<Relationship Id="rId2" Type="t/styles" Target="styles.xml"/></Relationships>')
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Override PartName="/xl/workbook.xml" ContentType="w"/>'
             + ('<Override PartName="/xl/calcChain.xml" ContentType="c"></Override>' if chain else "") + '</Types>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("[Content_Types].xml", types)
        if chain:
            z.writestr("xl/calcChain.xml", f'<calcChain xmlns="{MAIN}"><c r="A1" i="1"/></calcChain>')
    return xlsx.Package(buffer.getvalue())


@pytest.mark.parametrize("calc, on, expected", [
    ('<calcPr calcId="191029"/>', True, '<calcPr calcId="191029" fullCalcOnLoad="1"/>'),        # as Excel saves
    ('<calcPr calcId="191029" />', True, '<calcPr calcId="191029" fullCalcOnLoad="1"/>'),
    ('<calcPr iterateCount="100" fullCalcOnLoad="1" refMode="A1"/>', False,                     # as LibreOffice
     '<calcPr iterateCount="100" refMode="A1"/>'),
    ("<calcPr fullCalcOnLoad='0'></calcPr>", True, '<calcPr fullCalcOnLoad="1"></calcPr>'),
    ("", True, '<calcPr fullCalcOnLoad="1"/>'),                                  # none yet: before extLst
])
def test_recalculation_on_open_is_switched_in_the_workbooks_own_calc_pr(calc, on, expected):
    book = workbook_package(calc).read("xl/workbook.xml").decode()
    parts = xlsx.recalculate_on_open(workbook_package(calc), on=on)
    assert parts["xl/workbook.xml"].decode() == (book.replace(calc, expected) if calc else
                                                 book.replace("<extLst>", expected + "<extLst>"))
    assert set(parts) == {"xl/workbook.xml"}  # no calculation chain to drop


@pytest.mark.parametrize("prefix, ext", [("", ""), ("x", "")])
def test_a_missing_calc_pr_is_added_with_the_roots_prefix_and_an_absent_one_left_alone(prefix, ext):
    package = workbook_package("", ext=ext, prefix=prefix)
    book = package.read("xl/workbook.xml").decode()
    p = f"{prefix}:" if prefix else ""
    added = xlsx.recalculate_on_open(package, on=True)["xl/workbook.xml"].decode()
    assert added == book.replace(f"</{p}workbook>", f'<{p}calcPr fullCalcOnLoad="1"/></{p}workbook>')
    assert xlsx.recalculate_on_open(package, on=False) == {}  # nothing to switch off: the part is not rewritten
    assert xlsx.recalculate_on_open(workbook_package('<calcPr calcId="1"/>'), on=False) == {}


def test_the_calculation_chain_is_dropped_with_its_relationship_and_content_type():
    package = workbook_package('<calcPr calcId="191029" fullCalcOnLoad="1"/>', chain=True)
    plain = workbook_package('<calcPr calcId="191029"/>')
    parts = xlsx.recalculate_on_open(package, on=False)
    assert parts["xl/calcChain.xml"] == b""
    assert parts["xl/workbook.xml"] == plain.read("xl/workbook.xml")
    assert parts["xl/_rels/workbook.xml.rels"] == plain.read("xl/_rels/workbook.xml.rels")
    assert parts["[Content_Types].xml"] == plain.read("[Content_Types].xml")
    out = io.BytesIO()
    xlsx.write_package(package, out, parts)
    assert "xl/calcChain.xml" not in zipfile.ZipFile(out).namelist()
