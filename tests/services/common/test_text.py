"""The one text-cleaning rule the services share: trimmed, one line unless multiline, and
the page's messages when a field is empty or too long."""

import pytest

from assets.services.common.errors import DomainError
from assets.services.common.text import clean_text


def test_one_line_by_default_and_paragraphs_kept_when_multiline():
    assert clean_text("  Year 1 \n\t class  ", field="place") == "Year 1 class"
    assert clean_text(None, field="place") == ""
    typed = "  First line.\n\n  Second  line.  "
    assert clean_text(typed, field="note", multiline=True) == "First line.\n\n  Second  line."


def test_a_required_field_left_empty_gets_its_own_message():
    with pytest.raises(DomainError) as refused:
        clean_text(" \n ", field="description", required="Say what happened.")
    assert (refused.value.message, refused.value.field) == ("Say what happened.", "description")


def test_too_long_names_the_field_and_the_limit():
    assert clean_text("x" * 2000, field="note", label="the note", max_length=2000) == "x" * 2000
    with pytest.raises(DomainError) as refused:
        clean_text("x" * 2001, field="note", label="the note", max_length=2000)
    assert refused.value.message == "Keep the note under 2,000 characters."
    assert refused.value.field == "note"
    with pytest.raises(DomainError, match=r"^Keep it under 200 characters\.$"):
        clean_text("y" * 201, field="licence", max_length=200)
