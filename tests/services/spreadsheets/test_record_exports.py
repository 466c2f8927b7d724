"""What an auditor, insurer or governor opens: loans, loss and damage reports, leavers'
checklists and the declaration register, each with its list page's rows, in real Excel cells."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Incident, LeaverCase, User
from assets.models.base import utcnow
from assets.services.common.clock import local_date
from assets.services.incidents import charges, incidents
from assets.services.incidents.incident_lists import IncidentFilter, incident_select
from assets.services.leavers import leaver_closing, leaver_lists
from assets.services.loans import loan_lists, loans
from assets.services.spreadsheets import record_exports
from tests.support.drawings import drawn_signature
from tests.support.leavers import (
    finish_everything_but_closing,
    new_leaver_with_kit,
    opened,
    set_contract_end,
)
from tests.support.sheets import reopen, table_of

# ---- loans ----------------------------------------------------------------------------------


@pytest.fixture
def lending(make, ctx):
    """An overdue camera, a laptop awaiting signature and a projector lent and returned."""
    make.terms()
    technician = make.user("technician", name="Mr M Savage")
    guthrie, okafor = make.person("Miss A Guthrie"), make.person("Mr B Okafor")
    # Lent for a fortnight, within the longest loan (with a day to spare for a clock change).
    cameras = make.category("Camera", terms_kind="equipment", loan_kind="short", max_loan_days=15)
    camera = make.asset("ASH-0025", category=cameras, name="Canon camera", serial_number="C-1")
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    laptop = make.asset("ASH-0001", category=laptops, name="Dell laptop")
    projector = make.asset("ASH-0100", name="Epson projector")
    due = local_date() - dt.timedelta(days=6)
    long_ago = utcnow() - dt.timedelta(days=20)
    return {
        "technician": technician,
        "overdue": make.loan(camera, guthrie, by=technician, now=long_ago, due_on=due),
        "unsigned": make.loan(laptop, okafor, by=technician, signed=False),
        "returned": make.lend(projector, guthrie, by=technician, returned=True),
    }


LOAN_FILTERS = [
    {},
    {"view": "overdue"},
    {"view": "unsigned"},
    {"view": "history"},
    {"view": "history", "q": "guthrie"},
    {"view": "history", "since": dt.date.today()},
    {"view": "history", "until": dt.date.today() - dt.timedelta(days=1)},
]


@pytest.mark.parametrize("values", LOAN_FILTERS)
def test_the_loans_export_has_the_pages_rows_in_its_order(lending, ctx, database, values):
    filters = loan_lists.LoanFilter(**values)
    listed = [loan.asset.tag for loan in db.session.scalars(loan_lists.loan_select(filters))]
    _, rows = table_of(record_exports.loans(filters))
    assert [row[0] for row in rows] == listed
    assert listed, "every filter here matches something"


def test_a_loan_row_says_who_when_signed_returned_and_how_late(lending, ctx):
    sheet = reopen(record_exports.loans(loan_lists.LoanFilter(view="history"))).active
    assert "Loan history" in sheet["A1"].value
    header = [cell.value for cell in sheet[2]]
    rows = {
        row[0]: dict(zip(header, row, strict=True))
        for row in sheet.iter_rows(min_row=3, values_only=True)
    }

    camera = rows["ASH-0025"]
    assert camera["Borrower"] == "Miss A Guthrie"
    assert camera["Handed over by"] == "Mr M Savage"
    assert camera["Category"] == "Camera" and camera["Serial number"] == "C-1"
    assert isinstance(camera["Handed over"], dt.datetime)
    assert camera["Due back"].date() == local_date() - dt.timedelta(days=6)
    assert camera["Days overdue"] == 6
    assert camera["Kind"] == "Short loan"
    assert isinstance(camera["Signed for"], dt.datetime) and len(camera["Receipt code"]) == 14

    laptop = rows["ASH-0001"]
    assert laptop["Signed for"] is None and laptop["Receipt code"] == "Awaiting signature"
    assert laptop["Kind"] == "Long-term allocation" and laptop["Days overdue"] is None

    projector = rows["ASH-0100"]
    assert isinstance(projector["Returned"], dt.datetime)
    assert projector["Received by"] == "Mr M Savage"
    assert projector["Condition on return"].startswith("Full working condition")
    assert projector["Days overdue"] is None
    due_cell = sheet.cell(row=3, column=header.index("Due back") + 1)
    assert due_cell.number_format == "dd/mm/yyyy"


def test_a_loan_returned_late_is_no_longer_counted_overdue(lending, ctx):
    technician = db.session.get(User, lending["technician"].id)
    loans.check_in(technician, db.session.get(Asset, lending["overdue"].asset_id), "full_working")
    db.session.commit()
    _, rows = table_of(record_exports.loans(loan_lists.LoanFilter(view="history")))
    assert [row[-1] for row in rows if row[0] == "ASH-0025"] == [None]
    _, rows = table_of(record_exports.loans(loan_lists.LoanFilter(view="overdue")))
    assert rows == []


# ---- loss, damage and theft reports ---------------------------------------------------------


@pytest.fixture
def reports(make):
    admin = make.user("admin")
    technician = make.user("technician", name="Mr M Savage")
    borrower = make.user("staff", person=True, name="Miss A Guthrie")
    laptop = make.asset("ASH-0003", name="HP ProBook")
    make.loan(laptop, SimpleNamespace(id=borrower.person_id), by=technician)
    camera = make.asset("ASH-0025", name="Canon camera")
    damage = make.incident(
        laptop,
        reporter=borrower,
        kind="damage",
        description='=HYPERLINK("http://x")\x07 cracked',
        occurred_on=dt.date.today() - dt.timedelta(days=1),
        occurred_time=dt.time(15, 30),
        place="Car park",
        photos=2,
    )
    theft = make.incident(camera, reporter=technician, kind="theft", unsecured="vehicle_overnight")
    return {"admin": admin, "technician": technician, "borrower": borrower, "damage": damage,
            "theft": theft}  # fmt: skip


@pytest.mark.parametrize(
    "values",
    [{}, {"state": "all"}, {"kind": "theft"}, {"q": "guthrie"}, {"status": "reported"}],
)
def test_the_reports_export_has_the_pages_rows(reports, ctx, database, values):
    technician = db.session.get(User, reports["technician"].id)
    filters = IncidentFilter(**values)
    listed = [i.id for i in db.session.scalars(incident_select(technician, filters))]
    _, rows = table_of(record_exports.incident_reports(technician, filters))
    assert [row[0] for row in rows] == listed
    assert listed


def test_a_report_row_has_repair_charge_and_safe_text(reports, ctx):
    admin = db.session.get(User, reports["admin"].id)
    damage = db.session.get(Incident, reports["damage"].id)
    incidents.change_status(admin, damage, "in_repair")
    incidents.save_repair(
        admin,
        damage,
        incidents.RepairDetails(
            supplier="Laptop Doctor", cost=Decimal("149.99"), sent_on=dt.date.today()
        ),
    )
    charges.decide_charge(
        admin, damage, applies=True, amount=Decimal("50.00"), reason="Left on the car roof."
    )
    db.session.commit()

    sheet = reopen(record_exports.incident_reports(admin, IncidentFilter(state="all"))).active
    header = [cell.value for cell in sheet[2]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    row = dict(zip(header, rows[damage.id], strict=True))

    assert row["Kind"].value == "Damage" and row["Status"].value == "Under repair"
    assert row["Borrower"].value == "Miss A Guthrie" and row["Asset tag"].value == "ASH-0003"
    assert row["Time"].value == "15:30" and row["Where"].value == "Car park"
    # A formula typed into a report stays text, and the control character is gone.
    assert row["What happened"].value == '=HYPERLINK("http://x") cracked'
    assert row["What happened"].data_type == "s"
    assert row["Repaired by"].value == "Laptop Doctor"
    assert row["Repair cost"].value == pytest.approx(149.99)
    assert row["Repair cost"].number_format == '"£"#,##0.00'
    assert row["Charge decision"].value == "Charge" and row["Charge"].value == 50
    assert row["Charge paid or waived"].value is None
    assert row["Photos"].value == 2
    theft = {name: cell.value for name, cell in zip(header, rows[reports["theft"].id], strict=True)}
    assert theft["Left unsecured"] == "Yes, in a vehicle overnight"
    assert theft["Charge decision"] is None and theft["Repair cost"] is None


def test_the_command_line_export_has_every_report(reports, ctx):
    _, rows = table_of(record_exports.incident_reports(None, IncidentFilter(state="all")))
    assert sorted(row[0] for row in rows) == sorted(db.session.scalars(select(Incident.id)).all())


# ---- leavers --------------------------------------------------------------------------------


def test_the_leavers_export_has_the_page_every_checklist_and_each_line(app, make, ctx):
    leaver_with_kit = new_leaver_with_kit(app, make, days_left=10)
    case = opened(leaver_with_kit)
    finish_everything_but_closing(leaver_with_kit, case)
    technician = db.session.get(User, leaver_with_kit.technician.id)
    leaver_closing.close_case(
        technician, case, technician_signature=drawn_signature(), unsigned_reason="Left early."
    )
    db.session.commit()
    other = make.person("Mr B Okafor")
    set_contract_end(app, other.id, dt.date.today() + dt.timedelta(days=3))
    make.loan(make.asset("ASH-0200"), other)

    book = reopen(record_exports.leavers_report(30))
    assert book.sheetnames == ["Leavers", "Checklists", "Checklist steps"]
    assert "leaving within 30 days" in book["Leavers"]["A1"].value

    _, leaver_rows = table_of_sheet(book["Leavers"])
    assert [row[0] for row in leaver_rows] == [r.person.name for r in leaver_lists.dashboard(30)]
    assert leaver_rows[0][:1] + leaver_rows[0][4:] == (
        "Mr B Okafor",
        1,
        "ASH-0200",
        "Checklist not started",
    )

    header, (closed,) = table_of_sheet(book["Checklists"])
    closed = dict(zip(header, closed, strict=True))
    case = db.session.get(LeaverCase, case.id)
    assert closed["Checklist"] == case.id and closed["Status"] == "Closed"
    assert closed["Name"] == "Mrs J Smullen" and closed["Closed by"] == "Mr M Savage"
    assert (closed["Steps done"], closed["Steps"]) == (5, 5)
    assert (closed["Items returned"], closed["Items not returned"]) == (2, 0)
    assert closed["Computers wiped"] == 1
    assert closed["Leaver signed"] == "Left without signing: Left early."
    assert closed["Record code"] == case.record_code

    header, steps = table_of_sheet(book["Checklist steps"])
    steps = [dict(zip(header, step, strict=True)) for step in steps]
    assert [step["Step"] for step in steps] == [
        "Item", "Item", "Secure wipe", "Network account", "App login"
    ]  # fmt: skip
    assert {step["State"] for step in steps} == {"Done"}
    assert all(step["By"] == "Mr M Savage" for step in steps)
    assert all(isinstance(step["When"], dt.datetime) for step in steps)


def table_of_sheet(sheet) -> tuple[list, list[tuple]]:
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return list(rows[0]), rows[1:]


# ---- the declaration register ---------------------------------------------------------------


def test_the_declaration_register_export_says_who_signed(make, ctx):
    make.terms()
    signed, unsigned = make.person("Miss A Guthrie"), make.person("Mr B Okafor")
    make.person("Mrs C Left", active=False)
    make.declaration(signed)

    book = reopen(record_exports.declaration_register())
    sheet = book.active
    assert "Declaration register" in sheet["A1"].value and "version 1" in sheet["A1"].value
    header, rows = table_of_sheet(sheet)
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_name) == {"Miss A Guthrie", "Mr B Okafor"}
    assert by_name["Miss A Guthrie"]["Signed the current version"] is True
    assert isinstance(by_name["Miss A Guthrie"]["Signed"], dt.datetime)
    assert by_name["Miss A Guthrie"]["Signed where"] == "at the IT desk"
    assert by_name["Mr B Okafor"]["Signed the current version"] is False

    _, rows = table_of_sheet(reopen(record_exports.declaration_register(True)).active)
    assert [row[0] for row in rows] == [unsigned.name]
