"""Every endpoint is public on purpose, open to any signed-in login, or needs a capability
(assets/permissions.py): walk the whole URL map as an anonymous visitor and as each role, and
fail for any endpoint with no rule or a wrong answer."""

import pytest
from flask import Flask

from assets.models.user import ROLES
from assets.permissions import roles_with
from tests.conftest import login

# A value for each URL parameter name used in the app. A new parameter needs a sample here:
# the test fails and says so, rather than skipping the endpoint.
SAMPLE_ARGS = {
    "tag": lambda records: records["asset"].tag,
    "person_id": lambda records: records["person"].id,
    "user_id": lambda records: records["other_user"].id,
    "category_id": lambda records: records["category"].id,
    "location_id": lambda records: records["location"].id,
    "action": lambda records: "activate",
    "stocktake_id": lambda records: records["stocktake"].id,
    "incident_id": lambda records: records["incident"].id,
    "photo_id": lambda records: records["incident"].photo_ids[0],
    "signature_id": lambda records: records["loan"].signature_id,
    "kind": lambda records: "laptop",
    "case_id": lambda records: records["leaver_case"].id,
    "loan_id": lambda records: records["loan"].id,
    "step_id": lambda records: records["leaver_case"].licence_step_ids[0],
    "import_id": lambda records: records["import"].id,
    "subject": lambda records: "assets",
}


def endpoints(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule, app.view_functions[rule.endpoint]


def url_for_rule(rule, records) -> str:
    values = {}
    for name in rule.arguments:
        if name in (rule.defaults or {}):
            continue
        assert name in SAMPLE_ARGS, f"add a sample value for URL parameter {name!r}"
        values[name] = SAMPLE_ARGS[name](records)
    return rule.build(values, append_unknown=False)[1]


def call(client, rule, url):
    method = "GET" if "GET" in rule.methods else "POST"
    return client.open(url, method=method)


def test_every_endpoint_has_an_access_rule(app):
    missing = [rule.endpoint for rule, view in endpoints(app) if not hasattr(view, "access")]
    assert not missing, f"endpoints without an access rule: {missing}"


def test_anonymous_visitors_reach_only_public_pages(app, client, records):
    for rule, view in endpoints(app):
        response = call(client, rule, url_for_rule(rule, records))
        if view.access == "public":
            assert response.status_code < 500, rule
        else:
            assert response.status_code == 302, rule
            assert "/login" in response.location, rule


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_pages(app, client, make, records, role):
    user = make.user(role)
    for rule, view in endpoints(app):
        if rule.endpoint == "auth.logout":
            continue  # it would end the session the rest of the walk needs
        assert login(client, user).status_code in (200, 302)
        response = call(client, rule, url_for_rule(rule, records))
        if view.access in ("public", "signed_in") or role in roles_with(view.access):
            assert response.status_code not in (403, 500), (rule, response.status_code)
        else:
            assert response.status_code == 403, (rule, response.status_code)
