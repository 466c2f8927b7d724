"""A Snipe-IT report through the import pages: the Statuses question on the preview, what the
person changes there, and the apply that follows it."""

import html
import re
from pathlib import Path

from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Loan
from tests.blueprints.spreadsheets.test_spreadsheet_pages import fingerprint, upload

REPORT = (
    Path(__file__).parents[2] / "fixtures" / "snipeit" / "custom-assets-report.csv"
).read_bytes()


def form_values(page: str) -> dict[str, str]:
    """What the preview's form posts as it stands: each select's chosen option, each hidden
    status label and each ticked box."""
    values = {}
    for name, body in re.findall(r'<select[^>]* name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = chosen.group(1) if chosen else ""
    for name, value in re.findall(
        r'<input type="hidden" name="(status-label-\d+)" value="([^"]*)"', page
    ):
        values[name] = html.unescape(value)
    for name in re.findall(
        r'<input class="form-check-input" type="checkbox" name="([^"]+)" value="1"[^>]* checked',
        page,
    ):
        values[name] = "1"
    return values


def test_statuses_are_asked_changed_and_applied(app, client, make, as_role):
    as_role("office")
    make.person("Jane Smith", email="jsmith@ashbrook.sch.uk")
    response = upload(client, REPORT, "custom-assets-report.csv")
    url = response.location
    page = client.get(url).text
    assert '<legend class="h5">Statuses</legend>' in page
    assert "Lost/Stolen (undeployable)" in page
    assert "Not imported, as no field of the register matches them" in page

    # Tick the boxes to add Snipe-IT's categories and locations, and make Lost/Stolen stolen.
    values = form_values(page) | {"create_categories": "1", "create_locations": "1"}
    index = next(k for k, v in values.items() if v == "Lost/Stolen (undeployable)")
    values[index.replace("status-label-", "status-")] = "stolen"
    page = client.post(url, data=values).text
    assert re.search(r'<option value="stolen" selected>Stolen</option>', page)
    assert "Every row is ready" in page
    assert "Holders not on the staff list" in page and "Tom Baker (1 item)" in page
    assert "Check before applying (" in page and "not to a person: not lent" in page

    applied = client.post(
        f"{url}/apply", data=form_values(page) | {"fingerprint": fingerprint(page)}
    )
    assert applied.status_code == 302, applied.text
    with app.app_context():
        statuses = dict(db.session.execute(select(Asset.tag, Asset.status)).all())
        assert statuses["ASH-0005"] == "stolen" and statuses["ASH-0001"] == "on_loan"
        loan = db.session.scalar(select(Loan))
        assert loan.signature_id is None and loan.person.name == "Jane Smith"


def test_a_status_the_import_cannot_read_is_asked_before_it_applies(client, make, as_role):
    as_role("office")
    make.category("Visualisers")
    data = (
        b"Asset Tag,Asset Name,Category,Status\nASH-1,Visualiser,Visualisers,Odd (undeployable)\n"
    )
    response = upload(client, data, "report.csv")
    page = client.get(response.location).text
    assert "Not recognised: choose one, then check again." in page
    assert "Choose what it becomes" in page and "Every row is ready" not in page
    values = form_values(page) | {"status-0": "retired"}
    page = client.post(response.location, data=values).text
    assert "Every row is ready" in page
