from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def language_choices():
    """The languages the site offers (read when asked, so migrations do not copy them)."""
    return settings.LANGUAGES


class Notifications(models.TextChoices):
    """How a person wants to be told: e-mails at once, one e-mail a day, or only in the app."""

    EMAIL = "email", _("an e-mail at once")
    DIGEST = "digest", _("one e-mail a day (digest)")
    IN_APP = "in_app", _("only in the app")


class Profile(models.Model):
    """One person's own settings, created the first time one is stored.

    The language of their pages (and of the e-mails sent to them; empty follows the site's
    default language), how they want to be notified, and their calendar feed's secret.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("person"),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=language_choices,
        help_text=_("Empty: the site's default language."),
    )

    notifications = models.CharField(
        _("notifications"),
        max_length=10,
        choices=Notifications.choices,
        default=Notifications.EMAIL,
        help_text=_("The bell in the app always shows everything."),
    )
    # The secret of the person's calendar feed URL; empty until they ask for one, replaced
    # when they regenerate it (the old URL then answers 404).
    calendar_token = models.CharField(
        _("calendar token"), max_length=64, unique=True, null=True, blank=True
    )

    history = HistoricalRecords(excluded_fields=["calendar_token"])

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)


class PasswordResetSent(models.Model):
    """One password-reset e-mail sent, by a keyed hash of its address (never the address).

    Kept in the database so that every web worker counts the same sends; rows older than the
    throttle's window are deleted as new ones are written.
    """

    address_hash = models.CharField(_("address hash"), max_length=64, db_index=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("password-reset e-mail sent")
        verbose_name_plural = _("password-reset e-mails sent")

    def __str__(self):
        return f"{self.address_hash[:12]}… {self.sent_at:%Y-%m-%d %H:%M}"
