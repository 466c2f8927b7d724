"""The texts people sign: loan terms and the staff declaration, their versions, the register
of who signed the declaration, and signing it. Routes go on the loans blueprint."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assets.blueprints.access import requires, signed_in
from assets.blueprints.forms import commit_or_report
from assets.blueprints.listing import link_args
from assets.blueprints.loans.forms import DeclarationForm, RuleForm, TermsForm
from assets.extensions import db
from assets.models import TEXT_KIND_LABELS, TEXT_KINDS, Person
from assets.permissions import allows
from assets.security import whole_number
from assets.services.terms import declarations, terms

KIND = "<any(" + ", ".join(TEXT_KINDS) + "):kind>"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/terms", view_func=list_terms, methods=["GET"])
    bp.add_url_rule(f"/terms/{KIND}", view_func=show_terms, methods=["GET"])
    bp.add_url_rule(f"/terms/{KIND}/edit", view_func=edit_terms, methods=["GET", "POST"])
    bp.add_url_rule("/declaration", view_func=sign_declaration, methods=["GET", "POST"])
    bp.add_url_rule("/declarations", view_func=declaration_register, methods=["GET"])
    bp.add_url_rule("/declarations/rule", view_func=set_declaration_rule, methods=["POST"])


@signed_in
def list_terms():
    current = {kind: terms.current(kind) for kind in TEXT_KINDS}
    return render_template("loans/terms_list.html", current=current, labels=TEXT_KIND_LABELS)


@signed_in
def show_terms(kind: str):
    return render_template(
        "loans/terms_show.html",
        kind=kind,
        label=TEXT_KIND_LABELS[kind],
        versions=terms.versions(kind),
    )


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
            return redirect(url_for("loans.show_terms", kind=kind))
    return render_template(
        "loans/terms_form.html", form=form, kind=kind, label=TEXT_KIND_LABELS[kind], latest=latest
    )


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
            return redirect(url_for("loans.show_signature", signature_id=signature.id))
    version = terms.current("declaration")
    return render_template(
        "loans/declaration.html",
        form=form,
        person=person,
        desk=desk,
        version=version,
        signed=declarations.signature_of(person, version) if version else None,
    )


@requires("can_see_declarations")
def declaration_register():
    unsigned_only = request.args.get("show") == "unsigned"
    query = link_args(request.args, ("show",))
    version, rows = declarations.register()
    return render_template(
        "loans/declarations.html",
        version=version,
        rows=declarations.not_signed(rows) if unsigned_only else rows,
        unsigned_only=unsigned_only,
        query=query,
        everyone=len(rows),
        signed_count=sum(1 for row in rows if row.signed),
        rule_form=RuleForm(required=declarations.required_before_first_loan()),
    )


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
    return redirect(url_for("loans.declaration_register"))
