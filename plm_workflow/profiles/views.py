from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.views.i18n import LANGUAGE_QUERY_PARAMETER, set_language

from .language import session_language_set
from .services import profile_language_set


@login_not_required
def language_set(request):
    """The language switcher: Django's ``set_language``, remembered for a logged-in person.

    Before login (the login page offers the switcher) it only sets the language cookie, as
    Django's view does. A logged-in person's choice is also stored on their profile, and
    applied at their next login from any browser; auditors may do this too, since it concerns
    only themselves. A code the site does not offer changes nothing: back to the page.
    A GET changes nothing either (Django's view only redirects).
    """
    response = set_language(request)
    if request.method != "POST":
        return response
    language = request.POST.get(LANGUAGE_QUERY_PARAMETER, "")
    if language not in dict(settings.LANGUAGES):
        # Django sets the cookie for any language it has a catalogue of (e.g. "de"): drop it,
        # so that a forged code does not silently turn the person back to the default.
        response.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        return response
    if request.user.is_authenticated:
        profile_language_set(user=request.user, language=language)
        session_language_set(request, language)
    return response
