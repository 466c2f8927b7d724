"""Reading what a camera, a USB barcode scanner or a person typed: one of our labels, a bare
asset tag, or something that is not ours. Nothing here changes anything."""

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset
from assets.models.asset import TAG_LENGTH
from assets.models.base import tag_key
from assets.services.common.errors import DomainError

SCAN_PATH = "/a/"
"""Our labels' URLs are <BASE_URL>/a/<tag>; scan.open_asset serves that path."""
KIT_SCAN_PATH = "/k/"
"""A kit's label's URL is <BASE_URL>/k/<tag>; kits.open_kit serves that path."""
_SHOWN = 60
# What most tags look like (letters, digits, dots, dashes, underscores): an unknown one of
# these is a tag missing from the register rather than some other code.
_PLAIN_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "\u2026"


def _clean(code: str) -> str:
    # Scanners add CR/LF or a tab; phones sometimes a zero-width character. A tag may hold
    # spaces, so a non-breaking or other wide space pasted into the box counts as a space.
    cleaned = "".join(
        " " if unicodedata.category(ch) == "Zs" else ch
        for ch in code
        if unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in ("Zl", "Zp")
    )
    return cleaned.strip()


def _is_url(text: str) -> bool:
    return "://" in text or text.lower().startswith("www.")


def _could_be_tag(text: str) -> bool:
    """Whether `text` could be a tag in the register: what finding one needs. The register's
    rules for a new tag (register.tag_problem) are stricter, but older tags stay findable."""
    return 0 < len(text) <= TAG_LENGTH and text.isprintable() and text == text.strip()


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
    if _is_url(text):
        return _tag_in_url(text, base_url)
    if _could_be_tag(text):
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
    # The tag is percent-encoded in the link (a "/" in it may be written as is or as %2F).
    tag = unquote(url.path[len(prefix) :].rstrip("/"))
    if not _could_be_tag(tag):
        raise DomainError(f"That label's link does not hold an asset tag: {_shown(text)}.")
    return tag


def kit_tag_in_code(code: str, base_url: str) -> str | None:
    """The kit tag `code` may name: the tag in our kit label's URL (`base_url` + "/k/<tag>"),
    or the code itself when it could be a tag; None for anything else (another site's or
    page's link, text that is no tag). Whether a kit has that tag is for the caller to ask."""
    text = _clean(code)
    if not text:
        return None
    if not _is_url(text):
        return text if _could_be_tag(text) else None
    ours, url = urlsplit(base_url), urlsplit(text)
    prefix = ours.path.rstrip("/") + KIT_SCAN_PATH
    if (
        url.scheme.lower() not in ("http", "https")
        or url.netloc.lower() != ours.netloc.lower()
        or not url.path.startswith(prefix)
    ):
        return None
    tag = unquote(url.path[len(prefix) :].rstrip("/"))
    return tag if _could_be_tag(tag) else None


def asset_for_tag(tag: str) -> Asset | None:
    """The asset with this tag; letter case is forgiven for a tag typed by hand."""
    tag = tag.strip()
    asset = db.session.scalar(select(Asset).where(Asset.tag == tag))
    if asset is None:
        asset = db.session.scalar(select(Asset).where(Asset.tag_key == tag_key(tag)))
    return asset


def asset_for_code(code: str) -> Asset:
    """Return the asset a scanned or typed code names, or raise a DomainError saying that the
    code is not ours or that no asset has its tag."""
    tag = tag_in_code(code, current_app.config["BASE_URL"])
    asset = asset_for_tag(tag)
    if asset is None:
        if _is_url(_clean(code)) or _PLAIN_TAG.fullmatch(tag):
            raise DomainError(
                f"No asset has the tag {tag}. Check the label, or add the device to the register."
            )
        # Any printable text may be a tag, so a Wi-Fi code or a sentence is only known not to
        # be one once the register says so.
        raise DomainError(
            "That is not one of our labels or an asset tag in the register: "
            f"\u201c{_shown(tag)}\u201d."
        )
    return asset


_SEPARATORS = re.compile(r"[\s,;]+")


def tags_in_text(text: str, most: int, too_many: str) -> list[str]:
    """The tags typed or scanned into one box, in order, each once whatever its case.

    One tag a line, as a USB scanner types them. A tag may hold spaces or commas, so a line
    that is a tag in the register is taken whole; any other line is split at spaces, commas
    and semicolons, so "ASH-1, ASH-2" still names two.

    More than `most` different lines (each names a tag at least) raise a DomainError saying
    `too_many`, before the register is asked: a box of tens of thousands of lines would not
    fit in one query. The caller still counts the tags a line of many holds.
    """
    lines = [line.strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if len({tag_key(line) for line in lines}) > most:
        raise DomainError(too_many, field="tags")
    spaced = {tag_key(line) for line in lines if _SEPARATORS.search(line)}
    whole = set()
    if spaced:
        whole = set(db.session.scalars(select(Asset.tag_key).where(Asset.tag_key.in_(spaced))))
    seen: dict[str, str] = {}
    for line in lines:
        pieces = [line] if tag_key(line) in whole else _SEPARATORS.split(line)
        for tag in pieces:
            if tag and tag_key(tag) not in seen:
                seen[tag_key(tag)] = tag
    return list(seen.values())
