"""Running the app: backups and the daily jobs."""
