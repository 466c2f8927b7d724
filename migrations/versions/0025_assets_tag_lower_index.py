"""assets: an index on lower(tag), for finding a tag in any letter case

check-out, stocktakes, kits and the tag-free check on every save look a tag up by
lower(tag): without this index PostgreSQL read all 100,000 rows of a trust's register
(110 ms) and SQLite lowered every tag in Python.

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-07 04:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_assets_tag_lower", "assets", [sa.text("lower(tag)")])


def downgrade():
    op.drop_index("ix_assets_tag_lower", table_name="assets")
