"""leaver checklists: cases, their steps, the closing signatures and the filed PDF record

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 03:34:36.485114

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The closing signatures are records of what was signed: the database refuses to update them,
# as it does terms and signatures (revision 0002 created refuse_update() on PostgreSQL; it is
# replaced here with the same body, so this revision does not depend on that one's details).
SQLITE_NEVER_EDITED = (
    "CREATE TRIGGER leaver_signatures_never_edited BEFORE UPDATE ON leaver_signatures "
    "BEGIN SELECT RAISE(ABORT, 'leaver_signatures rows are never edited'); END"
)
POSTGRES_REFUSE_UPDATE_FUNCTION = (
    "CREATE OR REPLACE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% rows are never edited', TG_TABLE_NAME; END $$"
)
POSTGRES_NEVER_EDITED = (
    "CREATE TRIGGER leaver_signatures_never_edited BEFORE UPDATE ON leaver_signatures "
    "FOR EACH ROW EXECUTE FUNCTION refuse_update()"
)


def upgrade():
    op.create_table(
        "leaver_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("leaving_on", sa.Date(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("unsigned_reason", sa.Text(), nullable=True),
        sa.Column("record_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("record_code", sa.String(length=14), nullable=True),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)", name=op.f("ck_leaver_cases_closed_at")
        ),
        sa.CheckConstraint(
            "status = 'open' OR (closed_by_id IS NOT NULL AND record_pdf IS NOT NULL AND record_code IS NOT NULL)",
            name=op.f("ck_leaver_cases_record_filed"),
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_leaver_cases_status")),
        sa.CheckConstraint(
            "unsigned_reason IS NULL OR length(trim(unsigned_reason)) > 0",
            name=op.f("ck_leaver_cases_unsigned_reason_not_blank"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_leaver_cases_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_leaver_cases_opened_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_leaver_cases_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaver_cases")),
    )
    with op.batch_alter_table("leaver_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leaver_cases_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "uq_leaver_cases_open_person",
            ["person_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "leaver_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("statement_sha256", sa.String(length=64), nullable=False),
        sa.Column("image_png", sa.LargeBinary(), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "role IN ('technician', 'leaver')", name=op.f("ck_leaver_signatures_role")
        ),
        sa.CheckConstraint(
            "length(image_sha256) = 64", name=op.f("ck_leaver_signatures_image_sha256")
        ),
        sa.CheckConstraint(
            "length(statement_sha256) = 64", name=op.f("ck_leaver_signatures_statement_sha256")
        ),
        sa.CheckConstraint(
            "length(trim(statement)) > 0", name=op.f("ck_leaver_signatures_statement_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["leaver_cases.id"], name=op.f("fk_leaver_signatures_case_id_leaver_cases")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_leaver_signatures_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaver_signatures")),
        sa.UniqueConstraint("case_id", "role", name="uq_leaver_signatures_case_role"),
    )
    with op.batch_alter_table("leaver_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leaver_signatures_case_id"), ["case_id"], unique=False)

    op.create_table(
        "leaver_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(asset_id IS NOT NULL) = (kind IN ('item', 'wipe'))",
            name=op.f("ck_leaver_steps_asset"),
        ),
        sa.CheckConstraint(
            "(incident_id IS NOT NULL) = (kind = 'item' AND outcome <> 'full_working')",
            name=op.f("ck_leaver_steps_incident_when_not_full"),
        ),
        sa.CheckConstraint(
            "(loan_id IS NOT NULL) = (kind = 'item')", name=op.f("ck_leaver_steps_loan")
        ),
        sa.CheckConstraint(
            "kind <> 'wipe' OR length(trim(method)) > 0", name=op.f("ck_leaver_steps_wipe_method")
        ),
        sa.CheckConstraint(
            "kind = 'licence' OR completed_at IS NOT NULL",
            name=op.f("ck_leaver_steps_stored_when_done"),
        ),
        sa.CheckConstraint(
            "kind IN ('item', 'wipe', 'licence', 'network_account', 'app_login')",
            name=op.f("ck_leaver_steps_kind"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR (kind = 'item' AND outcome IN ('full_working', 'damaged', 'incomplete', 'not_returned')) OR (kind = 'wipe' AND outcome IN ('wiped')) OR (kind = 'licence' AND outcome IN ('returned')) OR (kind = 'network_account' AND outcome IN ('disabled')) OR (kind = 'app_login' AND outcome IN ('deactivated'))",
            name=op.f("ck_leaver_steps_outcome"),
        ),
        sa.CheckConstraint(
            "(completed_at IS NULL) = (completed_by_id IS NULL)",
            name=op.f("ck_leaver_steps_completed_by"),
        ),
        sa.CheckConstraint(
            "(completed_at IS NULL) = (outcome IS NULL)",
            name=op.f("ck_leaver_steps_completed_outcome"),
        ),
        sa.CheckConstraint("length(trim(label)) > 0", name=op.f("ck_leaver_steps_label_not_blank")),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_leaver_steps_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_leaver_steps_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["leaver_cases.id"], name=op.f("fk_leaver_steps_case_id_leaver_cases")
        ),
        sa.ForeignKeyConstraint(
            ["completed_by_id"], ["users.id"], name=op.f("fk_leaver_steps_completed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_leaver_steps_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_leaver_steps_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaver_steps")),
        sa.UniqueConstraint("case_id", "key", name="uq_leaver_steps_case_key"),
    )
    with op.batch_alter_table("leaver_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leaver_steps_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leaver_steps_case_id"), ["case_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_REFUSE_UPDATE_FUNCTION)
        op.execute(POSTGRES_NEVER_EDITED)
    else:
        op.execute(SQLITE_NEVER_EDITED)


def downgrade():
    with op.batch_alter_table("leaver_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leaver_steps_case_id"))
        batch_op.drop_index(batch_op.f("ix_leaver_steps_asset_id"))

    op.drop_table("leaver_steps")
    with op.batch_alter_table("leaver_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leaver_signatures_case_id"))

    op.drop_table("leaver_signatures")
    with op.batch_alter_table("leaver_cases", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_leaver_cases_open_person",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_leaver_cases_person_id"))

    op.drop_table("leaver_cases")
