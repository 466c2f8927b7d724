"""Stocktakes: what is expected, what each scan does, the one-tap move, finishing, and the
rules the database keeps whatever the code does."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import Asset, Event, Loan, Location, Person, Stocktake, StocktakeItem, User
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.stocktakes import stocktakes

URL = "https://assets.school.test/a/"

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def two_rooms(make):
    """Two rooms: the ICT suite holds three available laptops, one in repair, one on loan,
    one lost and one retired; the office store holds one."""
    ict, office = make.location("ICT suite"), make.location("Office store")
    laptops = make.category("Laptop")
    tags = {}
    for tag in ("ICT-1", "ICT-2", "ICT-3", "ICT-REPAIR", "ICT-LOAN", "ICT-LOST", "ICT-OLD"):
        tags[tag] = make.asset(tag, category=laptops, location=ict)
    tags["OFF-1"] = make.asset("OFF-1", category=laptops, location=office)
    holder = make.person("Miss A Guthrie")
    with make.app.app_context():
        for tag, status in (
            ("ICT-REPAIR", "in_repair"),
            ("ICT-LOST", "lost"),
            ("ICT-OLD", "retired"),
        ):
            db.session.get(Asset, tags[tag].id).status = status
        on_loan = db.session.get(Asset, tags["ICT-LOAN"].id)
        on_loan.status = "on_loan"
        db.session.add(Loan(asset=on_loan, person=db.session.get(Person, holder.id)))
        db.session.commit()
    technician = make.user("technician")
    return {"ict": ict, "office": office, "tech": technician, **tags}


def user(made) -> User:
    return db.session.get(User, made.id)


def location(made) -> Location:
    return db.session.get(Location, made.id)


def start(two_rooms, where="ict"):
    stocktake, started = stocktakes.start_stocktake(
        user(two_rooms["tech"]), two_rooms[where].id if where else None
    )
    assert started
    return stocktake


def expected_tags(stocktake: Stocktake) -> set[str]:
    return {item.asset.tag for item in stocktake.items if item.expected}


def event_count(action: str | None = None) -> int:
    query = select(func.count(Event.id))
    if action:
        query = query.where(Event.action == action)
    return db.session.scalar(query)


def test_a_location_stocktake_expects_what_is_on_its_shelves(database, two_rooms, ctx):
    stocktake = start(two_rooms)
    ctx.commit()
    assert expected_tags(stocktake) == {"ICT-1", "ICT-2", "ICT-3", "ICT-REPAIR"}
    assert stocktake.is_open
    assert stocktake.started_by_id == two_rooms["tech"].id
    assert event_count("stocktake.started") == 1
    assert stocktakes.counts(stocktake) == stocktakes.Counts(expected=4, found=0, unexpected=0)


def test_a_whole_school_stocktake_expects_everything_not_out_or_gone(database, two_rooms, ctx):
    stocktake = start(two_rooms, where=None)
    ctx.commit()
    assert expected_tags(stocktake) == {"ICT-1", "ICT-2", "ICT-3", "ICT-REPAIR", "OFF-1"}
    assert stocktake.place == "the whole school"


def test_starting_again_joins_the_one_under_way(database, two_rooms, ctx):
    first = start(two_rooms)
    ctx.commit()
    again, started = stocktakes.start_stocktake(user(two_rooms["tech"]), two_rooms["ict"].id)
    assert (again.id, started) == (first.id, False)
    other = start(two_rooms, "office")
    whole = start(two_rooms, None)
    assert len({first.id, other.id, whole.id}) == 3
    assert stocktakes.start_stocktake(user(two_rooms["tech"]), None) == (whole, False)


def test_the_database_allows_one_open_stocktake_per_place(database, two_rooms, ctx):
    start(two_rooms)
    start(two_rooms, None)
    ctx.commit()
    for location_id in (two_rooms["ict"].id, None):
        ctx.add(Stocktake(location_id=location_id, started_by_id=two_rooms["tech"].id))
        with pytest.raises(IntegrityError):
            ctx.flush()
        ctx.rollback()
    # Finished ones do not count.
    for stocktake in ctx.scalars(select(Stocktake)):
        stocktakes.finish_stocktake(user(two_rooms["tech"]), stocktake)
    ctx.add(Stocktake(location_id=two_rooms["ict"].id, started_by_id=two_rooms["tech"].id))
    ctx.commit()


def test_an_unknown_location_is_refused(two_rooms, ctx):
    with pytest.raises(DomainError, match="Choose a location"):
        stocktakes.start_stocktake(user(two_rooms["tech"]), 9999)


def test_scanning_an_expected_asset_finds_it_once(database, two_rooms, ctx, clock):
    stocktake = start(two_rooms)
    now = clock.now + timedelta(minutes=30)
    scan = stocktakes.record_scan(user(two_rooms["tech"]), stocktake, URL + "ICT-1", now=now)
    ctx.commit()
    assert (scan.result, scan.message) == ("found", "ICT-1 found.")
    assert scan.item.found_at == now
    assert scan.item.found_by_id == two_rooms["tech"].id
    events = event_count("stocktake.scanned")
    again = stocktakes.record_scan(user(two_rooms["tech"]), stocktake, "ict-1")
    ctx.commit()
    assert (again.result, again.message) == ("again", "ICT-1 is already counted.")
    assert again.item.found_at == now
    assert event_count("stocktake.scanned") == events == 1
    assert stocktakes.counts(stocktake) == stocktakes.Counts(expected=4, found=1, unexpected=0)


def test_an_asset_from_elsewhere_is_unexpected_and_says_why(database, two_rooms, ctx):
    stocktake = start(two_rooms)
    tech = user(two_rooms["tech"])
    reasons = {}
    for tag in ("OFF-1", "ICT-LOAN", "ICT-LOST", "ICT-OLD"):
        scan = stocktakes.record_scan(tech, stocktake, URL + tag)
        assert scan.result == "unexpected"
        reasons[tag] = stocktakes.why_unexpected(scan.item)
    ctx.commit()
    assert reasons == {
        "OFF-1": "the register has it in Office store",
        "ICT-LOAN": "it is on loan to Miss A Guthrie",
        "ICT-LOST": "it is recorded as lost",
        "ICT-OLD": "it is recorded as retired",
    }
    assert stocktakes.counts(stocktake) == stocktakes.Counts(expected=4, found=0, unexpected=4)
    item = ctx.scalar(select(StocktakeItem).where(StocktakeItem.asset_id == two_rooms["OFF-1"].id))
    assert (item.expected, item.register_location_id) == (False, two_rooms["office"].id)
    assert stocktakes.can_move_here(item)
    on_loan = ctx.scalar(
        select(StocktakeItem).where(StocktakeItem.asset_id == two_rooms["ICT-LOAN"].id)
    )
    assert not stocktakes.can_move_here(on_loan)  # it is recorded here already


def test_an_asset_added_here_after_the_start_counts_as_expected(make, two_rooms, ctx):
    stocktake = start(two_rooms)
    ctx.commit()
    make.asset("ICT-NEW", location=two_rooms["ict"])
    scan = stocktakes.record_scan(user(two_rooms["tech"]), stocktake, "ICT-NEW")
    assert scan.result == "found"
    assert stocktakes.counts(stocktake).expected == 5


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("https://example.com/a/ICT-1", "not one of our labels"),
        ("free text, not ours", "not one of our labels or an asset tag"),
        ("NOPE-404", "No asset has the tag NOPE-404"),
    ],
)
def test_a_code_not_ours_or_unknown_changes_nothing(two_rooms, ctx, code, message):
    stocktake = start(two_rooms)
    ctx.commit()
    events = event_count()
    with pytest.raises(DomainError, match=message):
        stocktakes.record_scan(user(two_rooms["tech"]), stocktake, code)
    assert event_count() == events
    assert stocktakes.counts(stocktake).found == 0


def test_the_one_tap_move_records_the_asset_here(database, two_rooms, ctx):
    stocktake = start(two_rooms)
    tech = user(two_rooms["tech"])
    stocktakes.record_scan(tech, stocktake, "OFF-1")
    item = stocktakes.move_here(tech, stocktake, "OFF-1")
    ctx.commit()
    assert item.moved
    assert ctx.get(Asset, two_rooms["OFF-1"].id).location_id == two_rooms["ict"].id
    moved = ctx.scalar(select(Event).where(Event.action == "asset.moved"))
    assert moved.asset_id == two_rooms["OFF-1"].id
    assert moved.changes == {"location": ["Office store", "ICT suite"]}
    assert not stocktakes.can_move_here(item)
    # A second tap changes nothing more.
    stocktakes.move_here(tech, stocktake, "OFF-1")
    assert event_count("asset.moved") == 1


def test_only_an_unexpected_scan_can_be_moved(two_rooms, ctx):
    stocktake = start(two_rooms)
    tech = user(two_rooms["tech"])
    stocktakes.record_scan(tech, stocktake, "ICT-1")
    for tag in ("ICT-1", "ICT-2", "OFF-1", "NOPE"):
        with pytest.raises(DomainError, match="not scanned here as unexpected"):
            stocktakes.move_here(tech, stocktake, tag)
    whole = start(two_rooms, None)
    stocktakes.record_scan(tech, whole, "ICT-LOST")
    with pytest.raises(DomainError, match="whole-school stocktake"):
        stocktakes.move_here(tech, whole, "ICT-LOST")


def test_finishing_records_missing_and_last_seen(database, two_rooms, ctx, clock):
    stocktake = start(two_rooms)
    tech = user(two_rooms["tech"])
    seen = clock.now + timedelta(hours=1)
    stocktakes.record_scan(tech, stocktake, "ICT-1", now=seen)
    stocktakes.record_scan(tech, stocktake, "ICT-REPAIR", now=seen + timedelta(minutes=1))
    stocktakes.record_scan(tech, stocktake, "OFF-1", now=seen + timedelta(minutes=2))
    ctx.commit()
    result = stocktakes.finish_stocktake(tech, stocktake, now=seen + timedelta(minutes=5))
    ctx.commit()
    assert result == stocktakes.FinishResult(found=2, unexpected=1, missing=2)
    assert stocktake.status == "finished"
    assert stocktake.ended_at == seen + timedelta(minutes=5)
    for tag, when in (("ICT-1", seen), ("OFF-1", seen + timedelta(minutes=2))):
        asset = ctx.get(Asset, two_rooms[tag].id)
        assert asset.last_seen_at == when
        assert asset.last_seen_location_id == two_rooms["ict"].id
    missing = ctx.get(Asset, two_rooms["ICT-2"].id)
    assert (missing.last_seen_at, missing.last_seen_location_id) == (None, None)
    report = stocktakes.report(stocktake)
    assert [i.asset.tag for i in report.not_found] == ["ICT-2", "ICT-3"]
    assert {i.outcome for i in report.not_found} == {"missing"}
    assert [i.asset.tag for i in report.found] == ["ICT-1", "ICT-REPAIR"]
    assert [i.asset.tag for i in report.unexpected] == ["OFF-1"]
    assert event_count("asset.seen") == 3
    assert event_count("stocktake.missing") == 2
    finished = ctx.scalar(select(Event).where(Event.action == "stocktake.finished"))
    assert finished.changes == {"found": 2, "missing": 2, "unexpected": 1}
    missing_events = ctx.scalars(select(Event).where(Event.action == "stocktake.missing"))
    assert {e.asset_id for e in missing_events} == {two_rooms["ICT-2"].id, two_rooms["ICT-3"].id}


def test_a_whole_school_stocktake_records_each_asset_where_the_register_has_it(two_rooms, ctx):
    stocktake = start(two_rooms, None)
    tech = user(two_rooms["tech"])
    stocktakes.record_scan(tech, stocktake, "OFF-1")
    stocktakes.finish_stocktake(tech, stocktake)
    ctx.commit()
    assert ctx.get(Asset, two_rooms["OFF-1"].id).last_seen_location_id == two_rooms["office"].id


def test_an_older_sighting_never_overwrites_a_newer_one(two_rooms, ctx, clock):
    tech = user(two_rooms["tech"])
    earlier = start(two_rooms)
    stocktakes.record_scan(tech, earlier, "ICT-1", now=clock.advance(minutes=5))
    later = start(two_rooms, None)
    newer = clock.advance(days=31)
    stocktakes.record_scan(tech, later, "ICT-1", now=newer)
    stocktakes.finish_stocktake(tech, later)
    stocktakes.finish_stocktake(tech, earlier)
    ctx.commit()
    assert ctx.get(Asset, two_rooms["ICT-1"].id).last_seen_at == newer


@pytest.mark.parametrize("action", ["scan", "finish", "cancel"])
def test_a_time_before_the_stocktake_began_is_refused_with_a_message(
    database, two_rooms, ctx, clock, action
):
    """A phone whose clock runs behind, or a caller's stale time, gets a message the
    technician can act on, not a database error, and nothing is recorded."""
    tech = user(two_rooms["tech"])
    stocktake = start(two_rooms)
    ctx.commit()
    before = clock.now - timedelta(minutes=2)
    calls = {
        "scan": lambda: stocktakes.record_scan(tech, stocktake, "ICT-1", now=before),
        "finish": lambda: stocktakes.finish_stocktake(tech, stocktake, now=before),
        "cancel": lambda: stocktakes.cancel_stocktake(tech, stocktake, now=before),
    }
    began = r"08:58 is before this stocktake began \(23/11/2026 09:00\)"
    with pytest.raises(DomainError, match=began):
        calls[action]()
    ctx.rollback()
    assert ctx.get(Stocktake, stocktake.id).status == "open"
    assert stocktakes.counts(stocktake).found == 0
    assert event_count("stocktake.scanned") == 0


def test_a_closed_stocktake_takes_no_more_scans(two_rooms, ctx):
    tech = user(two_rooms["tech"])
    stocktake = start(two_rooms)
    stocktakes.finish_stocktake(tech, stocktake)
    for action in (
        lambda: stocktakes.record_scan(tech, stocktake, "ICT-1"),
        lambda: stocktakes.move_here(tech, stocktake, "OFF-1"),
        lambda: stocktakes.finish_stocktake(tech, stocktake),
        lambda: stocktakes.cancel_stocktake(tech, stocktake),
    ):
        with pytest.raises(DomainError, match="is finished already"):
            action()


def test_cancelling_records_nothing_against_the_assets(database, two_rooms, ctx):
    tech = user(two_rooms["tech"])
    stocktake = start(two_rooms)
    stocktakes.record_scan(tech, stocktake, "ICT-1")
    stocktakes.cancel_stocktake(tech, stocktake)
    ctx.commit()
    assert stocktake.status == "cancelled"
    assert ctx.get(Asset, two_rooms["ICT-1"].id).last_seen_at is None
    assert event_count("stocktake.cancelled") == 1
    assert start(two_rooms).id != stocktake.id


@pytest.mark.parametrize("role", ["office", "staff"])
def test_office_and_staff_cannot_run_stocktakes(make, two_rooms, ctx, role):
    stocktake = start(two_rooms)
    ctx.commit()
    someone = user(make.user(role))
    for action in (
        lambda: stocktakes.start_stocktake(someone, two_rooms["office"].id),
        lambda: stocktakes.record_scan(someone, stocktake, "ICT-1"),
        lambda: stocktakes.move_here(someone, stocktake, "OFF-1"),
        lambda: stocktakes.finish_stocktake(someone, stocktake),
        lambda: stocktakes.cancel_stocktake(someone, stocktake),
    ):
        with pytest.raises(NotAllowed):
            action()


def test_the_database_refuses_inconsistent_lines(database, two_rooms, ctx):
    stocktake = start(two_rooms)
    ctx.commit()
    bad_lines = (
        # unexpected, yet never found
        {"asset_id": two_rooms["OFF-1"].id, "expected": False},
        # found by nobody
        {"asset_id": two_rooms["OFF-1"].id, "expected": False, "found_at": datetime.now(UTC)},
        # the same asset twice
        {"asset_id": two_rooms["ICT-1"].id, "expected": True},
    )
    for values in bad_lines:
        ctx.add(StocktakeItem(stocktake_id=stocktake.id, register_status="available", **values))
        with pytest.raises(IntegrityError):
            ctx.flush()
        ctx.rollback()
    stocktake = ctx.get(Stocktake, stocktake.id)
    stocktake.status = "finished"  # without an end time
    with pytest.raises(IntegrityError):
        ctx.flush()
