"""Cleaning what a person typed into one field, the same way in every service: the ends
trimmed, one line unless the field holds paragraphs, a message when a required field is empty
and one when it is too long. Its messages are the page's, so they say which field."""

from assets.services.common.errors import DomainError


def clean_text(
    value: str | None,
    *,
    field: str,
    label: str = "it",
    max_length: int | None = None,
    required: str | None = None,
    multiline: bool = False,
) -> str:
    """`value` trimmed, "" for nothing typed (None included).

    On one line unless `multiline`: every run of spaces, tabs and line breaks becomes one
    space. `multiline` keeps the text as typed between its trimmed ends (a note, a
    description). `required` is the message when it is empty ("Say what happened."); past
    `max_length` characters the message is "Keep `label` under `max_length` characters."
    Both are DomainErrors on `field`.
    """
    text = (value or "").strip() if multiline else " ".join((value or "").split())
    if required is not None and not text:
        raise DomainError(required, field=field)
    if max_length is not None and len(text) > max_length:
        raise DomainError(f"Keep {label} under {max_length:,} characters.", field=field)
    return text
