from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    """Each person's own settings: the bottom layer, importing no other app of the project."""

    name = "plm_workflow.profiles"
    label = "profiles"
    verbose_name = _("Profiles")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .signals import language_apply_at_login

        user_logged_in.connect(language_apply_at_login, dispatch_uid="profiles-language-at-login")
