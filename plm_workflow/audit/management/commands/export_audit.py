import contextlib
import datetime
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy

from plm_workflow.audit.exports import FORMATS, export_record, export_stream
from plm_workflow.audit.models import Event
from plm_workflow.audit.services import SYSTEM_OPERATOR
from plm_workflow.audit.timeline import TimelineFilters, events_filtered, plan_events
from plm_workflow.ids import parse_id

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
NO_SUCH_PLAN = gettext_lazy("No plan has the number %(id)s.")
NOT_A_DATE = gettext_lazy("“%(value)s” is not a date of the form YYYY-MM-DD.")
CANNOT_WRITE = gettext_lazy("Cannot write %(file)s: %(error)s")
EXPORTED = gettext_lazy(
    "Exported %(rows)d events to %(file)s (recorded as event %(seq)d of %(chain)s)."
)


class Command(BaseCommand):
    help = (
        "Export the audit log as CSV (for spreadsheets) or JSON Lines (for "
        "scripts/verify_export.py): every event, or one plan's (its chain and the global "
        "chain's events about its comune), from --since on. Every row carries the chain, seq, "
        "previous hash, hash and hashed content; the file ends with a trailer (rows, filters, "
        "heads covered). The export is itself recorded, by system:operator."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", required=True, choices=FORMATS, help="csv, or json for JSON Lines"
        )
        parser.add_argument(
            "--plan", metavar="NUMBER", help="only this plan (the number on its page)"
        )
        parser.add_argument(
            "--since", metavar="YYYY-MM-DD", help="only events from this day on (Rome time)"
        )
        parser.add_argument(
            "--output", metavar="FILE", help="write to this file (by default, standard output)"
        )

    def handle(self, *args, format, plan=None, since=None, output=None, **options):
        filters = TimelineFilters(since=_day(since) if since is not None else None)
        events = Event.objects.all()
        chosen = None
        if plan is not None:
            chosen = _plan(plan)
            events = plan_events(events, plan_id=chosen.pk, comune_code=chosen.comune.istat_code)
        events = events_filtered(events, filters)
        if output is None:
            export = export_record(
                events=events, by=SYSTEM_OPERATOR, plan=chosen, filters=filters, fmt=format
            )
            for chunk in export_stream(export):
                self.stdout.write(chunk, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as target:
                # Recorded once the file could be opened: a refused one records nothing.
                export = export_record(
                    events=events, by=SYSTEM_OPERATOR, plan=chosen, filters=filters, fmt=format
                )
                for chunk in export_stream(export):
                    target.write(chunk)
        except OSError as exc:
            raise CommandError(CANNOT_WRITE % {"file": output, "error": exc.strerror}) from exc
        self.stderr.write(
            EXPORTED
            % {
                "rows": export.rows,
                "file": output,
                "seq": export.event.seq,
                "chain": export.event.chain,
            }
        )


def _plan(text: str):
    """Return the plan numbered ``text`` (its id, as its page shows it), or refuse."""
    plan_id = parse_id(text.strip())
    # The plans sit above the audit: reach their table through the event's foreign key.
    plans = Event._meta.get_field("plan").related_model._default_manager
    found = plans.select_related("comune").filter(pk=plan_id).first() if plan_id else None
    if found is None:
        raise CommandError(NO_SUCH_PLAN % {"id": text})
    return found


def _day(text: str) -> datetime.date:
    day = None
    if DATE.fullmatch(text):
        with contextlib.suppress(ValueError):
            day = datetime.date.fromisoformat(text)
    if day is None:
        raise CommandError(NOT_A_DATE % {"value": text})
    return day
