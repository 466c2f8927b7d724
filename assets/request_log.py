"""Logs without secrets: a password-reset link's path is shown without its token, and a path
without its query string (searches hold people's names), in the app's own request log
(Werkzeug's development server), the app's error log (Flask's "Exception on <path>" when a
request fails), and gunicorn's access and error logs (`AccessLog`, named in gunicorn.conf.py;
gunicorn's "Error handling request <path>"). The proxy's access log is its own: see the README's
"Running it in production"."""

import logging
import re

from flask import Flask
from gunicorn.glogging import Logger

_RESET_LINK_PATH = re.compile(r"(/password/reset/)[^\s?#\"']+")
# A path's query string: "?" straight after a path (a "/" and no space before it) up to the
# next space or quote.
_QUERY_STRING = re.compile(r"(/[^\s?#\"']*)\?[^\s\"']*")


def hide_reset_tokens(text: str) -> str:
    """`text` with the token of every reset link's path replaced by [hidden]."""
    return _RESET_LINK_PATH.sub(r"\1[hidden]", text)


def hide_query_strings(text: str) -> str:
    """`text` with the query string of every path left out."""
    return _QUERY_STRING.sub(r"\1", text)


def _cleaned(text: str) -> str:
    return hide_query_strings(hide_reset_tokens(text))


class HideResetTokens(logging.Filter):
    """Rewrites a record's message, and the traceback it carries, with every reset link's
    token replaced by [hidden] and every path's query string left out. The message is
    formatted here (record.args are then empty); the traceback is formatted as logging's
    Formatter does and kept in record.exc_text, which handlers then print as it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # args that do not fit msg: clean each part
            message = str(record.msg)
            if isinstance(record.args, tuple):
                record.args = tuple(
                    _cleaned(arg) if isinstance(arg, str) else arg for arg in record.args
                )
            record.msg = _cleaned(message)
            return True
        record.msg, record.args = _cleaned(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _cleaned(record.exc_text)
        return True


def _add_filter(logger: logging.Logger) -> None:
    """The filter on `logger`, once (loggers are global to the process)."""
    if not any(isinstance(f, HideResetTokens) for f in logger.filters):
        logger.addFilter(HideResetTokens())


class AccessLog(Logger):
    """gunicorn's logger, whose access-log line never holds a reset token or a query string
    (searches hold people's names): the request line and path without them, no referrer.
    Its error log ("Error handling request /password/reset/...?...") is cleaned by the
    filter."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        _add_filter(self.error_log)

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


def init_app(app: Flask) -> None:
    """Add the filter to the "werkzeug" logger (the development server's request log) and to
    the app's logger (Flask's "Exception on /password/reset/<token> [GET]")."""
    _add_filter(logging.getLogger("werkzeug"))
    _add_filter(app.logger)
