"""send_mail hands a message to a real SMTP server, or says plainly why it could not;
send_template renders its body from templates/email/ first."""

from types import SimpleNamespace

import pytest

from assets.services.common import mailer
from tests.support.smtp import free_port, send_mail_through


def test_a_message_reaches_every_recipient_with_its_attachment(app, smtp_server):
    send_mail_through(app, smtp_server.port)
    with app.app_context():
        sent = mailer.send_mail(
            ["head@school.test", "it@school.test", "head@school.test"],
            "Theft reported",
            "A laptop was stolen.\nhttps://assets.school.test/incidents/1\n",
            attachments=[("note.txt", "text/plain", b"hello")],
        )
    assert sent is True
    [received] = smtp_server.messages
    assert sorted(received.rcpt_tos) == ["head@school.test", "it@school.test"]
    assert received.mail_from == app.config["MAIL_DEFAULT_SENDER"]
    assert received.message["Subject"] == "Theft reported"
    assert "https://assets.school.test/incidents/1" in received.body
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == "note.txt"
    assert attachment.get_content() == "hello"


def test_no_mail_server_configured_is_a_clear_error(app):
    with app.app_context(), pytest.raises(mailer.MailNotConfigured, match="MAIL_SERVER is empty"):
        mailer.send_mail(["it@school.test"], "Subject", "Body")


def test_a_mail_server_that_is_down_is_a_clear_error(app):
    send_mail_through(app, free_port())
    with app.app_context(), pytest.raises(mailer.MailError, match="did not accept it"):
        mailer.send_mail(["it@school.test"], "Subject", "Body")


def test_nobody_to_send_to_is_a_clear_error(app, smtp_server):
    send_mail_through(app, smtp_server.port)
    with app.app_context(), pytest.raises(mailer.MailError, match="nobody to send it to"):
        mailer.send_mail(["", None], "Subject", "Body")
    assert smtp_server.messages == []


def test_line_breaks_in_the_subject_and_file_names_become_spaces(app, smtp_server):
    send_mail_through(app, smtp_server.port)
    with app.app_context():
        mailer.send_mail(
            ["it@school.test"],
            "Receipt for\r\nAnn\nOther\u2028",
            "Line one.\nLine two.\n",
            attachments=[("receipt\n1.pdf", "application/pdf", b"%PDF")],
        )
    [received] = smtp_server.messages
    assert received.message["Subject"] == "Receipt for Ann Other"
    assert "Line one.\nLine two." in received.body.replace("\r\n", "\n")
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == "receipt 1.pdf"


def test_a_template_body_ends_with_one_line_break_and_names_the_school(app, smtp_server):
    send_mail_through(app, smtp_server.port)
    person = SimpleNamespace(name="Mrs N Quinn")
    camera = SimpleNamespace(asset=SimpleNamespace(tag="ASH-0031", name="Camera"), due_on=None)
    with app.app_context():
        body = mailer.render_text("email/overdue_reminder.txt", person=person, loans=[camera])
        mailer.send_template(
            ["n.quinn@school.test"],
            "Overdue",
            "email/overdue_reminder.txt",
            person=person,
            loans=[camera],
        )
    assert body.startswith("Dear Mrs N Quinn,\n\n")
    assert "\n  - ASH-0031 Camera\n\n" in body
    assert body.endswith(f"\n\n{app.config['SCHOOL_NAME']}\n")
    [received] = smtp_server.messages
    assert received.message["Subject"] == "Overdue"
    assert received.body.replace("\r\n", "\n") == body


def test_email_templates_are_plain_text_and_never_autoescaped(app):
    """Only .txt templates may make a body: Flask would HTML-escape an .html one, turning
    O'Brien & Co into O&#39;Brien &amp; Co in a plain-text email."""
    names = app.jinja_env.list_templates(filter_func=lambda name: name.startswith("email/"))
    assert names and all(name.endswith(".txt") for name in names), names
    assert not any(app.select_jinja_autoescape(name) for name in names)
    with app.app_context(), pytest.raises(ValueError, match="not a plain-text"):
        mailer.render_text("errors/error.html")
