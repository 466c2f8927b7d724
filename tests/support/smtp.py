"""A real SMTP server on loopback for tests (aiosmtpd), and pointing an app at it."""

import email
import email.parser
import email.policy
import errno
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from flask import Flask

from assets.extensions import mail
from tests.support.ports import free_port

__all__ = ["Received", "SmtpServer", "free_port", "send_mail_through"]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()


class SmtpServer:
    """Accepts every message and keeps it in `messages`. With `smtputf8` it offers SMTPUTF8
    (RFC 6531: addresses and headers in UTF-8); by default it does not, as aiosmtpd."""

    def __init__(self, *, smtputf8: bool = False) -> None:
        self.messages: list[Received] = []
        self.port = 0
        self.smtputf8 = smtputf8
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if envelope.smtp_utf8:
            # Headers in UTF-8 (RFC 6531): the email package reads header bytes as ASCII, so
            # take them from the text decoded as UTF-8 (the body stays as parsed from bytes).
            text = envelope.content.decode("utf-8")
            headers = email.parser.HeaderParser(policy=email.policy.default).parsestr(text)
            for name in dict.fromkeys(headers.keys()):
                del message[name]
                for value in headers.get_all(name):
                    message[name] = str(value)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self, tries: int = 5) -> "SmtpServer":
        """Listen on a free port, trying another if a parallel test took it first."""
        while True:
            self.port = free_port()
            self.controller = Controller(
                self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=self.smtputf8
            )
            try:
                self.controller.start()
                return self
            except OSError as error:
                tries -= 1
                if error.errno != errno.EADDRINUSE or not tries:
                    raise

    def stop(self) -> None:
        """Stop listening (a test may stop it early to see a failure; stopping twice is fine)."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def send_mail_through(app: Flask, port: int) -> None:
    """Point `app` at an SMTP server on loopback `port` and really send (tests suppress
    sending unless told otherwise)."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
    mail.init_app(app)
