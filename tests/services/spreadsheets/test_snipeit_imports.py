"""Moving over from Snipe-IT: its Custom Asset Report and its asset list import unedited, with
statuses mapped (and changeable in the preview), holders lent awaiting signature, warranty
months without a purchase date as a warning, and its formula backtick removed."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Event, Loan, Person
from assets.services.common.errors import DomainError
from assets.services.loans import pending_signatures
from assets.services.register import register
from assets.services.spreadsheets import imports
from assets.services.spreadsheets.exports import register as exports
from assets.services.spreadsheets.imports import statuses
from assets.services.spreadsheets.imports.columns import unescape_formula
from tests.support.sheets import csv_bytes

FIXTURES = Path(__file__).parents[2] / "fixtures" / "snipeit"
REPORT = (FIXTURES / "custom-assets-report.csv").read_bytes()
LIST = (FIXTURES / "assets-list-export.csv").read_bytes()
REPORT_NAME = "custom-assets-report-2024-06-28-101500.csv"
# Snipe-IT's categories and locations are added by the ticks on the preview.
ADD = {"create_categories": True, "create_locations": True}


def check(data: bytes, filename: str = REPORT_NAME, **choices):
    return imports.import_file(
        None, "assets", filename, data, imports.Choices(**(ADD | choices)), write=False
    )


def apply(data: bytes, filename: str = REPORT_NAME, fingerprint=None, **choices):
    result = imports.import_file(
        None,
        "assets",
        filename,
        data,
        imports.Choices(**(ADD | choices)),
        write=True,
        fingerprint=fingerprint,
    )
    db.session.commit()
    return result


def asset(tag: str) -> Asset:
    return db.session.scalar(select(Asset).where(Asset.tag == tag))


def open_loan(tag: str) -> Loan | None:
    return db.session.scalar(
        select(Loan).join(Asset).where(Asset.tag == tag, Loan.returned_at.is_(None))
    )


def warnings_of(preview) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for _number, label, column, message in preview.summary.warnings:
        found.setdefault(label, []).append(f"{column}: {message}")
    return found


@pytest.fixture
def staff(make):
    return {
        "jane": make.person("Jane Smith", email="jsmith@ashbrook.sch.uk"),
        "priya": make.person("Priya Patel-Shah", email="ppatel@ashbrook.sch.uk"),
    }


# ---- the Custom Asset Report ------------------------------------------------------------------


def test_the_custom_asset_report_previews_every_row_with_what_to_check(ctx, staff):
    preview = check(REPORT)
    assert preview.problem is None and not preview.summary.errors
    assert dict(preview.summary.counts) == {"create": 11}
    assert preview.can_apply
    assert {q.label: q.chosen for q in preview.statuses} == {
        "Archived (archived)": "retired",
        "Broken - Not Fixable (undeployable)": "in_repair",
        "Lost/Stolen (undeployable)": "lost",
        "Out for Repair (undeployable)": "in_repair",
        "Pending (pending)": "pending",
        "Ready to Deploy (deployable)": "available",
        "Ready to Deploy (deployed)": "available",
    }
    assert [c.title for c in preview.ignored] == ["MAC Address", "RAM"]
    fields = {c.header: c.field for c in preview.columns}
    assert fields["Username"] == "holder_username" and fields["Type"] == "holder_type"
    assert preview.missing["holders"] == {"Tom Baker": 1}
    warned = warnings_of(preview)
    assert warned["ASH-0002"] == [
        "Warranty: 12 months, but no purchase date to count them from: the warranty end is not set"
    ]
    assert "ASH-0008" not in warned, "listed once, under the holders not on the staff list"
    assert warned["ASH-0010"] == [
        "Checked Out: checked out to the location 'Room 12', not to a person: not lent"
    ]
    assert "Pending in the previous register" in warned["ASH-0006"][0]
    assert "ASH-0001" not in warned
    details = {r.label: r.detail for r in preview.summary.shown["create"]}
    assert details["ASH-0001"].endswith("lent to Jane Smith, awaiting signature")
    assert "Lost" in details["ASH-0005"]
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0, (
        "a preview writes nothing"
    )


def test_the_custom_asset_report_applies_as_snipe_it_had_it(ctx, staff):
    preview = check(REPORT)
    apply(REPORT, fingerprint=preview.fingerprint)

    laptop = asset("ASH-0001")
    assert laptop.name == "Dell Latitude 5440" and laptop.serial_number == "7KX2M9Q"
    assert laptop.purchase_date == date(2023, 9, 1)
    assert laptop.purchase_cost == Decimal("1299.00")
    assert laptop.warranty_end == date(2026, 9, 1)
    assert laptop.notes == "- spare charger in the bag", "the backtick is gone"
    assert laptop.category.name == "Laptops" and laptop.location.name == "Main office"
    assert asset("ASH-0010").purchase_cost == Decimal("12500.00")
    assert asset("ASH-0010").notes == "=wall mounted, do not move"
    assert asset("ASH-0009").serial_number == "-00417"
    assert asset("ASH-0011").name == "@Reception iPad"
    assert asset("ASH-0002").warranty_end is None and asset("ASH-0002").purchase_date is None

    statuses = {a.tag: a.status for a in db.session.scalars(select(Asset))}
    assert statuses == {
        "ASH-0001": "on_loan",
        "ASH-0002": "available",
        "ASH-0003": "in_repair",
        "ASH-0004": "retired",
        "ASH-0005": "lost",
        "ASH-0006": "available",
        "ASH-0007": "in_repair",
        "ASH-0008": "available",  # Tom Baker is not on the staff list
        "ASH-0009": "on_loan",
        "ASH-0010": "available",  # checked out to a room, not a person
        "ASH-0011": "available",
    }
    assert "Pending in the previous register" in asset("ASH-0006").notes


def test_holders_get_an_open_loan_awaiting_their_signature_from_the_import(ctx, staff):
    apply(REPORT)
    jane = db.session.get(Person, staff["jane"].id)
    priya = db.session.get(Person, staff["priya"].id)
    (loan,) = pending_signatures.awaiting_signature_for(jane)
    assert loan.asset.tag == "ASH-0001" and loan.due_on is None and loan.awaiting_signature
    # Priya is "Priya Patel" in Snipe-IT and "Priya Patel-Shah" here: found by her username.
    assert [loan.asset.tag for loan in pending_signatures.awaiting_signature_for(priya)] == [
        "ASH-0009"
    ]
    event = db.session.scalar(
        select(Event).where(Event.action == "loan.created", Event.entity_id == loan.id)
    )
    assert event.summary == (
        f"ASH-0001 lent to Jane Smith as a long-term allocation: awaiting signature, "
        f"from the import of {REPORT_NAME}"
    )
    assert event.changes["source"] == f"import of {REPORT_NAME}"
    assert event.changes["status"] == [None, "on_loan"], "the asset is new, created on loan"
    assert event.person_id == jane.id and event.asset_id == loan.asset_id
    applied = db.session.scalar(select(Event).where(Event.action == "import.applied"))
    assert applied.changes["loans_awaiting_signature"] == 2
    assert applied.summary.endswith("2 lent awaiting signature")


def test_a_status_can_be_changed_in_the_preview_and_the_fingerprint_follows(ctx, staff):
    automatic = check(REPORT)
    chosen = (("Lost/Stolen (undeployable)", "stolen"),)
    preview = check(REPORT, statuses=chosen)
    assert {q.label: q.chosen for q in preview.statuses}["Lost/Stolen (undeployable)"] == "stolen"
    assert preview.fingerprint != automatic.fingerprint
    with pytest.raises(DomainError, match="changed since the preview"):
        apply(REPORT, fingerprint=automatic.fingerprint, statuses=chosen)
    db.session.rollback()
    apply(REPORT, fingerprint=preview.fingerprint, statuses=chosen)
    assert asset("ASH-0005").status == "stolen"


def test_a_status_nobody_can_read_must_be_chosen(ctx):
    data = csv_bytes(
        [
            ["Asset Tag", "Asset Name", "Category", "Status"],
            ["ASH-1", "Visualiser", "Visualisers", "With the supplier (undeployable)"],
        ]
    )
    preview = check(data)
    assert preview.summary.errors == [
        "row 2, Status: choose what 'With the supplier (undeployable)' becomes under "
        "Statuses, above the columns"
    ]
    (question,) = preview.statuses
    assert question.needs_choice and question.automatic is None
    preview = check(data, statuses=(("With the supplier (undeployable)", "in_repair"),))
    assert preview.can_apply
    apply(data, statuses=(("With the supplier (undeployable)", "in_repair"),))
    assert asset("ASH-1").status == "in_repair"


def test_an_unknown_choice_falls_back_to_the_automatic_status(ctx):
    data = csv_bytes([["Asset Tag", "Category", "Status"], ["ASH-1", "Laptops", "Archived"]])
    preview = check(data, statuses=(("Archived", "on_loan"),))
    assert [q.chosen for q in preview.statuses] == ["retired"]


@pytest.mark.parametrize(
    ("label", "status"),
    [
        # The type in brackets decides, whatever the school named the label.
        ("Missing charger (deployable)", "available"),
        ("Repaired, ready (deployable)", "available"),
        ("Broken - not fixable (archived)", "retired"),
        ("Stolen laptops returned (deployed)", "available"),
        ("Lost in transit (pending)", "pending"),
        ("Deployed (Out for Repair)", "available"),
        # Without a telling type, whole words (or their plurals) decide.
        ("Out for Diagnostics (undeployable)", "in_repair"),
        ("Lost/Stolen (undeployable)", "lost"),
        ("Stolen", "stolen"),
        ("Archived", "retired"),
        ("Deployed", "available"),
        # "fault" inside "Default", "lost" inside "Lostwithiel": not words of their own.
        ("Default (undeployable)", None),
        ("Default store", None),
        ("Lostwithiel site (undeployable)", None),
        ("With the supplier (undeployable)", None),
        ("", None),
    ],
)
def test_a_status_is_read_by_its_type_then_by_whole_words(label, status):
    assert statuses.automatic(label) == status
    assert statuses.resolve(label, {}) == status


# ---- holders ----------------------------------------------------------------------------------


HOLDER_HEADER = ["Asset Tag", "Asset Name", "Category", "Checked Out", "Email", "Username"]


def test_holders_are_matched_by_email_then_username_then_name(ctx, make):
    by_email = make.person("A Jones", email="ajones@ashbrook.sch.uk")
    make.person("Alex Jones", email="alex.jones@ashbrook.sch.uk")
    by_name = make.person("Mrs Sam Lee", email=None)
    data = csv_bytes(
        [
            ["Asset Tag", "Asset Name", "Category", "Checked Out To", "Checked Out To: Email",
             "Username"],
            # The email wins over a name that names someone else.
            ["ASH-1", "Laptop", "Laptops", "Alex Jones", "AJones@ashbrook.sch.uk", ""],
            ["ASH-2", "Laptop", "Laptops", "Someone", "", "ajones"],
            ["ASH-3", "Laptop", "Laptops", "sam  lee", "", ""],
        ]
    )  # fmt: skip
    apply(data)
    assert open_loan("ASH-1").person_id == by_email.id
    assert open_loan("ASH-2").person_id == by_email.id
    assert open_loan("ASH-3").person_id == by_name.id, "title, case and spaces ignored"


def test_a_username_holding_a_whole_email_finds_its_owner_first(ctx, make, database):
    jo = make.person("Jo Green", email="jo@school.org")
    make.person("Jo Brown", email="jo@old.org")
    data = csv_bytes(
        [
            ["Asset Tag", "Asset Name", "Category", "Checked out to: username"],
            ["ASH-1", "Laptop", "Laptops", "JO@school.org"],
            ["ASH-2", "Laptop", "Laptops", "jo"],
            ["ASH-3", "Laptop", "Laptops", "nobody"],
        ]
    )
    preview = check(data)
    warned = warnings_of(preview)
    assert "ASH-1" not in warned
    assert warned["ASH-2"] == [
        "Checked out to: username: 2 people on the staff list have the username jo: give "
        "their email in a column, or lend it at the desk after the import"
    ]
    # Someone not on the staff list is listed once, not warned about on their row as well.
    assert preview.missing["holders"] == {"nobody": 1} and "ASH-3" not in warned
    apply(data)
    assert open_loan("ASH-1").person_id == jo.id
    assert open_loan("ASH-2") is None and open_loan("ASH-3") is None


def test_a_name_two_people_share_or_a_leaver_is_not_lent(ctx, make):
    make.person("Chris Hill", email="chill@ashbrook.sch.uk")
    make.person("Chris Hill", email="chill2@ashbrook.sch.uk")
    make.person("Pat Gone", email="pgone@ashbrook.sch.uk", active=False)
    data = csv_bytes(
        [
            ["Asset Tag", "Asset Name", "Category", "Checked Out"],
            ["ASH-1", "Laptop", "Laptops", "Chris Hill"],
            ["ASH-2", "Laptop", "Laptops", "Pat Gone"],
        ]
    )
    preview = check(data)
    warned = warnings_of(preview)
    assert warned["ASH-1"] == [
        "Checked Out: 2 people on the staff list are called Chris Hill: give their email in a "
        "column, or lend it at the desk after the import"
    ]
    assert warned["ASH-2"] == ["Checked Out: Pat Gone has left the staff list: not lent"]
    apply(data)
    assert open_loan("ASH-1") is None and open_loan("ASH-2") is None
    assert asset("ASH-1").status == "available"


def test_an_item_that_cannot_be_lent_says_why_and_comes_in_unlent(ctx, make):
    make.person("Jane Smith", email="jsmith@ashbrook.sch.uk")
    data = csv_bytes(
        [
            ["Asset Tag", "Asset Name", "Category", "Checked Out", "Status"],
            ["ASH-1", "Laptop", "Laptops", "Jane Smith", "Out for Repair (undeployable)"],
        ]
    )
    (warning,) = check(data).summary.warnings
    assert warning[3] == "ASH-1 is in repair and cannot be lent to Jane Smith"
    apply(data)
    assert open_loan("ASH-1") is None and asset("ASH-1").status == "in_repair"


def test_a_mobile_device_not_marked_encrypted_is_lent_with_the_reason_kept(ctx, make):
    make.person("Jane Smith", email="jsmith@ashbrook.sch.uk")
    make.category("Tablets", mobile_device=True)
    data = csv_bytes(
        [
            ["Asset Tag", "Asset Name", "Category", "Checked Out"],
            ["ASH-1", "iPad", "Tablets", "Jane Smith"],
        ]
    )
    (warning,) = check(data).summary.warnings
    assert "policy 10.2" in warning[3]
    apply(data)
    loan = open_loan("ASH-1")
    assert loan.unencrypted_reason.startswith("Held by Jane Smith before the move")
    assert REPORT_NAME in loan.unencrypted_reason


def test_an_asset_already_in_the_register_keeps_its_status_and_loans(ctx, make):
    make.person("Jane Smith", email="jsmith@ashbrook.sch.uk")
    laptops = make.category("Laptops")
    make.asset("ASH-1", name="Laptop", category=laptops)
    data = csv_bytes(
        [
            ["Asset Tag", "Asset Name", "Category", "Checked Out", "Status"],
            ["ASH-1", "Laptop", "Laptops", "Jane Smith", "Archived (archived)"],
        ]
    )
    preview = check(data)
    assert dict(preview.summary.counts) == {"unchanged": 1}
    assert not preview.statuses and not preview.summary.warnings


def test_a_holder_added_to_the_staff_list_after_the_preview_makes_it_stale(ctx, make):
    data = csv_bytes(
        [["Asset Tag", "Asset Name", "Category", "Checked Out"], ["ASH-1", "Laptop", "Laptops",
         "Jane Smith"]]
    )  # fmt: skip
    preview = check(data)
    make.person("Jane Smith", email="jsmith@ashbrook.sch.uk")
    with pytest.raises(DomainError, match="changed since the preview"):
        apply(data, fingerprint=preview.fingerprint)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Loan)) == 0


def test_a_bad_row_leaves_no_loan_behind(ctx, staff):
    rows = REPORT.decode().splitlines()
    bad = rows[2].replace(
        '"Ready to Deploy (deployable)",12', '"Ready to Deploy (deployable)",lots'
    )
    data = "\n".join([rows[0], rows[1], bad]).encode()
    with pytest.raises(DomainError, match="Nothing was imported"):
        apply(data)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Loan)) == 0
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0


# ---- the asset list ---------------------------------------------------------------------------


def test_the_asset_list_export_imports_unedited(ctx, staff):
    preview = check(LIST, "assets-2024-06-28.csv")
    assert dict(preview.summary.counts) == {"create": 5} and preview.can_apply
    assert [c.title for c in preview.ignored] == ["MAC Address"]
    notes = {c.header: c.note for c in preview.columns if c.note}
    assert set(notes) == {"Device Image", "Checkin/Checkout"}, "named as not imported"
    apply(LIST, "assets-2024-06-28.csv")
    assert {a.tag: a.status for a in db.session.scalars(select(Asset))} == {
        "ASH-0101": "on_loan",
        "ASH-0102": "available",
        "ASH-0103": "in_repair",
        "ASH-0104": "available",
        "ASH-0105": "retired",
    }
    assert open_loan("ASH-0101").person_id == staff["jane"].id
    assert asset("ASH-0101").purchase_cost == Decimal("1299.00")
    assert asset("ASH-0101").purchase_date == date(2023, 9, 1)


# ---- the backtick -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("`=1+1", "=1+1"),
        ("`-5", "-5"),
        ("`+44 1632 960000", "+44 1632 960000"),
        ("`@home", "@home"),
        ("`\tTabbed", "\tTabbed"),
        ("`backtick kept", "`backtick kept"),
        ("``=twice", "``=twice"),
        ("plain", "plain"),
        ("`", "`"),
    ],
)
def test_only_the_backtick_snipe_it_adds_is_removed(cell, text):
    assert unescape_formula(cell) == text


def test_a_backtick_typed_in_any_other_file_is_kept(ctx):
    data = csv_bytes(
        [
            ["Asset tag", "Name", "Category", "Notes"],
            ["ASH-1", "`=not a formula", "Laptops", "`-5 spare chargers"],
        ]
    )
    apply(data)
    assert asset("ASH-1").name == "`=not a formula"
    assert asset("ASH-1").notes == "`-5 spare chargers"


@pytest.mark.usefixtures("clock")
def test_a_typed_backtick_survives_the_round_trip_through_our_export(ctx, make, database):
    make.asset("ASH-1", name="`=hidden sum", notes="`-5 spare chargers")
    exported = exports.asset_register(register.AssetFilter()).content
    assert dict(check(exported, "export.xlsx").summary.counts) == {"unchanged": 1}


# ---- headings too common to claim -------------------------------------------------------------


def test_common_headings_are_claimed_only_in_a_snipe_it_export(ctx, make):
    make.person("Jo Green", email="jo@school.org")
    data = csv_bytes(
        [
            ["Asset tag", "Name", "Category", "Title", "Username", "Type"],
            ["ASH-1", "Laptop", "Laptops", "Form 7 laptop", "jo", "user"],
        ]
    )
    preview = check(data)
    assert [c.title for c in preview.ignored] == ["Title", "Username", "Type"]
    assert not preview.summary.warnings
    apply(data)
    assert open_loan("ASH-1") is None and asset("ASH-1").status == "available"
