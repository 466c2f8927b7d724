"""The search boxes' edges, as the asset list, the loans page and the staff list answer them:
every word found, any alphabet, literal % _ and quotes, words shorter than a trigram."""

from datetime import date

import pytest
from sqlalchemy import delete, event

from assets.extensions import db
from assets.models import Event, Person
from assets.services.common.text_search import fts_query, like_pattern, search_words
from assets.services.loans import loan_lists
from assets.services.people import people
from assets.services.register import register
from assets.services.spreadsheets.exports import records


def tags(q: str, *, many: bool = False) -> list[str]:
    query = register.asset_select(register.AssetFilter(q=q), many=many)
    return [asset.tag for asset in db.session.scalars(query)]


def staff(q: str) -> list[str]:
    return [person.name for person in db.session.scalars(people.people_select(q))]


def lent_tags(q: str) -> list[str]:
    query = loan_lists.loan_select(loan_lists.LoanFilter(view="open", q=q))
    return sorted(loan.asset.tag for loan in db.session.scalars(query))


@pytest.fixture
def register_of(make):
    laptops = make.category("Laptop")
    make.asset(
        "ASH-001", category=laptops, name="ThinkPad E14 laptop", manufacturer="Lenovo", model="E14"
    )
    make.asset("ASH-002", category=laptops, name="Lenovo tablet", serial_number="100%_DONE")
    make.asset("ASH-003", category=laptops, name='Visualiser 12" arm', manufacturer="IPEVO")
    make.asset("ASH-004", category=laptops, name="Dell Latitude")
    lukasz = make.person("Łukasz Żółć", email="lukasz@ashbrook.sch.uk", staff_number="S-77")
    zoe = make.person("Zoë O'Brien-Ngô", email="zoe@ashbrook.sch.uk")
    make.person("Mr Percent 50%", email="percent@ashbrook.sch.uk")
    make.loan(make.asset("ASH-010", category=laptops, name="Canon camera"), lukasz)
    make.loan(make.asset("ASH-011", category=laptops, name="Epson projector"), zoe)
    return {"lukasz": lukasz, "zoe": zoe}


def test_the_words_of_a_search_and_how_they_are_matched():
    assert search_words("  Lenovo  tablet LENOVO ") == ["lenovo", "tablet"]
    assert search_words("   ") == []
    assert like_pattern("100%_\\") == "%100\\%\\_\\\\%"
    assert fts_query(['say "hi"', "abc"], "name") == 'name : "say ""hi""" AND name : "abc"'


def test_every_word_is_found_in_any_order(ctx, register_of, database):
    assert tags("Lenovo ThinkPad") == ["ASH-001"]
    assert tags("laptop lenovo") == ["ASH-001"], "the words in another order and other columns"
    assert tags("lenovo") == ["ASH-001", "ASH-002"]
    assert tags("lenovo zzz") == []
    assert tags("lenovo tablet") == ["ASH-002"]
    assert tags("lenovo", many=True) == ["ASH-001", "ASH-002"], "read in tag order: the same"
    assert tags("laptop lenovo", many=True) == ["ASH-001"]


def test_percent_underscore_and_quotes_match_literally(ctx, register_of, database):
    assert tags("%") == ["ASH-002"]
    assert tags("0%_d") == ["ASH-002"]
    assert tags("_") == ["ASH-002"]
    assert tags('12"') == ["ASH-003"]
    assert tags('"') == ["ASH-003"]
    assert tags("o'brien") == ["ASH-011"], "the holder's name with its apostrophe"
    assert staff("%") == ["Mr Percent 50%"]
    assert staff("50%") == ["Mr Percent 50%"]
    assert staff("_") == []
    assert staff("o'b") == ["Zoë O'Brien-Ngô"]
    assert staff("'") == ["Zoë O'Brien-Ngô"]


def test_names_in_any_alphabet_and_case(ctx, register_of, database):
    assert tags("żółć") == ["ASH-010"]
    assert tags("ŁUKASZ ŻÓŁĆ") == ["ASH-010"]
    assert tags("zoë") == ["ASH-011"]
    assert tags("ZOË") == ["ASH-011"]
    assert tags("zoe") == [], "ë is not e"
    assert lent_tags("Żółć") == ["ASH-010"]
    assert lent_tags("ngô") == ["ASH-011"]
    assert staff("ŻÓŁ") == ["Łukasz Żółć"]
    assert staff("łukasz żółć") == ["Łukasz Żółć"]
    assert staff("żółć łukasz") == ["Łukasz Żółć"], "the words in either order"
    assert staff("s-77") == ["Łukasz Żółć"]


def test_one_and_two_letters_have_no_trigram_and_still_match(ctx, register_of, database):
    assert tags("ö") == []
    assert tags("ż") == ["ASH-010"], "a holder's letter"
    assert tags("Ł") == ["ASH-010"]
    assert tags("ô") == ["ASH-011"]
    assert tags("e14") == ["ASH-001"]
    assert tags("ip") == ["ASH-003"]
    assert tags("ip", many=True) == ["ASH-003"]
    assert tags("e1 lenovo") == ["ASH-001"], "a short word beside a long one"
    assert tags("e1 lenovo", many=True) == ["ASH-001"]
    assert tags("zz") == []
    assert lent_tags("ż") == ["ASH-010"]
    assert lent_tags("ep") == ["ASH-011"]
    assert staff("ł") == ["Łukasz Żółć"]
    assert staff("ÓŁ") == ["Łukasz Żółć"]
    assert staff("ng") == ["Zoë O'Brien-Ngô"]
    assert staff("NGÔ") == ["Zoë O'Brien-Ngô"]


def test_an_empty_search_lists_everything(ctx, register_of, database):
    assert tags("") == tags("   ")
    assert len(tags("")) == 6
    assert lent_tags("  ") == ["ASH-010", "ASH-011"]
    assert len(staff(" ")) == 3


def test_the_people_index_follows_edits_and_removals(ctx, make, register_of, database):
    person = db.session.get(Person, register_of["lukasz"].id)
    details = people.PersonDetails(name="Łucja Nowak", email="lucja@ashbrook.sch.uk")
    people.update_person(None, person, details)
    db.session.commit()
    assert staff("żółć") == []
    assert staff("nowak") == ["Łucja Nowak"]
    assert staff("lukasz@") == []
    assert tags("nowak") == ["ASH-010"]
    other = make.person("Temporary Tess")
    assert staff("tess") == ["Temporary Tess"]
    db.session.execute(delete(Event).where(Event.person_id == other.id))
    db.session.execute(delete(Person).where(Person.id == other.id))
    db.session.commit()
    assert staff("tess") == []


def test_the_loans_export_reads_the_same_loans_for_a_short_search(ctx, register_of, database):
    # The export reads assets itself: the per-loan check of a short word stays its own query.
    rows = list(records._loan_rows(loan_lists.LoanFilter(view="open", q="ż"), date(2026, 1, 5)))
    assert [row[0] for row in rows] == ["ASH-010"]
    rows = list(records._loan_rows(loan_lists.LoanFilter(view="open", q="ep"), date(2026, 1, 5)))
    assert [row[0] for row in rows] == ["ASH-011"]


@pytest.mark.databases("postgresql")
@pytest.mark.parametrize(
    ("search", "words_written_in"),
    [
        (lambda q: tags(q), True),
        (lambda q: tags(q, many=True), True),
        (lambda q: lent_tags(q), True),
        (lambda q: register.list_total(register.AssetFilter(q=q), cap=10), True),
        (lambda q: staff(q), False),
    ],
)
def test_a_search_of_the_assets_is_planned_for_its_own_words(
    ctx, register_of, database, search, words_written_in
):
    """Statements stay prepared on a connection, and a plan made once for any words would read
    the whole register for a rare serial: a search of the assets' text writes its words into
    its statements, so PostgreSQL plans each for them. The staff list's words stay
    parameters (its plan for any words reads the trigram indexes)."""
    statements = []

    def note(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        search("lenovo")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert any("lenovo" in statement for statement in statements) == words_written_in


@pytest.mark.databases("postgresql")
def test_words_written_into_a_statement_stay_literal(ctx, register_of, database):
    """Quotes, backslashes and percent signs in words written into the SQL: matched as typed,
    never part of the statement."""
    assert tags("o'brien") == ["ASH-011"]
    assert tags("'); drop table assets; --") == []
    assert tags("\\") == []
    assert tags("%") == ["ASH-002"]
    assert tags("lenovo") == ["ASH-001", "ASH-002"]
