"""The school's local calendar: times are stored in UTC, due dates are local dates. The
school's time zone (TIMEZONE) and how it writes dates (DATE_FORMAT) are read here and
nowhere else."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from assets.models.base import utcnow


def school_zone() -> ZoneInfo:
    """The school's time zone: TIMEZONE, Europe/London by default."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_moment(moment: datetime | None = None) -> datetime:
    """`moment` (now) as the school's wall-clock time, with its zone."""
    return (moment or utcnow()).astimezone(school_zone())


def local_date(moment: datetime | None = None) -> date:
    """The date at the school at `moment` (now)."""
    return local_moment(moment).date()


def start_of_day(day: date) -> datetime:
    """The first moment of a local date, as the UTC time moments are stored in."""
    return datetime.combine(day, time(), school_zone()).astimezone(UTC)


def local_time_text(moment: datetime) -> str:
    """`moment` as people at the school read it, e.g. "22/11/2026 14:05"."""
    return local_moment(moment).strftime(_date_format() + " %H:%M")


def date_text(day: date) -> str:
    """A date as the school writes it: DATE_FORMAT, the UK way (22/11/2026) by default."""
    return day.strftime(_date_format())


def _date_format() -> str:
    return current_app.config["DATE_FORMAT"]
