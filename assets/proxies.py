"""The HTTPS proxy in front of the app: how many to trust (PROXY_COUNT), and so who the
client is. Behind a proxy every request comes from the proxy's own address; only with
PROXY_COUNT set does the app read the client's address from X-Forwarded-For."""

import ipaddress

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    count = app.config.get("PROXY_COUNT", 0)
    if count > 0:
        # The Host header is not taken from the proxy: links come from BASE_URL.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0)


def client_address() -> str | None:
    """The network address of the browser making this request, or None when it is not
    known: a loopback address with no proxy counted is the proxy (or the machine itself),
    which every client would share."""
    address = request.remote_addr
    if not address:
        return None
    if current_app.config.get("PROXY_COUNT", 0) == 0:
        try:
            if ipaddress.ip_address(address).is_loopback:
                return None
        except ValueError:
            return None
    return address
