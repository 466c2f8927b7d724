"""Lending at the desk or from one's own login, signing later, returns, receipts and the
borrower's own page. What was signed (terms, declarations, signatures) is the terms blueprint's."""

from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from assets.blueprints.access import requires, signed_in
from assets.blueprints.forms import apply_error, commit_or_report
from assets.blueprints.listing import link_args, page_number, paginate, paginate_found
from assets.blueprints.loans.forms import (
    CheckoutForm,
    ExtendLoanForm,
    ReturnForm,
    SignPendingForm,
    id_list,
)
from assets.blueprints.menu import menu_section
from assets.database import commit_or_rollback
from assets.extensions import db
from assets.models import Kit, Loan, Person, Signature
from assets.models.base import utcnow
from assets.permissions import allows
from assets.security import safe_next, whole_number
from assets.services.common import mailer
from assets.services.common.clock import date_text, local_date
from assets.services.common.errors import DomainError
from assets.services.kits import kit_loans, kits
from assets.services.loans import (
    extensions,
    lending_rules,
    loan_lists,
    loan_mail,
    loans,
    pending_signatures,
    returns,
)
from assets.services.people import people
from assets.services.register import register
from assets.services.terms import declarations, signatures, terms

bp = Blueprint("loans", __name__)
bp.menu_section = "loans"


def _asset_or_404(tag: str):
    asset = register.asset_by_tag(tag)
    if asset is None:
        abort(404)
    return asset


def _email_receipt(signature: Signature | None) -> None:
    """After the commit: email the receipt, and say on the page if that failed."""
    if signature is None:
        return
    try:
        sent = loan_mail.send_receipt(signature)
    except mailer.MailError as error:
        if allows(current_user, "can_see_mail_errors"):
            flash(
                f"The signature is saved, but the receipt could not be emailed: {error}. "
                "Download it below and pass it on.",
                "warning",
            )
        else:
            flash(
                "Your signature is saved, but the receipt could not be emailed. "
                "Download it below to keep a copy.",
                "warning",
            )
        return
    if sent:
        flash(f"The receipt was emailed to {signature.person.email}.", "info")


# ---- signing out -------------------------------------------------------------------------------


def _reasons(form: CheckoutForm) -> lending_rules.Reasons:
    """Why the desk lends past a rule (the service decides who may)."""
    return lending_rules.Reasons(
        long_loan=form.long_loan_reason.data or "", unencrypted=form.unencrypted_reason.data or ""
    )


def _new_loan_page(form: CheckoutForm):
    """The first step, with the categories staff may sign out for themselves."""
    own = not allows(current_user, "can_lend")
    return render_template(
        "loans/new.html",
        form=form,
        self_service=lending_rules.self_service_categories() if own else None,
    )


def _borrower_choices(form: CheckoutForm) -> bool:
    """Fill the borrower list: anyone active at the desk, only oneself otherwise. False when
    the login is not linked to a member of staff and so cannot borrow for itself."""
    if allows(current_user, "can_lend"):
        form.person_id.choices = [(0, "— choose the borrower —")] + [
            (p.id, f"{p.name}" + (f" ({p.job_title})" if p.job_title else ""))
            for p in people.active_people()
        ]
        return True
    person = current_user.person
    if person is None:
        return False
    form.person_id.choices = [(person.id, person.name)]
    return True


@bp.route("/loans/new", methods=["GET", "POST"])
@signed_in
def new_loan():
    form = CheckoutForm()
    if not _borrower_choices(form):
        return render_template("loans/not_linked.html")
    if request.method == "GET":
        form.tags.data = "\n".join(request.args.getlist("tag"))
        form.kit_id.data = str(whole_number(request.args.get("kit")) or "")
        own = None if allows(current_user, "can_lend") else current_user.person.id
        form.person_id.data = whole_number(request.args.get("person")) or own or 0
        return _new_loan_page(form)
    if not form.validate_on_submit():
        return _new_loan_page(form)
    person = db.session.get(Person, form.person_id.data)
    signing = form.stage.data == "sign"
    awaiting = form.awaiting_signature.data and not signing
    try:
        assets = loans.find_assets(form.tags.data)
        kit = _kit_of_form(form)
        if not signing and not awaiting:
            plan = _plan(form, person, assets, kit)
            return render_template("loans/sign.html", form=form, plan=plan, kit=kit)
        hand_over = {
            "due_on": form.due_on.data,
            "signature": None if awaiting else form.signature.data,
            "awaiting_signature": awaiting,
            "terms_ids": id_list(form.terms_ids.data) if signing else None,
            "reasons": _reasons(form),
        }
        created = commit_or_rollback(
            lambda: (
                kit_loans.lend_kit(current_user, kit, person, assets=assets, **hand_over)
                if kit
                else loans.check_out(current_user, person, assets, **hand_over)
            )
        )
    except DomainError as error:
        apply_error(form, error)
        if signing and error.field == "signature":
            return _sign_again(form)
        return _new_loan_page(form)
    tags = ", ".join(loan.asset.tag for loan in created)
    if awaiting:
        flash(f"{tags} handed over to {person.name}, awaiting their signature.", "success")
        return redirect(url_for("loans.list_loans", show="unsigned"))
    signature = created[0].signature
    flash(f"{person.name} signed for {tags}.", "success")
    _email_receipt(signature)
    return redirect(url_for("terms.show_signature", signature_id=signature.id))


def _plan(form: CheckoutForm, person: Person, assets: list, kit: Kit | None):
    """What the borrower will sign: for a kit, only once the list is the whole kit."""
    if kit is not None:
        return kit_loans.plan_lending(
            current_user, kit, person, assets, due_on=form.due_on.data, reasons=_reasons(form)
        )
    return loans.plan_checkout(
        current_user, person, assets, due_on=form.due_on.data, reasons=_reasons(form)
    )


def _kit_of_form(form: CheckoutForm) -> Kit | None:
    """The kit being lent, when the check-out came from a kit's page."""
    if not form.kit_id.data:
        return None
    kit = kits.get_kit(whole_number(form.kit_id.data) or 0)
    if kit is None:
        raise DomainError("That kit no longer exists: lend its items one by one.", field="tags")
    return kit


def _sign_again(form: CheckoutForm):
    """The signing page once more, with the message, when the signature was refused or the
    terms changed in the meantime."""
    person = db.session.get(Person, form.person_id.data)
    try:
        assets = loans.find_assets(form.tags.data)
        kit = _kit_of_form(form)
        plan = _plan(form, person, assets, kit)
    except DomainError as error:
        form.form_errors[:] = [error.message]
        return _new_loan_page(form)
    return render_template("loans/sign.html", form=form, plan=plan, kit=kit)


# ---- signing later: on one's own login, or at the desk -----------------------------------------


@bp.route("/my/sign", methods=["GET", "POST"])
@menu_section("my")
@signed_in
def sign_pending():
    person = current_user.person
    if person is None:
        return render_template("loans/not_linked.html")
    return _sign_later(person, "remote", url_for("loans.my_equipment"))


@bp.route("/people/<int:person_id>/sign", methods=["GET", "POST"])
@requires("can_take_signatures_at_desk")
def sign_pending_at_desk(person_id: int):
    """The desk tablet: the borrower, with or without a login, signs for what they hold
    awaiting signature, on the technician's login."""
    person = db.get_or_404(Person, person_id)
    return _sign_later(person, "desk", url_for("people.show_person", person_id=person.id))


def _sign_later(person: Person, capture: str, back: str):
    """Show everything `person` holds awaiting signature, with the terms, and save the one
    signature for all of it. A second tap on Confirm lands on the receipt already saved."""
    form = SignPendingForm()
    if form.validate_on_submit():
        try:
            signature = commit_or_rollback(
                lambda: pending_signatures.sign_pending(
                    current_user,
                    person,
                    form.signature.data,
                    capture=capture,
                    terms_ids=id_list(form.terms_ids.data),
                    loan_ids=id_list(form.loan_ids.data),
                )
            )
        except pending_signatures.AlreadySigned as done:
            flash(done.message, "info")
            return redirect(url_for("terms.show_signature", signature_id=done.signature_id))
        except DomainError as error:
            apply_error(form, error)
        else:
            tags = ", ".join(item["tag"] for item in signature.items)
            flash(
                "Thank you: your signature is saved."
                if capture == "remote"
                else f"{person.name} signed for {tags}.",
                "success",
            )
            _email_receipt(signature)
            return redirect(url_for("terms.show_signature", signature_id=signature.id))
    try:
        plan = pending_signatures.plan_pending_signature(current_user, person, capture=capture)
    except DomainError as error:
        # Whatever stopped the signature (an item checked in meanwhile) is said too.
        for message in [*form.form_errors, *form.signature.errors]:
            flash(message, "warning")
        flash(error.message, "info")
        return redirect(back)
    return render_template(
        "loans/sign_pending.html",
        form=form,
        plan=plan,
        pending=pending_signatures.awaiting_signature_for(person),
        desk=capture == "desk",
        back=back,
    )


# ---- checking in -------------------------------------------------------------------------------


@bp.route("/loans/<int:loan_id>/extend", methods=["GET", "POST"])
@requires("can_lend")
def extend_loan(loan_id: int):
    """A later due date for an open loan, while nothing later is booked (a kit's parts move
    together)."""
    loan = db.get_or_404(Loan, loan_id)
    form = ExtendLoanForm()
    if request.method == "GET":
        form.due_on.data = loan.due_on
    elif form.validate_on_submit():
        reasons = lending_rules.Reasons(long_loan=form.long_loan_reason.data or "")
        done, moved = commit_or_report(
            lambda: extensions.extend(
                current_user, loan, form.due_on.data, reasons=reasons, now=utcnow()
            ),
            form,
        )
        if done:
            tags = ", ".join(each.asset.tag for each in moved)
            flash(f"{tags} now due back {date_text(form.due_on.data)}.", "success")
            return redirect(url_for("loans.list_loans"))
    return render_template("loans/extend.html", form=form, loan=loan)


@bp.route("/assets/<path:tag>/return", methods=["GET", "POST"])
@requires("can_take_returns")
def return_asset(tag: str):
    """Check an item in. `next` (a page on this site, such as the stocktake that found the
    item on the shelf) is where a return in full working condition goes back to."""
    asset = _asset_or_404(tag)
    back = safe_next(request.args.get("next")) or url_for("register.show_asset", tag=asset.tag)
    loan = asset.open_loan
    if loan is None:
        flash(f"{asset.tag} is not on loan, so there is nothing to check in.", "info")
        return redirect(back)
    form = ReturnForm()
    if form.validate_on_submit():
        saved, returned = commit_or_report(
            lambda: returns.check_in(
                current_user,
                asset,
                form.condition.data,
                form.note.data or "",
                signature=form.signature.data or None,
            ),
            form,
        )
        if saved:
            flash(f"{asset.tag} checked in from {returned.person.name}.", "success")
            _email_receipt(returned.return_signature)
            if returned.return_condition != "full_working":
                # Policy 8.3: loss or damage is reported at once, so go straight to the report.
                flash(
                    "It did not come back in full working condition: report it now, so the "
                    "Head Teacher and IT technician hear of it. The note is kept on the loan.",
                    "warning",
                )
                # A missing charger is reported as damage too: a loss report would mark the
                # device itself lost. The report is about the loan just closed (its borrower,
                # and the note as what happened); the report form checks the loan is this
                # item's.
                return redirect(
                    url_for(
                        "incidents.new_incident", tag=asset.tag, kind="damage", loan=returned.id
                    )
                )
            if returned.return_signature is not None:
                return redirect(
                    url_for("terms.show_signature", signature_id=returned.return_signature.id)
                )
            return redirect(back)
    return render_template("loans/return.html", form=form, asset=asset, loan=loan, back=back)


# ---- lists and the borrower's own page ---------------------------------------------------------


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# The loans page's filters, as its query string names them.
LOAN_FILTER_FIELDS = ("show", "q", "from", "to")


def loan_filter(args) -> loan_lists.LoanFilter:
    """The loans page's view, search and dates from its query string; its export reads the
    same. A date that is not a date is ignored, as if left empty."""
    return loan_lists.LoanFilter(
        view=args.get("show", "open"),
        q=args.get("q", "")[:100],
        since=_day(args.get("from")),
        until=_day(args.get("to")),
    )


@bp.get("/loans")
@requires("can_see_all_loans")
def list_loans():
    filters = loan_filter(request.args)
    per_page = 50
    narrow = loan_lists.narrow_ids(filters)
    if narrow is not None:
        # Few match: their ids read once, in order, give the total and the page.
        page = paginate_found(
            narrow, loan_lists.loans_by_id, per_page=per_page, cap=loan_lists.COUNT_CAP
        )
    else:
        # Counted first (a search only up to a cap), because a search matching more is read
        # another way; paginate answers a page past the end with 404.
        total = loan_lists.search_total(filters, per_page * page_number(request.args))
        page = paginate(
            loan_lists.loan_select(filters, many=total is None), per_page=per_page, count=False
        )
        page.total = total
    return render_template(
        "loans/list.html",
        page=page,
        count_cap=loan_lists.COUNT_CAP,
        filters=filters,
        query=link_args(request.args, LOAN_FILTER_FIELDS),
        views=loan_lists.VIEWS,
        today=local_date(),
    )


@bp.get("/my")
@menu_section("my")
@signed_in
def my_equipment():
    person = current_user.person
    version = terms.current("declaration")
    return render_template(
        "loans/my_equipment.html",
        person=person,
        loans=loans.held_by(person),
        receipts=signatures.for_person(person) if person else [],
        declaration=version,
        declaration_signed=declarations.signature_of(person, version)
        if person and version
        else None,
        today=local_date(),
    )
