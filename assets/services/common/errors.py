"""Errors a person can cause and act on. Views show the message; nothing is saved."""


class DomainError(Exception):
    """A rule said no. `message` is written for the person who asked."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The acting user may not do this."""


class LoginRefused(DomainError):
    """Wrong email or password, a locked or a deactivated account."""
