"""Excel exports cannot smuggle formulas: text starting with = + - @ stays text."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from audit.excel import append_row, safe_cell

PAYLOADS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", '=HYPERLINK("http://evil","x")', "\t=1"]


@pytest.mark.parametrize("write_only", [False, True])
def test_append_row_writes_formula_like_text_as_text(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet() if write_only else workbook.active
    append_row(sheet, [*PAYLOADS, -5, 3.5, "普通文字"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    cells = next(load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0].iter_rows())
    assert [c.value for c in cells[: len(PAYLOADS)]] == PAYLOADS
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[: len(PAYLOADS)])
    assert [c.value for c in cells[len(PAYLOADS) :]] == [-5, 3.5, "普通文字"]
    assert cells[len(PAYLOADS)].data_type == "n"


@pytest.mark.parametrize("value", PAYLOADS)
def test_safe_cell_prefixes_formula_like_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["文字", "a=b", 42, -3, None, "2026-01-01"])
def test_safe_cell_leaves_other_values_alone(value):
    assert safe_cell(value) == value
