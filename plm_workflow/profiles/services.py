from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .models import Profile

UNKNOWN_LANGUAGE = _("%(language)s is not one of the languages of the site.")


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
    for attempt in range(2):
        try:
            with transaction.atomic():
                profile = Profile.objects.select_for_update().filter(user=user).first()
                if profile is None:
                    profile = Profile(user=user)
                elif profile.language == language:
                    return profile
                profile.language = language
                profile._history_user = user
                profile._change_reason = "language"
                profile.save()
                return profile
        except IntegrityError:
            # The same person's first choice stored at the same moment from another tab.
            if attempt:
                raise
    raise AssertionError("unreachable")
