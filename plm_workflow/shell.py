"""The app shell around every page: its menu and top bar, its title and its breadcrumbs.

viewflow's templates draw the side menu and the top bar from the site and application that
its URL patterns attach to the request. The pages outside them (a comune, the privacy notice,
the 403 and 404 pages) get both from the context processor here, so that they show the same
shell; the 500 page, drawn without context processors, shows no menu. The template library
``shell`` (``{% load shell %}``) gives every page its title in the top bar as in the browser
tab, and its breadcrumbs.
"""

from django import template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from flows.views import process_url
from plm_workflow.plans.models import Plan

PLANS = _("Plans")

register = template.Library()


def shell(request):
    """Give every page the site and application of its menu (``shell_site``, ``shell_app``):
    those its URL attached to the request, else the app's own."""
    from .urls import home, site

    match = request.resolver_match
    return {
        "shell_site": getattr(match, "site", None) or site,
        "shell_app": getattr(match, "app", None) or home,
    }


@register.simple_tag(takes_context=True)
def render_block(context, name):
    """Render the block ``name`` of the page being drawn once more, as the page fills it.

    A block renders once where its base template places it; this draws the page's name
    (``page-heading``) in the top bar as well as in the browser tab.
    """
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    node = block_context.get_block(name) if block_context is not None else None
    return node.render(context) if node is not None else ""


@register.inclusion_tag("plm_workflow/_breadcrumbs.html")
def breadcrumbs(*items):
    """The way back from a page: the plans, then each of ``items``, the last one this page.

    An item is a plan (named by its comune, linking to the plan's page), a task (linking to
    it) or the name of the page itself: ``{% breadcrumbs plan task "Add a table" %}`` gives
    Piani › Saluzzo (CN) › Tavoli › Aggiungi un tavolo.
    """
    crumbs = [{"label": PLANS, "url": reverse("home:plans")}]
    for item in items:
        if isinstance(item, Plan):
            crumbs.append({"label": item.comune.label, "url": process_url(item.process)})
        elif isinstance(item, Task):
            url = item.flow_task.reverse("index", args=[item.process_id, item.pk])
            crumbs.append({"label": item.title, "url": url})
        elif item:
            crumbs.append({"label": item, "url": None})
    crumbs[-1]["url"] = None
    return {"crumbs": crumbs}
