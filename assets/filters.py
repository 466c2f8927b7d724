"""Template filters: UTC stored, local time shown, dates the UK way."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask, current_app


def localtime(value: datetime | None) -> str:
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return value.astimezone(zone).strftime(current_app.config["DATE_FORMAT"] + " %H:%M")


def ukdate(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    return value.strftime(current_app.config["DATE_FORMAT"])


def money(value: Decimal | None) -> str:
    return "" if value is None else f"£{value:,.2f}"


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(ukdate)
    app.add_template_filter(money)

    @app.context_processor
    def school():
        return {"school_name": app.config["SCHOOL_NAME"]}
