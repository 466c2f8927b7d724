"""database.commit_or_rollback: the one commit of a request or command."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from assets.database import commit_or_rollback
from assets.extensions import db
from assets.models import Location
from assets.services.common.errors import DomainError


def _locations() -> list[str]:
    db.session.rollback()  # read what was committed, not what is pending
    return list(db.session.scalars(select(Location.name).order_by(Location.name)))


def test_what_the_call_did_is_committed_and_its_result_given_back(ctx):
    def add():
        db.session.add(Location(name="ICT suite"))
        db.session.flush()
        return "added"

    assert commit_or_rollback(add) == "added"
    assert _locations() == ["ICT suite"]


def test_a_rule_saying_no_changes_nothing_and_reaches_the_caller(ctx):
    def refused():
        db.session.add(Location(name="Office store"))
        db.session.flush()
        raise DomainError("No room of that name", field="name")

    with pytest.raises(DomainError, match="No room of that name"):
        commit_or_rollback(refused)
    assert _locations() == []


def test_a_lost_race_is_run_once_more_when_asked(ctx):
    db.session.add(Location(name="Hall"))
    db.session.commit()
    tries = []

    def open_or_join():
        tries.append(1)
        if len(tries) == 1:  # the first try writes the row another request already wrote
            db.session.add(Location(name="Hall"))
            db.session.flush()
        return db.session.scalar(select(func.count()).select_from(Location))

    assert commit_or_rollback(open_or_join, retry_on_race=True) == 1
    assert len(tries) == 2
    assert _locations() == ["Hall"]


def test_a_lost_race_is_a_bug_unless_the_caller_expects_it(ctx):
    db.session.add(Location(name="Hall"))
    db.session.commit()

    def duplicate():
        db.session.add(Location(name="Hall"))
        db.session.flush()

    with pytest.raises(IntegrityError):
        commit_or_rollback(duplicate)
