"""`flask release-bookings`: releases what nobody collected, with the configured minutes."""

from assets.extensions import db
from assets.services.bookings import bookings
from tests.support.bookings import asset, at, booking, person_of, school, user
from tests.support.smtp import send_mail_through


def test_release_bookings_uses_the_configured_minutes_and_emails(
    app, make, runner, clock, smtp_server, database
):
    send_mail_through(app, smtp_server.port)
    s = school(make)
    with app.app_context():
        made = bookings.book(
            user(s.technician),
            asset(s.trolley),
            person_of(s.borrower),
            at("2026-11-23", "09:10"),
            at("2026-11-23", "10:00"),
            clock.now,
        )
        db.session.commit()
        booking_id = made.id
    clock.move_to(at("2026-11-23", "09:26"))
    app.config["BOOKING_RELEASE_MINUTES"] = 15
    quiet = runner.invoke(args=["release-bookings", "--after", "20"])
    assert quiet.exit_code == 0, quiet.output
    assert "0 bookings released." in quiet.output

    result = runner.invoke(args=["release-bookings"])
    assert result.exit_code == 0, result.output
    assert "Released TROLLEY-A for Miss A Guthrie." in result.output
    assert "1 booking released." in result.output
    with app.app_context():
        assert booking(booking_id).state == "released"
    assert len(smtp_server.messages) == 1
