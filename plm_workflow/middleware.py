import time

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.middleware.locale import LocaleMiddleware
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from plm_workflow.ids import has_control_characters
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


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; no caching of what a logged-in person sees.

    Pages of a logged-in person carry names, plans and files: ``Cache-Control: private,
    no-store`` keeps them out of shared caches and off the disk of a shared office machine
    (the back button after logout shows nothing).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PLM_PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response


class ExpiredSessionMiddleware:
    """An anonymous POST to a page that needs login: say that nothing was saved.

    Otherwise LoginRequiredMiddleware redirects to the login page and what the person sent is
    lost without a word; that happens when the session expired while a form was open. List
    before CsrfViewMiddleware (a stale form may carry a stale token too) and before
    LoginRequiredMiddleware. The answer is 403: the request is refused, nothing changes, and
    the browser and Turbo show the page (401 would need an HTTP authentication scheme).
    """

    template_name = "registration/session_expired.html"
    # POSTs that need no session to be harmless: leaving needs no login.
    passthrough_url_names = {"logout"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not getattr(view_func, "login_required", True):
            return None
        user = getattr(request, "user", None)
        if user is None or user.is_authenticated:
            return None
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in self.passthrough_url_names:
            return None
        return TemplateResponse(request, self.template_name, status=403).render()


class SessionRenewalMiddleware:
    """A logged-in person's session lasts SESSION_COOKIE_AGE after their last request.

    Django renews a session's expiry only when it saves it; SESSION_SAVE_EVERY_REQUEST would
    write the session row on every request (on SQLite, every page view would take the
    database's write lock, and every click would cost its queries). Here the session is marked
    changed at most once every PLM_SESSION_RENEW_SECONDS, so it ends between
    SESSION_COOKIE_AGE minus that interval and SESSION_COOKIE_AGE after the last activity.
    List after SessionMiddleware and AuthenticationMiddleware.
    """

    key = "_plm_renewed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(self.key, 0) >= settings.PLM_SESSION_RENEW_SECONDS:
                session[self.key] = now  # saved, with a new expiry, by SessionMiddleware
        return response


CONTROL_IN_ADDRESS = _("The address contains a control character (such as NUL): nothing was done.")


class ControlCharactersMiddleware:
    """Refuse (400) an address whose path or query string holds a control character.

    A NUL byte cannot reach a PostgreSQL text column, and no C0 control character other than
    TAB, LF and CR has a place in an address; forms refuse them in what is posted (the
    validator in ``plm_workflow.ids``). Request bodies are not read here, so uploads are never
    scanned. List after the locale middleware, so the answer speaks the person's language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET
        if has_control_characters(request.path) or any(
            has_control_characters(key) or any(has_control_characters(v) for v in values)
            for key, values in query.lists()
        ):
            return HttpResponseBadRequest(
                str(CONTROL_IN_ADDRESS), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
