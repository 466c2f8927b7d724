"""register, accounts and audit trail

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:27:05.800028

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# Finding a device by any fragment of its tag, serial, name, make or model: a trigram index
# on assets.search_text. PostgreSQL: pg_trgm's GIN index; SQLite: an FTS5 table kept in step
# by triggers.
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE asset_search USING fts5("
    "search_text, content='assets', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER assets_search_insert AFTER INSERT ON assets BEGIN "
    "INSERT INTO asset_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER assets_search_delete AFTER DELETE ON assets BEGIN "
    "INSERT INTO asset_search(asset_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER assets_search_update AFTER UPDATE ON assets BEGIN "
    "INSERT INTO asset_search(asset_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO asset_search(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("terms_kind", sa.String(length=20), nullable=False),
        sa.Column("loan_kind", sa.String(length=20), nullable=False),
        sa.Column("default_loan_days", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "loan_kind IN ('allocation', 'short')", name=op.f("ck_categories_loan_kind")
        ),
        sa.CheckConstraint(
            "terms_kind IN ('laptop', 'equipment')", name=op.f("ck_categories_terms_kind")
        ),
        sa.CheckConstraint(
            "default_loan_days IS NULL OR default_loan_days > 0",
            name=op.f("ck_categories_default_loan_days"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_categories_name")),
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("name", name=op.f("uq_locations_name")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("staff_number", sa.String(length=40), nullable=True),
        sa.Column("job_title", sa.String(length=120), nullable=True),
        sa.Column("contract_end_date", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(trim(name)) > 0", name=op.f("ck_people_name_not_blank")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("email", name=op.f("uq_people_email")),
        sa.UniqueConstraint("staff_number", name=op.f("uq_people_staff_number")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_name"), ["name"], unique=False)

    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("manufacturer", sa.String(length=80), nullable=True),
        sa.Column("model", sa.String(length=120), nullable=True),
        sa.Column("serial_number", sa.String(length=80), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("condition", sa.String(length=20), nullable=False),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("purchase_cost", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("supplier", sa.String(length=120), nullable=True),
        sa.Column("warranty_end", sa.Date(), nullable=True),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("software_image", sa.String(length=120), nullable=True),
        sa.Column("last_network_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "search_text",
            sa.Text(),
            sa.Computed(
                "lower(tag || ' ' || coalesce(serial_number, '') || ' ' || name || ' ' || coalesce(manufacturer, '') || ' ' || coalesce(model, ''))",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "condition IN ('new', 'good', 'fair', 'poor', 'broken')",
            name=op.f("ck_assets_condition"),
        ),
        sa.CheckConstraint(
            "status IN ('available', 'on_loan', 'in_repair', 'lost', 'stolen', 'retired')",
            name=op.f("ck_assets_status"),
        ),
        sa.CheckConstraint("length(trim(tag)) > 0", name=op.f("ck_assets_tag_not_blank")),
        sa.CheckConstraint(
            "purchase_cost IS NULL OR purchase_cost >= 0", name=op.f("ck_assets_purchase_cost")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_assets_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_assets_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint("tag", name=op.f("uq_assets_tag")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assets_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assets_location_id"), ["location_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_assets_serial_number"), ["serial_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assets_status"), ["status"], unique=False)
    if dialect == "postgresql":
        op.create_index(
            "ix_assets_search_trgm",
            "assets",
            ["search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
    if dialect == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'technician', 'office', 'staff')", name=op.f("ck_users_role")
        ),
        sa.CheckConstraint("failed_logins >= 0", name=op.f("ck_users_failed_logins")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_users_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("person_id", name=op.f("uq_users_person_id")),
        sa.UniqueConstraint("session_token", name=op.f("uq_users_session_token")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_events_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_events_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_asset_at", ["asset_id", "at"], unique=False)
        batch_op.create_index("ix_events_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index("ix_events_person_at", ["person_id", "at"], unique=False)

    op.create_table(
        "loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("out_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("out_by_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_to_id", sa.Integer(), nullable=True),
        sa.Column("return_condition", sa.String(length=20), nullable=True),
        sa.Column("return_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "return_condition IS NULL OR return_condition IN ('full_working', 'damaged', 'incomplete')",
            name=op.f("ck_loans_return_condition"),
        ),
        sa.CheckConstraint(
            "(returned_at IS NULL) = (return_condition IS NULL)",
            name=op.f("ck_loans_return_recorded"),
        ),
        sa.CheckConstraint(
            "returned_at IS NULL OR returned_at >= out_at", name=op.f("ck_loans_returned_after_out")
        ),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], name=op.f("fk_loans_asset_id_assets")),
        sa.ForeignKeyConstraint(["out_by_id"], ["users.id"], name=op.f("fk_loans_out_by_id_users")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_loans_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["returned_to_id"], ["users.id"], name=op.f("fk_loans_returned_to_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loans_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loans_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "uq_loans_open_asset",
            ["asset_id"],
            unique=True,
            sqlite_where=sa.text("returned_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_loans_open_asset",
            sqlite_where=sa.text("returned_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_loans_person_id"))
        batch_op.drop_index(batch_op.f("ix_loans_asset_id"))

    op.drop_table("loans")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_person_at")
        batch_op.drop_index("ix_events_entity")
        batch_op.drop_index("ix_events_asset_at")

    op.drop_table("events")
    op.drop_table("users")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS asset_search")
    else:
        op.drop_index("ix_assets_search_trgm", table_name="assets")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assets_status"))
        batch_op.drop_index(batch_op.f("ix_assets_serial_number"))
        batch_op.drop_index(batch_op.f("ix_assets_location_id"))
        batch_op.drop_index(batch_op.f("ix_assets_category_id"))

    op.drop_table("assets")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_name"))

    op.drop_table("people")
    op.drop_table("locations")
    op.drop_table("categories")
