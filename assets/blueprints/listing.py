"""What a list page reads from its query string and writes into its links.

A query string is whatever a browser sends. Numbers are read with bounds, so a huge, negative
or odd value is ignored or answered with a 404, never a database error; and a list page's
links carry its own filter fields only, never the whole query string, so a key such as
`endpoint`, `_external` or `_method` never reaches `url_for`.
"""

from collections.abc import Iterable, Mapping

from flask import abort, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

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


def link_args(args: Mapping[str, str], fields: Iterable[str]) -> dict[str, str]:
    """The query a list page's links carry (pages, export, labels): those of its own filter
    `fields` that are set, one value each, and nothing else from the query string."""
    return {name: args[name][:MAX_LINK_VALUE] for name in fields if args.get(name)}
