"""the school's week: lesson periods and term dates with their closures

`lesson_periods` is the grid of a school day in local wall-clock times (Period 1 08:50-09:50,
Registration, Lunch...), with its order and whether it is booked; no two periods overlap
(an exclusion constraint on PostgreSQL, triggers on SQLite). `school_terms` are the terms,
first to last day; `school_closures` the holidays, INSET days and bank holidays inside them.

The tables start empty: while they are, the app uses its default week
(assets/services/schoolweek/defaults.py) until an admin sets the school's own.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 02:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Copies of assets.models.schoolweek's statements as they were when this revision was written.
PERIODS_OVERLAP_POSTGRES = (
    "ALTER TABLE lesson_periods ADD CONSTRAINT ex_lesson_periods_overlap EXCLUDE USING gist "
    "(tsrange(DATE '2000-01-01' + starts_at, DATE '2000-01-01' + ends_at) WITH &&)"
)
PERIODS_OVERLAP_SQLITE = [
    """CREATE TRIGGER lesson_periods_no_overlap_insert
BEFORE INSERT ON lesson_periods
WHEN EXISTS (
    SELECT 1 FROM lesson_periods AS other
    WHERE other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
)
BEGIN
    SELECT RAISE(ABORT, 'lesson periods overlap');
END""",
    """CREATE TRIGGER lesson_periods_no_overlap_update
BEFORE UPDATE ON lesson_periods
WHEN EXISTS (
    SELECT 1 FROM lesson_periods AS other
    WHERE other.id <> NEW.id
      AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
)
BEGIN
    SELECT RAISE(ABORT, 'lesson periods overlap');
END""",
]


def upgrade():
    op.create_table(
        "lesson_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("bookable", sa.Boolean(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_lesson_periods_ends_after_start")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_periods")),
        sa.UniqueConstraint("name", name=op.f("uq_lesson_periods_name")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PERIODS_OVERLAP_POSTGRES)
    else:
        for statement in PERIODS_OVERLAP_SQLITE:
            op.execute(statement)
    op.create_table(
        "school_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "last_day >= first_day", name=op.f("ck_school_terms_last_not_before_first")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_terms")),
        sa.UniqueConstraint("first_day", name=op.f("uq_school_terms_first_day")),
    )
    op.create_table(
        "school_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('holiday', 'inset', 'bank_holiday')", name=op.f("ck_school_closures_kind")
        ),
        sa.CheckConstraint(
            "last_day >= first_day", name=op.f("ck_school_closures_last_not_before_first")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["school_terms.id"],
            name=op.f("fk_school_closures_term_id_school_terms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_closures")),
    )
    op.create_index(
        op.f("ix_school_closures_term_id"), "school_closures", ["term_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_school_closures_term_id"), table_name="school_closures")
    op.drop_table("school_closures")
    op.drop_table("school_terms")
    op.drop_table("lesson_periods")
