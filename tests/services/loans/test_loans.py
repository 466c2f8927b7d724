"""loans: lending all or none, on the right terms, with a signature that holds up later."""

import hashlib
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.attributes import set_committed_value

from assets.extensions import db
from assets.files.pdf.receipts import verification_code
from assets.models import Asset, Event, Loan, Person, Signature, User
from assets.services.common.clock import local_date
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.loans import loans, pending_signatures, returns
from assets.services.terms import signatures, terms
from assets.services.terms.policy_texts import EQUIPMENT_TERMS, LAPTOP_TERMS
from tests.support import drawings


@pytest.fixture
def desk(make):
    """A technician, a borrower, a laptop and a camera, with the policy's terms in place."""
    make.terms()
    laptop_category = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    camera_category = make.category(
        "Camera", terms_kind="equipment", loan_kind="short", default_loan_days=7
    )
    return {
        "technician": make.user("technician"),
        "borrower": make.person("Miss A Guthrie"),
        "laptop": make.asset("ASH-0001", category=laptop_category, serial_number="DL-3440-1"),
        "camera": make.asset("ASH-0025", category=camera_category, serial_number="CN-740-9"),
        "laptop_category": laptop_category,
        "camera_category": camera_category,
    }


def load(desk, *names):
    """The live records for `names` in the current session."""
    models = {"technician": User, "borrower": Person, "laptop": Asset, "camera": Asset}
    return [db.session.get(models[name], desk[name].id) for name in names]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_laptop_and_a_camera_signed_together_make_two_loans_and_one_signature(desk, ctx):
    technician, borrower, laptop, camera = load(desk, "technician", "borrower", "laptop", "camera")

    created = loans.check_out(
        technician, borrower, [laptop, camera], signature=drawings.drawn_signature()
    )
    db.session.commit()

    assert [loan.asset.tag for loan in created] == ["ASH-0001", "ASH-0025"]
    assert laptop.status == camera.status == "on_loan"
    signature = created[0].signature
    assert signature is created[1].signature
    assert signature.purpose == "loan"
    assert signature.capture == "desk"
    assert signature.technician_id == technician.id
    # The laptop is a long allocation; the camera is due after the category's 7 days.
    assert created[0].due_on is None
    assert created[1].due_on == local_date() + timedelta(days=7)
    # Both texts were signed, word for word, and linked to their versions.
    assert LAPTOP_TERMS in signature.text
    assert EQUIPMENT_TERMS in signature.text
    assert {t.kind for t in signature.terms} == {"laptop", "equipment"}
    assert signature.text_sha256 == hashlib.sha256(signature.text.encode()).hexdigest()
    assert [item["tag"] for item in signature.items] == ["ASH-0001", "ASH-0025"]
    assert signature.items[0]["serial"] == "DL-3440-1"


def test_the_receipt_is_stored_with_its_code_and_checks_out(desk, ctx):
    technician, borrower, laptop = load(desk, "technician", "borrower", "laptop")

    (loan,) = loans.check_out(technician, borrower, [laptop], signature=drawings.drawn_signature())
    db.session.commit()

    signature = loan.signature
    assert signature.receipt_pdf.startswith(b"%PDF-")
    assert signature.receipt_code == verification_code(signatures.receipt_for(signature))
    assert signatures.verify(signature)
    receipt = signatures.receipt_for(signature)
    assert receipt.borrower_name == "Miss A Guthrie"
    assert receipt.technician_name == technician.name
    assert receipt.terms_text == LAPTOP_TERMS
    assert receipt.capture == "at the IT desk"


def test_every_loan_and_the_signature_write_an_audit_event(desk, ctx):
    technician, borrower, laptop, camera = load(desk, "technician", "borrower", "laptop", "camera")

    loans.check_out(technician, borrower, [laptop, camera], signature=drawings.drawn_signature())
    db.session.commit()

    actions = db.session.scalars(
        select(Event.action).where(Event.person_id == borrower.id, Event.action != "person.created")
    ).all()
    assert sorted(actions) == ["loan.created", "loan.created", "signature.created"]
    laptop_events = db.session.scalars(select(Event).where(Event.asset_id == laptop.id)).all()
    assert any("lent to Miss A Guthrie" in e.summary for e in laptop_events)


def test_the_stored_image_is_the_cleaned_drawing_not_the_upload(desk, ctx):
    technician, borrower, laptop = load(desk, "technician", "borrower", "laptop")
    upload = drawings.drawn_signature()

    (loan,) = loans.check_out(technician, borrower, [laptop], signature=upload)

    stored = loan.signature.image_png
    assert stored.startswith(b"\x89PNG")
    assert stored not in upload.encode()
    assert loan.signature.image_sha256 == hashlib.sha256(stored).hexdigest()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("retired", "is retired"),
        ("lost", "is reported lost"),
        ("stolen", "is reported stolen"),
        ("in_repair", "is in repair"),
    ],
)
def test_devices_out_of_service_cannot_be_lent(desk, ctx, status, words):
    technician, borrower, laptop = load(desk, "technician", "borrower", "laptop")
    laptop.status = status
    db.session.commit()

    with pytest.raises(DomainError, match=f"ASH-0001 {words} and cannot be lent"):
        loans.check_out(technician, borrower, [laptop], signature=drawings.drawn_signature())


def test_all_or_none_one_refused_item_lends_nothing(desk, ctx):
    technician, borrower, laptop, camera = load(desk, "technician", "borrower", "laptop", "camera")
    camera.status = "in_repair"
    db.session.commit()

    with pytest.raises(DomainError, match="ASH-0025 is in repair"):
        loans.check_out(
            technician, borrower, [laptop, camera], signature=drawings.drawn_signature()
        )
    db.session.rollback()

    assert count(Loan) == 0
    assert count(Signature) == 0
    assert db.session.get(Asset, laptop.id).status == "available"


def test_an_asset_on_loan_is_refused_with_its_holder(make, desk, ctx):
    make.loan(desk["laptop"], make.person("Mrs N Quinn"))
    technician, borrower, laptop = load(desk, "technician", "borrower", "laptop")

    with pytest.raises(DomainError, match="ASH-0001 is already on loan to Mrs N Quinn"):
        loans.check_out(technician, borrower, [laptop], signature=drawings.drawn_signature())


def test_the_one_open_loan_index_becomes_a_friendly_message(make, desk, ctx):
    """Should the status and the loans ever disagree, the index still refuses a second open
    loan, and the service turns the IntegrityError into a message."""
    make.loan(desk["laptop"], make.person("Mrs N Quinn"))
    db.session.execute(
        update(Asset).where(Asset.id == desk["laptop"].id).values(status="available")
    )
    db.session.commit()
    technician, borrower, laptop = load(desk, "technician", "borrower", "laptop")
    # The code's own check then sees no holder, as a stale read in a race would.
    set_committed_value(laptop, "open_loan", None)

    with pytest.raises(DomainError, match="already on loan") as refused:
        loans.check_out(technician, borrower, [laptop], signature=drawings.drawn_signature())
    assert refused.value.field == "tags"
    db.session.rollback()

    assert count(Loan) == 1
    assert count(Signature) == 1


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (None, "Please sign in the box"),
        ("", "Please sign in the box"),
        (drawings.blank_canvas(), "Please sign in the box"),
        (drawings.svg_signature(), "not an SVG"),
        (drawings.jpeg_signature(), "must be a PNG"),
        ("data:image/png;base64," + "A" * 800_000, "too large"),
        ("data:image/png;base64,not base64!", "could not be read"),
    ],
)
def test_a_signature_that_is_not_a_real_drawing_is_refused_and_nothing_is_made(
    desk, ctx, signature, message
):
    technician, borrower, laptop = load(desk, "technician", "borrower", "laptop")

    with pytest.raises(DomainError, match=message) as refused:
        loans.check_out(technician, borrower, [laptop], signature=signature)
    assert refused.value.field == "signature"
    db.session.rollback()

    assert count(Loan) == 0
    assert count(Signature) == 0
    assert db.session.get(Asset, laptop.id).status == "available"


def test_a_technician_can_hand_over_for_signing_later(desk, ctx):
    technician, borrower, camera = load(desk, "technician", "borrower", "camera")

    (loan,) = loans.check_out(technician, borrower, [camera], awaiting_signature=True)
    db.session.commit()

    assert loan.signature is None
    assert loan.awaiting_signature
    assert camera.status == "on_loan"


def test_staff_sign_out_only_for_themselves_and_always_sign(make, desk, ctx):
    own = make.user("staff", person=True)
    staff = db.session.get(User, own.id)
    me = db.session.get(Person, own.person_id)
    borrower, laptop, camera = load(desk, "borrower", "laptop", "camera")

    with pytest.raises(NotAllowed, match="only for yourself"):
        loans.check_out(staff, borrower, [laptop], signature=drawings.drawn_signature())
    with pytest.raises(NotAllowed, match="Only the IT technician"):
        loans.check_out(staff, me, [camera], awaiting_signature=True)
    db.session.rollback()

    (loan,) = loans.check_out(staff, me, [camera], signature=drawings.drawn_signature())
    assert loan.signature.capture == "remote"
    assert loan.signature.technician_id is None


def test_people_who_left_cannot_borrow(make, desk, ctx):
    gone = make.person("Mr Gone", active=False)
    technician, laptop = load(desk, "technician", "laptop")

    with pytest.raises(DomainError, match="no longer on the staff list"):
        loans.check_out(
            technician,
            db.session.get(Person, gone.id),
            [laptop],
            signature=drawings.drawn_signature(),
        )


def test_a_due_date_in_the_past_is_refused_and_a_given_one_is_kept(desk, ctx):
    technician, borrower, camera = load(desk, "technician", "borrower", "camera")
    today = local_date()

    with pytest.raises(DomainError, match="already passed") as refused:
        loans.check_out(
            technician,
            borrower,
            [camera],
            due_on=today - timedelta(days=1),
            signature=drawings.drawn_signature(),
        )
    assert refused.value.field == "due_on"
    db.session.rollback()

    (loan,) = loans.check_out(
        technician,
        borrower,
        [camera],
        due_on=today + timedelta(days=2),
        signature=drawings.drawn_signature(),
    )
    assert loan.due_on == today + timedelta(days=2)
    assert loan.signature.details["due_date"] == (today + timedelta(days=2)).strftime("%d/%m/%Y")


def test_signing_terms_that_changed_meanwhile_is_refused(desk, ctx):
    technician, borrower, laptop = load(desk, "technician", "borrower", "laptop")
    shown = loans.plan_checkout(technician, borrower, [laptop]).terms_ids
    terms.revise(technician, "laptop", title="Laptop terms", body="New words.")
    db.session.commit()

    with pytest.raises(DomainError, match="terms changed"):
        loans.check_out(
            technician,
            borrower,
            [laptop],
            signature=drawings.drawn_signature(),
            terms_ids=shown,
        )


def test_a_signature_keeps_its_text_when_the_terms_change_later(desk, ctx):
    technician, borrower, laptop = load(desk, "technician", "borrower", "laptop")
    (loan,) = loans.check_out(technician, borrower, [laptop], signature=drawings.drawn_signature())
    db.session.commit()

    version = terms.revise(technician, "laptop", title="Laptop terms 2027", body="Shorter terms.")
    db.session.commit()

    assert version.version == 2
    signature = db.session.get(Signature, loan.signature_id)
    assert signature.text == LAPTOP_TERMS
    assert signature.terms[0].version == 1
    assert signatures.verify(signature)
    assert terms.current("laptop").body == "Shorter terms."


@pytest.mark.usefixtures("database")
def test_the_database_refuses_to_edit_a_signature_or_a_terms_version(desk, ctx):
    technician, borrower, laptop = load(desk, "technician", "borrower", "laptop")
    (loan,) = loans.check_out(technician, borrower, [laptop], signature=drawings.drawn_signature())
    db.session.commit()

    for statement in (
        update(Signature).where(Signature.id == loan.signature_id).values(text="Other words"),
        text("UPDATE signatures SET image_png = image_png"),
        text("UPDATE terms SET body = 'Other words'"),
    ):
        with pytest.raises(DBAPIError, match="never edited"):
            db.session.execute(statement)
        db.session.rollback()

    assert db.session.get(Signature, loan.signature_id).text == LAPTOP_TERMS
    assert terms.current("laptop").body == LAPTOP_TERMS


# ---- signing later -----------------------------------------------------------------------------


def test_the_borrower_signs_later_for_everything_handed_over(make, desk, ctx):
    borrower_login = make.user("staff", person=True)
    technician, laptop, camera = load(desk, "technician", "laptop", "camera")
    me = db.session.get(Person, borrower_login.person_id)
    loans.check_out(technician, me, [laptop], awaiting_signature=True)
    loans.check_out(technician, me, [camera], awaiting_signature=True)
    db.session.commit()
    pending = pending_signatures.awaiting_signature_for(me)

    signature = pending_signatures.sign_pending(
        db.session.get(User, borrower_login.id),
        me,
        drawings.drawn_signature(),
        loan_ids=[loan.id for loan in pending],
    )
    db.session.commit()

    assert signature.capture == "remote"
    assert signature.technician_id == technician.id
    assert {loan.signature_id for loan in pending} == {signature.id}
    assert pending_signatures.awaiting_signature_for(me) == []
    assert signatures.receipt_for(signature).capture == "remotely, on the borrower's own login"


def test_nobody_else_signs_for_a_borrower(make, desk, ctx):
    make.loan(desk["camera"], desk["borrower"], signed=False)
    someone = make.user("staff", person=True)
    technician, borrower = load(desk, "technician", "borrower")

    for actor in (db.session.get(User, someone.id), technician):
        with pytest.raises(NotAllowed):
            pending_signatures.sign_pending(actor, borrower, drawings.drawn_signature())


def test_signing_later_refuses_a_list_that_changed(make, desk, ctx):
    login = make.user("staff", person=True)
    make.loan(desk["camera"], SimpleNamespace(id=login.person_id), signed=False)
    me = db.session.get(Person, login.person_id)
    shown = [loan.id for loan in pending_signatures.awaiting_signature_for(me)]
    make.loan(desk["laptop"], SimpleNamespace(id=login.person_id), signed=False)

    with pytest.raises(DomainError, match="list of items changed"):
        pending_signatures.sign_pending(
            db.session.get(User, login.id), me, drawings.drawn_signature(), loan_ids=shown
        )


# ---- checking in -------------------------------------------------------------------------------


def test_a_return_in_full_working_condition_makes_the_asset_available(make, desk, ctx):
    make.loan(desk["laptop"], desk["borrower"])
    technician, laptop = load(desk, "technician", "laptop")

    loan = returns.check_in(technician, laptop, "full_working", "")
    db.session.commit()

    assert laptop.status == "available"
    assert loan.returned_to_id == technician.id
    assert loan.return_condition == "full_working"
    assert loan.returned_at is not None
    assert db.session.get(Asset, laptop.id).open_loan is None
    event = db.session.scalar(select(Event).where(Event.action == "loan.returned"))
    assert event.asset_id == laptop.id
    assert "full working condition" in event.summary


def test_a_damaged_return_needs_a_note(make, desk, ctx):
    make.loan(desk["laptop"], desk["borrower"])
    technician, laptop = load(desk, "technician", "laptop")

    with pytest.raises(DomainError, match="Say what is damaged or missing") as refused:
        returns.check_in(technician, laptop, "damaged", "  ")
    assert refused.value.field == "note"
    db.session.rollback()

    loan = returns.check_in(technician, laptop, "incomplete", "Charger not returned")
    assert loan.return_note == "Charger not returned"


def test_the_desk_cannot_check_an_item_in_as_not_returned(make, desk, ctx):
    """Not returned is how an incident ends a loan; at the desk the item is in hand."""
    make.loan(desk["laptop"], desk["borrower"])
    technician, laptop = load(desk, "technician", "laptop")

    with pytest.raises(DomainError, match="Choose the condition") as refused:
        returns.check_in(technician, laptop, "not_returned", "Lost on the train")
    assert refused.value.field == "condition"
    db.session.rollback()
    assert db.session.get(Asset, laptop.id).open_loan is not None
    returned = select(func.count()).where(Event.action == "loan.returned")
    assert db.session.scalar(returned) == 0


def test_the_borrower_may_sign_for_the_return(make, desk, ctx):
    make.loan(desk["laptop"], desk["borrower"])
    technician, laptop = load(desk, "technician", "laptop")

    loan = returns.check_in(
        technician, laptop, "damaged", "Cracked screen", signature=drawings.drawn_signature()
    )
    db.session.commit()

    signature = loan.return_signature
    assert signature.purpose == "return"
    assert "Cracked screen" in signature.text
    assert "Cracked screen" in signature.details["return_note"]
    assert signature.receipt_pdf.startswith(b"%PDF-")
    assert signatures.verify(signature)


def test_checking_in_what_is_not_on_loan_or_without_the_role_is_refused(make, desk, ctx):
    staff = make.user("staff")
    technician, laptop, camera = load(desk, "technician", "laptop", "camera")

    with pytest.raises(DomainError, match="not on loan"):
        returns.check_in(technician, laptop, "full_working", "")
    make.loan(desk["camera"], desk["borrower"])
    with pytest.raises(NotAllowed):
        returns.check_in(db.session.get(User, staff.id), camera, "full_working", "")


def test_a_returned_asset_can_be_lent_again(make, desk, ctx):
    make.loan(desk["laptop"], desk["borrower"])
    technician, borrower, laptop = load(desk, "technician", "borrower", "laptop")
    returns.check_in(technician, laptop, "full_working", "")
    db.session.commit()

    (again,) = loans.check_out(technician, borrower, [laptop], signature=drawings.drawn_signature())
    db.session.commit()

    assert again.is_open
    assert count(Loan) == 2


def test_find_assets_reads_typed_and_scanned_tags(desk, ctx):
    found = loans.find_assets("ash-0001,\n ASH-0025  ASH-0001")
    assert [a.tag for a in found] == ["ASH-0001", "ASH-0025"]
    with pytest.raises(DomainError, match="No asset has the tag NOPE-1"):
        loans.find_assets("ASH-0001 NOPE-1")
    with pytest.raises(DomainError, match="at least one item"):
        loans.find_assets(" , ")


@pytest.mark.parametrize("line", ["{}", "{},"])
def test_a_box_of_tens_of_thousands_of_tags_is_refused_plainly(ctx, database, line):
    typed = "\n".join(line.format(chr(0x20000 + i)) for i in range(40_000))
    with pytest.raises(DomainError, match="Sign out at most 40 items at a time") as refused:
        loans.find_assets(typed)
    assert refused.value.field == "tags"


@pytest.mark.parametrize(
    ("handed_over", "due"),
    [
        # 23:30 UTC on 30 June is 00:30 on 1 July at the school (summer time).
        (datetime(2027, 6, 30, 23, 30, tzinfo=UTC), date(2027, 7, 8)),
        # The night the clocks go forward, and a week that ends on a leap day.
        (datetime(2027, 3, 28, 1, 30, tzinfo=UTC), date(2027, 4, 4)),
        (datetime(2028, 2, 22, 9, 0, tzinfo=UTC), date(2028, 2, 29)),
    ],
)
def test_a_short_loan_is_due_its_days_after_the_local_day_it_went_out(
    desk, ctx, clock, handed_over, due
):
    clock.move_to(handed_over)
    technician, borrower, camera = load(desk, "technician", "borrower", "camera")
    [loan] = loans.check_out(
        technician, borrower, [camera], signature=drawings.drawn_signature(), now=clock.now
    )
    db.session.commit()
    assert loan.out_at == handed_over
    assert loan.due_on == due
    assert not loan.is_overdue(due) and loan.is_overdue(due + timedelta(days=1))


def test_tags_with_spaces_are_found_one_a_line(make, ctx):
    room, slashed = make.asset("Room 12 #3"), make.asset("IT/2023/0041")
    plain = make.asset("ASH-1")
    found = loans.find_assets("room 12 #3\nIT/2023/0041 ASH-1\n\nRoom 12 #3")
    assert [asset.id for asset in found] == [room.id, slashed.id, plain.id]
    with pytest.raises(DomainError, match=r"No asset has the tag ASH-9\."):
        loans.find_assets("Room 12 #3\nASH-1, ASH-9")
