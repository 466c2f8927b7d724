"""Migrations: one line of revisions, and upgrading an empty database (then down to the first
revision and up again) gives exactly the models' schema, on SQLite and PostgreSQL."""

import contextlib
import logging
import secrets
import sqlite3
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    Numeric,
    String,
    Text,
    column,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy import table as sa_table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from assets import ROOT, create_app
from assets.extensions import db, init_migrate
from assets.models import Asset, Event, Incident, Loan, User, sort_key
from assets.models.base import utcnow
from assets.models.schema import include_object_for
from assets.services.common import events
from assets.services.incidents import cases, incidents
from assets.services.loans import returns
from assets.services.people import people
from assets.services.register import register
from assets.services.terms.policy_texts import FIRST_VERSIONS
from assets.services.terms.terms import sha256_text
from tests.support.factories import Factory
from tests.support.signed_records import only_personal_data_removal_is_let_through

MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture
def empty_app(database, tmp_path, request):
    """The app on a new, empty database (a new SQLite file or a new PostgreSQL database)."""
    if database == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'migrated.sqlite'}", None
    else:
        server = make_url(request.getfixturevalue("postgres_url"))
        name = f"assets_migrations_{secrets.token_hex(4)}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url, drop = server.set(database=name).render_as_string(hide_password=False), name
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    init_migrate(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{drop}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture
def migrated_app(empty_app):
    """The app on a new database upgraded by the migrations alone."""
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS)
    return empty_app


def test_the_revisions_form_one_line():
    script = ScriptDirectory(MIGRATIONS)
    assert len(script.get_heads()) == 1, "two heads: chain the newest revision after the other"


def test_migrations_build_the_models_schema_and_go_down_and_up(migrated_app):
    with migrated_app.app_context():
        downgrade(directory=MIGRATIONS, revision="0001")
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_object": include_object_for(connection.dialect.name),
                },
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
            if connection.dialect.name == "sqlite":
                # The migrations' own connection, back in the pool: they turn foreign keys
                # off while they copy tables, and must turn them on again.
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert "asset_search" in tables, "the FTS5 search index exists"
                triggers = set(
                    connection.execute(
                        text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                    ).scalars()
                )
                assert {
                    "assets_search_insert",
                    "assets_search_update",
                    "assets_search_delete",
                } <= triggers
    assert differences == []
    assert {t.name for t in db.metadata.sorted_tables} <= tables


def test_migrating_leaves_the_apps_own_log_working(migrated_app, caplog):
    """Alembic sets its logging up from alembic.ini: that must not switch the app's log off
    in the process that migrated (a restore, the tests)."""
    with migrated_app.app_context(), caplog.at_level(logging.WARNING):
        migrated_app.logger.warning("Still logging after the migrations")
    assert "Still logging after the migrations" in caplog.text


def test_search_works_on_a_migrated_database(migrated_app):
    Factory(migrated_app).asset("ASH-0042", name="Epson projector", serial_number="X4Y5Z6Q")
    with migrated_app.app_context():
        found = db.session.scalars(register.asset_select(register.AssetFilter(q="5z6"))).all()
        assert [a.tag for a in found] == ["ASH-0042"]


def test_a_migrated_database_has_the_policy_texts_which_are_never_edited(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(text("SELECT kind, version, title, body, sha256 FROM terms"))
        seeded = {row.kind: row for row in rows}
        assert set(seeded) == set(FIRST_VERSIONS)
        for kind, (title, body) in FIRST_VERSIONS.items():
            assert (seeded[kind].version, seeded[kind].title) == (1, title)
            assert seeded[kind].body == body
            assert seeded[kind].sha256 == sha256_text(body)
        with pytest.raises(DBAPIError, match="never edited"):
            connection.execute(text("UPDATE terms SET body = 'changed'"))
        connection.rollback()
        index = connection.execute(
            text(
                "SELECT sql FROM sqlite_master WHERE name = 'uq_loans_open_asset'"
                if connection.dialect.name == "sqlite"
                else "SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_loans_open_asset'"
            )
        ).scalar_one()
        assert "returned_at IS NULL" in index


def _end_loan_as_before_0007(loan_id: int, incident_id: int, technician_id: int) -> None:
    """End a loan as cases._end_loan did before revision 0007: 'incomplete', a note
    starting "Not returned", and its audit event."""
    loan = db.session.get(Loan, loan_id)
    loan.returned_at = utcnow()
    loan.returned_to_id = technician_id
    loan.return_condition = "incomplete"
    loan.return_note = f"Not returned: written off after report #{incident_id}"
    loan.asset.status = "retired"
    events.record(
        db.session.get(User, technician_id),
        "loan.ended_by_incident",
        loan,
        f"Loan of {loan.asset.tag} ended: {loan.return_note}",
        asset=loan.asset,
        person=loan.person,
    )
    db.session.commit()


def _loan_end(loan_id: int) -> tuple[str, str]:
    # Plain SQL: the models describe only the newest schema.
    row = db.session.execute(
        text("SELECT return_condition, return_note FROM loans WHERE id = :id"), {"id": loan_id}
    ).one()
    return row.return_condition, row.return_note


def _refused(statement: str, constraint: str, **values) -> None:
    with pytest.raises(IntegrityError, match=constraint):
        db.session.execute(text(statement), values)
    db.session.rollback()


def test_0007_makes_loans_ended_by_an_incident_not_returned_and_back(migrated_app):
    # The loans are made by today's code on the newest schema (the models know no other),
    # then the database goes down to 0006 and up again.
    app, make = migrated_app, Factory(migrated_app)
    technician = make.user("technician")
    borrower = make.person("Miss A Guthrie")
    written_off = make.loan(make.asset("ASH-0001"), borrower, by=technician)
    charger = make.loan(make.asset("ASH-0002"), borrower, by=technician)
    typed = make.loan(make.asset("ASH-0003"), borrower, by=technician)
    stolen = make.loan(make.asset("ASH-0004"), borrower, by=technician)
    # The report refers to the loan, so on SQLite the copied loans table keeps its rows
    # under a foreign key that points at them.
    report = make.incident(SimpleNamespace(id=written_off.asset_id), kind="loss")
    theft = make.incident(
        SimpleNamespace(id=stolen.asset_id), kind="theft", police_reference="CR/1/26"
    )
    with app.app_context():
        _end_loan_as_before_0007(written_off.id, report.id, technician.id)
        desk = db.session.get(User, technician.id)
        returns.check_in(desk, db.session.get(Asset, charger.asset_id), "incomplete", "No charger")
        # Typed at the desk: starts like the old note, but no incident ended this loan.
        typed_asset = db.session.get(Asset, typed.asset_id)
        returns.check_in(desk, typed_asset, "incomplete", "Not returned: case")
        # Ended by today's code.
        cases.change_status(desk, db.session.get(Incident, theft.id), "written_off")
        db.session.commit()
        assert _loan_end(stolen.id) == ("not_returned", f"Written off after incident #{theft.id}")
        db.session.remove()

        # Down: the code before 0007 knows such loans by their note alone, so each one's
        # note starts "Not returned".
        downgrade(directory=MIGRATIONS, revision="0006")
        assert _loan_end(written_off.id) == (
            "incomplete",
            f"Not returned: written off after report #{report.id}",
        )
        assert _loan_end(stolen.id) == (
            "incomplete",
            f"Not returned: written off after incident #{theft.id}",
        )
        assert _loan_end(charger.id) == ("incomplete", "No charger")
        assert _loan_end(typed.id) == ("incomplete", "Not returned: case")
        _refused(
            "UPDATE loans SET return_condition = 'not_returned' WHERE id = :id",
            "ck_loans_return_condition",
            id=stolen.id,
        )
        db.session.remove()

        # Up: only the loans an incident ended become 'not_returned', their notes kept.
        upgrade(directory=MIGRATIONS, revision="0007")
        assert _loan_end(written_off.id) == (
            "not_returned",
            f"Not returned: written off after report #{report.id}",
        )
        assert _loan_end(stolen.id)[0] == "not_returned"
        assert _loan_end(charger.id) == ("incomplete", "No charger")
        assert _loan_end(typed.id) == ("incomplete", "Not returned: case")
        db.session.remove()

        upgrade(directory=MIGRATIONS)
        # The table copied on SQLite keeps the loans table's other rules.
        _refused(
            "UPDATE loans SET return_condition = 'lost' WHERE id = :id",
            "ck_loans_return_condition",
            id=stolen.id,
        )
        _refused(
            "UPDATE loans SET return_condition = NULL WHERE id = :id",
            "ck_loans_return_recorded",
            id=stolen.id,
        )
        _refused(
            "UPDATE loans SET person_id = :nobody WHERE id = :id",
            "FOREIGN KEY|fk_loans_person_id_people",
            nobody=borrower.id + 1000,
            id=stolen.id,
        )


OLD_CHARGES = sa_table(
    "incident_charges",
    column("incident_id", Integer),
    column("applies", Boolean),
    column("amount", Numeric(10, 2)),
    column("reason", Text),
    column("decided_by_id", Integer),
    column("decided_at", DateTime(timezone=True)),
    column("settlement", String),
    column("settled_at", DateTime(timezone=True)),
    column("settled_by_id", Integer),
    column("settlement_note", Text),
)


def _charge_as_before_0008(incident_id: int, head_id: int, **values) -> None:
    """A charge as the code before 0008 saved it, on any report."""
    now = utcnow()
    row = {
        "incident_id": incident_id,
        "applies": True,
        "amount": Decimal("45.00"),
        "reason": "Misuse",
        "decided_by_id": head_id,
        "decided_at": now,
        "settlement_note": "",
    }
    db.session.execute(OLD_CHARGES.insert().values(row | values))
    db.session.commit()


def _charge_of(incident_id: int):
    return db.session.execute(
        text(
            "SELECT person_id, applies, amount, reason, settlement FROM incident_charges"
            " WHERE incident_id = :id"
        ),
        {"id": incident_id},
    ).one()


def test_0008_links_reports_filed_at_a_return_and_charges_only_borrowers(migrated_app):
    # Made by today's code on the newest schema (the models know no other); the database
    # then goes down to 0007, where the charges are written as the code before 0008 did.
    app, make = migrated_app, Factory(migrated_app)
    technician, other_desk = make.user("technician"), make.user("technician")
    head = make.user("admin")
    borrower, someone_else = make.person("Miss A Guthrie"), make.person("Mr B Other")
    at_return = make.loan(make.asset("ASH-0001"), borrower, by=technician)
    elsewhere = make.loan(make.asset("ASH-0002"), borrower, by=technician)
    spare = make.asset("ASH-0003")
    with app.app_context():
        desk = db.session.get(User, technician.id)
        for loan in (at_return, elsewhere):
            asset = db.session.get(Asset, loan.asset_id)
            returns.check_in(desk, asset, "damaged", "Cracked screen")
        db.session.commit()
    # What the return page did before: a report with no loan, then a £45 charge, paid.
    filed = make.incident(
        SimpleNamespace(id=at_return.asset_id), reporter=technician, loan_id=incidents.NO_LOAN
    )
    # Filed by someone else at the desk: not evidently at the return, so left alone.
    unrelated = make.incident(
        SimpleNamespace(id=elsewhere.asset_id), reporter=other_desk, loan_id=incidents.NO_LOAN
    )
    nobody = make.incident(spare, reporter=technician, kind="fault")
    with app.app_context():
        downgrade(directory=MIGRATIONS, revision="0007")
        paid = {"settlement": "paid", "settled_at": utcnow(), "settled_by_id": head.id}
        _charge_as_before_0008(filed.id, head.id, **paid)
        _charge_as_before_0008(unrelated.id, head.id, **paid, settlement_note="Cash")
        _charge_as_before_0008(nobody.id, head.id, applies=False, amount=None, reason="")
        db.session.remove()

        upgrade(directory=MIGRATIONS, revision="0008")
        linked = db.session.get(Incident, filed.id)
        assert (linked.loan_id, linked.person_id) == (at_return.id, borrower.id)
        assert _charge_of(filed.id) == (borrower.id, True, Decimal("45.00"), "Misuse", "paid")
        person_id, applies, amount, reason, settlement = _charge_of(unrelated.id)
        assert (person_id, applies, amount, settlement) == (None, False, None, None)
        assert reason.startswith("Misuse\n\nA charge of £45.00 was decided on ")
        assert "and recorded as paid on" in reason and "(Cash)" in reason
        assert _charge_of(nobody.id)[:2] == (None, False)
        actions = {
            (event.action, event.entity_id)
            for event in db.session.scalars(
                select(Event).where(
                    Event.action.in_(("incident.linked_to_return", "incident.charge_withdrawn"))
                )
            )
        }
        assert actions == {
            ("incident.linked_to_return", filed.id),
            ("incident.charge_withdrawn", unrelated.id),
        }
        _refused(
            "UPDATE incident_charges SET applies = :yes, amount = 5 WHERE incident_id = :id",
            "ck_incident_charges_borrower_when_charged",
            yes=True,
            id=nobody.id,
        )
        _refused(
            "UPDATE incident_charges SET person_id = :other WHERE incident_id = :id",
            "FOREIGN KEY|fk_incident_charges_borrower",
            other=someone_else.id,
            id=filed.id,
        )
        db.session.remove()

        downgrade(directory=MIGRATIONS, revision="0007")
        assert db.session.get(Incident, filed.id).person_id == borrower.id
        db.session.remove()
        upgrade(directory=MIGRATIONS)
        assert _charge_of(filed.id)[0] == borrower.id


def test_0009_marks_mobile_devices_and_holds_the_lending_rules(empty_app):
    app = empty_app
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0007")
        for name, terms_kind, loan_kind, days in [
            ("Staff laptops", "laptop", "allocation", None),
            ("Loan iPads", "equipment", "short", 7),
            ("Mobile phones", "equipment", "short", 7),
            ("Dell notebook", "laptop", "allocation", None),
            ("Headphones", "equipment", "short", 7),
            ("Microphone", "equipment", "short", 14),
            ("Projector", "equipment", "short", 14),
        ]:
            db.session.execute(
                text(
                    "INSERT INTO categories (name, terms_kind, loan_kind, default_loan_days)"
                    " VALUES (:name, :terms_kind, :loan_kind, :days)"
                ),
                {"name": name, "terms_kind": terms_kind, "loan_kind": loan_kind, "days": days},
            )
        db.session.commit()
        db.session.remove()

        upgrade(directory=MIGRATIONS, revision="0009")
        rows = db.session.execute(
            text("SELECT name, mobile_device, self_service, max_loan_days FROM categories")
        ).all()
        assert {row.name for row in rows if row.mobile_device} == {
            "Staff laptops",
            "Loan iPads",
            "Mobile phones",
            "Dell notebook",
        }
        assert not any(row.self_service for row in rows), "an admin chooses self-service"
        assert {row.max_loan_days for row in rows} == {None}
        laptops = "UPDATE categories SET {} WHERE name = 'Staff laptops'"
        projector = "UPDATE categories SET {} WHERE name = 'Projector'"
        _refused(laptops.format("self_service = true"), "ck_categories_self_service")
        _refused(laptops.format("mobile_device = false"), "ck_categories_laptop_is_mobile")
        _refused(projector.format("max_loan_days = 0"), "ck_categories_max_loan_days")
        _refused(projector.format("max_loan_days = 13"), "ck_categories_usual_within_longest")
        _refused(
            "UPDATE categories SET self_service = true, loan_kind = 'allocation'"
            " WHERE name = 'Projector'",
            "ck_categories_self_service",
        )
        db.session.execute(text(projector.format("self_service = true, max_loan_days = 28")))
        db.session.commit()
        db.session.remove()

        downgrade(directory=MIGRATIONS, revision="0007")
        columns = {c["name"] for c in inspect(db.engine).get_columns("categories")}
        assert not {"self_service", "mobile_device", "max_loan_days"} & columns
        assert "long_loan_reason" not in {
            c["name"] for c in inspect(db.engine).get_columns("loans")
        }
        db.session.remove()
        upgrade(directory=MIGRATIONS)


def test_0009_keeps_a_loans_reasons_never_blank(migrated_app):
    make = Factory(migrated_app)
    loan = make.loan()
    with migrated_app.app_context():
        _refused(
            "UPDATE loans SET long_loan_reason = '  ' WHERE id = :id",
            "ck_loans_long_loan_reason",
            id=loan.id,
        )
        _refused(
            "UPDATE loans SET unencrypted_reason = '' WHERE id = :id",
            "ck_loans_unencrypted_reason",
            id=loan.id,
        )


def test_0010_holds_tags_and_names_of_255_characters_and_goes_back(empty_app, database, capfd):
    app = empty_app
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0009")
        db.session.execute(
            text(
                "INSERT INTO categories (name, terms_kind, loan_kind, mobile_device, self_service)"
                " VALUES ('Projector', 'equipment', 'short', false, false)"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO assets (tag, name, category_id, status, condition, encrypted, notes,"
                " created_at, updated_at) VALUES ('PRJ-1', 'ŁÓDŹ projector', 1, 'available',"
                " 'good', false, '', :now, :now)"
            ),
            {"now": utcnow()},
        )
        db.session.commit()
        if database == "sqlite":
            # As SQLite's own lower() stored it before this revision: capitals beyond A-Z kept.
            path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
            with contextlib.closing(sqlite3.connect(path)) as raw:
                raw.execute("UPDATE assets SET name = name")
                raw.commit()
                stored = raw.execute("SELECT search_text FROM assets").fetchone()[0]
            assert stored == "prj-1  ŁÓdŹ projector  "
        db.session.remove()
        db.engine.dispose()

        upgrade(directory=MIGRATIONS, revision="0010")
        tag, name = "IT/2023/Łódź #" + "7" * 241, "N" * 255
        db.session.execute(
            text("UPDATE assets SET tag = :tag, name = :name"), {"tag": tag, "name": name}
        )
        db.session.commit()
        assert db.session.execute(text("SELECT tag, name FROM assets")).one() == (tag, name)
        db.session.execute(text("UPDATE assets SET name = 'ŁÓDŹ projector'"))
        db.session.commit()
        # The search of the assets' text: the later tables and columns the holder search and
        # the page's loads need (people.anonymised_at, 0016; people_search, 0026) are not
        # there yet at 0010.
        search = Asset.id.in_(register.text_matches("łódź"))
        found = db.session.scalars(select(Asset.name).where(search)).all()
        assert found == ["ŁÓDŹ projector"]
        db.session.remove()

        with pytest.raises(SystemExit):
            downgrade(directory=MIGRATIONS, revision="0009")
        assert "1 asset tags are longer than 40 characters" in capfd.readouterr().err
        db.session.remove()
        assert db.session.execute(text("SELECT tag FROM assets")).scalar() == tag
        db.session.execute(text("UPDATE assets SET tag = 'PRJ-1'"))
        db.session.commit()
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0009")
        columns = {c["name"]: c["type"] for c in inspect(db.engine).get_columns("assets")}
        assert (columns["tag"].length, columns["name"].length) == (40, 120)
        db.session.remove()
        upgrade(directory=MIGRATIONS)


def test_0011_keeps_how_a_login_signed_in_to_the_known_ways(migrated_app):
    user = Factory(migrated_app).user("office")
    with migrated_app.app_context():
        for method in ("password", "microsoft", "google"):
            db.session.execute(
                text("UPDATE users SET last_login_method = :method WHERE id = :id"),
                {"method": method, "id": user.id},
            )
        db.session.commit()
        _refused(
            "UPDATE users SET last_login_method = 'fax' WHERE id = :id",
            "ck_users_last_login_method",
            id=user.id,
        )


def test_0014_links_a_login_to_one_account_of_each_provider(migrated_app):
    user = Factory(migrated_app).user("staff")
    insert = (
        "INSERT INTO sign_in_identities (provider, subject, user_id, created_at) "
        "VALUES (:provider, :subject, :id, CURRENT_TIMESTAMP)"
    )
    with migrated_app.app_context():
        for provider, subject in (("microsoft", "t/oid-1"), ("google", "g-1")):
            db.session.execute(
                text(insert), {"provider": provider, "subject": subject, "id": user.id}
            )
        db.session.commit()
        _refused(
            insert,
            # PostgreSQL names the constraint, SQLite its columns.
            r"uq_sign_in_identities_user_provider"
            r"|sign_in_identities\.user_id, sign_in_identities\.provider",
            provider="google",
            subject="g-2",
            id=user.id,
        )


def test_0016_lets_a_signed_record_lose_only_its_personal_data(migrated_app):
    loan = Factory(migrated_app).loan()
    mark = "UPDATE signatures SET personal_data_removed_at = :now, image_png = :empty"
    with migrated_app.app_context():
        values = {"now": utcnow(), "empty": b"", "id": loan.signature_id}
        with pytest.raises(DBAPIError, match="never edited"):
            db.session.execute(text("UPDATE signatures SET image_png = :empty"), values)
        db.session.rollback()
        with pytest.raises(DBAPIError, match="never edited"):
            db.session.execute(text(mark + ", text = 'Something else' WHERE id = :id"), values)
        db.session.rollback()
        db.session.execute(text(mark + " WHERE id = :id"), values)
        db.session.commit()
        _refused(
            "UPDATE people SET anonymised_at = :now WHERE id = :id",
            "anonymised_holds_nothing|CHECK constraint failed",
            now=utcnow(),
            id=loan.person_id,
        )

        downgrade(directory=MIGRATIONS, revision="0014")
        with pytest.raises(DBAPIError, match="never edited"):
            db.session.execute(text("UPDATE signatures SET title = 'changed'"))
        db.session.rollback()
        db.session.remove()
        upgrade(directory=MIGRATIONS)


def test_0017_lets_a_signed_record_lose_only_its_personal_data_and_goes_down(migrated_app):
    only_personal_data_removal_is_let_through(migrated_app)
    loan = Factory(migrated_app).loan()
    with migrated_app.app_context():
        downgrade(directory=MIGRATIONS, revision="0016")
        # 0016's looser rule again: the mark and the items changed together go through.
        db.session.execute(
            text(
                "UPDATE signatures SET personal_data_removed_at = :now, items = '[]' WHERE id = :id"
            ),
            {"now": utcnow(), "id": loan.signature_id},
        )
        db.session.commit()
        db.session.remove()
        upgrade(directory=MIGRATIONS)
        with pytest.raises(DBAPIError, match="never edited"):
            db.session.execute(
                text("UPDATE signatures SET capture = 'remote' WHERE id = :id"),
                {"id": loan.signature_id},
            )
        db.session.rollback()


def test_0018_refuses_overlapping_lesson_periods_and_goes_down(migrated_app):
    """The migration's own overlap guard (an exclusion constraint on PostgreSQL, triggers on
    SQLite), the same as the models give a new database."""
    insert = text(
        "INSERT INTO lesson_periods (name, starts_at, ends_at, position, bookable) "
        "VALUES (:name, :starts, :ends, 1, true)"
    )
    with migrated_app.app_context():
        db.session.execute(insert, {"name": "Period 1", "starts": "08:50", "ends": "09:50"})
        # Touching is not overlapping.
        db.session.execute(insert, {"name": "Period 2", "starts": "09:50", "ends": "10:50"})
        db.session.commit()
        with pytest.raises(DBAPIError):
            db.session.execute(insert, {"name": "Assembly", "starts": "09:00", "ends": "09:10"})
        db.session.rollback()
        with pytest.raises(DBAPIError):
            db.session.execute(
                text("UPDATE lesson_periods SET starts_at = '09:40' WHERE name = 'Period 2'")
            )
        db.session.rollback()
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0017")
        with db.engine.connect() as connection:
            assert "lesson_periods" not in inspect(connection).get_table_names()
        db.session.remove()
        upgrade(directory=MIGRATIONS)


def test_0021_moves_a_collected_bookings_loan_link_to_the_loans_and_back(migrated_app, database):
    make = Factory(migrated_app)
    borrower = make.person("Łukasz Żółć")
    booking = make.booking(make.asset("ASH-0001"), borrower)
    loan = make.loan(SimpleNamespace(id=booking.asset_id), borrower)
    other = make.loan(make.asset("ASH-0002"), borrower)
    kit = make.kit("KIT-0001", "iPad trolley A")
    collected = text("UPDATE bookings SET state = 'collected' WHERE id = :id")
    with migrated_app.app_context():
        db.session.execute(collected, {"id": booking.id})
        db.session.execute(
            text("UPDATE loans SET booking_id = :booking WHERE id = :id"),
            {"booking": booking.id, "id": loan.id},
        )
        db.session.commit()
        downgrade(directory=MIGRATIONS, revision="0020")
        assert db.session.execute(text("SELECT loan_id FROM bookings")).scalar() == loan.id
        db.session.remove()
        upgrade(directory=MIGRATIONS)
        links = dict(db.session.execute(text("SELECT id, booking_id FROM loans")).all())
        assert links == {loan.id: booking.id, other.id: None}

        # A booking names exactly one thing; a pool's names how many.
        insert = (
            "INSERT INTO bookings (asset_id, kit_id, pool_id, quantity, person_id, starts_at,"
            " ends_at, state, purpose, created_at, updated_at) VALUES (:asset, :kit, NULL,"
            " :quantity, :person, :start, :end, 'approved', '', :start, :start)"
        )
        start = booking.starts_at + timedelta(days=7)
        values = {"person": borrower.id, "start": start, "end": start + timedelta(hours=1)}
        _refused(
            insert,
            "one_thing_booked|CHECK constraint failed",
            asset=booking.asset_id,
            kit=kit.id,
            quantity=None,
            **values,
        )
        _refused(
            insert,
            "quantity_for_pool|CHECK constraint failed",
            asset=None,
            kit=kit.id,
            quantity=2,
            **values,
        )
        db.session.execute(text(insert), {"asset": None, "kit": kit.id, "quantity": None, **values})
        db.session.commit()
        if database == "postgresql":
            _refused(
                insert, "no_double_kit_booking", asset=None, kit=kit.id, quantity=None, **values
            )


def test_0025_keys_every_tag_by_unicode_case_folding_and_goes_down(migrated_app):
    make = Factory(migrated_app)
    category = make.category()
    with migrated_app.app_context():
        downgrade(directory=MIGRATIONS, revision="0023")
        db.session.execute(
            text(
                "INSERT INTO assets (tag, name, category_id, status, condition, encrypted, notes,"
                " created_at, updated_at) VALUES ('ŁÓDŹ-STRAẞE 1', 'Projector', :category,"
                " 'available', 'good', false, '', :now, :now)"
            ),
            {"now": utcnow(), "category": category.id},
        )
        db.session.commit()
        db.session.remove()
        upgrade(directory=MIGRATIONS)
        assert db.session.execute(text("SELECT tag_key FROM assets")).scalar() == "łódź-strasse 1"
        _refused(
            "INSERT INTO kits (tag, name, notes, created_at) VALUES ('KIT-1', 'Kit', '', :now)",
            "tag_key|NOT NULL constraint failed",
            now=utcnow(),
        )


def test_0027_keys_everyone_in_the_staff_lists_order_and_keeps_their_search(migrated_app):
    names = ["Łukasz Żółć", "Dr. A Smith", "Mr Bob Abbott", "a smith", "Zoë O'Brien-Ngô"]
    with migrated_app.app_context():
        downgrade(directory=MIGRATIONS, revision="0026")
        for name in names:
            db.session.execute(
                text(
                    "INSERT INTO people (name, active, notes, created_at)"
                    " VALUES (:name, true, '', :now)"
                ),
                {"name": name, "now": utcnow()},
            )
        db.session.commit()
        db.session.remove()
        upgrade(directory=MIGRATIONS)
        keys = dict(db.session.execute(text("SELECT name, sort_key FROM people")).all())
        assert keys == {name: sort_key(name) for name in names}
        if db.engine.dialect.name == "postgresql":  # byte order, whatever the server's locale
            collation = "SELECT collation_name FROM information_schema.columns"
            collation += " WHERE table_name = 'people' AND column_name = 'sort_key'"
            assert db.session.execute(text(collation)).scalar() == "C"
        assert [p.name for p in people.active_people()] == [
            "Mr Bob Abbott",
            "Zoë O'Brien-Ngô",
            "Dr. A Smith",
            "a smith",
            "Łukasz Żółć",
        ]
        # The search's index (triggers on SQLite) still follows the table.
        make = Factory(migrated_app)
        make.person("Mrs Ada Żółcińska")
        found = db.session.scalars(people.people_select("żół")).all()
        assert sorted(p.name for p in found) == ["Mrs Ada Żółcińska", "Łukasz Żółć"]
        _refused(
            "INSERT INTO people (name, active, notes, created_at) VALUES ('X', true, '', :now)",
            "sort_key|NOT NULL constraint failed",
            now=utcnow(),
        )
        downgrade(directory=MIGRATIONS, revision="0026")
        assert "sort_key" not in {c["name"] for c in inspect(db.engine).get_columns("people")}


def test_0028_renews_a_lists_token_on_every_change_and_goes_down(migrated_app):
    def tokens() -> dict[str, str]:
        return dict(db.session.execute(text("SELECT name, token FROM list_versions")).all())

    with migrated_app.app_context():
        first = tokens()
        assert set(first) == {"locations", "categories"}
        db.session.execute(text("INSERT INTO locations (name, notes) VALUES ('Łódź annexe', '')"))
        db.session.commit()
        second = tokens()
        assert second["locations"] != first["locations"]
        assert second["categories"] == first["categories"]
        db.session.execute(text("DELETE FROM locations"))
        db.session.commit()
        assert tokens()["locations"] not in (first["locations"], second["locations"])
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0027")
        assert "list_versions" not in inspect(db.engine).get_table_names()
        # No trigger is left behind to write to the table gone.
        db.session.execute(text("DELETE FROM locations"))
        db.session.commit()
        db.session.remove()
        upgrade(directory=MIGRATIONS)
