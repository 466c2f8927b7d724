"""How a view sends a file the services built: as a download no cache keeps, since every one
holds personal data (a register, a signature, a signed record)."""

import io
import weakref
from typing import IO

from flask import Response, send_file

from assets.services.spreadsheets.exports import Export


def send_private(
    content: bytes | IO[bytes],
    mimetype: str,
    download_name: str | None = None,
    *,
    cache: str = "no-store",
    size: int | None = None,
) -> Response:
    """`content` (bytes, or a file read from where it stands and closed once sent) as
    `mimetype`, as an attachment named `download_name` when one is given: Werkzeug writes the
    name as an ASCII `filename` and, when it has other letters, a UTF-8 `filename*`.

    The response says its length (so a browser shows the download's progress): `size`, the
    bytes a file holds from where it stands, when given, else measured."""
    response = send_file(
        io.BytesIO(content) if isinstance(content, bytes) else content,
        mimetype=mimetype,
        as_attachment=download_name is not None,
        download_name=download_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = cache
    if not isinstance(content, bytes):
        if size is None and content.seekable():
            start = content.tell()
            size = content.seek(0, io.SEEK_END) - start
            content.seek(start)
        if size is not None:
            response.content_length = size
        # The server closes the file once sent; a response dropped unread (a HEAD, a client
        # gone) closes it as its file wrapper goes, not at some later garbage collection.
        weakref.finalize(response.response, content.close)
    return response


def send_export(export: Export) -> Response:
    """A spreadsheet export as a download."""
    return send_private(export.content, export.mimetype, export.filename)
