"""Email through Flask-Mail: loan receipts and reminders.

Sending happens after the change is committed, so a mail server that is down never loses a
loan; the caller reports the MailError instead. Nothing is sent when MAIL_SERVER is empty.
"""

import smtplib
from collections.abc import Iterable

from flask import current_app
from flask_mail import Connection, Message

from assets.models import Loan, Person, Signature
from assets.services.clock import date_text


class MailError(Exception):
    """The message could not be handed to the mail server; str() says why, for people."""


class _Connection(Connection):
    """Flask-Mail's connection with a timeout, so a silent mail server cannot hold a page."""

    def configure_host(self):
        state = self.mail
        timeout = current_app.config.get("MAIL_TIMEOUT", 10)
        smtp = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
        host = smtp(state.server, state.port, timeout=timeout)
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


def configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def link(endpoint: str, **values) -> str:
    """An absolute link for an email, from BASE_URL (there may be no request to build on)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def send(message: Message) -> None:
    try:
        with _Connection(current_app.extensions["mail"]) as connection:
            connection.send(message)
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.warning("Mail to %s not sent: %s", message.recipients, error)
        raise MailError(f"the mail server did not accept it ({error})") from error


def _item_lines(loans: Iterable[Loan]) -> str:
    lines = []
    for loan in loans:
        due = f", due back {date_text(loan.due_on)}" if loan.due_on else ""
        lines.append(f"  - {loan.asset.tag} {loan.asset.name}{due}")
    return "\n".join(lines)


def _school() -> str:
    return current_app.config["SCHOOL_NAME"]


def send_receipt(signature: Signature) -> bool:
    """Email the PDF receipt to the person who signed. False when there is nothing to send
    (mail not configured, no receipt, or no email address); MailError when sending fails."""
    person = signature.person
    if not configured() or not signature.receipt_pdf or not person.email:
        return False
    items = "\n".join(f"  - {item['tag']} {item['name']}" for item in signature.items)
    kind = "return" if signature.purpose == "return" else "loan"
    message = Message(
        subject=f"Your equipment {kind} receipt ({signature.receipt_code})",
        recipients=[person.email],
        body=(
            f"Dear {person.name},\n\n"
            f"Attached is your receipt for the school IT equipment you signed for on "
            f"{signature.details['signed_at_local']}:\n\n{items}\n\n"
            f"It holds the full terms you signed. Its verification code is "
            f"{signature.receipt_code}.\n\n"
            f"You can see this receipt and everything you hold at any time:\n"
            f"{link('loans.show_signature', signature_id=signature.id)}\n\n"
            "Please report any loss or damage to the Head Teacher or the IT technician "
            f"straight away.\n\n{_school()}\n"
        ),
    )
    message.attach(
        f"receipt-{signature.receipt_code}.pdf", "application/pdf", signature.receipt_pdf
    )
    send(message)
    return True


def send_signature_reminder(person: Person, loans: list[Loan]) -> None:
    message = Message(
        subject="Please sign for your school equipment",
        recipients=[person.email],
        body=(
            f"Dear {person.name},\n\n"
            "The IT technician has handed over the following school equipment to you, and it "
            f"still needs your signature:\n\n{_item_lines(loans)}\n\n"
            "Please read the loan terms and sign for it here:\n"
            f"{link('loans.sign_pending')}\n\n{_school()}\n"
        ),
    )
    send(message)


def send_overdue_reminder(person: Person, loans: list[Loan]) -> None:
    message = Message(
        subject="School equipment overdue for return",
        recipients=[person.email],
        body=(
            f"Dear {person.name},\n\n"
            f"The following school equipment was due back:\n\n{_item_lines(loans)}\n\n"
            "Please return it to the IT technician, or ask them for a longer loan.\n"
            f"Your equipment: {link('loans.my_equipment')}\n\n{_school()}\n"
        ),
    )
    send(message)
