"""Pools: "any N of these", a category at a location booked by quantity (issue 16).

- pools.py: making, renaming and deleting a pool; its units (the assets of its category at
  its location that are not kit parts) and who holds each; the pool a unit is in.

Booking a pool and collecting it are bookings' (services/bookings/pool_bookings.py and
pool_capacity.py): pools know nothing of bookings but whether one is live.
"""
