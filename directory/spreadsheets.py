"""Cells a spreadsheet cannot run: every CSV and XLSX the service writes goes through here."""

from __future__ import annotations

from typing import TypeVar

Cell = TypeVar("Cell")

# A spreadsheet runs a cell starting with one of these as a formula (tab and carriage return
# too: some programs drop them and read what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Cell) -> Cell | str:
    """Prefix an apostrophe to text a spreadsheet would run; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """Undo escape_cell, so an exported file re-imports unchanged."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value
