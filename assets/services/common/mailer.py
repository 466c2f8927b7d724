"""Email through Flask-Mail over SMTP, with bodies written as Jinja templates.

Every email's words live in templates/email/<name>.txt and are sent by send_template; the
subject, one line, stays beside the call. Callers commit the change an email is about before
sending it, so a mail server that is down never loses a record: send_mail either hands the
message over or raises MailError with a reason a person can read, and the caller shows or
records that reason.
"""

import re
import smtplib
from collections.abc import Iterable

from flask import current_app, render_template
from flask_mail import BadHeaderError, Connection, Message

from assets.security import absolute_url

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def header_text(text: str) -> str:
    """`text` on one line, fit for a header (a subject, a file name): line breaks and other
    control characters become spaces, and runs of spaces one. A name imported from a
    spreadsheet cell may hold a line break, which would otherwise make the message unsendable."""
    return " ".join(_CONTROL.sub(" ", text).split())


class MailError(Exception):
    """The message was not handed to the mail server; str() says why, for people."""


class MailNotConfigured(MailError):
    """MAIL_SERVER is not set, so nothing can be sent."""


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


def send_mail(
    recipients: Iterable[str],
    subject: str,
    body: str,
    attachments: Iterable[tuple[str, str, bytes]] = (),
) -> bool:
    """Send one plain-text message to every address in `recipients` at once; True when the
    mail server accepted it. `attachments` are (filename, content type, bytes). The subject
    and file names are put on one line (header_text).

    Raises MailNotConfigured when MAIL_SERVER is empty, and MailError when there is no
    recipient or the server cannot be reached or refuses the message.
    """
    recipients = list(dict.fromkeys(address for address in recipients if address))
    if not configured():
        raise MailNotConfigured("email is not set up on this server (MAIL_SERVER is empty)")
    if not recipients:
        raise MailError("there is nobody to send it to")
    message = Message(subject=header_text(subject), recipients=recipients, body=body)
    for filename, content_type, data in attachments:
        message.attach(header_text(filename), content_type, data)
    try:
        with _Connection(current_app.extensions["mail"]) as connection:
            connection.send(message)
    except (smtplib.SMTPException, OSError, BadHeaderError) as error:
        current_app.logger.warning("Mail to %s not sent: %s", recipients, error)
        reason = str(error) or type(error).__name__
        raise MailError(f"the mail server did not accept it ({reason})") from error
    return True


def render_text(template: str, /, **context) -> str:
    """The plain-text body that `template` (a .txt under templates/email/) makes of `context`.

    Templates also get the app's template context (`school_name`, the filters such as `ukdate`
    and `localtime`) and `absolute_url`, since a link in an email must be built from BASE_URL.
    Flask autoescapes only HTML and XML templates, so what people typed (O'Brien & Co) reaches
    the reader as written; an HTML part would need escaping, hence .txt only. Jinja drops a
    template file's last line break; a body ends with one, so it is put back."""
    if not template.endswith(".txt"):
        raise ValueError(f"{template} is not a plain-text (.txt) email template")
    return render_template(template, absolute_url=absolute_url, **context) + "\n"


def send_template(
    recipients: Iterable[str],
    subject: str,
    template: str,
    /,
    *,
    attachments: Iterable[tuple[str, str, bytes]] = (),
    **context,
) -> bool:
    """send_mail with the body rendered from `template` with `context` (render_text)."""
    return send_mail(recipients, subject, render_text(template, **context), attachments)
