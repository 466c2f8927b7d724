"""Who may do what: the one table. Each capability is named for what it lets a person do and
lists the roles (models/user.py ROLES) that have it, with the reason. Routes
(blueprints/access.py `requires`), services and templates all ask the same question,
`allows(user, "can_lend")`. A name missing from the table raises, so a typo fails loudly
instead of quietly refusing everyone."""

from typing import NamedTuple

from flask import Flask


class Capability(NamedTuple):
    roles: tuple[str, ...]
    why: str


CAPABILITIES: dict[str, Capability] = {
    # ---- the register ---------------------------------------------------------------------
    "can_see_dashboard": Capability(
        ("admin", "technician", "office"),
        "the home page's counts and latest changes; staff go straight to their own equipment",
    ),
    "can_see_register": Capability(
        ("admin", "technician", "office"),
        "assets, categories, places and compliance: office staff keep the register for audits",
    ),
    "can_manage_register": Capability(
        ("admin", "technician"),
        "add, edit, move, retire and reinstate assets; edit categories and places",
    ),
    "can_print_labels": Capability(
        ("admin", "technician", "office"),
        "asset labels and QR codes, for whoever keeps the register",
    ),
    "can_see_people": Capability(
        ("admin", "technician", "office"), "the staff list and each person's page"
    ),
    "can_manage_people": Capability(("admin", "technician"), "add and edit members of staff"),
    "can_answer_access_requests": Capability(
        ("admin",),
        "download everything held about a person (a subject access request, UK GDPR article "
        "15): it holds every signature, photo and audit event about them, more than any other "
        "role sees, so it rests with the head teacher who answers for the school's data",
    ),
    "can_anonymise_people": Capability(
        ("admin",),
        "how long personal data is kept after someone leaves, and removing it once past that "
        "(UK GDPR storage limitation): the head teacher answers for the school's records",
    ),
    # ---- loans ----------------------------------------------------------------------------
    "can_lend": Capability(
        ("admin", "technician"),
        "the IT desk lends to anyone, past the longest loan with a reason, and hands over to be "
        "signed for later; everyone else signs out self-service items only for themselves",
    ),
    "can_take_returns": Capability(("admin", "technician"), "check equipment in at the IT desk"),
    "can_take_signatures_at_desk": Capability(
        ("admin", "technician"),
        "hold the pad while someone else signs at the IT desk (a loan, the declaration)",
    ),
    "can_see_all_loans": Capability(
        ("admin", "technician", "office"), "every loan; everyone sees their own equipment"
    ),
    "can_see_all_signatures": Capability(
        ("admin", "technician"),
        "every signed receipt and declaration; anyone else sees only their own",
    ),
    "can_lend_unencrypted": Capability(
        ("admin",),
        "lend a mobile device not marked encrypted, saying why (policy 10.2): the head teacher "
        "takes that risk",
    ),
    "can_set_lending_policy": Capability(
        ("admin",),
        "which categories staff sign out for themselves, and whether the declaration must be "
        "signed before a first loan",
    ),
    # ---- bookings ---------------------------------------------------------------------------
    "can_book_for_anyone": Capability(
        ("admin", "technician"),
        "the IT desk books any item for anyone; everyone else books self-service items for "
        "themselves",
    ),
    "can_approve_bookings": Capability(
        ("admin", "technician"),
        "approve or decline bookings of the categories that need approval",
    ),
    # ---- terms and declarations -------------------------------------------------------------
    "can_edit_terms": Capability(
        ("admin",), "publish a new version of the loan terms or the staff declaration"
    ),
    "can_see_declarations": Capability(
        ("admin", "technician"), "who has signed the staff declaration, on screen and exported"
    ),
    # ---- loss and damage reports ----------------------------------------------------------
    "can_handle_incidents": Capability(
        ("admin", "technician"),
        "report on any asset, move cases along and record repairs; emailed every new report "
        "(policy 10.1: reported to the head teacher or the IT technician)",
    ),
    "can_see_all_incidents": Capability(
        ("admin", "technician", "office"),
        "every report, for audits and insurers; anyone else sees those they filed or that "
        "are about them",
    ),
    "can_decide_charges": Capability(
        ("admin",), "charge a borrower for loss or damage, and settle or waive it (policy 8.6)"
    ),
    # ---- leavers ----------------------------------------------------------------------------
    "can_see_leavers": Capability(
        ("admin", "technician", "office"), "leavers' checklists and their signed records"
    ),
    "can_run_leavers": Capability(
        ("admin", "technician"), "start, work through and close a leaver's checklist"
    ),
    # ---- stocktakes -------------------------------------------------------------------------
    "can_see_stocktakes": Capability(
        ("admin", "technician", "office"), "stocktake reports and their spreadsheets"
    ),
    "can_run_stocktakes": Capability(
        ("admin", "technician"), "start, scan, finish and cancel a stocktake"
    ),
    # ---- spreadsheets -----------------------------------------------------------------------
    "can_import": Capability(
        ("admin", "office"),
        "office staff keep the register from spreadsheets; technicians take it out, not in",
    ),
    "can_export": Capability(
        ("admin", "technician", "office"),
        "the register, staff, loans, reports and leavers as spreadsheets; staff never",
    ),
    # ---- the school's week ------------------------------------------------------------------
    "can_set_school_week": Capability(
        ("admin",),
        "the periods of the school day and the term dates, holidays and INSET days that "
        "bookings are made in: the school's calendar is the head teacher's to set",
    ),
    # ---- running the system -----------------------------------------------------------------
    "can_manage_logins": Capability(
        ("admin",),
        "create, edit, unlock, deactivate and reactivate logins and reset their passwords; "
        "only they change an admin's login, on any path",
    ),
    "can_see_mail_errors": Capability(
        ("admin", "technician"),
        "why an email was not sent (a mail setting, an SMTP error): those who run the system can "
        "act on it; everyone else is told what it means for them",
    ),
}


def roles_with(capability: str) -> tuple[str, ...]:
    """The roles that have `capability`; KeyError for a name not in the table."""
    try:
        return CAPABILITIES[capability].roles
    except KeyError:
        raise KeyError(
            f"unknown capability {capability!r}: add it to assets/permissions.py"
        ) from None


def allows(user, capability: str) -> bool:
    """Whether `user` (a User, None or Flask-Login's anonymous user) has `capability`."""
    return getattr(user, "role", None) in roles_with(capability)


def init_app(app: Flask) -> None:
    """Templates ask the same way: `allows(current_user, 'can_lend')`."""
    app.add_template_global(allows)
