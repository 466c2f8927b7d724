"""loans signatures terms

Loan terms and the staff declaration as versioned texts (seeded from the policy), drawn
signatures with the exact text signed and the receipt, the signature on each loan and return,
reminder times, and a settings table for admin choices.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:35:14.083223

"""

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


# The first version of each text, word for word from the school's policy (sections 8 and 10
# and the Acceptable Use Agreement - Staff). A copy of assets/services/terms/policy_texts.py as it
# was when this revision was written: revisions never import application code.
LAPTOP_TITLE = "Laptops issued to staff (policy section 8)"
LAPTOP_TERMS = (
    "8.1 The laptop remains the property of the School and is provided to users on a loaned"
    " basis. The laptop provided must not be used by any person(s) other than the "
    "authorised user to whom it has been allocated.\n\n"
    "8.2 School laptops have a predetermined list of software installed on the hard drive. "
    "No addition or deletion of any software or hardware is permitted without the express "
    "permission of the Head Teacher or School IT Technician. To ensure that security "
    "patches and virus definitions are up to date staff should connect the laptop to the "
    "School network on a regular basis.\n\n"
    "8.3 All reasonable care should be taken to prevent loss, damage, theft or unauthorised"
    " use of IT equipment as far as is practical. For example, the laptop should never be "
    "left in a vehicle overnight or other unsecured, vulnerable situation. Any loss or "
    "damage to School IT equipment should be immediately reported to the Head Teacher or "
    "School IT Technician.\n\n"
    "8.4 When a contract of employment at the School ends, the employee must return all "
    "computer equipment and software to the School IT Technician in full working condition."
    " The user account and all personal work stored on the laptop will then be securely "
    "deleted.\n\n"
    "8.5 If software/hardware problems arise, the laptop may need to be restored to its "
    "original settings. Work files may be lost during the restoration process, therefore it"
    " is the responsibility of all users to ensure that backups of all files are regularly "
    "made to an external device, such as the School's networked server or encrypted mobile "
    "device.\n\n"
    "8.6 Where there is evidence that the laptop has not been used in accordance with the "
    "above guidelines, a charge may be made for the replacement or repair of any School "
    "laptop whilst on loan."
)

EQUIPMENT_TITLE = "Use of other school IT equipment (policy section 10)"
EQUIPMENT_TERMS = (
    "10.1 Users who borrow equipment from the School must sign for it and bear the "
    "responsibility for its care. Loan equipment should be concealed and stored securely "
    "when not in use. Any loss or damage to equipment on loan should be immediately "
    "reported to the Head Teacher or School IT Technician in the first instance and any "
    "theft or criminal damage should be reported to the Police.\n\n"
    "10.2 To prevent data loss and ensure consistent application of School policies no "
    "personally owned equipment should be attached to the School's network without the "
    "permission of the Head Teacher. All mobile devices must be encrypted or password "
    "protected wherever technology allows."
)

DECLARATION_TITLE = "Acceptable Use Agreement - Staff: declaration"
DECLARATION = (
    "I confirm that I have received appropriate training, read and understood the School "
    "Staff IT Acceptable Use policy on the use of IT resources."
)

SEED = (
    ("laptop", LAPTOP_TITLE, LAPTOP_TERMS),
    ("equipment", EQUIPMENT_TITLE, EQUIPMENT_TERMS),
    ("declaration", DECLARATION_TITLE, DECLARATION),
)

# Terms versions and signatures are records of what was shown and signed: the database
# refuses to update them.
NEVER_EDITED = ("terms", "signatures")
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


def upgrade():
    op.create_table(
        "settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settings")),
        sa.UniqueConstraint("key", name=op.f("uq_settings_key")),
    )
    op.create_table(
        "terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('laptop', 'equipment', 'declaration')", name=op.f("ck_terms_kind")
        ),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_terms_sha256")),
        sa.CheckConstraint("length(trim(body)) > 0", name=op.f("ck_terms_body_not_blank")),
        sa.CheckConstraint("length(trim(title)) > 0", name=op.f("ck_terms_title_not_blank")),
        sa.CheckConstraint("version > 0", name=op.f("ck_terms_version")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_terms_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms")),
        sa.UniqueConstraint("kind", "version", name="uq_terms_kind_version"),
    )
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("capture", sa.String(length=20), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("image_png", sa.LargeBinary(), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("receipt_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("receipt_code", sa.String(length=14), nullable=True),
        sa.CheckConstraint("capture IN ('desk', 'remote')", name=op.f("ck_signatures_capture")),
        sa.CheckConstraint(
            "purpose = 'declaration' OR (receipt_pdf IS NOT NULL AND receipt_code IS NOT NULL)",
            name=op.f("ck_signatures_receipt_kept"),
        ),
        sa.CheckConstraint(
            "purpose IN ('loan', 'return', 'declaration')", name=op.f("ck_signatures_purpose")
        ),
        sa.CheckConstraint("length(image_sha256) = 64", name=op.f("ck_signatures_image_sha256")),
        sa.CheckConstraint("length(text_sha256) = 64", name=op.f("ck_signatures_text_sha256")),
        sa.CheckConstraint("length(trim(text)) > 0", name=op.f("ck_signatures_text_not_blank")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_signatures_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_signatures_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["users.id"], name=op.f("fk_signatures_technician_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
    )
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signatures_person_id"), ["person_id"], unique=False)

    op.create_table(
        "signature_terms",
        sa.Column("signature_id", sa.Integer(), nullable=False),
        sa.Column("terms_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signature_id"],
            ["signatures.id"],
            name=op.f("fk_signature_terms_signature_id_signatures"),
        ),
        sa.ForeignKeyConstraint(
            ["terms_id"], ["terms.id"], name=op.f("fk_signature_terms_terms_id_terms")
        ),
        sa.PrimaryKeyConstraint("signature_id", "terms_id", name=op.f("pk_signature_terms")),
    )
    with op.batch_alter_table("signature_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signature_terms_terms_id"), ["terms_id"], unique=False)

    # On SQLite this copies the table; the partial index uq_loans_open_asset and the CHECK
    # constraints are carried over (checked when this revision was written).
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("return_signature_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("signature_reminded_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("overdue_reminded_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_loans_signature_id"), ["signature_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_loans_return_signature_id_signatures"),
            "signatures",
            ["return_signature_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_loans_signature_id_signatures"), "signatures", ["signature_id"], ["id"]
        )

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(POSTGRES_REFUSE_UPDATE_FUNCTION)
    for table in NEVER_EDITED:
        if dialect == "sqlite":
            op.execute(SQLITE_NEVER_EDITED.format(table=table))
        elif dialect == "postgresql":
            op.execute(POSTGRES_NEVER_EDITED.format(table=table))

    terms = sa.table(
        "terms",
        sa.column("kind", sa.String),
        sa.column("version", sa.Integer),
        sa.column("title", sa.String),
        sa.column("body", sa.Text),
        sa.column("sha256", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        terms,
        [
            {
                "kind": kind,
                "version": 1,
                "title": title,
                "body": body,
                "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
                "created_at": now,
            }
            for kind, title, body in SEED
        ],
    )


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in NEVER_EDITED:
        op.execute(
            f"DROP TRIGGER IF EXISTS {table}_never_edited"
            + (f" ON {table}" if dialect == "postgresql" else "")
        )
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS refuse_update()")

    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_loans_signature_id_signatures"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_loans_return_signature_id_signatures"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_loans_signature_id"))
        batch_op.drop_column("overdue_reminded_at")
        batch_op.drop_column("signature_reminded_at")
        batch_op.drop_column("return_signature_id")
        batch_op.drop_column("signature_id")

    with op.batch_alter_table("signature_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signature_terms_terms_id"))

    op.drop_table("signature_terms")
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signatures_person_id"))

    op.drop_table("signatures")
    op.drop_table("terms")
    op.drop_table("settings")
