"""daily_runs keeps counts, never names or addresses: when a real mail server refuses a
recipient, its words (which name the address) are printed, not stored."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import DailyRun
from assets.services.operations import daily
from tests.support.leavers import school_today, set_contract_end
from tests.support.smtp import SmtpServer, send_mail_through

# ASCII: a non-ASCII address fails in the mailer before it reaches the server (reported).
REFUSED = "zoe.obrien@ashbrook.sch.uk"


class RefusingSmtpServer(SmtpServer):
    """A real SMTP server that refuses one recipient, as a school's does for a mailbox that
    was closed."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() == self.refused.lower():
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox closed"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_server(app):
    server = RefusingSmtpServer(REFUSED).start()
    try:
        app.config["MAIL_USE_SMTPUTF8"] = True
        send_mail_through(app, server.port)
        yield server
    finally:
        server.stop()


def _stored(app) -> list[str]:
    with app.app_context():
        return [run.summary for run in db.session.scalars(select(DailyRun))]


def test_a_refused_borrower_is_printed_but_not_kept(app, database, make, clock, refusing_server):
    zoe = make.person("Zoë O'Brien-Ñúñez", email=REFUSED)
    make.loan(make.asset("ASH-0200"), zoe, signed=False)
    quinn = make.person("Mrs N Quinn", email="n.quinn@ashbrook.sch.uk")
    make.loan(make.asset("ASH-0300"), quinn, signed=False)
    with app.app_context():
        results = {r.job.name: r for r in daily.run(now=clock.now)}
    signature = results["signature-reminders"]
    assert signature.outcome == "failed"
    assert signature.summary == "1 sent, 1 not sent (mail server error)"
    refused = [line for line in signature.details if REFUSED in line]
    assert refused and "Recipient address rejected" in refused[0]
    assert [m.rcpt_tos for m in refusing_server.messages] == [["n.quinn@ashbrook.sch.uk"]]
    for summary in _stored(app):
        assert "@" not in summary and "Zoë" not in summary and "Quinn" not in summary


def test_a_refused_technician_is_printed_but_not_kept(app, database, make, clock, refusing_server):
    desk = make.user("technician", email=REFUSED)
    leaver = make.person("Mrs H Floyd")
    make.loan(make.asset("ASH-0097"), leaver, by=desk)
    set_contract_end(app, leaver.id, school_today(app) + timedelta(days=3))
    with app.app_context():
        results = {r.job.name: r for r in daily.run(now=clock.now)}
    leavers = results["leavers-reminder"]
    assert leavers.outcome == "failed", leavers.summary
    assert leavers.summary == "the reminder about 1 leaver was not sent (mail server error)"
    assert any(REFUSED in line for line in leavers.details)
    assert refusing_server.messages == []
    for summary in _stored(app):
        assert "@" not in summary and "Floyd" not in summary
