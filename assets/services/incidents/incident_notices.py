"""Telling the desk at once (policy 8.3 and 10.1): a new report is emailed to every active
admin and technician, with a link to it. The report is committed first, so a mail server that
is down never loses it; the outcome is recorded on the report, and sending can be retried."""

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from assets.extensions import db
from assets.filters import localtime, ukdate
from assets.models import Incident, User
from assets.models.base import utcnow
from assets.security import absolute_url
from assets.services.common import mailer
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.incidents import incidents


def handler_emails() -> list[str]:
    """The address of every active admin and technician."""
    query = select(User.email).where(User.active.is_(True), User.role.in_(incidents.HANDLER_ROLES))
    return list(db.session.scalars(query.order_by(User.email)))


def _message(incident: Incident) -> tuple[str, str]:
    asset = incident.asset
    when = ukdate(incident.occurred_on)
    if incident.occurred_time:
        when += f" around {incident.occurred_time:%H:%M}"
    police = ""
    if incident.needs_police_reference:
        police = "Police crime reference: " + (
            incident.police_reference or "not given yet (needed before the case can close)"
        )
    lines = [
        f"{incident.reporter.name} reported {incident.kind_label.lower()} of "
        f"{asset.tag} {asset.name} at {localtime(incident.reported_at)}.",
        "",
        f"Item: {asset.tag} {asset.name}"
        + (f" (serial {asset.serial_number})" if asset.serial_number else ""),
        f"Borrower: {incident.person.name if incident.person else 'not on loan'}",
        f"When it happened: {when}",
        f"Where: {incident.place or 'not given'}",
        f"Left unsecured (policy 8.3): {incident.unsecured_label}",
        *([police] if police else []),
        f"Photos: {len(incident.photos)}",
        "",
        "What happened:",
        incident.description,
        "",
        "Open the report:",
        absolute_url("incidents.show_incident", incident_id=incident.id),
        "",
        current_app.config["SCHOOL_NAME"],
    ]
    subject = f"{incident.kind_label} reported: {asset.tag} {asset.name} (incident #{incident.id})"
    return subject, "\n".join(lines) + "\n"


def notify_handlers(actor: User | None, incident: Incident, now: datetime | None = None) -> bool:
    """Email every active admin and technician about the report, with a link to it, and
    record on the report whether that worked. Call it after the report is committed; commit
    again afterwards. True when the mail server took the message."""
    now = now or utcnow()
    recipients = handler_emails()
    subject, body = _message(incident)
    incident.notify_attempts += 1
    try:
        mailer.send_mail(recipients, subject, body)
    except mailer.MailError as error:
        incident.notify_state = "failed"
        incident.notify_error = str(error)[:300]
        incidents.record_event(actor, incident, "notify_failed", f"email not sent: {error}"[:200])
        return False
    incident.notify_state = "sent"
    incident.notified_at = now
    incident.notify_error = None
    incidents.record_event(
        actor,
        incident,
        "notified",
        f"emailed to {len(recipients)} admin(s) and technician(s)",
        recipients=recipients,
    )
    return True


def retry_notification(actor: User, incident: Incident, now: datetime | None = None) -> bool:
    """Send the email again after a failure."""
    if not incidents.may_see(actor, incident):
        raise NotAllowed("You cannot see this report.")
    if incident.notify_state == "sent":
        raise DomainError("The admins and technicians have already been emailed.")
    return notify_handlers(actor, incident, now)
