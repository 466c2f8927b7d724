"""The one error a reader raises: the upload cannot be read, and what to do about it."""


class UnreadableFile(ValueError):
    """The upload cannot be read; the message tells the person what to do about it."""
