"""The register pages as a technician, office staff and staff use them."""

import re

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Event
from tests.support.sheets import table_of


def asset_form(category, **values):
    return {
        "tag": "ASH-0100",
        "name": "Dell Latitude 3440",
        "category_id": category.id,
        "location_id": "",
        "condition": "good",
        "serial_number": "",
        "notes": "",
    } | values


def test_technician_adds_an_asset_and_sees_it_with_its_history(client, make, as_role, database):
    tech = as_role("technician")
    category = make.category("Laptop")
    location = make.location("ICT suite")
    response = client.post(
        "/assets/new",
        data=asset_form(
            category,
            location_id=location.id,
            serial_number="0098XYZ",
            purchase_cost="649.00",
            purchase_date="2024-09-01",
            encrypted="y",
        ),
    )
    assert response.status_code == 302
    assert response.location == "/assets/ASH-0100"
    page = client.get(response.location).text
    for text in (
        "Dell Latitude 3440",
        "0098XYZ",
        "ICT suite",
        "£649.00",
        "01/09/2024",
        "ASH-0100 added to the register",
        tech.name,
    ):
        assert text in page, text


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("45", "£45.00"), ("45.00", "£45.00"), ("£45", "£45.00"), (" £1,299.5 ", "£1,299.50")],
)
def test_a_cost_is_understood_as_people_write_it(client, make, as_role, typed, shown):
    as_role("technician")
    response = client.post("/assets/new", data=asset_form(make.category(), purchase_cost=typed))
    assert response.status_code == 302
    assert shown in client.get(response.location).text


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("45p", "&#39;45p&#39; is not an amount of money"),
        ("$40", "&#39;$40&#39; is not an amount in pounds"),
        ("-£5", "is negative"),
    ],
)
def test_a_cost_that_is_not_pounds_is_refused_with_the_reason(
    app, client, make, as_role, typed, why
):
    as_role("technician")
    response = client.post("/assets/new", data=asset_form(make.category(), purchase_cost=typed))
    assert response.status_code == 200
    assert why in response.text
    assert "such as 45 or £45.00" in response.text
    assert f'value="{typed}"'.replace("'", "&#39;") in response.text, "what was typed is kept"
    with app.app_context():
        assert db.session.scalar(select(func.count(Asset.id))) == 0


def test_a_bad_form_keeps_what_was_typed_and_saves_nothing(app, client, make, as_role):
    as_role("technician")
    category = make.category()
    make.asset("ASH-0100", category=category)
    response = client.post(
        "/assets/new", data=asset_form(category, name="Typed name", serial_number="SN-TYPED")
    )
    assert response.status_code == 200
    assert "already used" in response.text
    assert 'value="SN-TYPED"' in response.text
    response = client.post(
        "/assets/new", data=asset_form(category, tag="ASH-0200", purchase_date="31/02/2024")
    )
    assert response.status_code == 200
    assert "Not a valid date" in response.text
    with app.app_context():
        assert db.session.scalar(select(Asset).where(Asset.tag == "ASH-0200")) is None


def test_edit_shows_before_and_after_in_the_history(client, make, as_role):
    as_role("technician")
    category = make.category()
    make.asset("ASH-1", category=category, name="Old name")
    response = client.post(
        "/assets/ASH-1/edit", data=asset_form(category, tag="ASH-1", name="New name")
    )
    assert response.status_code == 302
    page = client.get("/assets/ASH-1").text
    assert "Old name → New name" in page


def test_retire_and_reinstate(client, make, as_role):
    as_role("admin")
    make.asset("ASH-9")
    assert client.post("/assets/ASH-9/retire", data={"reason": ""}).status_code == 302
    assert "Retired" not in client.get("/assets/ASH-9").text
    client.post("/assets/ASH-9/retire", data={"reason": "Dropped, beyond repair"})
    page = client.get("/assets/ASH-9").text
    assert "retired: Dropped, beyond repair" in page
    client.post("/assets/ASH-9/reinstate")
    assert "back in service" in client.get("/assets/ASH-9").text


def test_list_searches_filters_sorts_and_paginates(app, client, make, as_role, database):
    as_role("office")
    laptops, cameras = make.category("Laptop"), make.category("Camera")
    for n in range(30):
        make.asset(
            f"ASH-{n:04d}",
            category=laptops if n % 2 else cameras,
            name=f"Device {n}",
            serial_number=f"SN{n:06d}",
        )
    page = client.get("/assets").text
    assert "30 assets" in page and "Page 1 of 2" in page
    assert "ASH-0000" in page and "ASH-0029" not in page
    assert "ASH-0029" in client.get("/assets?page=2").text
    page = client.get("/assets?q=sn000017").text
    assert "1 asset" in page and "ASH-0017" in page
    page = client.get(f"/assets?category={cameras.id}&sort=tag&dir=desc").text
    assert "15 assets" in page
    assert page.index("ASH-0028") < page.index("ASH-0026")
    assert "No assets match" in client.get("/assets?q=nothing-like-this").text
    assert client.get("/assets?sort=evil&category=abc&status=bogus").status_code == 200


# A cap of 3 and pages of 2 stand for the real 1,000 and 25.
SMALL_CAP = pytest.mark.parametrize(
    "app", [{"ASSETS_COUNT_CAP": 3, "ASSETS_PER_PAGE": 2}], indirect=True
)


def next_link(page: str) -> str | None:
    found = re.search(r'href="([^"]+)">Next<', page)
    return found.group(1).replace("&amp;", "&") if found else None


@SMALL_CAP
@pytest.mark.parametrize(
    ("matches", "count", "pager"),
    [
        (2, "2 assets", None),
        (3, "3 assets", "Page 1 of 2"),
        (4, "3+ assets", "Page 1<"),
    ],
    ids=["below the cap", "at the cap", "past the cap"],
)
def test_the_list_counts_up_to_the_cap(client, make, as_role, database, matches, count, pager):
    as_role("office")
    category = make.category()
    for n in range(1, matches + 1):
        make.asset(f"CAP-{n}", category=category)
    make.asset("OTHER-1", category=category)
    page = client.get("/assets?q=cap-").text
    assert f"{count}</p>" in page
    assert f"Print labels for all {count.split()[0]}<" in page
    if pager is None:
        assert "Page 1" not in page and next_link(page) is None
    else:
        assert pager in page
        assert next_link(page) == "/assets?q=cap-&page=2"
    if matches > 3:
        assert " of " not in re.search(r"Page 1[^<]*<", page).group(0), "no total to show"


@SMALL_CAP
def test_paging_a_search_past_the_cap_reaches_every_match(client, make, as_role, database):
    as_role("office")
    category = make.category()
    for n in range(7, 0, -1):
        make.asset(f"CAP-{n}", category=category)
    make.asset("OTHER-1", category=category)
    seen, pages, link = [], [], "/assets?q=cap-"
    while link:
        page = client.get(link).text
        seen += re.findall(r'name="tag" value="([^"]+)"', page)
        pages.append((re.search(r">([\d,+]+) assets?</p>", page).group(1),
                      re.search(r"Page \d+( of \d+)?", page).group(0)))  # fmt: skip
        link = next_link(page)
    assert seen == [f"CAP-{n}" for n in range(1, 8)]
    assert pages == [
        ("3+", "Page 1"),
        ("3+", "Page 2"),
        ("3+", "Page 3"),
        ("7", "Page 4 of 4"),
    ], "each page counts just past itself; the last knows the total"
    assert 'href="/assets?q=cap-&amp;page=3">Previous<' in page
    assert client.get("/assets?q=cap-&page=5").status_code == 404
    assert client.get("/assets?q=cap-&page=x").status_code == 404


@SMALL_CAP
def test_the_export_and_labels_of_a_capped_list_have_every_match(client, make, as_role):
    as_role("office")
    category = make.category()
    for n in range(1, 8):
        make.asset(f"CAP-{n}", category=category)
    make.asset("OTHER-1", category=category)
    assert "3+ assets" in client.get("/assets?q=cap-").text
    _, rows = table_of(client.get("/export/assets.xlsx?q=cap-").data)
    assert [row[0] for row in rows] == [f"CAP-{n}" for n in range(1, 8)]
    assert "All <strong>7</strong> assets" in client.get("/labels?q=cap-&scope=filter").text


def test_unknown_tag_is_a_plain_404(client, as_role):
    as_role("technician")
    response = client.get("/assets/NOPE-1")
    assert response.status_code == 404
    assert "nothing at this address" in response.text


def test_office_reads_but_cannot_change(client, make, as_role):
    as_role("office")
    category = make.category()
    make.asset("ASH-1", category=category)
    page = client.get("/assets/ASH-1").text
    assert "Edit" not in page and "Retire" not in page
    assert client.post("/assets/new", data=asset_form(category)).status_code == 403
    assert client.post("/assets/ASH-1/retire", data={"reason": "x"}).status_code == 403


def test_staff_see_none_of_the_register(client, make, as_role):
    as_role("staff")
    make.asset("ASH-1")
    assert client.get("/assets").status_code == 403
    assert client.get("/assets/ASH-1").status_code == 403
    assert client.get("/people/").status_code == 403


def test_categories_and_locations(app, client, as_role):
    as_role("technician")
    response = client.post(
        "/categories/new",
        data={"name": "Laptop", "terms_kind": "laptop", "loan_kind": "allocation"},
    )
    assert response.status_code == 302
    assert "Laptop (section 8)" in client.get("/categories").text
    duplicate = client.post(
        "/categories/new",
        data={"name": "laptop", "terms_kind": "laptop", "loan_kind": "allocation"},
    )
    assert "already exists" in duplicate.text
    client.post("/locations/new", data={"name": "ICT suite"})
    assert "ICT suite" in client.get("/locations").text
    with app.app_context():
        actions = set(db.session.scalars(select(Event.action)))
    assert {"category.created", "location.created"} <= actions


def test_the_desk_home_page_shows_quick_actions_and_loans_needing_attention(client, make, as_role):
    as_role("technician")
    make.loan(signed=False)
    page = client.get("/").text
    for words in ("Scan a label", "Sign out equipment", "Report a problem", "1 awaiting signature"):
        assert words in page
    assert "overdue</a>" not in page
