"""What every view does with a service call, and form pieces shared by several blueprints."""

from collections.abc import Callable
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import ValidationError

from assets.database import commit_or_rollback
from assets.files.xlsx.values import parse_money
from assets.security import whole_number
from assets.services.common.errors import DomainError
from assets.services.register import choice_lists
from assets.services.schoolweek.defaults import FIRST_YEAR, LAST_YEAR


def apply_error(form, error: DomainError) -> None:
    """Show a DomainError beside the field it names, or at the top of the form."""
    field: Field | None = getattr(form, error.field, None) if error.field else None
    if isinstance(field, Field):
        field.errors = [*list(field.errors), error.message]
    else:
        form.form_errors.append(error.message)


def commit_or_report(
    action: Callable[[], Any], form=None, *, retry_on_race: bool = False
) -> tuple[bool, Any]:
    """Run one service call and commit it (database.commit_or_rollback): (True, its result).
    When a rule says no, nothing changes: show the message on the form (or flash it when
    there is no form to show it on) and give (False, None)."""
    try:
        return True, commit_or_rollback(action, retry_on_race=retry_on_race)
    except DomainError as error:
        if form is None:
            flash(error.message, "danger")
        else:
            apply_error(form, error)
        return False, None


def blank_to_none(value):
    return value if value not in ("", None) else None


def optional_int(value) -> int | None:
    """A select's chosen id (its `coerce`): None when left blank, else the id read by
    whole_number; anything else is a ValueError, which the field shows as a choice refused."""
    value = blank_to_none(value)
    if value is None:
        return None
    number = whole_number(str(value))
    if number is None:
        raise ValueError("not an id")
    return number


def date_in_range(form, field) -> None:
    """A date field's validator: a date from FIRST_YEAR to LAST_YEAR (2000 to 2200). Years
    such as 0001 or 9999 are valid dates to a browser but run the school's week, the time
    zone and "the day after" off the calendar's ends."""
    day = field.data
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            f"Give a date from 01/01/{FIRST_YEAR} to 31/12/{LAST_YEAR}, such as 02/09/2026."
        )


class ConfirmForm(FlaskForm):
    """A POST with nothing but its CSRF token."""


class MoneyField(StringField):
    """An amount in pounds typed as people write it: "45", "45.00", "£45", "£1,299.50", read
    as an imported cell is (files.xlsx.values.parse_money). Anything else ("45p", "$40", "-5", NaN,
    infinities, more than the columns hold) is refused with the reason and kept as typed,
    never dropped and never a database error: a number input would give the server an empty
    value for "£45" and the amount would be lost."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off"} | kwargs.pop("render_kw", {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        try:
            self.data = parse_money(valuelist[0])
        except ValueError as error:
            raise ValueError(f"{error}. Write it in pounds, such as 45 or £45.00.") from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:.2f}"


def location_choices(blank: str | None = None) -> choice_lists.Choices | list[tuple]:
    """Every location for a select field, after a `blank` choice when one is given."""
    locations = choice_lists.locations()
    return locations if blank is None else [("", blank), *locations]


def category_choices() -> choice_lists.Choices:
    """Every category for a select field."""
    return choice_lists.categories()
