"""A person's own settings: the language of their pages and e-mails, how they are notified."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from plm_workflow.profiles.models import Notifications

DEFAULT_LANGUAGE = _("The site's default language")


def _language_choices():
    return [("", DEFAULT_LANGUAGE), *settings.LANGUAGES]


class ProfileForm(forms.Form):
    """The language (empty: the site's default) and the notification choice."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=_language_choices,
        required=False,
        help_text=_("Of your pages and of the e-mails sent to you."),
    )
    notifications = forms.ChoiceField(
        label=_("Notifications"),
        choices=Notifications.choices,
        widget=forms.RadioSelect,
        help_text=_("The bell in the app always shows everything."),
    )
