"""The school's local calendar: times are stored in UTC, due dates are local dates."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from assets.models.base import utcnow


def local_date(moment: datetime | None = None) -> date:
    """The date at the school (TIMEZONE, Europe/London by default) at `moment` (now)."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return (moment or utcnow()).astimezone(zone).date()


def start_of_day(day: date) -> datetime:
    """The first moment of a local date, as the UTC time moments are stored in."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return datetime.combine(day, time(), zone).astimezone(UTC)


def local_time_text(moment: datetime) -> str:
    """`moment` as people at the school read it, e.g. "22/11/2026 14:05"."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return moment.astimezone(zone).strftime(current_app.config["DATE_FORMAT"] + " %H:%M")


def date_text(day: date) -> str:
    return day.strftime(current_app.config["DATE_FORMAT"])
