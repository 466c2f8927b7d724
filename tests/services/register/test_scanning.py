"""Reading scanned and typed codes: our labels, bare tags, and everything that is not ours."""

import pytest
from sqlalchemy import event

from assets.extensions import db
from assets.services.common.errors import DomainError
from assets.services.register import scanning

BASE = "https://assets.school.test"


@pytest.mark.parametrize(
    ("code", "tag"),
    [
        ("https://assets.school.test/a/ASH-0001", "ASH-0001"),
        ("HTTPS://Assets.School.Test/a/ASH-0001/", "ASH-0001"),
        ("http://assets.school.test/a/ASH-0001", "ASH-0001"),
        ("https://assets.school.test/a/ASH-0001?utm=x#top", "ASH-0001"),
        ("https://assets.school.test/a/ab.c_d-9", "ab.c_d-9"),
        ("  ASH-0001\r\n", "ASH-0001"),
        ("\u200bASH-0001", "ASH-0001"),
        ("ash-0001", "ash-0001"),
    ],
)
def test_our_labels_and_typed_tags_name_their_tag(code, tag):
    assert scanning.tag_in_code(code, BASE) == tag


def test_a_base_url_with_a_path_is_honoured():
    assert scanning.tag_in_code("https://x.test/it/a/T1", "https://x.test/it") == "T1"
    with pytest.raises(DomainError, match="not one of our asset labels"):
        scanning.tag_in_code("https://x.test/a/T1", "https://x.test/it")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("https://example.com/a/ASH-0001", "another site (example.com)"),
        ("https://assets.school.test.evil.com/a/ASH-0001", "another site"),
        ("ftp://assets.school.test/a/ASH-0001", "another site"),
        ("https://assets.school.test/assets/ASH-0001", "not one of our asset labels"),
        ("https://assets.school.test/a/", "does not hold an asset tag"),
        ("https://assets.school.test/a/bad%09tag", "does not hold an asset tag"),
        ("https://assets.school.test/a/" + "x" * 256, "does not hold an asset tag"),
        ("x" * 256, "not one of our labels or an asset tag"),
        ("   ", "Scan a label, or type an asset tag"),
    ],
)
def test_codes_that_are_not_ours_say_so(code, words):
    with pytest.raises(DomainError) as caught:
        scanning.tag_in_code(code, BASE)
    assert words in caught.value.message


def test_a_long_foreign_code_is_shortened_in_the_message():
    with pytest.raises(DomainError) as caught:
        scanning.tag_in_code("not ours " * 50, BASE)
    assert len(caught.value.message) < 120


def test_asset_for_code_finds_the_asset_forgiving_case(make, ctx):
    made = make.asset("ASH-0042")
    assert scanning.asset_for_code("https://assets.school.test/a/ASH-0042").id == made.id
    assert scanning.asset_for_code("ash-0042").id == made.id
    assert scanning.asset_for_tag("ASH-0042").id == made.id


@pytest.mark.parametrize(
    "code", ["Hello, world! This is a Wi-Fi code", "WIFI:S:school;T:WPA;P:secret;;"]
)
def test_text_that_is_no_tag_in_the_register_is_not_ours(ctx, code):
    # Any printable text may be a tag, so only the register can say this is not one.
    with pytest.raises(DomainError, match="not one of our labels or an asset tag in the"):
        scanning.asset_for_code(code)


def test_an_unknown_tag_says_so(ctx):
    with pytest.raises(DomainError, match="No asset has the tag NOPE-1"):
        scanning.asset_for_code("https://assets.school.test/a/NOPE-1")


@pytest.mark.parametrize("line", ["{}", "{},", "{} desk"])
def test_more_lines_than_allowed_are_refused_before_the_register_is_asked(ctx, database, line):
    typed = "\n".join(line.format(chr(0x20000 + i)) for i in range(40_000))
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with pytest.raises(DomainError, match="Too many") as refused:
            scanning.tags_in_text(typed, 30, "Too many.")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert refused.value.field == "tags" and statements == []


def test_as_many_lines_as_allowed_are_read(ctx):
    typed = "ASH-1\nash-1\n\nASH-2, ASH-3\nASH-4"
    assert scanning.tags_in_text(typed, 3, "Too many.") == ["ASH-1", "ASH-2", "ASH-3", "ASH-4"]
    with pytest.raises(DomainError, match="Too many"):
        scanning.tags_in_text(typed + "\nASH-5", 3, "Too many.")
