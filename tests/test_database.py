"""database.commit_or_rollback: the one commit of a request or command; how a request that did
not commit ends; and, on PostgreSQL, where a transaction begins."""

import psycopg
import pytest
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from assets.database import commit_or_rollback
from assets.extensions import db
from assets.models import Location
from assets.services.common.errors import DomainError
from assets.services.spreadsheets.bulk import BulkWriter


def _locations() -> list[str]:
    db.session.rollback()  # read what was committed, not what is pending
    return list(db.session.scalars(select(Location.name).order_by(Location.name)))


def test_what_the_call_did_is_committed_and_its_result_given_back(ctx):
    def add():
        db.session.add(Location(name="ICT suite"))
        db.session.flush()
        return "added"

    assert commit_or_rollback(add) == "added"
    assert _locations() == ["ICT suite"]


def test_a_rule_saying_no_changes_nothing_and_reaches_the_caller(ctx):
    def refused():
        db.session.add(Location(name="Office store"))
        db.session.flush()
        raise DomainError("No room of that name", field="name")

    with pytest.raises(DomainError, match="No room of that name"):
        commit_or_rollback(refused)
    assert _locations() == []


def test_a_lost_race_is_run_once_more_when_asked(ctx):
    db.session.add(Location(name="Hall"))
    db.session.commit()
    tries = []

    def open_or_join():
        tries.append(1)
        if len(tries) == 1:  # the first try writes the row another request already wrote
            db.session.add(Location(name="Hall"))
            db.session.flush()
        return db.session.scalar(select(func.count()).select_from(Location))

    assert commit_or_rollback(open_or_join, retry_on_race=True) == 1
    assert len(tries) == 2
    assert _locations() == ["Hall"]


def test_a_lost_race_is_a_bug_unless_the_caller_expects_it(ctx):
    db.session.add(Location(name="Hall"))
    db.session.commit()

    def duplicate():
        db.session.add(Location(name="Hall"))
        db.session.flush()

    with pytest.raises(IntegrityError):
        commit_or_rollback(duplicate)


# ---- how a request's transaction ends ---------------------------------------------------------


def _route(app, rule: str, view) -> None:
    app.add_url_rule(rule, rule.strip("/"), view)


def _one_location_written_without_commit(app, how: str) -> None:
    """A page that writes a location one way and ends without committing (as a view that
    meant to show a refusal might), or that writes and then fails."""

    def view():
        if how == "flush":
            db.session.add(Location(name="Pending"))
            db.session.flush()
        elif how == "sql":
            db.session.execute(insert(Location).values(name="Pending"))
        elif how == "copy":
            BulkWriter().insert(Location.__table__, [{"name": "Pending", "notes": ""}])
        elif how == "unflushed":
            db.session.add(Location(name="Pending"))
        return "done"

    _route(app, "/write-without-commit", view)


@pytest.mark.parametrize("how", ["flush", "sql", "unflushed"])
def test_what_a_request_wrote_without_committing_is_not_kept(app, database, client, how):
    _one_location_written_without_commit(app, how)
    assert client.get("/write-without-commit").text == "done"
    with app.app_context():
        assert _locations() == []


@pytest.mark.databases("postgresql")
def test_rows_copied_in_without_committing_are_not_kept(app, database, client):
    _one_location_written_without_commit(app, "copy")
    assert client.get("/write-without-commit").text == "done"
    with app.app_context():
        assert _locations() == []


@pytest.mark.databases("postgresql")
def test_a_page_read_again_and_again_is_planned_once_on_postgresql(app, database, client, as_role):
    """psycopg forgets a connection's prepared statements at a ROLLBACK: a request that only
    reads opens no transaction to end, so the statement a signed-in page runs for its user is
    prepared after a few requests and planned no more."""
    as_role("technician")
    used = []

    def note_connection(connection, *_args):
        used.append(connection.connection.dbapi_connection)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note_connection)
    try:
        for _ in range(6):
            assert client.get("/scan").status_code == 200
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", note_connection)
    connection = used[-1]
    assert all(c is connection for c in used[-3:])  # one request after another: one connection
    prepared = connection.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    connection.rollback()
    assert any("FROM users" in statement for (statement,) in prepared), prepared


def test_what_was_read_stays_readable_after_the_app_context_ends(app, database, make):
    """What a read loaded stays readable after the app context ends (no commit expires it):
    code (tests, commands) reads such objects after."""
    make.location("ICT suite")
    with app.app_context():
        location = db.session.scalar(select(Location))
    assert location.name == "ICT suite"


@pytest.mark.databases("postgresql")
def test_a_page_that_only_read_is_shown_when_its_connection_goes_before_the_end(
    app, database, client
):
    """A restore ends every other connection; one that had read all its page needed, and is
    ended before the request's end, still gives the page (nothing was written, nothing is
    lost), and the pool gives the next request a live connection."""

    def view():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        return "read"

    _route(app, "/read-then-lose-the-connection", view)
    page = client.get("/read-then-lose-the-connection")
    assert (page.status_code, page.text) == (200, "read")
    assert client.get("/read-then-lose-the-connection").status_code == 200  # pool recovered


# ---- where a PostgreSQL transaction begins -----------------------------------------------------


def _transaction_status() -> str:
    return db.session.connection().connection.dbapi_connection.info.transaction_status.name


def _other_connection(app) -> psycopg.Connection:
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True)


@pytest.mark.databases("postgresql")
def test_reading_opens_no_transaction_and_writing_does(app, database, make):
    """No BEGIN before a read, so none of COMMIT or ROLLBACK after it: each a round trip to
    the server, two of the six the asset page made."""
    make.location("ICT suite")
    with app.app_context():
        assert _locations() == ["ICT suite"]
        db.session.scalar(select(Location).where(Location.name == "ICT suite"))
        assert _transaction_status() == "IDLE"
        db.session.execute(insert(Location).values(name="Library"))
        assert _transaction_status() == "INTRANS"
        db.session.rollback()
        assert _locations() == ["ICT suite"]


@pytest.mark.databases("postgresql")
def test_rows_read_to_be_changed_stay_locked_until_the_commit(app, database, make):
    """SELECT ... FOR UPDATE (a pool's row before its booking) begins the transaction that
    holds the lock; alone, it would let go of it as soon as it ran."""
    make.location("ICT suite")
    with app.app_context(), _other_connection(app) as other:
        db.session.execute(select(Location).with_for_update()).all()
        assert _transaction_status() == "INTRANS"
        with pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("SELECT id FROM locations FOR UPDATE NOWAIT")
        db.session.commit()
        assert other.execute("SELECT name FROM locations FOR UPDATE NOWAIT").fetchall() == [
            ("ICT suite",)
        ]


@pytest.mark.databases("postgresql")
def test_a_savepoint_first_has_its_transaction(app, database, make):
    make.location("ICT suite")
    with app.app_context():
        with db.session.begin_nested():
            db.session.add(Location(name="Library"))
        assert _transaction_status() == "INTRANS"
        db.session.rollback()
        assert _locations() == ["ICT suite"]


@pytest.mark.databases("postgresql")
def test_a_read_through_a_server_side_cursor_has_its_transaction(app, database, make):
    """A server-side cursor (DECLARE) exists only in a transaction: one is begun for it."""
    make.location("ICT suite")
    make.location("Library")
    with app.app_context():
        streamed = db.session.execute(
            select(Location.name).order_by(Location.name),
            execution_options={"stream_results": True, "yield_per": 1},
        )
        assert [name for (name,) in streamed] == ["ICT suite", "Library"]


@pytest.mark.databases("postgresql")
def test_a_connection_asked_for_autocommit_runs_what_no_transaction_may(app, database, make):
    """VACUUM cannot run in a transaction: on a connection the caller put in AUTOCOMMIT, no
    BEGIN is sent before it; back in the pool, the connection begins lazily again, and one
    given another isolation level begins as psycopg does."""
    make.location("ICT suite")
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM (ANALYZE) locations")
            )
        with db.engine.connect() as connection:
            serializable = connection.execution_options(isolation_level="SERIALIZABLE")
            serializable.execute(select(Location.name)).all()
            raw = serializable.connection.dbapi_connection
            assert raw.info.transaction_status.name == "INTRANS"
            serializable.rollback()
        db.session.scalar(select(Location.name))
        assert _transaction_status() == "IDLE"
        db.session.execute(insert(Location).values(name="Library"))
        assert _transaction_status() == "INTRANS"
        db.session.rollback()
        assert _locations() == ["ICT suite"]
