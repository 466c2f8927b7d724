"""Flask-Login wiring: sessions carry a per-user token that can be revoked everywhere."""

from flask import Flask

from assets.extensions import login_manager
from assets.services.people import logins


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(token: str):
    user = logins.user_by_session_token(token)
    return user if user is not None and user.active else None
