"""The texts people sign and what they signed: loan terms and the staff declaration, their
versions, the register of who signed the declaration, signing it, and every signature with its
image and PDF receipt."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assets.blueprints.access import requires, signed_in
from assets.blueprints.downloads import send_private
from assets.blueprints.forms import commit_or_report
from assets.blueprints.listing import link_args
from assets.blueprints.menu import menu_section
from assets.blueprints.terms.forms import DeclarationForm, RuleForm, TermsForm
from assets.extensions import db
from assets.models import TEXT_KIND_LABELS, TEXT_KINDS, Person, Signature
from assets.permissions import allows
from assets.security import whole_number
from assets.services.terms import declarations, signatures, terms

KIND = "<any(" + ", ".join(TEXT_KINDS) + "):kind>"


bp = Blueprint("terms", __name__)
bp.menu_section = "loans"


# ---- the texts -----------------------------------------------------------------------------


@bp.get("/terms")
@signed_in
def list_terms():
    current = {kind: terms.current(kind) for kind in TEXT_KINDS}
    return render_template("terms/list.html", current=current, labels=TEXT_KIND_LABELS)


@bp.get(f"/terms/{KIND}")
@signed_in
def show_terms(kind: str):
    return render_template(
        "terms/show.html",
        kind=kind,
        label=TEXT_KIND_LABELS[kind],
        versions=terms.versions(kind),
    )


@bp.route(f"/terms/{KIND}/edit", methods=["GET", "POST"])
@requires("can_edit_terms")
def edit_terms(kind: str):
    latest = terms.current(kind)
    form = TermsForm(obj=latest)
    if form.validate_on_submit():
        saved, version = commit_or_report(
            lambda: terms.revise(current_user, kind, title=form.title.data, body=form.body.data),
            form,
        )
        if saved:
            flash(
                f"Version {version.version} saved. Signatures already made keep the text they "
                "signed.",
                "success",
            )
            return redirect(url_for("terms.show_terms", kind=kind))
    return render_template(
        "terms/form.html", form=form, kind=kind, label=TEXT_KIND_LABELS[kind], latest=latest
    )


# ---- the staff declaration -----------------------------------------------------------------


def _declaration_section() -> str:
    """Signing at the desk (?person=) is under Admin > Declarations; for oneself, My equipment."""
    return "declarations" if request.args.get("person") else "my"


@bp.route("/declaration", methods=["GET", "POST"])
@menu_section(_declaration_section)
@signed_in
def sign_declaration():
    """Staff sign for themselves; at the desk a technician or admin passes ?person=ID."""
    person_id = whole_number(request.args.get("person"))
    desk = person_id is not None
    if "person" in request.args and not (
        desk and allows(current_user, "can_take_signatures_at_desk")
    ):
        abort(404)
    person = db.get_or_404(Person, person_id) if desk else current_user.person
    if person is None:
        return render_template("loans/not_linked.html")
    form = DeclarationForm()
    if form.validate_on_submit():
        saved, signature = commit_or_report(
            lambda: declarations.sign(
                current_user,
                person,
                form.signature.data,
                terms_id=whole_number(form.terms_id.data),
            ),
            form,
        )
        if saved:
            flash(f"{person.name} signed the staff acceptable use declaration.", "success")
            return redirect(url_for("terms.show_signature", signature_id=signature.id))
    version = terms.current("declaration")
    return render_template(
        "terms/declaration.html",
        form=form,
        person=person,
        desk=desk,
        version=version,
        signed=declarations.signature_of(person, version) if version else None,
    )


@bp.get("/declarations")
@menu_section("declarations")
@requires("can_see_declarations")
def declaration_register():
    unsigned_only = request.args.get("show") == "unsigned"
    query = link_args(request.args, ("show",))
    version, rows = declarations.register()
    return render_template(
        "terms/declarations.html",
        version=version,
        rows=declarations.not_signed(rows) if unsigned_only else rows,
        unsigned_only=unsigned_only,
        query=query,
        everyone=len(rows),
        signed_count=sum(1 for row in rows if row.signed),
        rule_form=RuleForm(required=declarations.required_before_first_loan()),
    )


@bp.post("/declarations/rule")
@menu_section("declarations")
@requires("can_set_lending_policy")
def set_declaration_rule():
    form = RuleForm()
    if form.validate_on_submit():
        saved, changed = commit_or_report(
            lambda: declarations.set_required_before_first_loan(current_user, form.required.data)
        )
        if saved and changed:
            flash(
                "Staff must now sign the declaration before their first loan."
                if form.required.data
                else "The declaration is no longer needed before a first loan.",
                "success",
            )
    return redirect(url_for("terms.declaration_register"))


# ---- what was signed ------------------------------------------------------------------------


def _signature_or_404(signature_id: int) -> Signature:
    """The signature, if the viewer is its signer or a technician or admin. Anyone else gets
    the same answer as for a signature that does not exist."""
    signature = db.session.get(Signature, signature_id)
    if signature is None or not signatures.can_view(current_user, signature):
        abort(404)
    return signature


@bp.get("/signatures/<int:signature_id>")
@signed_in
def show_signature(signature_id: int):
    signature = _signature_or_404(signature_id)
    return render_template(
        "terms/signature.html", signature=signature, verified=signatures.verify(signature)
    )


@bp.get("/signatures/<int:signature_id>/image.png")
@signed_in
def signature_image(signature_id: int):
    signature = _signature_or_404(signature_id)
    if signature.image_removed:
        abort(404)
    return send_private(signature.image_png, "image/png", cache="private, no-store")


@bp.get("/signatures/<int:signature_id>/receipt.pdf")
@signed_in
def download_receipt(signature_id: int):
    signature = _signature_or_404(signature_id)
    if not signature.receipt_pdf:
        abort(404)
    name = f"receipt-{signature.receipt_code}.pdf"
    return send_private(signature.receipt_pdf, "application/pdf", name, cache="private, no-store")
