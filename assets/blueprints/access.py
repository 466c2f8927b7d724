"""Who may open each page. Every view is marked public on purpose, open to any signed-in
login, or requires a capability from assets/permissions.py; a test walks the URL map and fails
for a view with no rule. `view.access` holds "public", "signed_in" or the capability."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from assets.permissions import allows, roles_with


def public(view: Callable) -> Callable:
    view.access = "public"
    return view


def signed_in(view: Callable) -> Callable:
    guarded = login_required(view)
    guarded.access = "signed_in"
    return guarded


def requires(capability: str) -> Callable[[Callable], Callable]:
    roles_with(capability)  # an unknown name fails when the app is built, not on a request

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not allows(current_user, capability):
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(wrapped)
        guarded.access = capability
        return guarded

    return decorator
