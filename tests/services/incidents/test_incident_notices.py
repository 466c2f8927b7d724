"""Filing a report emails every active admin and technician at once through a real SMTP
server; when that fails the report is kept, the failure recorded, and sending can be retried."""

from datetime import date

import pytest

from assets.extensions import db
from assets.models import Asset, Incident, User
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.incidents import incident_lists, incident_notices, incidents
from tests.support.smtp import free_port, send_mail_through


@pytest.fixture
def desk(make):
    """The people a report must reach, and some it must not."""
    head = make.user("admin", email="head@ashbrook.sch.uk")
    tech = make.user("technician", email="it@ashbrook.sch.uk")
    make.user("technician", email="it2@ashbrook.sch.uk")
    gone = make.user("technician", email="left@ashbrook.sch.uk")
    make.user("office", email="office@ashbrook.sch.uk")
    make.user("staff", email="teacher@ashbrook.sch.uk")
    with make.app.app_context():
        db.session.get(User, gone.id).active = False
        db.session.commit()
    return head, tech


def file_report(app, make, reporter) -> int:
    asset = make.asset("ASH-0001", name="Dell Latitude 3440", serial_number="7XK2")
    with app.app_context():
        incident = incidents.report_incident(
            db.session.get(User, reporter.id),
            db.session.get(Asset, asset.id),
            "theft",
            description="Taken from my car on the drive overnight.",
            occurred_on=date.today(),
            place="Home driveway",
            unsecured="vehicle_overnight",
        )
        db.session.commit()
        return incident.id


def notify(app, incident_id, actor_id=None, *, retry=False):
    # A report is filed from a page, so there is a request; its Host header must not leak
    # into the link.
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        incident = db.session.get(Incident, incident_id)
        actor = db.session.get(User, actor_id) if actor_id else incident.reporter
        send = incident_notices.retry_notification if retry else incident_notices.notify_handlers
        sent = send(actor, incident)
        db.session.commit()
        return sent, incident.notify_state, incident.notify_error, incident.notify_attempts


def test_every_active_admin_and_technician_gets_the_report_with_its_link(
    app, make, desk, smtp_server, database
):
    send_mail_through(app, smtp_server.port)
    _, tech = desk
    incident_id = file_report(app, make, tech)
    assert notify(app, incident_id) == (True, "sent", None, 1)
    [received] = smtp_server.messages
    assert sorted(received.rcpt_tos) == [
        "head@ashbrook.sch.uk",
        "it2@ashbrook.sch.uk",
        "it@ashbrook.sch.uk",
    ]
    assert received.message["Subject"] == (
        f"Theft reported: ASH-0001 Dell Latitude 3440 (incident #{incident_id})"
    )
    body = received.body
    assert f"https://assets.school.test/incidents/{incident_id}" in body
    assert "evil.example" not in body
    for text in (
        "ASH-0001 Dell Latitude 3440 (serial 7XK2)",
        "Taken from my car on the drive overnight.",
        "Yes, in a vehicle overnight",
        "Police crime reference: not given yet",
    ):
        assert text in body, text
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident.notified_at is not None
        assert [e.action for e in incident_lists.history(incident)][-1] == "incident.notified"


def test_a_line_break_in_the_asset_name_does_not_stop_the_email(app, make, desk, smtp_server):
    """A name imported from a spreadsheet cell may hold line breaks; the subject is a header,
    which cannot, so they become spaces there and stay in the body."""
    send_mail_through(app, smtp_server.port)
    _, tech = desk
    asset = make.asset("ASH-0002", name="Dell\r\nLatitude\n3440\u2028spare")
    incident = make.incident(asset, reporter=tech, kind="loss")
    assert notify(app, incident.id) == (True, "sent", None, 1)
    [received] = smtp_server.messages
    assert received.message["Subject"] == (
        f"Loss reported: ASH-0002 Dell Latitude 3440 spare (incident #{incident.id})"
    )
    assert "Dell\r\nLatitude" in received.body or "Dell\nLatitude" in received.body


def test_the_report_is_kept_when_the_mail_server_is_down_and_can_be_resent(
    app, make, desk, smtp_server
):
    send_mail_through(app, free_port())  # nothing listens there
    _, tech = desk
    incident_id = file_report(app, make, tech)
    sent, state, error, attempts = notify(app, incident_id)
    assert (sent, state, attempts) == (False, "failed", 1)
    assert "did not accept it" in error
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident.description == "Taken from my car on the drive overnight."
        assert incident.asset.status == "stolen"
        assert "incident.notify_failed" in [e.action for e in incident_lists.history(incident)]

    send_mail_through(app, smtp_server.port)
    assert notify(app, incident_id, retry=True) == (True, "sent", None, 2)
    assert len(smtp_server.messages) == 1
    with pytest.raises(DomainError, match="already been emailed"):
        notify(app, incident_id, retry=True)


def test_without_a_mail_server_the_report_says_so(app, make, desk):
    _, tech = desk
    incident_id = file_report(app, make, tech)
    sent, state, error, _ = notify(app, incident_id)
    assert (sent, state) == (False, "failed")
    assert "email is not set up on this server" in error


def test_only_those_who_may_see_the_report_may_resend_it(app, make, desk):
    _, tech = desk
    stranger = make.user("staff")
    incident_id = file_report(app, make, tech)
    with pytest.raises(NotAllowed):
        notify(app, incident_id, stranger.id, retry=True)
