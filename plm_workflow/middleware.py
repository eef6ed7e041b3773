from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from plm_workflow.profiles.language import session_language


def _supported(language: str) -> str:
    """The site's variant of ``language``, or empty if the site does not offer it."""
    if not language:
        return ""
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return ""


class ItalianFirstLocaleMiddleware(LocaleMiddleware):
    """Show Italian unless the person chose another language.

    Django's own middleware follows the browser's Accept-Language header, so a coordinator on
    an English-language browser would meet an English app; here only a choice overrides the
    default: first the one stored on the person's profile, copied into the session at login
    (so no query per request), then the language cookie set by the switcher.

    The cookie follows the session's language, so that after logout the login page still
    speaks the language of the last person who chose one on this browser.
    """

    def process_request(self, request):
        language = (
            _supported(session_language(request))
            or _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""))
            or settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response = super().process_response(request, response)
        language = _supported(session_language(request))
        name = settings.LANGUAGE_COOKIE_NAME
        if language and name not in response.cookies and request.COOKIES.get(name) != language:
            response.set_cookie(
                name,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
