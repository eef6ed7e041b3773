"""The adoption of a plan: the resolution that adopts it, its signed act, its publication.

A PLM exists legally once the Giunta or the Consiglio comunale (or a commissioner with their
powers) adopts it by resolution, and is public once the act is published on the *albo
pretorio*. The act is recorded by the coordinators in the ``record_adoption`` step and
verified by the facilitators; the publication, after adoption, by its own service.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plm_workflow.limits import REASON_MAX_CHARS, TextLimitValidator

from .core import Document, Plan

ACT_DATE_IN_FUTURE = _("The resolution's date cannot be in the future.")
PUBLICATION_REVERSED = _("The publication cannot end before it starts.")
PUBLICATION_BEFORE_ACT = _("The publication cannot start before the act's date (%(date)s).")
PUBLICATION_IN_FUTURE = _("The publication cannot start in the future.")
LINK_INVALID = _("Give a web address starting with https:// (or http://).")


class AdoptingBody(models.TextChoices):
    GIUNTA = "giunta", _("Giunta comunale")
    CONSIGLIO = "consiglio", _("Consiglio comunale")
    COMMISSIONER_GIUNTA = (
        "commissioner_giunta",
        _("Extraordinary commissioner or commission, with the powers of the Giunta"),
    )
    COMMISSIONER_CONSIGLIO = (
        "commissioner_consiglio",
        _("Extraordinary commissioner or commission, with the powers of the Consiglio"),
    )


def _validate_link(value):
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(LINK_INVALID, code="link") from None


class Adoption(models.Model):
    """The resolution adopting one plan, its signed act and annexes, and its publication."""

    plan = models.OneToOneField(
        Plan, on_delete=models.PROTECT, related_name="adoption", verbose_name=_("plan")
    )
    body = models.CharField(
        _("adopted by"),
        max_length=30,
        choices=AdoptingBody.choices,
        blank=True,
        help_text=_("The body whose resolution adopts the plan."),
    )
    act_number = models.CharField(
        _("resolution number"),
        max_length=50,
        blank=True,
        help_text=_("As in the register of resolutions, e.g. “112”."),
    )
    act_date = models.DateField(_("resolution date"), null=True, blank=True)
    immediately_enforceable = models.BooleanField(
        _("immediately enforceable"),
        default=False,
        help_text=_("Tick if the resolution was declared immediatamente eseguibile."),
    )
    signed_act = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed act (PDF)"),
    )
    notes = models.TextField(
        _("notes"),
        blank=True,
        max_length=REASON_MAX_CHARS,
        validators=[TextLimitValidator(REASON_MAX_CHARS)],
    )
    published_from = models.DateField(_("published from"), null=True, blank=True)
    published_to = models.DateField(_("published until"), null=True, blank=True)
    register_number = models.CharField(
        _("albo register number"),
        max_length=50,
        blank=True,
        help_text=_("The number the act has in the albo pretorio's register."),
    )
    publication_link = models.CharField(
        _("link to the publication"),
        max_length=500,
        blank=True,
        validators=[_validate_link],
        help_text=_("The https:// address of the act on the albo pretorio."),
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")

    def __str__(self):
        return f"{self.plan} — {self._meta.verbose_name}"

    @property
    def is_published(self) -> bool:
        return self.published_from is not None

    def clean(self):
        super().clean()
        errors = {}
        today = timezone.localdate()
        if self.act_date and self.act_date > today:
            errors["act_date"] = ACT_DATE_IN_FUTURE
        start, end = self.published_from, self.published_to
        if start and end and end < start:
            errors["published_to"] = PUBLICATION_REVERSED
        if start and start > today:
            errors["published_from"] = PUBLICATION_IN_FUTURE
        elif start and self.act_date and start < self.act_date:
            errors["published_from"] = PUBLICATION_BEFORE_ACT % {
                "date": self.act_date.strftime("%d/%m/%Y")
            }
        if errors:
            raise ValidationError(errors)
