from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from plm_workflow.accounts.models import Role
from plm_workflow.accounts.services import RoleAlreadyHeld, RoleError, role_grant, where

from ._roles import add_role_arguments, resolve


class Command(BaseCommand):
    help = (
        "Give a person a role: coordinator or facilitator of a comune (--comune), or the global "
        "lead or auditor role. The plan permissions follow from it. Examples: "
        'grant_role coordinator anna --comune "Saluzzo (CN)"; grant_role lead marco.'
    )

    def add_arguments(self, parser):
        add_role_arguments(parser)

    def handle(self, *args, role, username, comune=None, **options):
        user, comune_obj = resolve(username=username, comune=comune)
        try:
            role_grant(user=user, role=role, comune=comune_obj)
        except RoleAlreadyHeld as exc:
            self.stdout.write(str(exc))
            return
        except RoleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("%(user)s is now %(role)s%(where)s.")
                % {"user": username, "role": Role(role).label, "where": where(comune_obj)}
            )
        )
