from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plm_workflow.audit.selectors import heads_list, heads_text
from plm_workflow.roles import AUDITOR_GROUP

SENT = gettext_lazy("Audit heads sent to %(count)d auditors.")


class Command(BaseCommand):
    help = (
        "Print each audit chain's last sequence number and hash (a witness to keep outside "
        "the database: verify_audit --heads FILE checks the log still extends it). With "
        "--email, send it to every active auditor instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--email", action="store_true", help="e-mail the heads to the active auditors"
        )

    def handle(self, *args, email=False, **options):
        now = timezone.now()
        text = heads_text(heads_list(), at=now)
        if not email:
            self.stdout.write(text, ending="")
            return
        recipients = list(
            get_user_model()
            .objects.filter(groups__name=AUDITOR_GROUP, is_active=True)
            .exclude(email="")
            .order_by("email")
            .values_list("email", flat=True)
            .distinct()
        )
        if not recipients:
            raise CommandError(_("No active auditor has an e-mail address: nothing was sent."))
        send_mail(
            subject=_("PLM Workflow audit heads, %(date)s")
            % {"date": timezone.localtime(now).strftime("%d/%m/%Y %H:%M")},
            message=text,
            from_email=None,
            recipient_list=recipients,
        )
        self.stdout.write(_("Audit heads sent to %(count)d auditors.") % {"count": len(recipients)})
