"""The emails about loans: receipts, and reminders to sign or to bring equipment back.

Each is sent after the change it is about has been committed, through mailer.send_mail, so a
mail server that is down never loses a loan; the caller reports the MailError instead."""

from collections.abc import Iterable

from flask import current_app

from assets.models import Loan, Person, Signature
from assets.security import absolute_url
from assets.services.common import mailer
from assets.services.common.clock import date_text


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
    if not mailer.configured() or not signature.receipt_pdf or not person.email:
        return False
    items = "\n".join(f"  - {item['tag']} {item['name']}" for item in signature.items)
    kind = "return" if signature.purpose == "return" else "loan"
    body = (
        f"Dear {person.name},\n\n"
        f"Attached is your receipt for the school IT equipment you signed for on "
        f"{signature.details['signed_at_local']}:\n\n{items}\n\n"
        f"It holds the full terms you signed. Its verification code is "
        f"{signature.receipt_code}.\n\n"
        f"You can see this receipt and everything you hold at any time:\n"
        f"{absolute_url('terms.show_signature', signature_id=signature.id)}\n\n"
        "Please report any loss or damage to the Head Teacher or the IT technician "
        f"straight away.\n\n{_school()}\n"
    )
    return mailer.send_mail(
        [person.email],
        f"Your equipment {kind} receipt ({signature.receipt_code})",
        body,
        [(f"receipt-{signature.receipt_code}.pdf", "application/pdf", signature.receipt_pdf)],
    )


def send_signature_reminder(person: Person, loans: list[Loan]) -> None:
    mailer.send_mail(
        [person.email],
        "Please sign for your school equipment",
        f"Dear {person.name},\n\n"
        "The IT technician has handed over the following school equipment to you, and it "
        f"still needs your signature:\n\n{_item_lines(loans)}\n\n"
        f"{_where_to_sign(person)}\n\n{_school()}\n",
    )


def _where_to_sign(person: Person) -> str:
    """Someone with a login signs from it; anyone may sign at the IT desk."""
    if person.user is None or not person.user.active:
        return "Please come to the IT desk to read the loan terms and sign for it."
    return (
        "Please read the loan terms and sign for it here (or at the IT desk):\n"
        f"{absolute_url('loans.sign_pending')}"
    )


def send_overdue_reminder(person: Person, loans: list[Loan]) -> None:
    mailer.send_mail(
        [person.email],
        "School equipment overdue for return",
        f"Dear {person.name},\n\n"
        f"The following school equipment was due back:\n\n{_item_lines(loans)}\n\n"
        "Please return it to the IT technician, or ask them for a longer loan.\n"
        f"Your equipment: {absolute_url('loans.my_equipment')}\n\n{_school()}\n",
    )
