"""What an auditor, insurer or governor opens: loans, loss and damage reports and the
declaration register, each with its list page's rows, in real Excel cells."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Incident, User
from assets.models.base import utcnow
from assets.services.common.clock import local_date
from assets.services.incidents import cases, charges
from assets.services.incidents.incident_lists import IncidentFilter, incident_select
from assets.services.loans import loan_lists, returns
from assets.services.spreadsheets.exports import records
from tests.support.sheets import reopen, table_of, table_of_sheet

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
    _, rows = table_of(records.loans(filters).content)
    assert [row[0] for row in rows] == listed
    assert listed, "every filter here matches something"


def test_a_loan_row_says_who_when_signed_returned_and_how_late(lending, ctx):
    sheet = reopen(records.loans(loan_lists.LoanFilter(view="history")).content).active
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
    returns.check_in(technician, db.session.get(Asset, lending["overdue"].asset_id), "full_working")
    db.session.commit()
    _, rows = table_of(records.loans(loan_lists.LoanFilter(view="history")).content)
    assert [row[-1] for row in rows if row[0] == "ASH-0025"] == [None]
    _, rows = table_of(records.loans(loan_lists.LoanFilter(view="overdue")).content)
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
    _, rows = table_of(records.incident_reports(technician, filters).content)
    assert [row[0] for row in rows] == listed
    assert listed


def test_a_report_row_has_repair_charge_and_safe_text(reports, ctx):
    admin = db.session.get(User, reports["admin"].id)
    damage = db.session.get(Incident, reports["damage"].id)
    cases.change_status(admin, damage, "in_repair")
    cases.save_repair(
        admin,
        damage,
        cases.RepairDetails(
            supplier="Laptop Doctor", cost=Decimal("149.99"), sent_on=dt.date.today()
        ),
    )
    charges.decide_charge(
        admin, damage, applies=True, amount=Decimal("50.00"), reason="Left on the car roof."
    )
    db.session.commit()

    sheet = reopen(records.incident_reports(admin, IncidentFilter(state="all")).content).active
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
    _, rows = table_of(records.incident_reports(None, IncidentFilter(state="all")).content)
    assert sorted(row[0] for row in rows) == sorted(db.session.scalars(select(Incident.id)).all())


# ---- the declaration register ---------------------------------------------------------------


def test_the_declaration_register_export_says_who_signed(make, ctx):
    make.terms()
    signed, unsigned = make.person("Miss A Guthrie"), make.person("Mr B Okafor")
    make.person("Mrs C Left", active=False)
    make.declaration(signed)

    book = reopen(records.declaration_register().content)
    sheet = book.active
    assert "Declaration register" in sheet["A1"].value and "version 1" in sheet["A1"].value
    header, rows = table_of_sheet(sheet)
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_name) == {"Miss A Guthrie", "Mr B Okafor"}
    assert by_name["Miss A Guthrie"]["Signed the current version"] is True
    assert isinstance(by_name["Miss A Guthrie"]["Signed"], dt.datetime)
    assert by_name["Miss A Guthrie"]["Signed where"] == "at the IT desk"
    assert by_name["Mr B Okafor"]["Signed the current version"] is False

    _, rows = table_of_sheet(reopen(records.declaration_register(True).content).active)
    assert [row[0] for row in rows] == [unsigned.name]
