"""Receipts and reminders delivered to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from assets import create_app
from assets.extensions import db
from assets.models import Loan, Signature
from assets.models.base import utcnow
from assets.services.common import mailer
from tests.conftest import login
from tests.support.pages import confirm_signing, sign_out, text_of
from tests.support.smtp import SmtpServer, send_mail_through

BASE_URL = "https://assets.ashbrook.test"


@pytest.fixture
def app(smtp_server, tmp_path):
    """The app with mail really sent to the test SMTP server."""
    app = create_app(
        {
            "WTF_CSRF_ENABLED": False,
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'mail.sqlite'}",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_server.port,
            "MAIL_SUPPRESS_SEND": False,
            "MAIL_TIMEOUT": 5,
            "BASE_URL": BASE_URL,
        }
    )
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def desk(make, client, as_role):
    make.terms()
    as_role("technician")
    return SimpleNamespace(
        borrower=make.person("Miss A Guthrie", email="a.guthrie@ashbrook.sch.uk"),
        laptop=make.asset("ASH-0001", category=make.category(terms_kind="laptop")),
    )


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_signing_at_the_desk_emails_the_pdf_receipt_to_the_borrower(app, client, smtp_server, desk):
    done = sign_out(client, desk.borrower.id, "ASH-0001")

    page = text_of(client.get(done.location))
    assert "The receipt was emailed to a.guthrie@ashbrook.sch.uk" in page
    with app.app_context():
        signature = db.session.scalar(select(Signature))
        code, pdf, signature_id = signature.receipt_code, signature.receipt_pdf, signature.id
    [received] = smtp_server.messages
    recipients, message = received.rcpt_tos, received.message
    assert recipients == ["a.guthrie@ashbrook.sch.uk"]
    assert message["To"] == "a.guthrie@ashbrook.sch.uk"
    assert code in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"receipt-{code}.pdf"
    assert attachment.get_content() == pdf
    text = body(message)
    assert f"{BASE_URL}/signatures/{signature_id}" in text
    assert "ASH-0001" in text


def test_a_mail_server_that_is_down_does_not_lose_the_loan(app, client, smtp_server, desk):
    smtp_server.stop()

    done = sign_out(client, desk.borrower.id, "ASH-0001")

    assert done.status_code == 302
    page = text_of(client.get(done.location))
    assert "The signature is saved, but the receipt could not be emailed" in page
    assert "Download the PDF receipt" in page
    with app.app_context():
        assert db.session.scalar(select(Loan)).signature_id is not None


def test_staff_signing_on_their_own_login_are_not_shown_the_mail_server_error(
    client, make, smtp_server
):
    borrower = make.user("staff", person=True, name="Mrs J Smullen")
    make.loan(person=SimpleNamespace(id=borrower.person_id), signed=False)
    login(client, borrower)
    page = client.get("/my/sign")
    smtp_server.stop()

    signed = confirm_signing(client, "/my/sign", page)

    assert signed.status_code == 302
    receipt = text_of(client.get(signed.location))
    assert "Your signature is saved, but the receipt could not be emailed." in receipt
    assert "mail server" not in receipt
    assert "Download the PDF receipt" in receipt


def test_signature_reminders_are_emailed_once_then_wait(app, make, runner, smtp_server):
    borrower = make.person("Mrs J Smullen", email="j.smullen@ashbrook.sch.uk")
    make.person("Mr No Email", email=None)
    loan = make.loan(person=borrower, signed=False)
    make.loan(person=SimpleNamespace(id=make.person("Mr No Email 2", email=None).id), signed=False)

    first = runner.invoke(args=["remind-signatures"])
    again = runner.invoke(args=["remind-signatures"])

    assert first.exit_code == 0, first.output
    assert f"Reminded Mrs J Smullen <j.smullen@ashbrook.sch.uk>: {loan.tag}" in first.output
    assert "Mr No Email 2 has no email address: remind them in person." in first.output
    assert "1 reminder sent." in first.output
    assert "0 reminders sent." in again.output
    [received] = smtp_server.messages
    recipients, message = received.rcpt_tos, received.message
    assert recipients == ["j.smullen@ashbrook.sch.uk"]
    assert message["Subject"] == "Please sign for your school equipment"
    assert loan.tag in body(message)
    # She has no login, so a link to sign from one would lead nowhere.
    assert "/my/sign" not in body(message)
    assert "come to the IT desk" in body(message)
    with app.app_context():
        assert db.session.get(Loan, loan.id).signature_reminded_at is not None


def test_a_borrower_with_a_login_is_sent_the_link_to_sign(make, runner, smtp_server):
    staff = make.user("staff", person=True, name="Miss A Guthrie")
    make.loan(person=SimpleNamespace(id=staff.person_id), signed=False)

    assert runner.invoke(args=["remind-signatures"]).exit_code == 0

    [received] = smtp_server.messages
    message = received.message
    assert f"{BASE_URL}/my/sign" in body(message)
    assert "or at the IT desk" in body(message)


def test_overdue_reminders_name_the_items_due_back(app, make, runner, smtp_server):
    short = make.category(loan_kind="short", default_loan_days=7)
    borrower = make.person("Mrs N Quinn", email="n.quinn@ashbrook.sch.uk")
    late = make.loan(make.asset(category=short), borrower, now=utcnow() - timedelta(days=8))
    make.loan(make.asset(category=short), borrower)

    result = runner.invoke(args=["remind-overdue"])

    assert result.exit_code == 0, result.output
    [received] = smtp_server.messages
    recipients, message = received.rcpt_tos, received.message
    assert recipients == ["n.quinn@ashbrook.sch.uk"]
    assert message["Subject"] == "School equipment overdue for return"
    assert late.tag in body(message)
    assert f"{BASE_URL}/my" in body(message)


def test_a_reminder_that_cannot_be_sent_is_reported_and_tried_again_next_time(
    app, make, runner, smtp_server
):
    loan = make.loan(person=make.person(email="someone@ashbrook.sch.uk"), signed=False)
    smtp_server.stop()

    result = runner.invoke(args=["remind-signatures"])

    assert result.exit_code == 1
    assert "Not sent to someone@ashbrook.sch.uk" in result.output
    assert "1 reminder not sent." in result.output
    with app.app_context():
        assert db.session.get(Loan, loan.id).signature_reminded_at is None


def test_signing_later_emails_the_receipt_too(app, client, make, smtp_server):
    borrower = make.user("staff", person=True, email="h.floyd@ashbrook.sch.uk", name="Mrs H Floyd")
    make.loan(person=SimpleNamespace(id=borrower.person_id), signed=False)
    login(client, borrower)
    page = client.get("/my/sign")

    confirm_signing(client, "/my/sign", page)

    [received] = smtp_server.messages
    recipients, message = received.rcpt_tos, received.message
    assert recipients == ["h.floyd@ashbrook.sch.uk"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF-")


def test_signing_later_at_the_desk_emails_the_receipt_to_a_borrower_without_a_login(
    app, client, make, smtp_server, desk
):
    make.loan(desk.laptop, desk.borrower, signed=False)
    page = client.get(f"/people/{desk.borrower.id}/sign")

    done = confirm_signing(client, f"/people/{desk.borrower.id}/sign", page)

    assert "The receipt was emailed to a.guthrie@ashbrook.sch.uk" in text_of(
        client.get(done.location)
    )
    with app.app_context():
        signature = db.session.scalar(select(Signature))
        assert signature.capture == "desk"
        code, pdf = signature.receipt_code, signature.receipt_pdf
    [received] = smtp_server.messages
    recipients, message = received.rcpt_tos, received.message
    assert recipients == ["a.guthrie@ashbrook.sch.uk"]
    assert code in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content() == pdf
    assert "ASH-0001" in body(message)


# ---- addresses and names outside English ----------------------------------------------------


@pytest.fixture
def utf8_server(app):
    """A second real SMTP server, this one offering SMTPUTF8, with the app pointed at it."""
    server = SmtpServer(smtputf8=True).start()
    try:
        send_mail_through(app, server.port)
        yield server
    finally:
        server.stop()


def send(app, recipients, subject="Receipt for Łukasz Żółć", text="Dear Łukasz Żółć,\n"):
    with app.test_request_context():
        return mailer.send_mail(recipients, subject, text)


@pytest.mark.parametrize("address", ["zoë@ashbrook.sch.uk", "łukasz@żółć.example"])
def test_an_address_outside_english_is_delivered_as_typed_over_smtputf8(app, utf8_server, address):
    assert send(app, [address]) is True

    [received] = utf8_server.messages
    assert received.rcpt_tos == [address]
    assert received.message["To"] == address
    assert received.message["To"].addresses[0].addr_spec == address
    assert received.message["Subject"] == "Receipt for Łukasz Żółć"
    assert received.body.splitlines() == ["Dear Łukasz Żółć,"]


def test_ascii_and_wide_addresses_go_in_one_message_over_smtputf8(app, utf8_server):
    send(app, ["a.guthrie@ashbrook.sch.uk", "zoë@ashbrook.sch.uk", "x@bücher.example"])

    [received] = utf8_server.messages
    assert received.rcpt_tos == [
        "a.guthrie@ashbrook.sch.uk",
        "zoë@ashbrook.sch.uk",
        "x@xn--bcher-kva.example",
    ]
    assert [a.addr_spec for a in received.message["To"].addresses] == received.rcpt_tos


@pytest.mark.parametrize("smtputf8", [False, True])
def test_a_domain_outside_english_goes_in_punycode_with_or_without_smtputf8(app, smtputf8):
    server = SmtpServer(smtputf8=smtputf8).start()
    try:
        send_mail_through(app, server.port)
        send(app, ["x@Bücher.example", "j.smullen@żółć.example"])
    finally:
        server.stop()

    [received] = server.messages
    assert received.rcpt_tos == ["x@xn--bcher-kva.example", "j.smullen@xn--kda4b0koi.example"]
    assert received.message["To"] == "x@xn--bcher-kva.example, j.smullen@xn--kda4b0koi.example"
    assert received.body.splitlines() == ["Dear Łukasz Żółć,"]


def test_a_server_without_smtputf8_gives_a_reason_and_sends_to_nobody(app, smtp_server):
    with pytest.raises(mailer.MailError) as one:
        send(app, ["zoë@ashbrook.sch.uk"])
    with pytest.raises(mailer.MailError) as several:
        send(app, ["a.guthrie@ashbrook.sch.uk", "zoë@ashbrook.sch.uk"])

    assert str(one.value) == (
        "the mail server cannot deliver to addresses with letters outside English, such as "
        "zoë@ashbrook.sch.uk; ask IT to enable SMTPUTF8 on it or give an ASCII address"
    )
    assert str(several.value).endswith("give an ASCII address (nobody was sent it)")
    assert smtp_server.messages == []


@pytest.mark.parametrize("address", ["x@☃.example", "x@bü\u200dcher.example", "zo\udcebe@a.uk"])
def test_an_address_that_cannot_be_written_is_a_mail_error(app, utf8_server, address):
    with pytest.raises(mailer.MailError, match="cannot be written in an email"):
        send(app, [address])

    assert utf8_server.messages == []


def test_a_receipt_to_an_address_the_server_cannot_take_is_reported_on_the_page(
    app, client, make, smtp_server, desk
):
    borrower = make.person("Łukasz Żółć", email="zoë@ashbrook.sch.uk")

    done = sign_out(client, borrower.id, "ASH-0001")

    assert done.status_code == 302
    page = text_of(client.get(done.location))
    assert "The signature is saved, but the receipt could not be emailed: the mail server " in page
    assert "such as zoë@ashbrook.sch.uk" in page
    assert smtp_server.messages == []


def test_a_receipt_to_zoe_is_delivered_by_a_server_with_smtputf8(
    app, client, make, utf8_server, desk
):
    borrower = make.person("Łukasz Żółć", email="zoë@ashbrook.sch.uk")

    done = sign_out(client, borrower.id, "ASH-0001")

    assert "The receipt was emailed to zoë@ashbrook.sch.uk" in text_of(client.get(done.location))
    [received] = utf8_server.messages
    assert received.rcpt_tos == ["zoë@ashbrook.sch.uk"]
    assert received.message["To"] == "zoë@ashbrook.sch.uk"
    assert "Łukasz Żółć" in body(received.message)
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_content().startswith(b"%PDF-")


def test_a_reminder_to_an_address_the_server_cannot_take_is_reported(
    app, make, runner, smtp_server
):
    make.loan(person=make.person("Łukasz Żółć", email="zoë@ashbrook.sch.uk"), signed=False)

    result = runner.invoke(args=["remind-signatures"])

    assert result.exit_code == 1
    assert "Not sent to zoë@ashbrook.sch.uk" in result.output
    assert "ask IT to enable SMTPUTF8" in result.output
    assert "1 reminder not sent." in result.output
