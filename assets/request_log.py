"""The request log (Werkzeug's development server): a reset link's path is shown without its
token. gunicorn's and the proxy's access logs are their own: see the README's Deployment."""

import logging
import re

from flask import Flask

_RESET_LINK_PATH = re.compile(r"(/password/reset/)[^\s?#\"]+")


class HideResetTokens(logging.Filter):
    """Replaces the token in a reset link's path with [hidden]."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _RESET_LINK_PATH.sub(r"\1[hidden]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def init_app(_app: Flask) -> None:
    """Add the filter to the "werkzeug" logger once per process (loggers are global)."""
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, HideResetTokens) for f in werkzeug.filters):
        werkzeug.addFilter(HideResetTokens())
