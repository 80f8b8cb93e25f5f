"""Writes one sheet with openpyxl from a JSON spec, the way platforms export their records: a
merged title row, a blank row, the header, then the rows (numbers as numbers, text as text).
The Rust tests make the spec from the desk they import into (synthetic people only).

usage: write_rows.py SPEC.json OUT.xlsx
spec: {"sheet": "...", "title": "...", "header": [...], "rows": [[...], ...]}
"""
import json
import sys

from openpyxl import Workbook
from openpyxl.styles import Font

spec = json.load(open(sys.argv[1], encoding="utf-8"))
wb = Workbook(write_only=len(spec["rows"]) > 5000)
ws = wb.create_sheet(spec["sheet"]) if wb.write_only else wb.active
if not wb.write_only:
    ws.title = spec["sheet"]
    ws["A1"] = spec["title"]
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(spec["header"]))
    ws.append([])
else:
    ws.append([spec["title"]])
    ws.append([])
ws.append(spec["header"])
for row in spec["rows"]:
    ws.append(row)
wb.save(sys.argv[2])
