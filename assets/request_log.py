"""Request logs without secrets: a password-reset link's path is shown without its token, in
the app's own request log (Werkzeug's development server) and in gunicorn's access log
(`AccessLog`, named in gunicorn.conf.py). The proxy's access log is its own: see the README's
"Running it in production"."""

import logging
import re

from flask import Flask
from gunicorn.glogging import Logger

_RESET_LINK_PATH = re.compile(r"(/password/reset/)[^\s?#\"]+")


def hide_reset_tokens(text: str) -> str:
    """`text` with the token of every reset link's path replaced by [hidden]."""
    return _RESET_LINK_PATH.sub(r"\1[hidden]", text)


class HideResetTokens(logging.Filter):
    """Replaces the token in a reset link's path with [hidden]."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                hide_reset_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


class AccessLog(Logger):
    """gunicorn's logger, whose access-log line never holds a reset token or a query string
    (searches hold people's names): the request line and path without them, no referrer."""

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        path = hide_reset_tokens(atoms.get("U") or "")
        atoms.update(
            {
                "U": path,
                "q": "-",
                "r": f"{atoms.get('m')} {path} {atoms.get('H')}",
                "f": "-",
                "{referer}i": "-",
                "{raw_uri}e": path,
                "{query_string}e": "-",
            }
        )
        return atoms


def init_app(_app: Flask) -> None:
    """Add the filter to the "werkzeug" logger once per process (loggers are global)."""
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, HideResetTokens) for f in werkzeug.filters):
        werkzeug.addFilter(HideResetTokens())
