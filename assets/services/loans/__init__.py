"""Lending: check-out (loans) and check-in (returns), signing later (pending_signatures), the
policy's lending rules and holds, the loans lists, receipts and reminder emails."""
