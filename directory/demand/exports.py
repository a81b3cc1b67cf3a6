"""Released tables as CSV (with CSVW metadata), JSON and an XLSX release.

Every writer lays out the rows of `directory.demand.release` as they are: none counts or
suppresses anything itself. The spreadsheet follows the Government Analysis Function's guidance
"Releasing statistics in spreadsheets": a cover sheet, contents, notes, then one table per sheet
with its title in A1, its header row in A3, no merged cells and no blank rows or cells.

Everything a person reads is in the current language: a download from a Welsh page is in
Welsh, titles, notes, sheet names and headings (the CSV's header row too, then naming each
column by its Welsh title; its CSVW metadata keeps the stable English names as `name`).
Slugs, codes, keys and the method's metadata, read by scripts, never change.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from directory.demand import disclosure
from directory.demand.tables import Column, Table, dimension_columns, note_number, notes
from directory.i18n import current_language, in_welsh, long_date
from directory.spreadsheets import escape_cell

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from directory.demand.service import TableExport

CSVW_CONTEXT = "http://www.w3.org/ns/csvw"  # the exact value the CSVW standard requires
CSVW_DATATYPES: dict[str, Any] = {
    "string": "string",
    "integer": {"base": "integer", "minimum": 0},
    "decimal": {"base": "decimal", "minimum": 0},
    "date": {"base": "date", "format": "yyyy-MM-dd"},
}


def publisher() -> str:
    """Who publishes the figures, in the current language."""
    return _("Start-up Support Directory")


def release_title() -> str:
    """The release's title, in the current language."""
    return _("Demand for start-up support on the Start-up Support Directory")


def csv_heading(column: Column) -> str:
    """A column's heading in the CSV: its name (the stable key scripts use) in English, its
    title in Welsh, for people reading a download from a Welsh page."""
    return column.title if in_welsh() else column.name


def to_csv(export: TableExport) -> str:
    """Tidy CSV: one header row, then one row per observation, nothing else."""
    table = export.table
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([escape_cell(csv_heading(column)) for column in table.columns])
    for row in table.rows:
        writer.writerow([escape_cell(row[column.name]) for column in table.columns])
    return out.getvalue()


def csv_metadata(export: TableExport, csv_url: str, docs_url: str) -> dict[str, Any]:
    """The CSV's CSVW metadata (W3C "Metadata Vocabulary for Tabular Data")."""
    table, method = export.table, export.method
    all_notes = notes()
    columns = []
    for column in table.columns:
        description: dict[str, Any] = {
            "name": column.name,
            "titles": csv_heading(column),
            "dc:title": column.title,
            "dc:description": column.description,
            "datatype": CSVW_DATATYPES[column.datatype],
            "required": True,
        }
        if column.symbols:
            # A symbol stands for a value that is withheld, not available or not applicable.
            description["null"] = list(column.symbols)
        columns.append(description)
    return {
        "@context": [CSVW_CONTEXT, {"@language": current_language()}],
        "url": csv_url,
        "dc:title": table.full_title,
        "dc:description": f"{table.description}. {all_notes['source']}",
        "dc:publisher": publisher(),
        "dc:issued": {"@value": method["generated_at"], "@type": "xsd:dateTime"},
        "dc:temporal": f"{method['period']['from']}/{method['period']['to']}",
        "dc:source": docs_url,
        "rdfs:seeAlso": {"@id": docs_url},
        # The disclosure rules and everything else a reader needs to read the figures.
        "rdfs:comment": [
            _("Note %(number)s: %(text)s", number=note_number(key), text=all_notes[key])
            for key in table.notes
        ],
        "dialect": {"header": True, "headerRowCount": 1, "encoding": "utf-8"},
        "tableSchema": {
            "columns": columns,
            "primaryKey": [
                column.name
                for column in table.columns
                if column.name in table.dimensions or column.name == "query"
            ],
        },
    }


def to_json(export: TableExport, docs_url: str) -> dict[str, Any]:
    """JSON: the table's title, method, notes, columns, rows and total."""
    table = export.table
    all_notes = notes()
    return {
        "table": table.id,
        "title": table.full_title,
        "method": {**export.method, "documentation": docs_url},
        "notes": [{"number": note_number(key), "text": all_notes[key]} for key in table.notes],
        "columns": [
            {"name": c.name, "title": c.title, "datatype": c.datatype} for c in table.columns
        ],
        "rows": table.rows,
        "total": table.total,
    }


def to_xlsx(tables: list[Table], method: dict[str, Any], docs_url: str) -> bytes:
    """XLSX: cover, contents and notes sheets, then one table per sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    cover = workbook.worksheets[0]  # a new workbook's one (and active) sheet
    # Sheet names: short, no spaces (Welsh ones too).
    cover.title = _("Cover")
    contents_sheet, notes_sheet = _("Contents"), _("Notes")
    _write_cover(cover, tables, method, docs_url)
    contents = [(notes_sheet, _("Notes on the tables: symbols, disclosure control and method"))]
    contents += [
        (table.sheet, _("Table %(number)s: %(title)s", number=number, title=table.full_title))
        for number, table in enumerate(tables, 1)
    ]
    _write_table(
        workbook.create_sheet(contents_sheet),
        contents_sheet,
        _("This worksheet contains one table. Select a sheet name to go to that sheet."),
        [_("Sheet name"), _("Table title")],
        [list(entry) for entry in contents],
        links=True,
    )
    _write_table(
        workbook.create_sheet(notes_sheet),
        notes_sheet,
        _(
            "This worksheet contains one table. Table titles refer to these notes as [note 1] "
            "and so on."
        ),
        [_("Note number"), _("Note text")],
        [[_("note %(number)s", number=note_number(key)), text] for key, text in notes().items()],
    )
    for number, table in enumerate(tables, 1):
        headings, body = _grid(table) if table.grid else _long(table)
        markers = " ".join(
            _("[note %(number)s]", number=n) for n in sorted(map(note_number, table.notes))
        )
        if body:
            explanation = _(
                "This worksheet contains one table. Symbols and notes are explained in the "
                "Notes sheet."
            )
        else:
            explanation = _(
                "This worksheet contains one table. It has no rows: no figure reached the "
                "threshold for release. Symbols and notes are explained in the Notes sheet."
            )
        _write_table(
            workbook.create_sheet(table.sheet),
            _(
                "Table %(number)s: %(title)s %(notes)s",
                number=number,
                title=table.full_title,
                notes=markers,
            ),
            explanation,
            headings,
            body,
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_cover(sheet: Worksheet, tables: list[Table], method: dict[str, Any], url: str) -> None:
    """The cover: what the release is, its period, source, date and where to read more."""
    from openpyxl.styles import Font

    scope = tables[0].scope if tables else ""
    issued = datetime.fromisoformat(method["generated_at"])
    trends = {
        "week": _("Trends are by week."),
        "month": _("Trends are by month."),
        "quarter": _("Trends are by quarter."),
    }[method["trend_period"]]
    sections = [
        (
            _("About these statistics"),
            _(
                "What founders look for on the Start-up Support Directory: searches and "
                "completed questionnaires by search words, region, stage and period, counted as "
                "distinct visitor-days and released under disclosure control."
            ),
        ),
        (_("Period and coverage"), f"{scope[:1].upper()}{scope[1:]}. {trends}"),
        (_("Source"), notes()["source"]),
        (
            _("Release date"),
            _(
                "%(date)s, %(time)s UTC. The figures are live: they include events up to this "
                "time, so a later download of the same period can differ.",
                date=long_date(issued.date()),
                time=issued.strftime("%H:%M"),
            ),
        ),
        (
            _("Contents and notes"),
            _(
                "The Contents sheet lists the tables, one per sheet. The Notes sheet explains "
                "the symbols %(suppressed)s (confidential), %(not_available)s (not available) "
                "and %(not_applicable)s (not applicable), and the method.",
                suppressed=disclosure.SUPPRESSED,
                not_available=disclosure.NOT_AVAILABLE,
                not_applicable=disclosure.NOT_APPLICABLE,
            ),
        ),
        (_("More information"), _("About the demand data: %(url)s", url=url)),
    ]
    sheet["A1"] = release_title()
    sheet["A1"].font = Font(bold=True, size=14)
    row = 2
    for heading, text in sections:
        sheet.cell(row, 1, heading).font = Font(bold=True, size=12)
        sheet.cell(row + 1, 1, escape_cell(text))
        row += 2
    link = sheet.cell(row - 1, 1)
    link.hyperlink = url
    link.style = "Hyperlink"
    sheet.column_dimensions["A"].width = 120


def _grid(table: Table) -> tuple[list[str], list[list[Any]]]:
    """A two-way table as a grid: a row per value of the first dimension, its names first."""
    down, across = table.dimensions
    names = [column for column in dimension_columns(down) if not column.identifier]
    columns = table.values(across)
    headings = [c.title for c in names] + [table.label(across, value) for value in columns]
    body = []
    for value in table.values(down):
        row = next(row for row in table.rows if row[down] == value)
        body.append([row[c.name] for c in names] + [table.value(value, other) for other in columns])
    return headings, body


def _long(table: Table) -> tuple[list[str], list[list[Any]]]:
    """A table as rows: every column a person reads, one row per observation."""
    shown = [column for column in table.columns if not column.identifier]
    body = [[_typed(column, row[column.name]) for column in shown] for row in table.rows]
    return [column.title for column in shown], body


def _typed(column: Column, value: Any) -> Any:
    """Dates as spreadsheet dates; everything else as it is."""
    if column.datatype == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _write_table(
    sheet: Worksheet,
    title: str,
    explanation: str,
    headings: list[str],
    body: list[list[Any]],
    links: bool = False,
) -> None:
    """Title in A1, a line about the sheet in A2, the header in A3, the rows below."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.table import Table as SheetTable
    from openpyxl.worksheet.table import TableStyleInfo

    sheet["A1"] = escape_cell(title)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = explanation
    sheet.append([escape_cell(heading) for heading in headings])
    for values in body:
        sheet.append([_cell(value) for value in values])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "d mmmm yyyy"
            if links and cell.column == 1 and isinstance(cell.value, str):
                cell.hyperlink = f"#'{cell.value}'!A1"
                cell.style = "Hyperlink"
    for index, heading in enumerate(headings, 1):
        width = max([len(str(heading)), *(len(str(values[index - 1])) for values in body)])
        sheet.column_dimensions[_letter(index)].width = min(max(width + 2, 10), 80)
    if body:
        # Marked up as a table, so screen readers announce its headers.
        reference = f"A3:{_letter(len(headings))}{len(body) + 3}"
        marked = SheetTable(displayName=f"{sheet.title}_table", ref=reference)
        marked.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        sheet.add_table(marked)


def _letter(index: int) -> str:
    """A column's letters: 1 is A, 27 is AA."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _cell(value: Any) -> Any:
    """A value safe to write: never a formula, never an empty cell standing for nothing."""
    if value is None:
        return disclosure.NOT_AVAILABLE
    return escape_cell(value)
