"""Italian as the app's people write it: "8 marzo 2027", "8 marzo 2027, 14:30".

Django's own Italian formats write "08 Marzo 2027" and "Lunedì 08 Marzo 2027 14:30"; UI.md
asks for the day without a leading zero and the month in lower case, as Italian prose writes
it. ``E`` is the month's alternative form (context "alt. month"), whose lower-case Italian names
live in ``locale_viewflow`` beside the other translations our catalogue may not mark obsolete.
Everything else (short dates, numbers, input formats) follows Django's Italian formats.
"""

from django.conf.locale.it.formats import *  # noqa: F403

DATE_FORMAT = "j E Y"  # 8 marzo 2027
DATETIME_FORMAT = "j E Y, H:i"  # 8 marzo 2027, 14:30
YEAR_MONTH_FORMAT = "E Y"  # marzo 2027
MONTH_DAY_FORMAT = "j E"  # 8 marzo
