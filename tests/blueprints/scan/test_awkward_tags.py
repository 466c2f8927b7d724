"""Tags as Snipe-IT allows them (slashes, spaces, #, %, ?, other alphabets) in every address:
a label's URL opens its asset, every link and form on the asset's pages reaches that asset,
a stocktake counts it, and the URL map sends every address back to its own page."""

import html
import re
from urllib.parse import unquote, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from assets.services.register import labels, register, scanning

AWKWARD = ("IT/2023/0041", "Room 12 #3", "50%-off?", "Łódź-1", "a+b&c=d", "T" * 255)


@pytest.fixture
def awkward(make):
    ict = make.location("ICT suite")
    made = {tag: make.asset(tag, location=ict, name="N" * 255) for tag in AWKWARD}
    # Where an unencoded "#", "?" or "/" would cut the others short.
    for decoy in ("Room 12", "50%-off", "IT"):
        make.asset(decoy, location=ict)
    return {"ict": ict, **made}


def label_path(app, tag: str) -> str:
    with app.app_context():
        return urlsplit(labels.scan_url(scanning.asset_for_tag(tag))).path


def addresses(page: str) -> list[tuple[str, str]]:
    """Every (method, path) a page links to or posts to, as the browser would ask for it."""
    found = [("GET", url) for url in re.findall(r'(?:href|src)="(/[^"]*)"', page)]
    found += [("POST", url) for url in re.findall(r'<form[^>]*action="(/[^"]*)"', page)]
    return [(method, urlsplit(html.unescape(url)).path) for method, url in found]


@pytest.mark.parametrize("tag", AWKWARD)
def test_the_label_url_opens_the_asset_and_its_links_reach_it(app, client, as_role, awkward, tag):
    as_role("admin")
    path = label_path(app, tag)
    assert not {"#", "?", " "} & set(path), "the URL carries the tag percent-encoded"
    page = client.get(path)
    assert page.status_code == 200
    assert html.escape(tag) in page.text
    tag_pages = []
    for method, address in addresses(page.text) + addresses(client.get(f"/assets{path[2:]}").text):
        endpoint, args = app.url_map.bind("assets.school.test").match(
            unquote(address), method=method
        )
        if "tag" in args:
            assert args["tag"] == tag, (address, endpoint)
            tag_pages.append((method, address, endpoint))
    endpoints = {endpoint for _, _, endpoint in tag_pages}
    assert {
        "scan.move_asset",
        "labels.qr_svg",
        "labels.qr_png",
        "register.show_asset",
        "register.edit_asset",
        "register.retire_asset",
    } <= endpoints
    for method, address, _ in tag_pages:
        if method == "GET":
            assert client.get(address).status_code == 200, address


def test_moving_an_awkward_tag_comes_back_to_its_page(app, client, as_role, awkward, make):
    as_role("technician")
    store = make.location("Office store")
    path = label_path(app, "Room 12 #3")
    moved = client.post(f"{path}/move", data={"location_id": store.id})
    assert moved.status_code == 302
    assert urlsplit(moved.location).path == path
    assert "Room 12 #3 moved to Office store." in client.get(path).text


def test_the_scanner_resolves_label_urls_and_typed_tags(app, client, as_role, awkward):
    as_role("staff")
    for tag in AWKWARD:
        path = label_path(app, tag)
        for code in (f"https://assets.school.test{path}", tag, f" {tag.lower()}\r\n"):
            reply = client.get("/scan/resolve", query_string={"code": code}).json
            assert reply["found"] is True, (code, reply)
            assert (reply["tag"], reply["url"]) == (tag, path)
            assert client.get("/scan", query_string={"code": code}).location == path


def test_a_stocktake_counts_awkward_tags_by_label_or_typed(app, client, as_role, awkward):
    as_role("technician")
    url = client.post("/stocktakes", data={"location_id": awkward["ict"].id}).location
    for number, tag in enumerate(AWKWARD):
        code = f"https://assets.school.test{label_path(app, tag)}" if number % 2 else tag
        reply = client.post(f"{url}/scans", json={"code": code}).json
        assert reply["result"] == "found", reply
        assert reply["item"]["tag"] == tag
        assert reply["item"]["asset_url"] == label_path(app, tag)
    page = client.get(url).text
    for tag in AWKWARD:
        assert f'data-tag="{html.escape(tag)}"' in page
        assert f'href="{html.escape(label_path(app, tag))}"' in page


def test_downloads_are_named_without_characters_file_names_refuse(app, client, as_role, awkward):
    as_role("technician")
    path = label_path(app, "50%-off?")
    svg = client.get(f"/labels{path[2:]}/qr.svg")
    assert svg.headers["Content-Disposition"] == "inline; filename=qr-50%-off-.svg"
    sheet = client.post(
        "/labels",
        data={"scope": "tags", "tags": "IT/2023/0041", "template": "L7163", "start_position": 1},
    )
    assert "filename=labels-IT-2023-0041-L7163.pdf" in sheet.headers["Content-Disposition"]


def test_lending_and_labels_take_tags_with_spaces_one_a_line(app, client, as_role, awkward):
    as_role("technician")
    page = client.get("/labels", query_string={"tag": ["Room 12 #3", "IT/2023/0041"]})
    assert ">\r\nRoom 12 #3\nIT/2023/0041</textarea>" in html.unescape(page.text)
    sheet = client.post(
        "/labels",
        data={
            "scope": "tags",
            "tags": "Room 12 #3\nIT/2023/0041",
            "template": "L7163",
            "start_position": 1,
        },
    )
    assert sheet.status_code == 200
    assert sheet.mimetype == "application/pdf"


# Words the URL map puts after a tag, or beside one: a tag ending in one must not be taken
# for another page's address.
def _route_words(app) -> set[str]:
    words = set()
    for rule in app.url_map.iter_rules():
        if "tag" in rule.arguments or rule.rule.startswith(("/assets", "/a/", "/labels")):
            words |= {part for part in rule.rule.split("/") if part and "<" not in part}
    return words


def test_every_tag_the_register_accepts_has_addresses_that_lead_back_to_it(app):
    adapter = app.url_map.bind("assets.school.test")
    tag_rules = [rule for rule in app.url_map.iter_rules() if "tag" in rule.arguments]
    candidates = [*AWKWARD, "edit", "IT/7", "IT 7/", "./x", "x/..", "a//b", "%2F", "#", "?"]
    for word in sorted(_route_words(app)):
        candidates += [word, f"IT/{word}", f"{word}/IT", f"IT/{word}/7"]
    accepted = 0
    for tag in candidates:
        leads_back = True
        for rule in tag_rules:
            values = {name: 1 for name in rule.arguments if name != "tag"} | {"tag": tag}
            path = adapter.build(rule.endpoint, values)
            method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            try:
                endpoint, args = adapter.match(unquote(path), method=method)
            except HTTPException:  # a redirect or a 404: not back to this page
                leads_back = False
                continue
            leads_back &= (endpoint, args.get("tag")) == (rule.endpoint, tag)
        if register.tag_problem(tag) is None:
            accepted += 1
            assert leads_back, f"{tag!r} is accepted but an address of it leads elsewhere"
    assert accepted > len(AWKWARD)
