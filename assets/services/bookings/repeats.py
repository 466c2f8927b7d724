"""A weekly repeat of a booking's range: its occurrences, the days left out and why, and the
limits of a repeat. Plain dates and times only: what a repeat skips is handed in (`skip`),
so this knows nothing of the school week."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from itertools import islice

from dateutil.rrule import WEEKLY, rrule

from assets.models.booking import LONGEST_BOOKING as LONGEST
from assets.services.common.clock import date_text, local_date, school_zone
from assets.services.common.errors import DomainError

# A weekly repeat for a year at most.
MOST_OCCURRENCES = 53


class Repeat(list):
    """The bookings of a weekly repeat (a list, in order), and the dates it left out with
    why: `skipped`, [(local date, reason)], e.g. [(27/10/2026, "Half term")]."""

    def __init__(self, made, skipped):
        super().__init__(made)
        self.skipped: list[tuple[date, str]] = skipped


def weekly_with_skipped(
    start: datetime, end: datetime, until: date, skip: Callable[[date], bool | str | None]
) -> tuple[list[tuple[datetime, datetime]], list[tuple[date, str]]]:
    """[start, end) and the same local times every week up to `until` (a local date,
    included), leaving out the days `skip` names; and the days left out, with the reason
    `skip` gave (a text such as "Half term", or "skipped" when it said only True). Local
    wall-clock times stay put across a change of clocks: 09:50 in October is 09:50 in
    November."""
    zone = school_zone()
    first, last = start.astimezone(zone), end.astimezone(zone)
    length = last.replace(tzinfo=None) - first.replace(tzinfo=None)
    days = islice(
        rrule(WEEKLY, dtstart=first.replace(tzinfo=None), until=datetime.combine(until, time.max)),
        MOST_OCCURRENCES,
    )
    found, skipped = [], []
    for wall in days:
        reason = skip(wall.date())
        if reason:
            skipped.append((wall.date(), reason if isinstance(reason, str) else "skipped"))
            continue
        found.append(
            (
                wall.replace(tzinfo=zone).astimezone(UTC),
                (wall + length).replace(tzinfo=zone).astimezone(UTC),
            )
        )
    return found, skipped


def occurrences(
    start: datetime,
    end: datetime,
    until: date,
    now: datetime,
    skip: Callable[[date], bool | str | None],
) -> tuple[list[tuple[datetime, datetime]], list[tuple[date, str]]]:
    """The occurrences of a weekly repeat of [start, end) to `until` and the days skipped
    (weekly_with_skipped), refusing an `until` before the start, more than a year on, or
    more than a year ahead (check_until), and a repeat whose every week is skipped."""
    check_until(local_date(start), until, now)
    found, skipped = weekly_with_skipped(start, end, until, skip)
    if not found:
        raise DomainError(
            "Every week in that range is skipped"
            + (f" ({skipped_text(skipped)})" if skipped else "")
            + ": nothing to book.",
            field="until",
        )
    return found, skipped


def check_until(first: date, until: date, now: datetime) -> None:
    """Refuse (DomainError on "until") a repeat from the local date `first` to `until`
    before it starts, lasting more than a year, or reaching more than a year ahead of `now`:
    checked before anything is read over the span (the school week's closed days)."""
    if until < first:
        raise DomainError("Repeat until a date on or after the first booking.", field="until")
    if until - first > LONGEST:
        raise DomainError("A booking can repeat for a year at most.", field="until")
    latest = local_date(now) + LONGEST
    if until > latest:
        raise DomainError(
            f"Bookings can be made up to a year ahead: repeat until {date_text(latest)} at most.",
            field="until",
        )


def skipped_text(skipped: list[tuple[date, str]]) -> str:
    """ "27/10/2026 (Half term), 03/11/2026 (INSET day)"."""
    return ", ".join(f"{date_text(day)} ({reason})" for day, reason in skipped)
