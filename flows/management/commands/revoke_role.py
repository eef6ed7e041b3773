from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flows.services import membership_revoke
from plm_workflow.accounts.management.commands._roles import add_role_arguments, resolve
from plm_workflow.accounts.models import Role
from plm_workflow.accounts.services import RoleError, where


class Command(BaseCommand):
    help = (
        "Take a role away from a person: coordinator or facilitator of a comune (--comune), or "
        "the global lead or auditor role. Their permissions on the comune's plans go with it, "
        "the tasks they held there go back to the queue, and the membership is kept, marked "
        "revoked."
    )

    def add_arguments(self, parser):
        add_role_arguments(parser)

    def handle(self, *args, role, username, comune=None, **options):
        user, comune_obj = resolve(username=username, comune=comune)
        try:
            released = membership_revoke(user=user, role=role, comune=comune_obj)
        except RoleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("%(user)s is no longer %(role)s%(where)s.")
                % {"user": username, "role": Role(role).label, "where": where(comune_obj)}
            )
        )
        if released:
            self.stdout.write(
                ngettext(
                    "%(count)d task they held is back in the queue.",
                    "%(count)d tasks they held are back in the queue.",
                    released,
                )
                % {"count": released}
            )
