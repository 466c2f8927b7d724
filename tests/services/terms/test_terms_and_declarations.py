"""terms, declarations and reminders: versioned texts, the staff register, who to remind."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Event, Person, Signature, User
from assets.models.base import utcnow
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.loans import loans, reminders
from assets.services.terms import declarations, terms
from assets.services.terms.policy_texts import DECLARATION, EQUIPMENT_TERMS, LAPTOP_TERMS
from tests.support import drawings


def test_ensure_seeded_adds_the_policy_words_once(ctx):
    added = terms.ensure_seeded()
    again = terms.ensure_seeded()
    db.session.commit()

    assert [t.kind for t in added] == ["laptop", "equipment", "declaration"]
    assert again == []
    assert terms.current("laptop").body == LAPTOP_TERMS
    assert terms.current("laptop").body.startswith("8.1 The laptop remains the property")
    assert terms.current("equipment").body == EQUIPMENT_TERMS
    assert "must sign for it and bear the responsibility" in EQUIPMENT_TERMS
    assert terms.current("declaration").body == DECLARATION
    assert DECLARATION.startswith("I confirm that I have received appropriate training")
    assert terms.current("laptop").sha256 == terms.sha256_text(LAPTOP_TERMS)
    seeded = db.session.scalars(select(Event).where(Event.action == "terms.seeded")).all()
    assert len(seeded) == 3


def test_editing_a_text_makes_a_new_version_and_keeps_the_old(make, ctx):
    make.terms()
    admin = db.session.get(User, make.user("admin").id)

    saved = terms.revise(admin, "equipment", title="Equipment terms", body="New\r\nwords.  \n")
    db.session.commit()

    assert saved.version == 2
    assert saved.body == "New\nwords."
    assert [t.version for t in terms.versions("equipment")] == [2, 1]
    assert terms.versions("equipment")[1].body == EQUIPMENT_TERMS
    event = db.session.scalar(select(Event).where(Event.action == "terms.revised"))
    assert event.actor_id == admin.id


def test_saving_an_unchanged_or_empty_text_is_refused(make, ctx):
    make.terms()
    admin = db.session.get(User, make.user("admin").id)
    current = terms.current("laptop")

    with pytest.raises(DomainError, match="Nothing was changed"):
        terms.revise(admin, "laptop", title=current.title, body=current.body + "\n")
    with pytest.raises(DomainError, match="cannot be empty"):
        terms.revise(admin, "laptop", title="Laptop terms", body=" \n ")


def test_lending_without_any_terms_says_what_to_do(make, ctx):
    technician = db.session.get(User, make.user("technician").id)
    person = db.session.get(Person, make.person().id)
    asset = loans.find_assets(make.asset().tag)

    with pytest.raises(DomainError, match="An admin can add it under Terms"):
        loans.plan_checkout(technician, person, asset)


# ---- the staff declaration ---------------------------------------------------------------------


def test_staff_sign_the_current_declaration_from_their_own_login(make, ctx):
    make.terms()
    login = make.user("staff", person=True)
    me = db.session.get(Person, login.person_id)

    signature = declarations.sign(db.session.get(User, login.id), me, drawings.drawn_signature())
    db.session.commit()

    assert signature.purpose == "declaration"
    assert signature.capture == "remote"
    assert signature.text == DECLARATION
    assert signature.receipt_pdf is None
    assert declarations.current_signature(me) == signature
    with pytest.raises(DomainError, match="already signed this declaration"):
        declarations.sign(db.session.get(User, login.id), me, drawings.drawn_signature())


def test_nobody_signs_the_declaration_for_someone_else_except_at_the_desk(make, ctx):
    make.terms()
    other = db.session.get(Person, make.person().id)
    office = db.session.get(User, make.user("office").id)
    technician = db.session.get(User, make.user("technician").id)

    with pytest.raises(NotAllowed):
        declarations.sign(office, other, drawings.drawn_signature())
    signed = declarations.sign(technician, other, drawings.drawn_signature())

    assert signed.capture == "desk"
    assert signed.technician_id == technician.id


def test_a_blank_declaration_signature_is_refused(make, ctx):
    make.terms()
    login = make.user("staff", person=True)

    with pytest.raises(DomainError, match="Please sign") as refused:
        declarations.sign(
            db.session.get(User, login.id),
            db.session.get(Person, login.person_id),
            drawings.blank_canvas(),
        )
    assert refused.value.field == "signature"
    db.session.rollback()
    assert db.session.scalars(select(Signature)).all() == []


def test_the_register_shows_who_signed_the_current_version(make, ctx):
    make.terms()
    signed = make.person("Mrs A Signed")
    make.person("Mr B Unsigned")
    make.person("Mrs C Left", active=False)
    make.declaration(signed)
    admin = db.session.get(User, make.user("admin").id)

    version, rows = declarations.register()
    assert version.version == 1
    by_name = {row.person.name: row for row in rows}
    assert by_name["Mrs A Signed"].signed is not None
    assert by_name["Mr B Unsigned"].signed is None
    assert "Mrs C Left" not in by_name

    terms.revise(admin, "declaration", title="Declaration 2027", body="I confirm again.")
    db.session.commit()
    version, rows = declarations.register()
    row = next(row for row in rows if row.person.name == "Mrs A Signed")
    assert version.version == 2
    assert row.signed is None
    assert row.earlier is not None


def test_the_declaration_can_be_required_before_a_first_loan(make, ctx):
    make.terms()
    newcomer = make.person("Mr New")
    borrowed_before = make.person("Mrs Old")
    make.loan(person=borrowed_before)
    admin = db.session.get(User, make.user("admin").id)
    technician = db.session.get(User, make.user("technician").id)

    with pytest.raises(NotAllowed):
        declarations.set_required_before_first_loan(technician, True)
    assert declarations.set_required_before_first_loan(admin, True)
    db.session.commit()

    first = loans.find_assets(make.asset().tag)
    with pytest.raises(DomainError, match="must sign the staff acceptable use declaration"):
        loans.check_out(
            technician,
            db.session.get(Person, newcomer.id),
            first,
            signature=drawings.drawn_signature(),
        )
    db.session.rollback()
    # Someone who has borrowed before is not stopped; the newcomer may borrow once signed.
    loans.check_out(
        technician,
        db.session.get(Person, borrowed_before.id),
        loans.find_assets(make.asset().tag),
        signature=drawings.drawn_signature(),
    )
    db.session.commit()
    make.declaration(newcomer)
    loans.check_out(
        technician,
        db.session.get(Person, newcomer.id),
        loans.find_assets(make.asset().tag),
        signature=drawings.drawn_signature(),
    )
    assert db.session.scalar(select(Event).where(Event.action == "setting.changed")) is not None


# ---- reminders ---------------------------------------------------------------------------------


def test_signature_reminders_group_per_person_and_wait_before_repeating(make, ctx):
    borrower = make.person("Miss A Guthrie", email="guthrie@ashbrook.sch.uk")
    no_email = make.person("Mr No Email", email=None)
    first = make.loan(person=borrower, signed=False)
    second = make.loan(person=borrower, signed=False)
    make.loan(person=borrower)  # signed: not reminded
    make.loan(person=no_email, signed=False)

    due, unreachable = reminders.due("signature")
    assert [(r.person.name, [loan.id for loan in r.loans]) for r in due] == [
        ("Miss A Guthrie", [first.id, second.id])
    ]
    assert [p.name for p in unreachable] == ["Mr No Email"]

    reminders.mark_sent("signature", due[0])
    db.session.commit()
    assert reminders.due("signature")[0] == []
    later = utcnow() + timedelta(days=3, minutes=1)
    assert len(reminders.due("signature", now=later)[0]) == 1


def test_overdue_reminders_list_only_items_past_their_due_date(make, ctx):
    category = make.category(loan_kind="short", default_loan_days=7)
    borrower = make.person("Mrs N Quinn")
    late = make.loan(make.asset(category=category), borrower, now=utcnow() - timedelta(days=9))
    make.loan(make.asset(category=category), borrower)

    due, _ = reminders.due("overdue")

    assert [[loan.id for loan in r.loans] for r in due] == [[late.id]]
