"""Reading what a camera, a USB barcode scanner or a person typed: one of our labels, a bare
asset tag, or something that is not ours. Nothing here changes anything."""

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset
from assets.services.common.errors import DomainError
from assets.services.register.register import TAG_PATTERN

SCAN_PATH = "/a/"
"""Our labels' URLs are <BASE_URL>/a/<tag>; scan.open_asset serves that path."""
_SHOWN = 60


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "\u2026"


def _clean(code: str) -> str:
    # Scanners add CR/LF or a tab; phones sometimes a zero-width character.
    cleaned = "".join(ch for ch in code if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    return cleaned.strip()


def tag_in_code(code: str, base_url: str) -> str:
    """Return the asset tag that `code` names, or raise a DomainError saying plainly why not.

    `code` is our label's URL (`base_url` + "/a/<tag>"; http or https, any letter case in the
    host, a trailing slash, query or fragment ignored) or a bare tag as typed. A URL of
    another site, another page of ours, or text that cannot be a tag is "not one of our
    labels". The tag is returned as written; it may not exist.
    """
    text = _clean(code)
    if not text:
        raise DomainError("Scan a label, or type an asset tag.", field="code")
    if "://" in text or text.lower().startswith("www."):
        return _tag_in_url(text, base_url)
    if TAG_PATTERN.fullmatch(text):
        return text
    raise DomainError(f"That is not one of our labels or an asset tag: \u201c{_shown(text)}\u201d.")


def _tag_in_url(text: str, base_url: str) -> str:
    ours = urlsplit(base_url)
    url = urlsplit(text)
    prefix = ours.path.rstrip("/") + SCAN_PATH
    if url.scheme.lower() not in ("http", "https") or url.netloc.lower() != ours.netloc.lower():
        site = url.netloc or text
        raise DomainError(
            f"That code is not one of our labels: it links to another site ({_shown(site)})."
        )
    if not url.path.startswith(prefix):
        raise DomainError(
            f"That code is not one of our asset labels: it links to {_shown(url.path or '/')}."
        )
    tag = unquote(url.path[len(prefix) :].rstrip("/"))
    if not TAG_PATTERN.fullmatch(tag):
        raise DomainError(f"That label's link does not hold an asset tag: {_shown(text)}.")
    return tag


def asset_for_tag(tag: str) -> Asset | None:
    """The asset with this tag; letter case is forgiven for a tag typed by hand."""
    tag = tag.strip()
    asset = db.session.scalar(select(Asset).where(Asset.tag == tag))
    if asset is None:
        asset = db.session.scalar(select(Asset).where(func.lower(Asset.tag) == tag.lower()))
    return asset


def asset_for_code(code: str) -> Asset:
    """Return the asset a scanned or typed code names, or raise a DomainError saying that the
    code is not ours or that no asset has its tag."""
    tag = tag_in_code(code, current_app.config["BASE_URL"])
    asset = asset_for_tag(tag)
    if asset is None:
        raise DomainError(
            f"No asset has the tag {tag}. Check the label, or add the device to the register."
        )
    return asset
