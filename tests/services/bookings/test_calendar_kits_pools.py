"""The week by lesson period for a kit and for a pool. A kit is held by its own bookings and
by whatever holds any part (named); a pool's cells say "N of M free" from pool_capacity (the
peak of overlapping bookings, not their sum; walk-up loans and units out of use count), and
say who has it only to those allowed. On both databases. The clock stands at Monday
23/11/2026 09:00 (GMT)."""

from datetime import date

import pytest
from sqlalchemy import event, select

from assets.extensions import db
from assets.models import Asset, KitPart, Pool
from assets.services.bookings import bookings, calendar, pool_bookings
from tests.support.bookings import asset, at, kit, kit_school, person_of, user

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)


@pytest.fixture
def s(make, database, clock):
    make.terms()
    s = kit_school(make)
    office = make.location("IT office")
    ipads = make.category("Loan iPad", default_loan_days=7)
    s.pool = make.pool("Loan iPads, IT office", category=ipads, location=office, units=4)
    return s


def cell(g, day: date, period: str):
    found = next(d for d in g.days if d.day == day)
    return next(c for c in found.cells if c.period.name == period)


def kit_grid(s, clock, viewer=None):
    shown = calendar.kit_shown(kit(s.kit_a))
    return calendar.week_grid(shown, MONDAY, viewer or user(s.technician), clock.now)


def pool_grid(s, clock, viewer=None):
    shown = calendar.pool_shown(db.session.get(Pool, s.pool.id))
    return calendar.week_grid(shown, MONDAY, viewer or user(s.technician), clock.now)


def book_pool(s, quantity, day, start, end, clock, who=None):
    made = pool_bookings.book_pool(
        user(s.technician),
        db.session.get(Pool, s.pool.id),
        person_of(who or s.borrower),
        quantity,
        at(day, start),
        at(day, end),
        clock.now,
    )
    db.session.commit()
    return made


# ---- a kit ----------------------------------------------------------------------------------


def test_a_kit_is_held_by_its_own_booking_and_by_each_parts_loan_and_status(make, s, ctx, clock):
    bookings.book(
        user(s.technician),
        kit(s.kit_a),
        person_of(s.borrower),
        at("2026-11-24", "08:50"),
        at("2026-11-24", "09:50"),
        clock.now,
    )
    db.session.commit()
    g = kit_grid(s, clock)
    assert g.shown.title == "KIT-A iPad trolley A" and g.shown.book_args == {"tag": "KIT-A"}
    held = cell(g, TUESDAY, "Period 1")
    assert held.free_text == "Held"
    assert [h.text for h in held.holds] == ["Booked for Miss A Guthrie (booked)"]
    assert cell(g, TUESDAY, "Period 2").free_text == "Free"

    # A charger lent walk-up until today (it must be back before the booking), an iPad sent
    # for repair: both named.
    make.loan(s.parts_a[5], person_of(s.colleague), due_on=MONDAY, now=clock.now)
    asset(s.parts_a[1]).status = "in_repair"
    db.session.commit()
    g = kit_grid(s, clock)
    today, tuesday = cell(g, MONDAY, "Period 3"), cell(g, TUESDAY, "Period 3")
    assert {h.text for h in today.holds} == {
        "Its part ASH-0035: on loan to Ms C Nowak, due back 23/11/2026",
        "Its part ASH-0031: in repair",
    }
    assert [h.text for h in tuesday.holds] == ["Its part ASH-0031: in repair"]
    assert not today.is_free and not tuesday.is_free


def test_a_kits_part_booked_on_its_own_shows_and_names_are_only_for_those_allowed(
    make, s, ctx, clock
):
    # A part booked before it joined the kit (a booking made on the asset).
    loose = make.asset("ASH-0099", category=s.ipads)
    make.booking(loose, person_of(s.colleague), start=at("2026-11-24", "11:10"), now=clock.now)
    # The register refuses it now; a part that joined earlier (written past the service).
    db.session.add(KitPart(kit_id=s.kit_a.id, asset_id=loose.id))
    db.session.commit()
    for viewer, text in (
        (s.technician, "Its part ASH-0099: booked for Ms C Nowak (booked)"),
        (s.colleague, "Its part ASH-0099: booked for Ms C Nowak (booked)"),
        (s.staff, "Its part ASH-0099: booked (booked)"),
    ):
        g = kit_grid(s, clock, viewer=user(viewer))
        assert [h.text for h in cell(g, TUESDAY, "Period 3").holds] == [text]


# ---- a pool ---------------------------------------------------------------------------------


def test_a_pools_cells_say_how_many_are_free_by_the_peak_not_the_sum(s, ctx, clock):
    # Period 3 is 11:10-12:10: 2 booked for its first half and 2 for its second never hold
    # 4 at once, so 2 of 4 stay free; a third booking over all of it leaves none.
    book_pool(s, 2, "2026-11-24", "11:10", "11:40", clock)
    book_pool(s, 2, "2026-11-24", "11:40", "12:10", clock, who=s.colleague)
    g = pool_grid(s, clock)
    assert g.shown.capacity == 4 and g.shown.book_args == {"pool_id": s.pool.id}
    period_3 = cell(g, TUESDAY, "Period 3")
    assert period_3.free_text == "2 of 4 free" and period_3.is_free
    assert [(h.text, h.quantity) for h in period_3.holds] == [
        ("2 booked for Miss A Guthrie (booked)", 2),
        ("2 booked for Ms C Nowak (booked)", 2),
    ]
    assert cell(g, TUESDAY, "Period 2").free_text == "4 of 4 free"
    book_pool(s, 2, "2026-11-24", "11:10", "12:10", clock)
    full = cell(pool_grid(s, clock), TUESDAY, "Period 3")
    assert full.free_text == "0 of 4 free" and not full.is_free


def test_a_pool_of_one_still_counts_and_walk_up_loans_and_repairs_show(make, s, ctx, clock):
    units = [db.session.scalar(select(Asset).where(Asset.tag == t)) for t in s.pool.unit_tags]
    units[0].status = "in_repair"
    db.session.commit()
    make.loan(units[1], person_of(s.colleague), due_on=date(2026, 11, 24), now=clock.now)
    g = pool_grid(s, clock, viewer=user(s.staff))
    tuesday, wednesday = cell(g, TUESDAY, "Period 3"), cell(g, date(2026, 11, 25), "Period 3")
    assert tuesday.free_text == "2 of 4 free" and wednesday.free_text == "3 of 4 free"
    # A teacher is not told whose loan it is.
    assert sorted(h.text for h in tuesday.holds) == [
        "1 in repair",
        f"{units[1].tag}: on loan, due back 24/11/2026",
    ]
    assert [h.text for h in wednesday.holds] == ["1 in repair"]


def statements_for(s, clock) -> list[str]:
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        pool_grid(s, clock)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statements


def test_a_pools_week_is_read_in_a_few_queries_however_full(s, ctx, clock):
    book_pool(s, 1, "2026-11-23", "09:50", "10:50", clock)
    one = statements_for(s, clock)
    for day in ("2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"):
        for start, end in (("11:10", "12:10"), ("13:50", "14:50")):
            book_pool(s, 1, day, start, end, clock, who=s.colleague)
    assert len(statements_for(s, clock)) == len(one)
    # The pool's own: its units counted, its bookings (and whose), its walk-up loans, units
    # out of use, and pool_capacity's two; the rest is the school week's.
    assert len([q for q in one if "school_terms" not in q]) <= 10, "\n\n".join(one)
    assert cell(pool_grid(s, clock), date(2026, 11, 27), "Period 3").free_text == "3 of 4 free"
