"""The leaver's return checklist (policy 8.4): everything a member of staff holds comes back
(or is reported damaged or lost), each laptop or computer is wiped, their software and
licences are handed back, and their network account and login to this app are disabled.

The checklist is worked out from the person's loans and the steps recorded so far, so a loan
made after the case was opened joins it, and an item checked in at the desk meanwhile shows
as returned. Recording steps is in leaver_steps.py, closing in leaver_closing.py, the
dashboard, the leaver's own status and the reminders in leaver_lists.py.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, false, or_, select, update
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import (
    NOT_RETURNED,
    Asset,
    Incident,
    LeaverCase,
    LeaverStep,
    Loan,
    Person,
    User,
)
from assets.models.base import utcnow
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import date_text
from assets.services.common.errors import DomainError, NotAllowed

ITEM_OUTCOME_LABELS = {
    "full_working": "Returned in full working condition",
    "damaged": "Returned damaged or not working",
    "incomplete": "Returned with accessories or charger missing",
    "not_returned": "Not returned",
}
WIPE_METHODS = {
    "reset_clean": "Reset with 'remove everything' and the drive cleaned",
    "reimaged": "Drive erased and re-imaged with the school's standard image",
    "secure_erase": "Drive securely erased with the manufacturer's tool",
    "destroyed": "Drive removed and physically destroyed",
    "other": "Other method (described in the note)",
}
# "Laptop or computer": the category carries the laptop terms (policy section 8), or its name
# says it is a computer. There is no "computer" flag on categories yet.
COMPUTER_WORDS = re.compile(
    r"laptop|computer|desktop|notebook|chromebook|macbook|imac|workstation|all-in-one|\bpcs?\b",
    re.IGNORECASE,
)
NETWORK_TITLE = "User account on the school network disabled"
LOGIN_TITLE = "Login to this app deactivated (ends all its sessions)"


# ---- the checklist as worked out ------------------------------------------------------------


@dataclass
class Line:
    """One line of the checklist: outstanding, done (what happened, by whom, when), or not
    applicable."""

    key: str
    kind: str
    title: str
    state: str = "outstanding"
    result: str = ""
    detail: str = ""
    by: str = ""
    at: datetime | None = None
    step: LeaverStep | None = None
    loan: Loan | None = None
    asset: Asset | None = None
    incident: Incident | None = None

    @property
    def done(self) -> bool:
        return self.state != "outstanding"


@dataclass
class Checklist:
    case: LeaverCase
    items: list[Line] = field(default_factory=list)
    wipes: list[Line] = field(default_factory=list)
    licences: list[Line] = field(default_factory=list)
    accounts: list[Line] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [*self.items, *self.wipes, *self.licences, *self.accounts]

    @property
    def outstanding(self) -> list[Line]:
        return [line for line in self.lines if not line.done]

    @property
    def done_count(self) -> int:
        return sum(1 for line in self.lines if line.done)

    @property
    def complete(self) -> bool:
        return not self.outstanding


def needs_wipe(asset: Asset) -> bool:
    """Whether the device is a laptop or computer, which holds an account and personal work."""
    category = asset.category
    return category.terms_kind == "laptop" or bool(COMPUTER_WORDS.search(category.name))


def asset_label(asset: Asset) -> str:
    return f"{asset.tag} {asset.name}"


def _done(line: Line, step: LeaverStep, result: str) -> Line:
    line.state, line.step, line.result = "done", step, result
    line.by, line.at = step.completed_by.name, step.completed_at
    return line


def _case_loans(case: LeaverCase) -> list[Loan]:
    """The person's loans the checklist covers: open ones (while the case is open), those
    that ended while it was open, and those it recorded."""
    recorded = [step.loan_id for step in case.steps if step.loan_id]
    ended_during = Loan.returned_at >= case.opened_at
    if case.closed_at is not None:
        ended_during = and_(ended_during, Loan.returned_at <= case.closed_at)
    still_out = Loan.returned_at.is_(None) if case.is_open else false()
    query = (
        select(Loan)
        .where(
            Loan.person_id == case.person_id, or_(still_out, ended_during, Loan.id.in_(recorded))
        )
        .options(
            selectinload(Loan.asset).selectinload(Asset.category), selectinload(Loan.returned_to)
        )
        .order_by(Loan.out_at, Loan.id)
    )
    return list(db.session.scalars(query))


def _item_line(loan: Loan, step: LeaverStep | None) -> Line:
    asset = loan.asset
    line = Line(f"item:{loan.id}", "item", asset_label(asset), loan=loan, asset=asset)
    if step is not None:
        line.incident = step.incident
        result = ITEM_OUTCOME_LABELS[step.outcome]
        if step.incident is not None:
            report = "loss" if step.incident.kind in ("loss", "theft") else "damage"
            result += f" ({report} incident #{step.incident.id})"
        line.detail = step.note
        return _done(line, step, result)
    if loan.returned_at is not None:
        line.state, line.at = "done", loan.returned_at
        line.by = loan.returned_to.name if loan.returned_to else ""
        if loan.came_back:
            line.result = "Checked in at the desk: " + loan.return_condition_label.lower()
        else:
            # Ended by a loss, theft or damage case (written off or replaced): nothing came back.
            line.result = loan.return_condition_label
        line.detail = loan.return_note
    return line


def came_back(line: Line) -> bool:
    """Whether the item of a done item line came back (checked in, damaged or not)."""
    if line.step is not None:
        return line.step.outcome != NOT_RETURNED
    return line.loan.came_back


def checklist(case: LeaverCase) -> Checklist:
    """Every line of the case's checklist, in the order the page and the record show them."""
    steps = {step.key: step for step in case.steps}
    result = Checklist(case)
    wiped_assets = set()
    for loan in _case_loans(case):
        line = _item_line(loan, steps.get(f"item:{loan.id}"))
        result.items.append(line)
        asset = loan.asset
        if came_back(line) and needs_wipe(asset) and asset.id not in wiped_assets:
            wiped_assets.add(asset.id)
            wipe = Line(f"wipe:{asset.id}", "wipe", asset_label(asset), asset=asset)
            step = steps.get(wipe.key)
            if step is not None:
                wipe.detail = step.note
                _done(wipe, step, step.method)
            result.wipes.append(wipe)
    for step in case.steps:
        if step.kind == "licence":
            line = Line(step.key, "licence", step.label, step=step)
            if step.is_done:
                line.detail = step.note
                _done(line, step, "Returned")
            result.licences.append(line)
    network = Line("network_account", "network_account", NETWORK_TITLE)
    if (step := steps.get(network.key)) is not None:
        network.detail = step.note
        _done(network, step, "Disabled")
    login = Line("app_login", "app_login", LOGIN_TITLE)
    if (step := steps.get(login.key)) is not None:
        login.detail = step.note
        _done(login, step, f"Deactivated: {step.label}")
    elif case.person.user is None:
        login.state, login.result = "not_applicable", "Not applicable: they have no login"
    result.accounts = [network, login]
    return result


# ---- finding and opening cases --------------------------------------------------------------


def open_case_for(person: Person) -> LeaverCase | None:
    query = select(LeaverCase).where(LeaverCase.person_id == person.id, LeaverCase.status == "open")
    return db.session.scalar(query)


def latest_case_for(person: Person) -> LeaverCase | None:
    """The open case, or else the most recently closed one."""
    query = (
        select(LeaverCase)
        .where(LeaverCase.person_id == person.id)
        .order_by((LeaverCase.status == "open").desc(), LeaverCase.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def check_runner(actor: User) -> None:
    if not allows(actor, "can_run_leavers"):
        raise NotAllowed("Only the IT technician or an admin can run a leaver's checklist.")


def open_case(actor: User, person: Person, now: datetime | None = None) -> tuple[LeaverCase, bool]:
    """Open the checklist for `person`, or resume the one under way. The bool says whether a
    new one was opened. Two technicians opening it at once: the unique index lets one in and
    the other's flush raises IntegrityError; the caller rolls back and calls again."""
    check_runner(actor)
    existing = open_case_for(person)
    if existing is not None:
        return existing, False
    now = now or utcnow()
    case = LeaverCase(
        person=person,
        leaving_on=person.contract_end_date,
        opened_at=now,
        opened_by_id=actor.id,
        updated_at=now,
    )
    db.session.add(case)
    db.session.flush()
    ends = person.contract_end_date
    events.record(
        actor,
        "leaver.case_opened",
        case,
        f"Leaver's checklist opened for {person.name}"
        + (f" (contract ends {date_text(ends)})" if ends else ""),
        changes={"leaving_on": ends},
        person=person,
    )
    return case, True


def claim(case: LeaverCase, now: datetime) -> None:
    """Touch the case, only if it is still open: from here to the commit, nobody else changes
    or closes this checklist, so what is read next is current."""
    touched = db.session.execute(
        update(LeaverCase)
        .where(LeaverCase.id == case.id, LeaverCase.status == "open")
        .values(updated_at=now)
        .execution_options(synchronize_session="evaluate")
    )
    if touched.rowcount != 1:
        raise DomainError("This checklist has been closed: nothing more can be recorded on it.")
    db.session.expire(case, ["steps"])
