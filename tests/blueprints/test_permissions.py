"""Every endpoint is public on purpose, open to any signed-in login, or needs a capability
(assets/permissions.py): walk the whole URL map as an anonymous visitor and as each role, and
fail for any endpoint with no rule or a wrong answer."""

import pytest

from assets.models.user import ROLES
from assets.permissions import roles_with
from tests.conftest import login
from tests.support.url_map import endpoints, url_for_rule


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
