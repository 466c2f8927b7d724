"""Headers, safe redirects and absolute links: the web-facing safety rules in one place."""

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, has_request_context, request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter, ValidationError

# Every id column is a 32-bit integer; a larger number in a URL names nothing.
MAX_ID = 2**31 - 1

CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def csp_with_forms_to(origins: list[str]) -> str:
    """CSP, letting this page's forms lead to `origins` too: a browser applies form-action to
    the redirect a form's answer makes (the login page's "Sign in with ..." buttons)."""
    if not origins:
        return CSP
    directive = "form-action 'self';"
    if CSP.count(directive) != 1:  # a changed CSP must not silently block the SSO buttons
        raise RuntimeError(f"the CSP must hold {directive!r} exactly once")
    return CSP.replace(directive, f"form-action 'self' {' '.join(origins)};")


def whole_number(text: object, maximum: int = MAX_ID) -> int | None:
    """`text` as a whole number from 1 to `maximum` written in ASCII digits, else None: how
    an id or a count is read from a URL, a query string or a hidden field. (str.isdigit alone lets
    through "²", which int() refuses, and numbers no column can hold.)"""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if 1 <= number <= maximum else None


class IdConverter(IntegerConverter):
    """`<int:...>` in every URL: an id read by whole_number. Anything else (a number larger
    than an id column holds, 0, digits other than ASCII) is a 404, not a database error
    (SQLite cannot even bind a large one)."""

    def to_python(self, value: str) -> int:
        number = whole_number(value)
        if number is None:
            raise ValidationError()
        return number


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values)


def init_app(app: Flask) -> None:
    # Before any blueprint adds its rules, which bind their converters when added.
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def refuse_nul_characters():
        """No person types a NUL character, and PostgreSQL cannot store one: a request that
        carries one in its path, query or form fields is refused before any view sees it."""
        if (
            "\x00" in request.path
            or _has_nul(request.args.items(multi=True))
            or _has_nul(request.form.items(multi=True))
        ):
            abort(400)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Staffroom computers are shared: after logout, Back must not show a page (or a
        # photo, or a download) from the browser's cache. Static files are the same for all.
        private = request.endpoint != "static" and current_user.is_authenticated
        if private and "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
        return response


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: never an open redirect."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link built from BASE_URL, never from the request's Host header. It works
    in a bare app context too (commands, services called from tests), where url_for cannot."""
    if has_request_context():
        path = url_for(endpoint, _external=False, **values)
    else:
        adapter = current_app.url_map.bind(
            "localhost", script_name=current_app.config["APPLICATION_ROOT"]
        )
        path = adapter.build(endpoint, values)
    return current_app.config["BASE_URL"] + path
