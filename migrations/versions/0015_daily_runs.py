"""daily runs: the record of `flask daily`

One row per daily job per school day: when it started and finished, how it went (running,
done, failed) and what it did. The unique (job, day) lets exactly one of two servers run a job
started on both at once, and a job done today is not run again.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 01:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "daily_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('running', 'done', 'failed')", name=op.f("ck_daily_runs_outcome")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_runs")),
        sa.UniqueConstraint("job", "day", name="uq_daily_runs_job_day"),
    )


def downgrade():
    op.drop_table("daily_runs")
