"""Every email the app sends, word for word: the subject and the whole plain-text body, so a
change to a template (templates/email/) that changes what people receive shows up here.

Messages are recorded as Flask-Mail dispatches them (sending is suppressed under TESTING), at
the frozen clock's time; tests/services/common/test_mail_delivery.py and the others send
through a real SMTP server."""

from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest

from assets.extensions import db, mail
from assets.models import Asset, Incident, Signature, User
from assets.services.incidents import incident_notices
from assets.services.leavers import leaver_lists
from assets.services.loans import loan_mail, reminders, returns
from assets.services.people import password_resets
from tests.support.drawings import drawn_signature
from tests.support.leavers import set_contract_end
from tests.support.scripts import NAMES
from tests.support.smtp import send_mail_through

SITE = "https://assets.school.test"
SCHOOL = "Ashbrook Infant and Nursery School"


@pytest.fixture
def outbox(app, clock):
    """The messages the app hands to Flask-Mail during the test, at the frozen time."""
    app.config["MAIL_SERVER"] = "mail.invalid"  # set up, but TESTING suppresses sending
    with mail.record_messages() as messages:
        yield messages


def one(outbox) -> SimpleNamespace:
    [message] = outbox
    return SimpleNamespace(to=message.recipients, subject=message.subject, body=message.body)


# ---- loans ----------------------------------------------------------------------------------


def send_receipt(app, signature_id: int) -> bool:
    with app.test_request_context("/"):
        return loan_mail.send_receipt(db.session.get(Signature, signature_id))


def test_the_loan_receipt(app, make, outbox):
    borrower = make.person("Miss A Guthrie", email="a.guthrie@ashbrook.sch.uk")
    laptop = make.asset("ASH-0001", name="Dell Latitude 3440")
    loan = make.loan(laptop, borrower)

    assert send_receipt(app, loan.signature_id) is True

    message = one(outbox)
    assert message.to == ["a.guthrie@ashbrook.sch.uk"]
    assert message.subject == f"Your equipment loan receipt ({loan.receipt_code})"
    assert message.body == (
        "Dear Miss A Guthrie,\n"
        "\n"
        "Attached is your receipt for the school IT equipment you signed for on "
        "23/11/2026 09:00:\n"
        "\n"
        "  - ASH-0001 Dell Latitude 3440\n"
        "\n"
        f"It holds the full terms you signed. Its verification code is {loan.receipt_code}.\n"
        "\n"
        "You can see this receipt and everything you hold at any time:\n"
        f"{SITE}/signatures/{loan.signature_id}\n"
        "\n"
        "Please report any loss or damage to the Head Teacher or the IT technician "
        "straight away.\n"
        "\n"
        f"{SCHOOL}\n"
    )
    [attachment] = outbox[0].attachments
    assert attachment.filename == f"receipt-{loan.receipt_code}.pdf"


def test_the_return_receipt(app, make, outbox):
    desk = make.user("technician", name="Mr M Savage")
    borrower = make.person("Mrs N Quinn", email="n.quinn@ashbrook.sch.uk")
    make.loan(make.asset("ASH-0007", name="iPad (9th gen)"), borrower, by=desk)
    with app.app_context():
        loan = returns.check_in(
            db.session.get(User, desk.id),
            db.session.scalar(db.select(Asset).where(Asset.tag == "ASH-0007")),
            "full_working",
            signature=drawn_signature(),
        )
        db.session.commit()
        signature_id, code = loan.return_signature.id, loan.return_signature.receipt_code

    assert send_receipt(app, signature_id) is True

    message = one(outbox)
    assert message.subject == f"Your equipment return receipt ({code})"
    assert message.body == (
        "Dear Mrs N Quinn,\n"
        "\n"
        "Attached is your receipt for the school IT equipment you signed for on "
        "23/11/2026 09:00:\n"
        "\n"
        "  - ASH-0007 iPad (9th gen)\n"
        "\n"
        f"It holds the full terms you signed. Its verification code is {code}.\n"
        "\n"
        "You can see this receipt and everything you hold at any time:\n"
        f"{SITE}/signatures/{signature_id}\n"
        "\n"
        "Please report any loss or damage to the Head Teacher or the IT technician "
        "straight away.\n"
        "\n"
        f"{SCHOOL}\n"
    )


def test_no_receipt_is_emailed_to_someone_without_an_address(app, make, outbox):
    loan = make.loan(person=make.person("Mr No Email", email=None))
    assert send_receipt(app, loan.signature_id) is False
    assert outbox == []


def remind(app, kind: str) -> None:
    with app.app_context():
        due, _ = reminders.due(kind)
        for reminder in due:
            send = {
                "signature": loan_mail.send_signature_reminder,
                "overdue": loan_mail.send_overdue_reminder,
            }[kind]
            send(reminder.person, reminder.loans)


def test_the_reminder_to_sign_at_the_desk(app, make, outbox, clock):
    borrower = make.person("Mrs J Smullen", email="j.smullen@ashbrook.sch.uk")
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    make.loan(
        make.asset("ASH-0003", name="HP ProBook 440", category=laptops), borrower, signed=False
    )
    make.loan(
        make.asset("ASH-0025", name="Canon PowerShot"),
        borrower,
        signed=False,
        due_on=date(2026, 11, 27),
    )

    remind(app, "signature")

    message = one(outbox)
    assert message.to == ["j.smullen@ashbrook.sch.uk"]
    assert message.subject == "Please sign for your school equipment"
    assert message.body == (
        "Dear Mrs J Smullen,\n"
        "\n"
        "The IT technician has handed over the following school equipment to you, and it "
        "still needs your signature:\n"
        "\n"
        "  - ASH-0003 HP ProBook 440\n"
        "  - ASH-0025 Canon PowerShot, due back 27/11/2026\n"
        "\n"
        "Please come to the IT desk to read the loan terms and sign for it.\n"
        "\n"
        f"{SCHOOL}\n"
    )


def test_the_reminder_to_sign_from_a_login(app, make, outbox):
    staff = make.user("staff", person=True, name="Miss A Guthrie", email="a.g@ashbrook.sch.uk")
    make.loan(
        make.asset("ASH-0001", name="Dell Latitude 3440"),
        SimpleNamespace(id=staff.person_id),
        signed=False,
    )

    remind(app, "signature")

    assert one(outbox).body == (
        "Dear Miss A Guthrie,\n"
        "\n"
        "The IT technician has handed over the following school equipment to you, and it "
        "still needs your signature:\n"
        "\n"
        "  - ASH-0001 Dell Latitude 3440, due back 30/11/2026\n"
        "\n"
        "Please read the loan terms and sign for it here (or at the IT desk):\n"
        f"{SITE}/my/sign\n"
        "\n"
        f"{SCHOOL}\n"
    )


def test_the_overdue_reminder(app, make, outbox, clock):
    short = make.category(loan_kind="short", default_loan_days=7)
    borrower = make.person("Mrs N Quinn", email="n.quinn@ashbrook.sch.uk")
    make.loan(
        make.asset("ASH-0031", name="Camera", category=short),
        borrower,
        now=clock.now - timedelta(days=8),
    )
    make.loan(
        make.asset("ASH-0032", name="Tripod", category=short),
        borrower,
        now=clock.now - timedelta(days=9),
    )

    remind(app, "overdue")

    message = one(outbox)
    assert message.subject == "School equipment overdue for return"
    assert message.body == (
        "Dear Mrs N Quinn,\n"
        "\n"
        "The following school equipment was due back:\n"
        "\n"
        "  - ASH-0031 Camera, due back 22/11/2026\n"
        "  - ASH-0032 Tripod, due back 21/11/2026\n"
        "\n"
        "Please return it to the IT technician, or ask them for a longer loan.\n"
        f"Your equipment: {SITE}/my\n"
        "\n"
        f"{SCHOOL}\n"
    )


# ---- incidents ------------------------------------------------------------------------------


def notify(app, incident_id: int) -> None:
    with app.test_request_context("/"):
        incident = db.session.get(Incident, incident_id)
        assert incident_notices.notify_handlers(incident.reporter, incident)
        db.session.commit()


def test_the_report_of_a_theft(app, make, outbox):
    tech = make.user("technician", name="Mr M Savage", email="it@ashbrook.sch.uk")
    make.user("admin", email="head@ashbrook.sch.uk")
    borrower = make.person("Mrs H Floyd")
    asset = make.asset("ASH-0001", name="Dell Latitude 3440", serial_number="7XK2")
    make.loan(asset, borrower, by=tech)
    incident = make.incident(
        asset,
        reporter=tech,
        kind="theft",
        description="Taken from my car on the drive overnight.\nThe window was broken.",
        occurred_on=date(2026, 11, 21),
        occurred_time=time(19, 30),
        place="Home driveway",
        unsecured="vehicle_overnight",
        photos=2,
    )

    notify(app, incident.id)

    message = one(outbox)
    assert message.to == ["head@ashbrook.sch.uk", "it@ashbrook.sch.uk"]
    assert message.subject == (
        f"Theft reported: ASH-0001 Dell Latitude 3440 (incident #{incident.id})"
    )
    assert message.body == (
        "Mr M Savage reported theft of ASH-0001 Dell Latitude 3440 at 23/11/2026 09:00.\n"
        "\n"
        "Item: ASH-0001 Dell Latitude 3440 (serial 7XK2)\n"
        "Borrower: Mrs H Floyd\n"
        "When it happened: 21/11/2026 around 19:30\n"
        "Where: Home driveway\n"
        "Left unsecured (policy 8.3): Yes, in a vehicle overnight\n"
        "Police crime reference: not given yet (needed before the case can close)\n"
        "Photos: 2\n"
        "\n"
        "What happened:\n"
        "Taken from my car on the drive overnight.\nThe window was broken.\n"
        "\n"
        "Open the report:\n"
        f"{SITE}/incidents/{incident.id}\n"
        "\n"
        f"{SCHOOL}\n"
    )


def test_the_report_of_criminal_damage_with_its_crime_reference(app, make, outbox):
    tech = make.user("technician", name="Mr M Savage")
    incident = make.incident(
        make.asset("ASH-0009", name="Projector"),
        reporter=tech,
        kind="criminal_damage",
        description="Lens smashed.",
        occurred_on=date(2026, 11, 23),
        police_reference="CR/12345/26",
    )

    notify(app, incident.id)

    assert one(outbox).body == (
        "Mr M Savage reported criminal damage of ASH-0009 Projector at 23/11/2026 09:00.\n"
        "\n"
        "Item: ASH-0009 Projector\n"
        "Borrower: not on loan\n"
        "When it happened: 23/11/2026\n"
        "Where: not given\n"
        "Left unsecured (policy 8.3): No\n"
        "Police crime reference: CR/12345/26\n"
        "Photos: 0\n"
        "\n"
        "What happened:\n"
        "Lens smashed.\n"
        "\n"
        "Open the report:\n"
        f"{SITE}/incidents/{incident.id}\n"
        "\n"
        f"{SCHOOL}\n"
    )


def test_the_report_of_damage_has_no_police_line(app, make, outbox):
    tech = make.user("technician", name="Mr M Savage")
    incident = make.incident(
        make.asset("ASH-0010", name="Keyboard"),
        reporter=tech,
        kind="damage",
        description="Keys missing.",
        occurred_on=date(2026, 11, 20),
        unsecured="other",
    )

    notify(app, incident.id)

    assert one(outbox).body == (
        "Mr M Savage reported damage of ASH-0010 Keyboard at 23/11/2026 09:00.\n"
        "\n"
        "Item: ASH-0010 Keyboard\n"
        "Borrower: not on loan\n"
        "When it happened: 20/11/2026\n"
        "Where: not given\n"
        "Left unsecured (policy 8.3): Yes, somewhere else unsecured\n"
        "Photos: 0\n"
        "\n"
        "What happened:\n"
        "Keys missing.\n"
        "\n"
        "Open the report:\n"
        f"{SITE}/incidents/{incident.id}\n"
        "\n"
        f"{SCHOOL}\n"
    )


# ---- leavers --------------------------------------------------------------------------------


def leaver(app, make, name: str, ends: date, *tags: str, by, **values):
    person = make.person(name, **values)
    set_contract_end(app, person.id, ends)
    for tag in tags:
        make.loan(make.asset(tag), person, by=by)
    return person


def send_leavers_reminder(app, days: int = 14) -> None:
    with app.app_context():
        leaver_lists.send_reminder(leaver_lists.reminder_rows(days), days)


def test_the_leavers_reminder(app, make, outbox):
    tech = make.user("technician", email="it@ashbrook.sch.uk")
    gone = leaver(app, make, "Mrs H Floyd", date(2026, 11, 20), "ASH-0097", by=tech, job_title="TA")
    soon = leaver(app, make, "Mrs J Smullen", date(2026, 12, 3), "ASH-0110", "ASH-0111", by=tech)
    case = make.leaver_case(soon, by=tech)

    send_leavers_reminder(app)

    message = one(outbox)
    assert message.to == ["it@ashbrook.sch.uk"]
    assert message.subject == "Leavers: 1 overdue, 1 leaving in the next 14 days"
    assert message.body == (
        "Policy 8.4: when a contract ends, all computer equipment and software comes back to "
        "the IT technician in full working condition, and the user account and personal work "
        "are securely deleted.\n"
        "\n"
        "Past their contract end date, with something still outstanding:\n"
        "\n"
        "- Mrs H Floyd (TA): contract ends 20/11/2026 (left 3 days ago).\n"
        "  Holds: ASH-0097. Checklist not started.\n"
        f"  {SITE}/people/{gone.id}\n"
        "\n"
        "Leaving in the next 14 days and still holding equipment:\n"
        "\n"
        "- Mrs J Smullen: contract ends 03/12/2026 (leaves in 10 days).\n"
        "  Holds: ASH-0110, ASH-0111. 1 of 4 steps done.\n"
        f"  {SITE}/leavers/{case.id}\n"
        "\n"
        f"All leavers: {SITE}/leavers\n"
        "\n"
        f"{SCHOOL}\n"
    )


def test_the_leavers_reminder_with_nobody_overdue(app, make, outbox):
    tech = make.user("technician", email="it@ashbrook.sch.uk")
    soon = leaver(app, make, "Mrs J Smullen", date(2026, 11, 26), "ASH-0110", by=tech)

    send_leavers_reminder(app, days=5)

    message = one(outbox)
    assert message.subject == "Leavers: 0 overdue, 1 leaving in the next 5 days"
    assert message.body == (
        "Policy 8.4: when a contract ends, all computer equipment and software comes back to "
        "the IT technician in full working condition, and the user account and personal work "
        "are securely deleted.\n"
        "\n"
        "Leaving in the next 5 days and still holding equipment:\n"
        "\n"
        "- Mrs J Smullen: contract ends 26/11/2026 (leaves in 3 days).\n"
        "  Holds: ASH-0110. Checklist not started.\n"
        f"  {SITE}/people/{soon.id}\n"
        "\n"
        f"All leavers: {SITE}/leavers\n"
        "\n"
        f"{SCHOOL}\n"
    )


# ---- what people typed arrives as they typed it ---------------------------------------------

AWKWARD_NAME = "O'Brien <Łukasz> & Co"
AWKWARD_ITEM = 'Dell <b>Latitude</b> & "3440" {{ 7 * 7 }} {% raw %}'


# ---- logins ---------------------------------------------------------------------------------


def test_the_password_reset_link(app, make, outbox, clock):
    user = make.user("staff", name="Miss A O'Brien & Co", email="a.obrien@ashbrook.sch.uk")
    with app.app_context():
        message = password_resets.request_reset(user.email, "192.0.2.1", clock.now)
        db.session.commit()
        password_resets.send_reset_email(message)

    sent = one(outbox)
    assert sent.to == ["a.obrien@ashbrook.sch.uk"]
    assert sent.subject == "Reset your password"
    assert sent.body == (
        "Dear Miss A O'Brien & Co,\n"
        "\n"
        "Someone, probably you or the school's admin, asked to reset the password of your "
        f"login to {SCHOOL}'s IT equipment and loans.\n"
        "\n"
        "To choose a new password, open this link within 30 minutes. It works once:\n"
        f"{SITE}/password/reset/{message.token}\n"
        "\n"
        "If you did not ask for this, you can ignore this email: your password stays as it is.\n"
        "\n"
        f"{SCHOOL}\n"
    )


def test_names_with_html_special_characters_arrive_unescaped(app, make, runner, smtp_server):
    """Plain text is not HTML: a name's <, >, & and quotes reach the reader as written, and
    text that looks like a template is not run."""
    send_mail_through(app, smtp_server.port)
    borrower = make.person(AWKWARD_NAME, email="obrien@ashbrook.sch.uk")
    make.loan(make.asset("ASH-0042", name=AWKWARD_ITEM), borrower, signed=False)

    assert runner.invoke(args=["remind-signatures"]).exit_code == 0

    [received] = smtp_server.messages
    body = received.body.replace("\r\n", "\n")  # SMTP's line ends
    assert body.startswith(f"Dear {AWKWARD_NAME},\n")
    assert f"  - ASH-0042 {AWKWARD_ITEM}, due back " in body
    for escaped in ("&lt;", "&gt;", "&amp;", "&#39;", "&#34;", "&quot;", "49"):
        assert escaped not in body, escaped


def test_a_report_in_awkward_text_arrives_as_written(app, make, outbox):
    tech = make.user("technician", name=AWKWARD_NAME)
    description = "It said <script>alert('x')</script> & {{ config }}\r\nthen went dark."
    incident = make.incident(
        make.asset("ASH-0043", name=AWKWARD_ITEM),
        reporter=tech,
        description=description,
        place="Room <4> & corridor",
    )

    notify(app, incident.id)

    body = one(outbox).body
    assert body.startswith(f"{AWKWARD_NAME} reported damage of ASH-0043 {AWKWARD_ITEM} at ")
    assert f"\nWhat happened:\n{description}\n\n" in body
    assert "\nWhere: Room <4> & corridor\n" in body


@pytest.mark.parametrize("script", NAMES)
def test_a_name_in_any_script_is_kept_in_a_reminder(app, make, outbox, script):
    name = NAMES[script]
    make.loan(person=make.person(name, email="someone@ashbrook.sch.uk"), signed=False)

    remind(app, "signature")

    assert one(outbox).body.startswith(f"Dear {name},\n\n")
