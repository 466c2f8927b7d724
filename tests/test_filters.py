"""Template helpers."""

import pytest
from flask import url_for
from werkzeug.routing import BuildError

from assets.filters import links_to

ODD_TAGS = [
    "TRUST-028126",
    "LAB 3/12",
    "Łukasz's iPad",
    "100% charged",
    "a?b#c&d=e",
    "../../etc",
    "tab\there",
]


@pytest.mark.parametrize("tag", ODD_TAGS)
def test_links_to_writes_each_url_as_url_for_would(app, tag):
    with app.test_request_context("/loans"):
        for endpoint in ("register.show_asset", "loans.return_asset"):
            assert links_to(endpoint, "tag")(tag) == url_for(endpoint, tag=tag)


@pytest.mark.parametrize("number", [1, 42, 10**12])
def test_links_to_fills_a_number(app, number):
    with app.test_request_context("/loans"):
        for endpoint, name in [
            ("people.show_person", "person_id"),
            ("loans.extend_loan", "loan_id"),
            ("incidents.show_incident", "incident_id"),
        ]:
            assert links_to(endpoint, name)(number) == url_for(endpoint, **{name: number})


def test_links_to_a_variable_the_route_lacks_is_refused(app):
    with app.test_request_context("/loans"), pytest.raises(BuildError):
        links_to("people.show_person", "tag")
