"""The register: adding, editing, retiring and finding assets, each leaving an event."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Event, Loan, Person, User
from assets.services.common import events
from assets.services.common.errors import DomainError
from assets.services.loans import loans
from assets.services.register import register, scanning


def details(category, **values):
    return register.AssetDetails(
        **({"tag": "ASH-1", "name": "Dell Latitude 3440", "category_id": category} | values)
    )


def tags(filters) -> list[str]:
    return [a.tag for a in db.session.scalars(register.asset_select(filters))]


def test_create_asset_records_details_and_an_event(ctx, make, database):
    category = make.category("Laptop")
    actor = db.session.get(User, make.user("technician").id)
    asset = register.create_asset(
        actor,
        details(
            category.id,
            serial_number=" 0012345 ",
            purchase_cost=Decimal("649.00"),
            purchase_date=date(2024, 9, 1),
            encrypted=True,
        ),
    )
    db.session.commit()
    assert asset.status == "available"
    assert asset.serial_number == "0012345", "leading zeros kept, whitespace trimmed"
    [event] = events.history_for_asset(asset)
    assert event.action == "asset.created" and event.actor_id == actor.id
    assert event.changes["purchase_cost"] == "649.00"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"tag": "  "}, "asset tag"),
        ({"tag": "ASH\t1"}, "tabs or invisible"),
        ({"tag": "ASH\u200b1"}, "tabs or invisible"),
        ({"tag": "ASH\u00a01"}, "tabs or invisible"),
        ({"tag": "T" * 256}, "255 characters or fewer"),
        ({"tag": "/ASH-1"}, "start or end with"),
        ({"tag": "ASH-1/"}, "start or end with"),
        ({"tag": "ASH//1"}, "hold \u201c//\u201d"),
        ({"tag": "IT/../1"}, "between slashes"),
        ({"tag": "new"}, "address of another page"),
        ({"tag": "IT/7/Edit"}, "address of another page"),
        ({"tag": "IT/7/return"}, "address of another page"),
        ({"name": "N" * 256}, "name to 255 characters"),
        ({"notes": "n" * 32_768}, "notes under 32,767"),
        ({"name": ""}, "name"),
        ({"condition": "shiny"}, "condition"),
        ({"purchase_cost": Decimal("-1")}, "negative"),
        ({"category": 999}, "category"),
        ({"location_id": 999}, "location"),
    ],
)
def test_bad_details_are_refused_and_nothing_is_saved(ctx, make, values, message):
    category = make.category()
    with pytest.raises(DomainError, match=message):
        register.create_asset(None, details(**({"category": category.id} | values)))
    db.session.rollback()
    assert db.session.scalars(select(Asset)).all() == []


def test_tags_are_unique_whatever_the_case(ctx, make, database):
    category = make.category()
    make.asset("ASH-0001", category=category)
    with pytest.raises(DomainError, match="already used"):
        register.create_asset(None, details(category.id, tag="ash-0001"))


def test_tags_are_unique_whatever_the_case_in_every_script(ctx, make, database):
    # Case is ignored as for A-Z, in every alphabet and on both databases; the spaces inside
    # a tag count, since the label prints them (the ends are trimmed).
    category = make.category()
    made = make.asset("ŁÓDŹ-Ψ 1", category=category)
    with pytest.raises(DomainError, match="already used"):
        register.create_asset(None, details(category.id, tag="  łódź-ψ 1 "))
    db.session.rollback()
    assert scanning.asset_for_tag("łódź-ψ 1").id == made.id
    spaced = register.create_asset(None, details(category.id, tag="ŁÓDŹ-Ψ  1"))
    assert spaced.id != made.id
    # A search matches each word, so it finds both; the scan above tells them apart.
    found = db.session.scalars(register.asset_select(register.AssetFilter(q="łódź-ψ 1"))).all()
    assert {asset.id for asset in found} == {made.id, spaced.id}


def test_a_tag_is_found_in_any_case_by_full_unicode_case_folding(ctx, make, database):
    # "ß" folds to "ss", the final sigma to sigma and a ligature spells out: the key is worked
    # out by the app (base.tag_key), not by each database's lower().
    category = make.category()
    street = make.asset("STRASSE-7", category=category)
    greek = make.asset("ΟΔΟΣ-2", category=category)
    assert scanning.asset_for_tag("Straße-7").id == street.id
    assert scanning.asset_for_tag("οδος-2").id == greek.id
    assert scanning.asset_for_tag("οδοσ-2").id == greek.id
    with pytest.raises(DomainError, match="already used"):
        register.create_asset(None, details(category.id, tag="straße-7"))
    db.session.rollback()
    assert [a.id for a in loans.find_assets("strasse-7\nΟΔΟς-2")] == [street.id, greek.id]  # noqa: RUF001


@pytest.mark.parametrize(
    "tag", ["IT/2023/0041", "Room 12 #3", "50%-off?", "Łódź-1", "a+b&c=d;e", "T" * 255]
)
def test_any_printable_tag_is_kept_as_typed(ctx, make, tag):
    asset = register.create_asset(None, details(make.category().id, tag=f" {tag}\n"))
    assert asset.tag == tag


def test_update_records_before_and_after(ctx, make, database):
    category = make.category()
    asset = db.session.get(Asset, make.asset("ASH-7", category=category, name="Old").id)
    changed = register.update_asset(None, asset, details(category.id, tag="ASH-7", name="New"))
    db.session.commit()
    assert changed
    event = events.history_for_asset(asset)[0]
    assert event.action == "asset.updated"
    assert event.changes == {"name": ["Old", "New"]}
    assert not register.update_asset(None, asset, details(category.id, tag="ASH-7", name="New"))


def test_retire_needs_a_reason_and_no_open_loan(ctx, make, database):
    asset = db.session.get(Asset, make.asset().id)
    with pytest.raises(DomainError, match="why"):
        register.retire_asset(None, asset, " ")
    person = db.session.get(Person, make.person("Miss A Guthrie").id)
    db.session.add(Loan(asset=asset, person=person))
    db.session.flush()
    db.session.expire(asset)
    with pytest.raises(DomainError, match="on loan to Miss A Guthrie"):
        register.retire_asset(None, asset, "broken screen")
    db.session.rollback()
    asset = db.session.get(Asset, asset.id)
    register.retire_asset(None, asset, "Screen beyond repair")
    db.session.commit()
    assert asset.status == "retired"
    register.reinstate_asset(None, asset)
    assert asset.status == "available"
    assert [e.action for e in events.history_for_asset(asset)][:2] == [
        "asset.reinstated",
        "asset.retired",
    ]


def test_search_finds_fragments_of_tag_serial_name_make_and_model(ctx, make, database):
    category = make.category()
    make.asset(
        "ASH-0001",
        category=category,
        name="Dell Latitude 3440",
        serial_number="DL99817XQ",
        manufacturer="Dell",
        model="Latitude 3440",
    )
    make.asset(
        "ASH-0002",
        category=category,
        name="Apple iPad",
        serial_number="F9TQ3321",
        manufacturer="Apple",
        model="iPad 10th gen",
    )
    for fragment, expected in [
        ("9981", ["ASH-0001"]),
        ("tq33", ["ASH-0002"]),
        ("latitude", ["ASH-0001"]),
        ("IPAD 10", ["ASH-0002"]),
        ("ash-000", ["ASH-0001", "ASH-0002"]),
        ("de", ["ASH-0001"]),
        ("zzz", []),
        ('"', []),
        ("%", []),
        ("_", []),
    ]:
        assert tags(register.AssetFilter(q=fragment)) == expected, fragment


def test_search_follows_edits(ctx, make, database):
    category = make.category()
    asset = db.session.get(Asset, make.asset("ASH-1", category=category, name="Old name").id)
    register.update_asset(None, asset, details(category.id, tag="ASH-1", name="Visualiser"))
    db.session.commit()
    assert tags(register.AssetFilter(q="visual")) == ["ASH-1"]
    assert tags(register.AssetFilter(q="old name")) == []


def test_search_finds_the_current_holder(ctx, make, database):
    asset = db.session.get(Asset, make.asset("ASH-5").id)
    make.asset("ASH-6")
    person = db.session.get(Person, make.person("Mrs K Chambers").id)
    db.session.add(Loan(asset=asset, person=person))
    db.session.commit()
    assert tags(register.AssetFilter(q="chamb")) == ["ASH-5"]


def test_filters_and_sorting(ctx, make, database):
    laptops, tablets = make.category("Laptop"), make.category("Tablet")
    office = make.location("Office store")
    make.asset("B-2", category=laptops, location=office, name="Beta")
    make.asset("A-1", category=tablets, name="Zeta")
    make.asset("C-3", category=laptops, name="Alpha")
    assert tags(register.AssetFilter()) == ["A-1", "B-2", "C-3"]
    assert tags(register.AssetFilter(category_id=laptops.id)) == ["B-2", "C-3"]
    assert tags(register.AssetFilter(location_id=office.id)) == ["B-2"]
    assert tags(register.AssetFilter(sort="name")) == ["C-3", "B-2", "A-1"]
    assert tags(register.AssetFilter(sort="tag", descending=True)) == ["C-3", "B-2", "A-1"]
    assert tags(register.AssetFilter(sort="category")) == ["B-2", "C-3", "A-1"]
    assert tags(register.AssetFilter(sort="'; drop table assets")) == ["A-1", "B-2", "C-3"]
    assert tags(register.AssetFilter(status="retired")) == []
    assert db.session.scalar(select(Event.id).limit(1)) is not None


def test_the_list_count_stops_past_the_cap(ctx, make, database):
    category = make.category()
    for n in range(1, 6):
        make.asset(f"CAP-{n}", category=category)
    make.asset("OTHER-1", category=category)
    matching = register.AssetFilter(q="cap-")
    assert register.asset_count(matching) == 5
    assert register.asset_count(matching, limit=3) == 3
    assert register.list_total(matching, cap=6) == 5, "below the cap: exact"
    assert register.list_total(matching, cap=5) == 5, "at the cap: exact"
    assert register.list_total(matching, cap=4) is None, "past the cap: more than 4"
    assert register.list_total(matching, cap=2, shown=4) is None, "a row after row 4"
    assert register.list_total(matching, cap=2, shown=5) == 5, "no row after row 5: exact"
    assert register.list_total(register.AssetFilter(), cap=5) is None
    assert register.list_total(register.AssetFilter(q="zzz"), cap=5) == 0


def _ash_register(make) -> None:
    """Twelve ASH- assets in two categories, and three on loan to Mrs K Chambers (one of them
    CHAMBERS-1, which holds her name in its own tag too)."""
    laptops, tablets = make.category("Laptop"), make.category("Tablet")
    for n in range(12, 0, -1):
        make.asset(f"ASH-{n:02d}", category=laptops if n % 3 else tablets, name=f"Device {n % 5}")
    make.asset("CHAMBERS-1", category=laptops)
    person = db.session.get(Person, make.person("Mrs K Chambers").id)
    for tag in ("ASH-04", "ASH-09", "CHAMBERS-1"):
        asset = db.session.scalar(select(Asset).where(Asset.tag == tag))
        db.session.add(Loan(asset=asset, person=person))
        asset.status = "on_loan"
    db.session.commit()


@pytest.mark.parametrize(
    "values",
    [
        {"q": "ash-"},
        {"q": "ash-", "descending": True},
        {"q": "chamb"},
        {"q": "as"},
        {"q": "ash-", "status": "on_loan"},
        {"q": "ash-", "sort": "name"},
        {"q": "ash-", "sort": "category", "descending": True},
        {},
    ],
)
def test_a_search_read_in_tag_order_lists_the_same_assets(ctx, make, database, values):
    """asset_select(many=True) changes how the database reads the rows, never which."""
    _ash_register(make)
    filters = register.AssetFilter(**values)
    read_in_tag_order = [
        a.tag for a in db.session.scalars(register.asset_select(filters, many=True))
    ]
    assert read_in_tag_order == tags(filters)
    assert len(set(read_in_tag_order)) == len(read_in_tag_order)
    if values.get("q") == "chamb":
        assert read_in_tag_order == ["ASH-04", "ASH-09", "CHAMBERS-1"], "holder and text"


@pytest.mark.parametrize(
    "values",
    [
        {"q": "ash-"},
        {"q": "chamb"},
        {"q": "chambers ash"},
        {"q": "ash- 0"},
        {"q": "as"},
        {"q": "ash-", "status": "on_loan"},
        {"q": "chamb", "status": "available"},
        {"q": "device"},
        {"q": "zzz"},
    ],
)
def test_a_capped_count_counts_what_the_list_shows(ctx, make, database, values):
    """asset_count(limit=N) is the list's length, or N when the list is longer: assets
    matching by their own text and by their holder's name, each once, with the other
    filters."""
    _ash_register(make)
    filters = register.AssetFilter(**values)
    listed = len(tags(filters))
    for limit in sorted({1, 2, 3, max(listed, 1), listed + 1, 50}):
        assert register.asset_count(filters, limit=limit) == min(listed, limit), limit
