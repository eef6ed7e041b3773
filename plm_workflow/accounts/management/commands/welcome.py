from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Print where the app is served and how to log in (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help="address the app is served at (default: http://127.0.0.1:8000/)",
        )

    def handle(self, *args, url, **options):
        url = url.rstrip("/") + "/"
        self.stdout.write(_("PLM Workflow is served at %(url)s") % {"url": url})
        users = get_user_model().objects.filter(is_active=True)
        if users.filter(is_superuser=True).exists() or users.filter(username="lead").exists():
            self.stdout.write(
                _("Log in at %(url)saccounts/login/ with your account (or a demo user above).")
                % {"url": url}
            )
        else:
            self.stdout.write(
                _(
                    "Nobody can log in yet. Create the first administrator in another terminal:\n"
                    "    .venv/bin/python manage.py createsuperuser\n"
                    "then log in at %(url)saccounts/login/"
                )
                % {"url": url}
            )
