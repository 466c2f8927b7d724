"""The logs show a reset link's path without its token, and a path without its query string,
from create_app on: the development server's request log, the app's own error log when a reset
link fails, and gunicorn's error log (gunicorn's own logger class, as gunicorn.conf.py names
it)."""

import logging

import pytest
from gunicorn.config import Config
from sqlalchemy import select

from assets import create_app
from assets.extensions import db
from assets.models import User
from assets.request_log import AccessLog, HideResetTokens
from assets.services.people.password_resets import make_token


def test_the_request_log_hides_a_reset_links_token_and_the_query_string(app):
    [hider] = [f for f in logging.getLogger("werkzeug").filters if isinstance(f, HideResetTokens)]
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        ("GET /password/reset/abc.DEF-1?next=%C5%81ukasz HTTP/1.1", 200),
        None,
    )
    assert hider.filter(record)
    assert record.getMessage() == '"GET /password/reset/[hidden] HTTP/1.1" 200'


def test_a_reset_link_failing_on_a_broken_database_logs_no_token(
    app, make, clock, caplog, tmp_path
):
    made = make.user("staff", name="Łukasz Żółć")
    with app.app_context():
        token = make_token(db.session.scalar(select(User).filter_by(email=made.email)), clock.now)
    # The same app (SECRET_KEY) on a database that cannot be opened, with errors logged as in
    # production rather than raised into the test.
    broken = create_app(
        {
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no-such-folder' / 'x.sqlite'}",
            "TESTING": False,
            "PROPAGATE_EXCEPTIONS": False,
        }
    )
    with caplog.at_level(logging.ERROR, logger=broken.logger.name):
        response = broken.test_client().get(f"/password/reset/{token}?q=%C5%BB%C3%B3%C5%82%C4%87")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "Exception on /password/reset/[hidden] [GET]" in caplog.text
    assert "OperationalError" in caplog.text  # the traceback is still there for the technician
    assert token not in caplog.text
    assert token.split(".")[0] not in caplog.text


@pytest.fixture
def gunicorn_error_log(tmp_path):
    """gunicorn's logger as gunicorn.conf.py sets it up, its error log going to a file."""
    config = Config()
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("logger_class", "assets.request_log.AccessLog")
    logger = AccessLog(config)
    try:
        yield logger, tmp_path / "error.log"
    finally:
        for handler in list(logger.error_log.handlers):
            if getattr(handler, "_gunicorn", False):
                logger.error_log.removeHandler(handler)
                handler.close()


def test_gunicorn_error_handling_a_reset_link_logs_no_token_or_query(gunicorn_error_log):
    logger, path = gunicorn_error_log
    uri = "/password/reset/Zx9-secret.abcDEF_123?q=Zo%C3%AB&name=Zoë"
    try:
        raise RuntimeError("the database is down")
    except RuntimeError:
        # As gunicorn's worker logs a request the app raised out of (workers/base.py).
        logger.exception("Error handling request %s", uri)
    # A reload (SIGHUP) sets the logger up again (gunicorn drops its old handlers unclosed):
    # still one filter.
    for handler in logger.error_log.handlers:
        handler.close()
    logger.setup(logger.cfg)
    logger.error("Error handling request %s", "/password/reset/again.secret")

    written = path.read_text()
    assert "Error handling request /password/reset/[hidden]\n" in written
    assert "RuntimeError: the database is down" in written
    for secret in ("Zx9-secret", "abcDEF_123", "Zo%C3%AB", "Zoë", "again.secret"):
        assert secret not in written
    assert [type(f) for f in logger.error_log.filters].count(HideResetTokens) == 1
