"""Booking equipment ahead: the form, one's own bookings, and the requests to approve."""
