"""The emails about loans: receipts, and reminders to sign or to bring equipment back.

Their words are in templates/email/ (receipt.txt, signature_reminder.txt,
overdue_reminder.txt). Each is sent after the change it is about has been committed, through
mailer.send_template, so a mail server that is down never loses a loan; the caller reports the
MailError instead."""

from assets.models import Loan, Person, Signature
from assets.services.common import mailer


def send_receipt(signature: Signature) -> bool:
    """Email the PDF receipt to the person who signed. False when there is nothing to send
    (mail not configured, no receipt, or no email address); MailError when sending fails."""
    person = signature.person
    if not mailer.configured() or not signature.receipt_pdf or not person.email:
        return False
    kind = "return" if signature.purpose == "return" else "loan"
    return mailer.send_template(
        [person.email],
        f"Your equipment {kind} receipt ({signature.receipt_code})",
        "email/receipt.txt",
        attachments=[
            (f"receipt-{signature.receipt_code}.pdf", "application/pdf", signature.receipt_pdf)
        ],
        signature=signature,
    )


def send_signature_reminder(person: Person, loans: list[Loan]) -> None:
    mailer.send_template(
        [person.email],
        "Please sign for your school equipment",
        "email/signature_reminder.txt",
        person=person,
        loans=loans,
        signs_online=_signs_online(person),
    )


def _signs_online(person: Person) -> bool:
    """Someone with a login signs from it; anyone may sign at the IT desk."""
    return person.user is not None and person.user.active


def send_overdue_reminder(person: Person, loans: list[Loan]) -> None:
    mailer.send_template(
        [person.email],
        "School equipment overdue for return",
        "email/overdue_reminder.txt",
        person=person,
        loans=loans,
    )
