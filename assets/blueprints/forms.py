"""Form pieces shared by several blueprints."""

from wtforms import Field


def apply_error(form, error) -> None:
    """Show a DomainError beside the field it names, or at the top of the form."""
    field: Field | None = getattr(form, error.field, None) if error.field else None
    if field is not None and isinstance(field, Field):
        field.errors = [*list(field.errors), error.message]
    else:
        form.form_errors.append(error.message)


def blank_to_none(value):
    return value if value not in ("", None) else None
