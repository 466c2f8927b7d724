"""Test records made through the real services, each in its own committed transaction.

They return plain snapshots (SimpleNamespace), never live ORM objects, so a test cannot
lean on a session the views do not share."""

import io
import itertools
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from flask import Flask
from PIL import Image
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Kit, PendingImport, Person, Pool, User
from assets.services.bookings import bookings, pool_bookings
from assets.services.incidents import incidents
from assets.services.kits import kits
from assets.services.leavers import leaver_steps, leavers
from assets.services.loans import lending_rules, loans, returns
from assets.services.people import login_admin, people
from assets.services.pools import pools
from assets.services.register import places, register
from assets.services.schoolweek import editing as school_week
from assets.services.spreadsheets import imports
from assets.services.stocktakes import stocktakes
from assets.services.terms import declarations, terms
from tests.support.drawings import drawn_signature

PASSWORD = "Password1"
_counter = itertools.count(1)


def _snapshot(record, *fields: str, **extra) -> SimpleNamespace:
    return SimpleNamespace(**{name: getattr(record, name) for name in fields}, **extra)


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def category(self, name: str | None = None, **values) -> SimpleNamespace:
        """A category; short loans of equipment are self-service unless told otherwise (the
        database allows no other kind to be)."""
        with self.app.app_context():
            values = {
                "terms_kind": "equipment",
                "loan_kind": "short",
                "default_loan_days": None,
            } | values
            values.setdefault(
                "self_service",
                values["terms_kind"] == "equipment" and values["loan_kind"] == "short",
            )
            category = places.save_category(
                None, None, name=name or f"Category {next(_counter)}", **values
            )
            db.session.commit()
            return _snapshot(
                category,
                "id",
                "name",
                "terms_kind",
                "loan_kind",
                "self_service",
                "mobile_device",
                "max_loan_days",
            )

    def location(self, name: str | None = None) -> SimpleNamespace:
        with self.app.app_context():
            location = places.save_location(None, None, name=name or f"Room {next(_counter)}")
            db.session.commit()
            return _snapshot(location, "id", "name")

    def person(self, name: str | None = None, **values) -> SimpleNamespace:
        n = next(_counter)
        with self.app.app_context():
            details = people.PersonDetails(
                name=name or f"Person {n}",
                email=values.pop("email", f"person{n}@ashbrook.sch.uk"),
                **values,
            )
            person = people.create_person(None, details)
            db.session.commit()
            return _snapshot(person, "id", "name", "email", "staff_number")

    def user(
        self,
        role: str = "technician",
        *,
        password: str = PASSWORD,
        person: bool = False,
        must_change: bool = False,
        **values,
    ) -> SimpleNamespace:
        n = next(_counter)
        email = values.get("email", f"{role}{n}@ashbrook.sch.uk")
        name = values.get("name", f"{role.capitalize()} {n}")
        linked = self.person(name=name, email=email) if person else None
        with self.app.app_context():
            user = login_admin.create_user(
                None,
                email=email,
                name=name,
                role=role,
                password=password,
                person=db.session.get(people.Person, linked.id) if linked else None,
                must_change=must_change,
            )
            db.session.commit()
            return _snapshot(
                user, "id", "email", "name", "role", password=password, person_id=user.person_id
            )

    def asset(
        self, tag: str | None = None, *, category=None, location=None, **values
    ) -> SimpleNamespace:
        """An asset; a mobile device (laptop, tablet, phone) is encrypted unless told
        otherwise, as policy 10.2 wants before it is lent."""
        category = category or self.category()
        values.setdefault("encrypted", bool(getattr(category, "mobile_device", False)))
        n = next(_counter)
        with self.app.app_context():
            details = register.AssetDetails(
                tag=tag or f"T-{n:05d}",
                name=values.pop("name", f"Laptop {n}"),
                category_id=category.id,
                location_id=location.id if location else None,
                **values,
            )
            asset = register.create_asset(None, details)
            db.session.commit()
            return _snapshot(asset, "id", "tag", "name", "serial_number", "status")

    def kit(self, tag: str | None = None, name: str = "Laptop kit", *, parts=(), by=None):
        """A kit of `parts` (assets made by `asset`), made by `by` (a new technician when not
        given)."""
        by = by or self.user("technician")
        with self.app.app_context():
            technician = db.session.get(User, by.id)
            kit = kits.create_kit(technician, tag or f"KIT-{next(_counter):05d}", name)
            for part in parts:
                kits.add_part(technician, kit, part.tag)
            db.session.commit()
            return _snapshot(kit, "id", "tag", "name", part_ids=[p.asset_id for p in kit.parts])

    def pool(
        self, name: str | None = None, *, category=None, location=None, units: int = 0, by=None
    ) -> SimpleNamespace:
        """A pool of `category` at `location` (new ones when not given) with `units` new
        assets of it there (tagged <pool id>-U01...), made by `by` (a new technician)."""
        by = by or self.user("technician")
        category = category or self.category()
        location = location or self.location()
        n = next(_counter)
        tags = [
            self.asset(f"P{n}-U{i:02d}", category=category, location=location).tag
            for i in range(1, units + 1)
        ]
        with self.app.app_context():
            pool = pools.create_pool(
                db.session.get(User, by.id), name or f"Pool {n}", category.id, location.id
            )
            db.session.commit()
            return _snapshot(
                pool, "id", "name", category_id=category.id, location_id=location.id, unit_tags=tags
            )

    def stocktake(self, location=None, *, by=None) -> SimpleNamespace:
        """An open stocktake of `location` (None: the whole school), started by `by` (a new
        technician when not given)."""
        by = by or self.user("technician")
        with self.app.app_context():
            stocktake, _ = stocktakes.start_stocktake(
                db.session.get(User, by.id), location.id if location else None
            )
            db.session.commit()
            return _snapshot(stocktake, "id", "location_id", "status")

    def lend(self, asset, person, *, by=None, returned: bool = False) -> SimpleNamespace:
        """A signed loan of `asset` to `person` by `by` (a new technician when not given),
        checked back in already when `returned`."""
        by = by or self.user("technician")
        loan = self.loan(asset, person, by=by)
        if returned:
            with self.app.app_context():
                technician = db.session.get(User, by.id)
                returns.check_in(technician, db.session.get(Asset, asset.id), "full_working")
                db.session.commit()
        return loan

    def incident(
        self, asset, *, reporter=None, kind: str = "damage", photos: int = 0, **values
    ) -> SimpleNamespace:
        """A report about `asset`, filed by `reporter` (a new technician when not given)."""
        reporter = reporter or self.user("technician")
        values = {"description": "The screen is cracked.", "occurred_on": date.today()} | values
        with self.app.app_context():
            incident = incidents.report_incident(
                db.session.get(User, reporter.id),
                db.session.get(Asset, asset.id),
                kind,
                photos=[(f"photo{n}.jpg", jpeg_bytes()) for n in range(photos)],
                **values,
            )
            db.session.commit()
            return _snapshot(
                incident,
                "id",
                "asset_id",
                "person_id",
                "reporter_id",
                photo_ids=[photo.id for photo in incident.photos],
            )

    def leaver_case(self, person, *, by=None, licences=()) -> SimpleNamespace:
        """The leaver's checklist for `person`, opened by `by` (a new technician when not
        given), with a line for each software or licence name in `licences`."""
        by = by or self.user("technician")
        with self.app.app_context():
            technician = db.session.get(User, by.id)
            case, _ = leavers.open_case(technician, db.session.get(Person, person.id))
            lines = [leaver_steps.add_licence(technician, case, name) for name in licences]
            db.session.commit()
            return _snapshot(
                case, "id", "person_id", licence_step_ids=[line.id for line in lines], by=by
            )

    def terms(self) -> None:
        """The policy's loan terms and declaration, version 1 (a migrated database has them)."""
        with self.app.app_context():
            terms.ensure_seeded()
            db.session.commit()

    def loan(
        self,
        asset=None,
        person=None,
        *,
        by=None,
        signed: bool = True,
        due_on: date | None = None,
        reasons: lending_rules.Reasons | None = None,
        now: datetime | None = None,
    ) -> SimpleNamespace:
        """Lend `asset` (a new one by default) to `person` through loans.check_out, signed at
        the desk by `by` (a new technician by default) or awaiting signature."""
        self.terms()
        asset = asset or self.asset()
        person = person or self.person()
        by = by or self.user("technician")
        with self.app.app_context():
            (loan,) = loans.check_out(
                db.session.get(User, by.id),
                db.session.get(Person, person.id),
                [db.session.get(Asset, asset.id)],
                due_on=due_on,
                signature=None if not signed else drawn_signature(),
                awaiting_signature=not signed,
                reasons=reasons,
                now=now,
            )
            db.session.commit()
            return _snapshot(
                loan,
                "id",
                "asset_id",
                "person_id",
                "signature_id",
                "due_on",
                tag=loan.asset.tag,
                receipt_code=loan.signature.receipt_code if loan.signature else None,
            )

    def declaration(self, person, *, by=None) -> SimpleNamespace:
        """`person` signs the current staff declaration at the desk."""
        self.terms()
        by = by or self.user("technician")
        with self.app.app_context():
            signature = declarations.sign(
                db.session.get(User, by.id), db.session.get(Person, person.id), drawn_signature()
            )
            db.session.commit()
            return _snapshot(signature, "id", "person_id", "signed_at")

    def school_week(self, year: int = 2026) -> SimpleNamespace:
        """The default school day and school year `year`'s default terms, kept as the
        school's own: the ids of Period 1, the autumn term and its half term."""
        with self.app.app_context():
            periods = school_week.keep_default_periods(None)
            autumn = school_week.keep_default_terms(None, year)[0]
            ids = SimpleNamespace(
                period_id=next(p.id for p in periods if p.name == "Period 1"),
                term_id=autumn.id,
                closure_id=next(c.id for c in autumn.closures if c.kind == "holiday"),
            )
            db.session.commit()
            return ids

    def booking(
        self,
        asset=None,
        person=None,
        *,
        kit=None,
        pool=None,
        quantity: int = 1,
        start: datetime | None = None,
        hours: float = 1,
        now: datetime | None = None,
    ) -> SimpleNamespace:
        """`asset` (a new one), or `kit`, or `quantity` of `pool`, booked for `person` (a new
        one) by a new technician, approved, from `start` (tomorrow at this time by default)
        for `hours`."""
        person = person or self.person()
        by = self.user("technician")
        now = now or datetime.now(UTC)
        start = start or now + timedelta(days=1)
        if kit is None and pool is None:
            asset = asset or self.asset()
        with self.app.app_context():
            technician, booker = db.session.get(User, by.id), db.session.get(Person, person.id)
            end = start + timedelta(hours=hours)
            if pool is not None:
                made = pool_bookings.book_pool(
                    technician, db.session.get(Pool, pool.id), booker, quantity, start, end, now
                )
            else:
                item = db.session.get(Kit, kit.id) if kit else db.session.get(Asset, asset.id)
                made = bookings.book(technician, item, booker, start, end, now)
            db.session.commit()
            return _snapshot(
                made,
                "id",
                "asset_id",
                "kit_id",
                "pool_id",
                "quantity",
                "person_id",
                "starts_at",
                "ends_at",
                "state",
            )

    def applied_import(self, csv: bytes, kind: str = "assets", **choices) -> SimpleNamespace:
        """A file imported from the command line (no owner), with its audit."""
        with self.app.app_context():
            result = imports.import_file(
                None, kind, f"{kind}.csv", csv, imports.Choices(**choices), write=True
            )
            db.session.commit()
            record = db.session.scalars(
                select(PendingImport).order_by(PendingImport.id.desc())
            ).first()
            return SimpleNamespace(id=record.id, counts=dict(result.summary.counts))


def jpeg_bytes(width: int = 64, height: int = 48, colour: str = "steelblue") -> bytes:
    """A small real JPEG, as a phone camera would send (without the EXIF)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="JPEG")
    return out.getvalue()
