"""PDF builders: the signed records (loan receipts, leavers' records), label sheets, and the
Unicode fonts they print in."""
