"""What grant_role and revoke_role share: their arguments and how they find people and comuni."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from plm_workflow.accounts.models import Role
from plm_workflow.plans.selectors import ComuneLookupError, comune_get


def add_role_arguments(parser):
    parser.add_argument("role", choices=[role.value for role in Role], help="the role")
    parser.add_argument("username", metavar="USER", help="the person's username")
    parser.add_argument(
        "--comune",
        metavar='CODE|"Name (PROV)"',
        help="the comune, for coordinator and facilitator: ISTAT code or “Name (PROV)”",
    )


def resolve(*, username, comune):
    """Return the user and the comune named on the command line, or raise CommandError."""
    try:
        user = get_user_model().objects.get_by_natural_key(username)
    except get_user_model().DoesNotExist:
        raise CommandError(_("No user is called “%(user)s”.") % {"user": username}) from None
    if comune is None:
        return user, None
    try:
        return user, comune_get(text=comune)
    except ComuneLookupError as exc:
        raise CommandError(str(exc)) from exc
