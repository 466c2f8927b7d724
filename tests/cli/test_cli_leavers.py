"""The remind-leavers command for cron, against a real SMTP server, and the demo leaver."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from assets.extensions import db
from assets.models import User
from assets.services.leavers import leaver_lists
from assets.services.people import login_admin
from tests.support.leavers import school_today, set_contract_end
from tests.support.smtp import free_port, send_mail_through


@pytest.fixture
def leavers_due(app, make):
    """One leaver gone three days ago, one leaving in ten days, one in twenty, all lent their
    equipment by the technician it@ashbrook.sch.uk (returned)."""
    desk = make.user("technician", email="it@ashbrook.sch.uk")
    for name, days in (("Mrs H Floyd", -3), ("Mrs J Smullen", 10), ("Mr P Later", 20)):
        person = make.person(name)
        set_contract_end(app, person.id, school_today(app) + timedelta(days=days))
        make.loan(make.asset(f"ASH-{days + 100:04d}"), person, by=desk)
    return desk


def test_remind_leavers_emails_the_technicians_about_soon_and_overdue(
    app, runner, make, smtp_server, leavers_due
):
    send_mail_through(app, smtp_server.port)
    make.user("technician", email="it2@ashbrook.sch.uk")
    make.user("admin", email="head@ashbrook.sch.uk")

    result = runner.invoke(args=["remind-leavers"])

    assert result.exit_code == 0, result.output
    assert "Mrs H Floyd: left 3 days ago, checklist not started" in result.output
    assert "Mr P Later" not in result.output
    assert "about 2 leavers." in result.output
    [message] = smtp_server.messages
    assert sorted(message.rcpt_tos) == ["it2@ashbrook.sch.uk", "it@ashbrook.sch.uk"]
    assert message.message["Subject"] == "Leavers: 1 overdue, 1 leaving in the next 14 days"
    body = message.body
    overdue, soon = body.split("Leaving in the next 14 days")
    assert "Past their contract end date" in overdue
    assert "Mrs H Floyd" in overdue and "Holds: ASH-0097" in overdue
    assert "Mrs J Smullen" in soon and "(leaves in 10 days)" in soon and "ASH-0110" in soon
    assert "Mr P Later" not in body
    assert "https://assets.school.test/people/" in body
    assert "All leavers: https://assets.school.test/leavers" in body


def test_remind_leavers_links_a_checklist_under_way(app, runner, make, smtp_server, leavers_due):
    send_mail_through(app, smtp_server.port)
    with app.app_context():
        [row] = [r for r in leaver_lists.dashboard() if r.person.name == "Mrs H Floyd"]
        person_id = row.person.id
    case = make.leaver_case(SimpleNamespace(id=person_id), by=leavers_due)

    assert runner.invoke(args=["remind-leavers", "--days", "5"]).exit_code == 0

    [message] = smtp_server.messages
    assert message.message["Subject"] == "Leavers: 1 overdue, 0 leaving in the next 5 days"
    assert f"https://assets.school.test/leavers/{case.id}" in message.body
    assert "1 of 3 steps done" in message.body  # no login: that step does not apply


def test_remind_leavers_sends_nothing_when_nobody_is_leaving(app, runner, make, smtp_server):
    send_mail_through(app, smtp_server.port)
    make.user("technician")
    result = runner.invoke(args=["remind-leavers"])
    assert result.exit_code == 0
    assert "No leavers in the next 14 days and none overdue: nothing sent." in result.output
    assert smtp_server.messages == []


def test_remind_leavers_needs_a_mail_server(runner, leavers_due):
    result = runner.invoke(args=["remind-leavers"])
    assert result.exit_code == 1
    assert "MAIL_SERVER is not set" in result.output


def test_remind_leavers_fails_when_the_mail_server_does_not_answer(app, runner, make, leavers_due):
    send_mail_through(app, free_port())
    app.config["MAIL_TIMEOUT"] = 2
    result = runner.invoke(args=["remind-leavers"])
    assert result.exit_code == 1
    assert "The reminder was not sent: the mail server did not accept it" in result.output


def test_remind_leavers_fails_without_a_technician_to_tell(
    app, runner, make, smtp_server, leavers_due
):
    send_mail_through(app, smtp_server.port)
    with app.app_context():
        admin = db.session.get(User, make.user("admin").id)
        login_admin.set_active(admin, db.session.get(User, leavers_due.id), False)
        db.session.commit()
    result = runner.invoke(args=["remind-leavers"])
    assert result.exit_code == 1
    assert "there is no active technician login to send it to" in result.output
    assert smtp_server.messages == []


def test_the_demo_school_has_a_leaver_on_the_dashboard(app, runner):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    with app.app_context():
        [row] = leaver_lists.dashboard()
        assert row.person.name == "Mrs J Smullen"
        assert row.when == "Leaves in 20 days"
        assert [loan.asset.tag for loan in row.held] == ["ASH-0003"]
