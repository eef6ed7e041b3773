"""Who is offered the all-plans timeline in the side menu: ``{% load plm_timeline %}``."""

from django import template

from flows.timeline import may_see_all_plans

register = template.Library()


@register.filter(name="may_see_all_plans")
def may_see_all_plans_filter(user) -> bool:
    """``{% if request.user|may_see_all_plans %}``: the all-plans timeline is theirs."""
    return may_see_all_plans(user)
