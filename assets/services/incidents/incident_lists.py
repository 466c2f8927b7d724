"""Finding reports: the filtered list, the dashboard's open reports, an asset's and a person's
reports, and a report's history. Every list is limited to what the user may see."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload, undefer

from assets.extensions import db
from assets.models import Asset, Event, Incident, IncidentPhoto, Person, User
from assets.models.incident import INCIDENT_STATUSES, KINDS, OPEN_STATUSES, OUTCOMES
from assets.services.incidents.incidents import may_see, visible_to
from assets.services.loans.lending_holds import LendingHold, lending_hold
from assets.services.register import few_assets, register

STATES = {"open": OPEN_STATUSES, "closed": OUTCOMES, "all": INCIDENT_STATUSES}


@dataclass
class IncidentFilter:
    state: str = "open"
    kind: str | None = None
    status: str | None = None
    q: str = ""


def _listed(query: Select) -> Select:
    return query.options(
        selectinload(Incident.asset), selectinload(Incident.person), selectinload(Incident.reporter)
    )


def _about_assets_matching(q: str) -> ColumnElement[bool]:
    """Reports about an asset whose text holds every word of `q`.

    Matched against the matching assets' ids when they are few (few_assets.matching): much
    quicker than reading each report's asset (a surname at 100,000 assets and 2,000 reports:
    0.6 ms against 8 ms on SQLite). Otherwise, reports being few beside assets (hundreds to a
    register's 100,000), each report's own asset is checked rather than every match listed."""
    ids = few_assets.matching(q)
    if ids is not None:
        return Incident.asset_id.in_(ids)
    return register.asset_matches(Incident.asset_id, q, per_row=True)


def _matching(query: Select, user: User | None, filters: IncidentFilter) -> Select:
    """`query` narrowed to the reports `user` may see that match `filters`, newest first."""
    if user is not None:
        query = query.where(visible_to(user))
    if filters.status in INCIDENT_STATUSES:
        query = query.where(Incident.status == filters.status)
    else:
        query = query.where(Incident.status.in_(STATES.get(filters.state, OPEN_STATUSES)))
    if filters.kind in KINDS:
        query = query.where(Incident.kind == filters.kind)
    q = filters.q.strip()
    if q:
        query = query.where(
            _about_assets_matching(q) | Incident.person_id.in_(register.name_matches(q))
        )
    return query.order_by(Incident.reported_at.desc(), Incident.id.desc())


def incident_select(user: User | None, filters: IncidentFilter) -> Select:
    """The reports `user` may see that match `filters`, newest first, ready to paginate.
    No user is the command line, which sees every report."""
    return _listed(_matching(select(Incident), user, filters))


def incident_ids(user: User | None, filters: IncidentFilter) -> Select:
    """The ids of incident_select's reports, in its order: the list page reads them once for
    both its total and its page (a search checks every report, so a count beside the page
    would check them all again)."""
    return _matching(select(Incident.id), user, filters)


def incidents_by_id(ids: list[int]) -> list[Incident]:
    """The reports `ids`, in that order, each with its asset, borrower and reporter read in
    the same query."""
    query = (
        select(Incident)
        .where(Incident.id.in_(ids))
        .options(
            joinedload(Incident.asset),
            joinedload(Incident.person),
            joinedload(Incident.reporter),
        )
    )
    found = {incident.id: incident for incident in db.session.scalars(query)}
    return [found[id_] for id_ in ids if id_ in found]


def open_incidents(limit: int = 10) -> list[Incident]:
    """The newest open reports, for the desk's home page."""
    query = select(Incident).where(Incident.status.in_(OPEN_STATUSES))
    query = query.order_by(Incident.reported_at.desc(), Incident.id.desc()).limit(limit)
    return list(db.session.scalars(_listed(query)))


def _reports_about(column) -> Select:
    query = select(Incident).where(column == bindparam("subject"))
    return _listed(query.order_by(Incident.reported_at.desc(), Incident.id.desc()))


# Built once (see register.asset_by_tag), so who may see which report is checked on the few
# rows they give rather than written into each statement.
_ABOUT_ASSET = _reports_about(Incident.asset_id)
_ABOUT_PERSON = _reports_about(Incident.person_id)
# An asset's own page: the asset itself is loaded already (a many-to-one read by its key
# comes from the session, not the database), so only who filed each report and whom it is
# about come with them, in the same query.
_ABOUT_THIS_ASSET = (
    select(Incident)
    .where(Incident.asset_id == bindparam("subject"))
    .options(joinedload(Incident.person), joinedload(Incident.reporter))
    .order_by(Incident.reported_at.desc(), Incident.id.desc())
)


def reports_about(user: User, *, asset: Asset | None = None, person: Person | None = None):
    """The reports about `asset` (or else `person`) that `user` may see, newest first."""
    query, subject = (_ABOUT_ASSET, asset) if asset is not None else (_ABOUT_PERSON, person)
    reports = db.session.scalars(query, {"subject": subject.id})
    return [incident for incident in reports if may_see(user, incident)]


def reports_and_hold(user: User, asset: Asset) -> tuple[list[Incident], LendingHold | None]:
    """For an asset's page, from one query of its reports: those `user` may see, newest
    first, and what keeps the asset from being lent (lending_holds.lending_hold), which any
    open report does whoever filed it."""
    reports = list(db.session.scalars(_ABOUT_THIS_ASSET, {"subject": asset.id}).unique())
    return [r for r in reports if may_see(user, r)], lending_hold(asset, reports)


def history(incident: Incident) -> list[Event]:
    """Every event about the report, oldest first: how the case went."""
    query = (
        select(Event)
        .where(Event.entity_type == Incident.__tablename__, Event.entity_id == incident.id)
        .options(selectinload(Event.actor))
        .order_by(Event.at, Event.id)
    )
    return list(db.session.scalars(query))


def photo_of(incident: Incident, photo_id: int) -> IncidentPhoto | None:
    """The photo `photo_id` if it belongs to `incident`, with its bytes."""
    return db.session.scalar(
        select(IncidentPhoto)
        .where(IncidentPhoto.id == photo_id, IncidentPhoto.incident_id == incident.id)
        .options(undefer(IncidentPhoto.data))
    )
