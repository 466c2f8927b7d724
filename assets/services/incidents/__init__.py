"""Loss, damage and theft reports, from report to outcome: filing a report and who may see it
(incidents), following the case to its outcome and repairs (cases), the lists, the emails to
the desk (incident_notices), and charges."""
