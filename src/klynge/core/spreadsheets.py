"""Values that are safe to put in a spreadsheet cell.

A text that starts with = + - @ (or a tab or carriage return) is run as a formula by Excel and
LibreOffice when a CSV or XLSX is opened. Organisation names come from public forms, so every
exported text goes through `cell()`: such a text gets a leading apostrophe and stays text.
"""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
