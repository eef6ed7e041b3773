"""English as written in Europe (en-GB): dates day-first, times on the 24-hour clock.

Django's ``en`` formats are American (``Oct. 25, 2006``, ``10/25/2006``); the people of this
app read ``8 March 2027`` and ``08/03/2027``. Numbers keep Django's English formats.
"""

# Django date-format syntax: https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date
DATE_FORMAT = "j F Y"  # 8 March 2027
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j F Y, H:i"  # 8 March 2027, 14:30
YEAR_MONTH_FORMAT = "F Y"  # March 2027
MONTH_DAY_FORMAT = "j F"  # 8 March
SHORT_DATE_FORMAT = "d/m/Y"  # 08/03/2027
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 08/03/2027 14:30
FIRST_DAY_OF_WEEK = 1  # Monday

# Python strptime syntax; ISO first, as the browser's date inputs send it.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2027-03-08
    "%d/%m/%Y",  # 08/03/2027
    "%d/%m/%y",  # 08/03/27
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # 2027-03-08 14:30:59
    "%Y-%m-%d %H:%M:%S.%f",  # 2027-03-08 14:30:59.000200
    "%Y-%m-%d %H:%M",  # 2027-03-08 14:30
    "%d/%m/%Y %H:%M:%S",  # 08/03/2027 14:30:59
    "%d/%m/%Y %H:%M:%S.%f",  # 08/03/2027 14:30:59.000200
    "%d/%m/%Y %H:%M",  # 08/03/2027 14:30
    "%d/%m/%y %H:%M:%S",  # 08/03/27 14:30:59
    "%d/%m/%y %H:%M",  # 08/03/27 14:30
]
