"""The asset register: adding, editing, retiring and finding devices."""

from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    column,
    func,
    not_,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload, with_expression

from assets.extensions import db
from assets.models import (
    CONDITIONS,
    STATUSES,
    Asset,
    Category,
    Kit,
    Loan,
    Location,
    User,
)
from assets.models.asset import NAME_LENGTH, NOTES_LENGTH, TAG_LENGTH
from assets.models.base import tag_key
from assets.services.common import events
from assets.services.common.errors import DomainError
from assets.services.common.text import clean_text
from assets.services.common.text_search import (
    fts_query,
    like_pattern,
    pattern_in_statement,
    search_words,
    split_words,
)
from assets.services.loans.lending_holds import MAY_BE_HELD
from assets.services.people import people


@dataclass
class AssetDetails:
    """Everything a person edits on an asset. Status is not here: loans, repairs and
    retirement change it, each through its own rule."""

    tag: str
    name: str
    category_id: int
    location_id: int | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    condition: str = "good"
    purchase_date: date | None = None
    purchase_cost: Decimal | None = None
    supplier: str | None = None
    warranty_end: date | None = None
    encrypted: bool = False
    software_image: str | None = None
    notes: str = ""


DETAIL_FIELDS = tuple(AssetDetails.__dataclass_fields__)

# Pages whose address ends <tag>/edit or <tag>/return, beside the asset's own page at <tag>.
_TAG_ENDINGS_PAGES_USE = ("edit", "return")
_TAG_WORDS_PAGES_USE = ("new",)


def tag_problem(tag: str) -> str | None:
    """Why `tag` (already trimmed) cannot be an asset tag, or None when it can.

    A tag is any printable text (letters of any script, digits, spaces, punctuation such as
    / # % ?), at most TAG_LENGTH characters: Snipe-IT allows as much. Control characters,
    line breaks, tabs and invisible characters (zero-width, non-breaking spaces) are refused,
    since a label could not show them. A tag goes into web addresses (/a/<tag>), where a
    "/" is kept as it is, so the few tags an address cannot hold are refused too: one that
    starts or ends with "/", holds "//", has "." or ".." between slashes (browsers rewrite
    those), is "new", or ends in "/edit" or "/return" (another page's address).
    """
    if not tag:
        return "Give the asset tag printed on the label."
    if len(tag) > TAG_LENGTH:
        return f"Keep the tag to {TAG_LENGTH} characters or fewer."
    if not tag.isprintable():
        return "A tag cannot hold line breaks, tabs or invisible characters."
    parts = tag.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return (
            "A tag cannot start or end with \u201c/\u201d, hold \u201c//\u201d, or have "
            "\u201c.\u201d or \u201c..\u201d between slashes: web addresses would change it."
        )
    if tag.lower() in _TAG_WORDS_PAGES_USE or (
        len(parts) > 1 and parts[-1].lower() in _TAG_ENDINGS_PAGES_USE
    ):
        return f"\u201c{tag}\u201d is the address of another page: choose another tag."
    return None


def _clean(details: AssetDetails) -> dict:
    values = asdict(details)
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = value.strip()
            if key not in ("tag", "name", "notes", "condition") and not values[key]:
                values[key] = None
    check_rules(values)
    if db.session.get(Category, values["category_id"]) is None:
        raise DomainError("Choose a category from the list.", field="category_id")
    if (
        values["location_id"] is not None
        and db.session.get(Location, values["location_id"]) is None
    ):
        raise DomainError("Choose a location from the list.", field="location_id")
    return values


def check_rules(values: dict) -> None:
    """The rules on an asset's own values, with no database lookups: the form, the import
    and anything else that writes assets apply these. Values are already trimmed."""
    problem = tag_problem(values["tag"])
    if problem:
        raise DomainError(problem, field="tag")
    if not values["name"]:
        raise DomainError("Give the device a name, such as its model.", field="name")
    if len(values["name"]) > NAME_LENGTH:
        raise DomainError(f"Keep the name to {NAME_LENGTH} characters or fewer.", field="name")
    if len(values.get("notes") or "") > NOTES_LENGTH:
        raise DomainError(f"Keep the notes under {NOTES_LENGTH:,} characters.", field="notes")
    if values["condition"] not in CONDITIONS:
        raise DomainError("Choose a condition from the list.", field="condition")
    if values["purchase_cost"] is not None and values["purchase_cost"] < 0:
        raise DomainError("The purchase cost cannot be negative.", field="purchase_cost")


def created_summary(tag: str) -> str:
    return f"Asset {tag} added to the register"


def updated_summary(tag: str, changes: dict) -> str:
    return f"Asset {tag}: {', '.join(changes)} changed"


# What a list row or an asset page shows beside the asset, loaded in the same query.
_PAGE_LOADS = (
    joinedload(Asset.category),
    joinedload(Asset.location),
    joinedload(Asset.open_loan).joinedload(Loan.person),
)
# An asset's own page (the register's and the one a label opens) also says where a stocktake
# last found it.
_ASSET_PAGE_LOADS = (*_PAGE_LOADS, joinedload(Asset.last_seen_location))


# Built once, with the tag as a parameter: SQLAlchemy keeps a statement's cache key, and
# working out the key of a new statement with eager loads costs more than running it on
# SQLite. Every scan opens an asset page.
_ASSET_BY_TAG = select(Asset).where(Asset.tag == bindparam("tag")).options(*_ASSET_PAGE_LOADS)
# The page a label opens also asks whether anything might keep the item from being lent.
_SCANNED_LOADS = (*_ASSET_PAGE_LOADS, with_expression(Asset.may_be_held, MAY_BE_HELD))
_SCANNED = select(Asset).where(Asset.tag == bindparam("tag")).options(*_SCANNED_LOADS)
_SCANNED_ANY_CASE = select(Asset).where(Asset.tag_key == bindparam("key")).options(*_SCANNED_LOADS)


def asset_by_tag(tag: str) -> Asset | None:
    """The asset with this tag, with what its page shows loaded in the same query."""
    return db.session.scalar(_ASSET_BY_TAG, {"tag": tag.strip()})


def scanned_asset(tag: str) -> Asset | None:
    """The asset a scanned label names, with what its page shows (as asset_by_tag) and
    whether anything might hold it (Asset.may_be_held); letter case is forgiven for a tag
    typed by hand (as scanning.asset_for_tag) when no tag matches exactly. The hold itself,
    when there may be one, is asked for on its own (lending_holds.lending_hold): joined here
    too, PostgreSQL would plan a nine-table join at every scan."""
    asset = db.session.scalar(_SCANNED, {"tag": tag.strip()})
    if asset is None:
        asset = db.session.scalar(_SCANNED_ANY_CASE, {"key": tag_key(tag.strip())})
    return asset


def _check_tag_free(tag: str, asset: Asset | None = None) -> None:
    other = db.session.scalar(select(Asset).where(Asset.tag_key == tag_key(tag)))
    if other is not None and other is not asset:
        raise DomainError(f"The tag {tag} is already used by {other.name}.", field="tag")
    kit = db.session.scalar(select(Kit).where(Kit.tag_key == tag_key(tag)))
    if kit is not None:
        raise DomainError(
            f"The tag {tag} is the kit {kit.name}'s: an asset needs a tag of its own, so that "
            "a scanned label names one or the other.",
            field="tag",
        )


def create_asset(actor: User | None, details: AssetDetails) -> Asset:
    values = _clean(details)
    _check_tag_free(values["tag"])
    asset = Asset(status="available", **values)
    db.session.add(asset)
    db.session.flush()
    events.record(
        actor,
        "asset.created",
        asset,
        created_summary(asset.tag),
        changes=events.snapshot(asset, DETAIL_FIELDS),
    )
    return asset


def update_asset(actor: User | None, asset: Asset, details: AssetDetails) -> bool:
    """Apply the details; record what changed. False when nothing changed."""
    values = _clean(details)
    _check_tag_free(values["tag"], asset)
    changes = events.apply_changes(asset, values)
    if not changes:
        return False
    db.session.flush()
    events.record(
        actor,
        "asset.updated",
        asset,
        updated_summary(asset.tag, changes),
        changes=changes,
    )
    return True


def retire_asset(actor: User, asset: Asset, reason: str) -> None:
    """Take a device out of service for good (sold, scrapped, recycled)."""
    reason = clean_text(
        reason, field="reason", required="Say why the device is being retired.", multiline=True
    )
    if asset.status == "retired":
        raise DomainError(f"{asset.tag} is already retired.")
    if asset.open_loan is not None:
        raise DomainError(
            f"{asset.tag} is on loan to {asset.open_loan.person.name}: "
            "check it in before retiring it."
        )
    before = asset.status
    asset.status = "retired"
    events.record(
        actor,
        "asset.retired",
        asset,
        f"Asset {asset.tag} retired: {reason}",
        changes={"status": [before, "retired"], "reason": reason},
    )


def reinstate_asset(actor: User, asset: Asset) -> None:
    """Bring a retired device back into service."""
    if asset.status != "retired":
        raise DomainError(f"{asset.tag} is not retired.")
    asset.status = "available"
    events.record(
        actor,
        "asset.reinstated",
        asset,
        f"Asset {asset.tag} back in service",
        changes={"status": ["retired", "available"]},
    )


def move_asset(actor: User | None, asset: Asset, location_id: int | None, note: str = "") -> bool:
    """Record that the device now lives at `location_id`. False when it was there already."""
    location = db.session.get(Location, location_id) if location_id is not None else None
    if location is None:
        raise DomainError("Choose the location to move it to.", field="location_id")
    if asset.location is location:
        return False
    before = asset.location.name if asset.location else None
    asset.location = location
    summary = f"Asset {asset.tag} moved to {location.name}" + (f" ({note})" if note else "")
    events.record(
        actor, "asset.moved", asset, summary, changes={"location": [before, location.name]}
    )
    return True


# ---- finding assets ------------------------------------------------------------------------

SORTS = {
    "tag": Asset.tag,
    "name": Asset.name,
    "status": Asset.status,
    "category": Category.name,
    "location": Location.name,
    "updated": Asset.updated_at,
}


@dataclass
class AssetFilter:
    q: str = ""
    category_id: int | None = None
    location_id: int | None = None
    status: str | None = None
    sort: str = "tag"
    descending: bool = False


def _text_contains(words: list[str]) -> list[ColumnElement[bool]]:
    """Asset.search_text contains each of `words` (already lower case): pg_trgm's index on
    PostgreSQL, a LIKE on the rows read on SQLite."""
    return [
        Asset.search_text.like(pattern_in_statement(like_pattern(word)), escape="\\")
        for word in words
    ]


def _fts_ids(words: list[str]):
    """SQLite: ids of assets whose search text holds every one of `words` (each at least
    three characters), from the FTS5 table, as a subquery."""
    matches = text("SELECT rowid AS id FROM asset_search WHERE asset_search MATCH :asset_words")
    matches = matches.bindparams(asset_words=fts_query(words))
    return matches.columns(column("id", Integer)).subquery()


def text_matches(q: str) -> Select:
    """Ids of assets whose tag, serial, name, make and model hold every word of `q`.

    Words of three characters or more go through the trigram index (FTS5 on SQLite, pg_trgm
    on PostgreSQL); shorter ones are matched with LIKE on the assets the index gives, or on
    every asset when no word is long enough.
    """
    words = search_words(q)
    indexed, short = split_words(words)
    if indexed and db.session.get_bind().dialect.name == "sqlite":
        ids = _fts_ids(indexed)
        if not short:
            return select(ids.c.id)
        return select(Asset.id).where(Asset.id.in_(select(ids.c.id)), *_text_contains(short))
    return select(Asset.id).where(*_text_contains(words))


# Aliased, so a query that reads assets itself (the loans export) keeps asset_matches' own
# whole; made once: building an aliased Asset took a millisecond or more at every search.
_OWN_ASSET = aliased(Asset)


def asset_matches(
    asset_id: ColumnElement[int], q: str, *, per_row: bool = False
) -> ColumnElement[bool]:
    """`asset_id` (a loan's or a report's) is an asset whose text holds every word of `q`.

    Through the trigram index when a word is long enough to look up. A search of shorter words
    only, or `per_row` (a search known to match many, read in order until the page is full),
    is checked against each row's own asset: no index can list the assets holding a letter,
    and listing nearly all of them for every search of one letter costs more.
    """
    words = search_words(q)
    if split_words(words)[0] and not per_row:
        return asset_id.in_(text_matches(q))
    # A scalar subquery, not EXISTS: PostgreSQL would turn EXISTS into a hash of every
    # matching asset, which is the listing this avoids.
    own = _OWN_ASSET
    text_of = select(own.search_text).where(own.id == asset_id).correlate_except(own)
    text_of = text_of.scalar_subquery()
    patterns = (pattern_in_statement(like_pattern(word)) for word in words)
    return and_(*(text_of.like(pattern, escape="\\") for pattern in patterns))


def name_matches(q: str) -> Select:
    """Ids of people whose name holds every word of `q`, whatever its case."""
    return people.people_matching(q, names_only=True)


def _holder_matches(q: str) -> Select:
    """Ids of assets on loan to someone whose name holds every word of `q`."""
    return select(Loan.asset_id).where(
        Loan.returned_at.is_(None), Loan.person_id.in_(name_matches(q))
    )


def search_condition(
    q: str, *, in_tag_order: bool = False, counting: bool = False
) -> ColumnElement[bool]:
    """Assets whose text holds every word of `q`, or that are on loan to someone whose name
    does.

    On PostgreSQL an OR of the trigram matches and `id = ANY(ARRAY(holders))`, which it answers
    with one bitmap scan of the trigram index and the primary key, stopping early under a
    LIMIT; and when its statistics say that many assets match, it reads the tag index in
    order and stops at the page. An IN over a UNION of ids, as before, made it collect every
    match, join and sort them all.

    On SQLite, the ids of both (the IN drops duplicates, so UNION ALL will do). SQLite cannot
    tell how many ids FTS5 gives, so for `in_tag_order` (a search known to match many) the
    text is matched with LIKE on each asset read and the holders' ids are written `id + 0`,
    which keeps them off the primary key: SQLite then reads the tag index in order and stops
    at the page, rather than listing every match from FTS5, looking each up and sorting them.
    A capped count (`counting`) of a search of short words only (no trigram to look up) is
    read the same way, in the table's order, and stops at the cap.
    """
    words = search_words(q)
    holders = _holder_matches(q)
    if db.session.get_bind().dialect.name == "postgresql":
        return or_(
            and_(*_text_contains(words)),
            Asset.id == any_(func.array(holders.scalar_subquery())),
        )
    ids = Asset.id + 0 if in_tag_order else Asset.id
    if in_tag_order or (counting and not split_words(words)[0]):
        return or_(and_(*_text_contains(words)), ids.in_(holders))
    return ids.in_(union_all(text_matches(q), holders))


def filter_conditions(
    filters: AssetFilter, *, in_tag_order: bool = False, counting: bool = False
) -> list:
    """WHERE conditions on Asset for `filters`; the list page, its count and its export share
    them, so each shows the same assets. For `in_tag_order` and `counting` see search_condition."""
    conditions = []
    q = filters.q.strip()
    if q:
        conditions.append(search_condition(q, in_tag_order=in_tag_order, counting=counting))
    if filters.category_id:
        conditions.append(Asset.category_id == filters.category_id)
    if filters.location_id:
        conditions.append(Asset.location_id == filters.location_id)
    if filters.status in STATUSES:
        conditions.append(Asset.status == filters.status)
    return conditions


def _sort_key(filters: AssetFilter) -> str:
    return filters.sort if filters.sort in SORTS else "tag"


def filter_order(filters: AssetFilter) -> tuple:
    """ORDER BY for `filters`. Sorting by category or location needs Category or Location
    joined (asset_select joins the one it sorts by)."""
    sort = _sort_key(filters)
    order = SORTS[sort].desc() if filters.descending else SORTS[sort].asc()
    return order, Asset.tag.desc() if filters.descending else Asset.tag


def asset_select(filters: AssetFilter, *, many: bool = False) -> Select:
    """The assets matching `filters`, in the asked order, ready to paginate.

    `many` says that more match than a page can usefully sort (list_total gave None): in tag
    order the database then reads the tag index and stops at the page.
    """
    sort = _sort_key(filters)
    conditions = filter_conditions(filters, in_tag_order=many and sort == "tag")
    query = select(Asset).where(*conditions)
    if sort == "category":
        query = query.join(Category, Category.id == Asset.category_id)
    elif sort == "location":
        query = query.outerjoin(Location, Location.id == Asset.location_id)
    query = query.options(*_PAGE_LOADS)
    return query.order_by(*filter_order(filters))


def _sqlite_capped_count(filters: AssetFilter, limit: int) -> int | None:
    """SQLite: how many assets match `filters`, stopping at `limit`, for a search with a word
    FTS5 can look up; None for another search. The assets matching by their own text are read
    from FTS5 row by row and stopped at `limit`; those matching only by their holder's name (a
    handful: the holder's open loans) are added, checked against their own text with LIKE.
    Through a UNION in an IN list, as a count without `limit`, FTS5's ids are all collected
    first: a broad name matches thousands (3.3 ms, against 0.7 ms for the first thousand)."""
    words = search_words(filters.q.strip())
    indexed, short = split_words(words)
    if not indexed or db.session.get_bind().dialect.name != "sqlite":
        return None
    others = filter_conditions(replace(filters, q=""))
    fts = _fts_ids(indexed)
    by_text = (
        select(Asset.id)
        .join(fts, fts.c.id == Asset.id)
        .where(*_text_contains(short), *others)
        .limit(limit)
        .subquery()
    )
    by_holder_only = select(func.count()).where(
        Asset.id.in_(_holder_matches(filters.q.strip())),
        not_(and_(*_text_contains(words))),
        *others,
    )
    text_count = select(func.count()).select_from(by_text).scalar_subquery()
    return db.session.scalar(select(text_count + by_holder_only.scalar_subquery()))


def asset_count(filters: AssetFilter, limit: int | None = None) -> int:
    """How many assets match `filters`, counted without the joins the ordering needs. With
    `limit`, counting stops there: `limit` means that many or more."""
    counted = None if limit is None else _sqlite_capped_count(filters, limit)
    if counted is not None:
        return min(counted, limit)
    conditions = filter_conditions(filters, counting=limit is not None)
    if limit is None:
        query = select(func.count()).select_from(Asset).where(*conditions)
    else:
        matches = select(Asset.id).where(*conditions).limit(limit).subquery()
        query = select(func.count()).select_from(matches)
    return db.session.scalar(query) or 0


def list_total(filters: AssetFilter, cap: int, shown: int = 0) -> int | None:
    """How many assets match `filters`, for the list page; None for more than `cap`.

    Counting stops one row past `cap`, or past `shown` (the last row of the page asked for)
    when that is further on: a broad search is not counted to its end, and None also
    promises at least one row after that page, so the page can offer the next.
    """
    enough = max(cap, shown)
    counted = asset_count(filters, limit=enough + 1)
    return None if counted > enough else counted
