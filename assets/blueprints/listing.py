"""What a list page reads from its query string and writes into its links.

A query string is whatever a browser sends. Numbers are read with bounds, so a huge, negative
or odd value is ignored or answered with a 404, never a database error; and a list page's
links carry its own filter fields only, never the whole query string, so a key such as
`endpoint`, `_external` or `_method` never reaches `url_for`.
"""

from collections.abc import Callable, Iterable, Mapping

from flask import abort, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, literal_column

from assets.extensions import db
from assets.security import whole_number

# Far past the end of any list this app holds; a larger page is a 404 like any page past the end.
MAX_PAGE = 1_000_000
# Longer filter values are cut in links; every filter reads fewer characters than this.
MAX_LINK_VALUE = 200


def page_number(args: Mapping[str, str]) -> int:
    """The page of a list asked for: 1 when not given, a 404 when it is not a page number."""
    text = args.get("page")
    if text is None:
        return 1
    number = whole_number(text, MAX_PAGE)
    if number is None:
        abort(404)
    return number


def paginate(select: Select, *, per_page: int, count: bool = True) -> Pagination:
    """db.paginate for a list page: the page number read by page_number, the page size the
    page's own (a `per_page` in the URL is ignored)."""
    return db.paginate(
        select,
        page=page_number(request.args),
        per_page=per_page,
        max_per_page=per_page,
        count=count,
    )


class _Found(Pagination):
    """A page whose rows and total are known already (see paginate_found)."""

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int | None:
        return self._query_args["total"]


def paginate_found(
    ids: Select, load: Callable[[list[int]], list], *, per_page: int, cap: int | None = None
) -> Pagination:
    """A list page from one query of the matching ids, in the list's order, and one of the
    page's rows (`load`, given the page's ids, returns their rows in that order): the total
    is the number of ids, so nothing is read twice, as a count beside the page would.

    With `cap`, ids are read up to `cap` (or to the page asked for, when further on) and one
    more; the total is None when there are more, for "1,000+" and a Next link. A page past the
    end is a 404, as with paginate."""
    number = page_number(request.args)
    if cap is not None:
        enough = max(cap, number * per_page)
        # The limit written into the statement (a number the app works out), not a
        # parameter: PostgreSQL's plan kept for the statement then knows how few rows it
        # reads (the loans search: the matching loans through their indexes, 0.4 ms, where
        # a plan for an unknown limit read every open loan newest first, 3.4 ms).
        limit = literal_column(str(enough + 1))
        found = list(db.session.scalars(ids.limit(limit)))
        total = None if len(found) > enough else len(found)
    else:
        found = list(db.session.scalars(ids))
        total = len(found)
    shown = found[(number - 1) * per_page : number * per_page]
    return _Found(
        page=number,
        per_page=per_page,
        max_per_page=per_page,
        items=load(shown) if shown else [],
        total=total,
    )


def link_args(args: Mapping[str, str], fields: Iterable[str]) -> dict[str, str]:
    """The query a list page's links carry (pages, export, labels): those of its own filter
    `fields` that are set, one value each, and nothing else from the query string."""
    return {name: args[name][:MAX_LINK_VALUE] for name in fields if args.get(name)}
