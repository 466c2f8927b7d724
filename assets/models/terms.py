"""Versioned texts people sign: loan terms (policy sections 8 and 10) and the staff declaration.

A row is one version and is never edited: changing a text adds the next version, so every
signature keeps pointing at exactly what was shown.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DDL, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list, utcnow

TEXT_KINDS = ("laptop", "equipment", "declaration")
TEXT_KIND_LABELS = {
    "laptop": "Laptop loan terms (policy section 8)",
    "equipment": "Equipment loan terms (policy section 10)",
    "declaration": "Acceptable use declaration (staff)",
}


class Terms(db.Model):
    __tablename__ = "terms"
    __table_args__ = (
        UniqueConstraint("kind", "version", name="uq_terms_kind_version"),
        CheckConstraint(f"kind IN {sql_list(TEXT_KINDS)}", name="kind"),
        CheckConstraint("version > 0", name="version"),
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        CheckConstraint("length(trim(body)) > 0", name="body_not_blank"),
        CheckConstraint("length(sha256) = 64", name="sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # SHA-256 of the UTF-8 body, so a printed copy can be matched to its version.
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by = relationship("User")

    @property
    def kind_label(self) -> str:
        return TEXT_KIND_LABELS[self.kind]

    @property
    def versioned_title(self) -> str:
        return f"{self.title} (version {self.version})"

    def __str__(self) -> str:
        return self.versioned_title


# Rows that are records of what was shown or signed refuse UPDATE in the database itself.
# The revision that creates the tables holds the same statements.
SQLITE_NEVER_EDITED = (
    "CREATE TRIGGER {table}_never_edited BEFORE UPDATE ON {table} "
    "BEGIN SELECT RAISE(ABORT, '{table} rows are never edited'); END"
)
POSTGRES_REFUSE_UPDATE_FUNCTION = (
    "CREATE OR REPLACE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% rows are never edited', TG_TABLE_NAME; END $$"
)
POSTGRES_NEVER_EDITED = (
    "CREATE TRIGGER {table}_never_edited BEFORE UPDATE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION refuse_update()"
)


# Signed records may have their personal data removed under the retention policy (and
# nothing else): the one UPDATE let through sets personal_data_removed_at, keeps every column
# in `kept` (what was signed, by whom, when, and its hashes), lets each column in `emptied`
# only stay or become empty, each in `pseudonymised` only stay or become a pseudonym
# ("Former member of staff" and the id), and, in `details`, lets only the names and the seal
# change (see RemovalRules).
# The revisions 0016 and 0017 hold the same statements.
SQLITE_NEVER_EDITED_UNLESS = (
    "CREATE TRIGGER {table}_never_edited BEFORE UPDATE ON {table} "
    "WHEN NOT COALESCE(({allowed}), FALSE) "
    "BEGIN SELECT RAISE(ABORT, '{table} rows are never edited'); END"
)
POSTGRES_NEVER_EDITED_UNLESS = (
    "CREATE TRIGGER {table}_never_edited BEFORE UPDATE ON {table} "
    "FOR EACH ROW WHEN (NOT COALESCE(({allowed}), FALSE)) EXECUTE FUNCTION refuse_update()"
)
PSEUDONYM_LIKE = "'Former member of staff #%'"


@dataclass(frozen=True)
class RemovalRules:
    """What an UPDATE removing personal data from a signed record may change (nothing else).

    kept: columns unchanged (JSON ones compared as text); emptied: binary columns that stay
    or become empty bytes; pseudonymised: text columns that stay or become a pseudonym;
    details_*: the keys of the JSON column `details` — every key not named stays as it was,
    `details_pseudonymised` keys stay or become a pseudonym, `details_emptied` keys stay or
    become "", `details_with_borrower` keys change only with details.borrower_name (the
    signer's own record), `details_free` keys (the removal's own seal) may change."""

    kept: tuple[str, ...]
    kept_json: tuple[str, ...] = ()
    emptied: tuple[str, ...] = ()
    pseudonymised: tuple[str, ...] = ()
    details_pseudonymised: tuple[str, ...] = ()
    details_emptied: tuple[str, ...] = ()
    details_with_borrower: tuple[str, ...] = ()
    details_free: tuple[str, ...] = ()


def kept_when_removing_personal_data(rules: RemovalRules, dialect: str) -> str:
    """The SQL condition under which an UPDATE only removes personal data (see RemovalRules),
    for SQLite or PostgreSQL."""
    pg = dialect == "postgresql"
    same, differs = ("IS NOT DISTINCT FROM", "IS DISTINCT FROM") if pg else ("IS", "IS NOT")

    def key(row: str, name: str) -> str:
        if pg:
            return f"({row}.details ->> '{name}')"
        return f"json_extract({row}.details, '$.{name}')"

    def stays_or(new: str, old: str, becomes: str) -> str:
        return f"({new} {same} {old} OR COALESCE({new} {becomes}, FALSE))"

    parts = ["NEW.personal_data_removed_at IS NOT NULL"]
    parts += [f"NEW.{c} {same} OLD.{c}" for c in rules.kept]
    parts += [f"CAST(NEW.{c} AS TEXT) {same} CAST(OLD.{c} AS TEXT)" for c in rules.kept_json]
    parts += [
        stays_or(f"NEW.{c}", f"OLD.{c}", f"IS NOT NULL AND length(NEW.{c}) = 0")
        for c in rules.emptied
    ]
    parts += [
        stays_or(f"NEW.{c}", f"OLD.{c}", f"LIKE {PSEUDONYM_LIKE}") for c in rules.pseudonymised
    ]
    changing = (
        rules.details_pseudonymised
        + rules.details_emptied
        + rules.details_with_borrower
        + rules.details_free
    )
    if changing:
        if pg:
            names = ", ".join(f"'{k}'" for k in changing)
            rest = "(CAST({row}.details AS JSONB) - CAST(ARRAY[" + names + "] AS TEXT[]))"
        else:
            paths = ", ".join(f"'$.{k}'" for k in changing)
            rest = "json_remove({row}.details, " + paths + ")"
        parts.append(f"{rest.format(row='NEW')} {same} {rest.format(row='OLD')}")
        parts += [
            stays_or(key("NEW", k), key("OLD", k), f"LIKE {PSEUDONYM_LIKE}")
            for k in rules.details_pseudonymised
        ]
        parts += [stays_or(key("NEW", k), key("OLD", k), "= ''") for k in rules.details_emptied]
        borrower = f"{key('NEW', 'borrower_name')} {differs} {key('OLD', 'borrower_name')}"
        parts += [
            f"({key('NEW', k)} {same} {key('OLD', k)} OR {borrower})"
            for k in rules.details_with_borrower
        ]
    return " AND ".join(parts)


def never_edited(table, *, except_removal: RemovalRules | None = None) -> None:
    """Attach the refuse-UPDATE trigger to `table` for `create_all` (tests, new databases).
    With `except_removal`, an UPDATE that only removes personal data is let through (see
    RemovalRules)."""
    name = table.name
    if except_removal is not None:
        sqlite = SQLITE_NEVER_EDITED_UNLESS.format(
            table=name, allowed=kept_when_removing_personal_data(except_removal, "sqlite")
        )
        postgres = POSTGRES_NEVER_EDITED_UNLESS.format(
            table=name, allowed=kept_when_removing_personal_data(except_removal, "postgresql")
        )
    else:
        sqlite = SQLITE_NEVER_EDITED.format(table=name)
        postgres = POSTGRES_NEVER_EDITED.format(table=name)
    # DDL() formats its statements with %, so their own % are doubled.
    event.listen(table, "after_create", DDL(sqlite.replace("%", "%%")).execute_if(dialect="sqlite"))
    event.listen(
        table,
        "after_create",
        DDL(POSTGRES_REFUSE_UPDATE_FUNCTION.replace("%", "%%")).execute_if(dialect="postgresql"),
    )
    event.listen(
        table, "after_create", DDL(postgres.replace("%", "%%")).execute_if(dialect="postgresql")
    )


never_edited(Terms.__table__)
