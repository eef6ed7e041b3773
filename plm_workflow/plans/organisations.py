"""A comune's organisations: the comune itself always among them; the list read for pages."""

from django.db.models.functions import Lower

from .models import Comune, Organisation, OrganisationKind


def comune_organisation_ensure(*, comune: Comune, by) -> tuple[Organisation, bool]:
    """Return the comune's own organisation, made now if it has none; and whether it was.

    Part of a plan's launch, whose event records it. Call it with the comune locked.
    """
    existing = Organisation.objects.filter(comune=comune, is_the_comune=True).first()
    if existing is not None:
        return existing, False
    name = f"Comune di {comune.name}"
    # A partner already recorded under that name becomes the comune itself.
    same = Organisation.objects.annotate(lowered=Lower("name")).filter(
        comune=comune, lowered=name.lower()
    )
    organisation = same.first() or Organisation(comune=comune, name=name)
    organisation.kind = OrganisationKind.COMUNE
    organisation.is_the_comune = True
    organisation._history_user = by
    organisation._change_reason = "the comune itself"
    organisation.save()
    return organisation, True


def organisations_of(comune_id: int):
    """Return the comune's organisations, the comune itself first, then by name."""
    return Organisation.objects.filter(comune_id=comune_id).order_by(
        "-is_the_comune", Lower("name"), "pk"
    )
