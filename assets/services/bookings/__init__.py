"""Booking single assets ahead: who may book what and when, repeats, approval, cancelling, and
what is free instead (issue 16).

It owns the bookings table and its rules, and nothing else: the school week (lesson periods,
term dates) is schoolweek's, handed in as plain values (a UTC range; `skip`, a day test, for
repeats); the hand-over when a booking is collected is loans'.

- bookings.py: book, book_repeating, cancel, approve, decline, and the steps every booking
  shares (prepare, check_range, write, record_created) that pool_bookings.py takes too.
- repeats.py: a weekly repeat's occurrences, the days it skips and its limits.
- extending.py: extend (a later end, while nothing later holds it) and may_extend.
- pool_bookings.py, pool_capacity.py: booking a number of a pool's units, and how many are free.
- calendar.py: the week by period for an asset, a kit or a pool.
- availability.py: what stands in a range's way (other bookings, an open loan, the item's
  status), the free alternatives, the bookings of an asset or a person, and the lock that
  makes checking and writing one step.
- ahead.py: what is booked next for some assets; a loan, or a longer one, must not run
  into a later booking (a check loans' check-out runs, and extensions).
- collections.py: collect (the loans hand-over with one signature), returned when its loan is
  checked in (a hook in returns), release_uncollected, and today's collections and returns.

No double booking: the database guarantees it (bookings' exclusion constraint on PostgreSQL;
on SQLite the write lock taken before the check, so writers queue), the service gives the
friendly message, naming the clash and the free alternatives.
"""

from assets.services.bookings import (
    ahead,  # noqa: F401  (adds the check-out check)
    collections,  # noqa: F401  (adds the return hook)
)
