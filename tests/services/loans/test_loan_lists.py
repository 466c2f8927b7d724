"""loan_lists: the loans page's views, search and dates, shared by the page and the export."""

from datetime import UTC, date, datetime, timedelta

import pytest

from assets.extensions import db
from assets.models import Asset, User
from assets.models.base import utcnow
from assets.services.loans import loan_lists, returns


@pytest.fixture
def lent(make):
    """An overdue camera, a laptop awaiting signature and a projector lent and returned."""
    borrower = make.person("Miss A Guthrie")
    other = make.person("Mr B Okafor")
    technician = make.user("technician")
    camera = make.asset("ASH-0025", name="Canon camera")
    laptop = make.asset("ASH-0001", name="Dell laptop")
    projector = make.asset("ASH-0100", name="Epson projector")
    long_ago = utcnow() - timedelta(days=20)
    return {
        "overdue": make.loan(camera, borrower, by=technician, now=long_ago),
        "unsigned": make.loan(laptop, other, by=technician, signed=False),
        "returned": make.lend(projector, borrower, by=technician, returned=True),
    }


def listed(ctx, **filters) -> list[int]:
    query = loan_lists.loan_select(loan_lists.LoanFilter(**filters))
    return [loan.id for loan in db.session.scalars(query)]


def test_views_split_open_loans_and_history_has_returned_ones(lent, ctx):
    assert listed(ctx, view="overdue") == [lent["overdue"].id]
    assert listed(ctx, view="unsigned") == [lent["unsigned"].id]
    assert set(listed(ctx)) == {lent["overdue"].id, lent["unsigned"].id}
    # History: every loan, newest first.
    assert listed(ctx, view="history") == [
        lent["returned"].id,
        lent["unsigned"].id,
        lent["overdue"].id,
    ]


def test_search_matches_tag_item_or_borrower(lent, ctx):
    assert listed(ctx, view="history", q="guthrie") == [lent["returned"].id, lent["overdue"].id]
    assert listed(ctx, view="history", q="ash-0001") == [lent["unsigned"].id]
    assert listed(ctx, view="history", q="PROJECTOR") == [lent["returned"].id]
    assert listed(ctx, view="history", q="100%") == []


@pytest.mark.usefixtures("clock")
def test_dates_are_the_schools_local_days_and_either_order_works(make, ctx):
    person = make.person()
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    late = make.loan(make.asset(), person, now=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    early = make.loan(make.asset(), person, now=datetime(2026, 6, 30, 12, 0, tzinfo=UTC))
    july = {"view": "history", "since": date(2026, 7, 1), "until": date(2026, 7, 31)}

    assert listed(ctx, **july) == [late.id]
    assert listed(ctx, view="history", since=date(2026, 7, 31), until=date(2026, 7, 1)) == [late.id]
    assert listed(ctx, view="history", until=date(2026, 6, 30)) == [early.id]


def test_an_unknown_view_is_the_open_loans(lent, ctx):
    assert loan_lists.LoanFilter(view="everything").view == "open"


def test_check_in_moves_a_loan_from_open_to_history_only(make, lent, ctx):
    technician = db.session.get(User, make.user("technician").id)
    returns.check_in(technician, db.session.get(Asset, lent["overdue"].asset_id), "full_working")
    db.session.commit()

    assert listed(ctx, view="overdue") == []
    assert lent["overdue"].id in listed(ctx, view="history")


def test_a_search_is_counted_up_to_the_cap_and_read_in_order_past_it(
    make, ctx, monkeypatch, database
):
    person = make.person("Mrs N Quinn")
    made = [make.loan(make.asset(f"LEN-{n}", name="Lenovo tablet"), person) for n in range(4)]
    make.loan(make.asset("DELL-1", name="Dell laptop"), person)
    monkeypatch.setattr(loan_lists, "COUNT_CAP", 2)
    search = loan_lists.LoanFilter(q="lenovo")
    assert loan_lists.search_total(search, shown=1) is None, "past the cap: not counted on"
    assert loan_lists.search_total(search, shown=4) == 4, "no row after row 4: exact"
    assert loan_lists.search_total(loan_lists.LoanFilter(), shown=1) == 5, "no search: exact"
    assert loan_lists.search_total(loan_lists.LoanFilter(q="zzz"), shown=1) == 0
    for q in ("lenovo", "tablet len", "quinn", "a", "le"):
        filters = loan_lists.LoanFilter(q=q)
        each = [loan.id for loan in db.session.scalars(loan_lists.loan_select(filters, many=True))]
        assert each == listed(ctx, q=q), q
    assert set(listed(ctx, q="tablet len")) == {loan.id for loan in made}
