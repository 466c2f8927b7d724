"""a charge names the report's borrower; reports filed at a return belong to that loan

Policy 8.6 charges the borrower, so a charge that applies now names one (CHECK
borrower_when_charged), and a composite foreign key to incidents (id, person_id) makes it the
report's own borrower.

Existing data, before the constraint:

1. Reports filed at a return were saved with no loan (the return page did not pass it on).
   Such a report is linked to its loan when the evidence is plain: no loan and no borrower
   on it, filed by the person who took the item back, within a day of the return, the return
   being that item's latest before the report and not in full working condition.
2. Each charge is given its report's borrower.
3. A charge that applies but still has no borrower cannot stay a charge. It becomes "no
   charge", with what was decided (amount, paid or waived, note) written into its reason, so
   nothing is lost; an audit event says so.

Downgrading drops the column and the constraints; the links of step 1 are kept (they are
corrections), and step 3 is not undone (its details are in the reason text).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:00:00.000000

"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# How long after a return a report counts as filed at it.
AT_THE_RETURN = timedelta(days=1)

incidents = sa.table(
    "incidents",
    sa.column("id", sa.Integer),
    sa.column("asset_id", sa.Integer),
    sa.column("loan_id", sa.Integer),
    sa.column("person_id", sa.Integer),
    sa.column("reporter_id", sa.Integer),
    sa.column("reported_at", sa.DateTime(timezone=True)),
)
loans = sa.table(
    "loans",
    sa.column("id", sa.Integer),
    sa.column("asset_id", sa.Integer),
    sa.column("person_id", sa.Integer),
    sa.column("returned_at", sa.DateTime(timezone=True)),
    sa.column("returned_to_id", sa.Integer),
    sa.column("return_condition", sa.String),
)
assets = sa.table("assets", sa.column("id", sa.Integer), sa.column("tag", sa.String))
people = sa.table("people", sa.column("id", sa.Integer), sa.column("name", sa.String))
charges = sa.table(
    "incident_charges",
    sa.column("id", sa.Integer),
    sa.column("incident_id", sa.Integer),
    sa.column("person_id", sa.Integer),
    sa.column("applies", sa.Boolean),
    sa.column("amount", sa.Numeric(10, 2)),
    sa.column("reason", sa.Text),
    sa.column("decided_at", sa.DateTime(timezone=True)),
    sa.column("settlement", sa.String),
    sa.column("settled_at", sa.DateTime(timezone=True)),
    sa.column("settled_by_id", sa.Integer),
    sa.column("settlement_note", sa.Text),
)
events = sa.table(
    "events",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("asset_id", sa.Integer),
    sa.column("person_id", sa.Integer),
    sa.column("summary", sa.String),
    sa.column("changes", sa.JSON),
)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC, PostgreSQL aware times: both as aware UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _event(connection, action, entity_id, asset_id, person_id, summary, changes) -> None:
    connection.execute(
        events.insert().values(
            at=datetime.now(UTC),
            actor_id=None,
            action=action,
            entity_type="incidents",
            entity_id=entity_id,
            asset_id=asset_id,
            person_id=person_id,
            summary=summary[:300],
            changes=changes,
        )
    )


def _link_reports_filed_at_a_return(connection) -> None:
    unlinked = connection.execute(
        sa.select(
            incidents.c.id,
            incidents.c.asset_id,
            incidents.c.reporter_id,
            incidents.c.reported_at,
            assets.c.tag,
        )
        .join(assets, assets.c.id == incidents.c.asset_id)
        .where(incidents.c.loan_id.is_(None), incidents.c.person_id.is_(None))
    ).all()
    for report in unlinked:
        reported_at = _utc(report.reported_at)
        returns = connection.execute(
            sa.select(loans, people.c.name)
            .join(people, people.c.id == loans.c.person_id)
            .where(loans.c.asset_id == report.asset_id, loans.c.returned_at.is_not(None))
        ).all()
        before = [row for row in returns if _utc(row.returned_at) <= reported_at]
        if not before:
            continue
        loan = max(before, key=lambda row: _utc(row.returned_at))
        if (
            loan.returned_to_id != report.reporter_id
            or loan.return_condition not in ("damaged", "incomplete")
            or reported_at - _utc(loan.returned_at) > AT_THE_RETURN
        ):
            continue
        connection.execute(
            incidents.update()
            .where(incidents.c.id == report.id)
            .values(loan_id=loan.id, person_id=loan.person_id)
        )
        _event(
            connection,
            "incident.linked_to_return",
            report.id,
            report.asset_id,
            loan.person_id,
            f"Report #{report.id} ({report.tag}): linked to the loan to {loan.name}, "
            "whose return it was filed at",
            {"loan_id": loan.id, "person_id": [None, loan.person_id]},
        )


def _withdraw_charges_without_a_borrower(connection) -> None:
    orphans = connection.execute(
        sa.select(charges, incidents.c.asset_id)
        .join(incidents, incidents.c.id == charges.c.incident_id)
        .where(charges.c.applies.is_(True), charges.c.person_id.is_(None))
    ).all()
    for charge in orphans:
        decided = _utc(charge.decided_at).strftime("%d/%m/%Y")
        what = f"A charge of £{charge.amount:,.2f} was decided on {decided}"
        if charge.settlement:
            settled = _utc(charge.settled_at).strftime("%d/%m/%Y")
            what += f" and recorded as {charge.settlement} on {settled}"
            if charge.settlement_note:
                what += f" ({charge.settlement_note})"
        note = (
            f"{what}, but this report names no borrower, and a charge is made to the "
            "borrower (policy 8.6). It was withdrawn when the app began to require one."
        )
        reason = f"{charge.reason}\n\n{note}" if charge.reason else note
        connection.execute(
            charges.update()
            .where(charges.c.id == charge.id)
            .values(
                applies=False,
                amount=None,
                reason=reason,
                settlement=None,
                settled_at=None,
                settled_by_id=None,
                settlement_note="",
            )
        )
        _event(
            connection,
            "incident.charge_withdrawn",
            charge.incident_id,
            charge.asset_id,
            None,
            f"Report #{charge.incident_id}: charge of £{charge.amount:,.2f} withdrawn, "
            "as the report names no borrower",
            {"amount": str(charge.amount), "settlement": charge.settlement},
        )


def upgrade():
    connection = op.get_bind()
    _link_reports_filed_at_a_return(connection)
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("uq_incidents_id_person", ["id", "person_id"], unique=True)
    with op.batch_alter_table("incident_charges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
    connection.execute(
        charges.update().values(
            person_id=sa.select(incidents.c.person_id)
            .where(incidents.c.id == charges.c.incident_id)
            .scalar_subquery()
        )
    )
    _withdraw_charges_without_a_borrower(connection)
    # On SQLite this copies the table, checking every row against the new rules.
    with op.batch_alter_table("incident_charges", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_incident_charges_borrower_when_charged"),
            "NOT applies OR person_id IS NOT NULL",
        )
        batch_op.create_foreign_key(
            "fk_incident_charges_borrower",
            "incidents",
            ["incident_id", "person_id"],
            ["id", "person_id"],
        )


def downgrade():
    with op.batch_alter_table("incident_charges", schema=None) as batch_op:
        batch_op.drop_constraint("fk_incident_charges_borrower", type_="foreignkey")
        batch_op.drop_constraint(op.f("ck_incident_charges_borrower_when_charged"), type_="check")
        batch_op.drop_column("person_id")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("uq_incidents_id_person")
