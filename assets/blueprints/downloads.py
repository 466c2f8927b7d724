"""How a view sends a file the services built: as a download no cache keeps, since every one
holds personal data (a register, a signature, a signed record)."""

import io

from flask import Response, send_file

from assets.services.spreadsheets.exports import Export


def send_private(
    content: bytes, mimetype: str, download_name: str | None = None, *, cache: str = "no-store"
) -> Response:
    """`content` as `mimetype`, as an attachment named `download_name` when one is given."""
    response = send_file(
        io.BytesIO(content),
        mimetype=mimetype,
        as_attachment=download_name is not None,
        download_name=download_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = cache
    return response


def send_export(export: Export) -> Response:
    """A spreadsheet export as a download."""
    return send_private(export.content, export.mimetype, export.filename)
