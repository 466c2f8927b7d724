"""Passwords hashed as production hashes them. The test config lowers the cost
(config.TestConfig.PASSWORD_HASH_METHOD) because tests log in hundreds of times; this test
takes the production setting back and signs in through it."""

import pytest

from assets.extensions import db
from assets.models import User
from assets.services.common.errors import LoginRefused
from assets.services.people import login_admin, logins
from config import Config


@pytest.fixture
def production_method(app) -> str:
    """The app hashing as production does; returns the method's name ("scrypt")."""
    production = getattr(Config, "PASSWORD_HASH_METHOD", None)
    if production is None:
        app.config.pop("PASSWORD_HASH_METHOD")
        return "scrypt"  # werkzeug's default, which logins._hash falls back to
    app.config["PASSWORD_HASH_METHOD"] = production
    return production.split(":")[0]


def test_a_password_is_hashed_and_checked_with_the_production_settings(production_method, ctx):
    login_admin.create_user(
        None, email="head@ashbrook.sch.uk", name="Mrs Head", role="admin", password="Headteacher1"
    )
    ctx.commit()
    stored = ctx.scalar(db.select(User.password_hash))
    assert stored.startswith(f"{production_method}:")

    assert logins.authenticate("head@ashbrook.sch.uk", "Headteacher1").name == "Mrs Head"
    with pytest.raises(LoginRefused):
        logins.authenticate("head@ashbrook.sch.uk", "Headteacher2")
    ctx.rollback()
