"""loss, damage and theft reports: incidents, their photos, repairs and charge decisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 02:55:29.849218

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_time", sa.Time(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("unsecured", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("police_reference", sa.String(length=40), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notify_state", sa.String(length=10), nullable=False),
        sa.Column("notify_attempts", sa.Integer(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notify_error", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "(closed_at IS NULL) = (status IN ('reported', 'investigating', 'in_repair'))",
            name=op.f("ck_incidents_closed"),
        ),
        sa.CheckConstraint(
            "kind IN ('loss', 'damage', 'theft', 'criminal_damage', 'fault')",
            name=op.f("ck_incidents_kind"),
        ),
        sa.CheckConstraint(
            "kind NOT IN ('theft', 'criminal_damage') OR status IN ('reported', 'investigating', 'in_repair') OR length(trim(coalesce(police_reference, ''))) > 0",
            name=op.f("ck_incidents_police_reference_to_close"),
        ),
        sa.CheckConstraint(
            "notify_state IN ('pending', 'sent', 'failed')", name=op.f("ck_incidents_notify_state")
        ),
        sa.CheckConstraint(
            "status IN ('reported', 'investigating', 'in_repair', 'repaired', 'replaced', 'written_off', 'found', 'no_action')",
            name=op.f("ck_incidents_status"),
        ),
        sa.CheckConstraint(
            "unsecured IN ('no', 'vehicle_overnight', 'other')", name=op.f("ck_incidents_unsecured")
        ),
        sa.CheckConstraint(
            "length(trim(description)) > 0", name=op.f("ck_incidents_description_not_blank")
        ),
        sa.CheckConstraint("notify_attempts >= 0", name=op.f("ck_incidents_notify_attempts")),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_incidents_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_incidents_loan_id_loans")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_incidents_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_incidents_reporter_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_status"), ["status"], unique=False)

    op.create_table(
        "incident_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("applies", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settlement", sa.String(length=10), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_by_id", sa.Integer(), nullable=True),
        sa.Column("settlement_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "settlement IS NULL OR settlement IN ('paid', 'waived')",
            name=op.f("ck_incident_charges_settlement"),
        ),
        sa.CheckConstraint(
            "(settlement IS NULL) = (settled_at IS NULL)",
            name=op.f("ck_incident_charges_settled_at"),
        ),
        sa.CheckConstraint(
            "amount IS NULL OR amount >= 0", name=op.f("ck_incident_charges_amount")
        ),
        sa.CheckConstraint(
            "applies = (amount IS NOT NULL)", name=op.f("ck_incident_charges_amount_when_charged")
        ),
        sa.CheckConstraint(
            "settlement IS NULL OR applies",
            name=op.f("ck_incident_charges_settled_only_when_charged"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_incident_charges_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_charges_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["settled_by_id"], ["users.id"], name=op.f("fk_incident_charges_settled_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_charges")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_charges_incident_id")),
    )
    op.create_table(
        "incident_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "content_type IN ('image/jpeg', 'image/png')",
            name=op.f("ck_incident_photos_content_type"),
        ),
        sa.CheckConstraint("byte_size > 0", name=op.f("ck_incident_photos_byte_size")),
        sa.CheckConstraint("width > 0 AND height > 0", name=op.f("ck_incident_photos_dimensions")),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_photos_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_incident_photos_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_photos")),
    )
    with op.batch_alter_table("incident_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_photos_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "incident_repairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("supplier", sa.String(length=120), nullable=False),
        sa.Column("cost", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("cost IS NULL OR cost >= 0", name=op.f("ck_incident_repairs_cost")),
        sa.CheckConstraint(
            "returned_on IS NULL OR sent_on IS NULL OR returned_on >= sent_on",
            name=op.f("ck_incident_repairs_returned_after_sent"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_repairs_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_incident_repairs_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_repairs")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_repairs_incident_id")),
    )


def downgrade():
    op.drop_table("incident_repairs")
    with op.batch_alter_table("incident_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_photos_incident_id"))

    op.drop_table("incident_photos")
    op.drop_table("incident_charges")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_status"))
        batch_op.drop_index(batch_op.f("ix_incidents_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_person_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_asset_id"))

    op.drop_table("incidents")
