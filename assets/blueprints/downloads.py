"""How a view sends a file the services built."""

import io

from flask import Response, send_file

from assets.services.spreadsheets.exports import Export


def send_export(export: Export) -> Response:
    """A spreadsheet export as a download that no cache keeps: it holds personal data."""
    response = send_file(
        io.BytesIO(export.content),
        mimetype=export.mimetype,
        as_attachment=True,
        download_name=export.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
