"""The request log shows a reset link's path without its token, from create_app on."""

import logging

from assets.request_log import HideResetTokens


def test_the_request_log_hides_a_reset_links_token(app):
    [hider] = [f for f in logging.getLogger("werkzeug").filters if isinstance(f, HideResetTokens)]
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        ("GET /password/reset/abc.DEF-1 HTTP/1.1", 200),
        None,
    )
    assert hider.filter(record)
    assert record.getMessage() == '"GET /password/reset/[hidden] HTTP/1.1" 200'
