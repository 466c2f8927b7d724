"""Reports from filing to outcome: who may report, bad input, the asset's status following the
case, the police reference rule, repairs, charges, and the audit trail."""

from datetime import date, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import Asset, Incident, IncidentCharge, Loan, Person, User
from assets.models.base import utcnow
from assets.services.common import events
from assets.services.common.clock import local_date
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.incidents import cases, charges, incident_lists, incidents
from tests.support.factories import jpeg_bytes


def user(record) -> User:
    return db.session.get(User, record.id)


def asset_of(record) -> Asset:
    return db.session.get(Asset, record.id)


def today() -> date:
    """Today at the school, as the services judge "in the future" (not the machine's date,
    which is a day behind between midnight and 1 a.m. in summer)."""
    return local_date()


def report(actor, asset, kind="damage", **values):
    values = {"description": "Dropped it on the stairs.", "occurred_on": today()} | values
    return incidents.report_incident(actor, asset, kind, **values)


DAYS = {"yesterday": -1, "today": 0, "tomorrow": 1}


def on_days(values: dict) -> dict:
    """`values` with "yesterday", "today" and "tomorrow" made the school's dates, computed
    when the test runs (a parameter's date.today() would be the machine's, at collection)."""
    return {
        name: today() + timedelta(days=DAYS[value])
        if isinstance(value, str) and value in DAYS
        else value
        for name, value in values.items()
    }


def incident_count() -> int:
    return db.session.scalar(select(func.count(Incident.id)))


@pytest.fixture
def borrower(make):
    """A member of staff with a login, holding a laptop."""
    staff = make.user("staff", person=True, name="Miss A Guthrie")
    laptop = make.asset("ASH-0001", name="Dell Latitude 3440")
    make.lend(laptop, staff_person(staff))
    return staff, laptop


def staff_person(staff):
    return SimpleNamespace(id=staff.person_id)


def test_a_borrower_reports_their_laptop_lost_and_it_becomes_lost(ctx, borrower, database):
    staff, _ = borrower
    actor = user(staff)
    incident = report(
        actor,
        "ASH-0001",
        "loss",
        description="Left on the train home.",
        occurred_time=time(0, 0),
        place="Train to Derby",
        unsecured="other",
        photos=[("train.jpg", jpeg_bytes())],
    )
    db.session.commit()
    assert incident.status == "reported" and incident.is_open
    assert incident.asset.status == "lost"
    assert incident.person_id == staff.person_id
    assert incident.loan.person_id == staff.person_id and incident.loan.is_open
    assert incident.notify_state == "pending"
    [photo] = incident.photos
    assert photo.content_type == "image/jpeg" and photo.byte_size == len(photo.data)
    for history in (
        events.history_for_asset(incident.asset),
        events.history_for_person(db.session.get(Person, staff.person_id)),
    ):
        assert history[0].action == "incident.reported"
        assert history[0].changes["asset_status"] == ["on_loan", "lost"]
        assert "Loss of ASH-0001 reported by Miss A Guthrie" in history[0].summary


def test_staff_report_only_on_what_they_hold_or_held(ctx, make, borrower):
    staff, _ = borrower
    returned = make.asset("ASH-0002")
    make.lend(returned, staff_person(staff), returned=True)
    someone_elses = make.asset("ASH-0003")
    actor = user(staff)
    assert [a.tag for a in incidents.reportable_assets(actor)] == ["ASH-0001", "ASH-0002"]
    incident = report(actor, "ASH-0002", "fault")
    assert incident.person_id == staff.person_id and not incident.loan.is_open
    db.session.commit()
    with pytest.raises(NotAllowed, match="only on equipment you hold or have held"):
        report(actor, "ASH-0003")
    db.session.rollback()
    assert asset_of(someone_elses).status == "available"
    assert incident_count() == 1


def test_the_desk_reports_on_any_asset_and_the_holder_is_the_borrower(ctx, make, borrower):
    staff, laptop = borrower
    make.asset("ASH-0099")
    tech = user(make.user("technician"))
    incident = report(tech, asset_of(laptop), "theft")
    assert incident.person_id == staff.person_id
    assert incident.asset.status == "stolen"
    spare = report(tech, " ash-0099 ", "fault")
    assert spare.person_id is None and spare.loan_id is None


@pytest.mark.parametrize(
    ("kind", "values", "field", "message"),
    [
        ("loss", {"occurred_on": "tomorrow"}, "occurred_on", "future"),
        ("loss", {"occurred_on": None}, "occurred_on", "date it happened"),
        ("loss", {"description": "   "}, "description", "what happened"),
        ("loss", {"description": "x" * 4001}, "description", "under 4,000"),
        ("flood", {}, "kind", "kind of problem"),
        ("loss", {"unsecured": "maybe"}, "unsecured", "unsecured"),
        ("theft", {"police_reference": "CR<script>"}, "police_reference", "letters, numbers"),
        ("loss", {"photos": [("notes.txt", b"not a photo")]}, "photos", "notes.txt: That file"),
        ("loss", {"photos": [("p.jpg", jpeg_bytes())] * 7}, "photos", "at most 6 photos"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_saved(ctx, borrower, kind, values, field, message):
    staff, laptop = borrower
    values = on_days(values)
    with pytest.raises(DomainError, match=message) as caught:
        report(user(staff), "ASH-0001", kind, **values)
    assert caught.value.field == field
    db.session.rollback()
    assert incident_count() == 0
    assert asset_of(laptop).status == "on_loan"


def test_an_unknown_tag_a_time_later_today_and_a_retired_asset_are_refused(ctx, make, clock):
    tech = user(make.user("technician"))
    with pytest.raises(DomainError, match="No item has the tag NOPE-1") as caught:
        report(tech, "NOPE-1")
    assert caught.value.field == "tag"
    # 09:00 UTC is 09:00 in London in winter; 10:00 is an hour away.
    nine = clock.now
    assert nine.hour == 9 and nine.month in (11, 12, 1)
    asset = asset_of(make.asset("ASH-0005"))
    with pytest.raises(DomainError, match="time it happened cannot be in the future"):
        report(tech, asset, occurred_on=nine.date(), occurred_time=time(10, 0), now=nine)
    report(tech, asset, occurred_on=nine.date(), occurred_time=time(8, 30), now=nine)
    db.session.rollback()
    asset.status = "retired"
    with pytest.raises(DomainError, match="retired"):
        report(tech, asset)


def test_theft_cannot_close_without_the_police_reference(ctx, make, borrower, database):
    staff, _ = borrower
    tech = user(make.user("technician"))
    incident = report(user(staff), "ASH-0001", "theft", unsecured="vehicle_overnight")
    db.session.commit()
    assert incident.police_reference_outstanding
    assert "written_off" in cases.next_statuses(incident)
    assert "found" in cases.next_statuses(incident)
    with pytest.raises(DomainError, match="police crime reference before closing"):
        cases.change_status(tech, incident, "written_off")
    db.session.rollback()
    assert incident.status == "reported" and incident.asset.status == "stolen"

    cases.change_status(tech, incident, "investigating", "Police informed")
    incidents.record_police_reference(user(staff), incident, " CR/012345/26 ")
    cases.change_status(tech, incident, "found", "Handed in at the police station")
    db.session.commit()
    assert incident.police_reference == "CR/012345/26"
    assert incident.status == "found" and incident.closed_at is not None
    assert incident.outcome_note == "Handed in at the police station"
    assert incident.asset.status == "on_loan", "still on loan to the borrower"
    actions = [e.action for e in incident_lists.history(incident)]
    assert actions == [
        "incident.reported",
        "incident.status_changed",
        "incident.police_reference",
        "incident.status_changed",
    ]


def test_the_database_refuses_to_close_a_theft_without_a_reference(ctx, make, database):
    tech = user(make.user("technician"))
    incident = report(tech, asset_of(make.asset()), "criminal_damage")
    db.session.commit()
    incident.status = "no_action"
    incident.closed_at = utcnow()
    with pytest.raises(IntegrityError, match="police_reference_to_close"):
        db.session.flush()
    db.session.rollback()


def test_a_repair_takes_the_asset_out_and_brings_it_back(ctx, make, database):
    tech = user(make.user("technician"))
    incident = report(tech, asset_of(make.asset("ASH-0007")), "damage")
    cases.change_status(tech, incident, "in_repair")
    assert incident.asset.status == "in_repair"
    assert cases.next_statuses(incident) == ["repaired", "replaced", "written_off"]
    cases.save_repair(
        tech,
        incident,
        cases.RepairDetails(
            supplier="Derbyshire ICT Services",
            cost=Decimal("89.50"),
            sent_on=today() - timedelta(days=3),
            returned_on=today(),
            notes="New screen",
        ),
    )
    cases.change_status(tech, incident, "repaired", "Screen replaced")
    db.session.commit()
    assert incident.asset.status == "available"
    assert incident.repair.cost == Decimal("89.50")
    assert incident.repair.supplier == "Derbyshire ICT Services"
    summaries = [e.summary for e in events.history_for_asset(incident.asset)]
    assert any("repair details saved" in s for s in summaries)
    assert any("repaired, back in service" in s for s in summaries)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cost": Decimal("-1")}, "negative"),
        ({"sent_on": "tomorrow"}, "future"),
        ({"sent_on": "today", "returned_on": "yesterday"}, "before it was sent"),
    ],
)
def test_bad_repair_details_are_refused(ctx, make, values, message):
    tech = user(make.user("technician"))
    incident = report(tech, asset_of(make.asset()))
    with pytest.raises(DomainError, match=message):
        cases.save_repair(tech, incident, cases.RepairDetails(**on_days(values)))


@pytest.mark.parametrize(
    ("outcome", "kind", "said"),
    [("written_off", "loss", "Written off"), ("replaced", "damage", "Replaced")],
)
def test_writing_off_or_replacing_retires_the_asset_and_ends_the_loan_not_returned(
    ctx, make, borrower, database, outcome, kind, said
):
    staff, laptop = borrower
    tech = user(make.user("technician"))
    incident = report(user(staff), "ASH-0001", kind)
    cases.change_status(tech, incident, outcome, "Not found after a month")
    db.session.commit()
    asset = asset_of(laptop)
    assert asset.status == "retired"
    loan = db.session.scalar(select(Loan).where(Loan.asset_id == asset.id))
    assert not loan.is_open and not loan.came_back
    assert loan.returned_to_id == tech.id
    assert loan.return_condition == "not_returned"
    assert loan.return_condition_label == "Not returned (lost, stolen or written off)"
    assert loan.return_note == f"{said} after incident #{incident.id}"
    assert db.session.get(Person, staff.person_id).open_loans == []
    assert cases.next_statuses(incident) == []
    [ended] = [e for e in events.history_for_asset(asset) if e.action == "loan.ended_by_incident"]
    assert ended.summary == (
        f"Loan of ASH-0001 to Miss A Guthrie ended, not returned: "
        f"{said.lower()} after incident #{incident.id}"
    )
    assert ended.changes["condition"] == "not_returned"


def test_a_case_moves_only_along_its_path_and_only_for_the_desk(ctx, make, borrower):
    staff, _ = borrower
    tech = user(make.user("technician"))
    incident = report(user(staff), "ASH-0001", "damage")
    assert "found" not in cases.next_statuses(incident), "found is for missing items"
    with pytest.raises(DomainError, match="cannot become 'found'"):
        cases.change_status(tech, incident, "found")
    with pytest.raises(NotAllowed, match="Only the IT technician or an admin"):
        cases.change_status(user(staff), incident, "investigating")
    with pytest.raises(NotAllowed):
        cases.save_repair(user(staff), incident, cases.RepairDetails())
    cases.change_status(tech, incident, "no_action", "Only a scuff")
    with pytest.raises(DomainError, match="cannot become"):
        cases.change_status(tech, incident, "investigating")


def test_an_item_stays_lost_while_another_case_says_so(ctx, make):
    tech = user(make.user("technician"))
    asset = asset_of(make.asset())
    loss = report(tech, asset, "loss")
    damage = report(tech, asset, "damage")
    cases.change_status(tech, damage, "no_action")
    assert asset.status == "lost"
    cases.change_status(tech, loss, "found")
    assert asset.status == "available"


def test_only_admins_decide_charges_and_settle_them(ctx, make, borrower, database):
    staff, _ = borrower
    head = user(make.user("admin", name="Mrs H Roebuck"))
    tech = user(make.user("technician"))
    incident = report(user(staff), "ASH-0001", "theft", unsecured="vehicle_overnight")
    with pytest.raises(NotAllowed, match="Only an admin"):
        charges.decide_charge(tech, incident, applies=True, amount=Decimal(100), reason="x")
    with pytest.raises(DomainError, match="amount") as caught:
        charges.decide_charge(head, incident, applies=True, amount=None, reason="Left in car")
    assert caught.value.field == "amount"
    with pytest.raises(DomainError, match="evidence"):
        charges.decide_charge(head, incident, applies=True, amount=Decimal(100), reason=" ")
    charges.decide_charge(
        head, incident, applies=True, amount=Decimal("150"), reason="Left in a car overnight"
    )
    charges.decide_charge(
        head, incident, applies=True, amount=Decimal("120.5"), reason="Left in a car overnight"
    )
    with pytest.raises(NotAllowed):
        charges.settle_charge(tech, incident, "paid")
    charges.settle_charge(head, incident, "paid", "Cheque received")
    db.session.commit()
    charge = incident.charge
    assert charge.applies and charge.amount == Decimal("120.50")
    assert charge.settlement == "paid" and charge.decided_by.name == "Mrs H Roebuck"
    with pytest.raises(DomainError, match="already paid"):
        charges.decide_charge(head, incident, applies=False, amount=None, reason="")
    summaries = [e.summary for e in events.history_for_person(incident.person)]
    assert any("charge of £150.00 decided" in s for s in summaries)
    assert any("charge of £120.50 paid" in s for s in summaries)


def test_no_charge_and_waiving(ctx, make):
    head = user(make.user("admin"))
    laptop = make.asset()
    make.lend(laptop, make.person())
    incident = report(head, asset_of(laptop), "fault")
    charges.decide_charge(head, incident, applies=False, amount=Decimal(50), reason="")
    assert incident.charge.amount is None
    with pytest.raises(DomainError, match="no charge to settle"):
        charges.settle_charge(head, incident, "waived")
    charges.decide_charge(head, incident, applies=True, amount=Decimal(50), reason="Misuse")
    charges.settle_charge(head, incident, "waived", "First time")
    assert incident.charge.settlement == "waived"


def test_the_database_refuses_a_negative_or_missing_charge(ctx, make, database):
    head = user(make.user("admin"))
    incident = report(head, asset_of(make.asset()))
    db.session.commit()
    for amount, applies in ((Decimal("-5"), True), (None, True)):
        db.session.add(
            IncidentCharge(
                incident=incident, applies=applies, amount=amount, reason="", decided_by_id=head.id
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_who_sees_which_report(ctx, make, borrower):
    staff, _ = borrower
    other_staff = user(make.user("staff", person=True))
    office = user(make.user("office"))
    tech = user(make.user("technician"))
    spare = make.asset()
    theirs = report(user(staff), "ASH-0001", "damage")
    about_them = report(tech, "ASH-0001", "fault")  # the desk filed it; it concerns them
    elsewhere = report(tech, spare.tag, "fault")
    db.session.commit()

    def visible(actor):
        query = incident_lists.incident_select(actor, incident_lists.IncidentFilter(state="all"))
        return {i.id for i in db.session.scalars(query)}

    assert visible(user(staff)) == {theirs.id, about_them.id}
    assert visible(other_staff) == set()
    assert visible(office) == visible(tech) == {theirs.id, about_them.id, elsewhere.id}

    def about(actor, **subject):
        return [i.id for i in incident_lists.reports_about(actor, **subject)]

    laptop, person = asset_of(borrower[1]), db.session.get(Person, staff.person_id)
    assert about(office, asset=laptop) == [about_them.id, theirs.id], "newest first"
    assert about(office, asset=asset_of(spare)) == [elsewhere.id]
    assert about(user(staff), asset=laptop) == [about_them.id, theirs.id]
    assert about(other_staff, asset=laptop) == []
    assert about(tech, person=person) == about(user(staff), person=person)
    assert set(about(tech, person=person)) == {theirs.id, about_them.id}
    assert about(other_staff, person=person) == []
    assert not incidents.may_see(other_staff, theirs)
    assert incidents.may_add_to(user(staff), theirs)
    assert not incidents.may_add_to(user(staff), about_them)
    assert not incidents.may_add_to(office, theirs)


def test_the_list_filters_by_state_kind_status_and_search(ctx, make):
    tech = user(make.user("technician"))
    laptop = make.asset("ASH-0100", name="Lenovo ThinkPad")
    camera = make.asset("ASH-0200", name="Canon camera")
    lost = report(tech, laptop.tag, "loss")
    broken = report(tech, camera.tag, "damage")
    cases.change_status(tech, broken, "no_action")
    db.session.commit()

    def found(**values):
        query = incident_lists.incident_select(tech, incident_lists.IncidentFilter(**values))
        return [i.id for i in db.session.scalars(query)]

    assert found() == [lost.id]
    assert found(state="closed") == [broken.id]
    assert found(state="all") == [broken.id, lost.id]
    assert found(state="all", kind="loss") == [lost.id]
    assert found(status="no_action") == [broken.id]
    assert found(state="all", q="thinkpad") == [lost.id]
    assert found(state="all", q="%") == []
    assert [i.id for i in incident_lists.open_incidents()] == [lost.id]


def test_photos_can_be_added_while_open_by_the_reporter(ctx, make, borrower):
    staff, _ = borrower
    office = user(make.user("office"))
    incident = report(user(staff), "ASH-0001", "damage")
    assert incidents.add_photos(user(staff), incident, [("a.png", jpeg_bytes())]) == 1
    with pytest.raises(NotAllowed):
        incidents.add_photos(office, incident, [("a.jpg", jpeg_bytes())])
    with pytest.raises(DomainError, match="at most 6"):
        incidents.add_photos(user(staff), incident, [("b.jpg", jpeg_bytes())] * 6)
    db.session.flush()
    photo = incident.photos[0]
    assert incident_lists.photo_of(incident, photo.id).data == photo.data
    other = report(user(staff), "ASH-0001", "fault")
    db.session.flush()
    assert incident_lists.photo_of(other, photo.id) is None
