"""A search's assets listed when they are few: the loans and reports searches match their rows
against those ids, rather than reading each row's asset or listing every match."""

from assets.extensions import db
from assets.models import Asset
from assets.services.common.text_search import search_words, split_words
from assets.services.register import register

# A search whose words the trigram index lists for at most this many assets is "few".
FEW_ASSETS = 200


def matching(q: str) -> list[int] | None:
    """The ids of the assets whose text holds every word of `q`, when there are FEW_ASSETS or
    fewer; None for more, or for a search with no word long enough to look up (no index lists
    the assets holding a letter).

    It costs under a millisecond even for a word nearly every asset holds: FTS5 stops at the
    limit, and PostgreSQL reads in the primary key's order, which stops at the limit where a
    bitmap of every match would not, while a rare word is still looked up through the index.
    """
    if not split_words(search_words(q))[0]:
        return None
    found = register.text_matches(q)
    if db.session.get_bind().dialect.name == "postgresql":
        found = found.order_by(Asset.id)
    ids = list(db.session.scalars(found.limit(FEW_ASSETS + 1)))
    return ids if len(ids) <= FEW_ASSETS else None
