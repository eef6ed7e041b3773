"""Cells of the CSV files the app writes, as a spreadsheet must read them."""

# What makes Excel or LibreOffice run a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value) -> str:
    """Return a cell a spreadsheet shows as text: a formula's first character escaped with '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
