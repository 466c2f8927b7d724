"""Two technicians at the same checklist at the same moment, each on their own session and
connection: a step is recorded once, and the other is told who recorded it."""

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import Event, Incident, LeaverCase, LeaverStep, Loan, Person, User
from assets.services.common.errors import DomainError
from assets.services.leavers import leaver_closing, leaver_steps, leavers
from tests.support.concurrency import race
from tests.support.drawings import drawn_signature
from tests.support.leavers import finish_everything_but_closing


@pytest.fixture
def two_technicians(make, leaver_with_kit):
    case = make.leaver_case(
        leaver_with_kit.leaver, by=leaver_with_kit.technician, licences=["Adobe Creative Cloud"]
    )
    other = make.user("technician", name="Mrs T Jones")
    return case, [leaver_with_kit.technician, other]


def attempt(work):
    try:
        result = work()
        db.session.commit()
    except DomainError as refused:
        db.session.rollback()
        return refused
    return result


def test_two_technicians_recording_the_same_item_record_it_once(
    app,
    leaver_with_kit,
    two_technicians,
    database,
):
    case_ref, technicians = two_technicians
    outcomes_wanted = [("full_working", ""), ("damaged", "Hinge broken.")]

    def record(i: int, barrier: threading.Barrier):
        technician = db.session.get(User, technicians[i].id)
        case = db.session.get(LeaverCase, case_ref.id)
        loan = db.session.get(Loan, leaver_with_kit.laptop_loan.id)
        assert not leavers.checklist(case).items[0].done  # both see it outstanding
        barrier.wait()
        outcome, note = outcomes_wanted[i]
        return attempt(lambda: leaver_steps.record_item(technician, case, loan, outcome, note))

    outcomes = race(app, record, desks=2)

    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refusals) == 1, outcomes
    winner = technicians[1 - outcomes.index(refusals[0])]
    assert refusals[0].message.startswith(
        f"ASH-0003 HP ProBook 440: already recorded by {winner.name} at "
    )
    assert "locked" not in refusals[0].message
    with app.app_context():
        steps = db.session.scalars(select(LeaverStep).where(LeaverStep.kind == "item")).all()
        assert len(steps) == 1
        assert steps[0].completed_by_id == winner.id
        returned = select(func.count()).where(Event.action == "loan.returned")
        assert db.session.scalar(returned) == 1
        recorded = select(func.count()).where(Event.action == "leaver.item_recorded")
        assert db.session.scalar(recorded) == 1
        reports = db.session.scalar(select(func.count(Incident.id)))
        assert reports == (1 if steps[0].outcome == "damaged" else 0)


def test_two_technicians_ticking_the_same_licence_tick_it_once(
    app,
    two_technicians,
    database,
):
    case_ref, technicians = two_technicians

    def tick(i: int, barrier: threading.Barrier):
        technician = db.session.get(User, technicians[i].id)
        case = db.session.get(LeaverCase, case_ref.id)
        step = db.session.get(LeaverStep, case_ref.licence_step_ids[0])
        barrier.wait()
        return attempt(lambda: leaver_steps.return_licence(technician, case, step, f"by {i}"))

    outcomes = race(app, tick, desks=2)

    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refusals) == 1, outcomes
    assert "Adobe Creative Cloud: already recorded by" in refusals[0].message
    with app.app_context():
        events = select(func.count()).where(Event.action == "leaver.licence_returned")
        assert db.session.scalar(events) == 1


def test_closing_while_a_licence_is_added_never_closes_over_an_outstanding_line(
    app,
    leaver_with_kit,
    two_technicians,
    database,
):
    case_ref, technicians = two_technicians
    with app.app_context():
        case = db.session.get(LeaverCase, case_ref.id)
        finish_everything_but_closing(leaver_with_kit, case)
        step = db.session.get(LeaverStep, case_ref.licence_step_ids[0])
        leaver_steps.return_licence(db.session.get(User, technicians[0].id), case, step)
        db.session.commit()

    def act(i: int, barrier: threading.Barrier):
        technician = db.session.get(User, technicians[i].id)
        case = db.session.get(LeaverCase, case_ref.id)
        barrier.wait()
        if i == 0:
            return attempt(
                lambda: leaver_closing.close_case(
                    technician,
                    case,
                    technician_signature=drawn_signature(),
                    leaver_signature=drawn_signature(),
                )
            )
        return attempt(lambda: leaver_steps.add_licence(technician, case, "Late licence"))

    closed, added = race(app, act, desks=2)

    assert isinstance(closed, DomainError) != isinstance(added, DomainError), (closed, added)
    with app.app_context():
        case = db.session.get(LeaverCase, case_ref.id)
        late = db.session.scalar(select(LeaverStep).where(LeaverStep.label == "Late licence"))
        if case.status == "closed":
            assert late is None
            assert added.message.startswith("This checklist has been closed")
        else:
            assert late is not None and not late.is_done
            assert "Late licence" in closed.message


def test_two_technicians_opening_the_same_checklist_share_one(
    app,
    leaver_with_kit,
    database,
):
    other = leaver_with_kit.make.user("technician")
    technicians = [leaver_with_kit.technician, other]

    def open_it(i: int, barrier: threading.Barrier):
        technician = db.session.get(User, technicians[i].id)
        person = db.session.get(Person, leaver_with_kit.leaver.id)
        barrier.wait()
        try:
            case, _ = leavers.open_case(technician, person)
            db.session.commit()
        except IntegrityError:
            # What the view does: the other one got in first, so resume theirs.
            db.session.rollback()
            case, _ = leavers.open_case(technician, person)
            db.session.commit()
        return case.id

    first, second = race(app, open_it, desks=2)

    assert first == second
    with app.app_context():
        assert db.session.scalar(select(func.count(LeaverCase.id))) == 1
