"""Spreadsheets in and out: importing the register and staff list (imports, written in bulk)
and every .xlsx export (exports, all made and sent one way)."""
