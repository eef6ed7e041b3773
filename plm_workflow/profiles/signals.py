from .language import session_language_set
from .selectors import language_stored


def language_apply_at_login(sender, request, user, **kwargs):
    """At login, speak the language the person chose (the locale middleware sets the cookie)."""
    if request is None:
        return
    session_language_set(request, language_stored(user))
