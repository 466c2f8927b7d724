"""Template filters: UTC stored, local time shown, dates the UK way."""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from flask import Flask, url_for
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


# What werkzeug's string and path converters leave unquoted in a URL (BaseConverter.to_url).
_URL_SAFE = "!$&'()*+,/:;=@"
# Stand-ins for the value while the one URL is built: a word for a string or path variable,
# a number for an int one.
_MARKS = ("links-to-mark", 918_273_645)


def links_to(endpoint: str, name: str) -> Callable[[object], str]:
    """url_for(endpoint, **{name: value}) for any value, from one url_for: a list's rows link
    to their own pages without building each URL through the routing map (200 builds were a
    tenth of the loans page's time)."""
    for mark in _MARKS:
        try:
            before, after = url_for(endpoint, **{name: mark}).split(str(mark))
        except ValueError:  # an int variable does not take the word
            continue
        return lambda value: f"{before}{quote(str(value), safe=_URL_SAFE)}{after}"
    raise ValueError(f"{endpoint} has no variable {name} links_to can fill")


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
    app.add_template_global(links_to)
    app.add_template_filter(options)

    @app.context_processor
    def school():
        return {"school_name": app.config["SCHOOL_NAME"]}
