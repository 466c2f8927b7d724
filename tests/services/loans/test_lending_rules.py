"""Lending follows the policy: self-service only where an admin allows it and never a laptop
(8.1), within the category's longest loan unless the desk says why, and no unencrypted
mobile device unless an admin says why (10.2). Every time here comes from one `now`."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Event, Loan, Person, User
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.loans import lending_rules, loans
from tests.support import drawings

NOW = datetime(2027, 3, 10, 10, 0, tzinfo=UTC)
# Mid-morning: the same day in London as in UTC, whatever the offset.
TODAY = NOW.date()
Reasons = lending_rules.Reasons


@pytest.fixture
def lending_school(make, database):
    make.terms()
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    tablets = make.category("Tablet", default_loan_days=7, max_loan_days=14)
    projectors = make.category("Projector", default_loan_days=14)
    cameras = make.category("Camera", default_loan_days=7, self_service=False)
    staff = make.user("staff", person=True)
    return {
        "laptops": laptops,
        "tablets": tablets,
        "staff": staff,
        "technician": make.user("technician"),
        "admin": make.user("admin"),
        "borrower": make.person("Miss A Guthrie"),
        "laptop": make.asset("ASH-0001", category=laptops),
        "bare_laptop": make.asset("ASH-0007", category=laptops, encrypted=False),
        "tablet": make.asset("ASH-0015", category=tablets),
        "bare_tablet": make.asset("ASH-0021", category=tablets, encrypted=False),
        "projector": make.asset("ASH-0100", category=projectors),
        "camera": make.asset("ASH-0025", category=cameras),
    }


def get(lending_school, *names):
    models = {"staff": User, "technician": User, "admin": User, "borrower": Person}
    return [db.session.get(models.get(name, Asset), lending_school[name].id) for name in names]


def lend(actor, person, assets, **values):
    values.setdefault("signature", drawings.drawn_signature())
    return loans.check_out(actor, person, assets, now=NOW, **values)


def loan_count() -> int:
    return db.session.scalar(select(func.count(Loan.id)))


def test_the_factory_gives_what_the_rules_expect(lending_school, ctx):
    laptop, bare, projector = get(lending_school, "laptop", "bare_laptop", "projector")
    assert laptop.category.mobile_device and not laptop.category.self_service
    assert laptop.encrypted and not bare.encrypted
    assert projector.category.self_service and not projector.category.mobile_device
    assert not projector.encrypted


# ---- staff signing out for themselves ----------------------------------------------------------


def test_staff_sign_out_a_self_service_item_for_the_usual_length(lending_school, ctx):
    staff = db.session.get(User, lending_school["staff"].id)
    (projector,) = get(lending_school, "projector")

    (loan,) = lend(staff, staff.person, [projector])

    assert loan.due_on == TODAY + timedelta(days=14)
    assert loan.long_loan_reason is None and loan.unencrypted_reason is None


def test_staff_cannot_sign_out_a_laptop_for_themselves(lending_school, ctx):
    staff = db.session.get(User, lending_school["staff"].id)
    (laptop,) = get(lending_school, "laptop")

    with pytest.raises(NotAllowed, match=r"ASH-0001 is a laptop.*policy 8\.1") as refused:
        lend(staff, staff.person, [laptop])
    assert refused.value.field == "tags"
    assert loan_count() == 0


def test_staff_cannot_sign_out_a_category_not_marked_self_service(lending_school, ctx):
    staff = db.session.get(User, lending_school["staff"].id)
    projector, camera = get(lending_school, "projector", "camera")

    with pytest.raises(NotAllowed, match=r"ASH-0025 \(Camera\) cannot be signed out for yourself"):
        lend(staff, staff.person, [projector, camera])
    assert loan_count() == 0
    assert projector.status == "available"


@pytest.mark.parametrize(
    ("days", "allowed"),
    [(1, True), (14, True), (15, False), (400, False)],
)
def test_staff_borrow_up_to_the_longest_loan_and_not_a_day_more(lending_school, ctx, days, allowed):
    staff = db.session.get(User, lending_school["staff"].id)
    (tablet,) = get(lending_school, "tablet")
    due = TODAY + timedelta(days=days)

    if allowed:
        (loan,) = lend(staff, staff.person, [tablet], due_on=due)
        assert loan.due_on == due
        return
    # A reason does not help: only the desk may go past the longest loan.
    with pytest.raises(DomainError, match="Tablet can be borrowed for at most 14 days") as no:
        lend(staff, staff.person, [tablet], due_on=due, reasons=Reasons(long_loan="Trip"))
    assert no.value.field == "due_on"
    assert (TODAY + timedelta(days=14)).strftime("%d/%m/%Y") in no.value.message
    assert loan_count() == 0


def test_with_no_longest_loan_set_the_usual_length_is_the_longest(lending_school, ctx):
    staff = db.session.get(User, lending_school["staff"].id)
    (projector,) = get(lending_school, "projector")

    with pytest.raises(DomainError, match="Projector can be borrowed for at most 14 days"):
        lend(staff, staff.person, [projector], due_on=TODAY + timedelta(days=400))


# ---- the desk: longer only with a reason -------------------------------------------------------


def test_the_desk_lends_past_the_longest_loan_only_by_saying_why(lending_school, ctx):
    technician, borrower, tablet, projector = get(
        lending_school, "technician", "borrower", "tablet", "projector"
    )
    due = TODAY + timedelta(days=15)

    for blank in ("", "   \n "):
        with pytest.raises(DomainError, match="ASH-0015 would be out for 15 days") as refused:
            lend(technician, borrower, [tablet], due_on=due, reasons=Reasons(long_loan=blank))
        assert refused.value.field == "long_loan_reason"
        assert "longest loan for Tablet (14 days)" in refused.value.message
    assert loan_count() == 0

    reason = "  Year 6 residential trip: back after half term  "
    tablet_loan, projector_loan = lend(
        technician, borrower, [tablet, projector], due_on=due, reasons=Reasons(long_loan=reason)
    )
    db.session.commit()

    assert tablet_loan.long_loan_reason == reason.strip()
    # The projector's longest loan is its usual 14 days: past it too, so it keeps the reason.
    assert projector_loan.long_loan_reason == reason.strip()
    event = db.session.scalar(
        select(Event).where(Event.action == "loan.created", Event.entity_id == tablet_loan.id)
    )
    assert event.changes["long_loan_reason"] == reason.strip()


def test_a_reason_nobody_needed_is_not_kept(lending_school, ctx):
    technician, borrower, tablet = get(lending_school, "technician", "borrower", "tablet")

    (loan,) = lend(
        technician,
        borrower,
        [tablet],
        due_on=TODAY + timedelta(days=14),
        reasons=Reasons(long_loan="Just in case", unencrypted="Just in case"),
    )

    assert loan.long_loan_reason is None and loan.unencrypted_reason is None


def test_a_long_allocation_has_no_longest_loan(lending_school, ctx):
    technician, borrower, laptop = get(lending_school, "technician", "borrower", "laptop")

    (loan,) = lend(technician, borrower, [laptop], due_on=TODAY + timedelta(days=3650))

    assert loan.due_on is None
    assert loan.long_loan_reason is None


def test_a_reason_has_a_length_limit(lending_school, ctx):
    technician, borrower, tablet = get(lending_school, "technician", "borrower", "tablet")

    with pytest.raises(DomainError, match="under 500 characters"):
        lend(
            technician,
            borrower,
            [tablet],
            due_on=TODAY + timedelta(days=30),
            reasons=Reasons(long_loan="é" * 501),
        )
    (loan,) = lend(
        technician,
        borrower,
        [tablet],
        due_on=TODAY + timedelta(days=30),
        reasons=Reasons(long_loan="é" * 500),
    )
    assert loan.long_loan_reason == "é" * 500


# ---- policy 10.2: mobile devices encrypted -----------------------------------------------------


def test_nobody_lends_an_unencrypted_mobile_device_without_an_admins_reason(lending_school, ctx):
    staff = db.session.get(User, lending_school["staff"].id)
    technician, admin, borrower, bare_laptop, bare_tablet = get(
        lending_school, "technician", "admin", "borrower", "bare_laptop", "bare_tablet"
    )

    with pytest.raises(DomainError, match="ASH-0021 is a mobile device not marked") as no:
        lend(staff, staff.person, [bare_tablet])
    assert no.value.message.endswith("cannot be lent. Ask the IT technician.")
    with pytest.raises(DomainError, match="ask an admin") as no:
        lend(technician, borrower, [bare_laptop], reasons=Reasons(unencrypted="Urgent"))
    assert no.value.field == "tags"
    with pytest.raises(DomainError, match="ASH-0007, ASH-0021 are mobile devices") as no:
        lend(admin, borrower, [bare_laptop, bare_tablet])
    assert no.value.field == "unencrypted_reason"
    assert loan_count() == 0
    assert bare_laptop.status == bare_tablet.status == "available"


def test_an_admin_lends_an_unencrypted_device_with_a_reason_kept_on_its_loan(lending_school, ctx):
    admin, borrower, bare_laptop, laptop = get(
        lending_school, "admin", "borrower", "bare_laptop", "laptop"
    )
    reason = "Needed for the Ofsted visit; BitLocker booked for Friday — Mrs Roebuck"

    bare_loan, laptop_loan = lend(
        admin, borrower, [bare_laptop, laptop], reasons=Reasons(unencrypted=reason)
    )
    db.session.commit()

    assert bare_loan.unencrypted_reason == reason
    assert laptop_loan.unencrypted_reason is None
    assert bare_loan.out_by_id == admin.id
    event = db.session.scalar(
        select(Event).where(Event.action == "loan.created", Event.entity_id == bare_loan.id)
    )
    assert event.changes["unencrypted_reason"] == reason


def test_equipment_that_is_not_a_mobile_device_needs_no_encryption(lending_school, ctx):
    technician, borrower, projector = get(lending_school, "technician", "borrower", "projector")

    (loan,) = lend(technician, borrower, [projector])

    assert loan.unencrypted_reason is None


def test_handing_over_to_sign_later_follows_the_same_rules(lending_school, ctx):
    technician, borrower, bare_laptop = get(lending_school, "technician", "borrower", "bare_laptop")

    with pytest.raises(DomainError, match="not marked as encrypted"):
        loans.check_out(technician, borrower, [bare_laptop], awaiting_signature=True, now=NOW)


def test_self_service_categories_are_listed_by_name(lending_school, ctx):
    names = [c.name for c in lending_rules.self_service_categories()]
    assert names == ["Projector", "Tablet"]
