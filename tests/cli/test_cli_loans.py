"""The flask commands for loans: demo data through the services, terms, reminders."""

from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Event, Loan, Signature, Terms
from assets.services.common.clock import local_date
from assets.services.terms import signatures


def test_demo_data_lends_through_the_service_with_signatures(app, runner):
    result = runner.invoke(args=["demo-data"])

    assert result.exit_code == 0, result.output
    assert "Loan terms and the staff declaration added from the policy." in result.output
    assert "Demo school loaded." in result.output
    with app.app_context():
        all_loans = db.session.scalars(select(Loan)).all()
        assert len(all_loans) == 6
        assert sum(1 for loan in all_loans if loan.awaiting_signature) == 1
        assert sum(1 for loan in all_loans if loan.is_overdue(local_date())) == 1
        # The laptop lent before it was encrypted keeps the head's reason (policy 10.2).
        (unencrypted,) = [loan for loan in all_loans if loan.unencrypted_reason]
        assert unencrypted.asset.tag == "ASH-0007"
        assert not unencrypted.asset.encrypted
        for signature in db.session.scalars(select(Signature)):
            assert signatures.verify(signature)
        purposes = db.session.scalars(select(Signature.purpose)).all()
        assert sorted(purposes) == ["declaration", "loan", "loan", "loan", "loan", "loan"]
        created = db.session.scalar(select(func.count()).where(Event.action == "loan.created"))
        assert created == 6

    again = runner.invoke(args=["demo-data"])
    assert "demo data left as it is" in again.output
    assert "Loan terms" not in again.output


def test_seed_terms_adds_each_text_once(app, runner):
    first = runner.invoke(args=["seed-terms"])
    second = runner.invoke(args=["seed-terms"])

    assert "Added Laptop loan terms (policy section 8), version 1." in first.output
    assert "Added Acceptable use declaration (staff), version 1." in first.output
    assert "nothing added" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Terms.id))) == 3


def test_reminders_need_a_mail_server(app, runner):
    result = runner.invoke(args=["remind-overdue"])

    assert result.exit_code == 1
    assert "MAIL_SERVER is not set" in result.output
