"""Each phase's step pages, one module per phase; the flow asks here for a phase's views."""

from plm_workflow.plans.models import Phase

from . import adoption, assessment, drafting, tables

_MODULES = {
    Phase.ASSESSMENT: assessment,
    Phase.TABLES: tables,
    Phase.DRAFTING: drafting,
    Phase.ADOPTION: adoption,
}


def work_view_for(spec):
    """Return the editor view of a phase (a registry entry)."""
    return _MODULES[spec.phase].WorkView


def check_view_for(spec):
    """Return the check view of a phase (a registry entry)."""
    return _MODULES[spec.phase].CheckView


def pages_for(spec):
    """Return the sub-pages of a phase's editor: ``(slug, route, view class)`` (none by default)."""
    pages = getattr(_MODULES[spec.phase], "pages", None)
    return pages(spec) if pages is not None else ()
