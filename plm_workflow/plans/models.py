import calendar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

ISTAT_CODE_VALIDATOR = RegexValidator(r"^\d{6}$", _("An ISTAT code has exactly six digits."))
PROVINCE_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z]{2}$", _("A province code has two capital letters.")
)
PATRON_DAY_INVALID = _("The patron day is not a day of the calendar.")
PATRON_DAY_INCOMPLETE = _("Give both the day and the month of the patron day, or neither.")

# A patron day recurs every year: 29 February is allowed, so read months of a leap year.
_LEAP_YEAR = 2000


class Comune(models.Model):
    """A comune of the ISTAT registry, keyed on its six-digit code.

    Names repeat across provinces (two comuni are called Castro), so a comune is shown and
    looked up as ``Name (PROV)``. A comune missing from a newer registry file is marked
    suppressed, never deleted.
    """

    istat_code = models.CharField(
        _("ISTAT code"), max_length=6, unique=True, validators=[ISTAT_CODE_VALIDATOR]
    )
    name = models.CharField(_("name"), max_length=200, db_index=True)
    province_code = models.CharField(
        _("province"), max_length=2, validators=[PROVINCE_CODE_VALIDATOR]
    )
    region = models.CharField(_("region"), max_length=100)
    patron_day = models.PositiveSmallIntegerField(
        _("patron day (day)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    patron_month = models.PositiveSmallIntegerField(
        _("patron day (month)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    suppressed = models.BooleanField(
        _("suppressed"),
        default=False,
        help_text=_("No longer in the ISTAT registry (merged or dissolved)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("comune")
        verbose_name_plural = _("comuni")
        ordering = ["name", "province_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(patron_day__isnull=True, patron_month__isnull=True)
                | Q(patron_day__isnull=False, patron_month__isnull=False),
                name="comune_patron_day_complete",
                violation_error_message=PATRON_DAY_INCOMPLETE,
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """Return the unambiguous name, e.g. ``Castro (LE)``."""
        return f"{self.name} ({self.province_code})"

    def clean(self):
        super().clean()
        if (self.patron_day is None) != (self.patron_month is None):
            raise ValidationError(PATRON_DAY_INCOMPLETE)
        month, day = self.patron_month, self.patron_day
        if month and day and 1 <= month <= 12 and day > calendar.monthrange(_LEAP_YEAR, month)[1]:
            raise ValidationError({"patron_day": PATRON_DAY_INVALID})
