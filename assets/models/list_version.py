"""Which version of a list the database holds: a token the database itself sets to a new
random value whenever the list's table changes, so any process may keep the list and read it
again only when the token differs (services/register/choice_lists).

The triggers, not the application, change the token: a change by another worker, an import,
a `flask` command, the sqlite3 shell or psql all count. The token is random, never a counter:
a database restored from a backup holds the token of its own contents, so an equal token
always means an equal list (a counter could come round to a number already seen with other
contents)."""

from sqlalchemy import DDL, String, event
from sqlalchemy.orm import Mapped, mapped_column

from assets.extensions import db

# The same SQL as migration 0028 writes (revisions never import the application).
SQLITE_LIST_CHANGED = (
    "CREATE TRIGGER {table}_list_version_{verb} AFTER {verb} ON {table} BEGIN "
    "INSERT INTO list_versions (name, token) VALUES ('{table}', lower(hex(randomblob(16)))) "
    "ON CONFLICT (name) DO UPDATE SET token = excluded.token; END"
)
POSTGRES_NEW_LIST_VERSION = (
    "CREATE OR REPLACE FUNCTION new_list_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "INSERT INTO list_versions (name, token) "
    "VALUES (TG_ARGV[0], replace(CAST(gen_random_uuid() AS TEXT), '-', '')) "
    "ON CONFLICT (name) DO UPDATE SET token = excluded.token; "
    "RETURN NULL; "
    "END $$"
)
# One per statement: an import of a thousand rows changes the token once.
POSTGRES_LIST_CHANGED = (
    "CREATE TRIGGER {table}_list_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
    "ON {table} FOR EACH STATEMENT EXECUTE FUNCTION new_list_version('{table}')"
)


class ListVersion(db.Model):
    """One row per list kept by the application ("locations", "categories"): its token."""

    __tablename__ = "list_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(40))


def versioned_list(table) -> None:
    """Attach to `table` (for `create_all`: tests, new databases) the triggers that give its
    row of list_versions a new token on every INSERT, UPDATE and DELETE."""
    for verb in ("INSERT", "UPDATE", "DELETE"):
        sqlite = SQLITE_LIST_CHANGED.format(table=table.name, verb=verb)
        event.listen(table, "after_create", DDL(sqlite).execute_if(dialect="sqlite"))
    for postgres in (POSTGRES_NEW_LIST_VERSION, POSTGRES_LIST_CHANGED.format(table=table.name)):
        event.listen(table, "after_create", DDL(postgres).execute_if(dialect="postgresql"))
