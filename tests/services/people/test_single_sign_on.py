"""Who signs in with a Microsoft 365 or Google account (single_sign_on), and the ID token checks
(assets/sso.py) against a real OpenID provider's keys: forged, expired, replayed."""

import secrets
import threading

import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from assets import create_app
from assets.database import commit_or_rollback
from assets.extensions import db
from assets.models import Event, Person, SignInIdentity, User
from assets.services.common.errors import DomainError, LoginRefused
from assets.services.people import login_admin, passwords, single_sign_on
from assets.services.people.single_sign_on import SchoolAccountRules
from tests.support.concurrency import race
from tests.support.oidc import DOMAIN, OTHER_TENANT, TENANT, check_id_token

MICROSOFT = SchoolAccountRules(
    provider="microsoft",
    issuer=f"https://login.microsoftonline.com/{TENANT}/v2.0",
    tenant_id=TENANT,
)
GOOGLE = SchoolAccountRules(provider="google", issuer="https://accounts.google.com", domain=DOMAIN)


def microsoft(oid: str, email: str, **claims) -> dict:
    return {
        "iss": MICROSOFT.issuer,
        "tid": TENANT,
        "oid": oid,
        "sub": "pairwise",
        "email": email,
        "xms_edov": True,
        **claims,
    }


def google(sub: str, email: str, **claims) -> dict:
    return {
        "iss": GOOGLE.issuer,
        "sub": sub,
        "hd": DOMAIN,
        "email": email,
        "email_verified": True,
        **claims,
    }


@pytest.fixture
def sign_in(clock):
    def sign_in(rules, claims, state=None):
        """Sign in as the callback does, at the frozen now; commit what it wrote, refused or
        not."""
        try:
            attempt = single_sign_on.use_attempt(state or secrets.token_urlsafe(), clock.now)
            return single_sign_on.sign_in(rules, claims, attempt, clock.now)
        finally:
            db.session.commit()

    return sign_in


def refusals() -> list[str]:
    return list(
        db.session.scalars(
            select(Event.summary).where(Event.action == "user.sso_refused").order_by(Event.id)
        )
    )


def test_first_sign_in_links_the_login_with_that_email_then_finds_it_by_subject(
    sign_in, ctx, make, database
):
    teacher = make.user("staff", email="a.patel@ashbrook.sch.uk")
    user = sign_in(MICROSOFT, microsoft("oid-1", "A.Patel@ashbrook.sch.uk"))
    assert user.id == teacher.id
    assert user.last_login_method == "microsoft"
    assert db.session.scalar(select(SignInIdentity.subject)) == f"{TENANT}/oid-1"
    # Later the address belongs to someone else: the subject still names the teacher.
    other = make.user("staff", email="new.patel@ashbrook.sch.uk")
    again = sign_in(MICROSOFT, microsoft("oid-1", "new.patel@ashbrook.sch.uk"))
    assert again.id == teacher.id != other.id


def test_an_address_given_to_a_new_account_does_not_reach_the_login_linked_before(
    sign_in, ctx, make
):
    make.user("staff", email="g.wright@ashbrook.sch.uk")
    sign_in(MICROSOFT, microsoft("oid-old", "g.wright@ashbrook.sch.uk"))
    with pytest.raises(LoginRefused, match="see the IT desk"):
        sign_in(MICROSOFT, microsoft("oid-new", "g.wright@ashbrook.sch.uk"))
    assert "linked to another Microsoft 365 account" in refusals()[-1]


def test_unlinking_lets_the_next_sign_in_link_afresh(sign_in, ctx, make, runner):
    make.user("staff", email="h.reid@ashbrook.sch.uk")
    sign_in(MICROSOFT, microsoft("oid-old", "h.reid@ashbrook.sch.uk"))
    result = runner.invoke(args=["unlink-sign-in", "H.Reid@ashbrook.sch.uk"])
    assert result.exit_code == 0 and "Removed 1 link of" in result.output
    assert sign_in(MICROSOFT, microsoft("oid-new", "h.reid@ashbrook.sch.uk")).email == (
        "h.reid@ashbrook.sch.uk"
    )
    assert db.session.scalar(select(SignInIdentity.subject)) == f"{TENANT}/oid-new"
    result = runner.invoke(args=["unlink-sign-in", "nobody@ashbrook.sch.uk"])
    assert result.exit_code != 0 and "There is no login for" in result.output


def test_a_login_keeps_its_role_whatever_the_provider_says(sign_in, ctx, make):
    office = make.user("office", email="office@ashbrook.sch.uk")
    user = sign_in(GOOGLE, google("g-1", "office@ashbrook.sch.uk", roles=["admin"]))
    assert (user.id, user.role) == (office.id, "office")


@pytest.mark.parametrize("role", ["admin", "technician"])
@pytest.mark.parametrize(
    ("rules", "claims"),
    [
        (GOOGLE, google("g-1", "head@ashbrook.sch.uk")),
        (MICROSOFT, microsoft("oid-1", "head@ashbrook.sch.uk")),
    ],
)
def test_an_admin_or_technician_login_is_never_linked_by_email(
    sign_in, ctx, make, role, rules, claims
):
    """Whoever can set an address at the provider (a tenant's helpdesk) must not become the
    head teacher by giving an account the head's address."""
    make.user(role, email="head@ashbrook.sch.uk")
    with pytest.raises(LoginRefused, match=r"cannot be linked .* see the IT desk"):
        sign_in(rules, claims)
    assert db.session.scalar(select(func.count()).select_from(SignInIdentity)) == 0
    assert refusals() == [
        f"Sign-in with {rules.label} refused: head@ashbrook.sch.uk has the {role} role, "
        "never linked by email"
    ]


@pytest.mark.parametrize(
    "claims",
    [
        # The tenant has not verified the address's domain: anyone's address could be set.
        microsoft("oid-1", "a@ashbrook.sch.uk", xms_edov=False),
        {**microsoft("oid-1", "a@ashbrook.sch.uk"), "xms_edov": None},
        # Microsoft: preferred_username must never decide who someone is.
        {
            **microsoft("oid-1", "", preferred_username="a@ashbrook.sch.uk"),
            "email": None,
        },
    ],
)
def test_microsoft_links_by_email_only_when_the_tenant_verified_it(sign_in, ctx, make, claims):
    make.user("staff", email="a@ashbrook.sch.uk")
    with pytest.raises(LoginRefused, match="no login here"):
        sign_in(MICROSOFT, claims)
    assert refusals() == ["Sign-in with Microsoft 365 refused: no email the provider vouches for"]


@pytest.mark.parametrize(
    ("rules", "claims", "message"),
    [
        (MICROSOFT, microsoft("oid-2", "a@ashbrook.sch.uk", tid=OTHER_TENANT), "does not belong"),
        (
            MICROSOFT,
            microsoft(
                "oid-2", "a@ashbrook.sch.uk", iss="https://login.microsoftonline.com/common/v2.0"
            ),
            "not the school's",
        ),
        # The email's ending is not what makes a Google account the school's: hd is.
        (GOOGLE, google("g-2", "a@ashbrook.sch.uk", hd=None), "does not belong"),
        (GOOGLE, google("g-2", "a@ashbrook.sch.uk", hd="gmail.com"), "does not belong"),
        (GOOGLE, google("g-2", "a@ashbrook.sch.uk", email_verified=False), "no login here"),
        # A guest from another organisation in the school's tenant: its address is not vouched.
        (
            MICROSOFT,
            microsoft("oid-2", "a@ashbrook.sch.uk", idp="https://sts.windows.net/other/"),
            "no login here",
        ),
        (MICROSOFT, microsoft("", "a@ashbrook.sch.uk"), "did not say who you are"),
    ],
)
def test_accounts_that_are_not_the_schools_are_refused(sign_in, ctx, make, rules, claims, message):
    make.user("staff", email="a@ashbrook.sch.uk")
    with pytest.raises(LoginRefused, match=message):
        sign_in(rules, claims)
    assert db.session.scalar(select(func.count()).select_from(SignInIdentity)) == 0
    assert len(refusals()) == 1


def test_someone_without_a_login_is_refused_unless_the_school_links_staff(
    sign_in, ctx, make, database
):
    person = make.person("Mr B Nowak", email="b.nowak@ashbrook.sch.uk")
    with pytest.raises(LoginRefused, match="see the IT desk"):
        sign_in(MICROSOFT, microsoft("oid-3", "b.nowak@ashbrook.sch.uk"))
    assert refusals() == [
        "Sign-in with Microsoft 365 refused: no login for b.nowak@ashbrook.sch.uk"
    ]

    linking = SchoolAccountRules(**{**MICROSOFT.__dict__, "unknown_people": "link"})
    user = sign_in(linking, microsoft("oid-3", "b.nowak@ashbrook.sch.uk", roles=["admin"]))
    assert (user.role, user.person_id, user.name) == ("staff", person.id, "Mr B Nowak")
    # Its password is one nobody knows: it signs in with the school account.
    assert passwords.password_expired(user)


def test_linking_needs_an_active_member_of_staff(sign_in, ctx, make):
    linking = SchoolAccountRules(**{**GOOGLE.__dict__, "unknown_people": "link"})
    person = make.person("Ms C Leaver", email="c.leaver@ashbrook.sch.uk")
    db.session.get(Person, person.id).active = False
    db.session.commit()
    with pytest.raises(LoginRefused, match="see the IT desk"):
        sign_in(linking, google("g-4", "c.leaver@ashbrook.sch.uk"))
    with pytest.raises(LoginRefused, match="see the IT desk"):
        sign_in(linking, google("g-5", "nobody@ashbrook.sch.uk"))
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_deactivated_login_cannot_sign_in_linked_or_not(sign_in, ctx, make):
    admin = db.session.get(User, make.user("admin").id)
    teacher = make.user("staff", email="d.jones@ashbrook.sch.uk")
    sign_in(GOOGLE, google("g-6", "d.jones@ashbrook.sch.uk"))
    login_admin.set_active(admin, db.session.get(User, teacher.id), False)
    db.session.commit()
    with pytest.raises(LoginRefused, match="deactivated"):
        sign_in(GOOGLE, google("g-6", "d.jones@ashbrook.sch.uk"))
    other = make.user("staff", email="e.jones@ashbrook.sch.uk")
    login_admin.set_active(admin, db.session.get(User, other.id), False)
    db.session.commit()
    with pytest.raises(LoginRefused, match="deactivated"):
        sign_in(GOOGLE, google("g-7", "e.jones@ashbrook.sch.uk"))
    assert db.session.scalar(select(func.count()).select_from(SignInIdentity)) == 1


def test_a_school_account_neither_clears_nor_counts_the_password_lockout(sign_in, ctx, make):
    make.user("staff", email="l.ng@ashbrook.sch.uk")
    db.session.scalar(select(User).where(User.email == "l.ng@ashbrook.sch.uk")).failed_logins = 3
    db.session.commit()
    user = sign_in(GOOGLE, google("g-10", "l.ng@ashbrook.sch.uk"))
    assert user.failed_logins == 3


def test_an_attempt_is_used_once(sign_in, ctx, make, database):
    make.user("staff", email="f.khan@ashbrook.sch.uk")
    sign_in(GOOGLE, google("g-8", "f.khan@ashbrook.sch.uk"), state="state-1")
    with pytest.raises(LoginRefused, match="used already"):
        sign_in(GOOGLE, google("g-8", "f.khan@ashbrook.sch.uk"), state="state-1")


@pytest.mark.parametrize("linking", ["existing login", "new staff login"])
def test_two_first_sign_ins_at_once_sign_in_as_one_login(app, make, database, clock, linking):
    """Two tabs (or a double click) finishing the first sign-in together: the database lets
    one link in, and the other, retried as the callback retries it, finds that link."""
    if linking == "existing login":
        make.user("staff", email="p.shah@ashbrook.sch.uk")
    else:
        make.person("Mrs P Shah", email="p.shah@ashbrook.sch.uk")
    rules = SchoolAccountRules(**{**GOOGLE.__dict__, "unknown_people": "link"})

    def first_sign_in(i: int, barrier: threading.Barrier):
        def callback():  # what the callback view runs, with commit_or_rollback's retry
            attempt = single_sign_on.use_attempt(f"state-{i}", clock.now)
            try:
                return single_sign_on.sign_in(
                    rules, google("g-shah", "p.shah@ashbrook.sch.uk"), attempt, clock.now
                ).id
            except LoginRefused as refused:
                return refused

        barrier.wait()
        return commit_or_rollback(callback, retry_on_race=True)

    outcomes = race(app, first_sign_in, desks=2)

    assert outcomes[0] == outcomes[1] and isinstance(outcomes[0], int), outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInIdentity)) == 1
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_login_the_rules_of_logins_would_not_create_is_refused_not_an_error(
    sign_in, ctx, make, monkeypatch
):
    """Whatever rule of logins says no to the new login (SSO_UNKNOWN_PEOPLE=link): a clear
    refusal with an audit event, never a 500."""
    make.person("Mr Q Long", email="q.long@ashbrook.sch.uk")

    def no(*_args, **_values):
        raise DomainError("There is already a login for q.long@ashbrook.sch.uk.")

    monkeypatch.setattr(login_admin, "create_user", no)
    linking = SchoolAccountRules(**{**GOOGLE.__dict__, "unknown_people": "link"})
    with pytest.raises(LoginRefused, match=r"did not work\. Please see the IT desk"):
        sign_in(linking, google("g-long", "q.long@ashbrook.sch.uk"))
    assert refusals() == [
        "Sign-in with Google refused: There is already a login for q.long@ashbrook.sch.uk."
    ]


def test_staff_passwords_can_be_switched_off_but_never_other_roles(ctx, make):
    staff = db.session.get(User, make.user("staff").id)
    admin = db.session.get(User, make.user("admin").id)
    assert single_sign_on.passwords_allowed(staff, "on", True)
    assert not single_sign_on.passwords_allowed(staff, "off", True)
    assert single_sign_on.passwords_allowed(admin, "off", True)
    # With no provider set up, switching passwords off would lock everyone out: it waits.
    assert single_sign_on.passwords_allowed(staff, "off", False)


# ---- the ID token, checked against the real provider's published keys ------------------------


@pytest.fixture
def sso_app(oidc_provider):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **oidc_provider.app_config()})
    with app.test_request_context():
        yield app


def token(oidc_provider, name="google", key=None, **claims) -> dict:
    claims = {"sub": "g-9", "hd": DOMAIN, "nonce": "nonce-1", **claims}
    return {"access_token": "x", "id_token": oidc_provider.id_token(name, claims, key=key)}


def test_a_token_signed_with_the_providers_key_passes(sso_app, oidc_provider):
    claims = check_id_token("google", token(oidc_provider), "nonce-1")
    assert (claims["sub"], claims["hd"], claims["iss"]) == (
        "g-9",
        DOMAIN,
        oidc_provider.issuers["google"],
    )


def test_a_token_signed_with_a_key_the_provider_never_published_is_refused(sso_app, oidc_provider):
    forger = RSAKey.generate_key(2048, parameters={"kid": "google-key"})
    with pytest.raises(LoginRefused, match="did not work"):
        check_id_token("google", token(oidc_provider, key=forger), "nonce-1")
    stranger = RSAKey.generate_key(2048, parameters={"kid": "someone-else"})
    with pytest.raises(LoginRefused, match="did not work"):
        check_id_token("google", token(oidc_provider, key=stranger), "nonce-1")


def test_a_token_from_another_issuer_or_for_another_app_is_refused(sso_app, oidc_provider):
    # Microsoft's issuer signing a token for the Google client: the keys and issuer differ.
    with pytest.raises(LoginRefused):
        check_id_token("google", token(oidc_provider, name="microsoft"), "nonce-1")
    with pytest.raises(LoginRefused):
        check_id_token("google", token(oidc_provider, aud="another-app"), "nonce-1")


def test_a_replayed_nonce_is_refused(sso_app, oidc_provider):
    with pytest.raises(LoginRefused):
        check_id_token("google", token(oidc_provider, nonce="an-older-sign-in"), "nonce-1")
    with pytest.raises(LoginRefused):
        check_id_token("google", token(oidc_provider, nonce=None), "nonce-1")


def test_an_expired_token_is_refused(sso_app, oidc_provider, clock):
    issued = token(oidc_provider)  # valid five minutes from the frozen now
    check_id_token("google", issued, "nonce-1")
    clock.advance(minutes=5, seconds=59)  # within the minute allowed for clocks that differ
    check_id_token("google", issued, "nonce-1")
    clock.advance(seconds=2)
    with pytest.raises(LoginRefused):
        check_id_token("google", issued, "nonce-1")


def test_a_link_made_between_two_reads_of_another_tab_is_taken_not_refused(ctx, make, clock):
    """Each statement of a first sign-in sees what was committed before it: the other tab's
    link can appear after this one looked it up by subject. Linking then finds the login
    already linked to this very account, and signs in with it."""
    user = make.user("staff", email="r.iqbal@ashbrook.sch.uk")
    db.session.add(
        SignInIdentity(provider="google", subject="g-iqbal", user_id=user.id, created_at=clock.now)
    )
    db.session.flush()
    attempt = single_sign_on.use_attempt("state-late", clock.now)
    claims = google("g-iqbal", "r.iqbal@ashbrook.sch.uk")

    linked = single_sign_on._link(GOOGLE, claims, "g-iqbal", attempt, clock.now)

    assert linked.id == user.id
    assert db.session.scalar(select(func.count()).select_from(SignInIdentity)) == 1


# On SQLite the first write of a sign-in holds the database until it commits: no other tab
# can make a login in between.
@pytest.mark.databases("postgresql")
def test_a_login_made_by_another_tab_just_before_ours_is_taken_not_refused(
    app, make, clock, monkeypatch, database
):
    """The other tab's first sign-in can make the staff login after this one looked for it
    by email and before create_user checks: this one then signs in with that login instead of
    refusing ("sign-in did not work"), as PostgreSQL once showed under make test."""
    person = make.person("Mrs P Shah", email="p.shah@ashbrook.sch.uk")
    rules = SchoolAccountRules(**{**GOOGLE.__dict__, "unknown_people": "link"})
    real_create_user = login_admin.create_user

    def other_tab_first(*args, **kwargs):
        other = create_app(app.config | {})
        with other.app_context():
            real_create_user(
                None,
                email="p.shah@ashbrook.sch.uk",
                name="Mrs P Shah",
                role="staff",
                password=secrets.token_urlsafe(24) + "Aa1",
                person=db.session.get(Person, person.id),
            )
            db.session.commit()
        return real_create_user(*args, **kwargs)

    monkeypatch.setattr(login_admin, "create_user", other_tab_first)
    with app.app_context():
        attempt = single_sign_on.use_attempt("state-late", clock.now)
        user = single_sign_on.sign_in(
            rules, google("g-shah", "p.shah@ashbrook.sch.uk"), attempt, clock.now
        )
        db.session.commit()
        assert user.person_id == person.id
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        assert db.session.scalar(select(SignInIdentity.user_id)) == user.id
