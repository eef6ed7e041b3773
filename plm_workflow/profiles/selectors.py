from django.conf import settings

from .models import Profile


def _offered(language: str) -> str:
    """The language if the site still offers it, else empty."""
    return language if language in dict(settings.LANGUAGES) else ""


def language_stored(user) -> str:
    """The language the person chose, or empty if they never chose one (one query, no write)."""
    if not getattr(user, "pk", None):
        return ""
    language = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    return _offered(language or "")


def language_for(user) -> str:
    """The language to speak to the person in (pages, e-mails): their choice or the default."""
    return language_stored(user) or settings.LANGUAGE_CODE
