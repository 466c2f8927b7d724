"""The week by lesson period for one bookable thing: for each school day and period, free or
held, and by what (a booking and whose it is, an open loan and its due date, the item in
repair, lost or stolen). Days the school is closed are shown closed, with the reason.

What is shown is pluggable. week_grid knows nothing of assets: it takes a `Shown`, which says
what the thing is called, how many units it has (`capacity`: 1 for an asset or a kit, M for
a pool, whose cell then reads "N of M free") and, through its `holds(start, end, viewer,
now)` function, what holds it during the week. Three are made here: asset_shown(); kit_shown()
(the kit's own bookings, and whatever holds each part: its own bookings, an open loan, its
status, as availability.clashes sees a kit); and pool_shown() (its bookings, each with its
`quantity`, and the walk-up loans of its units). A pool also gives `free_counts`: the free
number per cell comes from pool_capacity.pool_week (the PEAK of overlapping bookings, less the
units lent or out of use), read in two queries for the week, not summed from the holds.

Times are the school's: a period's times on each day come from schoolweek (so Period 1 is
07:50 UTC in summer and 08:50 UTC in winter), and a hold shows in every period it overlaps,
half-open, so a booking 08:50-09:50 is in Period 1 only. A hold on a day that overlaps no
period (after school, a weekend) is listed with that day's `other` holds.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import MAXYEAR, UTC, date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import STATUS_LABELS, Asset, Booking, Kit, Loan, Pool, User
from assets.models.booking import LIVE_STATES
from assets.permissions import allows
from assets.services.bookings import availability, pool_capacity
from assets.services.bookings.availability import overlapping
from assets.services.common.clock import date_text, local_date, start_of_day
from assets.services.loans.loans import NOT_LOANABLE
from assets.services.pools.pools import units_of
from assets.services.schoolweek import week
from assets.services.schoolweek.defaults import FIRST_YEAR, LAST_YEAR

# The days shown whatever holds them; Saturday and Sunday appear only when something does.
WEEKDAYS = 5


@dataclass(frozen=True)
class Hold:
    """One thing holding the shown item (or `quantity` of a pool's units) over [start, end),
    UTC. `text` says what it is in words fit for the viewer ("Booked for Ms C Nowak, waiting
    for approval"); `kind` is "booking", "loan" or "status"."""

    start: datetime
    end: datetime
    kind: str
    text: str
    quantity: int = 1
    booking_id: int | None = None
    state: str = ""


# holds(start, end, viewer, now): everything holding the thing somewhere in [start, end).
HoldsFor = Callable[[datetime, datetime, User | None, datetime], Iterable[Hold]]


@dataclass(frozen=True)
class Shown:
    """What a calendar shows: its name, how many units it has, its holds, and the values
    that pre-fill the booking form for it (`book_args`, e.g. {"tag": "TROLLEY-A"})."""

    title: str
    capacity: int
    holds: HoldsFor
    book_args: dict = field(default_factory=dict)
    # The page whose form a free cell's "Book" link fills (with `book_args`, the day and the
    # period): the booking form by tag, or a pool's form by number.
    book_endpoint: str = "bookings.new_booking"
    # Counted by number ("N of M free"), as a pool is, even when M is 1.
    counted: bool = False
    # free_counts(monday, periods, now): {(day, period name): free}, when the free number is
    # not the capacity less the holds' quantities (a pool's peak).
    free_counts: Callable[[date, list, datetime], dict] | None = None


@dataclass
class Cell:
    """One period on one day: its UTC times and what holds it then."""

    period: week.Period
    start: datetime
    end: datetime
    holds: list[Hold]
    capacity: int
    past: bool
    counted: bool = False
    # The free number when worked out elsewhere (Shown.free_counts); else from the holds.
    free: int | None = None

    @property
    def free_count(self) -> int:
        if self.free is not None:
            return self.free
        return max(0, self.capacity - sum(h.quantity for h in self.holds))

    @property
    def is_free(self) -> bool:
        return self.free_count > 0

    @property
    def free_text(self) -> str:
        """ "Free", "Held", or for a pool "12 of 30 free"."""
        if self.counted or self.capacity != 1:
            return f"{self.free_count} of {self.capacity} free"
        return "Free" if self.is_free else "Held"


@dataclass
class Day:
    day: date
    closed: str | None
    cells: list[Cell]
    # Holds on this day that overlap no period (after school, a weekend, a closed day).
    other: list[Hold]

    @property
    def text(self) -> str:
        return f"{self.day:%A} {date_text(self.day)}"


@dataclass
class WeekGrid:
    shown: Shown
    monday: date
    periods: list[week.Period]
    days: list[Day]

    @property
    def previous(self) -> date | None:
        before = self.monday - timedelta(days=7)
        return before if before.year >= FIRST_YEAR else None

    @property
    def next(self) -> date | None:
        after = self.monday + timedelta(days=7)
        return after if after.year <= LAST_YEAR else None

    @property
    def text(self) -> str:
        return f"Week of {date_text(self.monday)}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_asked(text: str | None, today: date) -> tuple[date, str | None]:
    """The Monday of the week a `?week=` value names (any day in it, YYYY-MM-DD), and a
    message when it could not be read, in which case the week of `today` is shown."""
    if not text:
        return monday_of(today), None
    try:
        day = date.fromisoformat(text.strip()[:10])
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= min(LAST_YEAR, MAXYEAR - 1):
        return monday_of(today), (
            "That week could not be read (a date such as 2026-11-23 is needed): this week "
            "is shown instead."
        )
    return monday_of(day), None


def week_grid(shown: Shown, monday: date, viewer: User | None, now: datetime) -> WeekGrid:
    """The week starting `monday` (any day is moved to its Monday) for `shown`: Monday to
    Friday (Saturday and Sunday too when something holds them), each school day split into
    the school's periods, each cell with the holds that overlap it. One call of
    `shown.holds` for the whole week."""
    monday = monday_of(monday)
    first, last = start_of_day(monday), start_of_day(monday + timedelta(days=7))
    holds = sorted(shown.holds(first, last, viewer, now), key=lambda h: (h.start, h.end))
    periods = week.periods()
    counts = shown.free_counts(monday, periods, now) if shown.free_counts else {}
    closed_days = week.closed_days(monday, monday + timedelta(days=6))
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        day_start, day_end = start_of_day(day), start_of_day(day + timedelta(days=1))
        on_day = [h for h in holds if h.start < day_end and h.end > day_start]
        if offset >= WEEKDAYS and not on_day:
            continue
        closed = closed_days.get(day)
        cells = []
        if closed is None:
            for period in periods:
                start, end = week.period_times(day, period)
                cells.append(
                    Cell(
                        period=period,
                        start=start,
                        end=end,
                        holds=[h for h in on_day if h.start < end and h.end > start],
                        capacity=shown.capacity,
                        past=end <= now,
                        counted=shown.counted,
                        free=counts.get((day, period.name)),
                    )
                )
        in_cells = {id(h) for cell in cells for h in cell.holds}
        other = [h for h in on_day if id(h) not in in_cells]
        days.append(Day(day, closed, cells, other))
    return WeekGrid(shown, monday, periods, days)


# ---- an asset -------------------------------------------------------------------------------


def _whose(person, viewer: User | None) -> str:
    """A name only for those who may see whose it is (as availability.clash_text)."""
    if allows(viewer, "can_see_all_loans") or (
        viewer is not None and person is not None and viewer.person_id == person.id
    ):
        return f" for {person.name}"
    return ""


def booking_holds(bookings: Iterable[Booking], viewer: User | None) -> list[Hold]:
    return [
        Hold(
            start=b.starts_at,
            end=b.ends_at,
            kind="booking",
            text=f"Booked{_whose(b.person, viewer)} ({b.state_label.lower()})",
            booking_id=b.id,
            state=b.state,
        )
        for b in bookings
    ]


def _loan_hold(loan: Loan, since: datetime, viewer: User | None, now: datetime) -> Hold:
    """An open loan holds from `since` (_open_loans) to the end of its due date (of today
    once overdue), for ever without one: as availability's clash rule."""
    holder = _whose(loan.person, viewer).replace(" for ", " to ", 1)
    if loan.due_on is None:
        until, text = datetime.max.replace(tzinfo=UTC), f"On a long-term loan{holder}"
    else:
        until = start_of_day(max(loan.due_on, local_date(now)) + timedelta(days=1))
        text = f"On loan{holder}, due back {date_text(loan.due_on)}"
    return Hold(start=since, end=until, kind="loan", text=text)


def _live(column, value, start: datetime, end: datetime):
    """The live bookings with `column` == `value` (or in it, for a list) overlapping [start,
    end), with whose they are."""
    match = column.in_(value) if isinstance(value, list) else column == value
    return db.session.scalars(
        select(Booking)
        .where(match, Booking.state.in_(LIVE_STATES), overlapping(start, end))
        .options(selectinload(Booking.person))
        .order_by(Booking.starts_at, Booking.id)
    )


def _open_loans(
    where, start: datetime, end: datetime, now: datetime
) -> list[tuple[Loan, datetime]]:
    """Open loans matching `where` that hold their asset somewhere in [start, end), with
    their borrowers, each with the moment its hold starts: availability._holding_loan, the
    clash rule, asked at the start of the range, of each day in it and at `now`. A walk-up
    loan holds from when it went out; a collected booking's own loan only once the booking's
    range no longer holds the item (it is late, or its due date was moved past the
    booking)."""
    points = sorted(
        {start, *(p for p in _day_starts(start, end) if start < p < end)}
        | ({now} if start < now < end else set())
    )
    rows = db.session.execute(
        select(Loan, *(availability._holding_loan(p, now) for p in points))
        .where(where, or_(*(availability._holding_loan(p, now) for p in points)))
        .options(selectinload(Loan.person), selectinload(Loan.asset), selectinload(Loan.booking))
        .order_by(Loan.out_at, Loan.id)
    ).all()
    found = []
    for loan, *held in rows:
        if loan.booking is None or loan.booking.state != "collected":
            found.append((loan, loan.out_at))
            continue
        first = next(p for p, h in zip(points, held, strict=True) if h)
        # Held first at `now`: late since the booking ended, earlier today.
        since = loan.booking.ends_at if first == now else max(loan.booking.ends_at, first)
        found.append((loan, since))
    return found


def _day_starts(start: datetime, end: datetime) -> list[datetime]:
    """The start of each local day from `start`'s to `end`'s."""
    first, last = local_date(start), local_date(end)
    return [start_of_day(first + timedelta(days=n)) for n in range((last - first).days + 1)]


def _assets_holds(assets: list[Asset], start, end, viewer, now, *, parts: bool) -> list[Hold]:
    """What holds these assets in [start, end): their own live bookings, an open loan not a
    booking's, a status that keeps them from lending. With `parts`, each says which part."""
    tags = {a.id: a.tag for a in assets}

    def said(asset_id: int, text: str) -> str:
        return f"Its part {tags[asset_id]}: {text[0].lower()}{text[1:]}" if parts else text

    found = []
    for booking in _live(Booking.asset_id, list(tags), start, end):
        (hold,) = booking_holds([booking], viewer)
        found.append(replace(hold, text=said(booking.asset_id, hold.text)))
    for loan, since in _open_loans(Loan.asset_id.in_(list(tags)), start, end, now):
        hold = _loan_hold(loan, since, viewer, now)
        found.append(replace(hold, text=said(loan.asset_id, hold.text)))
    for asset in assets:
        if asset.status in NOT_LOANABLE:
            found.append(Hold(start, end, "status", said(asset.id, STATUS_LABELS[asset.status])))
    return found


def asset_holds(asset_id: int) -> HoldsFor:
    """What holds one asset: its live bookings, an open loan not collected for a booking
    (the booking's own range holds it then), and a status that keeps it from lending."""

    def holds(start: datetime, end: datetime, viewer: User | None, now: datetime):
        asset = db.session.get(Asset, asset_id)
        found = _assets_holds([asset] if asset else [], start, end, viewer, now, parts=False)
        return [h for h in found if h.start < end and h.end > start]

    return holds


def asset_shown(asset: Asset) -> Shown:
    """An asset in the calendar: one unit, its holds, booked by its tag."""
    title = f"{asset.tag} {asset.name}".strip() if asset.name else asset.tag
    return Shown(title=title, capacity=1, holds=asset_holds(asset.id), book_args={"tag": asset.tag})


# ---- a kit ----------------------------------------------------------------------------------


def kit_holds(kit_id: int) -> HoldsFor:
    """What holds a kit, as availability.clashes sees it: the kit's own live bookings, and
    whatever holds any part (the part's own booking, an open loan not the kit booking's, its
    status), each naming the part."""

    def holds(start: datetime, end: datetime, viewer: User | None, now: datetime):
        kit = db.session.get(Kit, kit_id)
        if kit is None:
            return []
        found = booking_holds(_live(Booking.kit_id, kit_id, start, end), viewer)
        parts = availability.parts_of(kit)
        found += _assets_holds(parts, start, end, viewer, now, parts=True)
        if not parts:
            found.append(Hold(start, end, "status", "It has no parts yet"))
        return [h for h in found if h.start < end and h.end > start]

    return holds


def kit_shown(kit: Kit) -> Shown:
    """A kit in the calendar: booked whole (one unit), held by its bookings or any part's."""
    title = f"{kit.tag} {kit.name}".strip() if kit.name else kit.tag
    return Shown(title=title, capacity=1, holds=kit_holds(kit.id), book_args={"tag": kit.tag})


# ---- a pool ---------------------------------------------------------------------------------


def pool_holds(pool: Pool) -> HoldsFor:
    """Who has a pool's units: its live bookings, each with how many; its units' open loans
    not a booking's (walk-up loans); and how many units are out of use. Names only for those
    allowed (as for an asset). Three queries for the week, whatever it holds."""
    pool_id, units = pool.id, units_of(pool)

    def holds(start: datetime, end: datetime, viewer: User | None, now: datetime):
        found = [
            Hold(
                start=b.starts_at,
                end=b.ends_at,
                kind="booking",
                text=f"{b.quantity} booked{_whose(b.person, viewer)} ({b.state_label.lower()})",
                quantity=b.quantity,
                booking_id=b.id,
                state=b.state,
            )
            for b in _live(Booking.pool_id, pool_id, start, end)
        ]
        lent = _open_loans(Loan.asset_id.in_(select(Asset.id).where(units)), start, end, now)
        for loan, since in lent:
            hold = _loan_hold(loan, since, viewer, now)
            found.append(
                replace(hold, text=f"{loan.asset.tag}: {hold.text[0].lower()}{hold.text[1:]}")
            )
        out_of_use = db.session.execute(
            select(Asset.status, func.count(Asset.id))
            .where(units, Asset.status.in_(tuple(s for s in NOT_LOANABLE if s != "retired")))
            .group_by(Asset.status)
            .order_by(Asset.status)
        )
        for status, count in out_of_use:
            text = f"{count} {STATUS_LABELS[status].lower()}"
            found.append(Hold(start, end, "status", text, quantity=count))
        return [h for h in found if h.start < end and h.end > start]

    return holds


def pool_shown(pool: Pool) -> Shown:
    """A pool in the calendar: its units not retired, "N of M free" a period (the peak of its
    bookings, less units lent or out of use: pool_capacity), booked by number on its own
    form."""

    def free_counts(monday: date, periods: list, now: datetime) -> dict:
        found = pool_capacity.pool_week(pool, monday, now, periods=periods)
        return {key: free for key, (free, _total) in found.items()}

    total = db.session.scalar(
        select(func.count(Asset.id)).where(units_of(pool), Asset.status != "retired")
    )
    return Shown(
        title=pool.name,
        capacity=total or 0,
        holds=pool_holds(pool),
        book_args={"pool_id": pool.id},
        book_endpoint="pools.book_pool",
        counted=True,
        free_counts=free_counts,
    )
