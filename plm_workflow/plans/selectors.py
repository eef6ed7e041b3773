"""Reads of the plans domain."""

import re

from django.utils.translation import gettext as _

from .models import Comune, Plan, Review

_LABEL_RE = re.compile(r"^(?P<name>.+?)\s*\((?P<province>[A-Za-z]{2})\)$")


class ComuneLookupError(Exception):
    """No single comune matches what was given."""


def comune_get(*, text: str) -> Comune:
    """Return the comune named by an ISTAT code, ``Name (PROV)`` or an unambiguous name.

    Names repeat across provinces: a bare name that several comuni share is refused, with
    the labels to choose from.
    """
    text = " ".join(text.split())
    if not text:
        raise ComuneLookupError(_("Give a comune: its ISTAT code or “Name (PROV)”."))
    if text.isdigit():
        try:
            return Comune.objects.get(istat_code=text.zfill(6))
        except Comune.DoesNotExist:
            raise ComuneLookupError(
                _("No comune has the ISTAT code %(code)s.") % {"code": text}
            ) from None
    match = _LABEL_RE.match(text)
    if match:
        candidates = Comune.objects.filter(
            name__iexact=match["name"], province_code=match["province"].upper()
        )
    else:
        candidates = Comune.objects.filter(name__iexact=text)
    found = list(candidates[:10])
    if not found:
        raise ComuneLookupError(_("No comune is called “%(text)s”.") % {"text": text})
    if len(found) > 1:
        raise ComuneLookupError(
            _("Several comuni are called “%(text)s”: give one of %(labels)s.")
            % {"text": text, "labels": ", ".join(comune.label for comune in found)}
        )
    return found[0]


def comuni_search(*, text: str, limit: int = 20) -> list[Comune]:
    """Return comuni of the registry matching what was typed: names starting with it first."""
    text = " ".join(text.split())
    if not text:
        return []
    current = Comune.objects.filter(suppressed=False)
    if text.isdigit():
        return list(current.filter(istat_code__startswith=text).order_by("istat_code")[:limit])
    match = _LABEL_RE.match(text)
    if match:
        current = current.filter(province_code=match["province"].upper())
        text = match["name"]
    found = list(current.filter(name__istartswith=text)[:limit])
    if len(found) < limit:
        found += current.filter(name__icontains=text).exclude(name__istartswith=text)[
            : limit - len(found)
        ]
    return found


def review_latest(*, plan: Plan, phase: str) -> Review | None:
    """Return the latest decision on a phase of the plan, if any."""
    return (
        Review.objects.filter(plan=plan, phase=phase)
        .select_related("reviewer")
        .order_by("-round")
        .first()
    )
