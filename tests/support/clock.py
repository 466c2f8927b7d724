"""The one way tests control time: the `clock` fixture (tests/conftest.py).

A test that needs a known date asks for `clock`; every clock the app reads (`datetime.now`,
`date.today`, `time.time`) then stands still at `FROZEN_AT` for the whole test, services and
the live server included, and moves only when the test moves it. Services still take `now=`:
a test passes `clock.now`, or a time computed from it, never a fixed date beside the real clock.
A test without `clock` runs at the machine's real time and must only use times relative to it.
"""

from datetime import UTC, datetime, timedelta

import time_machine

# A Monday morning in term time, in winter (GMT), so local and UTC dates agree.
FROZEN_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Clock:
    """A frozen clock: `now` is the time every part of the app sees."""

    def __init__(self, traveller: time_machine.Traveller):
        self._traveller = traveller

    @property
    def now(self) -> datetime:
        return datetime.now(UTC)

    def advance(self, **delta: float) -> datetime:
        """Move time forward by a `timedelta(**delta)`; returns the new now."""
        self._traveller.shift(timedelta(**delta))
        return self.now

    def move_to(self, moment: datetime) -> datetime:
        self._traveller.move_to(moment)
        return self.now


def frozen(moment: datetime = FROZEN_AT):
    """A context manager that freezes time at `moment` (a `Clock` inside)."""
    return time_machine.travel(moment, tick=False)
