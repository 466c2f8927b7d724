"""Email through Flask-Mail over SMTP, with bodies written as Jinja templates.

Every email's words live in templates/email/<name>.txt and are sent by send_template; the
subject, one line, stays beside the call. Callers commit the change an email is about before
sending it, so a mail server that is down never loses a record: send_mail either hands the
message over or raises MailError with a reason a person can read, and the caller shows or
records that reason.

Addresses may hold any letters (email-validator on the people form accepts zoë@…). An address
whose domain alone is not ASCII (x@bücher.example) goes out with the domain in punycode, which
every mail server takes. One whose local part is not ASCII needs a mail server that offers
SMTPUTF8 (RFC 6531): the message is then sent with SMTPUTF8 and that address, as typed, in the
envelope and the To header; a server without it gets nothing and MailError says so.
"""

import re
import smtplib
import time
from collections.abc import Iterable
from email import policy

import idna
from flask import current_app, render_template
from flask_mail import BadHeaderError, Connection, Message, email_dispatched, sanitize_address

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


def _outgoing_address(address: str) -> str:
    """`address` as it goes in the envelope and the To header. An address with a non-ASCII
    local part needs SMTPUTF8 anyway, which takes it as typed (RFC 6531); otherwise a non-ASCII
    domain is written in punycode (IDNA), which every server takes. Raises UnicodeError
    (idna.IDNAError) for a domain IDNA cannot write."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii() or not local.isascii():
        return address
    return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"


class _Message(Message):
    """Flask-Mail's message with the recipients written by _outgoing_address, in the order
    given. Flask-Mail itself cannot write an address with a non-ASCII local part (its
    sanitize_address raises UnicodeEncodeError, and the email package would put an encoded word
    in the local part, which is no address); such a message is written with the SMTPUTF8
    policy, where headers are UTF-8 as they stand."""

    def __init__(self, *, recipients: list[str], **kwargs) -> None:
        super().__init__(recipients=[_outgoing_address(a) for a in recipients], **kwargs)

    @property
    def needs_smtputf8(self) -> list[str]:
        """The recipients that only an SMTPUTF8 server can take (non-ASCII local part)."""
        return [address for address in self.recipients if not address.isascii()]

    def _message(self):
        typed, self.recipients = self.recipients, []
        try:
            message = super()._message()
        finally:
            self.recipients = typed
        message.replace_header("To", ", ".join(typed))
        return message

    def as_bytes(self) -> bytes:
        if self.needs_smtputf8:
            return self._message().as_bytes(policy=policy.SMTPUTF8)
        return self._message().as_bytes()

    def as_string(self) -> str:
        if self.needs_smtputf8:
            return self._message().as_string(policy=policy.SMTPUTF8)
        return self._message().as_string()


class _Connection(Connection):
    """Flask-Mail's connection with a timeout, so a silent mail server cannot hold a page, and
    that sends with SMTPUTF8 when a recipient needs it."""

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

    def send(self, message: _Message, envelope_from=None) -> None:
        """Flask-Mail's Connection.send, but the envelope is the message's own recipients
        (already IDNA-encoded by _Message) in the order given, and SMTPUTF8 is asked for when
        one needs it; raises MailError, naming one, when the server does not offer it."""
        if message.has_bad_headers():
            raise BadHeaderError
        if message.date is None:
            message.date = time.time()
        if self.host is not None:
            options = []
            if wide := message.needs_smtputf8:
                self.host.ehlo_or_helo_if_needed()
                if not self.host.has_extn("smtputf8"):
                    raise MailError(
                        "the mail server cannot deliver to addresses with letters outside "
                        f"English, such as {wide[0]}; ask IT to enable SMTPUTF8 on it or give "
                        "an ASCII address"
                        + ("" if len(message.send_to) == 1 else " (nobody was sent it)")
                    )
                options = ["SMTPUTF8"] + (
                    ["BODY=8BITMIME"] if self.host.has_extn("8bitmime") else []
                )
            self.host.sendmail(
                sanitize_address(envelope_from or message.sender),
                list(dict.fromkeys([*message.recipients, *message.cc, *message.bcc])),
                message.as_bytes(),
                options + list(message.mail_options),
                message.rcpt_options,
            )
        email_dispatched.send(current_app._get_current_object(), message=message)


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
    recipient, the server cannot be reached or refuses the message, an address needs SMTPUTF8
    that the server does not offer (then nobody is sent it, as with any refusal of the whole
    message), or a header cannot be written (a domain IDNA cannot encode, say).
    """
    recipients = list(dict.fromkeys(address for address in recipients if address))
    if not configured():
        raise MailNotConfigured("email is not set up on this server (MAIL_SERVER is empty)")
    if not recipients:
        raise MailError("there is nobody to send it to")
    try:
        message = _Message(subject=header_text(subject), recipients=recipients, body=body)
        for filename, content_type, data in attachments:
            message.attach(header_text(filename), content_type, data)
        with _Connection(current_app.extensions["mail"]) as connection:
            connection.send(message)
    except MailError as error:
        current_app.logger.warning("Mail to %s not sent: %s", recipients, error)
        raise
    except UnicodeError as error:
        current_app.logger.warning("Mail to %s not sent: %r", recipients, error)
        raise MailError(
            f"a name or address in it cannot be written in an email ({error})"
        ) from error
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
