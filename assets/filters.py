"""Template filters: UTC stored, local time shown, dates the UK way."""

from datetime import date, datetime
from decimal import Decimal

from flask import Flask

from assets.services.common.clock import date_text, local_date, local_time_text


def localtime(value: datetime | None) -> str:
    return "" if value is None else local_time_text(value)


def ukdate(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return date_text(local_date(value) if isinstance(value, datetime) else value)


def isodate(value: datetime) -> str:
    """The school-local date of `value` as YYYY-MM-DD, for a link's ?week= or ?day=."""
    return local_date(value).isoformat()


def money(value: Decimal | None) -> str:
    return "" if value is None else f"£{value:,.2f}"


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(ukdate)
    app.add_template_filter(money)
    app.add_template_filter(isodate)

    @app.context_processor
    def school():
        return {"school_name": app.config["SCHOOL_NAME"]}
