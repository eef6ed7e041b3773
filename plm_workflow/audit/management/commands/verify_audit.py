from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from plm_workflow.audit.chain import chain_of
from plm_workflow.audit.services import verification_record
from plm_workflow.audit.verify import chains_verify, heads_parse, recorded_plan_ids
from plm_workflow.ids import parse_id


class Command(BaseCommand):
    help = (
        "Recompute every audit chain (or one plan's) from its events and check each still "
        "extends the heads recorded earlier by audit_heads. Prints OK with counts, or names "
        "the first broken event of each chain and exits with status 1. Its result is recorded "
        "on the global chain (the timeline shows when the log was last verified)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=int, metavar="ID", help="verify this plan's chain only")
        parser.add_argument(
            "--heads", metavar="FILE", help="heads printed earlier by audit_heads, to extend"
        )

    def handle(self, *args, plan=None, heads=None, **options):
        chain = None
        if plan is not None and parse_id(str(plan)) is None:
            raise CommandError(_("No plan has the id %(id)s.") % {"id": plan})
        plan_ids = recorded_plan_ids(only=plan)
        if plan is not None:
            if not plan_ids:
                raise CommandError(_("No plan has the id %(id)s.") % {"id": plan})
            chain = chain_of(plan)
        recorded = None
        if heads is not None:
            try:
                recorded = heads_parse(Path(heads).read_text(encoding="utf-8"))
            except OSError as exc:
                raise CommandError(
                    _("Cannot read %(file)s: %(error)s") % {"file": heads, "error": exc.strerror}
                ) from exc
            except (ValueError, UnicodeDecodeError) as exc:
                raise CommandError(
                    _("%(file)s is not a heads file: %(error)s") % {"file": heads, "error": exc}
                ) from exc
        result = chains_verify(chain=chain, heads=recorded, plan_ids=plan_ids)
        verification_record(result=result, chain=chain, heads=len(recorded or {}))
        if not result.ok:
            for problem in result.broken:
                self.stderr.write(problem)
            raise CommandError(
                _("The audit log is broken: %(count)d problems found.")
                % {"count": len(result.broken)}
            )
        message = _("OK: %(chains)s, %(events)s verified.") % {
            "chains": ngettext("%(count)d chain", "%(count)d chains", result.chains)
            % {"count": result.chains},
            "events": ngettext("%(count)d event", "%(count)d events", result.events)
            % {"count": result.events},
        }
        if recorded:
            message += " " + _("They extend the %(count)d recorded heads.") % {
                "count": len(recorded)
            }
        self.stdout.write(self.style.SUCCESS(message))
