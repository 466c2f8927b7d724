"""Retention: who is past it, and anonymising them so that nothing personal is left anywhere
in the database while the register (loans, reports, history, signed records) stays whole."""

import json
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import (
    Asset,
    Event,
    Incident,
    IncidentPhoto,
    Kit,
    LeaverCase,
    LeaverSignature,
    Loan,
    Person,
    Signature,
    SignInIdentity,
    User,
)
from assets.models.base import utcnow
from assets.services.common.errors import DomainError
from assets.services.incidents import cases
from assets.services.leavers import leaver_closing, leaver_steps, leavers
from assets.services.people import people, retention
from assets.services.terms import signatures
from tests.conftest import login
from tests.support.concurrency import race
from tests.support.drawings import drawn_signature
from tests.support.leavers import closed_case
from tests.support.signed_records import only_personal_data_removal_is_let_through

NAME = "Łukasz Żółć"
EMAIL = "lukasz.zolc@ashbrook.sch.uk"
STAFF_NUMBER = "ŻÓ-48213"


def _at(day: date) -> datetime:
    """Mid-morning at the school on `day`."""
    return datetime.combine(day, time(10), ZoneInfo("Europe/London")).astimezone(UTC)


@pytest.fixture
def leaver(app, make, clock):
    """Łukasz Żółć borrowed a laptop (signed receipt), filed a report with a photo from his
    own login, returned everything, and left through a closed checklist he signed."""
    make.terms()
    technician = make.user("technician", name="Mr M Savage")
    staff = make.user("staff", person=True, name=NAME, email=EMAIL)
    laptop = make.asset("ASH-0101", name="Dell Latitude 3440")
    loan = make.loan(laptop, type("P", (), {"id": staff.person_id})(), by=technician)
    report = make.incident(
        laptop,
        reporter=staff,
        photos=1,
        description=f"Reported by {NAME} ({EMAIL}): a key is loose.",
    )
    with app.app_context():
        person = db.session.get(Person, staff.person_id)
        details = people.PersonDetails(
            **{n: getattr(person, n) for n in people.FIELDS}
            | {
                "staff_number": STAFF_NUMBER,
                "job_title": "Teacher of Polish",
                "notes": f"{NAME} prefers email.",
            }
        )
        people.update_person(None, person, details)
        db.session.add(
            SignInIdentity(provider="microsoft", subject="tenant/object-1", user_id=staff.id)
        )
        tech = db.session.get(User, technician.id)
        cases.change_status(tech, db.session.get(Incident, report.id), "no_action", "Fine.")
        db.session.commit()
        case, _ = leavers.open_case(tech, person)
        leaver_steps.record_item(tech, case, db.session.get(Loan, loan.id), "full_working")
        leaver_steps.disable_network_account(tech, case, "lzolc")
        leaver_steps.deactivate_login(tech, case)
        db.session.commit()
        leaver_closing.close_case(
            tech,
            case,
            technician_signature=drawn_signature(),
            leaver_signature=drawn_signature(),
        )
        details = people.PersonDetails(
            **{n: getattr(person, n) for n in people.FIELDS} | {"active": False}
        )
        people.update_person(None, person, details)
        db.session.commit()
    today = clock.now.date()
    return type(
        "Leaver",
        (),
        {
            "id": staff.person_id,
            "user_id": staff.id,
            "loan": loan,
            "laptop": laptop,
            "technician": technician,
            "left_on": today,
            "keep_until": today.replace(year=today.year + 6),
        },
    )


@pytest.fixture
def admin(make):
    return make.user("admin", name="Mrs H Teacher")


def _anonymise(app, admin, person_id, now):
    with app.app_context():
        message = retention.anonymise(
            db.session.get(User, admin.id), db.session.get(Person, person_id), now
        )
        db.session.commit()
        return message


def _everything_stored():
    """(table, column, value) for every text and JSON value in the database, JSON written out
    with its letters as they are (not escaped), and every binary value."""
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column in table.columns:
                value = row[column.name]
                if isinstance(value, dict | list):
                    value = json.dumps(value, ensure_ascii=False)
                if isinstance(value, str | bytes):
                    yield table.name, column, value


def test_retention_starts_the_day_they_left_and_ends_on_the_anniversary(app, leaver, admin):
    day_before = _at(leaver.keep_until - timedelta(days=1))
    with app.app_context():
        person = db.session.get(Person, leaver.id)
        assert retention.left_on(person) == leaver.left_on
        assert retention.years() == 6
        assert retention.past_retention(day_before) == []
        assert retention.retention_job(day_before) == "nobody"
        (row,) = retention.past_retention(_at(leaver.keep_until))
        assert (row.person.id, row.keep_until, row.can_anonymise) == (
            leaver.id,
            leaver.keep_until,
            True,
        )
        assert len(retention.past_retention(_at(leaver.keep_until + timedelta(days=1)))) == 1
        assert retention.retention_job(_at(leaver.keep_until)) == (
            "1 person, for an admin to confirm at /people/retention"
        )

    with pytest.raises(DomainError, match="kept until"):
        _anonymise(app, admin, leaver.id, day_before)
    with app.app_context():
        assert db.session.get(Person, leaver.id).name == NAME  # nothing changed


def test_a_later_contract_end_moves_the_date_on_and_the_setting_shortens_it(app, leaver, admin):
    with app.app_context():
        person = db.session.get(Person, leaver.id)
        later = leaver.left_on + timedelta(days=30)
        people.update_person(
            None,
            person,
            people.PersonDetails(
                **{n: getattr(person, n) for n in people.FIELDS} | {"contract_end_date": later}
            ),
        )
        assert retention.left_on(person) == later
        assert retention.set_years(db.session.get(User, admin.id), 1) is True
        assert retention.set_years(db.session.get(User, admin.id), 1) is False
        for bad in (0, 101, None, True):
            with pytest.raises(DomainError, match="whole number of years"):
                retention.set_years(db.session.get(User, admin.id), bad)
        db.session.commit()
        assert retention.past_retention(_at(later.replace(year=later.year + 1)))
        event = db.session.scalars(select(Event).where(Event.action == "setting.changed")).one()
        assert event.summary == "Personal data is now kept 1 year after a person leaves"


def test_someone_who_never_left_or_still_holds_equipment_is_refused(app, make, admin, clock):
    stays = make.person("Zoë O'Brien-Ñúñez")
    holder = make.person("Dr B Roebuck")
    make.loan(make.asset(), holder)
    with app.app_context():
        person = db.session.get(Person, holder.id)
        people.update_person(
            None,
            person,
            people.PersonDetails(
                **{n: getattr(person, n) for n in people.FIELDS} | {"active": False}
            ),
        )
        db.session.commit()
    far = clock.now + timedelta(days=366 * 10)
    with app.app_context():
        (row,) = retention.past_retention(far)
        assert row.person.id == holder.id and row.blockers == ["still holds 1 item on loan"]
    with pytest.raises(DomainError, match="has not left"):
        _anonymise(app, admin, stays.id, far)
    with pytest.raises(DomainError, match="still holds 1 item on loan"):
        _anonymise(app, admin, holder.id, far)
    with app.app_context():
        assert db.session.get(Person, holder.id).anonymised_at is None
        assert db.session.get(Person, holder.id).email == holder.email


def test_anonymising_leaves_nothing_personal_anywhere_and_keeps_the_register(
    app, database, leaver, admin, client
):
    with app.app_context():
        before_events = db.session.scalar(select(db.func.count()).select_from(Event))
        own = db.session.scalars(select(Signature).where(Signature.person_id == leaver.id)).all()
        codes = {s.id: s.receipt_code for s in own}
        summaries = [e.summary for e in db.session.scalars(select(Event))]
        assert any(NAME in s for s in summaries), "the history named him before"

    message = _anonymise(app, admin, leaver.id, _at(leaver.keep_until))
    pseudonym = f"Former member of staff #{leaver.id}"
    assert message.startswith(f"{pseudonym} anonymised")

    with app.app_context():
        needles = (NAME, NAME.lower(), NAME.upper(), EMAIL, STAFF_NUMBER, "Teacher of Polish")
        for table, column, value in _everything_stored():
            if isinstance(value, bytes):
                assert NAME.encode() not in value and EMAIL.encode() not in value, table
                continue
            for needle in needles:
                assert needle.lower() not in value.lower(), (table, column.name, value)
        for signature in db.session.scalars(
            select(Signature).where(Signature.person_id == leaver.id)
        ):
            assert signature.image_png == b"" and signature.receipt_pdf in (b"", None)
            assert signature.receipt_code == codes[signature.id]  # the code is kept
            assert signatures.verify(signature), "what was signed still checks"
            assert signature.details["borrower_name"] == pseudonym
        for row in db.session.scalars(select(LeaverSignature)):
            if row.role == "leaver":
                assert row.image_png == b""
        case = db.session.scalars(select(LeaverCase)).one()
        assert case.record_pdf == b"" and case.status == "closed"
        assert db.session.scalars(select(IncidentPhoto)).all() == []
        assert db.session.scalars(select(SignInIdentity)).all() == []
        person = db.session.get(Person, leaver.id)
        assert (person.name, person.email, person.staff_number, person.job_title) == (
            pseudonym,
            None,
            None,
            None,
        )
        user = db.session.get(User, leaver.user_id)
        assert user.name == pseudonym and not user.active and EMAIL not in user.email
        assert db.session.get(Loan, leaver.loan.id).person_id == leaver.id  # the loan stays
        # Only the anonymisation's own event was added, and it names nobody but the admin.
        events = db.session.scalars(select(Event).order_by(Event.id)).all()
        assert len(events) == before_events + 1
        assert events[-1].summary == (
            f"Person #{leaver.id} anonymised under the retention policy by Mrs H Teacher"
        )
        assert any(f"{pseudonym} signed" in e.summary for e in events)

    # The asset's history and the receipt still read, with the pseudonym.
    login(client, admin)
    page = client.get(f"/assets/{leaver.laptop.tag}")
    assert page.status_code == 200 and pseudonym in page.text and NAME not in page.text
    receipt = client.get(f"/signatures/{leaver.loan.signature_id}")
    assert receipt.status_code == 200
    assert "Signature image removed under the retention policy" in receipt.text
    assert leaver.loan.receipt_code in receipt.text and "Checked:" in receipt.text
    assert client.get(f"/signatures/{leaver.loan.signature_id}/image.png").status_code == 404
    assert client.get(f"/signatures/{leaver.loan.signature_id}/receipt.pdf").status_code == 404
    assert client.get(f"/people/{leaver.id}").status_code == 200
    with app.app_context():
        case_id = db.session.scalars(select(LeaverCase.id)).one()
    checklist = client.get(f"/leavers/{case_id}")
    assert checklist.status_code == 200 and pseudonym in checklist.text
    assert "removed under the retention policy" in checklist.text
    assert client.get(f"/leavers/{case_id}/record.pdf").status_code == 404

    # Twice: a clear no-op.
    with app.app_context():
        count = db.session.scalar(select(db.func.count()).select_from(Event))
    again = _anonymise(app, admin, leaver.id, _at(leaver.keep_until) + timedelta(days=1))
    assert again.endswith("nothing to do.")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Event)) == count


def test_a_signed_record_whose_personal_data_is_gone_is_still_never_edited_otherwise(
    app, database, leaver, admin, make
):
    other = make.loan(make.asset(), make.person("Zoë O'Brien-Ñúñez"))
    _anonymise(app, admin, leaver.id, _at(leaver.keep_until))
    with app.app_context():
        signature_id = leaver.loan.signature_id
        with pytest.raises(Exception, match="never edited"):
            db.session.execute(
                Signature.__table__.update()
                .where(Signature.id == signature_id)
                .values(text="Something else entirely")
            )
        db.session.rollback()
        with pytest.raises(Exception, match="never edited"):
            db.session.execute(
                Signature.__table__.update()
                .where(Signature.id == other.signature_id)
                .values(image_png=b"")
            )
        db.session.rollback()
        # Changing what is left, even with the mark set, is refused by the database.
        signature = db.session.get(Signature, signature_id)
        signature.details = {**signature.details, "due_date": "01/01/2099"}
        with pytest.raises(Exception, match="never edited"):
            db.session.flush()
        db.session.rollback()
        assert signatures.verify(db.session.get(Signature, signature_id))


def test_the_database_refuses_every_change_but_the_removal_of_personal_data(app, database):
    only_personal_data_removal_is_let_through(app)


def test_the_retention_job_counts_people(app, make, clock):
    with app.app_context():
        assert retention.retention_job(utcnow()) == "nobody"


def test_two_admins_confirming_at_once_anonymise_once(app, database, leaver, make):
    admins = [make.user("admin"), make.user("admin")]
    now = _at(leaver.keep_until)

    def confirm(i, barrier):
        actor = db.session.get(User, admins[i].id)
        person = db.session.get(Person, leaver.id)
        barrier.wait()
        message = retention.anonymise(actor, person, now)
        db.session.commit()
        return message

    outcomes = race(app, confirm, desks=2)
    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert sum(o.endswith("nothing to do.") for o in outcomes) == 1, outcomes
    with app.app_context():
        done = db.session.scalars(select(Event).where(Event.action == "person.anonymised"))
        assert len(done.all()) == 1


def test_a_former_technician_goes_from_the_receipts_they_handed_over(
    app, database, make, admin, clock
):
    technician = make.user("technician", person=True, name="Mr Ömer Çelik")
    borrower = make.person("Mrs S Judd")
    loan = make.loan(make.asset(), borrower, by=technician)
    judd_left = make.person("Mr Ömer Çelikson")  # a longer name than his, left through him
    case_id = closed_case(app, technician.id, judd_left.id, "ocelikson")
    with app.app_context():
        leaver_row_before = _rows(
            LeaverSignature, LeaverSignature.case_id == case_id, LeaverSignature.role == "leaver"
        )
        person = db.session.get(Person, technician.person_id)
        db.session.get(User, technician.id).active = False
        people.update_person(
            None,
            person,
            people.PersonDetails(
                **{n: getattr(person, n) for n in people.FIELDS} | {"active": False}
            ),
        )
        db.session.commit()
    _anonymise(app, admin, technician.person_id, clock.now + timedelta(days=366 * 6 + 1))
    with app.app_context():
        receipt = db.session.get(Signature, loan.signature_id)
        pseudonym = f"Former member of staff #{technician.person_id}"
        assert receipt.details["technician_name"] == pseudonym
        assert receipt.details["borrower_name"] == "Mrs S Judd"  # the borrower's stays
        assert receipt.image_png != b"" and receipt.receipt_pdf == b""
        assert receipt.receipt_code == loan.receipt_code and signatures.verify(receipt)
        # The checklist he signed off: his printed name and his statement's opening go, and
        # the record PDF printing him; the leaver's own signature stays as it was.
        case = db.session.get(LeaverCase, case_id)
        sign_off = case.signature_of("technician")
        assert sign_off.name == pseudonym and sign_off.image_png != b""
        assert sign_off.statement.startswith(f"I, {pseudonym}, confirm")
        assert "from Mr Ömer Çelikson" in sign_off.statement
        assert case.record_pdf == b""
        assert (
            _rows(
                LeaverSignature,
                LeaverSignature.case_id == case_id,
                LeaverSignature.role == "leaver",
            )
            == leaver_row_before
        )
        for _table, column, value in _everything_stored():
            if isinstance(value, str):
                # Whole words: "Mr Ömer Çelikson" is someone else.
                assert not re.search(r"ömer çelik(?!\w)", value.lower()), (_table, column.name)


def _rows(model, *where) -> list[dict]:
    """Every column (deferred ones too) of the rows of `model` that `where` selects."""
    table = model.__table__
    query = select(table).where(*where).order_by(table.c.id)
    return [dict(row) for row in db.session.execute(query).mappings()]


def test_a_namesake_and_a_longer_name_keep_their_signed_records_byte_for_byte(
    app, database, make, leaver, admin
):
    """Another Łukasz Żółć, and Łukasz Żółćski, borrowed from the same technician and left
    through checklists: nothing of theirs that was signed changes, nor their own records."""
    twin = make.person(NAME, email="l.zolc2@ashbrook.sch.uk")
    longer = make.person(NAME + "ski", email="l.zolcski@ashbrook.sch.uk")
    cases = [
        closed_case(app, leaver.technician.id, p.id, account)
        for p, account in ((twin, "lzolc2"), (longer, "lzolcski"))
    ]
    loans = [make.loan(make.asset(), p, by=leaver.technician) for p in (twin, longer)]
    others = (twin.id, longer.id)

    def snapshot():
        return (
            _rows(Signature, Signature.person_id.in_(others)),
            _rows(LeaverSignature, LeaverSignature.case_id.in_(cases)),
            _rows(LeaverCase, LeaverCase.id.in_(cases)),
            _rows(Person, Person.id.in_(others)),
        )

    with app.app_context():
        before = snapshot()
    _anonymise(app, admin, leaver.id, _at(leaver.keep_until))
    with app.app_context():
        after = snapshot()
        assert after == before
        assert all(row["record_pdf"] for row in after[2])
        for loan in loans:
            signature = db.session.get(Signature, loan.signature_id)
            assert signature.personal_data_removed_at is None and signatures.verify(signature)
        # His own checklist did lose him.
        own = db.session.scalars(select(LeaverCase).where(LeaverCase.person_id == leaver.id))
        assert own.one().record_pdf == b""


def test_a_staff_number_goes_only_from_the_rows_about_them_and_emails_only_whole(
    app, database, make, leaver, admin
):
    asset = make.asset(
        "2019",
        name="Epson EB-2019 projector",
        serial_number="2019",
        notes=f"Bought 31/07/2019, room 2019. Ask {EMAIL}; not x{EMAIL} nor {EMAIL}.old",
    )
    # What identifies an item stays as it is, and so does the key its tag is looked up by.
    kit = make.kit(EMAIL.upper(), "His old kit")
    with app.app_context():
        person = db.session.get(Person, leaver.id)
        people.update_person(
            None,
            person,
            people.PersonDetails(
                **{n: getattr(person, n) for n in people.FIELDS} | {"staff_number": "2019"}
            ),
        )
        db.session.commit()
    _anonymise(app, admin, leaver.id, _at(leaver.keep_until))
    pseudonym = f"Former member of staff #{leaver.id}"
    with app.app_context():
        stored = db.session.execute(
            select(Asset.tag, Asset.name, Asset.serial_number, Asset.notes).where(
                Asset.id == asset.id
            )
        ).one()
        assert tuple(stored) == (
            "2019",
            "Epson EB-2019 projector",
            "2019",
            f"Bought 31/07/2019, room 2019. Ask {pseudonym}; not x{EMAIL} nor {EMAIL}.old",
        )
        assert db.session.scalar(select(Asset.tag_key).where(Asset.id == asset.id)) == "2019"
        assert db.session.execute(select(Kit.tag, Kit.tag_key).where(Kit.id == kit.id)).one() == (
            EMAIL.upper(),
            EMAIL.lower(),
        )
        # Both staff numbers he had are gone from the history about him.
        about_him = db.session.scalars(
            select(Event).where(Event.entity_type == "people", Event.entity_id == leaver.id)
        )
        for event in about_him:
            assert "2019" not in json.dumps(event.changes) and STAFF_NUMBER not in event.summary


def test_his_name_goes_however_it_was_written_and_from_colleagues_notes(
    app, database, make, leaver, admin
):
    decomposed = unicodedata.normalize("NFD", NAME)
    shouted = NAME.upper().replace(" ", "  ")
    report = make.incident(
        make.asset(),
        description=f"Seen with {decomposed} and {shouted}; not {NAME}ski.",
    )
    colleague = make.person("Mrs A Colleague", notes=f"Covers for {NAME.lower()}.")
    twin = make.person(NAME, email="l.zolc2@ashbrook.sch.uk", notes="Started in 2020.")
    assert decomposed != NAME
    _anonymise(app, admin, leaver.id, _at(leaver.keep_until))
    pseudonym = f"Former member of staff #{leaver.id}"
    with app.app_context():
        assert db.session.get(Incident, report.id).description == (
            f"Seen with {pseudonym} and {pseudonym}; not {NAME}ski."
        )
        assert db.session.get(Person, colleague.id).notes == f"Covers for {pseudonym}."
        namesake = db.session.get(Person, twin.id)
        assert (namesake.name, namesake.notes) == (NAME, "Started in 2020.")


def test_someone_who_left_on_a_leap_day_is_past_retention_on_1_march(app, make, admin, clock):
    assert retention.add_years(date(2024, 2, 29), 6) == date(2030, 3, 1)
    assert retention.add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    clock.move_to(datetime(2024, 2, 29, 12, tzinfo=UTC))
    person = make.person("Zoë O'Brien-Ñúñez")
    with app.app_context():
        stored = db.session.get(Person, person.id)
        people.update_person(
            None,
            stored,
            people.PersonDetails(
                **{n: getattr(stored, n) for n in people.FIELDS} | {"active": False}
            ),
        )
        db.session.commit()
        stored = db.session.get(Person, person.id)
        assert retention.left_on(stored) == date(2024, 2, 29)
        last_day = retention.row_for(stored, _at(date(2030, 2, 28)))
        assert last_day.keep_until == date(2030, 3, 1) and not last_day.past
        assert retention.row_for(stored, _at(date(2030, 3, 1))).past
    with pytest.raises(DomainError, match="kept until 01/03/2030"):
        _anonymise(app, admin, person.id, _at(date(2030, 2, 28)))
