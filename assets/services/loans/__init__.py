"""Lending: check-out and check-in (loans), signing later (pending_signatures), the
policy's lending rules and holds, the loans lists, receipts and reminder emails."""
