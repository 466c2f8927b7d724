"""Kits: made and changed by the desk, lent whole in one check-out with one signature, taken
back part by part (a missing charger stays out, marked missing, and can be reported lost),
and counted by a stocktake from the kit's own label."""

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import Asset, Event, Kit, KitPart, Loan, Person, User
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.incidents import incidents
from assets.services.kits import kit_loans, kits
from assets.services.loans import loans, returns
from assets.services.register import labels, register
from assets.services.stocktakes import stocktakes
from tests.support.drawings import drawn_signature
from tests.support.imports import check
from tests.support.labels import render, scan
from tests.support.pdf import pdf_words
from tests.support.sheets import csv_bytes

pytestmark = pytest.mark.usefixtures("clock")


def user(made) -> User:
    return db.session.get(User, made.id)


def asset(made) -> Asset:
    return db.session.get(Asset, made.id)


@pytest.fixture
def desk(make):
    """A laptop kit (laptop, charger, bag) in the ICT suite, a technician, Miss A Guthrie."""
    make.terms()
    room = make.location("ICT suite")
    laptops = make.category("Laptop", terms_kind="equipment", loan_kind="short")
    parts = {
        tag: make.asset(tag, category=laptops, location=room, name=name)
        for tag, name in (
            ("LAP-1", "Dell Latitude 3440"),
            ("CHG-1", "Dell 65W charger"),
            ("BAG-1", "Laptop bag"),
        )
    }
    return SimpleNamespace(
        room=room,
        laptops=laptops,
        parts=parts,
        tech=make.user("technician", name="Mr M Savage"),
        office=make.user("office"),
        borrower=make.person("Miss A Guthrie"),
    )


def laptop_kit(desk, tag="KIT-LAP-1", name="Laptop kit 1") -> Kit:
    kit = kits.create_kit(user(desk.tech), tag, name)
    for part in desk.parts:
        kits.add_part(user(desk.tech), kit, part)
    db.session.commit()
    return kit


def lend(desk, kit, now):
    return kit_loans.lend_kit(
        user(desk.tech),
        kit,
        db.session.get(Person, desk.borrower.id),
        signature=drawn_signature(),
        now=now,
    )


# ---- making kits ------------------------------------------------------------------------------


def test_a_kit_is_made_with_a_unicode_name_and_its_parts_recorded(ctx, desk, database):
    kit = laptop_kit(desk, "WÓZEK-A", "Wózek iPadów A")
    db.session.expire_all()
    kit = kits.kit_for_tag("wózek-a")
    assert kit.name == "Wózek iPadów A"
    assert [a.tag for a in kit.assets] == ["LAP-1", "CHG-1", "BAG-1"]
    actions = db.session.scalars(
        select(Event.action).where(Event.entity_type == "kits").order_by(Event.id)
    ).all()
    assert actions == ["kit.created"] + ["kit.part_added"] * 3


def test_a_kit_tag_equal_to_an_asset_tag_is_refused_whatever_the_case(ctx, desk):
    with pytest.raises(DomainError, match="is the asset Dell Latitude 3440's") as refused:
        kits.create_kit(user(desk.tech), "lap-1", "Laptop kit")
    assert refused.value.field == "tag"
    kit = laptop_kit(desk)
    with pytest.raises(DomainError, match="is the asset"):
        kits.update_kit(user(desk.tech), kit, "CHG-1", kit.name)


def test_a_new_asset_with_a_kits_tag_is_refused(ctx, desk, database):
    laptop_kit(desk)
    details = register.AssetDetails(tag="kit-lap-1", name="Another", category_id=desk.laptops.id)
    with pytest.raises(DomainError, match="is the kit Laptop kit 1's") as refused:
        register.create_asset(None, details)
    assert refused.value.field == "tag"
    edited = asset(desk.parts["BAG-1"])
    details = register.AssetDetails(tag="KIT-LAP-1", name="Bag", category_id=desk.laptops.id)
    with pytest.raises(DomainError, match="is the kit"):
        register.update_asset(None, edited, details)


def test_two_kits_cannot_share_a_tag(ctx, desk):
    laptop_kit(desk)
    with pytest.raises(DomainError, match="already the kit Laptop kit 1's"):
        kits.create_kit(user(desk.tech), "kit-lap-1", "Second")


@pytest.mark.parametrize(
    ("tag", "name", "message"),
    [
        ("", "Kit", "Give the"),
        ("K-1", "   ", "Give the kit a name"),
        ("K/edit", "Kit", "address of another page"),
        ("K\t1", "Kit", "line breaks, tabs"),
        ("K" * 256, "Kit", "255 characters"),
        ("K-1", "N" * 256, "under 255"),
    ],
)
def test_bad_kit_values_are_refused_with_a_message(ctx, desk, tag, name, message):
    with pytest.raises(DomainError, match=message):
        kits.create_kit(user(desk.tech), tag, name)


def test_only_the_desk_makes_and_changes_kits(ctx, desk):
    with pytest.raises(NotAllowed):
        kits.create_kit(user(desk.office), "K-1", "Kit")
    kit = laptop_kit(desk)
    with pytest.raises(NotAllowed):
        kits.add_part(user(desk.office), kit, "LAP-1")


def test_an_asset_in_another_kit_or_out_of_service_is_not_added(ctx, desk, make):
    gone = {s: make.asset(category=desk.laptops) for s in ("retired", "lost", "stolen")}
    laptop_kit(desk)
    other = kits.create_kit(user(desk.tech), "KIT-2", "Second kit")
    with pytest.raises(DomainError, match="already in the kit KIT-LAP-1"):
        kits.add_part(user(desk.tech), other, "chg-1")
    for status, words in (("retired", "is retired"), ("lost", "lost"), ("stolen", "stolen")):
        gone[status] = asset(gone[status])
        gone[status].status = status
        with pytest.raises(DomainError, match=words):
            kits.add_part(user(desk.tech), other, gone[status].tag)
    with pytest.raises(DomainError, match="No asset has the tag NOPE"):
        kits.add_part(user(desk.tech), other, "NOPE")
    with pytest.raises(DomainError, match="Type or scan"):
        kits.add_part(user(desk.tech), other, "  ")


def test_the_database_keeps_an_asset_in_one_kit(ctx, desk, database):
    kit = laptop_kit(desk)
    other = kits.create_kit(user(desk.tech), "KIT-2", "Second kit")
    db.session.commit()
    db.session.add(KitPart(kit_id=other.id, asset_id=desk.parts["LAP-1"].id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(KitPart.id))) == len(kit.parts)


def test_parts_are_removed_and_only_an_empty_kit_deleted(ctx, desk, database):
    kit = laptop_kit(desk)
    with pytest.raises(DomainError, match="still has 3 parts"):
        kits.delete_kit(user(desk.tech), kit)
    for part in list(kit.parts):
        kits.remove_part(user(desk.tech), kit, part.asset_id)
    with pytest.raises(DomainError, match="not in this kit"):
        kits.remove_part(user(desk.tech), kit, desk.parts["LAP-1"].id)
    kits.delete_kit(user(desk.tech), kit)
    db.session.commit()
    assert db.session.scalar(select(func.count(Kit.id))) == 0
    assert db.session.scalar(select(func.count(Asset.id))) == 3


# ---- lending and taking back ------------------------------------------------------------------


def test_a_kit_goes_out_in_one_check_out_with_one_signature(ctx, desk, clock, database):
    kit = laptop_kit(desk)
    lent = lend(desk, kit, clock.now)
    db.session.commit()
    assert sorted(loan.asset.tag for loan in lent) == ["BAG-1", "CHG-1", "LAP-1"]
    assert len({loan.signature_id for loan in lent}) == 1
    receipt = pdf_words(lent[0].signature.receipt_pdf)
    for tag, name in (
        ("LAP-1", "Dell Latitude 3440"),
        ("CHG-1", "Dell 65W charger"),
        ("BAG-1", "Laptop bag"),
    ):
        assert tag in receipt
        assert name in receipt
    assert "Miss A Guthrie" in receipt


def test_an_ipad_trolley_with_thirty_ipads_goes_out_in_one_check_out(
    ctx, desk, make, clock, database
):
    """The issue's own example: "iPad trolley A" with its 30 iPads and the trolley, 31 items,
    one signature; a 41st part is refused when it is added, not at the desk."""
    tablets = make.category("Tablet", terms_kind="equipment", loan_kind="short")
    ipads = [make.asset(f"IPAD-{n:02}", category=tablets).tag for n in range(1, 41)]
    make.asset("TROL-A", category=tablets)
    trolley = kits.create_kit(user(desk.tech), "TROLLEY-A", "Wózek iPadów A")
    for tag in [*ipads[:30], "TROL-A"]:
        kits.add_part(user(desk.tech), trolley, tag)
    db.session.commit()

    lent = lend(desk, trolley, clock.now)
    db.session.commit()
    assert len(lent) == 31
    assert len({loan.signature_id for loan in lent}) == 1
    for tag in ipads[30:39]:
        kits.add_part(user(desk.tech), trolley, tag)
    with pytest.raises(DomainError, match="at most 40 items"):
        kits.add_part(user(desk.tech), trolley, ipads[39])


def test_a_part_on_loan_elsewhere_stops_the_whole_kit(ctx, desk, make, clock, database):
    make.loan(desk.parts["CHG-1"], make.person("Mr B Other"), by=desk.tech)
    kit = laptop_kit(desk)
    with pytest.raises(DomainError, match="CHG-1 is already on loan to Mr B Other"):
        lend(desk, kit, clock.now)
    db.session.rollback()
    open_loans = db.session.scalars(select(Loan).where(Loan.returned_at.is_(None))).all()
    assert [loan.asset.tag for loan in open_loans] == ["CHG-1"]
    assert asset(desk.parts["LAP-1"]).status == "available"
    assert [a.tag for a, _why in kit_loans.refusals(kits.kit_for_tag("KIT-LAP-1"))] == ["CHG-1"]


def test_an_empty_kit_is_not_lent(ctx, desk, clock):
    kit = kits.create_kit(user(desk.tech), "EMPTY", "Nothing yet")
    with pytest.raises(DomainError, match="has no parts yet"):
        lend(desk, kit, clock.now)


def test_a_kit_back_without_its_charger_keeps_the_charger_out_for_a_loss_report(
    ctx, desk, clock, database
):
    kit = laptop_kit(desk)
    lend(desk, kit, clock.now)
    db.session.commit()
    checks = {desk.parts["LAP-1"].id: "fine", desk.parts["BAG-1"].id: "fine"}
    with pytest.raises(DomainError, match="CHG-1"):
        kit_loans.return_kit(user(desk.tech), kit, checks, now=clock.advance(days=2))
    db.session.rollback()
    checks[desk.parts["CHG-1"].id] = "missing"
    done = kit_loans.return_kit(user(desk.tech), kit, checks, now=clock.now)
    db.session.commit()
    assert sorted(loan.asset.tag for loan in done.returned) == ["BAG-1", "LAP-1"]
    assert [loan.asset.tag for loan in done.missing] == ["CHG-1"]
    charger = asset(desk.parts["CHG-1"])
    assert charger.status == "on_loan"
    assert charger.open_loan.person.name == "Miss A Guthrie"
    part = db.session.scalar(select(KitPart).where(KitPart.asset_id == charger.id))
    assert part.missing
    assert asset(desk.parts["LAP-1"]).status == "available"
    # Straight into the loss report, about the loan still open.
    incident = incidents.report_incident(
        user(desk.tech),
        charger,
        "loss",
        description="Not in the bag when the kit came back.",
        occurred_on=clock.now.date(),
        loan_id=charger.open_loan.id,
        now=clock.advance(minutes=5),
    )
    db.session.commit()
    assert incident.person.name == "Miss A Guthrie"
    assert asset(desk.parts["CHG-1"]).status == "lost"
    assert db.session.scalar(select(Event).where(Event.action == "kit.part_missing")) is not None


def test_a_damaged_part_needs_a_note_and_comes_back_damaged(ctx, desk, clock, database):
    kit = laptop_kit(desk)
    lend(desk, kit, clock.now)
    db.session.commit()
    checks = dict.fromkeys((desk.parts["CHG-1"].id, desk.parts["BAG-1"].id), "fine")
    checks[desk.parts["LAP-1"].id] = "damaged"
    later = clock.advance(hours=3)
    with pytest.raises(DomainError, match="LAP-1: Say what is damaged"):
        kit_loans.return_kit(user(desk.tech), kit, checks, now=later)
    db.session.rollback()
    notes = {desk.parts["LAP-1"].id: "Cracked hinge"}
    done = kit_loans.return_kit(user(desk.tech), kit, checks, notes, now=later)
    db.session.commit()
    assert [loan.asset.tag for loan in done.damaged] == ["LAP-1"]
    assert asset(desk.parts["LAP-1"]).condition == "broken"


def test_a_kit_return_never_touches_a_part_since_lent_to_someone_else(
    ctx, desk, make, clock, database
):
    """The charger came back alone and went out to Carol: the kit's return for Miss Guthrie
    must not offer Carol's loan, so it is refused and Carol's loan is left as it was."""
    carol = make.person("Carol Ó Briain")
    kit = laptop_kit(desk)
    lend(desk, kit, clock.now)
    db.session.commit()
    charger = asset(desk.parts["CHG-1"])
    returns.check_in(user(desk.tech), charger, "full_working", now=clock.advance(hours=1))
    db.session.commit()
    loans.check_out(
        user(desk.tech),
        db.session.get(Person, carol.id),
        [charger],
        signature=drawn_signature(),
        now=clock.advance(hours=1),
    )
    db.session.commit()
    checks = dict.fromkeys((desk.parts["LAP-1"].id, desk.parts["BAG-1"].id), "fine")
    checks[desk.parts["CHG-1"].id] = "missing"
    with pytest.raises(DomainError, match="different people") as refused:
        kit_loans.return_kit(user(desk.tech), kit, checks, now=clock.advance(hours=1))
    assert "CHG-1 to Carol Ó Briain" in refused.value.message
    assert "one by one" in refused.value.message
    db.session.rollback()
    charger = asset(desk.parts["CHG-1"])
    assert charger.open_loan.person.name == "Carol Ó Briain"
    part = db.session.scalar(select(KitPart).where(KitPart.asset_id == charger.id))
    assert part.missing_since is None
    assert asset(desk.parts["LAP-1"]).status == "on_loan"
    assert db.session.scalar(select(Event).where(Event.action == "kit.part_missing")) is None
    # Once Miss Guthrie's two parts are the only ones out, the kit's return takes them back.
    returns.check_in(user(desk.tech), charger, "full_working", now=clock.advance(hours=1))
    db.session.commit()
    del checks[desk.parts["CHG-1"].id]
    done = kit_loans.return_kit(user(desk.tech), kit, checks, now=clock.advance(hours=1))
    db.session.commit()
    assert {loan.person.name for loan in done.returned} == {"Miss A Guthrie"}


def test_a_kit_lent_in_two_check_outs_to_one_person_is_not_returned_as_one(ctx, desk, clock):
    kit = laptop_kit(desk)
    guthrie = db.session.get(Person, desk.borrower.id)
    for tag in ("LAP-1", "CHG-1"):
        loans.check_out(
            user(desk.tech),
            guthrie,
            [asset(desk.parts[tag])],
            signature=drawn_signature(),
            now=clock.advance(minutes=1),
        )
    db.session.commit()
    with pytest.raises(DomainError, match="different check-outs"):
        kit_loans.parts_to_return(kit)


def test_a_kit_goes_out_whole_or_not_at_all(ctx, desk, clock):
    kit = laptop_kit(desk)
    some = [asset(desk.parts["LAP-1"])]
    with pytest.raises(DomainError, match="leaves out CHG-1, BAG-1"):
        kit_loans.lend_kit(
            user(desk.tech),
            kit,
            db.session.get(Person, desk.borrower.id),
            assets=some,
            signature=drawn_signature(),
            now=clock.now,
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count(Loan.id))) == 0


def test_a_part_out_or_missing_stays_in_the_kit(ctx, desk, clock, database):
    kit = laptop_kit(desk)
    lend(desk, kit, clock.now)
    db.session.commit()
    with pytest.raises(DomainError, match=r"LAP-1 is on loan to Miss A Guthrie.*check it in"):
        kits.remove_part(user(desk.tech), kit, desk.parts["LAP-1"].id)
    checks = dict.fromkeys((desk.parts["LAP-1"].id, desk.parts["BAG-1"].id), "fine")
    checks[desk.parts["CHG-1"].id] = "missing"
    kit_loans.return_kit(user(desk.tech), kit, checks, now=clock.advance(hours=1))
    db.session.commit()
    with pytest.raises(DomainError, match=r"CHG-1 is marked missing.*report the loss first"):
        kits.remove_part(user(desk.tech), kit, desk.parts["CHG-1"].id)
    db.session.rollback()
    assert len(db.session.get(Kit, kit.id).parts) == 3
    # Back in, it can be taken out of the kit.
    kits.remove_part(user(desk.tech), kit, desk.parts["LAP-1"].id)
    db.session.commit()
    assert len(db.session.get(Kit, kit.id).parts) == 2


def test_a_return_with_everything_missing_or_nothing_out_is_refused(ctx, desk, clock):
    kit = laptop_kit(desk)
    with pytest.raises(DomainError, match="nothing to check in"):
        kit_loans.return_kit(user(desk.tech), kit, {}, now=clock.now)
    lend(desk, kit, clock.now)
    db.session.commit()
    every = {part.asset_id: "missing" for part in kit.parts}
    with pytest.raises(DomainError, match="Nothing is back"):
        kit_loans.return_kit(user(desk.tech), kit, every, now=clock.advance(hours=1))
    bogus = {part.asset_id: "eaten" for part in kit.parts}
    with pytest.raises(DomainError, match="Say for every part"):
        kit_loans.return_kit(user(desk.tech), kit, bogus, now=clock.now)
    with pytest.raises(NotAllowed):
        kit_loans.return_kit(user(desk.office), kit, every, now=clock.now)


# ---- stocktakes -------------------------------------------------------------------------------


def test_a_kits_label_in_a_stocktake_counts_its_parts_not_out(ctx, desk, make, clock, database):
    kit = laptop_kit(desk)
    make.loan(desk.parts["BAG-1"], make.person("Mr B Other"), by=desk.tech)
    stocktake, _ = stocktakes.start_stocktake(user(desk.tech), desk.room.id)
    db.session.commit()

    scan = stocktakes.record_scan(
        user(desk.tech),
        stocktake,
        f"https://assets.school.test/k/{kit.tag}",
        now=clock.advance(minutes=1),
    )
    db.session.commit()
    assert scan.result == "kit"
    assert "2 parts counted (LAP-1, CHG-1)" in scan.message
    assert "not counted, out on loan: BAG-1 (on loan to Mr B Other)" in scan.message
    report = stocktakes.report(stocktake)
    assert [item.asset.tag for item in report.found] == ["CHG-1", "LAP-1"]
    assert report.unexpected == []

    again = stocktakes.record_scan(user(desk.tech), stocktake, "kit-lap-1", now=clock.now)
    assert again.result == "again"
    assert "already counted: LAP-1, CHG-1" in again.message
    with pytest.raises(DomainError, match="another site"):
        stocktakes.record_scan(
            user(desk.tech), stocktake, "https://evil.test/k/KIT-LAP-1", now=clock.now
        )


def test_the_kit_page_address_is_read_from_a_scanned_code(ctx, desk):
    laptop_kit(desk)
    base = "https://assets.school.test"
    assert kits.kit_for_code(f"{base}/k/KIT-LAP-1/", base).tag == "KIT-LAP-1"
    assert kits.kit_for_code(" kit-lap-1\n", base).tag == "KIT-LAP-1"
    assert kits.kit_for_code(f"{base}/a/KIT-LAP-1", base) is None
    assert kits.kit_for_code("LAP-1", base) is None
    assert kits.kit_for_code("", base) is None


def test_a_kits_tag_prints_the_kits_own_label(ctx, desk, tmp_path):
    laptop_kit(desk)
    sheet = labels.label_sheet(labels.LabelSelection(tags="kit-lap-1\nLAP-1"), "L7160", 1)
    assert sheet.count == 2
    (page,) = render(sheet.pdf, tmp_path)
    assert set(scan(page)) == {
        "https://assets.school.test/k/KIT-LAP-1",
        "https://assets.school.test/a/LAP-1",
    }


def test_an_imported_asset_with_a_kits_tag_is_refused(ctx, desk):
    laptop_kit(desk)
    rows = [["Asset tag", "Name", "Category"], ["Kit-Lap-1", "Another", "Laptop"]]
    preview = check(csv_bytes(rows))
    assert preview.summary.errors == [
        "row 2, Asset tag: 'Kit-Lap-1' is a kit's tag; an asset needs a tag of its own"
    ]
