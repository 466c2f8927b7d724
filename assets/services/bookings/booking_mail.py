"""The email confirming a booking to the person it is for, with the booking as an .ics
attachment that carries the same UID as their calendar feed (ical.py), so adding both keeps
one event.

Sent after the booking is committed (the caller sends it), when a booking is made already
approved and when a technician approves a request: a mail server that is down loses no
booking, the caller reports the MailError instead. A booking of an asset, a kit or a number
of a pool's units alike."""

from assets.models import Booking
from assets.services.bookings import ical
from assets.services.bookings.availability import range_text
from assets.services.bookings.bookings import item_tag
from assets.services.common import mailer


def send_confirmation(made: list[Booking]) -> bool:
    """Email the person the bookings in `made` (one booking, or the weeks of one repeat, all
    for one person and item) are for, with them in one .ics. False when there is nothing to
    send (mail not configured, nothing approved, no email address); MailError when sending
    fails."""
    booked = [b for b in made if b.state == "approved"]
    if not booked or not mailer.configured():
        return False
    first = booked[0]
    person = first.person
    if not person.email:
        return False
    location = ical.item_location(first)
    return mailer.send_template(
        [person.email],
        f"Booked: {item_tag(first)} {range_text(first.starts_at, first.ends_at)}"
        + (f" and {len(booked) - 1} more" if len(booked) > 1 else ""),
        "email/booking_confirmed.txt",
        attachments=[(f"booking-{first.id}.ics", "text/calendar", ical.calendar_bytes(booked))],
        person=person,
        item=first.item_text,
        whens=[range_text(b.starts_at, b.ends_at) for b in booked],
        location=location.name if location is not None else "",
    )
