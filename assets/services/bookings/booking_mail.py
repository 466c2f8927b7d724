"""The email confirming a booking to the person it is for, with the booking as an .ics
attachment that carries the same UID as their calendar feed (ical.py), so adding both keeps
one event.

Sent after the booking is committed (the caller sends it), when a booking is made already
approved and when a technician approves a request: a mail server that is down loses no
booking, the caller reports the MailError instead."""

from assets.models import Booking
from assets.services.bookings import ical
from assets.services.bookings.availability import range_text
from assets.services.common import mailer


def send_confirmation(made: list[Booking]) -> bool:
    """Email the person the bookings in `made` (one booking, or the weeks of one repeat, all
    for one person and item) are for, with them in one .ics. False when there is nothing to
    send (mail not configured, nothing approved, no email address); MailError when sending
    fails."""
    booked = [b for b in made if b.state == "approved"]
    if not booked or not mailer.configured():
        return False
    person, asset = booked[0].person, booked[0].asset
    if not person.email:
        return False
    return mailer.send_template(
        [person.email],
        f"Booked: {asset.tag} {range_text(booked[0].starts_at, booked[0].ends_at)}"
        + (f" and {len(booked) - 1} more" if len(booked) > 1 else ""),
        "email/booking_confirmed.txt",
        attachments=[(f"booking-{booked[0].id}.ics", "text/calendar", ical.calendar_bytes(booked))],
        person=person,
        asset=asset,
        whens=[range_text(b.starts_at, b.ends_at) for b in booked],
        location=asset.location.name if asset.location else "",
    )
