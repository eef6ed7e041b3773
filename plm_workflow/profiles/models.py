from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def language_choices():
    """The languages the site offers (read when asked, so migrations do not copy them)."""
    return settings.LANGUAGES


class Profile(models.Model):
    """One person's own settings, created the first time one is stored.

    For now the language of their pages (and of the e-mails sent to them); empty follows the
    site's default language.
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

    history = HistoricalRecords()

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
