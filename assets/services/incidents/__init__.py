"""Loss, damage and theft reports, from report to outcome: filing and status (incidents),
the lists, the emails to the desk (incident_notices), and charges."""
