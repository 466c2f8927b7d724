"""WCAG 2.2 AA, measured: axe-core runs on every page each role can reach, on a phone and on a
desktop, and the test fails on any serious or critical violation.

The pages come from the URL map's GET routes, filled from one seeded set of records (as the
permission test does); a page is "reachable" when the role gets it as HTML. axe-core is served
from our own origin (static/vendor, copied from npm by `make vendor`) and injected by the test
only: no production page loads it, and the strict CSP stays as it is."""

import re
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page

from assets import create_app
from assets.extensions import db
from assets.models.user import ROLES
from tests.conftest import LiveServer
from tests.support.factories import Factory
from tests.support.menu import open_menu
from tests.support.url_map import urls_for_rule

pytestmark = pytest.mark.browser

AXE = "/static/vendor/axe-core/axe.min.js"
VIEWPORTS = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
# Everything axe-core checks by default, plus WCAG 2.2's target size (off by default).
AXE_OPTIONS = {"rules": {"target-size": {"enabled": True}}, "resultTypes": ["violations"]}
FAILING = {"serious", "critical"}
FILE = re.compile(r"\.(pdf|xlsx|png|svg)$")
# Lesser findings fixed once, kept fixed.
ALSO_FAILING = {"empty-table-header"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A live server over one seeded set of records, shared by every role and viewport."""
    path = tmp_path_factory.mktemp("a11y") / "live.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
    make = Factory(app)
    records = seed(make)
    with LiveServer(app) as server:
        app.config["BASE_URL"] = server.url
        yield server, app, make, records
    with app.app_context():
        db.engine.dispose()


def seed(make: Factory) -> dict:
    """One of each record, with the states that change what a page shows: a loan awaiting
    signature, a signed loan, a report with a photo, a leaver's checklist, an import."""
    category = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    location = make.location("ICT suite")
    asset = make.asset("ASH-0001", category=category, location=location, name="ThinkPad E14")
    person = make.person("Mrs Alice Zephyr")
    make.person("Mr Bob Abbott")
    staff_user = make.user("staff", person=True, name="Miss Carys Moss")
    staff_asset = make.asset("ASH-0002", category=category)
    staff_loan = make.loan(staff_asset, SimpleNamespace(id=staff_user.person_id))
    make.loan(make.asset("ASH-0003", category=category), person, signed=False)
    make.declaration(person)
    kit = make.kit("KIT-A", "Wózek iPadów A", parts=[make.asset("ASH-0005", category=category)])
    pool = make.pool("Loan iPads, IT office", units=2)
    soon = datetime.now(UTC) + timedelta(minutes=10)
    return {
        "category": category,
        "location": location,
        "asset": asset,
        "person": person,
        "other_user": make.user("technician", name="Mr Dan Keen"),
        "stocktake": make.stocktake(location),
        "kit": kit,
        "incident": make.incident(asset, photos=1),
        "loan": make.loan(make.asset("ASH-0004", category=category), person),
        "leaver_case": make.leaver_case(person, licences=["Adobe Creative Cloud"]),
        "import": make.applied_import(
            f"Asset tag,Name,Category\nIMP-1,Imported,{category.name}\n".encode()
        ),
        "school_week": make.school_week(),
        # Starting in 10 minutes, so its hand-over page shows the terms and the signature pad.
        "booking": make.booking(
            make.asset("TROLLEY-A", category=make.category("iPad trolley", default_loan_days=7)),
            person,
            start=datetime.now(UTC) + timedelta(minutes=10),
        ),
        "pool": pool,
        # A kit's and a pool's bookings starting soon, so their hand-over pages (the kit's
        # parts scanned; the pool's units) show, as do their week pages and extension forms.
        "kit_booking": make.booking(kit=kit, person=person, start=soon),
        "pool_booking": make.booking(pool=pool, person=person, quantity=2, start=soon),
        "staff_user": staff_user,
        "staff_loan": staff_loan,
        "staff_incident": make.incident(staff_asset, reporter=staff_user, photos=1),
    }


def urls_for(app, records: dict, role: str) -> list[str]:
    """The path of every GET route, with a staff member's own records where they have some."""
    own = dict(records)
    if role == "staff":
        own |= {"incident": records["staff_incident"], "loan": records["staff_loan"]}
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        paths.extend(urls_for_rule(rule, own))
    return sorted(set(paths))


def log_in(page: Page, url: str, user) -> None:
    """Log in from the login page already open."""
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda address: "/login" not in address)


def audit(page: Page, url: str, where: str) -> tuple[list[str], list[str]]:
    """axe-core's findings on the page as it is now: (every finding, those that fail)."""
    if page.evaluate("typeof axe") == "undefined":
        # From our own origin, as a <script src>: the CSP refuses an inline copy.
        page.add_script_tag(url=url + AXE)
    violations = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]
    failing = [v for v in violations if v["impact"] in FAILING or v["id"] in ALSO_FAILING]
    return describe(where, violations), describe(where, failing)


def describe(where: str, violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")
        lines.append(
            f"{where}: {violation['id']} ({violation['impact']}) on {len(violation['nodes'])}"
            f" element(s) {targets}: {summary[:300]}"
        )
    return lines


def open_menus(page: Page, viewport: str):
    """Each menu of the top bar opened in turn (on a phone, inside the opened Menu), for
    axe-core to check what only shows when a menu is open."""
    if viewport == "phone":
        open_menu(page)
    toggles = page.locator("#nav .dropdown-toggle")
    for n in range(toggles.count()):
        toggle = toggles.nth(n)
        if n:
            # Close the menu open before, so the next toggle is tapped where it will stay:
            # tapped while the menu above folds, the page slides under the finger and axe
            # finds a button caught half-way through its hover colour.
            page.keyboard.press("Escape")
            page.locator("#nav .dropdown-menu.show").wait_for(state="detached")
        toggle.click()
        page.locator("#nav .dropdown-menu.show").wait_for()
        yield toggle.inner_text()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_passes_axe(browser, site, role, viewport):
    server, app, make, records = site
    user = records["staff_user"] if role == "staff" else make.user(role, name=f"Ms Eve {role}")
    context = browser.new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    started = time.monotonic()
    findings, failures, checked = [], [], []

    def check(where: str, *, fresh_page: bool = True) -> None:
        if fresh_page:
            assert page.evaluate("typeof axe") == "undefined", f"{where} loads axe-core itself"
        checked.append(where)
        found, failing = audit(page, server.url, where)
        findings.extend(found)
        failures.extend(failing)

    try:
        page.goto(server.url + "/login")
        check("/login")
        log_in(page, server.url, user)
        for path in urls_for(app, records, role):
            if FILE.search(path):
                continue  # a PDF, spreadsheet or image, not a page
            answer = page.goto(server.url + path)
            assert answer.status < 500, f"{path} fails for {role}: {answer.status}"
            if (
                answer.status != 200
                or answer.request.redirected_from is not None
                or not answer.headers["content-type"].startswith("text/html")
            ):
                continue  # not this role's page (403, 404), one that sends them on, or JSON
            check(path)
            if path == "/":
                for menu in open_menus(page, viewport):
                    check(f"/ with the {menu} menu open", fresh_page=False)
        assert page.goto(server.url + "/no-such-page").status == 404
        check("a page that is not there (404)")
    finally:
        context.close()
    # Shown with -s (or on failure): what was checked, how long it took, every finding.
    print(f"\n{role} on a {viewport}: {len(checked)} pages in {time.monotonic() - started:.1f}s")
    print("\n".join(findings))
    assert len(checked) >= 10, checked
    assert not failures, "\n".join(failures)
    assert not errors, errors
