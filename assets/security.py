"""Headers, safe redirects and absolute links: the web-facing safety rules in one place."""

from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, url_for

CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
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
