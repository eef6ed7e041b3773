import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plm_workflow.deadlines.policy import ROME, policy_from_settings
from plm_workflow.deadlines.sweep import sweep

NOW_INVALID = gettext_lazy(
    "--now must be an ISO date and time, e.g. 2027-03-05T08:00 (Europe/Rome unless a zone "
    "is given), not “%(value)s”."
)
NOW_IN_PRODUCTION = gettext_lazy(
    "--now is refused under production settings (it would write alerts dated another day): "
    "use it with --dry-run, or leave it out."
)
GAVE_UP = gettext_lazy(
    "%(count)d e-mail row(s) given up on after %(attempts)d attempts (rows %(ids)s); the lead "
    "facilitator was told in the app."
)
UNEXPECTED = gettext_lazy("The sweep failed: %(error)s")
ROWS_WRITTEN = gettext_lazy(
    "Alert rows %(verb)s: %(total)d (in the app %(in_app)d, e-mail %(email)d, digest %(digest)d)."
)
SENT = gettext_lazy(
    "E-mails sent: %(sent)d (%(rows)d rows); pending for retry: %(retry)d; given up on: %(failed)d."
)


def parse_now(value: str) -> datetime.datetime:
    """Return the moment ``--now`` names: aware, Europe/Rome unless it names its zone."""
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(str(NOW_INVALID % {"value": value})) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ROME)
    return moment


class Command(BaseCommand):
    help = (
        "Write the deadline alerts that are due (in-app at once; e-mail and digest rows for the "
        "people who want them) and send the e-mails that wait, from PLM_ALERTS_SEND_FROM "
        "(Europe/Rome). Safe to run at the same time on several machines and as often as you "
        "like (every 5 minutes from cron or a systemd timer): a row is never written twice and "
        "an e-mail is claimed by one sweep at a time. Exits 0, also when e-mails stay pending "
        "for a retry; 1 on an unexpected error or when e-mails are given up on."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            metavar="ISO-DATETIME",
            help="run as if it were this moment, e.g. 2027-03-05T08:00 (Europe/Rome unless a "
            "zone is given); refused under production settings unless with --dry-run",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what would be written and how many e-mails wait; write and send nothing",
        )

    def handle(self, *args, now=None, dry_run=False, **options):
        if now is not None and getattr(settings, "PLM_PRODUCTION", False) and not dry_run:
            raise CommandError(str(NOW_IN_PRODUCTION))
        moment = parse_now(now) if now is not None else timezone.now()
        try:
            policy = policy_from_settings()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        try:
            result = sweep(now=moment, dry_run=dry_run, policy=policy)
        except Exception as error:
            raise CommandError(
                str(UNEXPECTED % {"error": f"{type(error).__name__}: {error}"})
            ) from error
        self._summary(result, policy)
        if result.failed:
            raise CommandError(
                str(
                    GAVE_UP
                    % {
                        "count": result.failed,
                        "attempts": policy.max_attempts,
                        "ids": ", ".join(str(pk) for pk in result.failed_ids),
                    }
                )
            )
        if result.errors:
            # An e-mail that could not be written is a bug: its rows are retried up to the
            # bound, and the sweep says so.
            raise CommandError(str(UNEXPECTED % {"error": result.errors[0]}))

    def _summary(self, result, policy):
        write = self.stdout.write
        local = result.now.astimezone(ROME)
        head = _("Dry run: nothing written or sent. ") if result.dry_run else ""
        write(
            head
            + _("Deadline sweep at %(moment)s (Europe/Rome).")
            % {"moment": local.strftime("%Y-%m-%d %H:%M")}
        )
        written = result.written
        total = written.in_app + written.email + written.digest
        verb = _("would be written") if result.dry_run else _("written")
        write(
            ROWS_WRITTEN
            % {
                "verb": verb,
                "total": total,
                "in_app": written.in_app,
                "email": written.email,
                "digest": written.digest,
            }
        )
        for kind, count in sorted(result.by_kind.items()):
            write(f"  {kind}: {count}")
        write(
            _("Escalations recorded in the audit log: %(count)d.") % {"count": result.escalations}
        )
        write(
            _("People without an e-mail address, told in the app only: %(count)d.")
            % {"count": written.without_address}
        )
        if result.dry_run or not result.sending:
            when = policy.send_from.strftime("%H:%M")
            reason = (
                _("dry run")
                if result.dry_run
                else _("e-mails go out from %(time)s") % {"time": when}
            )
            write(
                _("E-mails sent: 0 (%(reason)s); rows waiting: %(count)d.")
                % {"reason": reason, "count": result.waiting}
            )
            return
        write(
            SENT
            % {
                "sent": result.sent,
                "rows": result.sent_rows,
                "retry": result.retry,
                "failed": result.failed,
            }
        )
        if result.dropped:
            write(
                _("Not sent, the person has no address any more or was deactivated: %(count)d.")
                % {"count": result.dropped}
            )
        if result.stale:
            write(
                _(
                    "Not sent, no longer due (task closed, plan no longer active, due date "
                    "moved, or the person may no longer see the plan): %(count)d."
                )
                % {"count": result.stale}
            )
