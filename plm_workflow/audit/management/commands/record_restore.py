import contextlib
import datetime
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import SYSTEM_OPERATOR, record

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


class Command(BaseCommand):
    help = (
        "Record in the audit log that the database was just restored from the backup taken on "
        "--backup-date: one event by system:operator on the global chain. Run it right after "
        "a restore, before anyone works, then send new heads (audit_heads --email): heads "
        "taken before the restore no longer match, and this event says why."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--backup-date",
            required=True,
            metavar="YYYY-MM-DD",
            help="the day the restored backup was taken",
        )

    def handle(self, *args, backup_date, **options):
        day = None
        if DATE.fullmatch(backup_date):
            with contextlib.suppress(ValueError):
                day = datetime.date.fromisoformat(backup_date)
        if day is None:
            raise CommandError(
                _("“%(value)s” is not a date of the form YYYY-MM-DD.") % {"value": backup_date}
            )
        if day > timezone.localdate():
            raise CommandError(
                _("The backup date %(date)s is in the future.") % {"date": day.isoformat()}
            )
        with transaction.atomic():
            event = record(
                kind=EventKind.BACKUP_RESTORED,
                actor=SYSTEM_OPERATOR,
                payload={"reason": f"restored from the backup of {day.isoformat()}"},
            )
        self.stdout.write(
            _(
                "Recorded: restored from the backup of %(date)s (chain %(chain)s, event "
                "%(seq)d). Now send new heads: manage.py audit_heads --email"
            )
            % {"date": day.isoformat(), "chain": event.chain, "seq": event.seq}
        )
