from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plm_workflow.plans.models import Comune
from plm_workflow.roles import COMUNE_ROLES, Role

__all__ = ["COMUNE_ROLES", "ONE_ROLE_PER_COMUNE", "Membership", "Role"]

ONE_ROLE_PER_COMUNE = _(
    "Nobody can be both municipal coordinator and facilitator of the same comune."
)


class Membership(models.Model):
    """A person's role on one comune: the source of truth for the plan permissions.

    Revoked memberships are kept (with when and by whom) for the record; a person holds at
    most one current role per comune, so nobody is both coordinator and facilitator of it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("person"),
    )
    comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("comune")
    )
    role = models.CharField(
        _("role"), max_length=20, choices=[(r.value, r.label) for r in COMUNE_ROLES]
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("granted by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("revoked by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["comune__name", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "comune"],
                condition=Q(revoked_at__isnull=True),
                name="membership_one_current_role_per_comune",
                violation_error_message=ONE_ROLE_PER_COMUNE,
            ),
            models.CheckConstraint(
                condition=Q(role__in=["coordinator", "facilitator"]),
                name="membership_role_is_a_comune_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.comune}"
