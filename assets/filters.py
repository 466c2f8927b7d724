"""Template filters: UTC stored, local time shown, dates the UK way."""

from datetime import date, datetime
from decimal import Decimal

from flask import Flask
from markupsafe import Markup, escape

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


def options(choices, selected=None) -> Markup:
    """The <option>s of `choices` ((value, label) pairs), `selected` chosen. The escaped
    options of a kept list (choice_lists.Choices) are built once and kept with it: a trust
    has hundreds of locations, and escaping each on every page a scan opens costs more than
    the rest of the select."""
    memo = getattr(choices, "memo", {})
    built = memo.get("options")
    if built is None:
        parts = [f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in choices]
        built = memo["options"] = (parts, {value: i for i, (value, _) in enumerate(choices)})
    parts, where = built
    i = where.get(selected)
    if i is not None:
        parts = parts.copy()
        value, label = choices[i]
        parts[i] = f'<option selected value="{escape(value)}">{escape(label)}</option>'
    return Markup("".join(parts))  # noqa: S704 (every value and label escaped above)


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(ukdate)
    app.add_template_filter(money)
    app.add_template_filter(isodate)
    app.add_template_filter(options)

    @app.context_processor
    def school():
        return {"school_name": app.config["SCHOOL_NAME"]}
