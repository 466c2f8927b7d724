"""Every location and category as a select field lists them, (id, name) by name, kept per
process (on the app, so each app, and each test's, starts empty) and read again only when
the database's token for the list (models/list_version) differs from the kept one.

A page reads the tokens before the lists: when a change commits between the two reads, the
list kept is newer than its token and the next page reads it again; read the other way round,
an old list would be kept under a new token. Every signed-in request reads its user first, and
the tokens come in that statement (`TOKEN_COLUMNS`, `tokens_read`), so a page with a list asks
nothing more for them; they are read in one small statement of their own when the request has
none, or has written since (its own change may be to a list). A token missing (a database
emptied by hand) keeps nothing. The kept lists are tuples, shared by every thread: a caller
builds its own list to add to them."""

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import select

from assets.database import wrote_here
from assets.extensions import db
from assets.models import Category, ListVersion, Location

EXTENSION = "choice_lists"
_TOKENS = select(ListVersion.name, ListVersion.token)
_LISTS = {
    "locations": select(Location.id, Location.name).order_by(Location.name, Location.id),
    "categories": select(Category.id, Category.name).order_by(Category.name, Category.id),
}
# Each list's token as a column of another statement (the signed-in user's).
TOKEN_COLUMNS = tuple(
    select(ListVersion.token).where(ListVersion.name == name).scalar_subquery().label(name)
    for name in _LISTS
)


def tokens_read(tokens: Sequence[str | None]) -> None:
    """Keep for this request the tokens of TOKEN_COLUMNS, in their order, as read in its first
    statement."""
    g.list_tokens = dict(zip(_LISTS, tokens, strict=True))


class Choices(tuple):
    """A list's (id, name) pairs, by name, shared by every thread while the list is current.
    `memo` keeps what pages build from them once (templates' `options` filter: the escaped
    <option>s), and goes with them when the list changes."""

    def __new__(cls, rows):
        choices = super().__new__(cls, rows)
        choices.memo = {}
        return choices


@dataclass(frozen=True)
class _Kept:
    token: str
    rows: Choices


def choice_lists(*names: str) -> tuple[Choices, ...]:
    """The lists named ("locations", "categories"), in that order, as the database holds them
    now: from this process's copy when its token is the database's, else read and kept."""
    kept: dict[str, _Kept] = current_app.extensions.setdefault(EXTENSION, {})
    # Read through the session's connection (its transaction), without the ORM's results.
    connection = db.session.connection()
    tokens = g.get("list_tokens")
    if tokens is None or wrote_here():
        tokens = dict(connection.execute(_TOKENS).all())
    found = []
    for name in names:
        token, copy = tokens.get(name), kept.get(name)
        if copy is None or token is None or copy.token != token:
            copy = _Kept(token, Choices(tuple(row) for row in connection.execute(_LISTS[name])))
            if token is not None:
                kept[name] = copy
        found.append(copy.rows)
    return tuple(found)


def locations() -> Choices:
    """Every location as (id, name), by name."""
    return choice_lists("locations")[0]


def categories() -> Choices:
    """Every category as (id, name), by name."""
    return choice_lists("categories")[0]
