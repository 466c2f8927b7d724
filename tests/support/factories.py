"""Test records made through the real services, each in its own committed transaction.

They return plain snapshots (SimpleNamespace), never live ORM objects, so a test cannot
lean on a session the views do not share."""

import itertools
from types import SimpleNamespace

from flask import Flask
from sqlalchemy import select

from assets.extensions import db
from assets.models import PendingImport
from assets.services import accounts, imports, people, places, register

PASSWORD = "Password1"
_counter = itertools.count(1)


def _snapshot(record, *fields: str, **extra) -> SimpleNamespace:
    return SimpleNamespace(**{name: getattr(record, name) for name in fields}, **extra)


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def category(self, name: str | None = None, **values) -> SimpleNamespace:
        with self.app.app_context():
            values = {
                "terms_kind": "equipment",
                "loan_kind": "short",
                "default_loan_days": None,
            } | values
            category = places.save_category(
                None, None, name=name or f"Category {next(_counter)}", **values
            )
            db.session.commit()
            return _snapshot(category, "id", "name", "terms_kind", "loan_kind")

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
            user = accounts.create_user(
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
        category = category or self.category()
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
