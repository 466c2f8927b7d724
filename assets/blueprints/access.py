"""Who may open each page. Every view is marked public on purpose or needs a role; a test
walks the URL map and fails for a view with no rule."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

READERS = ("admin", "technician", "office")
EDITORS = ("admin", "technician")
ADMINS = ("admin",)
EVERYONE = ("admin", "technician", "office", "staff")
# Spreadsheets: office staff keep the register, technicians may take it out; staff never do.
IMPORTERS = ("admin", "office")
EXPORTERS = READERS
# Who is shown why an email was not sent (a mail server setting, an SMTP error): those who run
# the system. Everyone else is told what it means for them.
MAIL_TROUBLESHOOTERS = EDITORS


def public(view: Callable) -> Callable:
    view.access = "public"
    return view


def roles(*allowed: str) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*allowed):
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(wrapped)
        guarded.access = allowed
        return guarded

    return decorator
