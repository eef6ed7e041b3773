"""The person's profile page: their language, how they are notified, their calendar feed.

Only the logged-in person's own settings: there is no profile of anyone else to address.
Auditors may use it (DESIGN §4: it concerns only themselves).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from forms.profile import ProfileForm
from plm_workflow.profiles.language import session_language_set
from plm_workflow.profiles.models import Notifications, Profile
from plm_workflow.profiles.services import (
    calendar_token_regenerate,
    profile_language_set,
    profile_notifications_set,
)

from .calendar_feed import feed_url

PROFILE_SAVED = _("Your settings are saved.")
PROFILE_UNCHANGED = _("Nothing to change: your settings were already these.")
CALENDAR_CREATED = _("Your calendar address is ready: add it to your calendar application.")
CALENDAR_REGENERATED = _(
    "Your calendar has a new address: the old one no longer works. Replace it in your "
    "calendar application."
)


def _stored(user) -> Profile:
    """The person's profile as stored, or an unsaved one with the defaults."""
    return Profile.objects.filter(user=user).first() or Profile(user=user)


class ProfileView(generic.FormView):
    """Show the person's settings; POST saves the language and the notification choice."""

    form_class = ProfileForm
    template_name = "plm_workflow/profile.html"

    def dispatch(self, request, *args, **kwargs):
        self.profile = _stored(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {
            "language": self.profile.language,
            "notifications": self.profile.notifications or Notifications.EMAIL,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        token = self.profile.calendar_token
        context.update(
            profile=self.profile,
            calendar_url=feed_url(token) if token else "",
            has_email=bool((self.request.user.email or "").strip()),
        )
        return context

    def form_valid(self, form):
        user, data = self.request.user, form.cleaned_data
        before = (self.profile.language, self.profile.notifications)
        try:
            with transaction.atomic():  # both, or neither
                profile = profile_language_set(user=user, language=data["language"])
                profile = profile_notifications_set(user=user, notifications=data["notifications"])
        except ValidationError as error:  # the form's choices are the services' own
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        session_language_set(self.request, profile.language)
        changed = (profile.language, profile.notifications) != before or self.profile.pk is None
        messages.success(self.request, PROFILE_SAVED if changed else PROFILE_UNCHANGED)
        return redirect("profile")


class CalendarTokenView(generic.View):
    """POST: give the person's calendar feed a (new) secret address."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        had = bool(_stored(request.user).calendar_token)
        calendar_token_regenerate(user=request.user)
        messages.success(request, CALENDAR_REGENERATED if had else CALENDAR_CREATED)
        return redirect(reverse("profile") + "#plm-calendar")
