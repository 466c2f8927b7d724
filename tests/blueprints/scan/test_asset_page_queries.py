"""How many SQL statements an asset's page runs: the page a label's QR code opens (/a/TAG)
and the register's own (/assets/TAG). What the page shows is loaded up front in a few
queries, never lazily from the template, so the counts are pinned here: a relationship read
lazily from a template would add a statement and fail these tests. A count, not a speed
assertion (issue 17)."""

import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from assets.extensions import db
from assets.models import Asset, Incident, User
from assets.services.incidents import cases
from assets.services.loans import returns


@contextmanager
def counted(app):
    """The SQL statements run inside the block, by any connection of the app's engine."""
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def fetched(app, client, path: str) -> tuple[str, list[str]]:
    client.get(path)  # warm: the first request of a worker builds what it keeps
    with counted(app) as statements:
        page = client.get(path)
    assert page.status_code == 200, page.text
    return page.text, statements


@pytest.fixture
def lent(make):
    """LAP-0001 on loan to Zoë O'Brien-Ngô, with an open report about it by Łukasz."""
    ict = make.location("ICT suite")
    make.location("Office store")
    laptop = make.asset("LAP-0001", name="Dell Latitude 3440", location=ict, serial_number="SN-7")
    make.loan(laptop, make.person("Zoë O'Brien-Ngô"))
    reporter = make.user("technician", name="Łukasz Nowak")
    make.incident(laptop, reporter=reporter, kind="fault", description="Fan noisy.")
    return laptop


@pytest.fixture
def returned_damaged(app, make):
    """LAP-0002 back on the shelf, returned damaged with no report made about it."""
    laptop = make.asset("LAP-0002", name="Dell Latitude 3440", location=make.location("Store"))
    loan = make.loan(laptop, make.person("Miss A Guthrie"))
    with app.app_context():
        technician = db.session.scalar(db.select(User).where(User.role == "technician"))
        returns.check_in(technician, db.session.get(Asset, laptop.id), "damaged", "Hinge")
        db.session.commit()
    return loan


# The user's session check; the asset with its category, locations, open loan and borrower;
# for those who keep the register, its oldest open report with who made it and whom it is
# about; and, for those who may move it, the locations' names for the move form.
@pytest.mark.parametrize(("role", "most"), [("technician", 4), ("office", 3), ("staff", 2)])
def test_the_page_a_label_opens_runs_a_few_statements(
    app, database, client, as_role, lent, role, most
):
    as_role(role)
    text, statements = fetched(app, client, "/a/LAP-0001")
    assert "Dell Latitude 3440" in text
    if role != "staff":
        for words in ("On loan to", "Zoë O&#39;Brien-Ngô", "ICT suite", "Not to be lent", "Łukasz"):
            assert words in text
    assert ("Move location" in text) == (role == "technician")
    if role == "technician":
        # The move form lists every location, the asset's own chosen.
        assert re.search(r'<option selected value="\d+">ICT suite</option>', text)
        assert re.search(r'<option value="\d+">Office store</option>', text)
    assert len(statements) <= most, statements


@pytest.mark.parametrize(("role", "most"), [("technician", 3), ("office", 2), ("staff", 2)])
def test_an_item_nothing_holds_costs_no_query_for_its_hold(
    app, database, client, as_role, make, role, most
):
    """No open report and no damaged return: the asset's own query says so (its report,
    since repaired, holds nothing)."""
    laptop = make.asset("LAP-0004", name="Dell Latitude 3440", location=make.location("ICT"))
    report = make.incident(laptop, kind="fault", description="Fan noisy.")
    with app.app_context():
        technician = db.session.scalar(db.select(User).where(User.role == "technician"))
        cases.change_status(technician, db.session.get(Incident, report.id), "repaired")
        db.session.commit()
    as_role(role)
    text, statements = fetched(app, client, "/a/LAP-0004")
    assert "Dell Latitude 3440" in text
    assert "Not to be lent" not in text
    if role == "technician":
        assert "Check out" in text
    assert len(statements) <= most, statements


@pytest.mark.parametrize("reported", [False, True])
def test_a_damaged_return_holds_the_item_until_its_report_is_resolved(
    app, client, as_role, make, returned_damaged, reported
):
    """A return marked damaged makes the page ask for the hold; once a report about it has
    been made and resolved, nothing holds the item."""
    if reported:
        asset = SimpleNamespace(id=returned_damaged.asset_id)
        report = make.incident(asset, kind="damage", loan_id=returned_damaged.id)
        with app.app_context():
            technician = db.session.scalar(db.select(User).where(User.role == "technician"))
            cases.change_status(technician, db.session.get(Incident, report.id), "repaired")
            db.session.commit()
    as_role("technician")
    text = client.get("/a/LAP-0002").text
    assert ("Not to be lent: it came back damaged" in text) == (not reported)
    assert ("Check out" in text) == reported


def test_an_item_back_damaged_needs_its_last_return_too(app, client, as_role, returned_damaged):
    as_role("technician")
    text, statements = fetched(app, client, "/a/LAP-0002")
    assert "Not to be lent: it came back damaged" in text
    assert "Miss A Guthrie" in text
    # Also the latest return with whether a report has been made since, in one query.
    assert len(statements) <= 5, statements


@pytest.mark.parametrize("role", ["technician", "office"])
def test_the_registers_asset_page_runs_a_few_statements(app, database, client, as_role, lent, role):
    as_role(role)
    text, statements = fetched(app, client, "/assets/LAP-0001")
    for words in ("On loan to", "Zoë O&#39;Brien-Ngô", "ICT suite", "Not to be lent", "Łukasz"):
        assert words in text
    assert ("/assets/LAP-0001/edit" in text) == (role == "technician")
    # Session, asset, its reports (the list and the hold from one query), its history.
    assert len(statements) <= 4, statements


@pytest.mark.parametrize("path", ["/a/LAP-0003", "/assets/LAP-0003"])
def test_of_two_open_reports_the_older_is_named_whichever_was_filed_first(
    client, as_role, make, path
):
    laptop = make.asset("LAP-0003", name="Dell Latitude 3440")
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    newer = make.incident(laptop, kind="damage", now=now, occurred_on=date(2026, 11, 20))
    older = make.incident(
        laptop, kind="fault", now=now - timedelta(days=1), occurred_on=date(2026, 11, 19)
    )
    as_role("technician")
    text = client.get(path).text
    assert f"Fault incident #{older.id}</a> is open" in text
    assert f"incident #{newer.id}</a> is open" not in text
