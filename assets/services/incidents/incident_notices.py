"""Telling the desk at once (policy 8.3 and 10.1): a new report is emailed to every active
admin and technician, with a link to it (templates/email/incident_reported.txt). The report
is committed first, so a mail server that is down never loses it; the outcome is recorded on
the report, and sending can be retried."""

from datetime import datetime

from sqlalchemy import select

from assets.extensions import db
from assets.models import Incident, User
from assets.models.base import utcnow
from assets.permissions import roles_with
from assets.services.common import mailer
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.incidents import incidents


def handler_emails() -> list[str]:
    """The address of every active admin and technician."""
    handlers = roles_with("can_handle_incidents")
    query = select(User.email).where(User.active.is_(True), User.role.in_(handlers))
    return list(db.session.scalars(query.order_by(User.email)))


def _subject(incident: Incident) -> str:
    asset = incident.asset
    return f"{incident.kind_label} reported: {asset.tag} {asset.name} (incident #{incident.id})"


def notify_handlers(actor: User | None, incident: Incident, now: datetime | None = None) -> bool:
    """Email every active admin and technician about the report, with a link to it, and
    record on the report whether that worked. Call it after the report is committed; commit
    again afterwards. True when the mail server took the message."""
    now = now or utcnow()
    recipients = handler_emails()
    incident.notify_attempts += 1
    try:
        mailer.send_template(
            recipients, _subject(incident), "email/incident_reported.txt", incident=incident
        )
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
