"""Writing a released table as CSV, JSON or XLSX, each with its method attached."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, TypedDict

from directory.spreadsheets import escape_cell


class Export(TypedDict):
    """A released table: its method, one row per group, and the total when one is given."""

    method: dict[str, Any]
    # The grouping columns' values, and "visitor_days".
    rows: list[dict[str, Any]]
    total: int | str | None


def _columns(export: Export) -> list[str]:
    """The table's columns: the grouping columns, then the figure."""
    return [*export["method"]["group_by"], "visitor_days"]


def _table_rows(export: Export) -> list[list[Any]]:
    """Body rows and, when given, the total row, every cell made spreadsheet-safe."""
    columns = _columns(export)
    rows = [[escape_cell(row[name]) for name in columns] for row in export["rows"]]
    if export["total"] is not None:
        rows.append(["Total", *[""] * (len(columns) - 2), export["total"]])
    return rows


def _method_lines(export: Export) -> list[tuple[str, str]]:
    """The method as (name, value) pairs of text."""
    lines = []
    for name, value in export["method"].items():
        text = json.dumps(value) if isinstance(value, dict | list) else str(value)
        lines.append((name, text))
    return lines


def to_csv(export: Export, docs_url: str) -> str:
    """CSV: `#` lines with the method first, then the table (read with comment='#')."""
    out = io.StringIO()
    for name, value in [*_method_lines(export), ("about_this_data", docs_url)]:
        out.write(f"# {name}: {value}\n")
    writer = csv.writer(out)
    writer.writerow(_columns(export))
    writer.writerows(_table_rows(export))
    return out.getvalue()


def to_json(export: Export, docs_url: str) -> Export:
    """JSON: the method, the rows and the total."""
    return {**export, "method": {**export["method"], "documentation": docs_url}}


def to_xlsx(export: Export, docs_url: str) -> bytes:
    """XLSX: a Demand sheet and an "About this data" sheet with the method."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook's one (and active) sheet
    sheet.title = "Demand"
    sheet.append(_columns(export))
    for row in _table_rows(export):
        sheet.append(row)
    about = workbook.create_sheet("About this data")
    about.append(["item", "value"])
    for name, value in [*_method_lines(export), ("about_this_data", docs_url)]:
        about.append([escape_cell(name), escape_cell(value)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
