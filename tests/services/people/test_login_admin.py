"""What admins do to a login: correct it, reset its password, unlock it, deactivate it, and
never leave the school without an active admin."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from assets.extensions import db
from assets.models import Event, Person, User
from assets.services.common.errors import DomainError, LoginRefused, NotAllowed
from assets.services.people import login_admin, logins, passwords
from tests.support.concurrency import race


def _get(user) -> User:
    return db.session.get(User, user.id)


def _events(action: str, user_id: int) -> list[Event]:
    return list(
        db.session.scalars(select(Event).where(Event.action == action, Event.entity_id == user_id))
    )


def _edit(actor, user, **values):
    current = {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "person": user.person,
    } | values
    return login_admin.update_login(actor, user, **current)


# ---- editing -----------------------------------------------------------------------------------


def test_a_name_alone_is_corrected_without_ending_sessions(ctx, make):
    admin, staff = _get(make.user("admin")), _get(make.user("staff", name="Mr Smulen"))
    token = staff.session_token
    changes = _edit(admin, staff, name="  Mr   Śmullen ")
    db.session.commit()
    assert changes == {"name": ["Mr Smulen", "Mr Śmullen"]}
    assert _get(staff).name == "Mr Śmullen"
    assert _get(staff).session_token == token, "a name is not a reason to sign anyone out"
    [event] = _events("user.updated", staff.id)
    assert event.changes == changes and event.actor_id == admin.id
    assert _events("user.sessions_ended", staff.id) == []


def test_an_unchanged_login_records_nothing(ctx, make):
    admin, staff = _get(make.user("admin")), _get(make.user("staff"))
    assert _edit(admin, staff, email=staff.email.upper()) == {}
    assert _events("user.updated", staff.id) == []


def test_a_new_role_or_email_ends_the_sessions_in_one_event(ctx, make):
    admin, staff = _get(make.user("admin")), _get(make.user("staff"))
    old_email, token = staff.email, staff.session_token
    changes = _edit(admin, staff, role="technician", email=" J.Smullen@Ashbrook.SCH.uk ")
    db.session.commit()
    assert changes == {
        "email": [old_email, "j.smullen@ashbrook.sch.uk"],
        "role": ["Staff", "IT technician"],
    }
    staff = _get(staff)
    assert (staff.role, staff.email) == ("technician", "j.smullen@ashbrook.sch.uk")
    assert staff.session_token != token
    assert len(_events("user.updated", staff.id)) == 1
    [ended] = _events("user.sessions_ended", staff.id)
    assert ended.summary.endswith("role and email changed")
    assert logins.authenticate("j.smullen@ashbrook.sch.uk", "Password1").id == staff.id


def test_a_duplicate_or_bad_email_and_an_unknown_role_are_refused(ctx, make):
    admin = _get(make.user("admin"))
    staff, other = _get(make.user("staff")), _get(make.user("staff"))
    with pytest.raises(DomainError, match=f"already a login for {other.email}") as duplicate:
        _edit(admin, staff, email=f" {other.email.upper()} ")
    assert duplicate.value.field == "email"
    with pytest.raises(DomainError, match="not an email address"):
        _edit(admin, staff, email="pettit at ashbrook")
    with pytest.raises(DomainError, match="not a role"):
        _edit(admin, staff, role="governor")
    with pytest.raises(DomainError, match="Give the person's name"):
        _edit(admin, staff, name="   ")
    db.session.rollback()
    assert _get(staff).role == "staff"
    assert _events("user.updated", staff.id) == []


def test_a_member_of_staff_has_one_login(ctx, make):
    admin = _get(make.user("admin"))
    linked = _get(make.user("staff", person=True))
    staff = _get(make.user("staff"))
    with pytest.raises(DomainError, match="already has a login") as refused:
        _edit(admin, staff, person=linked.person)
    assert refused.value.field == "person_id"
    db.session.rollback()
    person = db.session.get(Person, make.person("Mrs J Smullen").id)
    changes = _edit(admin, _get(staff), person=person)
    assert changes == {"member_of_staff": [None, "Mrs J Smullen"]}
    # Keeping its own member of staff is no clash; unlinking is allowed.
    assert _edit(admin, _get(linked), person=_get(linked).person) == {}
    assert _edit(admin, _get(linked), person=None)["member_of_staff"][1] is None
    db.session.commit()
    assert _get(staff).person_id == person.id and _get(linked).person_id is None


@pytest.mark.parametrize("actor_role", ["technician", "office", "staff"])
def test_only_admins_edit_reset_and_unlock_admins_or_make_admins(ctx, make, actor_role):
    actor, admin = _get(make.user(actor_role)), _get(make.user("admin"))
    staff = _get(make.user("staff"))
    for change in (
        lambda: _edit(actor, admin, name="Someone else"),
        lambda: _edit(actor, staff, role="admin"),
        lambda: login_admin.set_temporary_password(actor, admin, "Temporary1"),
        lambda: login_admin.unlock(actor, admin),
    ):
        with pytest.raises(NotAllowed, match="Only an admin can"):
            change()
    db.session.rollback()
    assert (_get(admin).name, _get(staff).role) == (admin.name, "staff")


# ---- the last active admin ---------------------------------------------------------------------


def test_the_last_active_admin_keeps_the_role_and_stays_active(ctx, make):
    head = _get(make.user("admin"))
    deputy = _get(make.user("admin"))
    login_admin.set_active(head, deputy, False)  # an inactive admin does not count
    db.session.commit()
    with pytest.raises(DomainError, match="last active admin") as refused:
        _edit(head, head, role="staff")
    assert refused.value.field == "role"
    db.session.rollback()
    assert _get(head).role == "admin"
    # Another active admin: now the head may step down, even on their own.
    login_admin.set_active(head, _get(deputy), True)
    _edit(head, _get(head), role="technician")
    db.session.commit()
    assert _get(head).role == "technician"
    with pytest.raises(DomainError, match="last active admin"):
        _edit(None, _get(deputy), role="office")
    db.session.rollback()
    assert _get(deputy).active and _get(deputy).role == "admin"


def test_an_inactive_admin_may_be_demoted(ctx, make):
    head, deputy = _get(make.user("admin")), _get(make.user("admin"))
    login_admin.set_active(head, deputy, False)
    _edit(head, deputy, role="staff")
    db.session.commit()
    assert _get(deputy).role == "staff"


@pytest.mark.parametrize("how", ["demote", "deactivate"])
def test_two_admins_removing_each_other_at_once_leave_one(app, make, database, how):
    """Each checks that another admin remains, at the same moment: only one may win, on
    both databases, and the loser is told why."""
    admins = [make.user("admin"), make.user("admin")]

    def remove_the_other(i: int, barrier: threading.Barrier):
        me, other = _get(admins[i]), _get(admins[1 - i])
        barrier.wait()
        try:
            if how == "demote":
                _edit(me, other, role="staff")
            else:
                login_admin.set_active(me, other, False)
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return "done"

    outcomes = race(app, remove_the_other, desks=2)

    assert sorted(map(str, outcomes)).count("done") == 1, outcomes
    [refused] = [o for o in outcomes if o != "done"]
    assert isinstance(refused, DomainError), refused
    assert "last active admin" in refused.message
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(User)
                .where(User.role == "admin", User.active.is_(True))
            )
            == 1
        )


# ---- passwords and locks -----------------------------------------------------------------------


def test_a_reset_sets_a_temporary_password_to_change_at_first_use(ctx, make, clock):
    admin = _get(make.user("admin"))
    staff = _get(make.user("staff"))
    token = staff.session_token
    with pytest.raises(DomainError, match="capital letter") as weak:
        login_admin.set_temporary_password(admin, staff, "temporary1")
    assert weak.value.field == "password"
    login_admin.set_temporary_password(admin, staff, "Temporary1", now=clock.now)
    db.session.commit()
    staff = _get(staff)
    assert staff.session_token != token
    assert passwords.password_expired(staff, clock.now), "they must choose their own at once"
    assert not check_password_hash(staff.password_hash, "Password1")
    with pytest.raises(LoginRefused):
        logins.authenticate(staff.email, "Password1")
    db.session.commit()
    assert logins.authenticate(staff.email, "Temporary1").id == staff.id
    [event] = _events("user.password_set_by_admin", staff.id)
    assert event.changes == {"password_expired": [False, True]}
    assert "Temporary1" not in f"{event.summary}{event.changes}"
    assert len(_events("user.sessions_ended", staff.id)) == 1


def test_a_reset_lifts_a_lock_and_is_not_for_ones_own_password(app, ctx, make, clock):
    admin = _get(make.user("admin"))
    staff = _get(make.user("staff"))
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        with pytest.raises(LoginRefused):
            logins.authenticate(staff.email, "Wrong1234", now=clock.now)
        db.session.commit()
    assert logins.is_locked(_get(staff), clock.now)
    login_admin.set_temporary_password(admin, _get(staff), "Temporary1", now=clock.now)
    db.session.commit()
    assert not logins.is_locked(_get(staff), clock.now)
    [event] = _events("user.password_set_by_admin", staff.id)
    assert event.changes["locked_until"][1] is None
    with pytest.raises(DomainError, match="Change your own password"):
        login_admin.set_temporary_password(admin, admin, "Temporary1", now=clock.now)


def test_unlock_lets_a_locked_login_try_again_at_once(app, ctx, make, clock):
    admin = _get(make.user("admin"))
    staff = _get(make.user("staff"))
    with pytest.raises(DomainError, match="is not locked"):
        login_admin.unlock(admin, staff, now=clock.now)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        with pytest.raises(LoginRefused):
            logins.authenticate(staff.email, "Wrong1234", now=clock.now)
        db.session.commit()
    staff = _get(staff)
    until = staff.locked_until
    assert until == clock.now + timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"])
    token = staff.session_token
    login_admin.unlock(admin, staff, now=clock.now)
    db.session.commit()
    assert logins.authenticate(staff.email, "Password1", now=clock.now).id == staff.id
    assert _get(staff).session_token == token, "unlocking signs nobody out"
    [event] = _events("user.unlocked", staff.id)
    assert event.changes == {"locked_until": [until.isoformat(), None]}
    # A lock whose time has passed is no lock.
    _get(staff).locked_until = clock.now - timedelta(seconds=1)
    with pytest.raises(DomainError, match="is not locked"):
        login_admin.unlock(admin, _get(staff), now=clock.now)


def test_rows_show_the_lock_and_the_last_sign_in_in_school_time(app, ctx, make, clock):
    never = _get(make.user("staff", name="Mr A Never"))
    summer = clock.now.replace(month=7, day=1, hour=13, minute=5)
    signed = _get(make.user("staff", name="Mrs B Signed"))
    logins.record_sign_in(signed, "microsoft", summer)
    old = _get(make.user("staff", name="Mr C Old"))
    old.last_login_at = clock.now - timedelta(days=3)  # before how was recorded
    never.locked_until = clock.now + timedelta(minutes=10)
    old.locked_until = clock.now - timedelta(minutes=1)
    db.session.commit()
    rows = {row.user.name: row for row in login_admin.login_rows(clock.now)}
    assert rows["Mr A Never"].last_sign_in == "Never"
    assert rows["Mr A Never"].sign_in_method is None
    assert rows["Mr A Never"].locked_until == clock.now + timedelta(minutes=10)
    # 13:05 UTC on 1 July is 14:05 in London: summer time.
    assert rows["Mrs B Signed"].last_sign_in == "01/07/2026 14:05"
    assert rows["Mrs B Signed"].sign_in_method == "Microsoft 365"
    assert rows["Mr C Old"].last_sign_in == "20/11/2026 09:00"
    assert rows["Mr C Old"].sign_in_method is None
    assert rows["Mr C Old"].locked_until is None
