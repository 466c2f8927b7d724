"""Loopback ports for the servers the tests start (PostgreSQL, SMTP, the live app)."""

import socket


def free_port() -> int:
    """A loopback port nothing listens on at the moment of asking. Another process (another
    test worker) may take it before the caller binds it, so a caller that binds retries with a
    new one (SmtpServer.start)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
