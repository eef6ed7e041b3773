import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .models import Notifications, Profile

#: The calendar feed's secret: 32 random bytes, 43 URL-safe characters.
CALENDAR_TOKEN_BYTES = 32

UNKNOWN_LANGUAGE = _("%(language)s is not one of the languages of the site.")
UNKNOWN_NOTIFICATIONS = _("%(choice)s is not one of the ways of being notified.")


def profile_for(user) -> Profile:
    """The person's profile, created (empty) the first time it is asked for."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def profile_language_set(*, user, language: str) -> Profile:
    """Store the language the person chose for themselves; empty follows the default again.

    Only a change writes (and so adds a history row, by the person themselves); choosing the
    same language again writes nothing.
    """
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(
            UNKNOWN_LANGUAGE, code="unknown_language", params={"language": language}
        )

    def change(profile):
        if profile.pk is not None and profile.language == language:
            return False
        profile.language = language
        return True

    return _profile_change(user=user, reason="language", change=change)


def _profile_change(*, user, reason: str, change) -> Profile:
    """Lock (or create) the person's profile, let ``change`` set it, save it if it changed.

    ``change(profile)`` returns True if it changed something. A history row records the
    change, by the person themselves.
    """
    for attempt in range(2):
        try:
            with transaction.atomic():
                profile = Profile.objects.select_for_update().filter(user=user).first()
                if profile is None:
                    profile = Profile(user=user)
                    change(profile)
                elif not change(profile):
                    return profile
                # The token's uniqueness is the database's: a clash fails the save.
                profile.full_clean(exclude=["user"], validate_unique=False)
                profile._history_user = user
                profile._change_reason = reason
                profile.save()
                return profile
        except IntegrityError:
            # The same person's first profile stored at the same moment from another tab.
            if attempt:
                raise
    raise AssertionError("unreachable")


def profile_notifications_set(*, user, notifications: str) -> Profile:
    """Store how the person wants to be told: e-mails at once, a daily digest, or in the app
    only (the bell always shows everything). Choosing the same again writes nothing."""
    if notifications not in Notifications.values:
        raise ValidationError(
            UNKNOWN_NOTIFICATIONS, code="unknown_notifications", params={"choice": notifications}
        )

    def change(profile):
        if profile.notifications == notifications:
            return False
        profile.notifications = notifications
        return True

    return _profile_change(user=user, reason="notifications", change=change)


def calendar_token_regenerate(*, user) -> Profile:
    """Give the person's calendar feed a new secret URL: the old one answers 404 from now on.

    The token is 32 random bytes, URL-safe (``secrets.token_urlsafe``); it is kept out of the
    profile's history, so that an old secret is nowhere to be found.
    """

    def change(profile):
        profile.calendar_token = secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
        return True

    return _profile_change(user=user, reason="calendar token", change=change)
