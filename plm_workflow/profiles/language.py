"""The language of a person's session: stored at login, read by the locale middleware.

The stored preference is copied into the session when the person logs in (one query per
login), so that the middleware, which runs on every request, reads it without a query.
"""

from django.utils import translation

SESSION_KEY = "plm_language"


def session_language(request) -> str:
    """The language stored in the request's session, or empty."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    return session.get(SESSION_KEY) or ""


def session_language_set(request, language: str) -> None:
    """Speak ``language`` for the rest of the session (empty: the cookie or the default)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if language:
        session[SESSION_KEY] = language
        if hasattr(request, "LANGUAGE_CODE"):
            # A real request, past the locale middleware: this response speaks it too.
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
    else:
        session.pop(SESSION_KEY, None)
