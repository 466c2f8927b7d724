"""Bookings as iCalendar (RFC 5545), through the icalendar library: the private feed a
person subscribes to (feeds.py) and the .ics in a booking's confirmation email carry the same
events, so a calendar app that has both keeps one.

Each booking is one VEVENT whose UID never changes (booking-<id>@<host>), whose SEQUENCE is
the booking's own counter (bumped by every change of state, bookings.move_state), and whose
STATUS follows the booking: TENTATIVE while waiting for approval, CONFIRMED once booked,
CANCELLED when cancelled, declined or released (sent as cancelled, not dropped, so the event
leaves the calendar rather than lingering). Times are written in UTC ("...Z"), which every
calendar app shows in its own zone: right across the clocks' changes without a VTIMEZONE.
DTSTAMP is the booking's last change, so the same booking gives the same bytes.
"""

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event

from assets.models import Booking
from assets.security import absolute_url

PRODID = "-//School equipment bookings//EN"
STATUS = {
    "requested": "TENTATIVE",
    "approved": "CONFIRMED",
    "collected": "CONFIRMED",
    "returned": "CONFIRMED",
    "cancelled": "CANCELLED",
    "declined": "CANCELLED",
    "released": "CANCELLED",
}


def uid_host() -> str:
    """The host in every UID: CALENDAR_UID_HOST, or BASE_URL's host name. Changing it
    would duplicate every event in people's calendars, so it is read from configuration,
    never from a request."""
    configured = current_app.config.get("CALENDAR_UID_HOST")
    return configured or urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def booking_uid(booking: Booking) -> str:
    return f"booking-{booking.id}@{uid_host()}"


def summary(booking: Booking) -> str:
    """ "TROLLEY-A iPad trolley (booked)", naming the item."""
    return f"{booking.item_text} ({booking.state_label.lower()})"


def item_location(booking: Booking):
    """Where the item is kept: the asset's or the pool's location (a kit has none). The
    calendar event's LOCATION and the confirmation's "Collect it from"."""
    if booking.pool is not None:
        return booking.pool.location
    return booking.asset.location if booking.asset is not None else None


def booking_event(booking: Booking) -> Event:
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", booking.updated_at)
    event.add("last-modified", booking.updated_at)
    event.add("created", booking.created_at)
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add("summary", summary(booking))
    event.add("status", STATUS[booking.state])
    location = item_location(booking)
    if location is not None:
        event.add("location", location.name)
    lines = [f"{booking.item_text}: {booking.state_label}", f"For {booking.person.name}"]
    if booking.purpose:
        lines.append(booking.purpose)
    lines.append(absolute_url("bookings.my_bookings"))
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT" if STATUS[booking.state] == "CANCELLED" else "OPAQUE")
    return event


def calendar_bytes(bookings: Iterable[Booking], name: str = "") -> bytes:
    """An iCalendar object (METHOD:PUBLISH) holding one event per booking."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for booking in bookings:
        calendar.add_component(booking_event(booking))
    return calendar.to_ical()
