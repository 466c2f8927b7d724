"""How many of a pool's units are free over a UTC range [start, end), and a week of it by
period for the calendar.

Free = the units that can be lent (not in repair, lost, stolen or retired), less those held by
an open loan that is not a collected booking's own (availability._holding_loan's rule: a
walk-up loan holds its unit to the end of its due date), less the PEAK of the summed
quantities of the pool's live bookings over the range (a unit's own booking, made before it
became a unit, counting as one). Peak, not sum: 10 booked 09:00-10:00
and 10 booked 10:00-11:00 never hold 20 at once (ranges are half-open; touching is not
overlapping).

Everything is read in two queries (the units with their holding loans; the live bookings over
the span) and counted in Python, so a week of 25 periods or a term of repeats costs the same
two queries as one period.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select

from assets.extensions import db
from assets.models import Asset, Booking, Loan, Pool
from assets.models.booking import LIVE_STATES, LONGEST_BOOKING
from assets.services.bookings import availability
from assets.services.common.clock import local_date, local_moment
from assets.services.loans.loans import NOT_LOANABLE
from assets.services.pools.pools import units_of
from assets.services.schoolweek import week


@dataclass
class Capacity:
    """A pool's units and its live bookings over a span, read once; `free` answers for any
    range inside the span."""

    total: int  # units not retired
    lendable: int  # units not in repair, lost, stolen or retired
    today: date
    # The due dates of the open loans that hold lendable units (not a collected booking's).
    loans_due: list[date | None] = field(default_factory=list)
    bookings: list[tuple[datetime, datetime, int]] = field(default_factory=list)

    def held(self, start: datetime) -> int:
        """Units held at `start` by open loans: all of them up to today; after today, those
        due that day or later, or with no due date (availability._holding_loan)."""
        day = local_date(start)
        if day <= self.today:
            return len(self.loans_due)
        return sum(1 for due in self.loans_due if due is None or due >= day)

    def peak(self, start: datetime, end: datetime) -> int:
        """The most units the live bookings hold at any one instant of [start, end)."""
        points = []
        for first, last, quantity in self.bookings:
            if first < end and last > start:
                points.append((max(first, start), 1, quantity))
                # An end sorts before a start at the same instant: touching does not add up.
                points.append((min(last, end), 0, -quantity))
        points.sort()
        running = most = 0
        for _at, _kind, change in points:
            running += change
            most = max(most, running)
        return most

    def free(self, start: datetime, end: datetime) -> int:
        return max(0, self.lendable - self.held(start) - self.peak(start, end))


def lock_pool(pool: Pool) -> None:
    """Make the count that follows and the writes after it one step for this pool (a booking
    of it, a longer booking, a walk-up loan of a unit): PostgreSQL locks the pool's row;
    SQLite takes the database's write lock (availability.serialise_writers)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Pool.id).where(Pool.id == pool.id).with_for_update()).one()
    else:
        availability.serialise_writers([])


def load(pool: Pool, start: datetime, end: datetime, now: datetime, *, skip_booking=None):
    """The pool's capacity over [start, end), read in two queries. `skip_booking`: a booking
    id to leave out (one being moved)."""
    holding = and_(Loan.asset_id == Asset.id, availability._holding_loan(now, now))
    rows = db.session.execute(
        select(Asset.status, Loan.id, Loan.due_on)
        .select_from(Asset)
        .outerjoin(Loan, holding)
        .where(units_of(pool), Asset.status != "retired")
    ).all()
    lendable = [row for row in rows if row.status not in NOT_LOANABLE]
    # A unit's own booking (made before the pool, or before the asset joined its place)
    # holds that unit as a booking of one.
    own = select(Asset.id).where(units_of(pool), Asset.status.not_in(tuple(NOT_LOANABLE)))
    query = select(Booking.starts_at, Booking.ends_at, func.coalesce(Booking.quantity, 1)).where(
        or_(Booking.pool_id == pool.id, Booking.asset_id.in_(own)),
        Booking.starts_at < end,
        Booking.starts_at > start - LONGEST_BOOKING,  # bounds the index scan from below
        Booking.ends_at > start,
        Booking.state.in_(LIVE_STATES),
    )
    if skip_booking is not None:
        query = query.where(Booking.id != skip_booking)
    return Capacity(
        total=len(rows),
        lendable=len(lendable),
        today=local_date(now),
        loans_due=[row.due_on for row in lendable if row.id is not None],
        bookings=[tuple(row) for row in db.session.execute(query)],
    )


def free_between(pool: Pool, start: datetime, end: datetime, now: datetime) -> tuple[int, int]:
    """(free, total) for [start, end)."""
    capacity = load(pool, start, end, now)
    return capacity.free(start, end), capacity.total


def pool_week(
    pool: Pool, monday: date, now: datetime, periods: list | None = None
) -> dict[tuple[date, str], tuple[int, int]]:
    """The pool's week by period: {(day, period name): (free, total)} for Monday to Friday
    of the week starting `monday` and each bookable period (week.periods(bookable_only=True)
    unless `periods` is given). Closed days are answered too: the calendar greys them. Two
    queries for the pool, whatever the week holds."""
    periods = periods if periods is not None else week.periods(bookable_only=True)
    days = [monday + timedelta(days=n) for n in range(5)]
    if not periods:
        return {}
    cells = {
        (day, period.name): week.period_times(day, period) for day in days for period in periods
    }
    first = min(start for start, _end in cells.values())
    last = max(end for _start, end in cells.values())
    capacity = load(pool, first, last, now)
    return {key: (capacity.free(start, end), capacity.total) for key, (start, end) in cells.items()}


def day_text(moment: datetime) -> str:
    """ "Tue 8 Dec"."""
    local = local_moment(moment)
    return f"{local:%a} {local.day} {local:%b}"


def when_text(start: datetime, end: datetime) -> str:
    """ "Tue 8 Dec Period 3" when the range is a lesson period that day, else
    "Tue 8 Dec 09:00-10:30" (with an en dash)."""
    day = local_date(start)
    for period in week.periods():
        if week.period_times(day, period) == (start, end):
            return f"{day_text(start)} {period.name}"
    return f"{day_text(start)} {local_moment(start):%H:%M}\u2013{local_moment(end):%H:%M}"


def free_periods_after(
    pool: Pool, start: datetime, quantity: int, now: datetime, most: int = 3
) -> list[tuple[str, int]]:
    """The bookable periods later on `start`'s school day with at least `quantity` free:
    [(period name, free)], at most `most`."""
    day = local_date(start)
    later = [
        (period, *week.period_times(day, period))
        for period in week.periods(bookable_only=True)
        if week.period_times(day, period)[0] > start
    ]
    later = [(p, s, e) for p, s, e in later if s >= now]
    if not later:
        return []
    capacity = load(pool, later[0][1], later[-1][2], now)
    found = [(p.name, capacity.free(s, e)) for p, s, e in later]
    return [(name, free) for name, free in found if free >= quantity][:most]
