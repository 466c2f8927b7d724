"""Static files (CSS, scripts, the scanner's decoder) that a phone keeps instead of asking for
again on every page.

Every link to a static file carries a fingerprint of the file's content (`?v=...`), added by
`url_for('static', ...)` itself. A request with a fingerprint is cached for a year: when the
file changes, so does its link, and the browser fetches the new one. Without one (a file a
library's script fetches by a relative path, say) the browser asks again each time, as
before, so an upgrade never leaves a phone with a stale part."""

import hashlib
import os
from functools import lru_cache

from flask import Flask, request

YEAR = 365 * 24 * 60 * 60


def init_app(app: Flask) -> None:
    @app.url_defaults
    def fingerprint_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            path = os.path.join(app.static_folder, values["filename"])
            try:
                stat = os.stat(path)
            except OSError:
                return  # not there: the link gives the 404 it would have given
            values.setdefault("v", _fingerprint(path, stat.st_mtime_ns, stat.st_size))

    def send_file_max_age(filename: str | None) -> int | None:
        return YEAR if request.args.get("v") else None

    app.get_send_file_max_age = send_file_max_age


@lru_cache(maxsize=512)
def _fingerprint(path: str, _mtime_ns: int, _size: int) -> str:
    """The first 12 hex digits of the file's SHA-256; computed again when the file changes."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:12]
