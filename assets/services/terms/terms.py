"""Loan terms and the staff declaration: versioned texts, seeded from the policy.

Editing a text adds its next version; versions are never changed, so a signature always
points at the words that were shown.
"""

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import TEXT_KIND_LABELS, TEXT_KINDS, Asset, Terms, User
from assets.services.common import events
from assets.services.common.errors import DomainError
from assets.services.common.text import clean_text
from assets.services.terms.policy_texts import FIRST_VERSIONS

MAX_BODY = 50_000


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise(text: str) -> str:
    """One kind of line ending and no trailing spaces, so the hash does not depend on the
    browser or the operating system the text was typed on."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def current(kind: str) -> Terms | None:
    """The latest version of `kind`, or None when there is none yet."""
    return db.session.scalar(
        select(Terms).where(Terms.kind == kind).order_by(Terms.version.desc()).limit(1)
    )


def require_current(kind: str) -> Terms:
    terms = current(kind)
    if terms is None:
        raise DomainError(
            f"There is no text yet for the {TEXT_KIND_LABELS[kind].lower()}. "
            "An admin can add it under Terms."
        )
    return terms


def versions(kind: str) -> list[Terms]:
    query = select(Terms).where(Terms.kind == kind).order_by(Terms.version.desc())
    return list(db.session.scalars(query))


def ensure_seeded(actor: User | None = None) -> list[Terms]:
    """Add the policy's own words as version 1 of each text that has no version yet.
    Returns the versions added (none when every text exists)."""
    added = []
    for kind in TEXT_KINDS:
        if current(kind) is not None:
            continue
        title, body = FIRST_VERSIONS[kind]
        terms = Terms(kind=kind, version=1, title=title, body=body, sha256=sha256_text(body))
        db.session.add(terms)
        events.record(
            actor,
            "terms.seeded",
            terms,
            f"{TEXT_KIND_LABELS[kind]}: version 1 taken from the policy",
            changes={"kind": kind, "version": 1, "sha256": terms.sha256},
        )
        added.append(terms)
    return added


def revise(actor: User, kind: str, *, title: str, body: str) -> Terms:
    """Save a new version of `kind`. Signatures already made keep the text they signed."""
    if kind not in TEXT_KINDS:
        raise DomainError("Choose which text to change.")
    title = clean_text(
        title, field="title", label="the title", max_length=200, required="Give the text a title."
    )
    body = normalise(body)
    if not body:
        raise DomainError("The text cannot be empty.", field="body")
    if len(body) > MAX_BODY:
        raise DomainError(f"The text is too long (over {MAX_BODY:,} characters).", field="body")
    latest = current(kind)
    if latest is not None and latest.title == title and latest.body == body:
        raise DomainError("Nothing was changed, so no new version was made.", field="body")
    version = latest.version + 1 if latest else 1
    terms = Terms(
        kind=kind,
        version=version,
        title=title,
        body=body,
        sha256=sha256_text(body),
        created_by_id=actor.id,
    )
    db.session.add(terms)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DomainError(
            "Someone else saved a new version at the same moment. Reload the page, check "
            "their version and try again."
        ) from error
    events.record(
        actor,
        "terms.revised",
        terms,
        f"{TEXT_KIND_LABELS[kind]}: version {version} saved",
        changes={"kind": kind, "version": version, "sha256": terms.sha256},
    )
    return terms


def kinds_for(assets: list[Asset]) -> list[str]:
    """The terms the items fall under: laptop terms for laptops, equipment terms for the rest,
    in that order."""
    wanted = {asset.category.terms_kind for asset in assets}
    return [kind for kind in ("laptop", "equipment") if kind in wanted]


def combined(terms: list[Terms]) -> tuple[str, str]:
    """The title and the exact text a person signs when accepting all of `terms` at once."""
    if len(terms) == 1:
        return terms[0].versioned_title, terms[0].body
    title = " and ".join(t.versioned_title for t in terms)
    text = "\n\n".join(f"{t.versioned_title}\n\n{t.body}" for t in terms)
    return title, text
