"""Versioned texts people sign: loan terms (policy sections 8 and 10) and the staff declaration.

A row is one version and is never edited: changing a text adds the next version, so every
signature keeps pointing at exactly what was shown.
"""

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
# nothing else): the one UPDATE let through sets personal_data_removed_at and keeps the text,
# its hash, the image's hash and the verification code. The revision that adds the column
# (0016) holds the same statements.
SQLITE_NEVER_EDITED_UNLESS = (
    "CREATE TRIGGER {table}_never_edited BEFORE UPDATE ON {table} WHEN NOT ({allowed}) "
    "BEGIN SELECT RAISE(ABORT, '{table} rows are never edited'); END"
)
POSTGRES_NEVER_EDITED_UNLESS = (
    "CREATE TRIGGER {table}_never_edited BEFORE UPDATE ON {table} "
    "FOR EACH ROW WHEN (NOT ({allowed})) EXECUTE FUNCTION refuse_update()"
)


def kept_when_removing_personal_data(kept: tuple[str, ...], same: str) -> str:
    """The SQL condition under which an UPDATE only removes personal data: the row is marked
    and every column in `kept` is unchanged (`same` is the dialect's null-safe equality)."""
    unchanged = " AND ".join(f"NEW.{c} {same} OLD.{c}" for c in kept)
    return f"NEW.personal_data_removed_at IS NOT NULL AND {unchanged}"


def never_edited(table, *, except_removal_keeping: tuple[str, ...] = ()) -> None:
    """Attach the refuse-UPDATE trigger to `table` for `create_all` (tests, new databases).
    With `except_removal_keeping`, an UPDATE that only removes personal data is let through
    (see kept_when_removing_personal_data)."""
    name = table.name
    if except_removal_keeping:
        sqlite = SQLITE_NEVER_EDITED_UNLESS.format(
            table=name,
            allowed=kept_when_removing_personal_data(except_removal_keeping, "IS"),
        )
        postgres = POSTGRES_NEVER_EDITED_UNLESS.format(
            table=name,
            allowed=kept_when_removing_personal_data(
                except_removal_keeping, "IS NOT DISTINCT FROM"
            ),
        )
    else:
        sqlite = SQLITE_NEVER_EDITED.format(table=name)
        postgres = POSTGRES_NEVER_EDITED.format(table=name)
    event.listen(table, "after_create", DDL(sqlite).execute_if(dialect="sqlite"))
    event.listen(
        table,
        "after_create",
        # DDL() formats its statement with %, so the function's own % is doubled.
        DDL(POSTGRES_REFUSE_UPDATE_FUNCTION.replace("%", "%%")).execute_if(dialect="postgresql"),
    )
    event.listen(table, "after_create", DDL(postgres).execute_if(dialect="postgresql"))


never_edited(Terms.__table__)
