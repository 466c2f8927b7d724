"""The permission table (assets/permissions.py): who may do what, as it was before the table
existed, and every capability the code or a template asks about is in it."""

import re
from pathlib import Path

import pytest
from flask_login import AnonymousUserMixin

from assets.blueprints.access import requires
from assets.models.user import ROLES, User
from assets.permissions import CAPABILITIES, allows, roles_with

ROOT = Path(__file__).resolve().parent.parent

# Role by capability: A admin (head teacher), T IT technician, O office staff, S staff. Each row
# is what those roles could do before issue 12 named it; changing a row changes who may do what.
EXPECTED = {
    "can_see_dashboard": "ATO",
    "can_see_register": "ATO",
    "can_manage_register": "AT",
    "can_print_labels": "ATO",
    "can_see_people": "ATO",
    "can_manage_people": "AT",
    "can_answer_access_requests": "A",
    "can_anonymise_people": "A",
    "can_lend": "AT",
    "can_take_returns": "AT",
    "can_take_signatures_at_desk": "AT",
    "can_see_all_loans": "ATO",
    "can_see_all_signatures": "AT",
    "can_lend_unencrypted": "A",
    "can_set_lending_policy": "A",
    "can_book_for_anyone": "AT",
    "can_approve_bookings": "AT",
    "can_edit_terms": "A",
    "can_see_declarations": "AT",
    "can_handle_incidents": "AT",
    "can_see_all_incidents": "ATO",
    "can_decide_charges": "A",
    "can_see_leavers": "ATO",
    "can_run_leavers": "AT",
    "can_see_stocktakes": "ATO",
    "can_run_stocktakes": "AT",
    "can_import": "AO",
    "can_export": "ATO",
    "can_manage_logins": "A",
    "can_set_school_week": "A",
    "can_see_mail_errors": "AT",
}
LETTER = {"admin": "A", "technician": "T", "office": "O", "staff": "S"}

# How code and templates name a capability: allows(x, "name"), requires("name"),
# roles_with("name").
ASKED = re.compile(r"""\b(?:allows\([^,()]+,\s*|requires\(|roles_with\()["'](\w+)["']""")


def asked_in_code() -> dict[str, list[str]]:
    """Every capability name the application asks about, with where."""
    found: dict[str, list[str]] = {}
    files = [*(ROOT / "assets").rglob("*.py"), *(ROOT / "templates").rglob("*.html")]
    for path in files:
        for name in ASKED.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


def test_each_role_has_exactly_the_capabilities_it_had():
    table = {
        name: "".join(LETTER[role] for role in ROLES if role in capability.roles)
        for name, capability in CAPABILITIES.items()
    }
    assert table == EXPECTED


def test_the_table_names_only_real_roles_and_gives_each_capability_a_reason():
    for name, capability in CAPABILITIES.items():
        assert name.startswith("can_"), name
        assert capability.roles and set(capability.roles) <= set(ROLES), name
        assert capability.why.strip(), name


def test_every_capability_the_code_asks_about_is_in_the_table():
    asked = asked_in_code()
    unknown = {name: where for name, where in asked.items() if name not in CAPABILITIES}
    assert not unknown, f"capabilities not in assets/permissions.py: {unknown}"


def test_every_capability_in_the_table_is_asked_about_somewhere():
    unused = set(CAPABILITIES) - set(asked_in_code())
    assert not unused, f"capabilities nothing checks: {sorted(unused)}"


def test_an_unknown_capability_fails_loudly_rather_than_refusing():
    admin = User(role="admin")
    with pytest.raises(KeyError, match="can_lendd"):
        allows(admin, "can_lendd")
    with pytest.raises(KeyError, match="can_lendd"):
        roles_with("can_lendd")
    with pytest.raises(KeyError, match="can_lendd"):
        requires("can_lendd")


@pytest.mark.parametrize("role", ROLES)
def test_allows_answers_from_the_table(role):
    user = User(role=role)
    for name, letters in EXPECTED.items():
        assert allows(user, name) is (LETTER[role] in letters), (role, name)


def test_nobody_without_a_login_has_any_capability():
    for name in CAPABILITIES:
        assert not allows(None, name)
        assert not allows(AnonymousUserMixin(), name)
