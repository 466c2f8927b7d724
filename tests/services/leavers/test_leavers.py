"""The leaver's return checklist through its services: items back through the desk's own
return (or reported), wipes, licences, accounts, and closing only when all is done."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from assets.extensions import db
from assets.models import (
    Asset,
    Event,
    Incident,
    LeaverCase,
    LeaverSignature,
    LeaverStep,
    Loan,
    Person,
    User,
)
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.incidents import cases
from assets.services.leavers import leaver_closing, leaver_steps, leavers
from assets.services.loans import returns
from tests.support.drawings import drawn_signature
from tests.support.leavers import (
    finish_everything_but_closing,
    opened,
    record,
    technician_of,
)


def keys(lines) -> list[str]:
    return [line.key for line in lines]


def test_the_checklist_lists_what_they_hold_and_the_policy_steps(ctx, leaver_with_kit):
    case = opened(leaver_with_kit)
    checklist = leavers.checklist(case)

    assert [line.title for line in checklist.items] == [
        "ASH-0003 HP ProBook 440",
        "ASH-0025 Canon PowerShot",
    ]
    assert checklist.wipes == []  # a wipe appears once the laptop is back
    assert keys(checklist.accounts) == ["network_account", "app_login"]
    assert [line.state for line in checklist.lines] == ["outstanding"] * 4
    assert not checklist.complete
    event = ctx.scalar(select(Event).where(Event.action == "leaver.case_opened"))
    assert event.person_id == leaver_with_kit.leaver.id
    assert "Mrs J Smullen" in event.summary


def test_opening_again_resumes_the_case_under_way(ctx, leaver_with_kit):
    first = opened(leaver_with_kit)
    again, started = leavers.open_case(
        technician_of(leaver_with_kit), ctx.get(Person, leaver_with_kit.leaver.id)
    )
    assert (again.id, started) == (first.id, False)
    assert ctx.scalar(select(func.count(LeaverCase.id))) == 1


def test_only_technicians_and_admins_run_checklists(ctx, leaver_with_kit, make):
    office = ctx.get(User, make.user("office").id)
    with pytest.raises(NotAllowed):
        leavers.open_case(office, ctx.get(Person, leaver_with_kit.leaver.id))
    case = opened(leaver_with_kit)
    with pytest.raises(NotAllowed):
        leaver_steps.disable_network_account(office, case)


def test_an_item_returned_in_full_is_checked_in_as_at_the_desk(ctx, leaver_with_kit, database):
    case = opened(leaver_with_kit)
    step = record(leaver_with_kit, case, leaver_with_kit.laptop_loan, "full_working")

    loan = ctx.get(Loan, leaver_with_kit.laptop_loan.id)
    assert loan.returned_at is not None
    assert loan.returned_to_id == leaver_with_kit.technician.id
    assert loan.return_condition == "full_working"
    assert ctx.get(Asset, leaver_with_kit.laptop.id).status == "available"
    assert step.incident is None
    actions = ctx.scalars(
        select(Event.action).where(Event.asset_id == leaver_with_kit.laptop.id).order_by(Event.id)
    ).all()
    assert actions[-2:] == ["loan.returned", "leaver.item_recorded"]
    recorded = ctx.scalar(select(Event).where(Event.action == "leaver.item_recorded"))
    assert recorded.person_id == leaver_with_kit.leaver.id
    checklist = leavers.checklist(case)
    assert checklist.items[0].result == "Returned in full working condition"
    assert checklist.items[0].by == "Mr M Savage"
    assert keys(checklist.wipes) == [f"wipe:{leaver_with_kit.laptop.id}"]  # the laptop is back


def test_an_item_returned_damaged_opens_a_damage_report(ctx, leaver_with_kit, database):
    case = opened(leaver_with_kit)
    step = record(leaver_with_kit, case, leaver_with_kit.camera_loan, "damaged", "Lens cracked.")

    loan = ctx.get(Loan, leaver_with_kit.camera_loan.id)
    assert (loan.return_condition, loan.return_note) == ("damaged", "Lens cracked.")
    incident = step.incident
    assert incident.kind == "damage"
    assert incident.loan_id == loan.id
    assert incident.person_id == leaver_with_kit.leaver.id
    assert "Lens cracked." in incident.description
    line = leavers.checklist(case).items[1]
    assert line.result == f"Returned damaged or not working (damage incident #{incident.id})"
    assert line.detail == "Lens cracked."
    assert leavers.checklist(case).wipes == []  # a camera holds no account to delete


def test_an_item_not_returned_opens_a_loss_report_and_stays_on_loan(ctx, leaver_with_kit, database):
    case = opened(leaver_with_kit)
    step = record(
        leaver_with_kit,
        case,
        leaver_with_kit.laptop_loan,
        "not_returned",
        "Says it is in her loft.",
    )

    assert step.incident.kind == "loss"
    assert ctx.get(Asset, leaver_with_kit.laptop.id).status == "lost"
    assert ctx.get(Loan, leaver_with_kit.laptop_loan.id).returned_at is None
    checklist = leavers.checklist(case)
    assert checklist.items[0].done
    assert checklist.wipes == []  # nothing came back to wipe


def test_not_returned_links_the_loss_report_already_open(ctx, leaver_with_kit, make):
    earlier = make.incident(leaver_with_kit.laptop, kind="loss", description="Lost on the train.")
    case = opened(leaver_with_kit)
    step = record(leaver_with_kit, case, leaver_with_kit.laptop_loan, "not_returned", "Still lost.")

    assert step.incident_id == earlier.id
    assert ctx.scalar(select(func.count(Incident.id))) == 1


def test_an_item_written_off_meanwhile_is_done_as_not_returned(
    ctx, leaver_with_kit, make, database
):
    """A loan a loss report ended is done on the checklist as not returned, whatever its note
    says; nothing came back, so there is nothing to wipe."""
    case = opened(leaver_with_kit)
    loss = make.incident(leaver_with_kit.laptop, kind="loss", reporter=leaver_with_kit.technician)
    cases.change_status(technician_of(leaver_with_kit), ctx.get(Incident, loss.id), "written_off")
    ctx.get(Loan, leaver_with_kit.laptop_loan.id).return_note = "Left on the train."
    ctx.commit()

    checklist = leavers.checklist(case)
    line = checklist.items[0]
    assert (line.done, line.step) == (True, None)
    assert line.result == "Not returned (lost, stolen or written off)"
    assert line.detail == "Left on the train."
    assert line.by == "Mr M Savage"
    assert checklist.wipes == []
    with pytest.raises(DomainError, match=r"without it coming back \(Left on the train.\), so"):
        record(leaver_with_kit, case, leaver_with_kit.laptop_loan, "full_working")


def test_a_desk_return_noted_not_returned_is_still_a_return(ctx, leaver_with_kit):
    """Only the loan's end state says an item did not come back, not the words of its note."""
    case = opened(leaver_with_kit)
    laptop = ctx.get(Asset, leaver_with_kit.laptop.id)
    returns.check_in(
        technician_of(leaver_with_kit), laptop, "incomplete", "Not returned: the charger."
    )
    ctx.commit()

    checklist = leavers.checklist(case)
    line = checklist.items[0]
    assert line.result == "Checked in at the desk: working, but accessories or charger missing"
    assert line.detail == "Not returned: the charger."
    assert keys(checklist.wipes) == [f"wipe:{leaver_with_kit.laptop.id}"]


@pytest.mark.parametrize(
    ("outcome", "note", "message"),
    [
        ("damaged", "", "Say what is damaged or missing"),
        ("incomplete", "  ", "Say what is damaged or missing"),
        ("not_returned", "", "Say what the leaver said about it"),
        ("lost_it", "", "Choose how the item came back"),
    ],
)
def test_an_item_needs_a_known_outcome_and_a_note_unless_back_in_full(
    ctx, leaver_with_kit, outcome, note, message
):
    case = opened(leaver_with_kit)
    with pytest.raises(DomainError, match=message):
        leaver_steps.record_item(
            technician_of(leaver_with_kit),
            case,
            ctx.get(Loan, leaver_with_kit.camera_loan.id),
            outcome,
            note,
        )
    ctx.rollback()
    assert ctx.get(Loan, leaver_with_kit.camera_loan.id).returned_at is None
    assert ctx.scalar(select(func.count(LeaverStep.id))) == 0


def test_an_item_lent_to_someone_else_is_refused(ctx, leaver_with_kit, make):
    other_loan = make.loan()
    case = opened(leaver_with_kit)
    with pytest.raises(DomainError, match="was not lent to Mrs J Smullen"):
        leaver_steps.record_item(
            technician_of(leaver_with_kit), case, ctx.get(Loan, other_loan.id), "full_working"
        )


def test_an_item_checked_in_at_the_desk_meanwhile_shows_as_returned(ctx, leaver_with_kit):
    case = opened(leaver_with_kit)
    returns.check_in(
        technician_of(leaver_with_kit), ctx.get(Asset, leaver_with_kit.laptop.id), "full_working"
    )
    ctx.commit()

    line = leavers.checklist(case).items[0]
    assert line.done
    assert line.result == (
        "Checked in at the desk: full working condition, with its accessories and charger"
    )
    with pytest.raises(DomainError, match="the checklist already shows it as returned"):
        record(leaver_with_kit, case, leaver_with_kit.laptop_loan, "full_working")


def test_an_item_recorded_once_cannot_be_recorded_again(ctx, leaver_with_kit):
    case = opened(leaver_with_kit)
    record(leaver_with_kit, case, leaver_with_kit.camera_loan, "full_working")
    with pytest.raises(DomainError, match="already recorded by Mr M Savage at"):
        record(leaver_with_kit, case, leaver_with_kit.camera_loan, "damaged", "Cracked after all.")


def test_a_loan_made_after_opening_joins_the_checklist(ctx, leaver_with_kit, make):
    case = opened(leaver_with_kit)
    tablet = make.asset("ASH-0030", name="iPad")
    make.loan(tablet, leaver_with_kit.leaver)
    assert "ASH-0030 iPad" in [line.title for line in leavers.checklist(case).items]


def test_a_wipe_is_for_a_computer_that_came_back_and_records_how(ctx, leaver_with_kit):
    case = opened(leaver_with_kit)
    technician = technician_of(leaver_with_kit)
    laptop = ctx.get(Asset, leaver_with_kit.laptop.id)
    with pytest.raises(DomainError, match="has not come back through this checklist"):
        leaver_steps.record_wipe(technician, case, laptop, "reimaged")
    ctx.rollback()
    record(leaver_with_kit, case, leaver_with_kit.laptop_loan, "full_working")
    with pytest.raises(DomainError, match="Choose how the device was wiped"):
        leaver_steps.record_wipe(technician, case, laptop, "")
    with pytest.raises(DomainError, match="Describe the method used"):
        leaver_steps.record_wipe(technician, case, laptop, "other", " ")
    ctx.rollback()

    step = leaver_steps.record_wipe(technician, case, laptop, "other", "DBAN, 3 passes")
    ctx.commit()

    wipe = leavers.checklist(case).wipes[0]
    assert wipe.done
    assert wipe.result == "Other method (described in the note)"
    assert wipe.detail == "DBAN, 3 passes"
    assert (wipe.by, wipe.at) == ("Mr M Savage", step.completed_at)
    event = ctx.scalar(select(Event).where(Event.action == "leaver.device_wiped"))
    assert (event.asset_id, event.person_id) == (
        leaver_with_kit.laptop.id,
        leaver_with_kit.leaver.id,
    )


def test_a_computer_is_a_laptop_terms_category_or_named_as_one(ctx, make):
    desktops = make.category("Staff desktop PCs")
    projectors = make.category("Projector")
    assert leavers.needs_wipe(ctx.get(Asset, make.asset(category=desktops).id))
    assert not leavers.needs_wipe(ctx.get(Asset, make.asset(category=projectors).id))


def test_licences_are_typed_in_ticked_or_taken_off(ctx, leaver_with_kit, make, database):
    case = opened(leaver_with_kit)
    technician = technician_of(leaver_with_kit)
    adobe = leaver_steps.add_licence(technician, case, "  Adobe   Creative Cloud ")
    typo = leaver_steps.add_licence(technician, case, "Microsfot 365")
    ctx.commit()
    assert adobe.label == "Adobe Creative Cloud"
    with pytest.raises(DomainError, match="already on the checklist"):
        leaver_steps.add_licence(technician, case, "adobe creative cloud")
    ctx.rollback()

    assert leaver_steps.remove_licence(technician, case, typo) == "Microsfot 365"
    leaver_steps.return_licence(technician, case, adobe, "Seat reassigned to Mrs N Quinn")
    ctx.commit()

    [line] = leavers.checklist(case).licences
    assert (line.title, line.result, line.detail) == (
        "Adobe Creative Cloud",
        "Returned",
        "Seat reassigned to Mrs N Quinn",
    )
    other = ctx.get(User, make.user("technician", name="Mrs T Other").id)
    with pytest.raises(DomainError, match="already recorded by Mr M Savage"):
        leaver_steps.return_licence(other, case, adobe)
    ctx.rollback()
    with pytest.raises(DomainError, match="has been ticked by Mr M Savage"):
        leaver_steps.remove_licence(other, case, adobe)
    ctx.rollback()
    actions = ctx.scalars(select(Event.action).where(Event.action.like("leaver.licence%"))).all()
    assert sorted(actions) == [
        "leaver.licence_added",
        "leaver.licence_added",
        "leaver.licence_removed",
        "leaver.licence_returned",
    ]


def test_deactivating_the_login_ends_its_sessions(ctx, leaver_with_kit):
    case = opened(leaver_with_kit)
    token = ctx.get(User, leaver_with_kit.staff.id).session_token
    leaver_steps.deactivate_login(technician_of(leaver_with_kit), case)
    ctx.commit()

    user = ctx.get(User, leaver_with_kit.staff.id)
    assert not user.active
    assert user.session_token != token
    login = leavers.checklist(case).accounts[1]
    assert login.result == f"Deactivated: login {user.email}"
    assert ctx.scalar(select(Event).where(Event.action == "user.deactivated")) is not None


def test_a_technician_cannot_deactivate_an_admins_login_through_a_checklist(ctx, make):
    """The same rule as the admin pages: only admins change admins' logins."""
    head = make.user("admin", person=True)
    technician = ctx.get(User, make.user("technician").id)
    case, _ = leavers.open_case(technician, ctx.get(Person, head.person_id))
    ctx.commit()
    with pytest.raises(NotAllowed, match="Only an admin can change an admin's login"):
        leaver_steps.deactivate_login(technician, case)
    ctx.rollback()
    assert ctx.get(User, head.id).active
    assert leavers.checklist(case).accounts[1].state != "done"

    admin = ctx.get(User, make.user("admin").id)
    leaver_steps.deactivate_login(admin, case)
    ctx.commit()
    assert not ctx.get(User, head.id).active


def test_the_login_step_is_not_applicable_without_a_login(ctx, make):
    person = make.person("Mr K Nologin")
    technician = ctx.get(User, make.user("technician").id)
    case, _ = leavers.open_case(technician, ctx.get(Person, person.id))
    ctx.commit()
    line = leavers.checklist(case).accounts[1]
    assert line.state == "not_applicable"
    assert line.done
    with pytest.raises(DomainError, match="has no login to this app"):
        leaver_steps.deactivate_login(ctx.get(User, case.opened_by_id), case)


def test_closing_is_refused_while_anything_is_outstanding(ctx, leaver_with_kit):
    case = opened(leaver_with_kit)
    record(leaver_with_kit, case, leaver_with_kit.laptop_loan, "full_working")

    with pytest.raises(DomainError) as refused:
        leaver_closing.close_case(
            technician_of(leaver_with_kit),
            case,
            technician_signature=drawn_signature(),
            leaver_signature=drawn_signature(),
        )
    assert refused.value.message == (
        "The checklist cannot close while 4 steps are outstanding: ASH-0025 Canon PowerShot; "
        "Wipe ASH-0003 HP ProBook 440; User account on the school network disabled; "
        "Login to this app deactivated (ends all its sessions)."
    )
    ctx.rollback()
    assert ctx.get(LeaverCase, case.id).status == "open"
    assert ctx.scalar(select(func.count(LeaverSignature.id))) == 0


def test_closing_with_both_signatures_files_the_record(ctx, leaver_with_kit, database):
    case = opened(leaver_with_kit)
    finish_everything_but_closing(leaver_with_kit, case)
    assert leavers.checklist(case).complete

    leaver_closing.close_case(
        technician_of(leaver_with_kit),
        case,
        technician_signature=drawn_signature(),
        leaver_signature=drawn_signature(),
    )
    ctx.commit()

    case = ctx.get(LeaverCase, case.id)
    assert case.status == "closed"
    assert case.closed_by_id == leaver_with_kit.technician.id
    assert case.record_pdf.startswith(b"%PDF-")
    assert len(case.record_code) == 14
    assert case.unsigned_reason is None
    technician, leaver = case.signature_of("technician"), case.signature_of("leaver")
    assert technician.name == "Mr M Savage"
    assert technician.statement.startswith("I, Mr M Savage, confirm")
    assert leaver.name == "Mrs J Smullen"
    assert leaver.image_png.startswith(b"\x89PNG")
    event = ctx.scalar(select(Event).where(Event.action == "leaver.case_closed"))
    assert event.changes["record_code"] == case.record_code
    with pytest.raises(DomainError, match="This checklist has been closed"):
        leaver_steps.add_licence(technician_of(leaver_with_kit), case, "Late licence")


def test_closing_when_the_leaver_left_without_signing_needs_the_reason(ctx, leaver_with_kit):
    case = opened(leaver_with_kit)
    finish_everything_but_closing(leaver_with_kit, case)
    technician = technician_of(leaver_with_kit)
    with pytest.raises(DomainError, match="signs in the second box, or tick"):
        leaver_closing.close_case(technician, case, technician_signature=drawn_signature())
    ctx.rollback()
    with pytest.raises(DomainError, match="Say why the leaver could not sign"):
        leaver_closing.close_case(
            technician, case, technician_signature=drawn_signature(), unsigned_reason="  "
        )
    ctx.rollback()
    with pytest.raises(DomainError, match="Your signature: Please sign"):
        leaver_closing.close_case(
            technician, case, technician_signature="", unsigned_reason="Left on the last day."
        )
    ctx.rollback()

    leaver_closing.close_case(
        technician,
        case,
        technician_signature=drawn_signature(),
        unsigned_reason="Left on the last day before the laptop was wiped.",
    )
    ctx.commit()
    case = ctx.get(LeaverCase, case.id)
    assert case.status == "closed"
    assert case.signature_of("leaver") is None
    assert case.unsigned_reason == "Left on the last day before the laptop was wiped."


def test_closing_signatures_are_never_edited(ctx, leaver_with_kit, database):
    case = opened(leaver_with_kit)
    finish_everything_but_closing(leaver_with_kit, case)
    leaver_closing.close_case(
        technician_of(leaver_with_kit),
        case,
        technician_signature=drawn_signature(),
        leaver_signature=drawn_signature(),
    )
    ctx.commit()
    with pytest.raises(DBAPIError, match="never edited"):
        ctx.execute(text("UPDATE leaver_signatures SET name = 'Someone else'"))
    ctx.rollback()


def test_the_state_is_kept_between_days(app, make, leaver_with_kit):
    with app.app_context():
        case_id = opened(leaver_with_kit).id
    with app.app_context():
        case = db.session.get(LeaverCase, case_id)
        record(leaver_with_kit, case, leaver_with_kit.laptop_loan, "full_working")
    with app.app_context():
        case = db.session.get(LeaverCase, case_id)
        checklist = leavers.checklist(case)
        assert [line.done for line in checklist.items] == [True, False]
        assert [line.done for line in checklist.wipes] == [False]
