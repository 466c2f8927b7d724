"""A leaver's return checklist (policy 8.4): the checklist (leavers), its steps, closing it
with signatures and a record, and the lists and reminders."""
