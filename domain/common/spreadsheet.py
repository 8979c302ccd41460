"""Cells of the CSV exports (accounts, tasks): text a spreadsheet shows and never executes."""

from decimal import Decimal
from typing import Any


def csv_cell(value: Any) -> str:
    """Text for a CSV cell; formulas are defused so a spreadsheet never executes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # A number is never a formula: "-12.5", not "'-12.5" (nor "-1.25E+1" for a Decimal).
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
