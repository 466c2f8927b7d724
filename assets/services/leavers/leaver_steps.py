"""Recording the steps of a leaver's return checklist (policy 8.4): items back (through the
desk's own return) or reported, wipes, software and licences, the network account and the
login to this app.

Each change first claims the case (leavers.claim), so changes to one checklist queue behind
each other and behind its closing, and a step found already recorded gives its recorder and
time; the unique (case, key) constraint and the conditional updates are the guarantee behind
that message, whoever races whom. Every step writes an audit event.
"""

import secrets
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import Asset, Incident, LeaverCase, LeaverStep, Loan, User
from assets.models.base import utcnow
from assets.models.incident import OPEN_STATUSES
from assets.models.leaver import ITEM_OUTCOMES
from assets.services.common import events
from assets.services.common.clock import local_date, local_time_text
from assets.services.common.errors import DomainError
from assets.services.common.text import clean_text
from assets.services.incidents import incidents
from assets.services.leavers import leavers
from assets.services.leavers.leavers import ITEM_OUTCOME_LABELS, WIPE_METHODS, asset_label
from assets.services.loans import returns
from assets.services.people import login_admin, logins

MAX_NOTE = 2000


def _recorded_step(case: LeaverCase, key: str) -> LeaverStep | None:
    return db.session.scalar(
        select(LeaverStep).where(LeaverStep.case_id == case.id, LeaverStep.key == key)
    )


def _already(step: LeaverStep) -> DomainError:
    return DomainError(
        f"{step.label}: already recorded by {step.completed_by.name} at "
        f"{local_time_text(step.completed_at)}. The checklist shows what they recorded."
    )


def _refuse_if_recorded(case: LeaverCase, key: str) -> None:
    step = _recorded_step(case, key)
    if step is not None and step.is_done:
        raise _already(step)


def _insert(step: LeaverStep) -> None:
    """Add the step; the unique (case, key) constraint is the guarantee that nobody
    recorded it in the meantime."""
    db.session.add(step)
    try:
        db.session.flush()
    except IntegrityError as error:
        text = str(error.orig)
        if "uq_leaver_steps_case_key" in text or "leaver_steps.case_id, leaver_steps.key" in text:
            raise DomainError(
                f"{step.label}: someone else has just recorded this step. Reload the checklist "
                "to see what they recorded."
            ) from error
        raise


def _clean_note(note: str | None, required: str | None = None) -> str:
    return clean_text(
        note,
        field="note",
        label="the note",
        max_length=MAX_NOTE,
        required=required,
        multiline=True,
    )


def _record(actor: User, step: LeaverStep, action: str, what: str, **changes) -> None:
    person = step.case.person
    events.record(
        actor,
        f"leaver.{action}",
        step,
        f"Leaver's checklist for {person.name}: {what}",
        changes=changes,
        asset=step.asset,
        person=person,
    )


def _open_missing_report(asset: Asset) -> Incident | None:
    """An open loss or theft report about the asset (filed earlier, by the leaver or the desk)."""
    query = select(Incident).where(
        Incident.asset_id == asset.id,
        Incident.kind.in_(("loss", "theft")),
        Incident.status.in_(OPEN_STATUSES),
    )
    return db.session.scalars(query.order_by(Incident.id.desc())).first()


def record_item(
    actor: User,
    case: LeaverCase,
    loan: Loan,
    outcome: str,
    note: str = "",
    *,
    now: datetime | None = None,
) -> LeaverStep:
    """Record how an item on loan to the leaver came back: returned (in full working order,
    damaged, or without its accessories) through returns.check_in, the desk's own return, with a
    damage report when not in full; or not returned, with a loss report (unless one is open
    already). The caller commits, then emails the desk about a new report."""
    now = now or utcnow()
    leavers.check_runner(actor)
    if loan.person_id != case.person_id:
        raise DomainError(f"{loan.asset.tag} was not lent to {case.person.name}.")
    note = _item_note(outcome, note)
    leavers.claim(case, now)
    key = f"item:{loan.id}"
    _refuse_if_recorded(case, key)
    _refuse_if_loan_ended(loan)
    incident = _take_back(actor, case, loan, outcome, note, now)
    step = LeaverStep(
        case=case,
        key=key,
        kind="item",
        label=asset_label(loan.asset),
        asset=loan.asset,
        loan=loan,
        incident=incident,
        outcome=outcome,
        note=note,
        added_at=now,
        added_by_id=actor.id,
        completed_at=now,
        completed_by_id=actor.id,
    )
    _insert(step)
    _record(
        actor,
        step,
        "item_recorded",
        f"{step.label} {ITEM_OUTCOME_LABELS[outcome].lower()}",
        outcome=outcome,
        note=note,
        incident_id=incident.id if incident else None,
    )
    return step


def _item_note(outcome: str, note: str | None) -> str:
    """The note, which a loss or damage report needs as its description."""
    if outcome not in ITEM_OUTCOMES:
        raise DomainError("Choose how the item came back, or that it did not.", field="outcome")
    if outcome == "not_returned":
        return _clean_note(note, "Say what the leaver said about it, for the loss report.")
    if outcome != "full_working":
        return _clean_note(note, "Say what is damaged or missing, for the damage report.")
    return _clean_note(note)


def _refuse_if_loan_ended(loan: Loan) -> None:
    """A loan that ended outside the checklist already shows on it, returned or not."""
    db.session.refresh(loan)
    if loan.returned_at is None:
        return
    tag = loan.asset.tag
    ended = local_time_text(loan.returned_at)
    if not loan.came_back:
        raise DomainError(
            f"The loan of {tag} ended at {ended} without it coming back "
            f"({loan.return_note or loan.return_condition_label}), so the checklist "
            "already shows it as not returned."
        )
    raise DomainError(
        f"{tag} was checked in at {ended}, so the checklist already shows it as returned."
    )


def _take_back(
    actor: User, case: LeaverCase, loan: Loan, outcome: str, note: str, now: datetime
) -> Incident | None:
    """Check the item in through the desk's return, or not; the report it needs, if any: a
    loss report (or the one already open) for an item not returned, a damage report for one
    not in full working order."""
    asset, name, today = loan.asset, case.person.name, local_date(now)
    if outcome == "not_returned":
        return _open_missing_report(asset) or incidents.report_incident(
            actor,
            asset,
            "loss",
            description=f"Not returned by {name} when their contract ended. {note}",
            occurred_on=today,
            loan=loan,
            now=now,
        )
    returns.check_in(actor, asset, outcome, note, now=now)
    if outcome == "full_working":
        return None
    return incidents.report_incident(
        actor,
        asset,
        "damage",
        description=f"Returned by {name} when their contract ended: {note}",
        occurred_on=today,
        loan=loan,
        now=now,
    )


def record_wipe(
    actor: User,
    case: LeaverCase,
    asset: Asset,
    method: str,
    note: str = "",
    *,
    now: datetime | None = None,
) -> LeaverStep:
    """Record that a laptop or computer that came back had the user account and all personal
    work securely deleted: how, by the acting technician, now."""
    now = now or utcnow()
    leavers.check_runner(actor)
    if method not in WIPE_METHODS:
        raise DomainError("Choose how the device was wiped.", field="method")
    note = _clean_note(note, "Describe the method used." if method == "other" else None)
    leavers.claim(case, now)
    key = f"wipe:{asset.id}"
    _refuse_if_recorded(case, key)
    if key not in {line.key for line in leavers.checklist(case).wipes}:
        raise DomainError(
            f"{asset.tag} has not come back through this checklist, so there is nothing to "
            "wipe yet."
        )
    step = LeaverStep(
        case=case,
        key=key,
        kind="wipe",
        label=asset_label(asset),
        asset=asset,
        outcome="wiped",
        method=WIPE_METHODS[method],
        note=note,
        added_at=now,
        added_by_id=actor.id,
        completed_at=now,
        completed_by_id=actor.id,
    )
    _insert(step)
    _record(actor, step, "device_wiped", f"{step.label} wiped: {step.method}", method=step.method)
    return step


def add_licence(
    actor: User, case: LeaverCase, name: str, *, now: datetime | None = None
) -> LeaverStep:
    """Add a line for software or a licence assigned to the leaver, to tick when it is handed
    back or removed. (There is no licence register yet: the technician types each one.)"""
    now = now or utcnow()
    leavers.check_runner(actor)
    name = clean_text(
        name, field="licence", max_length=200, required="Type the software or licence."
    )
    leavers.claim(case, now)
    same = [s for s in case.steps if s.kind == "licence" and s.label.lower() == name.lower()]
    if same:
        raise DomainError(f"{same[0].label} is already on the checklist.", field="licence")
    step = LeaverStep(
        case=case,
        key=f"licence:{secrets.token_hex(8)}",
        kind="licence",
        label=name,
        added_at=now,
        added_by_id=actor.id,
    )
    _insert(step)
    _record(actor, step, "licence_added", f"{name} added to the software and licences")
    return step


def _licence_of(case: LeaverCase, step: LeaverStep) -> None:
    if step.case_id != case.id or step.kind != "licence":
        raise DomainError("That line is not a software or licence line of this checklist.")


def return_licence(
    actor: User, case: LeaverCase, step: LeaverStep, note: str = "", *, now: datetime | None = None
) -> LeaverStep:
    """Tick a software or licence line as handed back or removed from the leaver."""
    now = now or utcnow()
    leavers.check_runner(actor)
    _licence_of(case, step)
    note = _clean_note(note)
    leavers.claim(case, now)
    ticked = db.session.execute(
        update(LeaverStep)
        .where(LeaverStep.id == step.id, LeaverStep.completed_at.is_(None))
        .values(outcome="returned", note=note, completed_at=now, completed_by_id=actor.id)
        .execution_options(synchronize_session="evaluate")
    )
    if ticked.rowcount != 1:
        db.session.refresh(step)
        raise _already(step)
    db.session.refresh(step)
    _record(actor, step, "licence_returned", f"{step.label} returned", note=note)
    return step


def remove_licence(
    actor: User, case: LeaverCase, step: LeaverStep, *, now: datetime | None = None
) -> str:
    """Take a line typed by mistake off the checklist, while it is not ticked. Gives its name."""
    now = now or utcnow()
    leavers.check_runner(actor)
    _licence_of(case, step)
    leavers.claim(case, now)
    label = step.label
    removed = db.session.execute(
        delete(LeaverStep)
        .where(LeaverStep.id == step.id, LeaverStep.completed_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    if removed.rowcount != 1:
        db.session.refresh(step)
        raise DomainError(
            f"{label} has been ticked by {step.completed_by.name}, so it stays on the record."
        )
    db.session.expunge(step)
    events.record(
        actor,
        "leaver.licence_removed",
        case,
        f"Leaver's checklist for {case.person.name}: {label} taken off the list",
        changes={"licence": label},
        person=case.person,
    )
    return label


def disable_network_account(
    actor: User, case: LeaverCase, note: str = "", *, now: datetime | None = None
) -> LeaverStep:
    """Record that the leaver's user account on the school network has been disabled (it is
    done on the network itself; this records who did it and when)."""
    now = now or utcnow()
    leavers.check_runner(actor)
    note = _clean_note(note)
    leavers.claim(case, now)
    _refuse_if_recorded(case, "network_account")
    step = LeaverStep(
        case=case,
        key="network_account",
        kind="network_account",
        label="User account on the school network",
        outcome="disabled",
        note=note,
        added_at=now,
        added_by_id=actor.id,
        completed_at=now,
        completed_by_id=actor.id,
    )
    _insert(step)
    _record(actor, step, "network_account_disabled", "network account disabled", note=note)
    return step


def deactivate_login(actor: User, case: LeaverCase, *, now: datetime | None = None) -> LeaverStep:
    """Deactivate the leaver's login to this app through login_admin.set_active, which ends every
    session of it at once (and holds its rule: only admins change admins' logins)."""
    now = now or utcnow()
    leavers.check_runner(actor)
    user = case.person.user
    if user is None:
        raise DomainError(f"{case.person.name} has no login to this app: nothing to deactivate.")
    logins.check_may_change_login(actor, user)
    leavers.claim(case, now)
    _refuse_if_recorded(case, "app_login")
    was_active = user.active
    login_admin.set_active(actor, user, False)
    step = LeaverStep(
        case=case,
        key="app_login",
        kind="app_login",
        label=f"login {user.email}",
        outcome="deactivated",
        note="" if was_active else "It had already been deactivated.",
        added_at=now,
        added_by_id=actor.id,
        completed_at=now,
        completed_by_id=actor.id,
    )
    _insert(step)
    _record(actor, step, "login_deactivated", f"login {user.email} deactivated")
    return step
