"""'Everything we hold about this person' from the person's page: who sees the button, the
download's name and headers, the receipt in it byte for byte the one the app serves, and the
refusals."""

import io
import re
import tempfile
import zipfile
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from assets.blueprints.downloads import send_private
from assets.extensions import db
from assets.models import Event
from tests.conftest import login

BUTTON = "Everything we hold about this person"


def url(person_id: int) -> str:
    return f"/people/{person_id}/everything-we-hold"


def test_an_admin_downloads_the_zip_with_the_receipt_the_app_serves(
    app, client, make, as_role, clock
):
    person = make.person("Łukasz Żółć", email="lukasz@ashbrook.sch.uk")
    loan = make.loan(person=person)
    as_role("admin", name="Mrs A Head")

    page = client.get(f"/people/{person.id}").text
    assert BUTTON in page
    assert f'action="{url(person.id)}"' in page

    response = client.post(url(person.id))
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    # Its length is said, so the browser shows how far the download has come.
    assert response.headers["Content-Length"] == str(len(response.data)) != "0"
    disposition = response.headers["Content-Disposition"]
    assert disposition.isascii()
    assert disposition.startswith("attachment; filename=")
    ascii_name = disposition.split("filename=", 1)[1].split(";", 1)[0]
    assert "2026-11-23.zip" in ascii_name
    assert "filename*=UTF-8''" in disposition
    utf8_name = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert utf8_name == "everything-we-hold-Łukasz Żółć-2026-11-23.zip"

    archive = zipfile.ZipFile(io.BytesIO(response.data))
    (receipt_name,) = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert loan.receipt_code in receipt_name
    served = client.get(f"/signatures/{loan.signature_id}/receipt.pdf")
    assert served.status_code == 200
    assert archive.read(receipt_name) == served.data

    with app.app_context():
        (event,) = db.session.scalars(
            select(Event).where(Event.action == "person.subject_access_export")
        )
        assert event.summary == "Subject access export produced for Łukasz Żółć by Mrs A Head"
    assert (
        "Subject access export produced for Łukasz Żółć" in client.get(f"/people/{person.id}").text
    )


@pytest.mark.parametrize("role", ["technician", "office", "staff"])
def test_other_roles_neither_see_the_button_nor_get_the_zip(app, client, make, as_role, role):
    person = make.person("Łukasz Żółć")
    as_role(role)
    if role != "staff":
        assert BUTTON not in client.get(f"/people/{person.id}").text
    assert client.post(url(person.id)).status_code == 403
    with app.app_context():
        assert not db.session.scalar(
            select(func.count(Event.id)).where(Event.action == "person.subject_access_export")
        )


def test_a_missing_person_is_not_found_and_a_get_is_refused(client, make, as_role):
    person = make.person()
    as_role("admin")
    assert client.post(url(person.id + 1000)).status_code == 404
    assert client.get(url(person.id)).status_code == 405


def test_signed_out_visitors_are_sent_to_sign_in(client, make):
    person = make.person()
    response = client.post(url(person.id))
    assert response.status_code == 302
    assert "/login" in response.location


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_without_the_forms_token_nothing_is_produced(app, client, make):
    """CSRF on, as in production: a forged POST gets no zip and records nothing."""
    person = make.person("Łukasz Żółć")
    admin = make.user("admin")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text)
    assert login(client, admin, csrf_token=token.group(1)).status_code == 302
    response = client.post(url(person.id))
    assert response.status_code == 400
    assert response.mimetype != "application/zip"
    with app.app_context():
        assert not db.session.scalar(
            select(func.count(Event.id)).where(Event.action == "person.subject_access_export")
        )


def test_a_file_sent_without_its_size_is_measured_from_where_it_stands(app):
    """send_private with a file and no size: the length of what is left to read, the file
    read from there, and closed once the response goes."""
    file = tempfile.SpooledTemporaryFile(max_size=4)  # noqa: SIM115 (send_private closes it)
    file.write("skip Łukasz Żółć".encode())
    file.seek(5)
    with app.test_request_context():
        response = send_private(file, "text/plain", "Żółć.txt")
        response.direct_passthrough = False
        assert response.headers["Content-Length"] == str(len("Łukasz Żółć".encode()))
        assert response.get_data() == "Łukasz Żółć".encode()
        response.close()
    assert file.closed
