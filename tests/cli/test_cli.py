from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Person, User
from assets.services import demo
from assets.services.people import logins, passwords


def test_create_user_with_password(app, runner, database):
    result = runner.invoke(
        args=[
            "create-user",
            "head@ashbrook.sch.uk",
            "--name",
            "Mrs Roebuck",
            "--role",
            "admin",
            "--password",
            "Headteacher1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin login head@ashbrook.sch.uk" in result.output
    with app.app_context():
        user = logins.authenticate("head@ashbrook.sch.uk", "Headteacher1")
        assert user.role == "admin"
        assert not passwords.password_expired(user)


def test_create_user_prompts_for_the_password_and_applies_the_rule(app, runner):
    result = runner.invoke(
        args=["create-user", "it@ashbrook.sch.uk", "--name", "Mr Savage", "--role", "technician"],
        input="weakpass\nweakpass\n",
    )
    assert result.exit_code == 1
    assert "capital letter" in result.output
    result = runner.invoke(
        args=["create-user", "it@ashbrook.sch.uk", "--name", "Mr Savage", "--role", "technician"],
        input="Strong123\nStrong123\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_create_user_refuses_an_unknown_role(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "x@ashbrook.sch.uk",
            "--name",
            "X",
            "--role",
            "governor",
            "--password",
            "Strong123",
        ]
    )
    assert result.exit_code == 2
    assert "governor" in result.output


def test_demo_data_loads_once_and_prints_logins_that_work(app, runner, database):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "Demo school loaded" in first.output
    for role, email, _name, password in demo.DEMO_LOGINS:
        assert email in first.output and password in first.output
        with app.app_context():
            assert logins.authenticate(email, password).role == role
            db.session.commit()
    with app.app_context():
        counts = [db.session.scalar(select(func.count(m.id))) for m in (Asset, Person, User)]
    assert counts[0] >= 30 and counts[1] >= 12 and counts[2] == 4
    second = runner.invoke(args=["demo-data"])
    assert "left as it is" in second.output
    with app.app_context():
        assert [db.session.scalar(select(func.count(m.id))) for m in (Asset, Person, User)] == (
            counts
        )
