"""What every domain uses: domain errors, the audit trail (events), the school's clock and
calendar, sending email, and school-wide settings."""
