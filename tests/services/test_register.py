"""The register: adding, editing, retiring and finding assets, each leaving an event."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Event, Loan, Person, User
from assets.services import events, register
from assets.services.errors import DomainError


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
        ({"tag": "ASH 1"}, "letters, numbers"),
        ({"tag": "ASH/1"}, "letters, numbers"),
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
