"""Nothing a browser can send gives a 500. Every GET page of the URL map, as an anonymous
visitor and as each role, with hostile query strings and path values, behind a forged Host
header that must never reach the page."""

import re
from types import SimpleNamespace

import pytest

from assets.models.user import ROLES
from tests.conftest import login
from tests.support.url_map import SAMPLE_ARGS, endpoints, url_for_rule

HOST = "evil.example"
BASE_URL = f"http://{HOST}"

# Every query key some page reads (a new one belongs here), and the names url_for keeps for
# itself: a page that passed its query string on to url_for broke on those.
KNOWN_KEYS = (
    "page", "per_page", "q", "category", "location", "status", "sort", "dir", "show", "from",
    "to", "state", "kind", "person", "tag", "days", "all", "scope", "code", "next", "template",
    "start_position", "subject", "sheet", "sheet_read", "header_row", "columns_row",
    "date_order", "column-0", "status-label-0", "status-0",
)  # fmt: skip
RESERVED = ("endpoint", "values", "_external", "_method", "_scheme", "_anchor")


def every_key(value: str) -> dict[str, str]:
    return dict.fromkeys(KNOWN_KEYS, value)


HOSTILE_QUERIES = {
    "url_for's own keywords": {
        **dict.fromkeys(RESERVED, "1"),
        "_method": "POST",
        "_scheme": "javascript",
        "no-such-filter": "1",
    },
    "huge numbers": every_key("9" * 30),
    "a number just past a 32-bit id": every_key(str(2**31)),
    "negative numbers": every_key("-1"),
    "zero": every_key("0"),
    "words where numbers go": every_key("abc"),
    "digits int() refuses": every_key("²³"),
    "impossible dates": every_key("2026-02-30"),
    # Longer than any filter reads (100) or a link carries (200).
    "long text": every_key("Ünïcødé 😀 " * 30),
    "control characters": every_key("a\x01\x1b\x7f\u2028\u202eb"),
}


def check(response, what):
    assert response.status_code < 500, (what, response.status_code)
    assert HOST.encode() not in response.data, (what, "forged Host in the page")
    assert HOST not in (response.location or ""), (what, "forged Host in the redirect")


def get_pages(app):
    return [rule for rule, _view in endpoints(app) if "GET" in rule.methods]


def log_in_as(client, make, role):
    if role is not None:
        user = make.user(role)
        response = client.post(
            "/login", data={"email": user.email, "password": user.password}, base_url=BASE_URL
        )
        assert response.status_code == 302
        assert client.get("/my", base_url=BASE_URL).status_code == 200


def walk_with_hostile_queries(app, client, records) -> None:
    for rule in get_pages(app):
        path = url_for_rule(rule, records)
        for name, query in HOSTILE_QUERIES.items():
            response = client.get(path, query_string=query, base_url=BASE_URL)
            check(response, (rule.rule, name))


@pytest.mark.parametrize("role", [None, *(role for role in ROLES if role != "admin")])
def test_no_page_fails_on_a_hostile_query_string(app, client, make, records, role):
    log_in_as(client, make, role)
    walk_with_hostile_queries(app, client, records)


def test_no_page_fails_on_a_hostile_query_string_as_admin(app, client, make, records, database):
    """The admin reaches every page; on each database, as PostgreSQL refuses what SQLite
    takes and the other way round."""
    log_in_as(client, make, "admin")
    walk_with_hostile_queries(app, client, records)


# A rule's variables, as <converter(arguments):name> or <name>.
VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
HOSTILE_PATH_VALUES = {
    "int": [str(2**31), "9" * 30, "0", "-1", "\uff11\uff12"],  # fullwidth digits
    "default": ["9" * 30, "x" * 3000, "Ünïcødé 😀\u2028", "..", "a%2Fb", "%20"],
}


def path_with(rule, records, name: str, value: str) -> str:
    """The rule's path with `value`, as written, for variable `name`, and samples for the rest."""

    def fill(match):
        if match.group(2) == name:
            return value
        return str(SAMPLE_ARGS[match.group(2)](records))

    return VARIABLE.sub(fill, rule.rule)


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_no_page_fails_on_a_hostile_path_value(app, client, make, records, role, database):
    log_in_as(client, make, role)
    for rule in get_pages(app):
        for converter, name in VARIABLE.findall(rule.rule):
            for value in HOSTILE_PATH_VALUES.get(converter, HOSTILE_PATH_VALUES["default"]):
                path = path_with(rule, records, name, value)
                check(client.get(path, base_url=BASE_URL), (role, rule.rule, value))


def test_a_nul_character_is_refused_before_any_page_sees_it(app, client, make, records):
    user = make.user("admin")
    login(client, user)
    for url in ("/assets?q=a%00b", "/people/?q=%00", "/assets/T%00X", "/loans?from=%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "could not be understood" in response.text
    response = client.post("/people/new", data={"name": "Ann\x00Other"})
    assert response.status_code == 400
    assert "Nobody matches." in client.get("/people/?q=Other").text


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "1e30", "9" * 40, "1e-999999"])
def test_an_amount_no_column_can_hold_is_a_message_on_the_form(
    app, client, make, records, database, value
):
    """Money fields read what a person may type ("£1,299.50") and nothing a Numeric(10, 2)
    column cannot hold: NaN, infinities and huge numbers were a 500 (PostgreSQL overflowed)."""
    login(client, make.user("admin"))
    # About the item on loan, so the report names a borrower and may carry a charge.
    on_loan = make.incident(SimpleNamespace(id=records["loan"].asset_id))
    assert on_loan.person_id == records["person"].id
    incident = f"/incidents/{on_loan.id}"
    for url, data in (
        ("/assets/new", {"tag": "NEW-1", "name": "Spare", "condition": "good",
                         "category_id": records["category"].id, "purchase_cost": value}),
        (f"{incident}/repair", {"supplier": "Derbyshire ICT", "cost": value}),
        (f"{incident}/charge", {"applies": "yes", "amount": value, "reason": "Left in a car"}),
    ):  # fmt: skip
        response = client.post(url, data=data)
        assert response.status_code == 200, (url, response.status_code)
        assert f"&#39;{value[:40]}&#39; is " in response.text, url
    page = client.get(incident).text
    assert "Derbyshire ICT" not in page
    assert client.get("/assets/NEW-1").status_code == 404


def test_an_amount_is_read_as_a_person_writes_it(client, make, records):
    login(client, make.user("admin"))
    data = {"tag": "NEW-2", "name": "Spare", "condition": "good",
            "category_id": records["category"].id, "purchase_cost": "£1,299.5"}  # fmt: skip
    assert client.post("/assets/new", data=data).status_code == 302
    assert "£1,299.50" in client.get("/assets/NEW-2").text


def test_list_links_carry_only_the_lists_own_filters(app, client, make):
    """The pager, the export and the labels links of the asset list keep its filters and
    drop everything else the query string held."""
    category = make.category()
    for _ in range(30):
        make.asset(category=category)
    log_in_as(client, make, "admin")
    query = {
        "q": "Laptop",
        "category": str(category.id),
        "endpoint": "x",
        "_external": "1",
        "per_page": "1000",
        "page": "1",
    }
    page = client.get("/assets", query_string=query, base_url=BASE_URL).text
    links = re.findall(r'href="([^"]+)"', page)
    wanted = f"q=Laptop&amp;category={category.id}"
    assert f"/assets?{wanted}&amp;page=2" in links
    assert f"/export/assets.xlsx?{wanted}" in links
    assert f"/labels?{wanted}&amp;scope=filter" in links
    assert not [link for link in links if "endpoint" in link or "_external" in link]
    second = client.get("/assets", query_string={**query, "page": "2"}, base_url=BASE_URL)
    assert f"/assets?{wanted}&amp;page=1" in second.text


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999", "1000001", ""])
def test_a_page_that_is_not_a_page_number_is_not_found(client, as_role, page):
    as_role("admin")
    for url in ("/assets", "/people/", "/loans", "/incidents"):
        assert client.get(url, query_string={"page": page}).status_code == 404, url
