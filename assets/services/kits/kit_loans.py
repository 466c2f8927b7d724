"""Lending a kit and taking it back: every part goes out in ONE check-out (loans.check_out:
one signature, one receipt listing every part), and comes back through the desk's own
return (returns.check_in), part by part, with a checklist: back and fine, damaged, or
missing. A missing part stays on loan to the borrower, marked missing, until it is found and
checked in or a loss report is made about it (incidents.report_incident)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from assets.models import Asset, Kit, KitPart, Loan, Person, User
from assets.models.base import utcnow
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import local_time_text
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.loans import lending_rules, loans, returns

# What the desk says of each part as a kit comes back.
CHECKS = ("fine", "damaged", "missing")
CHECK_LABELS = {
    "fine": "Back, in full working condition",
    "damaged": "Back, but damaged or not working",
    "missing": "Missing: not back",
}
_CONDITION_FOR = {"fine": "full_working", "damaged": "damaged"}


# ---- lending ----------------------------------------------------------------------------------


def refusals(kit: Kit) -> list[tuple[Asset, str]]:
    """Each part that cannot be lent now, with why (loans.why_not_lendable's words)."""
    found = []
    for asset in kit.assets:
        why = loans.why_not_lendable(asset)
        if why is not None:
            found.append((asset, why))
    return found


def check_lendable(kit: Kit) -> list[Asset]:
    """The kit's parts, when every one of them can be lent now; else a DomainError naming
    each part that cannot, and why."""
    if not kit.parts:
        raise DomainError(f"{kit.tag} has no parts yet, so there is nothing to lend.")
    refused = refusals(kit)
    if refused:
        reasons = " ".join(why for _asset, why in refused)
        raise DomainError(f"{kit.tag} cannot go out until every part can: {reasons}", field="tags")
    return kit.assets


def check_whole(kit: Kit, assets: list[Asset]) -> None:
    """A kit goes out whole: refuse a check-out for `kit` whose list is not exactly its
    parts (a part left off, or an item that is not one of them)."""
    wanted = {a.id for a in kit.assets}
    given = {a.id for a in assets}
    if given == wanted:
        return
    left_off = [a.tag for a in kit.assets if a.id not in given]
    extra = [a.tag for a in assets if a.id not in wanted]
    said = []
    if left_off:
        said.append(f"the list leaves out {', '.join(left_off)}")
    if extra:
        said.append(f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} not part of it")
    raise DomainError(
        f"Kit {kit.tag} goes out whole, every part under one signature, but "
        f"{' and '.join(said)}. Lend the kit from its page, or lend items one by one "
        "without the kit.",
        field="tags",
    )


def plan_lending(
    actor: User,
    kit: Kit,
    person: Person,
    assets: list[Asset],
    *,
    due_on: date | None = None,
    reasons: lending_rules.Reasons | None = None,
    collecting: int | None = None,
) -> loans.CheckoutPlan:
    """What the borrower of `kit` will sign (loans.plan_checkout), once the list is the
    whole kit and every part can go out. `collecting`: the booking being handed over."""
    check_whole(kit, assets)
    return loans.plan_checkout(
        actor, person, check_lendable(kit), due_on=due_on, reasons=reasons, collecting=collecting
    )


def lend_kit(
    actor: User,
    kit: Kit,
    person: Person,
    *,
    assets: list[Asset] | None = None,
    due_on: date | None = None,
    signature: str | bytes | None = None,
    awaiting_signature: bool = False,
    terms_ids: list[int] | None = None,
    reasons: lending_rules.Reasons | None = None,
    now: datetime | None = None,
    collecting: int | None = None,
) -> list[Loan]:
    """Lend every part of `kit` to `person` in one check-out (all or none, one signature for
    all of them); the arguments are loans.check_out's. `assets`: the list the desk typed or
    scanned, which must be the whole kit (check_whole)."""
    now = now or utcnow()
    if assets is not None:
        check_whole(kit, assets)
    assets = check_lendable(kit)
    lent = loans.check_out(
        actor,
        person,
        assets,
        due_on=due_on,
        signature=signature,
        awaiting_signature=awaiting_signature,
        terms_ids=terms_ids,
        reasons=reasons,
        now=now,
        collecting=collecting,
    )
    for part in kit.parts:
        part.missing_since = None
    events.record(
        actor,
        "kit.lent",
        kit,
        f"Kit {kit.tag} lent to {person.name}: {', '.join(a.tag for a in assets)}",
        changes={"parts": [a.tag for a in assets], "loan_ids": [loan.id for loan in lent]},
        person=person,
    )
    return lent


# ---- taking it back ---------------------------------------------------------------------------


@dataclass
class KitReturn:
    """What came back (the loans closed) and what did not (the loans still open)."""

    kit: Kit
    returned: list[Loan] = field(default_factory=list)
    missing: list[Loan] = field(default_factory=list)

    @property
    def damaged(self) -> list[Loan]:
        return [loan for loan in self.returned if loan.return_condition == "damaged"]


def _check_out_of(loan: Loan) -> tuple:
    """What the loans of one check-out share: the borrower, the hand-over's moment and its
    signature (None while awaiting it)."""
    return (loan.person_id, loan.out_at, loan.signature_id)


def parts_on_loan(kit: Kit) -> list[KitPart]:
    """Every part out now, whoever has it (the kit's page shows each)."""
    return [part for part in kit.parts if part.asset.open_loan is not None]


def parts_to_return(kit: Kit) -> list[KitPart]:
    """The parts a return of the kit asks about: those out in ONE check-out. A part that
    came back alone and went out again to someone else is not the kit's to take back, so
    when the parts out belong to different check-outs, refuse (the desk checks them in one
    by one) rather than act on a loan that is not this kit's."""
    parts = parts_on_loan(kit)
    if len({_check_out_of(part.asset.open_loan) for part in parts}) > 1:
        holders = ", ".join(
            f"{part.asset.tag} to {part.asset.open_loan.person.name} "
            f"since {local_time_text(part.asset.open_loan.out_at)}"
            for part in parts
        )
        raise DomainError(
            f"The parts of {kit.tag} are out to different people or in different check-outs "
            f"({holders}), so they cannot come back as one kit. Check them in one by one "
            "at the desk."
        )
    return parts


def _checklist(parts: list[KitPart], checks: dict[int, str]) -> dict[int, str]:
    unanswered = [p.asset.tag for p in parts if checks.get(p.asset_id) not in CHECKS]
    if unanswered:
        raise DomainError(
            "Say for every part whether it is back and fine, damaged or missing: "
            f"{', '.join(unanswered)}."
        )
    answers = {p.asset_id: checks[p.asset_id] for p in parts}
    if all(answer == "missing" for answer in answers.values()):
        raise DomainError(
            "Nothing is back, so there is nothing to check in. If the kit is lost, report "
            "the loss of each part."
        )
    return answers


def return_kit(
    actor: User,
    kit: Kit,
    checks: dict[int, str],
    notes: dict[int, str] | None = None,
    *,
    now: datetime | None = None,
) -> KitReturn:
    """Take back the parts of `kit` that are on loan. `checks` says, by asset id, "fine",
    "damaged" or "missing"; `notes` the note for each (needed for a damaged part, as
    returns.check_in asks). Fine and damaged parts are checked in by returns.check_in; a
    missing part stays on loan, marked missing. All or nothing: the caller rolls back on a
    DomainError."""
    now = now or utcnow()
    notes = notes or {}
    if not allows(actor, "can_take_returns"):
        raise NotAllowed("Only the IT technician or an admin can check equipment in.")
    parts = parts_to_return(kit)
    if not parts:
        raise DomainError(f"No part of {kit.tag} is on loan, so there is nothing to check in.")
    answers = _checklist(parts, checks)
    done = KitReturn(kit)
    for part in parts:
        answer = answers[part.asset_id]
        loan = part.asset.open_loan
        if answer == "missing":
            part.missing_since = now
            done.missing.append(loan)
            events.record(
                actor,
                "kit.part_missing",
                kit,
                f"{part.asset.tag} missing when kit {kit.tag} came back from {loan.person.name}",
                changes={"asset": part.asset.tag, "loan_id": loan.id},
                asset=part.asset,
                person=loan.person,
            )
            continue
        note = notes.get(part.asset_id, "")
        try:
            returned = returns.check_in(actor, part.asset, _CONDITION_FOR[answer], note, now=now)
        except DomainError as error:
            raise DomainError(f"{part.asset.tag}: {error.message}", field=error.field) from error
        part.missing_since = None
        done.returned.append(returned)
    events.record(
        actor,
        "kit.returned",
        kit,
        f"Kit {kit.tag} checked in: {len(done.returned)} back"
        + (f", {len(done.missing)} missing" if done.missing else ""),
        changes={
            "back": [loan.asset.tag for loan in done.returned],
            "missing": [loan.asset.tag for loan in done.missing],
        },
    )
    return done
