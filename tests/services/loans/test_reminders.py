"""When a reminder is due again: `again_after` counts school dates, not hours, so a daily run
that starts a few minutes earlier than the last one, or the spring clock change, does not
push the next reminder a day later."""

from datetime import UTC, datetime

import pytest

from assets.extensions import db
from assets.models import Loan
from assets.services.loans import reminders


@pytest.fixture
def unsigned_loan(app, database, make, clock):
    """Zoë O'Brien-Ñúñez holds a laptop she has not signed for."""
    zoe = make.person("Zoë O'Brien-Ñúñez", email="zoe@ashbrook.sch.uk")
    return make.loan(make.asset("ASH-0200"), zoe, signed=False).id


def _remind_at(app, clock, loan_id, moment):
    clock.move_to(moment)
    with app.app_context():
        (reminder,), _ = reminders.due("signature", now=clock.now)
        reminders.mark_sent("signature", reminder, now=clock.now)
        db.session.commit()
        assert db.session.get(Loan, loan_id).signature_reminded_at is not None


def _due_at(app, clock, moment, again_after=3) -> bool:
    clock.move_to(moment)
    with app.app_context():
        waiting, _ = reminders.due("signature", again_after=again_after, now=clock.now)
    return bool(waiting)


def test_a_run_a_little_earlier_three_days_later_reminds_again(app, unsigned_loan, clock):
    _remind_at(app, clock, unsigned_loan, datetime(2026, 11, 23, 6, 15, tzinfo=UTC))
    assert not _due_at(app, clock, datetime(2026, 11, 24, 6, 15, tzinfo=UTC))
    assert not _due_at(app, clock, datetime(2026, 11, 25, 23, 59, tzinfo=UTC))
    assert _due_at(app, clock, datetime(2026, 11, 26, 6, 10, tzinfo=UTC)), "three school days"
    assert _due_at(app, clock, datetime(2026, 11, 26, 0, 1, tzinfo=UTC))
    assert _due_at(app, clock, datetime(2026, 11, 24, 6, 10, tzinfo=UTC), again_after=1)
    assert not _due_at(app, clock, datetime(2026, 11, 23, 23, 50, tzinfo=UTC), again_after=1)
    assert _due_at(app, clock, datetime(2026, 11, 23, 6, 20, tzinfo=UTC), again_after=0)


@pytest.mark.parametrize(
    ("reminded", "checked"),
    [
        # 06:15 GMT on Saturday 27 March 2027, then 06:15 BST (05:15 UTC) on Tuesday 30th:
        # 71 hours later, three school days.
        (datetime(2027, 3, 27, 6, 15, tzinfo=UTC), datetime(2027, 3, 30, 5, 15, tzinfo=UTC)),
        # Sunday 28th (BST from 01:00 UTC) to Wednesday 31st, a little earlier.
        (datetime(2027, 3, 28, 5, 15, tzinfo=UTC), datetime(2027, 3, 31, 5, 10, tzinfo=UTC)),
    ],
)
def test_the_spring_clock_change_does_not_delay_a_reminder(
    app, unsigned_loan, clock, reminded, checked
):
    _remind_at(app, clock, unsigned_loan, reminded)
    assert _due_at(app, clock, checked)


def test_half_past_midnight_in_summer_is_already_the_next_school_day(app, unsigned_loan, clock):
    # Reminded 23:30 BST on Thursday 1 July 2027 (22:30 UTC): the school date is the 1st.
    _remind_at(app, clock, unsigned_loan, datetime(2027, 7, 1, 22, 30, tzinfo=UTC))
    # 00:30 BST on Sunday 4 July (23:30 UTC on the 3rd) is three school days later.
    assert _due_at(app, clock, datetime(2027, 7, 3, 23, 30, tzinfo=UTC))
    assert not _due_at(app, clock, datetime(2027, 7, 3, 22, 30, tzinfo=UTC))
