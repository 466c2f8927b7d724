"""The week the app uses until an admin sets the school's own: a typical English secondary
school day and, for any school year with no terms set, three terms with half terms worked
out from the calendar. They are a starting point for the admin to replace, not any local
authority's published dates.

A school year runs from 1 August to 31 July: a term belongs to the year its first day is in.
"""

from datetime import MAXYEAR, MINYEAR, date, time, timedelta

from dateutil.easter import easter
from dateutil.relativedelta import FR, MO, WE, relativedelta

# The calendar years a date typed into a form may be in (the forms refuse any other): far
# enough either way for any school, and clear of the ends of Python's calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2200

# Name, start, end, bookable: registration, six lessons, a break and lunch.
DEFAULT_PERIODS = (
    ("Registration", time(8, 40), time(8, 50), False),
    ("Period 1", time(8, 50), time(9, 50), True),
    ("Period 2", time(9, 50), time(10, 50), True),
    ("Break", time(10, 50), time(11, 10), False),
    ("Period 3", time(11, 10), time(12, 10), True),
    ("Period 4", time(12, 10), time(13, 10), True),
    ("Lunch", time(13, 10), time(13, 50), False),
    ("Period 5", time(13, 50), time(14, 50), True),
    ("Period 6", time(14, 50), time(15, 50), True),
)

# A term: (name, first day, last day, closures); a closure: (kind, name, first day, last day).
DefaultClosure = tuple[str, str, date, date]
DefaultTerm = tuple[str, date, date, tuple[DefaultClosure, ...]]


def school_year_of(day: date) -> int:
    """The school year `day` is in, named by the calendar year it starts in (1 August)."""
    return day.year if day.month >= 8 else day.year - 1


def school_year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of school year `year` (1 August to 31 July), cut to the
    calendar's ends for the years it would run past (school years 0 and 9999)."""
    first = date(year, 8, 1) if year >= MINYEAR else date.min
    last = date(year + 1, 7, 31) if year < MAXYEAR else date.max
    return first, last


def has_default_terms(year: int) -> bool:
    """Whether school year `year` lies wholly inside the calendar, so has default terms."""
    return MINYEAR <= year < MAXYEAR


def _week_from(monday: date) -> tuple[date, date]:
    return monday, monday + timedelta(days=4)


def _weekday_on_or_after(day: date) -> date:
    return day + timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else day


def default_terms(year: int) -> tuple[DefaultTerm, ...]:
    """The three default terms of school year `year` (autumn `year`, spring and summer
    `year` + 1), each with its half term and INSET or bank holiday closures (none for a
    year has_default_terms refuses):

    - autumn: the first Wednesday of September (an INSET day) to the Friday on or before
      20 December; half term the week of the last Monday of October;
    - spring: the first weekday on or after 4 January (an INSET day) to the start of the
      two-week Easter holiday; half term the week of the Monday on or after 12 February;
    - summer: from the end of the Easter holiday to the Friday on or before 23 July; the
      early May bank holiday; half term the week of the last Monday of May.

    The Easter holiday holds Good Friday and Easter Monday, as English local authorities
    publish it: the week before Easter and the week after (spring ends on the Friday nine
    days before Easter Sunday, summer starts on the Monday after Easter Monday: 27/03/2026
    to 13/04/2026, 07/04/2028 to 24/04/2028); when Easter Sunday is on or before 1 April,
    Easter week and the week after it (spring ends on the Thursday before Good Friday,
    summer starts two weeks after Easter Monday: 25/03/2027 to 12/04/2027, 29/03/2029 to
    16/04/2029).
    """
    if not has_default_terms(year):
        return ()
    autumn_first = date(year, 9, 1) + relativedelta(weekday=WE(+1))
    autumn_last = date(year, 12, 20) + relativedelta(weekday=FR(-1))
    october_half = _week_from(date(year, 10, 31) + relativedelta(weekday=MO(-1)))
    spring_first = _weekday_on_or_after(date(year + 1, 1, 4))
    sunday = easter(year + 1)
    early_easter = sunday <= date(year + 1, 4, 1)
    spring_last = sunday - timedelta(days=3 if early_easter else 9)
    february_half = _week_from(date(year + 1, 2, 12) + relativedelta(weekday=MO(+1)))
    summer_first = sunday + timedelta(days=15 if early_easter else 8)
    summer_last = date(year + 1, 7, 23) + relativedelta(weekday=FR(-1))
    may_bank_holiday = date(year + 1, 5, 1) + relativedelta(weekday=MO(+1))
    may_half = _week_from(date(year + 1, 5, 31) + relativedelta(weekday=MO(-1)))
    summer_closures: list[DefaultClosure] = []
    if may_bank_holiday >= summer_first:  # Easter can come after it
        summer_closures.append(
            ("bank_holiday", "Early May bank holiday", may_bank_holiday, may_bank_holiday)
        )
    summer_closures.append(("holiday", "Half term", *may_half))
    return (
        (
            f"Autumn term {year}",
            autumn_first,
            autumn_last,
            (
                ("inset", "INSET day", autumn_first, autumn_first),
                ("holiday", "Half term", *october_half),
            ),
        ),
        (
            f"Spring term {year + 1}",
            spring_first,
            spring_last,
            (
                ("inset", "INSET day", spring_first, spring_first),
                ("holiday", "Half term", *february_half),
            ),
        ),
        (f"Summer term {year + 1}", summer_first, summer_last, tuple(summer_closures)),
    )
