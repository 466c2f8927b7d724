"""How a search box's text becomes conditions: one helper for the asset, loan, report and
people searches.

A search is its words, each of which must be found somewhere (so "laptop lenovo" finds the
"Lenovo ThinkPad E14 laptop"). Words of three characters or more go through a trigram index
(FTS5 with the trigram tokenizer on SQLite, pg_trgm's GIN on PostgreSQL); shorter words have no
trigram to look up and are matched with LIKE on the rows the rest of the query reads.
Whatever a person types is matched literally: "%", "_" and quotes are not wildcards.
"""

from sqlalchemy import String, bindparam

from assets.extensions import db

# A trigram index answers only for fragments of at least this many characters.
TRIGRAM = 3


def search_words(q: str) -> list[str]:
    """The lower-cased words of `q`, each once, in order; [] for an empty search."""
    return list(dict.fromkeys(q.lower().split()))


def like_pattern(word: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') for text containing `word` literally."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_query(words: list[str], column: str | None = None) -> str:
    """An FTS5 MATCH query for rows holding every one of `words` (each at least TRIGRAM long),
    as literal phrases, in `column` only if given."""
    where = f"{column} : " if column else ""
    return " AND ".join(where + '"' + word.replace('"', '""') + '"' for word in words)


def split_words(words: list[str]) -> tuple[list[str], list[str]]:
    """`words` split into those a trigram index can look up and those it cannot."""
    return [w for w in words if len(w) >= TRIGRAM], [w for w in words if len(w) < TRIGRAM]


def pattern_in_statement(pattern: str):
    """`pattern` (a like_pattern) for a LIKE on the assets' text: on PostgreSQL written into
    the statement itself, so that PostgreSQL plans the statement for these words.

    A connection keeps the statements it runs prepared (assets.database), and after five runs
    of one PostgreSQL may settle on a generic plan, the same for every value. For a pattern on
    the assets' text that plan cannot tell words found in a handful of assets from words
    found in thousands: measured with EXPLAIN ANALYZE at 100,000 assets, the asset list's page
    of a serial fragment took 25 ms with the generic plan against 0.1 ms planned for its
    words, two words 23 ms against 0.3. Written in, each search is its own statement. The
    people's names stay parameters: their generic plan reads the trigram indexes (0.4 ms at
    3,000 people), where one planned for the words reads every person (3.0 ms: PostgreSQL
    prices ILIKE's folding of each row's case far below its cost). SQLAlchemy renders the
    value as a literal (quotes doubled, and % for psycopg), as it does for IN lists."""
    if db.session.get_bind().dialect.name != "postgresql":
        return pattern
    return bindparam(None, pattern, type_=String, literal_execute=True)
