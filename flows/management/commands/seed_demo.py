from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from flows.demo import (
    COHORT,
    DEMO_VERSION,
    FIRST_CYCLE,
    PASSWORD,
    SECOND_CYCLE,
    coordinator_name,
    seed,
    stamp,
)
from flows.selectors import inbox_for, queue_for
from plm_workflow.plans.models import Comune, Plan


class Command(BaseCommand):
    help = (
        "Fill a development database with the InCaS cohort replayed on its documented dates "
        "(launches in 2022, eight plans adopted in 2023, San Severo stalled in drafting) and "
        "a few illustrative second-cycle plans, through the real services. Idempotent; "
        "refused under production settings. An SQLite demo database built by an older "
        "version of the demo is rebuilt (never a database the demo did not fill). Users: "
        "lead, facilitator, auditor and coord-<comune>, password 'demo'."
    )

    def handle(self, *args, **options):
        if not settings.PLM_DEMO_ALLOWED:
            raise CommandError(_("The demo is refused here: these settings are for production."))
        foreign = Plan.objects.exclude(title__in=[FIRST_CYCLE, SECOND_CYCLE]).count()
        if foreign:
            raise CommandError(
                _(
                    "This database holds %(count)d plans the demo did not create: the demo "
                    "only fills a database of its own."
                )
                % {"count": foreign}
            )
        built_by = stamp.stored_version()
        if (
            built_by is not None
            and built_by < DEMO_VERSION
            and Plan.objects.exists()
            and stamp.is_sqlite_file()
        ):
            path = stamp.database_remove()
            self.stdout.write(
                _(
                    "%(path)s was built by version %(old)d of the demo; rebuilding it for "
                    "version %(new)d."
                )
                % {"path": path.name, "old": built_by, "new": DEMO_VERSION}
            )
            call_command("migrate", interactive=False, verbosity=0)
            call_command("import_comuni", verbosity=0, stdout=self.stdout)
        missing = [
            entry.istat
            for entry in COHORT
            if not Comune.objects.filter(istat_code=entry.istat).exists()
        ]
        if missing:
            raise CommandError(
                _("Import the ISTAT registry first (manage.py import_comuni): missing %(codes)s.")
                % {"codes": ", ".join(missing)}
            )
        try:
            import time_machine
        except ImportError:
            raise CommandError(_("The demo needs its extra: pip install -e '.[demo]'.")) from None

        def travel(moment):
            return time_machine.travel(moment, tick=False)

        result = seed(travel)
        stamp.store_version(DEMO_VERSION)
        self.stdout.write(
            _("Demo ready: %(first)d cohort plans and %(second)d second-cycle plans created now.")
            % {"first": result["first_cycle"], "second": result["second_cycle"]}
        )
        self.stdout.write(_("Log in with password “%(password)s” as:") % {"password": PASSWORD})
        people = result["people"]
        names = ["lead", "facilitator", "auditor"] + [
            coordinator_name(entry.name) for entry in COHORT
        ]
        by_name = {person.username: person for person in people.values()}
        for name in names:
            person = by_name[name]
            self.stdout.write(
                _("  %(user)-28s inbox %(inbox)2d · queue %(queue)2d")
                % {
                    "user": name,
                    "inbox": inbox_for(person).count(),
                    "queue": queue_for(person).count(),
                }
            )
