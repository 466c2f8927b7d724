"""The lists of every location and category that select fields show are kept per process
(services/register/choice_lists) yet never stale: a change made by this worker, by another
connection (another worker), by an import or by a restore shows on the next page, the move
form on the page a label opens and the asset list's filters alike."""

import re
import sqlite3
from contextlib import closing

import pytest
from flask import request
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from assets.extensions import db
from assets.models import Asset, Location
from assets.services.register import choice_lists, places
from tests.support.imports import apply
from tests.support.sheets import csv_bytes


def _options(page: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]* id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, f"no select #{select_id}"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def locations_shown(client) -> tuple[list[str], list[str]]:
    """The locations on the move form of the page a label opens and in the asset list's
    filter (after its "All locations")."""
    scan = client.get("/a/LAP-0001")
    listing = client.get("/assets?q=LAP")
    assert scan.status_code == listing.status_code == 200
    return _options(scan.text, "location_id"), _options(listing.text, "location")[1:]


def categories_shown(client) -> list[str]:
    return _options(client.get("/assets?q=LAP").text, "category")[1:]


def token(app, name: str) -> str | None:
    with app.app_context(), db.engine.connect() as connection:
        query = text("SELECT token FROM list_versions WHERE name = :name")
        return connection.execute(query, {"name": name}).scalar()


def on_another_connection(app, statement: str, **values) -> None:
    """As another worker would: its own connection and transaction, committed."""
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text(statement), values)
        connection.commit()


@pytest.fixture
def laptop(make, as_role):
    hall = make.location("Hall")
    make.location("Library")
    laptop = make.asset("LAP-0001", category=make.category("Laptop"), location=hall)
    as_role("technician")
    return laptop


def test_a_location_added_renamed_or_removed_by_this_worker_shows_on_the_next_page(
    app, database, client, laptop
):
    assert locations_shown(client) == (["Hall", "Library"], ["Hall", "Library"])
    with app.app_context():
        places.save_location(None, None, name="Łódź annexe")
        library = db.session.scalar(db.select(Location).where(Location.name == "Library"))
        places.save_location(None, library, name="Zoë's library")
        db.session.commit()
    both = ["Hall", "Zoë's library", "Łódź annexe"]
    shown = locations_shown(client)
    assert [[name.replace("&#39;", "'") for name in names] for names in shown] == [both, both]


def test_a_change_by_another_worker_shows_on_the_next_page(app, database, client, laptop):
    assert locations_shown(client)[0] == ["Hall", "Library"]
    on_another_connection(app, "INSERT INTO locations (name, notes) VALUES ('Annexe', '')")
    assert locations_shown(client) == (["Annexe", "Hall", "Library"],) * 2
    on_another_connection(app, "UPDATE locations SET name = 'Old library' WHERE name = 'Library'")
    assert locations_shown(client) == (["Annexe", "Hall", "Old library"],) * 2
    on_another_connection(app, "DELETE FROM locations WHERE name = 'Annexe'")
    assert locations_shown(client) == (["Hall", "Old library"],) * 2
    on_another_connection(app, "UPDATE categories SET name = 'Laptops' WHERE name = 'Laptop'")
    assert categories_shown(client) == ["Laptops"]


def test_locations_and_categories_added_by_an_import_show_on_the_next_page(
    app, database, client, laptop
):
    assert locations_shown(client)[0] == ["Hall", "Library"]
    assert categories_shown(client) == ["Laptop"]
    rows = [["Asset Tag", "Name", "Category", "Location"], ["TAB-1", "iPad", "Tablet", "Annexe"]]
    with app.app_context():
        apply(csv_bytes(rows), create_categories=True, create_locations=True)
    assert locations_shown(client) == (["Annexe", "Hall", "Library"],) * 2
    assert categories_shown(client) == ["Laptop", "Tablet"]


@pytest.mark.parametrize("table", ["locations", "categories"])
def test_every_change_to_a_list_gives_it_a_new_token_and_a_rollback_none(app, database, table):
    other = "categories" if table == "locations" else "locations"
    others = token(app, other)
    tokens = [token(app, table)]
    insert = {
        "locations": "INSERT INTO locations (name, notes) VALUES ('X', '')",
        "categories": "INSERT INTO categories (name, terms_kind, loan_kind, self_service,"
        " mobile_device, booking_needs_approval) VALUES ('X', 'equipment', 'short', false,"
        " false, false)",
    }[table]
    for statement in (
        insert,
        f"UPDATE {table} SET name = 'Y' WHERE name = 'X'",  # noqa: S608
        f"DELETE FROM {table} WHERE name = 'Y'",  # noqa: S608
    ):
        on_another_connection(app, statement)
        tokens.append(token(app, table))
    assert None not in tokens[1:] and len(set(tokens)) == 4, tokens
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text(insert))
        connection.rollback()
    assert token(app, table) == tokens[-1]
    assert token(app, other) == others, "the other list's token is left alone"


def test_the_move_form_refuses_a_location_removed_since_the_page_opened(
    app, database, client, laptop
):
    page = client.get("/a/LAP-0001").text
    library = re.search(r'<option value="(\d+)">Library</option>', page).group(1)
    on_another_connection(app, "DELETE FROM locations WHERE name = 'Library'")
    moved = client.post("/a/LAP-0001/move", data={"location_id": library}, follow_redirects=True)
    assert "That location no longer exists" in moved.text
    assert _options(moved.text, "location_id") == ["Hall"]
    with app.app_context():
        assert db.session.get(Asset, laptop.id).location.name == "Hall"


def test_a_restored_backup_shows_its_own_list(app, database, client, laptop, tmp_path):
    """A restore puts back an older database whole, its token with it: the list kept from
    the newer one is not shown."""
    assert locations_shown(client)[0] == ["Hall", "Library"]
    if database == "sqlite":
        live = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
        backup = tmp_path / "backup.sqlite"
        with closing(sqlite3.connect(live)) as source, closing(sqlite3.connect(backup)) as copy:
            source.backup(copy)
    else:
        with app.app_context():
            saved = {
                table: db.session.execute(text(f"SELECT * FROM {table}")).mappings().all()  # noqa: S608
                for table in ("locations", "list_versions")
            }
            db.session.rollback()
    on_another_connection(app, "UPDATE locations SET name = 'Old library' WHERE name = 'Library'")
    on_another_connection(app, "INSERT INTO locations (name, notes) VALUES ('Annexe', '')")
    assert locations_shown(client)[0] == ["Annexe", "Hall", "Old library"]
    if database == "sqlite":
        # As restores.py swaps a checked copy in: SQLite's backup API, over the live file.
        with closing(sqlite3.connect(backup)) as source, closing(sqlite3.connect(live)) as copy:
            source.backup(copy)
    else:
        # As pg_restore loads a dump: the rows as they were, with the triggers not firing.
        # SET LOCAL: for this transaction only. A plain SET would stay on the pooled
        # connection and switch off every later test's foreign keys (their triggers).
        with app.app_context(), db.engine.connect() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table, rows in saved.items():
                connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608
                columns = ", ".join(rows[0].keys())
                values = ", ".join(f":{name}" for name in rows[0])
                connection.execute(
                    text(f"INSERT INTO {table} ({columns}) VALUES ({values})"),  # noqa: S608
                    [dict(row) for row in rows],
                )
            connection.commit()
    assert locations_shown(client) == (["Hall", "Library"],) * 2


def test_the_kept_options_mark_each_pages_own_choice_and_escape_every_name(
    app, client, make, laptop
):
    odd = make.location('<b>"Zoë\'s" & co</b>')
    with app.app_context():
        hall = db.session.get(Asset, laptop.id).location_id
    page = client.get(f"/assets?q=LAP&location={odd.id}").text
    escaped = "&lt;b&gt;&#34;Zoë&#39;s&#34; &amp; co&lt;/b&gt;"
    assert f'<option selected value="{odd.id}">{escaped}</option>' in page
    assert f'<option value="{hall}">Hall</option>' in page
    # The same kept list, another page's choice.
    page = client.get(f"/assets?q=LAP&location={hall}").text
    assert f'<option selected value="{hall}">Hall</option>' in page
    assert f'<option value="{odd.id}">{escaped}</option>' in page
    assert page.count("<option selected") == 1


def test_the_page_a_label_opens_reads_the_lists_tokens_with_its_user(app, database, client, laptop):
    """Two statements: the signed-in user (the lists' tokens in the same statement) and the
    asset. The move form's list is the kept one, its tokens asked for no more."""
    locations_shown(client)
    statements = []

    def note(_connection, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert _options(client.get("/a/LAP-0001").text, "location_id") == ["Hall", "Library"]
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", note)
    assert len(statements) == 2, statements
    assert "FROM users" in statements[0] and "list_versions" in statements[0]
    assert "list_versions" not in statements[1]


@pytest.fixture
def add_then_list(app):
    """A page that adds a location, commits only when asked, then gives the location list."""

    def view():
        places.save_location(None, None, name=request.args["name"])
        if request.args.get("commit"):
            db.session.commit()
        return "|".join(name for _id, name in choice_lists.locations())

    app.add_url_rule("/add-then-list", "add_then_list", view)


def test_a_list_changed_by_the_request_that_shows_it_shows_the_change(
    app, database, add_then_list, client, laptop
):
    """The tokens read with the user are the lists' before the request changed one: after a
    write, a list is checked against the database's tokens again."""
    assert locations_shown(client)[0] == ["Hall", "Library"]
    assert client.get("/add-then-list?name=Annexe").text == "Annexe|Hall|Library"
    assert client.get("/add-then-list?name=Zoë's room&commit=1").text == (
        "Hall|Library|Zoë's room"  # the uncommitted Annexe went with its request
    )
    assert locations_shown(client)[0] == ["Hall", "Library", "Zoë&#39;s room"]
