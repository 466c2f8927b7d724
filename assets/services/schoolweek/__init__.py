"""The school's week: the lesson-period grid of a school day and the term dates with their
holidays, INSET days and bank holidays, which bookings are made in.

- `week`: what the rest of the app asks (the periods, a period's UTC times on a day, whether
  a day is a school day, the term a day is in and its end, the closure on a day). It hands
  back plain values (`Period`, `Term`, `Closure`), the same whether the school set them or
  the defaults stand in.
- `defaults`: the week used while an admin has set none: a typical English secondary day and,
  for each school year with no terms set, three terms with half terms computed from the
  calendar.
- `editing`: an admin's changes (add, edit, remove a period, a term, a closure), each checked
  (no overlaps, no end before its start, no closure outside a term) and audited.
"""
