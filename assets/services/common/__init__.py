"""What every domain uses: domain errors, the audit trail (events), the school's clock and
calendar, cleaning what a person typed (text), sending email, and school-wide settings."""
