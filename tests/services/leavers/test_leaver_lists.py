"""Who the leavers dashboard lists and in what order, and what a leaver sees on their page."""

from datetime import timedelta

from assets.models import LeaverCase, Person
from assets.services.leavers import leaver_closing, leaver_lists, leavers
from tests.support.drawings import drawn_signature
from tests.support.leavers import (
    finish_everything_but_closing,
    new_leaver_with_kit,
    opened,
    school_today,
    set_contract_end,
    technician_of,
)


def leaving(app, make, name: str, days: int | None, *, holding: bool = True):
    person = make.person(name)
    set_contract_end(
        app, person.id, school_today(app) + timedelta(days=days) if days is not None else None
    )
    if holding:
        make.loan(make.asset(), person)
    return person


def names(rows) -> list[str]:
    return [row.person.name for row in rows]


def test_the_dashboard_lists_holders_leaving_soon_and_overdue_most_urgent_first(app, make, ctx):
    leaving(app, make, "In 20 days", 20)
    leaving(app, make, "Gone 5 days ago", -5)
    leaving(app, make, "Leaves today", 0)
    leaving(app, make, "In 40 days", 40)
    leaving(app, make, "In 10 days holding nothing", 10, holding=False)
    leaving(app, make, "Permanent", None)

    rows = leaver_lists.dashboard()

    assert names(rows) == ["Gone 5 days ago", "Leaves today", "In 20 days"]
    assert [row.when for row in rows] == ["Left 5 days ago", "Leaves today", "Leaves in 20 days"]
    assert [row.overdue for row in rows] == [True, False, False]
    assert [len(row.held) for row in rows] == [1, 1, 1]
    assert rows[0].progress == "Checklist not started"
    assert names(leaver_lists.dashboard(days=45))[-1] == "In 40 days"


def test_a_checklist_under_way_stays_listed_until_it_closes(app, make, ctx):
    leaver_with_kit = new_leaver_with_kit(app, make, days_left=60)
    assert leaver_lists.dashboard() == []
    case = opened(leaver_with_kit)
    finish_everything_but_closing(leaver_with_kit, case)

    [row] = leaver_lists.dashboard()
    assert row.case.id == case.id
    assert row.held == []
    assert row.progress == "5 of 5 steps done"  # 2 items, 1 wipe, 2 accounts

    leaver_closing.close_case(
        technician_of(leaver_with_kit),
        case,
        technician_signature=drawn_signature(),
        unsigned_reason="Left early.",
    )
    ctx.commit()
    assert leaver_lists.dashboard(days=90) == []


def test_a_closed_checklist_does_not_hide_a_later_contract_end(app, make, ctx):
    leaver_with_kit = new_leaver_with_kit(app, make, days_left=5)
    case = opened(leaver_with_kit)
    finish_everything_but_closing(leaver_with_kit, case)
    leaver_closing.close_case(
        technician_of(leaver_with_kit),
        case,
        technician_signature=drawn_signature(),
        unsigned_reason="Gone",
    )
    ctx.commit()
    make.loan(make.asset(), leaver_with_kit.leaver)
    assert leaver_lists.dashboard() == []  # the same contract end: the case is closed

    set_contract_end(
        app, leaver_with_kit.leaver.id, school_today(app) + timedelta(days=25)
    )  # rehired, leaving again
    assert names(leaver_lists.dashboard()) == ["Mrs J Smullen"]


def test_the_reminder_covers_14_days_and_the_overdue(app, make, ctx):
    leaving(app, make, "In 20 days", 20)
    leaving(app, make, "In 14 days", 14)
    leaving(app, make, "Gone yesterday", -1)
    assert names(leaver_lists.reminder_rows()) == ["Gone yesterday", "In 14 days"]


def test_the_window_is_30_days_unless_a_sensible_number_is_asked_for():
    assert leaver_lists.clamp_days(None) == 30
    assert leaver_lists.clamp_days(7) == 7
    assert leaver_lists.clamp_days(0) == 30
    assert leaver_lists.clamp_days(10_000) == 30


def test_what_the_leaver_sees_from_reminder_to_closed(app, make, ctx):
    leaver_with_kit = new_leaver_with_kit(app, make, days_left=10)

    def status():
        return leaver_lists.status_for(ctx.get(Person, leaver_with_kit.leaver.id))

    before = status()
    assert (before.case, before.leaving_on) == (None, school_today(app) + timedelta(days=10))
    assert sorted(loan.asset.tag for loan in before.held) == ["ASH-0003", "ASH-0025"]

    case = opened(leaver_with_kit)
    under_way = status()
    assert under_way.checklist.done_count == 0
    assert not under_way.closed

    finish_everything_but_closing(leaver_with_kit, case)
    leaver_closing.close_case(
        technician_of(leaver_with_kit),
        ctx.get(LeaverCase, case.id),
        technician_signature=drawn_signature(),
        leaver_signature=drawn_signature(),
    )
    ctx.commit()
    assert status().closed


def test_nothing_is_said_to_staff_who_are_not_leaving(app, make, ctx):
    person = make.person("Staying on")
    make.loan(make.asset(), person)
    assert leaver_lists.status_for(ctx.get(Person, person.id)) is None
    assert leaver_lists.status_for(None) is None
    far = leaving(app, make, "Leaves next year", 300)
    assert leaver_lists.status_for(ctx.get(Person, far.id)) is None


def test_the_latest_case_is_the_open_one(app, make, ctx):
    leaver_with_kit = new_leaver_with_kit(app, make)
    case = opened(leaver_with_kit)
    assert leavers.latest_case_for(ctx.get(Person, leaver_with_kit.leaver.id)).id == case.id
