"""Flask-Login wiring: sessions carry a per-user token that can be revoked everywhere."""

from flask import Flask, current_app, request
from flask_login import login_user

from assets.extensions import login_manager
from assets.services.people import logins
from assets.services.register import choice_lists


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


# Every signed-in request loads its user first; the select lists' tokens come in the same
# statement, so a page with a list of locations asks the database nothing more for it.
_USER_AND_LIST_TOKENS = logins.session_user_statement(*choice_lists.TOKEN_COLUMNS)


@login_manager.user_loader
def load_user(token: str):
    found = logins.user_by_session_token(token, _USER_AND_LIST_TOKENS)
    if found is None:
        return None
    user, *tokens = found
    choice_lists.tokens_read(tokens)
    return user if user.active else None


def continue_session(user) -> None:
    """Carry on this browser's session after `user`'s sessions were ended (a new password,
    role or email): sign in again with the new token, keeping "Keep me logged in" when this
    browser had it (its remember-me cookie, which now holds the old token)."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=cookie in request.cookies)
