"""loans ended without the item: return_condition 'not_returned'

A written-off or replaced item's loan used to end as 'incomplete' with a note starting "Not
returned", which the leaver's checklist recognised by its text. It now ends as 'not_returned'.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 05:45:32.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_loans_return_condition"
OLD_CONDITIONS = "('full_working', 'damaged', 'incomplete')"
NEW_CONDITIONS = "('full_working', 'damaged', 'incomplete', 'not_returned')"
# What the incident services wrote on a loan they ended, before this revision.
OLD_PREFIX = "Not returned"

loans = sa.table(
    "loans",
    sa.column("id", sa.Integer),
    sa.column("return_condition", sa.String),
    sa.column("return_note", sa.Text),
)
events = sa.table(
    "events",
    sa.column("action", sa.String),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.Integer),
)


def _set_check(conditions: str) -> None:
    # On SQLite this copies the table; the partial index uq_loans_open_asset, the foreign keys
    # and the other CHECK constraints are carried over (checked when this revision was
    # written, and by tests/test_migrations.py).
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch_op.create_check_constraint(
            op.f(CONSTRAINT),
            f"return_condition IS NULL OR return_condition IN {conditions}",
        )


def upgrade():
    _set_check(NEW_CONDITIONS)
    # Only loans the incident services ended: the note they wrote, and their audit event
    # (a note typed at the desk that happens to start "Not returned" is left alone). The
    # notes stay as written: they are the record of what was said at the time.
    ended_by_incident = sa.exists().where(
        events.c.action == "loan.ended_by_incident",
        events.c.entity_type == "loans",
        events.c.entity_id == loans.c.id,
    )
    op.execute(
        loans.update()
        .where(
            loans.c.return_condition == "incomplete",
            loans.c.return_note.like(f"{OLD_PREFIX}%"),
            ended_by_incident,
        )
        .values(return_condition="not_returned")
    )


def downgrade():
    # The code before this revision knows such a loan by its note alone: make sure it starts
    # "Not returned" ("Written off after report #3" becomes "Not returned: written off after
    # report #3", as that code wrote it).
    note = loans.c.return_note
    op.execute(
        loans.update()
        .where(loans.c.return_condition == "not_returned", ~note.like(f"{OLD_PREFIX}%"))
        .values(
            return_note=sa.literal(f"{OLD_PREFIX}: ")
            + sa.func.lower(sa.func.substr(note, 1, 1))
            + sa.func.substr(note, 2)
        )
    )
    op.execute(
        loans.update()
        .where(loans.c.return_condition == "not_returned")
        .values(return_condition="incomplete")
    )
    _set_check(OLD_CONDITIONS)
