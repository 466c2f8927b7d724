"""personal data removed under the retention policy

people.anonymised_at marks a member of staff whose personal data was removed (name replaced by
"Former member of staff #N"); a CHECK keeps such a row without email, staff number, job title
or notes, and inactive. signatures and leaver_signatures get personal_data_removed_at, and
their never-edited triggers let through exactly one kind of UPDATE: one that sets it and keeps
what was signed and its hashes (the images become empty, the names pseudonyms). The images
stay NOT NULL (empty bytes once removed), so no table is copied.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 01:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CHECK = (
    "anonymised_at IS NULL OR (email IS NULL AND staff_number IS NULL"
    " AND job_title IS NULL AND notes = '' AND NOT active)"
)
# Copies of assets.models.signature.SIGNATURE_KEPT and leaver.LEAVER_SIGNATURE_KEPT as they
# were when this revision was written.
KEPT = {
    "signatures": (
        "id",
        "person_id",
        "purpose",
        "signed_at",
        "title",
        "text",
        "text_sha256",
        "image_sha256",
        "receipt_code",
    ),
    "leaver_signatures": (
        "id",
        "case_id",
        "role",
        "recorded_by_id",
        "signed_at",
        "statement_sha256",
        "image_sha256",
    ),
}


def _allowed(table: str, same: str) -> str:
    unchanged = " AND ".join(f"NEW.{c} {same} OLD.{c}" for c in KEPT[table])
    return f"NEW.personal_data_removed_at IS NOT NULL AND {unchanged}"


def _trigger(table: str, *, allow_removal: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_never_edited")
        when = f"WHEN NOT ({_allowed(table, 'IS')}) " if allow_removal else ""
        op.execute(
            f"CREATE TRIGGER {table}_never_edited BEFORE UPDATE ON {table} {when}"
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are never edited'); END"
        )
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_never_edited ON {table}")
        when = f"WHEN (NOT ({_allowed(table, 'IS NOT DISTINCT FROM')})) " if allow_removal else ""
        op.execute(
            f"CREATE TRIGGER {table}_never_edited BEFORE UPDATE ON {table} "
            f"FOR EACH ROW {when}EXECUTE FUNCTION refuse_update()"
        )


def upgrade():
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f("ck_people_anonymised_holds_nothing"), CHECK)
    for table in KEPT:
        op.add_column(
            table, sa.Column("personal_data_removed_at", sa.DateTime(timezone=True), nullable=True)
        )
        _trigger(table, allow_removal=True)


def downgrade():
    for table in KEPT:
        _trigger(table, allow_removal=False)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("personal_data_removed_at")
        # A batch copy drops the table's triggers with it.
        _trigger(table, allow_removal=False)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_people_anonymised_holds_nothing"), type_="check")
        batch_op.drop_column("anonymised_at")
