"""Error pages a person can read. Only a bug gives a 500."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

MESSAGES = {
    400: "The request could not be understood.",
    403: "Your account does not have access to this page.",
    404: "There is nothing at this address.",
    405: "That action is not available here.",
    413: "That upload is too large.",
    500: "Something went wrong on our side. The IT technician has the details.",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = "The form had expired or did not come from this site. Please try again."
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # A Host header outside TRUSTED_HOSTS: no link can be built for it, so no page either.
        return MESSAGES[400], 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        message = MESSAGES.get(code, error.description)
        return render_template("errors/error.html", code=code, message=message), code
