"""PDF builders: the signed records (loan receipts, leavers' records) on their one base
(signed.py), label sheets, and the Unicode fonts they print in."""
