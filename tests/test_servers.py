"""Two real gunicorn servers (gunicorn.conf.py, production config) on one PostgreSQL database,
driven at once over real HTTP: a session and a form from one server work on the other, the
login lockout counts wrong passwords made on both, and six desks lending one laptop through
both servers at the same moment make one loan. Also: what gunicorn's access log shows, what its
error log shows of a reset link failing on a database that is down, and a production server
without a SECRET_KEY refuses to start."""

import html
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from assets import create_app
from assets.extensions import db
from assets.models import Asset, Loan, User
from assets.models.base import utcnow
from assets.services.people.password_resets import make_token
from tests.support.factories import Factory
from tests.support.gunicorn import ROOT, GunicornServer, production_environment

# One worker runs the whole module (make test runs with --dist loadgroup): each worker that ran
# a test of it would migrate a database and start two servers of its own.
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("two_servers")]

SECRET_KEY = secrets.token_hex(32)
DESKS = 6
BORROWERS = [
    "Łukasz Żółć",
    "Zoë O'Brien-Ñúñez",
    "ليلى حداد",
    "Siobhán Ní Bhriain",
    "Kwame Mensah",
    "Priya Patel",
]
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _flask() -> str:
    """The flask command of the interpreter running the tests."""
    return str(Path(sys.executable).with_name("flask"))


def _admin_engine(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="module")
def database_url(request, tmp_path_factory):
    """A fresh database beside this worker's, migrated with `flask db upgrade` as a school's
    would be."""
    if "postgresql" not in request.config.getoption("--databases").split(","):
        pytest.skip("runs on PostgreSQL only, which --databases leaves out")
    postgres_url = request.getfixturevalue("postgres_url")
    name = f"{make_url(postgres_url).database}_servers"
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    admin = _admin_engine(postgres_url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        subprocess.run(
            [_flask(), "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=production_environment(
                url, SECRET_KEY, INSTANCE_PATH=str(tmp_path_factory.mktemp("instance"))
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def seeded(database_url: str) -> dict:
    """Technicians, a staff login, borrowers, a laptop and a camera."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    make = Factory(app)
    laptops = make.category("Staff laptops", terms_kind="laptop", loan_kind="allocation")
    cameras = make.category("Cameras")
    try:
        return {
            "desks": [make.user("technician") for _ in range(DESKS)],
            "technician": make.user("technician", name="Zoë O'Brien-Ñúñez"),
            "staff": make.user("staff", name="Łukasz Żółć"),
            "borrowers": [make.person(name) for name in BORROWERS],
            "laptop": make.asset("LAP-ŁÓDŹ-1", category=laptops, name="Dell Latitude 5440"),
            "camera": make.asset("CAM-0001", category=cameras, name="Canon EOS 250D"),
        }
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def servers(database_url: str, seeded, tmp_path_factory):
    """Two gunicorn servers on the one database, with the same SECRET_KEY, behind one proxy
    each (PROXY_COUNT=1), two workers of four threads."""
    logs = tmp_path_factory.mktemp("gunicorn")
    environment = production_environment(
        database_url,
        SECRET_KEY,
        PROXY_COUNT="1",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="4",
        INSTANCE_PATH=str(logs),
    )
    started = []
    try:
        for name in ("one", "two"):
            started.append(GunicornServer(environment, logs, name).start())
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def query(database_url: str):
    """Read what the servers wrote, on a connection of the test's own."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        yield db.session
        db.session.remove()
        db.engine.dispose()


def csrf_token(page: requests.Response) -> str:
    found = CSRF_FIELD.search(page.text)
    assert found, f"no CSRF token on {page.url}"
    return html.unescape(found.group(1))


def log_in(browser: requests.Session, server: GunicornServer, user) -> requests.Response:
    form = browser.get(f"{server.url}/login", timeout=10)
    return browser.post(
        f"{server.url}/login",
        data={"email": user.email, "password": user.password, "csrf_token": csrf_token(form)},
        allow_redirects=False,
        timeout=10,
    )


def page_text(response: requests.Response) -> str:
    return html.unescape(response.text)


def test_a_session_and_a_form_from_one_server_work_on_the_other(servers, seeded, query):
    one, two = servers
    browser = requests.Session()
    assert log_in(browser, one, seeded["technician"]).status_code == 302

    on_two = browser.get(f"{two.url}/assets", timeout=10)
    assert on_two.status_code == 200
    assert on_two.url == f"{two.url}/assets"
    assert "Zoë O'Brien-Ñúñez" in page_text(on_two)

    # The check-out form comes from server one; server two accepts what it sends.
    form = browser.get(f"{one.url}/loans/new?tag=CAM-0001", timeout=10)
    borrower = seeded["borrowers"][0]
    lend = {"person_id": borrower.id, "tags": "CAM-0001", "awaiting_signature": "y"}
    # A forged token and none at all are refused on both servers, and nothing is lent.
    for server in (one, two):
        for token in ({"csrf_token": "forged-" + csrf_token(form)[7:]}, {}):
            refused = browser.post(
                f"{server.url}/loans/new", data=lend | token, allow_redirects=False, timeout=10
            )
            assert refused.status_code == 400, refused.text
            assert "did not come from this site" in refused.text
    assert query.scalar(select(Loan).join(Asset).where(Asset.tag == "CAM-0001")) is None

    lent = browser.post(
        f"{two.url}/loans/new",
        data=lend | {"csrf_token": csrf_token(form)},
        allow_redirects=False,
        timeout=10,
    )
    assert lent.status_code == 302, lent.text
    loan = query.scalar(select(Loan).join(Asset).where(Asset.tag == "CAM-0001"))
    assert loan.person_id == borrower.id

    # Logging out on server two ends the session on server one too.
    logout_form = browser.get(f"{two.url}/assets", timeout=10)
    browser.post(f"{two.url}/logout", data={"csrf_token": csrf_token(logout_form)}, timeout=10)
    after = browser.get(f"{one.url}/assets", allow_redirects=False, timeout=10)
    assert after.status_code == 302
    assert "/login" in after.headers["Location"]


def test_wrong_passwords_on_both_servers_count_together(servers, seeded, query):
    one, two = servers
    staff = seeded["staff"]
    wrong = type(staff)(**(vars(staff) | {"password": "Wrong-password-1"}))

    # Four wrong passwords at once, two through each server: four counted, not yet locked.
    barrier = threading.Barrier(4, timeout=30)
    answers: list = [None] * 4

    def try_wrong(i: int) -> None:
        browser, server = requests.Session(), servers[i % 2]
        form = browser.get(f"{server.url}/login", timeout=10)
        barrier.wait()
        answers[i] = browser.post(
            f"{server.url}/login",
            data={"email": staff.email, "password": wrong.password, "csrf_token": csrf_token(form)},
            timeout=10,
        )

    threads = [threading.Thread(target=try_wrong, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [answer.status_code for answer in answers] == [200] * 4
    assert all("do not match an account" in page_text(answer) for answer in answers)
    user = query.get(User, staff.id)
    assert (user.failed_logins, user.locked_until) == (4, None)

    # The fifth, on the other server, locks the account: the right password is then refused
    # on both.
    assert log_in(requests.Session(), two, wrong).status_code == 200
    query.expire_all()
    assert query.get(User, staff.id).locked_until is not None
    for server in (one, two):
        refused = log_in(requests.Session(), server, staff)
        assert refused.status_code == 200
        assert "do not match an account" in page_text(refused)


def test_six_desks_lending_one_laptop_through_both_servers_make_one_loan(servers, seeded, query):
    desks = []
    for i, technician in enumerate(seeded["desks"]):
        browser, server = requests.Session(), servers[i % 2]
        assert log_in(browser, server, technician).status_code == 302
        desks.append((browser, server))
    barrier = threading.Barrier(DESKS, timeout=30)
    answers: list = [None] * DESKS

    def lend(i: int) -> None:
        browser, server = desks[i]
        form = browser.get(f"{server.url}/loans/new?tag=LAP-ŁÓDŹ-1", timeout=10)
        data = {
            "csrf_token": csrf_token(form),
            "person_id": seeded["borrowers"][i].id,
            "tags": "LAP-ŁÓDŹ-1",
            "awaiting_signature": "y",
        }
        barrier.wait()
        try:
            answers[i] = browser.post(
                f"{server.url}/loans/new", data=data, allow_redirects=False, timeout=30
            )
        except requests.RequestException as error:
            answers[i] = error

    threads = [threading.Thread(target=lend, args=(i,)) for i in range(DESKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = [getattr(answer, "status_code", answer) for answer in answers]
    assert sorted(statuses, key=str) == [200] * (DESKS - 1) + [302], statuses
    winner = statuses.index(302)
    for i, answer in enumerate(answers):
        if i != winner:
            said = page_text(answer)
            assert "LAP-ŁÓDŹ-1" in said
            assert ("is already on loan" in said) or ("just been signed out by someone" in said)
            assert "Something went wrong" not in said
    loans = query.scalars(select(Loan).join(Asset).where(Asset.tag == "LAP-ŁÓDŹ-1")).all()
    assert [loan.person_id for loan in loans] == [seeded["borrowers"][winner].id]


def _logged(server: GunicornServer, needle: str) -> list[str]:
    """The access-log lines holding `needle`, waiting a moment for them to be written."""
    for _ in range(50):
        lines = [line for line in server.access_lines() if needle in line]
        if lines:
            return lines
        time.sleep(0.1)
    return []


def test_the_access_log_shows_the_client_but_no_reset_token_or_search(servers):
    one, _ = servers
    token = "Zx9-secret." + secrets.token_urlsafe(24)
    # Through the school's proxy (PROXY_COUNT=1): the browser's address is the proxy's last hop.
    requests.get(
        f"{one.url}/password/reset/{token}",
        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"},
        timeout=10,
    )
    requests.get(f"{one.url}/assets?q=%C5%BB%C3%B3%C5%82%C4%87&status=on_loan", timeout=10)

    [reset] = _logged(one, "/password/reset/")
    assert token not in reset
    assert "/password/reset/[hidden]" in reset
    assert reset.startswith("203.0.113.7 ")
    # Without X-Forwarded-For the client is the proxy itself; no line holds a query string.
    assert _logged(one, '"GET /assets ')[-1].startswith("127.0.0.1 ")
    assert not [line for line in one.access_lines() if "q=" in line or "status=" in line]
    assert not [line for line in one.access_lines() + one.errors().splitlines() if token in line]


def test_a_reset_link_failing_on_a_database_that_is_down_logs_no_token(
    database_url, seeded, tmp_path
):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        token = make_token(db.session.get(User, seeded["staff"].id), utcnow())
        db.session.remove()
        db.engine.dispose()
    # The same school's server, its database gone (a name that does not exist).
    gone = make_url(database_url).set(database="no_such_database").render_as_string(False)
    environment = production_environment(gone, SECRET_KEY, GUNICORN_WORKERS="1")
    server = GunicornServer(environment, tmp_path, "nodatabase")
    try:
        server.start(timeout=30, healthz=503)
        failed = requests.get(
            f"{server.url}/password/reset/{token}?q=%C5%BB%C3%B3%C5%82", timeout=10
        )
        assert failed.status_code == 500
        assert "Something went wrong on our side" in failed.text
        for _ in range(50):
            if "Exception on /password/reset/[hidden] [GET]" in server.errors():
                break
            time.sleep(0.1)
        logged = server.errors()
        assert "Exception on /password/reset/[hidden] [GET]" in logged
        assert "no_such_database" in logged  # the traceback says what went wrong
        assert _logged(server, "/password/reset/[hidden]")
        everything = logged + "\n".join(server.access_lines())
        assert token not in everything
        assert "%C5%BB" not in everything
    finally:
        server.stop()


def test_a_production_server_without_a_secret_key_does_not_start(database_url, tmp_path):
    server = GunicornServer(production_environment(database_url, ""), tmp_path, "nosecret")
    with pytest.raises(RuntimeError) as refused:
        server.start(timeout=30)
    assert "SECRET_KEY is not set" in str(refused.value)
    server.stop()
