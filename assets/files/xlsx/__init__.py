"""Spreadsheet files: reading .xlsx and .csv, writing .xlsx, and the cell values both use."""
